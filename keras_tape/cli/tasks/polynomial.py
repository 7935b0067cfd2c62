"""`PolynomialTask`: `keras-tape fit polynomial`, on a CSV file or the lab's y = 6x^2 + 8x + 2."""

from __future__ import annotations

import argparse

import numpy as np

from keras_tape.cli.tasks.regression import RegressionTask

POLYNOMIAL_TRUTH = (2.0, 8.0, 6.0)  # the lab's y = 6x^2 + 8x + 2 on x = 0..10, ascending


class PolynomialTask(RegressionTask):
    """`PolynomialRegression` on a CSV file, or on the lab's y = 6x^2 + 8x + 2 at x = 0..10.

    Example:

    ```python
    task = PolynomialTask.load(degree=3)
    ```
    """

    name = "polynomial"

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> PolynomialTask:
        return cls.load(args.csv, args.x_col, args.y_col, degree=args.degree)

    @classmethod
    def load(cls, csv: str | None = None, x_col=None, y_col=-1, *, degree: int = 2) -> PolynomialTask:
        """The task on `csv` (columns as for `keras_tape.data.load_csv`), or on the lab's polynomial.

        Args:
            csv: a CSV file, or None for the lab's formula.
            x_col: `--x-col`: the input column, or None for all but `y_col`.
            y_col: `--y-col`: the target column.
            degree: the polynomial's degree.
        """
        from keras_tape import data
        from keras_tape.models import PolynomialRegression

        model, what = PolynomialRegression(degree=degree), f"PolynomialRegression(degree={degree})"
        if csv:
            return cls.on_csv(model, what, csv, x_col, y_col)
        x, y = data.polynomial_data(coef=POLYNOMIAL_TRUTH)
        return cls(f"{what} on y = 6x^2 + 8x + 2 at x = 0..10", model, x, y, truth_coef=POLYNOMIAL_TRUTH)

    def fitted_coef(self) -> np.ndarray:
        return self.model.coef
