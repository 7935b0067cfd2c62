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

It runs on the practice's own data, which ships with the package as
`keras_tape.data.load_practice02()`. Runs in a few seconds on a CPU.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from keras_tape import data, models  # noqa: E402
from keras_tape.lab import compare  # noqa: E402

"""
## The data

The practice's 100 points (hours studied, test score), bundled with the package.
"""

x, y = data.load_practice02()
print(f"data: the earlier practice's data (keras_tape.data.load_practice02), {len(x)} rows")

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

`keras_tape.lab.compare.compare_fits` runs all three (training a fresh
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
print(
    f"steps at learning rate 1e-4 to shrink the flat direction's error tenfold: "
    f"{steps_to_shrink_flat_error_tenfold:.0f}"
)

"""
The same comparison from a terminal, with a plot of the three lines:

```
keras-tape compare --plot compare.png
```

(`--csv FILE` runs it on your own two-column file instead.)
"""
