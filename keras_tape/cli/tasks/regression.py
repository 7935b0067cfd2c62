"""`RegressionTask`: a regression on a CSV file or on one of the lab's formulas."""

from __future__ import annotations

import abc
from typing import TypeVar

import numpy as np

from keras_tape.cli import files
from keras_tape.cli.errors import UsageError
from keras_tape.cli.tasks.task import Outcome, Task

_Task = TypeVar("_Task", bound="RegressionTask")


class RegressionTask(Task):
    """A regression, scored by its MSE on the training data and drawn as a curve through the points.

    Args:
        *args: as for `Task`.
        truth_coef: the formula the data came from, ascending (c0, c1, ...),
            or None for data from a file.
        **kwargs: as for `Task`.

    Example:

    ```python
    task = PolynomialTask.load(degree=2)  # a subclass
    task.compile()
    task.train(epochs=100, batch_size=None, log_dir=None, quiet=True)
    task.evaluate().truth  # 'y = 6.0000*x^2 + 8.0000*x + 2.0000'
    ```
    """

    def __init__(self, *args, truth_coef: tuple[float, ...] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.truth_coef = truth_coef

    @classmethod
    def on_csv(cls: type[_Task], model, what: str, csv: str, x_col, y_col) -> _Task:
        """The task of `model` on the columns `x_col`, `y_col` of the file `csv` (`--csv`).

        Args:
            model: the regression model.
            what: the model as the description names it, e.g. "LinearRegression".
            csv: the file.
            x_col: `--x-col`: input column(s), or None for all but `y_col`.
            y_col: `--y-col`: the target column.

        Example:

        ```python
        task = LinearTask.on_csv(LinearRegression(), "LinearRegression", "scores.csv", ["hours"], "score")
        ```
        """
        x, y = files.read_csv(csv, x_col, y_col)
        return cls(f"{what} on {len(y)} rows of {csv}", model, x, y)

    @abc.abstractmethod
    def fitted_coef(self) -> np.ndarray:
        """The fitted polynomial's coefficients, ascending (c0, c1, ...), for the figure."""

    def check_plot(self) -> None:
        if self.x.ndim == 2 and self.x.shape[1] > 1:
            raise UsageError(
                f"--plot draws one input column, but the data has {self.x.shape[1]}; choose one with --x-col."
            )

    def evaluate(self) -> Outcome:
        from keras_tape.models import polynomial_equation

        y_fit = self.model.predict(self.x, verbose=0).reshape(-1)
        mse = float(np.mean((y_fit.astype("float64") - self.y) ** 2))
        truth = "-" if self.truth_coef is None else polynomial_equation(self.truth_coef)
        return Outcome(learned=self.model.equation(), truth=truth, score=f"MSE {mse:.4f}")

    def figure(self, outcome: Outcome):
        from keras_tape import plots

        fitted = self.fitted_coef()
        curves = {f"fit: {outcome.learned}": lambda t: np.polynomial.polynomial.polyval(t, fitted)}
        truth = self.truth_coef
        if truth is not None:
            curves[f"truth: {outcome.truth}"] = lambda t: np.polynomial.polynomial.polyval(t, truth)
        title = f"{type(self.model).__name__} trained by fit()"
        return plots.regression_figure(self.x, self.y, curves, title=title)
