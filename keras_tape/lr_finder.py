"""The learning-rate range test (Smith 2017): `find_learning_rate` and its `LRFinderResult`."""

from __future__ import annotations

import functools
import math
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from keras_tape import _validation
from keras_tape.tape_model import TapeModel

_SUGGESTION_METHODS = ("steepest", "minimum")


class LRFinderResult:
    """What `find_learning_rate` measured: one loss per learning rate tried.

    Attributes:
        learning_rates: The learning rate of each step, rising exponentially.
        losses: The loss of each step, smoothed by an exponential moving
            average (bias-corrected, as Adam corrects its moments) so that the
            curve's shape shows through the noise of mini-batches.
        raw_losses: The loss of each step's batch, before the update.
        diverged: Whether the run stopped early because the loss exploded.

    Example:

    ```python
    result = keras_tape.find_learning_rate(model, x, y)
    result.suggestion                 # where the smoothed loss falls fastest
    result.suggest("minimum")         # a tenth of the rate at the lowest loss
    result.plot()                     # needs matplotlib
    ```
    """

    def __init__(self, learning_rates, losses, raw_losses, diverged: bool):
        self.learning_rates = np.asarray(learning_rates, dtype="float64")
        self.losses = np.asarray(losses, dtype="float64")
        self.raw_losses = np.asarray(raw_losses, dtype="float64")
        self.diverged = diverged

    @property
    def suggestion(self) -> float:
        """The learning rate where the smoothed loss falls fastest: `suggest("steepest")`."""
        return self.suggest("steepest")

    def suggest(self, method: str = "steepest") -> float:
        """Returns a learning rate read off the curve.

        Args:
            method: `"steepest"`, the rate where the smoothed loss falls
                fastest against log(learning rate) (Lightning's rule); or
                `"minimum"`, a tenth of the rate with the lowest smoothed loss
                (fastai's older rule: the minimum is already too fast).

        Returns:
            A learning rate, or NaN if fewer than three steps had a finite loss.

        Raises:
            ValueError: If `method` is not one of the two.
        """
        method = _validation.check_choice(method, "method", _SUGGESTION_METHODS)
        finite = np.isfinite(self.losses)
        rates, losses = self.learning_rates[finite], self.losses[finite]
        if self.diverged:
            # The last step is the explosion, not part of the curve's descent.
            rates, losses = rates[:-1], losses[:-1]
        if len(losses) < 3:
            return float("nan")
        if method == "minimum":
            return float(rates[np.argmin(losses)] / 10)
        return float(rates[np.argmin(np.gradient(losses, np.log(rates)))])

    def plot(self, ax=None):
        """Draws the smoothed loss against the learning rate (log scale), the suggestion marked.

        Needs matplotlib (`pip install "keras-tape[plot]"`).

        Args:
            ax: A matplotlib `Axes` to draw on; default a new figure's.

        Returns:
            The matplotlib `Figure` drawn on.
        """
        if ax is None:
            try:
                from matplotlib.figure import Figure
            except ImportError as error:  # matplotlib is an optional dependency
                raise ImportError('LRFinderResult.plot needs matplotlib: pip install "keras-tape[plot]"') from error
            ax = Figure(figsize=(6, 4), layout="constrained").add_subplot()
        ax.plot(self.learning_rates, self.raw_losses, color="0.75", linewidth=1, label="loss of each batch")
        ax.plot(self.learning_rates, self.losses, linewidth=2, label="smoothed loss")
        if math.isfinite(self.suggestion):
            ax.axvline(self.suggestion, color="C3", linestyle="--", label=f"suggestion {self.suggestion:.3g}")
        ax.set_xscale("log")
        finite = self.losses[np.isfinite(self.losses)]
        if finite.size:
            # The explosion at the end would flatten the rest of the curve.
            ax.set_ylim(finite.min() - 0.05 * abs(finite.min()), 2 * finite[0] if finite[0] > 0 else None)
        ax.set_xlabel("learning rate")
        ax.set_ylabel("loss")
        ax.set_title("Learning-rate range test")
        ax.legend()
        return ax.figure

    def __repr__(self) -> str:
        return (
            f"LRFinderResult(steps={len(self.learning_rates)}, suggestion={self.suggestion:.3g}, "
            f"diverged={self.diverged})"
        )


def find_learning_rate(
    model: keras.Model,
    x: Any,
    y: Any = None,
    min_lr: float = 1e-6,
    max_lr: float = 10.0,
    steps: int = 100,
    batch_size: int = 32,
    stop_factor: float = 4.0,
    smoothing: float = 0.98,
    seed: int | None = None,
) -> LRFinderResult:
    """Runs a learning-rate range test: short training with an exponentially rising rate.

    Each of `steps` training steps (the model's own `train_step`, through
    `train_on_batch`) uses a learning rate `min_lr * (max_lr / min_lr) **
    (k / (steps - 1))` and records its batch's loss, as the finders of
    fastai and PyTorch Lightning do (Smith 2017). The loss first barely
    moves, then falls, then explodes once the rate passes the stability
    limit of the loss's curvature (for gradient descent on a quadratic, 2
    over the Hessian's largest eigenvalue); the run stops early when the
    smoothed loss exceeds `stop_factor` times its best value or is NaN.
    A good learning rate lies where the loss falls fastest, well below the
    explosion.

    Afterwards the model's weights and the optimizer's state (its step
    count, moments and learning rate) are put back exactly as they were:
    the test trains nothing. A `TapeModel` that learns statistics from its
    data (`adapt`) learns them first, as `fit` would.

    Args:
        model: A compiled `keras.Model` whose optimizer has a numeric
            learning rate (not a schedule).
        x: Training inputs as `fit` takes them in memory (an array or a
            nested structure of arrays), or a `tf.data.Dataset` of batches.
        y: Training targets (None for a dataset).
        min_lr: The first learning rate, > 0.
        max_lr: The last learning rate, > `min_lr`.
        steps: Training steps, an integer >= 3.
        batch_size: Rows per batch for in-memory data; a full batch
            (`len(x)`) gives a smooth curve for small data.
        stop_factor: Stop when the smoothed loss exceeds this multiple of its
            lowest value, > 1.
        smoothing: Weight of the past in the loss's moving average, in
            [0, 1); 0 keeps the raw losses.
        seed: Seed of the batch shuffling.

    Returns:
        An `LRFinderResult`.

    Raises:
        TypeError: If `model` is not a `keras.Model`.
        ValueError: If `model` is not compiled, its learning rate is a
            schedule, or an argument is out of range.

    Example:

    ```python
    x, y = keras_tape.data.polynomial_data()
    model = keras_tape.models.PolynomialRegression(degree=2)
    model.compile()
    result = keras_tape.find_learning_rate(model, x, y, batch_size=len(x))
    result.suggestion     # about 0.1: SGD on whitened features diverges above 1
    ```
    """
    _check_model(model)
    min_lr = _validation.check_float(min_lr, "min_lr", minimum=0.0)
    max_lr = _validation.check_float(max_lr, "max_lr", minimum=0.0)
    if not 0 < min_lr < max_lr:
        raise ValueError(f"`min_lr` and `max_lr` must satisfy 0 < min_lr < max_lr, got {min_lr} and {max_lr}.")
    steps = _validation.check_int(steps, "steps", minimum=3)
    batch_size = _validation.check_int(batch_size, "batch_size")
    stop_factor = _validation.check_float(stop_factor, "stop_factor", minimum=1.0)
    smoothing = _validation.check_float(smoothing, "smoothing", minimum=0.0)
    if smoothing >= 1:
        raise ValueError(f"`smoothing` must be in [0, 1), got {smoothing}.")
    batches = _batches(model, x, y, batch_size, seed)
    optimizer = model.optimizer
    if not optimizer.built:
        # Built now, so that its initial state is saved and restored too.
        optimizer.build(model.trainable_variables)
    weights = model.get_weights()
    optimizer_state = [variable.numpy() for variable in optimizer.variables]
    original_rate = float(optimizer.learning_rate)
    try:
        optimizer.learning_rate = min_lr
    except TypeError:  # Keras's answer to setting the rate of a schedule
        raise ValueError(
            f"`model`'s optimizer ({type(optimizer).__name__}) has a learning-rate schedule; the "
            "test sets the rate itself. Compile with a number as learning_rate."
        ) from None
    rates = min_lr * (max_lr / min_lr) ** (np.arange(steps) / (steps - 1))
    raw, smoothed, average, best, diverged = [], [], 0.0, math.inf, False
    try:
        for k, rate in enumerate(rates):
            optimizer.learning_rate = float(rate)
            loss = float(model.train_on_batch(*next(batches), return_dict=True)["loss"])
            average = smoothing * average + (1 - smoothing) * loss
            raw.append(loss)
            smoothed.append(average / (1 - smoothing ** (k + 1)))
            best = min(best, smoothed[-1])
            if not math.isfinite(smoothed[-1]) or smoothed[-1] > stop_factor * best:
                diverged = True
                break
    finally:
        model.set_weights(weights)
        optimizer.learning_rate = original_rate
        for variable, value in zip(optimizer.variables, optimizer_state):
            variable.assign(value)
    return LRFinderResult(rates[: len(raw)], smoothed, raw, diverged)


def _check_model(model) -> None:
    if not isinstance(model, keras.Model):
        raise TypeError(f"`model` must be a keras.Model, got {type(model).__name__}.")
    if not model.compiled:
        raise ValueError(
            f"`model` ({type(model).__name__}) must be compiled: the test trains it with its "
            "compiled loss and optimizer. Call model.compile() first."
        )


def _batches(model, x, y, batch_size, seed):
    """Yields `(x, y, sample_weight)` batches for ever; builds and adapts `model` first."""
    if isinstance(x, tf.data.Dataset):
        if y is not None:
            raise ValueError("`y` must be None when `x` is a tf.data.Dataset (it yields the targets).")
        first = keras.utils.unpack_x_y_sample_weight(next(iter(x)))[0]
        _prepare(model, first, x)
        return (keras.utils.unpack_x_y_sample_weight(batch) for batch in x.repeat())
    if isinstance(model, TapeModel):
        model.check_training_data(x, y)
    rows = len(keras.tree.flatten(x)[0])
    _prepare(model, keras.tree.map_structure(lambda a: a[:1], x), x)

    def shuffled():
        rng = np.random.default_rng(seed)
        while True:
            order = rng.permutation(rows)
            for start in range(0, rows, batch_size):
                take = functools.partial(_rows, index=np.sort(order[start : start + batch_size]))
                yield keras.tree.map_structure(take, x), None if y is None else keras.tree.map_structure(take, y), None

    return shuffled()


def _rows(array, index):
    return tf.gather(array, index)


def _prepare(model, first_rows, x) -> None:
    """Builds the model's weights and learns its input statistics, as `fit` does before training."""
    with model.distribute_strategy.scope():
        if not model.built:
            model(first_rows)
        if isinstance(model, TapeModel) and not model.is_adapted:
            model.adapt(x)
