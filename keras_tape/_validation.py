"""Input checks shared by the models, the data loaders and the command line.

Every check raises a `ValueError` or `TypeError` whose message names the
argument, shows what it got and says what it expects, in the manner of
scikit-learn's `sklearn.utils.validation`.
"""

from __future__ import annotations

import numbers
import os

import numpy as np


def _describe(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_int(value, name: str, *, minimum: int = 1) -> int:
    """Returns `value` as an int, refusing bools, floats, strings and values below `minimum`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"`{name}` must be an integer >= {minimum}, got {_describe(value)} of type {type(value).__name__}."
        )
    if value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}, got {value}.")
    return int(value)


def check_int_sequence(values, name: str, *, minimum: int = 1) -> tuple[int, ...]:
    """Returns a tuple of ints, each checked with `check_int`."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(
            f"`{name}` must be a sequence of integers >= {minimum}, "
            f"got {_describe(values)} of type {type(values).__name__}."
        )
    return tuple(check_int(v, f"{name}[{i}]", minimum=minimum) for i, v in enumerate(values))


def check_array(value, name: str, *, ndim=(1, 2), dtype="float32") -> np.ndarray:
    """Converts `value` to a finite, non-empty numeric numpy array of an allowed rank.

    Args:
        value: array-like (list, numpy array, tensor).
        name: the argument's name, used in error messages.
        ndim: allowed ranks; `None` allows any rank >= 1.
        dtype: the dtype to return.
    """
    return check_numeric(value, name, ndim=ndim, dtype=dtype).astype(dtype, copy=False)


def check_numeric(value, name: str, *, ndim=(1, 2), dtype="float32") -> np.ndarray:
    """Checks what `check_array` checks, without converting: `value` as a numpy array.

    Finiteness is judged in `dtype` (a float64 1e300 is inf in float32), one
    block at a time, so a caller that only checks (as `fit` does, before its
    pipeline makes its own copy) keeps no converted copy of the data.

    Args:
        value: array-like (list, numpy array, tensor).
        name: the argument's name, used in error messages.
        ndim: allowed ranks; `None` allows any rank >= 1.
        dtype: the dtype the values must be finite in.
    """
    if isinstance(value, (str, bytes)):
        raise TypeError(f"`{name}` must be a numeric array, got a string {_describe(value)}.")
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"`{name}` must be a rectangular numeric array; it could not be converted ({error})."
        ) from None
    kind = array.dtype.kind
    if kind == "c":
        raise TypeError(f"`{name}` must be real-valued, got complex dtype {array.dtype}.")
    if kind not in "biuf":
        raise TypeError(f"`{name}` must be a numeric array (int or float), got dtype {array.dtype}.")
    allowed = ndim if ndim is not None else None
    if allowed is not None and array.ndim not in allowed:
        ranks = " or ".join(str(r) for r in allowed)
        raise ValueError(f"`{name}` must have rank {ranks}, got shape {array.shape} (rank {array.ndim}).")
    if array.ndim == 0:
        raise ValueError(f"`{name}` must be an array of samples, got the scalar {array.item()!r}.")
    if array.shape[0] == 0 or array.size == 0:
        raise ValueError(f"`{name}` must not be empty, got shape {array.shape}.")
    if kind == "f" and not _all_finite(array, dtype):
        converted = array.astype(dtype)
        bad = np.argwhere(~np.isfinite(converted))[0]
        raise ValueError(
            f"`{name}` must contain only finite numbers, got {converted[tuple(bad)]} at row {int(bad[0])} "
            f"({int(np.sum(~np.isfinite(converted)))} non-finite values in all)."
        )
    return array


def _all_finite(array: np.ndarray, dtype) -> bool:
    # In blocks of about 1 MB: np.isfinite over the whole array would first
    # allocate a boolean array a quarter of its size (and, converting a
    # float64 array, a float32 copy of it), slow on fresh memory.
    rows = max(1, (1 << 18) // max(1, array[0].size))
    return all(np.isfinite(array[i : i + rows].astype(dtype, copy=False)).all() for i in range(0, len(array), rows))


def check_same_length(**arrays) -> None:
    """Checks that all arrays have the same number of samples (first dimension)."""
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"`{name}` has {n}" for name, n in lengths.items())
        raise ValueError(f"Arguments must have the same number of samples: {described}.")


def check_width(shape, width: int, name: str, reason: str) -> bool:
    """Checks that rows of `shape` hold `width` values: shape `(n,)` for one, else `(n, width)`.

    Sizes still unknown (None, as while tracing) cannot be checked.

    Args:
        shape: the array's or tensor's shape.
        width: the values a row must hold.
        name: the argument's name, used in error messages.
        reason: why, ending the first clause, e.g. "as LinearRegression was built for".

    Returns:
        Whether the shape was known well enough to be checked.
    """
    if getattr(shape, "rank", 0) is None:
        return False
    shape = tuple(None if size is None else int(size) for size in shape)
    got = {1: 1, 2: shape[-1]}.get(len(shape), -1)
    if got not in (width, None):
        expected = "(n,) or (n, 1)" if width == 1 else f"(n, {width})"
        raise ValueError(f"`{name}` must have shape {expected}, {reason}, got shape {shape}.")
    return got is not None


def check_sample_shape(shape, sample_shape, name: str, reason: str) -> None:
    """Checks that an array of `shape` holds samples of `sample_shape` (None matches any size)."""
    shape, sample_shape = tuple(shape), tuple(sample_shape)
    matches = len(shape) == len(sample_shape) + 1 and all(
        expected in (None, got) for expected, got in zip(sample_shape, shape[1:])
    )
    if not matches:
        expected = ", ".join(["n", *("None" if size is None else str(size) for size in sample_shape)])
        raise ValueError(f"`{name}` must have shape ({expected}), {reason}, got shape {shape}.")


def check_labels(y, num_classes: int, name: str = "y") -> np.ndarray:
    """Checks integer class labels in [0, num_classes) and returns them as int32."""
    array = np.asarray(y)
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)) or np.any(array != np.round(array)):
            raise ValueError(
                f"`{name}` must hold integer class labels in [0, {num_classes}), "
                f"got non-integer values such as {array[array != np.round(array)][:1]}."
            )
    elif array.dtype.kind not in "biu":
        raise TypeError(f"`{name}` must hold integer class labels, got dtype {array.dtype}.")
    if array.size and (array.min() < 0 or array.max() >= num_classes):
        raise ValueError(
            f"`{name}` must hold class labels in [0, {num_classes}), got values from {array.min()} to {array.max()}."
        )
    return array.astype("int32")


def check_float(value, name: str, *, minimum: float | None = None) -> float:
    """Returns `value` as a finite float, refusing bools, strings and values below `minimum`."""
    expected = "a finite number" + (f" >= {minimum}" if minimum is not None else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be {expected}, got {_describe(value)} of type {type(value).__name__}.")
    value = float(value)
    if not np.isfinite(value) or (minimum is not None and value < minimum):
        raise ValueError(f"`{name}` must be {expected}, got {value}.")
    return value


def check_path_like(value, name: str) -> str:
    """Returns `value` as a non-empty path string, refusing anything but str and os.PathLike."""
    if not isinstance(value, (str, os.PathLike)) or not isinstance(os.fspath(value), str):
        raise TypeError(
            f"`{name}` must be a path (str or os.PathLike), got {_describe(value)} of type {type(value).__name__}."
        )
    path = os.fspath(value)
    if not path:
        raise ValueError(f"`{name}` must be a non-empty path, got {value!r}.")
    return path


def check_choice(value, name: str, choices) -> str:
    """Returns `value` if it is one of the strings `choices`."""
    if not isinstance(value, str) or value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"`{name}` must be one of {allowed}, got {_describe(value)}.")
    return value


def check_data_pair(data, name: str = "data") -> tuple[np.ndarray, np.ndarray]:
    """Checks a pair `(x, y)` of inputs and targets with the same number of rows."""
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(
            f"`{name}` must be a tuple (x, y) of inputs and targets, got "
            f"{_describe(data)} of type {type(data).__name__}."
        )
    x = check_array(data[0], f"{name}[0]", ndim=None)
    y = check_array(data[1], f"{name}[1]", ndim=None)
    check_same_length(**{f"{name}[0]": x, f"{name}[1]": y})
    return x, y
