# Two commands on a fresh machine with only python3: `make test`, `make demo`.
# `make test-fast` is the edit-test loop (no slow or multi-process tests); `make lint` what CI checks.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: test test-fast test-oldest lint demo bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the dependency list changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

# Tests spread over the cores (at most 4 processes): the suite is mostly single-threaded Python.
test: $(STAMP)
	$(BIN)/python -m pytest -n auto --maxprocesses 4

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow and not multiprocess"

lint: $(STAMP)
	$(BIN)/ruff check keras_tape tests benchmarks examples
	$(BIN)/ruff format --check keras_tape tests benchmarks examples
	$(BIN)/mypy

# The oldest TensorFlow/Keras pair pyproject.toml declares, in a venv of its
# own, on the tests of the step's parity with stock Keras, the models,
# save/load, the callbacks and every private API keras_tape/_compat.py uses.
OLDEST       := .venv-oldest
OLDEST_PINS  := tensorflow==2.16.1 keras==3.8.0 numpy==1.26.4
OLDEST_TESTS := tests/test_compat.py tests/test_tape_model.py tests/models tests/test_saving.py \
                tests/callbacks tests/test_pipeline.py tests/test_nonfinite.py

$(OLDEST)/.installed: pyproject.toml Makefile
	$(PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/python -m pip install --quiet --upgrade pip
	$(OLDEST)/bin/python -m pip install --quiet -e ".[test]" $(OLDEST_PINS)
	touch $@

test-oldest: $(OLDEST)/.installed
	$(OLDEST)/bin/python -c "import keras, tensorflow; print('oldest pair: tensorflow', tensorflow.__version__, 'keras', keras.__version__)"
	$(OLDEST)/bin/python -m pytest $(OLDEST_TESTS)

demo: $(STAMP)
	$(BIN)/keras-tape demo

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) $(OLDEST) build *.egg-info
