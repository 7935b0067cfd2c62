"""The package's public names, and loading saved models in a fresh process."""

import os
import subprocess
import sys

import numpy as np
import pytest

import keras_tape
from keras_tape.models import LinearRegression


def run_python(code: str) -> subprocess.CompletedProcess:
    """Runs `code` in a fresh interpreter, where nothing is imported yet."""
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment)


@pytest.mark.parametrize("name", keras_tape.__all__)
def test_every_public_name_resolves(name):
    assert getattr(keras_tape, name) is not None
    assert name in dir(keras_tape)


def test_public_names_are_the_submodules_and_classes():
    from keras_tape import TapeModel
    from keras_tape.tape_model import TapeModel as defined

    assert TapeModel is keras_tape.TapeModel is defined
    assert keras_tape.models.LinearRegression is LinearRegression
    assert keras_tape.callbacks.PredictionPlotLogger.__name__ == "PredictionPlotLogger"
    assert callable(keras_tape.data.load_csv) and callable(keras_tape.autodiff.derivative)
    assert sorted(keras_tape.__all__) == ["TapeModel", "__version__", "autodiff", "callbacks", "data", "models"]


@pytest.mark.parametrize("registration", ["import keras_tape", "from keras_tape.models import LinearRegression"])
def test_a_saved_model_loads_in_a_fresh_process_after_importing_the_package(tmp_path, registration):
    x = np.arange(6.0)
    model = LinearRegression()
    model.compile()
    model.fit(x, 2.0 * x + 1.0, epochs=50, batch_size=6, verbose=0)
    path = tmp_path / "line.keras"
    model.save(path)
    result = run_python(
        f"import keras\n{registration}\n"
        f"print(keras.models.load_model({str(path)!r}, safe_mode=True).equation())"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == model.equation()


def test_importing_the_package_loads_no_other_library_than_keras():
    # TensorBoard's plugins (HParamsLogger's) load on first use: with them the
    # import cost some sixty modules more than `import keras` already pays.
    code = (
        "import sys, keras\n"
        "before = set(sys.modules)\n"
        "import keras_tape, keras_tape.models, keras_tape.callbacks, keras_tape.autodiff, keras_tape.data\n"
        "new = set(sys.modules) - before\n"
        "print(sorted(m for m in new if m.split('.')[0] not in sys.stdlib_module_names | {'keras_tape'}))"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
