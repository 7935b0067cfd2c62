# Two commands on a fresh machine with only python3: `make test`, `make demo`.
# `make test-fast` is the edit-test loop (no slow or multi-process tests); `make lint` what CI checks.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: test test-fast lint demo bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the dependency list changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

test: $(STAMP)
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow and not multiprocess"

lint: $(STAMP)
	$(BIN)/ruff check keras_tape tests benchmarks examples
	$(BIN)/ruff format --check keras_tape tests benchmarks examples
	$(BIN)/mypy

demo: $(STAMP)
	$(BIN)/keras-tape demo

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info
