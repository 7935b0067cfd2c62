"""Data for the lab's exercises: CSV files, synthetic curves, digits and MNIST.

Every loader returns plain numpy arrays ready for `model.fit(x, y)`, and every
error names the argument at fault, what it got and what it expects.
"""

from __future__ import annotations

import csv
import gzip
import math
import numbers
import os
import zipfile
from pathlib import Path

import keras
import numpy as np
from numpy.typing import ArrayLike

from keras_tape._validation import (
    _describe,
    check_array,
    check_float,
    check_int,
    check_labels,
)

_FLOAT32_MAX = float(np.finfo(np.float32).max)
_OTHER_DELIMITERS = (";", "\t", "|", ",")

_IDX_IMAGES_MAGIC = 2051
_IDX_LABELS_MAGIC = 2049
_MNIST_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
_NO_MNIST_HINT = (
    "Pass `path=` to an mnist.npz file (keys x_train, y_train, x_test, y_test) "
    "or to a folder with the four IDX files "
    + ", ".join(_MNIST_FILES.values())
    + " (each may be gzipped, .gz)."
)


# --------------------------------------------------------------------------- CSV


def load_csv(
    path: str | os.PathLike,
    x_cols: int | str | list[int | str] | None = None,
    y_col: int | str = -1,
    delimiter: str = ",",
) -> tuple[np.ndarray, np.ndarray]:
    """Reads a numeric CSV file into float32 `x` and `y` arrays.

    A first row with no numeric cell is taken as a header; columns may then be
    chosen by name as well as by index. Columns that are not selected are not
    parsed, so they may hold text. Blank lines are skipped.

    Args:
        path: path to the CSV file.
        x_cols: the input column(s): an index, a header name, or a list of
            them. `None` (default) takes every column but `y_col`.
        y_col: the target column, an index or a header name. Default: the
            last column.
        delimiter: the one-character field separator.

    Returns:
        A tuple `(x, y)`: `x` has shape `(n,)` when there is one input column,
        else `(n, d)`; `y` has shape `(n,)`. Both are float32.

    Example:

    ```python
    x, y = keras_tape.data.load_csv("../shared/data/practice02.csv")
    x.shape, y.shape  # ((100,), (100,))
    x, y = keras_tape.data.load_csv("houses.csv", x_cols=["area", "rooms"], y_col="price")
    ```
    """
    path = _check_path(path, "path")
    _check_delimiter(delimiter)
    if path.is_dir():
        raise FileNotFoundError(f"`path` must be a CSV file, got the folder {str(path)!r}.")
    rows = _read_csv_rows(path, delimiter)
    if not rows:
        raise ValueError(
            f"`path` {str(path)!r} is empty; expected rows of numbers separated by {delimiter!r}."
        )
    first_line, first_row = rows[0]
    names = [cell.strip() for cell in first_row] if _is_header(first_row) else None
    data_rows = rows[1:] if names is not None else rows
    n_columns = len(first_row)
    for line, row in data_rows:
        if len(row) != n_columns:
            raise ValueError(
                f"`path` {str(path)!r} line {line} has {len(row)} fields, expected "
                f"{n_columns} (as in line {first_line}); is `delimiter`={delimiter!r} right?"
            )
    hint = _delimiter_hint(first_row, delimiter) if n_columns == 1 else ""
    x_indices, y_index = _select_columns(x_cols, y_col, names, n_columns, path, hint)
    if not data_rows:
        raise ValueError(
            f"`path` {str(path)!r} has a header row but no data rows; expected at least one "
            "row of numbers after the header."
        )
    columns = x_indices + [y_index]
    values = np.empty((len(data_rows), len(columns)), dtype=np.float64)
    for i, (line, row) in enumerate(data_rows):
        for j, column in enumerate(columns):
            values[i, j] = _parse_cell(row[column], line, column, names, path)
    x = values[:, :-1].astype("float32")
    y = values[:, -1].astype("float32")
    return (x[:, 0] if x.shape[1] == 1 else x), y


def _check_path(path, name: str) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"`{name}` must be a path (str or os.PathLike), got {_describe(path)} "
            f"of type {type(path).__name__}."
        )
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"`{name}` must be an existing path, got {str(path)!r}, which does not exist."
        )
    return path


def _check_delimiter(delimiter) -> None:
    if not isinstance(delimiter, str):
        raise TypeError(
            f"`delimiter` must be a one-character string, got {_describe(delimiter)} "
            f"of type {type(delimiter).__name__}."
        )
    if len(delimiter) != 1 or delimiter in "\r\n\"":
        raise ValueError(
            f"`delimiter` must be one character other than a quote or a line break, "
            f"got {delimiter!r}."
        )


def _read_csv_rows(path: Path, delimiter: str) -> list[tuple[int, list[str]]]:
    """Returns the non-blank rows with their 1-based line numbers."""
    rows = []
    try:
        with open(path, encoding="utf-8-sig", newline="") as file:
            reader = csv.reader(file, delimiter=delimiter)
            for row in reader:
                if any(cell.strip() for cell in row) or len(row) > 1:
                    rows.append((reader.line_num, row))
    except PermissionError:
        raise PermissionError(
            f"`path` {str(path)!r} exists but cannot be read (permission denied); "
            "expected a readable CSV file."
        ) from None
    except UnicodeDecodeError:
        raise ValueError(
            f"`path` {str(path)!r} is not a UTF-8 text file; expected a CSV file of numbers."
        ) from None
    except csv.Error as error:
        raise ValueError(f"`path` {str(path)!r} is not a valid CSV file: {error}.") from None
    return rows


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _is_header(row: list[str]) -> bool:
    # A row with a single numeric cell is data, so a typo in the first data
    # row is reported as such rather than silently taken for a header.
    return not any(_is_number(cell) for cell in row)


def _delimiter_hint(first_row: list[str], delimiter: str) -> str:
    line = first_row[0]
    for other in _OTHER_DELIMITERS:
        if other != delimiter and len(next(csv.reader([line], delimiter=other))) > 1:
            return (
                f" The file seems to use another delimiter: {other!r} splits its first line; "
                f"pass `delimiter`={other!r} (got {delimiter!r})."
            )
    return (
        f" Every line is a single field when split on `delimiter`={delimiter!r}; if the file "
        "uses another delimiter, pass it as `delimiter`."
    )


def _column_index(column, argument: str, names, n_columns: int, hint: str) -> int:
    if isinstance(column, bool) or not isinstance(column, (numbers.Integral, str)):
        raise TypeError(
            f"`{argument}` must be a column index (int) or header name (str), got "
            f"{_describe(column)} of type {type(column).__name__}."
        )
    if isinstance(column, str):
        if names is None:
            raise TypeError(
                f"`{argument}` got the column name {column!r}, but the file has no header row; "
                f"expected an integer index in [{-n_columns}, {n_columns - 1}].{hint}"
            )
        if column not in names:
            raise ValueError(
                f"`{argument}` got the unknown column name {column!r}; available names: "
                f"{names}.{hint}"
            )
        return names.index(column)
    column = int(column)  # a numpy integer too
    if not -n_columns <= column < n_columns:
        raise ValueError(
            f"`{argument}` got the index {column}, out of range for a file with {n_columns} "
            f"column(s); expected an integer in [{-n_columns}, {n_columns - 1}].{hint}"
        )
    return int(column) % n_columns


def _select_columns(x_cols, y_col, names, n_columns: int, path: Path, hint: str):
    """Resolves `x_cols` and `y_col` to non-negative column indices."""
    y_index = _column_index(y_col, "y_col", names, n_columns, hint)
    if x_cols is None:
        x_indices = [i for i in range(n_columns) if i != y_index]
        if not x_indices:
            raise ValueError(
                f"`path` {str(path)!r} has only 1 column; expected at least 2 "
                f"(x and y).{hint}"
            )
        return x_indices, y_index
    if isinstance(x_cols, (str, numbers.Integral)):
        x_cols = [x_cols]
    elif isinstance(x_cols, (list, tuple, np.ndarray)):
        x_cols = list(x_cols)
    else:
        raise TypeError(
            f"`x_cols` must be None, a column index or name, or a list of them, got "
            f"{_describe(x_cols)} of type {type(x_cols).__name__}."
        )
    if not x_cols:
        raise ValueError("`x_cols` must select at least one column, got an empty list.")
    x_indices = [
        _column_index(column, f"x_cols[{i}]", names, n_columns, hint)
        for i, column in enumerate(x_cols)
    ]
    if len(set(x_indices)) != len(x_indices):
        raise ValueError(f"`x_cols` must not select a column twice, got {x_cols!r}.")
    if y_index in x_indices:
        raise ValueError(
            f"`x_cols` must not contain the target column `y_col`={y_col!r}, got {x_cols!r}."
        )
    return x_indices, y_index


def _parse_cell(cell: str, line: int, column: int, names, path: Path) -> float:
    where = f"`path` {str(path)!r} line {line}, column {column}"
    if names is not None:
        where += f" ({names[column]!r})"
    try:
        value = float(cell)
    except ValueError:
        raise ValueError(f"{where}: expected a number, got {cell!r}.") from None
    if not math.isfinite(value) or abs(value) > _FLOAT32_MAX:
        raise ValueError(f"{where}: expected a finite float32 number, got {cell.strip()!r}.")
    return value


# --------------------------------------------------------------------- synthetic


def linear_data(
    n: int = 100,
    slope: float = 6.12,
    intercept: float = 1.35,
    x_range: tuple[float, float] = (0.0, 10.0),
    noise: float = 0.0,
    seed: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Samples the line `y = slope * x + intercept`, optionally with noise.

    The defaults give the lab's line y = 6.12x + 1.35.

    Args:
        n: number of points, evenly spaced over `x_range` (ends included).
        slope: the line's slope.
        intercept: the line's intercept.
        x_range: `(low, high)`, the first and last x.
        noise: standard deviation of the Gaussian noise added to y; 0 adds none.
        seed: seed of the `numpy.random.Generator` that draws the noise.

    Returns:
        A tuple `(x, y)` of float32 arrays of shape `(n,)`.

    Example:

    ```python
    x, y = keras_tape.data.linear_data(n=3)
    y  # array([ 1.35, 31.95, 62.55], dtype=float32): 6.12x + 1.35 at x = 0, 5, 10
    x, y = keras_tape.data.linear_data(n=50, noise=0.5, seed=0)  # reproducible noise
    ```
    """
    n = check_int(n, "n", minimum=1)
    slope = check_float(slope, "slope")
    intercept = check_float(intercept, "intercept")
    low, high = _check_range(x_range)
    x = np.linspace(low, high, n)
    y = slope * x + intercept + _noise(noise, seed, x.shape)
    return x.astype("float32"), y.astype("float32")


def polynomial_data(
    coef: ArrayLike = (2.0, 8.0, 6.0),
    x: ArrayLike | None = None,
    noise: float = 0.0,
    seed: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Samples the polynomial `y = c0 + c1 x + ... + cd x^d`, optionally with noise.

    The defaults give the lab's y = 6x^2 + 8x + 2 on x = 0, 1, ..., 10.

    Args:
        coef: coefficients in ascending powers `(c0, c1, ..., cd)`, as in
            `numpy.polynomial`.
        x: 1-D array of inputs. Default: the integers 0 to 10.
        noise: standard deviation of the Gaussian noise added to y; 0 adds none.
        seed: seed of the `numpy.random.Generator` that draws the noise.

    Returns:
        A tuple `(x, y)` of float32 arrays of shape `(n,)`.

    Example:

    ```python
    x, y = keras_tape.data.polynomial_data()  # y = 6x^2 + 8x + 2
    y[:3]  # array([ 2., 16., 42.], dtype=float32)
    ```
    """
    coef = check_array(coef, "coef", ndim=(1,), dtype="float64")
    if x is None:
        x = np.arange(11, dtype="float64")
    else:
        x = check_array(x, "x", ndim=(1,), dtype="float64")
    y = np.polynomial.polynomial.polyval(x, coef) + _noise(noise, seed, x.shape)
    return x.astype("float32"), y.astype("float32")


def _check_range(x_range) -> tuple[float, float]:
    if isinstance(x_range, (str, bytes)) or not hasattr(x_range, "__len__") or len(x_range) != 2:
        raise TypeError(f"`x_range` must be a pair (low, high), got {_describe(x_range)}.")
    low = check_float(x_range[0], "x_range[0]")
    high = check_float(x_range[1], "x_range[1]")
    if not low < high:
        raise ValueError(f"`x_range` must have low < high, got {x_range!r}.")
    return low, high


def _noise(noise, seed, shape) -> np.ndarray:
    noise = check_float(noise, "noise", minimum=0.0)
    if seed is not None:
        seed = check_int(seed, "seed", minimum=0)
    if noise == 0.0:
        return np.zeros(shape)
    return np.random.default_rng(seed).normal(0.0, noise, size=shape)


# ------------------------------------------------------------------ digits, MNIST


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """Loads scikit-learn's bundled 8x8 handwritten digits (no download).

    Returns:
        A tuple `(x, y)`: `x` float32 of shape `(1797, 8, 8)` scaled to [0, 1]
        (the raw pixels are 0..16), `y` int32 labels 0..9.

    Example:

    ```python
    x, y = keras_tape.data.load_digits()
    x.shape, y[:3]  # ((1797, 8, 8), array([0, 1, 2], dtype=int32))
    x_flat = x.reshape(len(x), -1)  # (1797, 64) for a dense network
    ```
    """
    try:
        from sklearn import datasets
    except ImportError as error:
        raise ImportError(
            'load_digits needs scikit-learn: pip install "keras-tape[datasets]"'
        ) from error
    digits = datasets.load_digits()
    x = (digits.images / 16.0).astype("float32")
    return x, check_labels(digits.target, 10, name="digits.target")


def load_mnist(
    path: str | os.PathLike | None = None,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads MNIST from an `.npz` file, a folder of IDX files, or Keras's cache.

    Args:
        path: an `.npz` file with the keys `x_train`, `y_train`, `x_test`,
            `y_test` (the format of `keras.datasets.mnist`), or a folder with
            the four original IDX files `train-images-idx3-ubyte`,
            `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
            `t10k-labels-idx1-ubyte`, each optionally gzipped (`.gz`).
            `None` (default) calls `keras.datasets.mnist.load_data()`, which
            downloads the data once and then reads it from its cache.

    Returns:
        `((x_train, y_train), (x_test, y_test))`, as
        `keras.datasets.mnist.load_data()`: `x` uint8 of shape `(n, 28, 28)`,
        `y` uint8 labels 0..9 of shape `(n,)`.

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = keras_tape.data.load_mnist("data/mnist")
    x_train = x_train.reshape(-1, 784).astype("float32") / 255.0
    ```
    """
    if path is None:
        return _load_mnist_from_keras()
    path = _check_path(path, "path")
    if not path.is_dir():
        return _load_mnist_npz(path)
    files = _find_mnist_files(path, ("x_train", "y_train", "x_test", "y_test"))
    train = _read_idx_pair(files["x_train"], files["y_train"])
    test = _read_idx_pair(files["x_test"], files["y_test"])
    return train, test


def load_mnist_test(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Loads only the MNIST test set (10,000 images) from IDX files or an `.npz` file.

    Unlike `load_mnist`, a folder needs only the two test files
    `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte` (each optionally
    gzipped, `.gz`).

    Args:
        path: a folder with the two test IDX files, or an `.npz` file as for
            `load_mnist`.

    Returns:
        `(x_test, y_test)`: `x_test` uint8 of shape `(n, 28, 28)`, `y_test`
        uint8 labels 0..9 of shape `(n,)`.

    Example:

    ```python
    x_test, y_test = keras_tape.data.load_mnist_test("../shared/data/mnist")
    x_test.shape  # (10000, 28, 28)
    ```
    """
    path = _check_path(path, "path")
    if not path.is_dir():
        return _load_mnist_npz(path)[1]
    files = _find_mnist_files(path, ("x_test", "y_test"))
    return _read_idx_pair(files["x_test"], files["y_test"])


def _load_mnist_from_keras():
    try:
        return keras.datasets.mnist.load_data()
    except Exception as error:
        raise RuntimeError(
            "load_mnist(path=None) could not get MNIST from keras.datasets.mnist.load_data() "
            f"(offline, with nothing in Keras's cache?): {error}. {_NO_MNIST_HINT}"
        ) from error


def _find_mnist_files(folder: Path, keys) -> dict[str, Path]:
    found, missing = {}, []
    for key in keys:
        name = _MNIST_FILES[key]
        candidates = [folder / name, folder / (name + ".gz")]
        existing = [file for file in candidates if file.is_file()]
        if existing:
            found[key] = existing[0]
        else:
            missing.append(name)
    if missing:
        message = (
            f"`path` folder {str(folder)!r} lacks {', '.join(missing)} (or the same with .gz); "
            f"expected the MNIST IDX files {', '.join(_MNIST_FILES[key] for key in keys)}."
        )
        if "x_test" in found and "y_test" in found:
            message += " It holds the test half: load_mnist_test(path) loads only that."
        raise FileNotFoundError(message)
    return found


def _read_idx(file: Path, magic: int) -> np.ndarray:
    """Parses one IDX file of unsigned bytes (LeCun's MNIST format)."""
    try:
        if file.suffix == ".gz":
            with gzip.open(file, "rb") as stream:
                data = stream.read()
        else:
            data = file.read_bytes()
    except (OSError, EOFError) as error:
        raise ValueError(f"MNIST file {str(file)!r} could not be read: {error}.") from None
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(data) < 4 or int.from_bytes(data[:4], "big") != magic:
        found = int.from_bytes(data[:4], "big") if len(data) >= 4 else None
        raise ValueError(
            f"MNIST file {str(file)!r} has magic number {found}; expected {magic} "
            f"(an IDX file of {ndim}-D unsigned bytes)."
        )
    if len(data) < header:
        raise ValueError(
            f"MNIST file {str(file)!r} is truncated: {len(data)} bytes, shorter than its "
            f"{header}-byte header."
        )
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = header + math.prod(shape)
    if len(data) != expected:
        raise ValueError(
            f"MNIST file {str(file)!r} declares shape {shape}, i.e. {expected} bytes, "
            f"but holds {len(data)} bytes (truncated or corrupt)."
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape).copy()


def _read_idx_pair(images_file: Path, labels_file: Path) -> tuple[np.ndarray, np.ndarray]:
    images = _read_idx(images_file, _IDX_IMAGES_MAGIC)
    labels = _read_idx(labels_file, _IDX_LABELS_MAGIC)
    return _check_mnist_split(images, labels, str(images_file), str(labels_file))


def _check_mnist_split(images, labels, images_name: str, labels_name: str):
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(
            f"MNIST images {images_name!r} must be uint8 of shape (n, height, width), "
            f"got {images.dtype} of shape {images.shape}."
        )
    if labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(
            f"MNIST labels {labels_name!r} must have shape ({len(images)},), one label per "
            f"image of {images_name!r}, got shape {labels.shape}."
        )
    check_labels(labels, 10, name=labels_name)
    return images, labels.astype(np.uint8)


def _load_mnist_npz(path: Path):
    if path.suffix != ".npz":
        raise ValueError(
            f"`path` must be an .npz file or a folder of MNIST IDX files, got the file "
            f"{str(path)!r}."
        )
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(
            f"`path` {str(path)!r} could not be read as an .npz archive: {error}."
        ) from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(
            f"`path` {str(path)!r} holds a single array; expected an .npz archive with the "
            f"keys {list(_MNIST_FILES)}."
        )
    with archive:
        missing = [key for key in _MNIST_FILES if key not in archive.files]
        if missing:
            raise ValueError(
                f"`path` {str(path)!r} lacks the keys {missing}; expected "
                f"{list(_MNIST_FILES)}, as in keras.datasets.mnist."
            )
        arrays = {key: archive[key] for key in _MNIST_FILES}
    return tuple(
        _check_mnist_split(arrays[x], arrays[y], f"{path}[{x}]", f"{path}[{y}]")
        for x, y in (("x_train", "y_train"), ("x_test", "y_test"))
    )
