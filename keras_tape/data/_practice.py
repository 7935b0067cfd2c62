"""The previous practice's data set, shipped with the package."""

from __future__ import annotations

from importlib import resources

import numpy as np


def load_practice02() -> tuple[np.ndarray, np.ndarray]:
    """Loads the previous practice's 100 (x, y) points, the data of the lab's task.

    The lab's task is to fit a line to these points by automatic
    differentiation and to compare it with the previous practice's plain
    gradient descent. The file is the classic `data.csv` of the
    hours-studied / test-score demo of linear regression by gradient descent
    (public repository `llSourcell/linear_regression_live`): 100 rows of two
    numbers, x from 25 to 70 and y from 31 to 119, no header. It ships inside
    the package, so it loads offline, in Colab as anywhere.

    Its least-squares line is y = 1.322431 x + 7.991021 (MSE 110.2574); the
    previous practice's gradient descent (learning rate 1e-4, 1000 steps from
    0) stops at y = 1.477744 x + 0.088937 (MSE 112.6148).

    Returns:
        A tuple `(x, y)` of float64 arrays of shape `(100,)`, the file's
        values exactly (`fit` casts them to the model's float32).

    Example:

    ```python
    x, y = keras_tape.data.load_practice02()
    x.shape, y.shape  # ((100,), (100,))
    np.polyfit(x, y, 1)  # slope 1.3224, intercept 7.9910
    ```
    """
    # float64, exactly the file's digits: the reference figures above are computed on them.
    with resources.files("keras_tape.data").joinpath("practice02.csv").open("r") as file:
        table = np.loadtxt(file, delimiter=",", dtype="float64")
    return table[:, 0].copy(), table[:, 1].copy()
