"""The package's public names, and loading saved models in a fresh process."""

import os
import re
import subprocess
import sys
import types

import numpy as np
import pytest

import keras_tape
from keras_tape.models import LinearRegression


def run_python(code: str) -> subprocess.CompletedProcess:
    """Runs `code` in a fresh interpreter, where nothing is imported yet."""
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment)


@pytest.mark.parametrize("name", keras_tape.__all__)
def test_every_public_name_resolves_to_what_it_names(name):
    value = getattr(keras_tape, name)
    assert name in dir(keras_tape)
    if name == "__version__":
        assert re.fullmatch(r"\d+\.\d+(\.\d+)?\S*", value)
    elif isinstance(value, types.ModuleType):
        assert value.__name__ == f"keras_tape.{name}"
    else:
        assert value.__name__ == name and value.__module__.startswith("keras_tape.")


def test_public_names_are_the_submodules_and_classes():
    from keras_tape import TapeModel
    from keras_tape.tape_model import TapeModel as defined

    assert TapeModel is keras_tape.TapeModel is defined
    assert keras_tape.models.LinearRegression is LinearRegression
    assert keras_tape.callbacks.PredictionPlotLogger.__name__ == "PredictionPlotLogger"
    assert callable(keras_tape.data.load_csv) and callable(keras_tape.autodiff.derivative)
    assert sorted(keras_tape.__all__) == [
        "TapeModel",
        "__version__",
        "autodiff",
        "callbacks",
        "data",
        "find_learning_rate",
        "models",
    ]


@pytest.fixture(scope="module")
def saved_line(tmp_path_factory):
    """A trained LinearRegression saved to a .keras file: `(path, its equation)`."""
    x = np.arange(6.0)
    model = LinearRegression()
    model.compile()
    model.fit(x, 2.0 * x + 1.0, epochs=50, batch_size=6, verbose=0)
    path = tmp_path_factory.mktemp("saved") / "line.keras"
    model.save(path)
    return path, model.equation()


@pytest.mark.multiprocess
@pytest.mark.parametrize(
    "imports",
    [
        "import keras\nimport keras_tape",
        "import keras_tape\nimport keras",
        # tape_model imports Keras itself: the models must wait until it has finished.
        "from keras_tape.tape_model import TapeModel\nimport keras",
    ],
)
def test_a_saved_model_loads_in_a_fresh_process_after_importing_the_package(saved_line, imports):
    path, equation = saved_line
    result = run_python(f"{imports}\nprint(keras.models.load_model({str(path)!r}, safe_mode=True).equation())")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == equation


@pytest.mark.multiprocess
def test_import_keras_tape_alone_imports_neither_keras_nor_tensorflow():
    result = run_python("import sys, keras_tape\nprint(sorted({'keras', 'tensorflow'} & set(sys.modules)))")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.multiprocess
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
