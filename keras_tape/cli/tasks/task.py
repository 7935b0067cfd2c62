"""`Task`: a model with its data, as `demo` and `fit` build, train, score and draw it."""

from __future__ import annotations

import abc
import argparse
import contextlib
import dataclasses
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import numpy as np

from keras_tape.cli.errors import UsageError


@dataclasses.dataclass
class Outcome:
    """What a trained task reports: its learned equation (or hits), the truth, a score.

    Attributes:
        learned: e.g. `y = 6.1346*x + 1.3583`, or `353 of 359 held-out labels right`.
        truth: the equation the data came from, or "-" when unknown.
        score: e.g. `MSE 0.9239` or `accuracy 0.9833`.
        y_pred: the predicted labels of a classifier, for its figure.
    """

    learned: str
    truth: str
    score: str
    y_pred: np.ndarray | None = None


class Task(abc.ABC):
    """A model with its data: subclasses say how to load, compile, score and draw it.

    Args:
        description: one line for the user, e.g. "LinearRegression on 100 rows of data.csv".
        model: the keras_tape model, built under the command's strategy.
        x: training inputs.
        y: training targets (labels for a classifier).
        x_test: held-out inputs, the validation data of `fit`, or None.
        y_test: held-out targets, or None.
        batch_size: the default batch size; None for full batch.
        notes: lines the command prints before training.

    Example:

    ```python
    task = LinearTask.from_args(args)  # a subclass
    task.compile(loss="mae")
    task.train(epochs=100, batch_size=None, log_dir=None, quiet=True)
    print(task.evaluate().learned)
    ```
    """

    name: ClassVar[str]  # the command's name for it: `keras-tape fit NAME`

    def __init__(
        self,
        description: str,
        model,
        x: np.ndarray,
        y: np.ndarray,
        x_test=None,
        y_test=None,
        *,
        batch_size: int | None = None,
        notes: Sequence[str] = (),
    ):
        self.description = description
        self.model = model
        self.x, self.y = x, y
        self.x_test, self.y_test = x_test, y_test
        self.batch_size = batch_size
        self.notes = list(notes)

    @classmethod
    @abc.abstractmethod
    def from_args(cls, args: argparse.Namespace) -> Task:
        """Loads the data and makes the model that `keras-tape fit NAME`'s options describe."""

    def compile(
        self, optimizer: str | None = None, learning_rate: float | None = None, loss: str | None = None
    ) -> None:
        """Compiles with the model's defaults, replacing what the options name.

        Args:
            optimizer: a Keras optimizer name (`--optimizer`), or None for the model's.
            learning_rate: `--learning-rate`, or None for the optimizer's.
            loss: `--loss`, or None for the model's.
        """
        self.model.compile(optimizer=self._optimizer(optimizer, learning_rate), loss=self.loss(loss))

    def loss(self, name: str | None) -> str | None:
        """The loss to compile with for `--loss name` (None: the model's default)."""
        return name

    def targets(self, labels: np.ndarray) -> np.ndarray:
        """The targets `fit` trains on, for the task's targets or labels `labels`."""
        return labels

    def check_plot(self) -> None:  # noqa: B027 (a hook; most data can be drawn)
        """Refuses `--plot` before training when the data cannot be drawn."""

    @abc.abstractmethod
    def evaluate(self) -> Outcome:
        """Scores the trained model."""

    @abc.abstractmethod
    def figure(self, outcome: Outcome):
        """A matplotlib figure of the trained model (needs matplotlib)."""

    def train(self, *, epochs: int, batch_size: int | None, log_dir: Path | None, quiet: bool) -> None:
        """Runs `fit()`, logging to `log_dir` (TensorBoard and keras_tape's loggers) if given.

        Args:
            epochs: passes over the data.
            batch_size: the global batch size; None for the task's default.
            log_dir: the run's TensorBoard folder, or None for no logs.
            quiet: no progress output.
        """
        import keras

        callbacks = []
        if log_dir is not None:
            callbacks.append(keras.callbacks.TensorBoard(log_dir=str(log_dir)))
            callbacks.extend(self._tape_loggers(str(log_dir), epochs))
        if not quiet:
            callbacks.append(_progress_callback(epochs))
        validation_data = None
        if self.x_test is not None:
            validation_data = (self.x_test, self.targets(self.y_test))
        try:
            self.model.fit(
                self.x,
                self.targets(self.y),
                epochs=epochs,
                batch_size=batch_size or self.batch_size or len(self.x),
                validation_data=validation_data,
                callbacks=callbacks,
                verbose=0,
            )
        except KeyboardInterrupt:
            # fit() skips on_train_end when interrupted, and that is where the
            # TensorBoard writers flush and close: run it so the logs so far stay.
            for callback in callbacks:
                with contextlib.suppress(Exception):
                    callback.on_train_end()
            raise

    def _optimizer(self, name: str | None, learning_rate: float | None):
        """The optimizer `--optimizer` and `--learning-rate` ask for; None keeps the model's default."""
        import keras

        if name is None and learning_rate is None:
            return None
        if name is None:
            optimizer = keras.optimizers.get(self.model.get_compile_defaults()["optimizer"])
        else:
            try:
                optimizer = keras.optimizers.get(name)
            except ValueError:
                raise UsageError(
                    f"--optimizer got {name!r}, not a Keras optimizer; expected a name such as "
                    "sgd, adam, adamw, rmsprop, adagrad, nadam."
                ) from None
        if learning_rate is not None:
            optimizer = type(optimizer).from_config({**optimizer.get_config(), "learning_rate": learning_rate})
        return optimizer

    def _tape_loggers(self, log_dir: str, epochs: int) -> list:
        """keras_tape's own TensorBoard callbacks: gradients, parameters, hyperparameters, plots."""
        from keras_tape import callbacks

        loggers = [
            callbacks.GradientLogger(log_dir),
            callbacks.ParameterLogger(log_dir),
            callbacks.HParamsLogger(log_dir),
        ]
        if self.x_test is not None:
            data, run = (self.x_test, self.y_test), "validation"
        else:
            data, run = (self.x, self.y), "train"
        with contextlib.suppress(ImportError):  # it draws with matplotlib, an optional dependency
            loggers.append(callbacks.PredictionPlotLogger(log_dir, data=data, every=max(1, epochs // 5), run=run))
        return loggers


def _progress_callback(epochs: int):
    """Progress per epoch: a live bar on a terminal, about ten plain lines elsewhere."""
    import keras

    if sys.stdout.isatty():
        bar = keras.utils.Progbar(epochs, unit_name="epoch", stateless_metrics=())
        return keras.callbacks.LambdaCallback(
            on_epoch_end=lambda epoch, logs: bar.update(epoch + 1, list((logs or {}).items()))
        )
    # A redrawn bar turns a log file into one unreadable line.
    every = max(1, epochs // 10)

    def report(epoch, logs):
        if (epoch + 1) % every == 0 or epoch + 1 == epochs:
            metrics = "".join(f" - {name}: {value:.4g}" for name, value in (logs or {}).items())
            print(f"epoch {epoch + 1}/{epochs}{metrics}", flush=True)

    return keras.callbacks.LambdaCallback(on_epoch_end=report)
