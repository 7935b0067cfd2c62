"""The lab's task: fit a line three ways and compare them side by side.

On a two-column data set (x, y), `compare_fits` fits `y = slope * x + intercept`

1. in closed form, by least squares (the optimum every method aims at),
2. by the earlier practice's plain gradient descent: a numpy loop of the
   classic `step_gradient` on the mean squared error, learning rate 1e-4,
   1000 iterations from slope = intercept = 0,
3. by `keras_tape.models.LinearRegression` trained through `fit()`, whose
   step takes its gradients with `tf.GradientTape`,

and returns one `FitResult` a method; `format_comparison` prints them as a
table. The command `keras-tape compare`, `examples/02_linear_regression.py`
and the lab's second notebook use it.

Example:

```python
from keras_tape.lab import compare

x, y = keras_tape.data.load_practice02()
print(compare.format_comparison(compare.compare_fits(x, y)))
```
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from keras_tape import _validation
from keras_tape.lab import constants

LEAST_SQUARES = "least squares (numpy)"
GRADIENT_DESCENT = "practice's gradient descent"
TAPE_FIT = "LinearRegression.fit (tape)"


@dataclasses.dataclass(frozen=True)
class FitResult:
    """One method's fitted line and what it cost.

    Attributes:
        method: the method's name, as printed in the table.
        slope: the fitted slope.
        intercept: the fitted intercept.
        mse: mean squared error of the line on the data.
        steps: parameter updates taken; None for the closed form (printed "-").
        seconds: wall-clock time of the fit.
    """

    method: str
    slope: float
    intercept: float
    mse: float
    steps: int | None
    seconds: float

    def predict(self, x: ArrayLike) -> np.ndarray:
        """The line's values at `x`."""
        return self.slope * np.asarray(x, dtype="float64") + self.intercept


def least_squares(x: ArrayLike, y: ArrayLike) -> FitResult:
    """Fits the line in closed form with `numpy.linalg.lstsq`.

    Args:
        x: 1-D inputs.
        y: 1-D targets of the same length.
    """
    x, y = _check_xy(x, y)
    start = time.perf_counter()
    design = np.column_stack([x, np.ones_like(x)])
    (slope, intercept), *_ = np.linalg.lstsq(design, y, rcond=None)
    return _result(LEAST_SQUARES, slope, intercept, x, y, None, start)


def gradient_descent(
    x: ArrayLike,
    y: ArrayLike,
    learning_rate: float = constants.PRACTICE_LEARNING_RATE,
    iterations: int = constants.PRACTICE_ITERATIONS,
) -> FitResult:
    """Fits the line as the earlier practice did: plain gradient descent on the MSE.

    Starts from slope = intercept = 0 and repeats the practice's `step_gradient`:

        b_grad = -(2/N) * sum(y - (m*x + b))
        m_grad = -(2/N) * sum(x * (y - (m*x + b)))
        b -= learning_rate * b_grad;  m -= learning_rate * m_grad

    Args:
        x: 1-D inputs.
        y: 1-D targets of the same length.
        learning_rate: the step size, > 0.
        iterations: number of steps, >= 1.
    """
    x, y = _check_xy(x, y)
    learning_rate = _validation.check_float(learning_rate, "learning_rate")
    if learning_rate <= 0:
        raise ValueError(f"`learning_rate` must be a number > 0, got {learning_rate}.")
    iterations = _validation.check_int(iterations, "iterations")
    start = time.perf_counter()
    slope = intercept = 0.0
    n = len(x)
    for _ in range(iterations):
        residual = y - (slope * x + intercept)
        intercept_grad = -(2 / n) * residual.sum()
        slope_grad = -(2 / n) * (x * residual).sum()
        intercept -= learning_rate * intercept_grad
        slope -= learning_rate * slope_grad
    return _result(GRADIENT_DESCENT, slope, intercept, x, y, iterations, start)


def tape_fit(x: ArrayLike, y: ArrayLike, epochs: int = 300, **fit_kwargs) -> FitResult:
    """Fits `keras_tape.models.LinearRegression` with `fit()`, full batch, default `compile()`.

    Args:
        x: 1-D inputs.
        y: 1-D targets of the same length.
        epochs: full-batch epochs, i.e. parameter updates, >= 1.
        **fit_kwargs: more arguments for `fit` (e.g. `callbacks`); `verbose`
            defaults to 0.
    """
    from keras_tape.models import LinearRegression

    x, y = _check_xy(x, y)
    epochs = _validation.check_int(epochs, "epochs")
    start = time.perf_counter()
    model = LinearRegression()
    model.compile()
    fit_kwargs.setdefault("verbose", 0)
    model.fit(x.astype("float32"), y.astype("float32"), epochs=epochs, batch_size=len(x), **fit_kwargs)
    return _result(TAPE_FIT, model.coef[0], model.intercept, x, y, epochs, start)


def compare_fits(
    x: ArrayLike,
    y: ArrayLike,
    *,
    gd_learning_rate: float = constants.PRACTICE_LEARNING_RATE,
    gd_iterations: int = constants.PRACTICE_ITERATIONS,
    epochs: int = 300,
) -> list[FitResult]:
    """Fits the line by least squares, the practice's gradient descent and the tape model.

    Args:
        x: 1-D inputs.
        y: 1-D targets of the same length.
        gd_learning_rate: learning rate of the practice's gradient descent.
        gd_iterations: iterations of the practice's gradient descent.
        epochs: full-batch epochs of `LinearRegression.fit`.

    Returns:
        `[least squares, gradient descent, tape fit]`, one `FitResult` each.
    """
    return [
        least_squares(x, y),
        gradient_descent(x, y, gd_learning_rate, gd_iterations),
        tape_fit(x, y, epochs),
    ]


def format_comparison(results: Sequence[FitResult]) -> str:
    """Formats fit results as a text table: method, slope, intercept, MSE, steps, time."""
    rows = [
        [
            r.method,
            f"{r.slope:.4f}",
            f"{r.intercept:.4f}",
            f"{r.mse:.4f}",
            "-" if r.steps is None else str(r.steps),
            f"{r.seconds:.3f} s",
        ]
        for r in results
    ]
    return format_table(["method", "slope", "intercept", "MSE", "steps", "time"], rows)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Formats rows of strings as an aligned text table with a rule under the header.

    Columns whose cells all look like numbers (or are "-") are right-aligned.

    Args:
        headers: the column titles.
        rows: the cells, one sequence of strings a row, as long as `headers`.
    """
    columns = list(zip(headers, *rows))
    widths = [max(len(cell) for cell in column) for column in columns]
    numeric = [all(_looks_numeric(cell) for cell in column[1:]) for column in columns]

    def line(cells):
        return "  ".join(
            cell.rjust(width) if right else cell.ljust(width) for cell, width, right in zip(cells, widths, numeric)
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])


def _looks_numeric(cell: str) -> bool:
    return cell == "-" or bool(re.match(r"[-+]?\.?\d", cell))


def _check_xy(x, y) -> tuple[np.ndarray, np.ndarray]:
    x = _validation.check_array(x, "x", ndim=(1, 2), dtype="float64")
    if x.ndim == 2:
        if x.shape[1] != 1:
            raise ValueError(
                f"`x` must be one input column to fit a line, got shape {x.shape}; "
                "choose one column (e.g. `x_cols=0` in load_csv, --x-col on the command line)."
            )
        x = x[:, 0]
    y = _validation.check_array(y, "y", ndim=(1,), dtype="float64")
    _validation.check_same_length(x=x, y=y)
    return x, y


def _result(method, slope, intercept, x, y, steps, start) -> FitResult:
    seconds = time.perf_counter() - start
    slope, intercept = float(slope), float(intercept)
    mse = float(np.mean((y - (slope * x + intercept)) ** 2))
    return FitResult(method, slope, intercept, mse, steps, seconds)
