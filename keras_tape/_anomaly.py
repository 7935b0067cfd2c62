"""`TapeModel(detect_anomaly=True)`: stop at the first non-finite step and name where it began.

Inside the compiled step, one check: are the loss and the gradients finite?
Only when they are not does the step call back into Python
(`tf.py_function`), before the optimizer touches the weights: the batch is
run again eagerly through the model with every layer's output watched, and
the first layer (in the order their calls finish, innermost first) whose
output holds NaN or inf is named, with the range of its input. If every
output is finite the culprit is the loss, else the first variable whose
gradient is non-finite. The step then fails, and the training function's
wrapper turns the failure into an `AnomalyError` naming the batch.

`tf.py_function` cannot be compiled by XLA, so such a model does not ask for
`jit_compile`. With `detect_anomaly=False` none of this is traced.
"""

from __future__ import annotations

import functools
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from keras_tape import _compat

# The diagnosis made inside the step, keyed by id(model), waiting for the
# training function's wrapper to raise it with the batch's position.
_PENDING: dict[int, AnomalyError] = {}


class AnomalyError(FloatingPointError):
    """A training step's loss or gradients turned NaN or inf.

    Attributes:
        batch: The batch's index within its epoch, from 0 (None if unknown).
        epoch: The epoch's index, from 0 as callbacks count (None if unknown).
        step: The training step, `optimizer.iterations` before it.
        layer: The name of the first layer whose output was non-finite, or None.
        variable: The path of the first variable whose gradient was, or None.
        input_range: `(min, max)` of that layer's finite input values, or None.
    """

    def __init__(self, diagnosis: str, layer=None, variable=None, input_range=None):
        super().__init__(diagnosis)
        self.diagnosis = diagnosis
        self.layer, self.variable, self.input_range = layer, variable, input_range
        self.batch = self.epoch = self.step = None

    def at(self, batch, epoch, step) -> AnomalyError:
        """Sets where in training the step was and rewrites the message to say it."""
        self.batch, self.epoch, self.step = batch, epoch, step
        where = f"training step {step}"
        if batch is not None:
            epoch_text = f"epoch {epoch + 1} (as the progress bar counts)" if epoch is not None else "this epoch"
            where = f"batch {batch} (counted from 0) of {epoch_text}, {where}"
        self.args = (f"NaN or inf in the loss or gradients at {where}: {self.diagnosis}",)
        return self


def configure(model, detect_anomaly, skip_nonfinite_steps) -> bool:
    """Checks the `detect_anomaly` argument; a detecting model opts out of XLA."""
    if not isinstance(detect_anomaly, bool):
        raise TypeError(f"`detect_anomaly` must be True or False, got {detect_anomaly!r}.")
    if detect_anomaly and skip_nonfinite_steps:
        raise ValueError(
            "`detect_anomaly=True` stops training at the first non-finite step, "
            "`skip_nonfinite_steps=True` skips such steps and goes on: choose one."
        )
    if detect_anomaly:
        model.supports_jit = False  # XLA cannot compile the tf.py_function of the check
    return detect_anomaly


def check_step(model, data, loss, gradients) -> list:
    """Inside the step: if the loss or a gradient is non-finite, diagnose the batch and fail.

    Returns the gradients, made to wait for the check: the optimizer must not
    update the weights before the diagnosis has read them.
    """
    checked = [loss]
    if not isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer):
        # Scaled gradients overflow now and then by design; that optimizer skips those steps.
        checked += [_dense(g) for g in gradients if g is not None]
    finite = tf.reduce_all([tf.reduce_all(tf.math.is_finite(t)) for t in checked])
    flat_data = [t for t in tf.nest.flatten(data) if t is not None]
    slots = [i for i, g in enumerate(gradients) if g is not None]
    diagnose = functools.partial(_diagnose, model, data, len(flat_data), slots)

    # Read here, the count is ordered before the update's increment.
    step = tf.convert_to_tensor(model.optimizer.iterations)

    def report():
        inputs = [step] + flat_data + [_dense(gradients[i]) for i in slots]
        return tf.py_function(diagnose, inputs, Tout=tf.bool)

    checked_ok = tf.cond(finite, lambda: tf.constant(True), report)
    with tf.control_dependencies([checked_ok]):
        return [_after_check(g) for g in gradients]


def _after_check(gradient):
    if gradient is None:
        return None
    if isinstance(gradient, tf.IndexedSlices):
        return tf.IndexedSlices(tf.identity(gradient.values), gradient.indices, gradient.dense_shape)
    return tf.identity(gradient)


def check_train_function(model) -> None:
    """Wraps `model.train_function` to raise the `AnomalyError` its step left instead of TensorFlow's error."""
    train_function = model.train_function
    if getattr(train_function, "_checks_anomalies", False):
        return
    epoch_start: dict[str, Any] = {"key": None, "step": 0}

    def run(iterator):
        history = getattr(model, "history", None)
        epochs_done = list(getattr(history, "epoch", []) or [])
        key = (id(history), len(epochs_done))
        if key != epoch_start["key"]:
            epoch_start.update(key=key, step=int(model.optimizer.iterations.numpy()))
        try:
            return train_function(iterator)
        except tf.errors.OpError:
            error = _PENDING.pop(id(model), None)
            if error is None:
                raise
            # The update waited for the check, but the step count may not have.
            model.optimizer.iterations.assign(error.step or 0)
            epoch = epochs_done[-1] + 1 if epochs_done else None
            step = error.step or 0
            batch = step - epoch_start["step"] if history is not None else None
            raise error.at(batch, epoch, step) from None

    setattr(run, "_checks_anomalies", True)  # noqa: B010 (an attribute of a function)
    model.train_function = run


def _diagnose(model, data, data_count, slots, step, *tensors):
    """Runs eagerly inside `tf.py_function`: finds where the batch went non-finite, then raises."""
    leaves = iter(tensors[:data_count])
    data = tf.nest.map_structure(lambda t: None if t is None else next(leaves), data)
    x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
    gradients = dict(zip(slots, tensors[data_count:]))
    state = [v.numpy() for v in model.non_trainable_variables]
    try:
        culprit, y_pred = _first_non_finite_layer(model, x)
        error = culprit or _loss_or_gradient(model, x, y, y_pred, sample_weight, gradients)
    finally:
        # The re-run must not move batch statistics or random-number states.
        for variable, value in zip(model.non_trainable_variables, state):
            variable.assign(value)
    error.step = int(step)
    _PENDING[id(model)] = error
    raise error


def _first_non_finite_layer(model, x):
    """Runs `model(x)` with every layer's output checked: (AnomalyError or None, outputs)."""
    found: list[tuple] = []

    def watched(layer, call):
        @functools.wraps(call)
        def run(*args, **kwargs):
            outputs = call(*args, **kwargs)
            if not found and not _all_finite(outputs):
                found.append((layer, _range(tf.nest.flatten((args, kwargs)))))
            return outputs

        return run

    # Keras has no forward hooks; its public `layers` lists direct children only.
    layers = list(model._flatten_layers(include_self=True, recursive=True))
    for layer in layers:
        # Set on the instance, past Keras's attribute tracking; deleted below.
        layer.__dict__["call"] = watched(layer, layer.call)
    try:
        outputs = model(x, training=True)
    finally:
        for layer in layers:
            layer.__dict__.pop("call", None)
    if not found:
        return None, outputs
    layer, (low, high, all_finite) = found[0]
    where = "in its own call, outside its sublayers, " if layer is model else ""
    text = (
        f"its input ranged over [{low:.6g}, {high:.6g}]"
        if all_finite
        else (f"its input already held NaN or inf (finite values from {low:.6g} to {high:.6g})")
    )
    return AnomalyError(
        f"layer '{layer.name}' ({type(layer).__name__}) is the first whose output holds NaN or inf "
        f"{where}on this batch; {text}.",
        layer=layer.name,
        input_range=(low, high),
    ), outputs


def _loss_or_gradient(model, x, y, y_pred, sample_weight, gradients):
    loss = _compat.compute_loss(model, x, y, y_pred, sample_weight, training=True)
    low, high, _ = _range(tf.nest.flatten(y_pred))
    if not _all_finite(loss):
        return AnomalyError(
            f"every layer's output is finite (the model's from {low:.6g} to {high:.6g}) but the loss is {float(loss)}."
        )
    for slot, gradient in gradients.items():
        if not _all_finite(gradient):
            variable = model.trainable_variables[slot]
            low, high, _ = _range([variable])
            return AnomalyError(
                f"the loss ({float(loss):.6g}) and every layer's output are finite, but the gradient "
                f"of variable '{variable.path}' holds NaN or inf (the variable's values range over "
                f"[{low:.6g}, {high:.6g}]).",
                variable=variable.path,
            )
    return AnomalyError(
        "re-run eagerly, the batch gave finite outputs, loss and gradients: the step's NaN did not "
        "reproduce (random layers such as Dropout draw anew)."
    )


def _dense(gradient):
    return tf.convert_to_tensor(gradient.values if isinstance(gradient, tf.IndexedSlices) else gradient)


def _float_arrays(values) -> list[np.ndarray]:
    """The floating-point tensors, arrays and variables among `values`, as flat float64 arrays."""
    arrays = []
    for value in tf.nest.flatten(values):
        if tf.is_tensor(value) or isinstance(value, (np.ndarray, keras.Variable, tf.Variable)):
            array = np.asarray(value)
            if np.issubdtype(array.dtype, np.floating):
                arrays.append(array.astype("float64").ravel())
    return arrays


def _all_finite(values) -> bool:
    return all(np.isfinite(array).all() for array in _float_arrays(values))


def _range(values):
    """(min, max) of the finite entries of the float tensors in `values`, and whether all were finite."""
    arrays = _float_arrays(values)
    flat = np.concatenate(arrays) if arrays else np.zeros(0)
    finite = flat[np.isfinite(flat)]
    if not finite.size:
        return float("nan"), float("nan"), not flat.size
    return float(finite.min()), float(finite.max()), finite.size == flat.size
