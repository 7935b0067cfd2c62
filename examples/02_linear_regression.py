"""
Title: Linear regression by automatic differentiation, against the earlier practice
Description: The lab's task: fit a line with `tf.GradientTape` through `fit()`
and compare it with least squares and with the earlier practice's plain
gradient descent, on the practice's own data.

This is part 2 of the lab on gradients and automatic differentiation. The
earlier practice fitted `y = m x + b` to a two-column CSV by hand-written
gradient descent (mean squared error, learning rate 1e-4, 1000 iterations from
m = b = 0). Here the same line is fitted three ways:

(a) least squares in closed form, the optimum every method aims at,
(b) the practice's gradient descent, a numpy loop of its `step_gradient`,
(c) `keras_tape.models.LinearRegression`, whose `train_step` takes the
    gradients with `tf.GradientTape`, trained by `fit()`.

It runs on `../shared/data/practice02.csv` (the practice's data) when that file
is there, else on synthetic data of the lab's line y = 6.12x + 1.35 with noise.
Runs in a few seconds on a CPU.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from keras_tape import compare, data, models  # noqa: E402

"""
## The data

The practice's file has 100 rows `x,y` and no header.
"""

PRACTICE_CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "practice02.csv"

if PRACTICE_CSV.exists():
    x, y = data.load_csv(PRACTICE_CSV)
    print(f"data: the earlier practice's {PRACTICE_CSV.name}, {len(x)} rows")
else:
    x, y = data.linear_data(n=100, noise=1.0, seed=0)
    print(f"data: {PRACTICE_CSV} not found; using y = 6.12x + 1.35 with noise, {len(x)} rows")

"""
## The tape model, trained by `fit()`

`LinearRegression` whitens its input before the first epoch (it learns the
mean and scale of x), so plain SGD with the default learning rate 0.1 reaches
least squares in a few dozen full-batch epochs. Each epoch is one call of the
step: forward pass under the tape, MSE, `tape.gradient`, optimizer update.
"""

model = models.LinearRegression()
model.compile()  # SGD(0.1), mean squared error, MAE as a metric
history = model.fit(x, y, epochs=300, batch_size=len(x), verbose=0)
print("tape model:", model.equation())
print(f"tape model final loss (MSE): {history.history['loss'][-1]:.4f}")

"""
## The three methods side by side

`keras_tape.compare.compare_fits` runs all three (training a fresh
`LinearRegression` for 300 epochs) and times them.
"""

results = compare.compare_fits(x, y, gd_learning_rate=1e-4, gd_iterations=1000, epochs=300)
print()
print(compare.format_comparison(results))
print()

"""
## Why the practice's descent stops short

Its slope is close, but its intercept is far from least squares. The MSE's
curvature (the eigenvalues of its Hessian, `2 X^T X / n` for `X = [x, 1]`)
differs by orders of magnitude between the two directions when x is around
50: a learning rate small enough for the steep direction barely moves the flat
one. Whitening x makes the Hessian `2 I`, so one learning rate suits both.
"""

design = np.column_stack([x, np.ones_like(x)]).astype("float64")
curvatures = np.linalg.eigvalsh(2 * design.T @ design / len(x))
print(f"MSE curvature along its two axes: {curvatures[0]:.4g} and {curvatures[1]:.4g}")
print(f"condition number: {curvatures[1] / curvatures[0]:.0f}")
steps_to_shrink_flat_error_tenfold = np.log(10) / -np.log1p(-1e-4 * curvatures[0])
print(f"steps at learning rate 1e-4 to shrink the flat direction's error tenfold: "
      f"{steps_to_shrink_flat_error_tenfold:.0f}")

"""
The same comparison from a terminal, with a plot of the three lines:

```
keras-tape compare --csv ../shared/data/practice02.csv --plot compare.png
```
"""
