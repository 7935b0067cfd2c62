"""`LinearTask`: `keras-tape fit linear`, on a CSV file or the lab's noisy line."""

from __future__ import annotations

import argparse

import numpy as np

from keras_tape.cli.tasks.regression import RegressionTask

# The lab's formula: y = 6.12x + 1.35 plus noise.
LINEAR_TRUTH = (1.35, 6.12)  # ascending: intercept, slope
LINEAR_NOISE = 1.0


class LinearTask(RegressionTask):
    """`LinearRegression` on a CSV file, or on the lab's y = 6.12x + 1.35 plus noise.

    Example:

    ```python
    task = LinearTask.load(csv="scores.csv", x_col=["hours"], y_col="score")
    ```
    """

    name = "linear"

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> LinearTask:
        return cls.load(args.csv, args.x_col, args.y_col, seed=args.seed)

    @classmethod
    def load(cls, csv: str | None = None, x_col=None, y_col=-1, *, seed: int = 0) -> LinearTask:
        """The task on `csv` (columns as for `keras_tape.data.load_csv`), or on the lab's line.

        Args:
            csv: a CSV file, or None for the lab's formula.
            x_col: `--x-col`: input column(s), or None for all but `y_col`.
            y_col: `--y-col`: the target column.
            seed: the noise's seed, for the lab's formula.
        """
        from keras_tape import data
        from keras_tape.models import LinearRegression

        if csv:
            return cls.on_csv(LinearRegression(), "LinearRegression", csv, x_col, y_col)
        intercept, slope = LINEAR_TRUTH
        x, y = data.linear_data(slope=slope, intercept=intercept, noise=LINEAR_NOISE, seed=seed)
        description = (
            f"LinearRegression on {len(y)} points of y = {slope}x + {intercept} plus noise (sd {LINEAR_NOISE})"
        )
        return cls(description, LinearRegression(), x, y, truth_coef=LINEAR_TRUTH)

    def fitted_coef(self) -> np.ndarray:
        return np.concatenate([[self.model.intercept], self.model.coef])
