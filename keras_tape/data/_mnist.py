"""Handwritten digits: scikit-learn's 8x8 digits and MNIST (IDX files, .npz, Keras's cache)."""

from __future__ import annotations

import gzip
import math
import os
import zipfile
from pathlib import Path

import keras
import numpy as np

from keras_tape._validation import check_labels
from keras_tape.data._csv import _check_path

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
    "or to a folder with the four IDX files " + ", ".join(_MNIST_FILES.values()) + " (each may be gzipped, .gz)."
)


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
        raise ImportError('load_digits needs scikit-learn: pip install "keras-tape[datasets]"') from error
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
    x_test, y_test = keras_tape.data.load_mnist_test("data/mnist")
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
            f"MNIST file {str(file)!r} is truncated: {len(data)} bytes, shorter than its {header}-byte header."
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
        raise ValueError(f"`path` must be an .npz file or a folder of MNIST IDX files, got the file {str(path)!r}.")
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"`path` {str(path)!r} could not be read as an .npz archive: {error}.") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(
            f"`path` {str(path)!r} holds a single array; expected an .npz archive with the keys {list(_MNIST_FILES)}."
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
