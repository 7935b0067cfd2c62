"""The catalogue of bad input: every case is refused with a clear error and leaves no file behind.

One table, read top to bottom: each case is an id, an optional `setup` that
prepares its files or model, the call through the public API, the exception
type and a regex for the message. Messages name the argument, what it got and
what it expects. Each case runs in an empty folder (also the working
directory), and the folder must be unchanged afterwards: a refused call writes
no partial file.

Some cases show Keras's own behaviour, which keras-tape does not wrap
(`keras.models.load_model`, `model.save`); their types and messages are
Keras's (see docs/guarantees.md).
"""

import contextlib
import importlib
import io
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_tape import data
from keras_tape.models import LinearRegression, MLPClassifier, PolynomialRegression

try:
    from keras_tape import cli
except ImportError as error:
    CLI_MISSING = f"keras_tape.cli is not importable yet ({error})"
else:
    CLI_MISSING = None if callable(getattr(cli, "main", None)) else "keras_tape.cli has no main(argv) yet"


class Workspace:
    """The empty folder a case runs in, with a monkeypatch for cases that fake the system."""

    def __init__(self, path: Path, monkeypatch):
        self.path = path
        self.monkeypatch = monkeypatch

    def write(self, name: str, content) -> Path:
        path = self.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path


class Case(NamedTuple):
    id: str
    call: Callable[[Any], Any]  # takes what `setup` returned
    error: type
    match: str
    setup: Callable[[Workspace], Any] = lambda ws: ws.path


# ------------------------------------------------------------------- set-ups


def csv_file(text, name="data.csv"):
    return lambda ws: ws.write(name, text)


def unreadable_csv(ws):
    path = ws.write("secret.csv", "1,2\n")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    # Tests often run as root, for whom chmod cannot make a file unreadable.
    ws.monkeypatch.setattr(importlib.import_module(data.load_csv.__module__), "open", refuse, raising=False)
    return path


def built(make_model, sample_shape):
    """A model from `make_model()`, built on inputs of `sample_shape`, compiled, not trained."""

    def setup(ws):
        model = make_model()
        model(np.zeros((1, *sample_shape), "float32"))
        model.compile()
        return model

    return setup


def linear_that_predicted(ws):
    model = built(LinearRegression, (2,))(ws)
    model.predict(np.ones((4, 2)), verbose=0)
    return model


def saved_model(ws):
    model = PolynomialRegression(degree=2)
    model(np.arange(3.0))
    model.save(ws.path / "model.keras")
    return ws.path / "model.keras"


def damaged_copy(damage):
    def setup(ws):
        content = saved_model(ws).read_bytes()
        return ws.write("damaged.keras", damage(content))

    return setup


def flipped_middle(content: bytes) -> bytes:
    middle = len(content) // 2
    return content[:middle] + bytes(b ^ 0xFF for b in content[middle : middle + 64]) + content[middle + 64 :]


def saved_with_lambda(make_model):
    def setup(ws):
        model = make_model()
        model(np.zeros((1, 3), "float32"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Keras warns that the lambda will need safe_mode=False
            model.save(ws.path / "lambda.keras")
        return ws.path / "lambda.keras"

    return setup


MNIST_NAMES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


def mnist_without(missing):
    def setup(ws):
        for name in MNIST_NAMES:
            if name != missing:
                ws.write(f"mnist/{name}", b"")
        return ws.path / "mnist"

    return setup


def fit(model, x, y):
    """Calls `model.fit(x, y)` on a compiled model, as a user would."""
    model.compile()
    return model.fit(np.asarray(x), np.asarray(y), epochs=1, verbose=0)


# ------------------------------------------------------------------- the CLI


class CommandFailed(Exception):
    """`keras-tape` ended with a non-zero status; the message is `exit STATUS: <all of stderr>`."""


def keras_tape_command(*argv):
    """Runs `keras_tape.cli.main(argv)` in-process, as `keras-tape ARGV` would run."""
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        try:
            status = cli.main([str(arg) for arg in argv])
        except SystemExit as exit:  # argparse's errors
            status = exit.code
    if status:
        raise CommandFailed(f"exit {status}: {stderr.getvalue()}")
    return status


def one_error_line(pattern: str) -> str:
    """The whole stderr of a refused command: status 2 and one line `keras-tape ...: error: ...`."""
    return rf"\Aexit 2: keras-tape[\w ]*: error: [^\n]*{pattern}[^\n]*\n\Z"


# -------------------------------------------------------------- the catalogue

CSV_CASES = [
    Case(
        "csv-missing-file",
        lambda d: data.load_csv(d / "missing.csv"),
        FileNotFoundError,
        r"`path` must be an existing path, got '.*missing\.csv', which does not exist",
    ),
    Case("csv-directory", data.load_csv, FileNotFoundError, r"`path` must be a CSV file, got the folder '.*'"),
    Case(
        "csv-path-not-a-path",
        lambda d: data.load_csv(3),
        TypeError,
        r"`path` must be a path \(str or os\.PathLike\), got 3 of type int",
    ),
    Case(
        "csv-unreadable",
        data.load_csv,
        PermissionError,
        r"`path` '.*secret\.csv' exists but cannot be read \(permission denied\); expected a readable CSV",
        setup=unreadable_csv,
    ),
    Case(
        "csv-empty-file",
        data.load_csv,
        ValueError,
        r"`path` '.*data\.csv' is empty; expected rows of numbers",
        setup=csv_file(""),
    ),
    Case(
        "csv-header-only",
        data.load_csv,
        ValueError,
        r"has a header row but no data rows; expected at least one",
        setup=csv_file("x,y\n"),
    ),
    Case(
        "csv-ragged-rows",
        data.load_csv,
        ValueError,
        r"line 3 has 3 fields, expected 2 \(as in line 1\)",
        setup=csv_file("1,2\n3,4\n5,6,7\n"),
    ),
    Case(
        "csv-text-in-numeric-column",
        data.load_csv,
        ValueError,
        r"line 2, column 1 \('y'\): expected a number, got 'abc'",
        setup=csv_file("x,y\n1,abc\n"),
    ),
    Case(
        "csv-empty-cell",
        data.load_csv,
        ValueError,
        r"line 2, column 0: expected a number, got ''",
        setup=csv_file("1,2\n,4\n"),
    ),
    Case(
        "csv-nan-cell",
        data.load_csv,
        ValueError,
        r"line 2, column 1: expected a finite float32 number, got 'nan'",
        setup=csv_file("1,2\n3,nan\n"),
    ),
    Case(
        "csv-inf-cell",
        data.load_csv,
        ValueError,
        r"line 1, column 0: expected a finite float32 number, got '-inf'",
        setup=csv_file("-inf,2\n3,4\n"),
    ),
    Case(
        "csv-float32-overflow",
        data.load_csv,
        ValueError,
        r"expected a finite float32 number, got '1e39'",
        setup=csv_file("1,2\n1e39,4\n"),
    ),
    Case(
        "csv-wrong-delimiter",
        data.load_csv,
        ValueError,
        r"has only 1 column; expected at least 2.*';' splits its first line; pass `delimiter`=';'",
        setup=csv_file("1;2\n3;4\n"),
    ),
    Case(
        "csv-bad-delimiter-argument",
        lambda p: data.load_csv(p, delimiter=";;"),
        ValueError,
        r"`delimiter` must be one character other than a quote or a line break, got ';;'",
        setup=csv_file("1,2\n"),
    ),
    Case(
        "csv-not-utf8",
        data.load_csv,
        ValueError,
        r"is not a UTF-8 text file; expected a CSV file of numbers",
        setup=csv_file(b"\xff\xfe\x00\x01,2\n"),
    ),
    Case(
        "csv-unknown-column-name",
        lambda p: data.load_csv(p, y_col="price"),
        ValueError,
        r"`y_col` got the unknown column name 'price'; available names: \['x', 'y'\]",
        setup=csv_file("x,y\n1,2\n"),
    ),
    Case(
        "csv-column-index-out-of-range",
        lambda p: data.load_csv(p, x_cols=[5]),
        ValueError,
        r"`x_cols\[0\]` got the index 5, out of range for a file with 2 column\(s\); expected an integer in \[-2, 1\]",
        setup=csv_file("1,2\n"),
    ),
]

ARRAY_CASES = [
    Case(
        "array-length-mismatch",
        lambda d: fit(LinearRegression(), np.ones(10), np.ones(9)),
        ValueError,
        r"same number of samples: `x` has 10, `y` has 9",
    ),
    Case(
        "array-wrong-rank",
        lambda d: fit(LinearRegression(), np.ones((4, 2, 2)), np.ones(4)),
        ValueError,
        r"`x` must have rank 1 or 2, got shape \(4, 2, 2\) \(rank 3\)",
    ),
    Case(
        "array-scalar",
        lambda d: fit(LinearRegression(), np.array(3.0), np.array(1.0)),
        ValueError,
        r"`x` must be an array of samples, got the scalar 3\.0",
    ),
    Case(
        "array-empty",
        lambda d: fit(LinearRegression(), np.ones(0), np.ones(0)),
        ValueError,
        r"`x` must not be empty, got shape \(0,\)",
    ),
    Case(
        "array-object-dtype",
        lambda d: fit(LinearRegression(), np.array([1.0, "a", None], object), np.ones(3)),
        TypeError,
        r"`x` must be a numeric array \(int or float\), got dtype object",
    ),
    Case(
        "array-ragged-rows",
        lambda d: fit(LinearRegression(), np.array([[1.0, 2.0], [3.0]], object), np.ones(2)),
        TypeError,
        r"`x` must be a numeric array \(int or float\), got dtype object",
    ),
    Case(
        "array-string-dtype",
        lambda d: fit(LinearRegression(), np.array(["1", "2"]), np.ones(2)),
        TypeError,
        r"`x` must be a numeric array \(int or float\), got dtype <U1",
    ),
    Case(
        "array-complex",
        lambda d: fit(LinearRegression(), np.ones(3, complex), np.ones(3)),
        TypeError,
        r"`x` must be real-valued, got complex dtype complex128",
    ),
    Case(
        "array-nan-in-x",
        lambda d: fit(LinearRegression(), [0.0, 1.0, np.nan, 3.0], np.ones(4)),
        ValueError,
        r"`x` must contain only finite numbers, got nan at row 2 \(1 non-finite values in all\)",
    ),
    Case(
        "array-inf-in-y",
        lambda d: fit(LinearRegression(), np.ones(4), [1.0, np.inf, 2.0, 3.0]),
        ValueError,
        r"`y` must contain only finite numbers, got inf at row 1",
    ),
    Case(
        "array-y-columns-not-units",
        lambda d: fit(LinearRegression(), np.ones(4), np.ones((4, 3))),
        ValueError,
        r"`y` must have shape \(n,\) or \(n, 1\), one column per output of LinearRegression \(units=1\), "
        r"got shape \(4, 3\)",
    ),
    Case(
        "array-one-hot-of-wrong-width",
        lambda d: fit(MLPClassifier(hidden_units=(4,), num_classes=3), np.ones((4, 2)), np.eye(4)),
        ValueError,
        r"`y` must hold integer labels of shape \(n,\) or one-hot targets of shape \(n, 3\), got shape \(4, 4\)",
    ),
    Case(
        "array-polynomial-coef-of-rank-2",
        lambda d: data.polynomial_data(coef=[[1.0, 2.0]]),
        ValueError,
        r"`coef` must have rank 1, got shape \(1, 2\)",
    ),
]

MODEL_CASES = [
    Case(
        "degree-zero", lambda d: PolynomialRegression(degree=0), ValueError, r"`degree` must be an integer >= 1, got 0"
    ),
    Case(
        "degree-negative",
        lambda d: PolynomialRegression(degree=-3),
        ValueError,
        r"`degree` must be an integer >= 1, got -3",
    ),
    Case(
        "degree-float",
        lambda d: PolynomialRegression(degree=2.0),
        TypeError,
        r"`degree` must be an integer >= 1, got 2\.0 of type float",
    ),
    Case(
        "degree-string",
        lambda d: PolynomialRegression(degree="2"),
        TypeError,
        r"`degree` must be an integer >= 1, got '2' of type str",
    ),
    Case(
        "degree-bool",
        lambda d: PolynomialRegression(degree=True),
        TypeError,
        r"`degree` must be an integer >= 1, got True of type bool",
    ),
    Case("units-zero", lambda d: LinearRegression(units=0), ValueError, r"`units` must be an integer >= 1, got 0"),
    Case(
        "hidden-units-zero",
        lambda d: MLPClassifier(hidden_units=(64, 0)),
        ValueError,
        r"`hidden_units\[1\]` must be an integer >= 1, got 0",
    ),
    Case(
        "hidden-units-negative",
        lambda d: MLPClassifier(hidden_units=(-4,)),
        ValueError,
        r"`hidden_units\[0\]` must be an integer >= 1, got -4",
    ),
    Case(
        "hidden-units-float",
        lambda d: MLPClassifier(hidden_units=(2.5,)),
        TypeError,
        r"`hidden_units\[0\]` must be an integer >= 1, got 2\.5 of type float",
    ),
    Case(
        "hidden-units-not-a-sequence",
        lambda d: MLPClassifier(hidden_units="64"),
        TypeError,
        r"`hidden_units` must be a sequence of integers >= 1, got '64' of type str",
    ),
    Case(
        "num-classes-one",
        lambda d: MLPClassifier(num_classes=1),
        ValueError,
        r"`num_classes` must be an integer >= 2, got 1",
    ),
    Case(
        "num-classes-float",
        lambda d: MLPClassifier(num_classes=10.0),
        TypeError,
        r"`num_classes` must be an integer >= 2, got 10\.0 of type float",
    ),
    Case(
        "labels-out-of-range",
        lambda d: fit(MLPClassifier((4,), 3), np.ones((4, 2)), [0, 1, 2, 3]),
        ValueError,
        r"`y` must hold class labels in \[0, 3\), got values from 0 to 3",
    ),
    Case(
        "labels-negative",
        lambda d: fit(MLPClassifier((4,), 3), np.ones((4, 2)), [0, -1, 2, 1]),
        ValueError,
        r"`y` must hold class labels in \[0, 3\), got values from -1 to 2",
    ),
    Case(
        "labels-float",
        lambda d: fit(MLPClassifier((4,), 3), np.ones((4, 2)), [0.0, 1.5, 2.0, 1.0]),
        ValueError,
        r"`y` must hold integer class labels in \[0, 3\), got non-integer values such as \[1\.5\]",
    ),
    Case(
        "labels-nan",
        lambda d: fit(MLPClassifier((4,), 3), np.ones((4, 2)), [0.0, np.nan, 2.0, 1.0]),
        ValueError,
        r"`y` must contain only finite numbers, got nan at row 1",
    ),
    Case(
        "coefficients-before-fit",
        lambda d: LinearRegression().coef,
        ValueError,
        r"LinearRegression has no coefficients yet: fit it \(or call it on data\) first",
    ),
    Case(
        "skip-nonfinite-steps-not-bool",
        lambda d: LinearRegression(skip_nonfinite_steps="yes"),
        TypeError,
        r"`skip_nonfinite_steps` must be True or False, got 'yes'",
    ),
    Case(
        "gradient-observer-not-callable",
        lambda d: LinearRegression().add_gradient_observer("print"),
        TypeError,
        r"`observer` must be callable as observer\(gradients, variables\), got 'print' of type str",
    ),
    # Input shape changing after build: fit or predict on 3 features a model built on 2.
    Case(
        "linear-fit-after-build-on-other-width",
        lambda m: m.fit(np.ones((5, 3)), np.ones(5), verbose=0),
        ValueError,
        r"`x` must have shape \(n, 2\), as LinearRegression was built for, got shape \(5, 3\)",
        setup=built(LinearRegression, (2,)),
    ),
    Case(
        "linear-predict-other-width",
        lambda m: m.predict(np.ones((4, 3)), verbose=0),
        ValueError,
        r"`x` must have shape \(n, 2\), as LinearRegression was built for, got shape \(\w+, 3\)",
        setup=built(LinearRegression, (2,)),
    ),
    Case(
        "linear-call-other-width",
        lambda m: m(np.ones((4, 1))),
        ValueError,
        r"`x` must have shape \(n, 2\), as LinearRegression was built for, got shape \(4, 1\)",
        setup=built(LinearRegression, (2,)),
    ),
    # Even after Keras has traced its predict function for the old shape, the check comes first.
    Case(
        "linear-predict-other-width-after-predicting",
        lambda m: m.predict(np.ones((4, 3)), verbose=0),
        ValueError,
        r"`x` must have shape \(n, 2\), as LinearRegression was built for, got shape \(4, 3\)",
        setup=linear_that_predicted,
    ),
    # A dataset is not checked ahead of Keras: the model's call refuses it, with the same message.
    Case(
        "linear-predict-dataset-of-other-width-after-predicting",
        lambda m: m.predict(tf.data.Dataset.from_tensors(np.ones((4, 3))), verbose=0),
        ValueError,
        r"`x` must have shape \(n, 2\), as LinearRegression was built for, got shape \(4, 3\)",
        setup=linear_that_predicted,
    ),
    Case(
        "polynomial-fit-two-columns",
        lambda d: fit(PolynomialRegression(2), np.ones((5, 2)), np.ones(5)),
        ValueError,
        r"`x` must be a scalar input of shape \(n,\) or \(n, 1\) for PolynomialRegression, got shape \(5, 2\)",
    ),
    Case(
        "polynomial-predict-two-columns",
        lambda m: m.predict(np.ones((4, 2)), verbose=0),
        ValueError,
        r"`x` must have shape \(n,\) or \(n, 1\), one value of x a row for PolynomialRegression, got shape",
        setup=built(lambda: PolynomialRegression(2), ()),
    ),
    Case(
        "mlp-fit-after-build-on-other-shape",
        lambda m: m.fit(np.ones((8, 64)), np.zeros(8), verbose=0),
        ValueError,
        r"`x` must have shape \(n, 8, 8\), as MLPClassifier was built for, got shape \(8, 64\)",
        setup=built(lambda: MLPClassifier((4,), 3), (8, 8)),
    ),
    Case(
        "mlp-predict-other-width",
        lambda m: m.predict(np.ones((4, 6)), verbose=0),
        ValueError,
        r"`x` must have shape \(n, 5\), as MLPClassifier was built for, got shape \(4, 6\)",
        setup=built(lambda: MLPClassifier((4,), 3), (5,)),
    ),
]

# Every entry point that takes data refuses what fit refuses, with fit's message: one row per
# bad input, tried through fit, evaluate, train_on_batch, test_on_batch and (for inputs alone)
# predict and predict_on_batch, on a model already built for (n, 2) inputs (MLP: (n, 5)).
ENTRY_POINTS = {
    "fit": lambda m, x, y: m.fit(x, y, epochs=1, verbose=0),
    "evaluate": lambda m, x, y: m.evaluate(x, y, verbose=0),
    "train_on_batch": lambda m, x, y: m.train_on_batch(x, y),
    "test_on_batch": lambda m, x, y: m.test_on_batch(x, y),
    "predict": lambda m, x, y: m.predict(x, verbose=0),
    "predict_on_batch": lambda m, x, y: m.predict_on_batch(x),
}
ROW = np.ones((4, 2))
BAD_INPUTS = [  # id, model, x, y, error, message; the first rows are about x alone
    (
        "nan-in-x",
        LinearRegression,
        np.array([[0, 1], [2, np.nan], [4, 5], [6, 7]]),
        np.ones(4),
        ValueError,
        r"`x` must contain only finite numbers, got nan at row 1 \(1 non-finite values in all\)",
    ),
    (
        "inf-in-x",
        LinearRegression,
        np.full((4, 2), -np.inf),
        np.ones(4),
        ValueError,
        r"`x` must contain only finite numbers, got -inf at row 0 \(8 non-finite values in all\)",
    ),
    (
        "empty-x",
        LinearRegression,
        np.ones((0, 2)),
        np.ones(0),
        ValueError,
        r"`x` must not be empty, got shape \(0, 2\)",
    ),
    (
        "x-of-other-width",
        LinearRegression,
        np.ones((4, 3)),
        np.ones(4),
        ValueError,
        r"`x` must have shape \(n, 2\), as LinearRegression was built for, got shape \(4, 3\)",
    ),
    (
        "mlp-x-of-other-shape",
        lambda: MLPClassifier(hidden_units=(4,), num_classes=3),
        np.ones((4, 6)),
        np.zeros(4),
        ValueError,
        r"`x` must have shape \(n, 5\), as MLPClassifier was built for, got shape \(4, 6\)",
    ),
    ("length-mismatch", LinearRegression, ROW, np.ones(3), ValueError, r"same number of samples: `x` has 4, `y` has 3"),
    (
        "inf-in-y",
        LinearRegression,
        ROW,
        np.array([1.0, np.inf, 2.0, 3.0]),
        ValueError,
        r"`y` must contain only finite numbers, got inf at row 1",
    ),
    (
        "mlp-labels-out-of-range",
        lambda: MLPClassifier(hidden_units=(4,), num_classes=3),
        np.ones((4, 5)),
        np.array([0, 1, 2, 3]),
        ValueError,
        r"`y` must hold class labels in \[0, 3\), got values from 0 to 3",
    ),
]
X_ALONE = 5  # BAD_INPUTS[:X_ALONE] are refused for their x, whatever y
ENTRY_POINT_CASES = [
    Case(
        f"{entry}-{bad_id}",
        lambda m, entry=entry, x=x, y=y: ENTRY_POINTS[entry](m, x, y),
        error,
        match,
        setup=built(make_model, (5,) if "mlp" in bad_id else (2,)),
    )
    for row, (bad_id, make_model, x, y, error, match) in enumerate(BAD_INPUTS)
    for entry in ENTRY_POINTS
    if row < X_ALONE or not entry.startswith("predict")
]

FILE_CASES = [
    Case(
        "load-missing-file",
        lambda d: keras.models.load_model(d / "missing.keras"),
        ValueError,
        r"File not found: filepath=.*missing\.keras\. Please ensure the file is an accessible `\.keras` zip file",
    ),
    Case(
        "load-truncated-file",
        keras.models.load_model,
        ValueError,
        r"filepath=.*damaged\.keras\. Please ensure the file is an accessible `\.keras` zip file",
        setup=damaged_copy(lambda content: content[: len(content) // 2]),
    ),
    Case(
        "load-empty-file",
        keras.models.load_model,
        ValueError,
        r"filepath=.*damaged\.keras\. Please ensure the file is an accessible `\.keras` zip file",
        setup=damaged_copy(lambda content: b""),
    ),
    Case(
        "load-corrupted-file",
        keras.models.load_model,
        zipfile.BadZipFile,
        r"Bad CRC-32 for file 'model\.weights\.h5'",
        setup=damaged_copy(flipped_middle),
    ),
    Case(
        "load-not-a-keras-file",
        lambda p: keras.models.load_model(p),
        ValueError,
        r"File format not supported: filepath=.*data\.csv\. Keras 3 only supports V3 `\.keras` files",
        setup=csv_file("1,2\n"),
    ),
    Case(
        "load-lambda-layer-in-safe-mode",
        lambda p: keras.models.load_model(p, safe_mode=True),
        ValueError,
        r"deserialization of a `Lambda` layer whose `function` is a Python lambda.*`safe_mode=False`",
        setup=saved_with_lambda(lambda: keras.Sequential([keras.layers.Lambda(lambda t: 2 * t)])),
    ),
    Case(
        "load-lambda-activation-in-safe-mode",
        lambda p: keras.models.load_model(p, safe_mode=True),
        ValueError,
        r"deserialization of a Python lambda.*`safe_mode=False`",
        setup=saved_with_lambda(lambda: MLPClassifier((4,), 3, activation=lambda t: 2 * t)),
    ),
    # Relative paths: each case runs in its own empty folder.
    Case(
        "save-into-missing-folder",
        lambda m: m.save("no-such-folder/model.keras"),
        FileNotFoundError,
        r"No such file or directory: 'no-such-folder/model\.keras'",
        setup=built(LinearRegression, (2,)),
    ),
    Case(
        "save-wrong-extension",
        lambda m: m.save("model.txt"),
        ValueError,
        r"Invalid filepath extension for saving.*Received: filepath=model\.txt",
        setup=built(LinearRegression, (2,)),
    ),
    Case(
        "mnist-path-missing",
        lambda d: data.load_mnist(d / "mnist"),
        FileNotFoundError,
        r"`path` must be an existing path, got '.*mnist', which does not exist",
    ),
    *(
        Case(
            f"mnist-folder-without-{name}",
            data.load_mnist,
            FileNotFoundError,
            rf"`path` folder '.*mnist' lacks {name} \(or the same with \.gz\); expected the MNIST IDX files",
            setup=mnist_without(name),
        )
        for name in MNIST_NAMES
    ),
]

CLI_CASES = [
    Case(
        "cli-missing-csv",
        lambda d: keras_tape_command("fit", "linear", "--csv", d / "missing.csv"),
        CommandFailed,
        one_error_line(r"--csv must be an existing path, got '.*missing\.csv', which does not exist"),
    ),
    Case(
        "cli-header-only-csv",
        lambda p: keras_tape_command("fit", "linear", "--csv", p),
        CommandFailed,
        one_error_line(r"has a header row but no data rows"),
        setup=csv_file("x,y\n"),
    ),
    Case(
        "cli-unknown-column",
        lambda p: keras_tape_command("fit", "linear", "--csv", p, "--y-col", "price"),
        CommandFailed,
        one_error_line(r"got the unknown column name 'price'; available names: \['x', 'y'\]"),
        setup=csv_file("x,y\n1,2\n"),
    ),
    Case(
        "cli-degree-zero",
        lambda d: keras_tape_command("fit", "polynomial", "--degree", "0"),
        CommandFailed,
        one_error_line(r"argument --degree: expected an integer >= 1, got 0"),
    ),
    Case(
        "cli-epochs-not-a-number",
        lambda d: keras_tape_command("fit", "linear", "--epochs", "abc"),
        CommandFailed,
        one_error_line(r"argument --epochs: expected an integer >= 1, got 'abc'"),
    ),
    Case(
        "cli-hidden-units-zero",
        lambda d: keras_tape_command("fit", "mlp", "--hidden-units", "64,0"),
        CommandFailed,
        one_error_line(r"argument --hidden-units: expected an integer >= 1, got 0"),
    ),
    Case(
        "cli-negative-learning-rate",
        lambda d: keras_tape_command("fit", "linear", "--learning-rate=-1"),
        CommandFailed,
        one_error_line(r"argument --learning-rate: expected a finite number > 0, got '-1'"),
    ),
    Case(
        "cli-unknown-optimizer-writes-no-model",
        lambda d: keras_tape_command("fit", "linear", "--optimizer", "nope", "--save", d / "model.keras", "--quiet"),
        CommandFailed,
        one_error_line(r"--optimizer got 'nope', not a Keras optimizer"),
    ),
    Case(
        "cli-save-into-missing-folder",
        lambda d: keras_tape_command("fit", "linear", "--save", d / "no-such-folder" / "model.keras"),
        CommandFailed,
        one_error_line(r"--save: the folder '.*no-such-folder' of '.*model\.keras' does not exist"),
    ),
    Case(
        "cli-save-wrong-extension",
        lambda d: keras_tape_command("fit", "linear", "--save", d / "model.txt"),
        CommandFailed,
        one_error_line(r"--save must name a \.keras file, got '.*model\.txt'"),
    ),
    Case(
        "cli-mnist-path-without-mnist",
        lambda d: keras_tape_command("fit", "mlp", "--dataset", "mnist", "--mnist-path", d),
        CommandFailed,
        one_error_line(r"--mnist-path .*(holds no MNIST|lacks t10k-images-idx3-ubyte)"),
    ),
]

CATALOGUE = CSV_CASES + ARRAY_CASES + MODEL_CASES + ENTRY_POINT_CASES + FILE_CASES + CLI_CASES


def listing(folder: Path) -> list:
    return sorted((str(path.relative_to(folder)), path.is_dir() or path.stat().st_size) for path in folder.rglob("*"))


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(case, id=case.id, marks=[pytest.mark.skipif(bool(CLI_MISSING), reason=str(CLI_MISSING))])
        if case in CLI_CASES
        else pytest.param(case, id=case.id)
        for case in CATALOGUE
    ],
)
def test_bad_input_is_refused_clearly_and_leaves_no_file(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a stray relative write would show up in the listing too
    argument = case.setup(Workspace(tmp_path, monkeypatch))
    before = listing(tmp_path)
    with pytest.raises(case.error, match=case.match):
        case.call(argument)
    assert listing(tmp_path) == before, "the refused call left files behind"


def test_catalogue_ids_are_unique_and_it_covers_every_area():
    ids = [case.id for case in CATALOGUE]
    assert len(ids) == len(set(ids))
    assert len(CATALOGUE) >= 30
    assert all(cases for cases in (CSV_CASES, ARRAY_CASES, MODEL_CASES, ENTRY_POINT_CASES, FILE_CASES, CLI_CASES))


@pytest.mark.slow
@pytest.mark.skipif(bool(CLI_MISSING), reason=str(CLI_MISSING))
def test_cli_save_failing_midway_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "model.keras"
    command = ("fit", "linear", "--epochs", "1", "--quiet", "--save", path)
    assert keras_tape_command(*command) == 0
    saved = path.read_bytes()

    def save_half_then_fail(model, filepath, *args, **kwargs):
        Path(filepath).write_bytes(saved[: len(saved) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(keras.Model, "save", save_half_then_fail)
    with pytest.raises(CommandFailed, match=one_error_line(r"No space left on device")):
        keras_tape_command(*command)
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"], "no temporary file is left"
    assert path.read_bytes() == saved
    monkeypatch.undo()
    assert isinstance(keras.models.load_model(path), LinearRegression)
