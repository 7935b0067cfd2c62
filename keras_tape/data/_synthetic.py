"""Synthetic data: the lab's line and polynomial, optionally with noise."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from keras_tape._validation import _describe, check_array, check_float, check_int


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
