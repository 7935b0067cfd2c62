"""`HParamsLogger`: a run's hyperparameters and final metrics, for TensorBoard's HParams dashboard."""

from __future__ import annotations

import json
import math
import numbers

import keras
import numpy as np
import tensorflow as tf

from keras_tape import _validation
from keras_tape.callbacks._writers import SummaryCallback

# Keys of Model.get_config() that say nothing about how the model learns.
_NOT_HYPERPARAMETERS = ("name", "trainable", "dtype")


class HParamsLogger(SummaryCallback):
    """Records a run's hyperparameters and final metrics for the HParams dashboard.

    Once the first training steps have run it writes, into `<log_dir>` itself
    (the run that owns `<log_dir>/train` and `<log_dir>/validation`), the
    hyperparameters through `tensorboard.plugins.hparams.api`: the model
    class and its config (`degree`, `hidden_units`, ...), the optimizer class,
    its learning rate, the loss function, the epochs and the batch size
    (which Keras does not tell callbacks: it is measured from the samples of
    the first steps), overridden by `hparams`. When `fit` ends it
    writes the final metrics, named as in `fit`'s logs (`loss`, `val_loss`,
    ...). Give each run its own `log_dir` under one parent (`runs/lr-0.1`,
    `runs/lr-0.01`) and `tensorboard --logdir runs` lists the runs side by
    side, with the last value of every curve of each run as a metric.

    Args:
        log_dir: the run's folder, the `log_dir` of `keras.callbacks.TensorBoard`.
        hparams: extra or overriding hyperparameters, a dict of names to
            bool, int, float or str values (e.g. `{"batch_size": 128}` or
            `{"data": "practice02"}`).

    Example:

    ```python
    for rate in (0.1, 0.01):
        model = keras_tape.models.PolynomialRegression(degree=2)
        model.compile(optimizer=keras.optimizers.SGD(rate))
        log_dir = f"runs/lr-{rate}"
        model.fit(x, y, epochs=50, verbose=0, callbacks=[
            keras.callbacks.TensorBoard(log_dir),
            keras_tape.callbacks.HParamsLogger(log_dir),
        ])
    ```
    """

    def __init__(self, log_dir, hparams: dict | None = None):
        super().__init__(log_dir)
        self.hparams = _check_hparams(hparams)
        self._first_batch = self._last_epoch = None
        self._recorded = False

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self._first_batch = self._last_epoch = None
        self._recorded = False

    # The batch size is the samples of the first execution of the training
    # function, read before the next one (not in on_train_batch_end: a callback
    # with that hook makes Keras wait for each step's logs).

    def on_train_batch_begin(self, batch, logs=None):
        if self._recorded:
            return
        if self._first_batch is None:
            self._first_batch = batch
        elif batch > self._first_batch:
            self._record_hparams(steps=batch - self._first_batch)

    def on_test_begin(self, logs=None):
        # Validation is about to reset the metrics; the epoch was one execution.
        self._record_after_one_execution()

    def on_epoch_end(self, epoch, logs=None):
        self._record_after_one_execution()
        self._last_epoch = epoch

    def on_train_end(self, logs=None):
        if not self._recorded:
            self._record_hparams(steps=None)
        if logs and self._last_epoch is not None:
            with self.writers[""].as_default(step=self._last_epoch):
                for name, value in logs.items():
                    tf.summary.scalar(name, float(keras.ops.convert_to_numpy(value)))
        super().on_train_end(logs)

    def _record_after_one_execution(self) -> None:
        if not self._recorded and self._first_batch is not None:
            self._record_hparams(steps=(self.params or {}).get("steps") or 1)

    def _record_hparams(self, steps: int | None) -> None:
        """Writes the hyperparameters; the batch size is the samples seen over `steps` steps."""
        values = _model_hparams(self.model)
        values["epochs"] = self.params.get("epochs") if self.params else None
        # Rounded up: the last batch of an epoch run as one execution may be short.
        values["batch_size"] = (math.ceil(self._samples_seen() / steps) or None) if steps else None
        values.update(self.hparams)
        # Imported here: the plugin pulls in some sixty tensorboard modules, which
        # `import keras_tape` should not pay for when no HParamsLogger runs.
        from tensorboard.plugins.hparams import api as hparams_api

        with self.writers[""].as_default():
            hparams_api.hparams({k: v for k, v in values.items() if v is not None})
        self.writers.flush()
        self._recorded = True

    def _samples_seen(self) -> int:
        """Samples trained on this epoch so far, from the `loss` metric's weight (0 if unknown).

        `TapeModel` weighs the running loss by each batch's size, so the
        weight after the first steps gives the batch size Keras keeps to itself.
        """
        loss = next((m for m in self.model.metrics if m.name == "loss"), None)
        count = getattr(loss, "count", None)
        return 0 if count is None else int(keras.ops.convert_to_numpy(count))


def _model_hparams(model) -> dict:
    """The model class, its config and the optimizer's class and learning rate."""
    values: dict[str, str | float | int | bool] = {"model": type(model).__name__}
    for key, value in model.get_config().items():
        if key not in _NOT_HYPERPARAMETERS:
            values[key] = _as_hparam_value(value)
    optimizer = getattr(model.optimizer, "inner_optimizer", model.optimizer)
    if optimizer is not None:
        values["optimizer"] = type(optimizer).__name__
        values["learning_rate"] = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
    loss = getattr(model, "loss", None)
    if loss is not None:
        values["loss_function"] = loss if isinstance(loss, str) else getattr(loss, "name", type(loss).__name__)
    return values


def _as_hparam_value(value):
    """bool, int, float and str as they are; anything else (lists, dicts) as JSON text."""
    if isinstance(value, (np.generic, np.ndarray)) and np.ndim(value) == 0:
        value = value.item()
    if value is None or isinstance(value, (bool, str, numbers.Integral, numbers.Real)):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def _check_hparams(hparams) -> dict:
    if hparams is None:
        return {}
    if not isinstance(hparams, dict):
        raise TypeError(
            f"`hparams` must be a dict of names to bool, int, float or str values, got "
            f"{_validation._describe(hparams)} of type {type(hparams).__name__}."
        )
    for key, value in hparams.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"`hparams` keys must be non-empty strings, got {key!r}.")
        if not isinstance(value, (bool, str, numbers.Real)):
            raise TypeError(
                f"`hparams[{key!r}]` must be a bool, int, float or str, got "
                f"{_validation._describe(value)} of type {type(value).__name__}."
            )
    return {key: _as_hparam_value(value) for key, value in hparams.items()}
