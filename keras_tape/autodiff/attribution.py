"""Attributions: how much each input feature moves a model's output, from the tape.

`input_gradient` is the plain saliency map (Simonyan et al. 2013),
`smoothgrad` its average over noisy copies of the input (Smilkov et al.
2017), `integrated_gradients` the path integral of Sundararajan et al.
(2017), whose attributions add up to the change of the output.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from keras_tape._validation import _describe, check_float, check_int
from keras_tape.autodiff.derivatives import gradient

Model = Callable[[tf.Tensor], tf.Tensor]

# Interpolated inputs per model call in integrated_gradients: bounds memory
# for large inputs while keeping calls few for small ones.
_ROWS_PER_CALL = 4096


def input_gradient(model: Model, x: Any, target: Any = None) -> np.ndarray:
    """Returns the gradient of each example's target output with respect to its input.

    Args:
        model: A Keras model (run with `training=False`) or any function
            mapping a batch of inputs to outputs of shape `(n,)` or
            `(n, outputs)`, each row depending on its own input alone.
        x: A batch of inputs, shape `(n, ...)`.
        target: Which output to differentiate: an integer (the same for every
            example) or one integer per example. Default: the largest output
            (the predicted class), or the only one.

    Returns:
        A float32 numpy array shaped like `x`.

    Raises:
        TypeError: If `model` is not callable or `x` is not numeric.
        ValueError: If `x` has no batch dimension, `target` does not fit the
            outputs, or the outputs are not of shape `(n,)` or `(n, k)`.

    Example:

    ```python
    input_gradient(model, x_test[:8], target=y_test[:8])
    ```
    """
    x = _check_inputs(model, x)
    targets = _targets(model, x, target)
    return _gradients(model, x, targets).numpy()


def smoothgrad(
    model: Model,
    x: Any,
    target: Any = None,
    noise: float = 0.15,
    samples: int = 25,
    seed: int | None = None,
) -> np.ndarray:
    """Returns input gradients averaged over noisy copies of the input (SmoothGrad).

    A plain input gradient is noisy: ReLU networks are piecewise linear, so
    it jumps from pixel to pixel. SmoothGrad averages it over `samples`
    copies of each input with Gaussian noise of standard deviation `noise`
    times the input's range (max - min), which keeps what the whole
    neighbourhood agrees on.

    Args:
        model: A Keras model or function, as for `input_gradient`.
        x: A batch of inputs, shape `(n, ...)`.
        target: As for `input_gradient`; chosen on the clean inputs.
        noise: The noise level, a fraction of each input's range; >= 0.
        samples: Noisy copies per input, an integer >= 1.
        seed: Seed of the noise, for repeatable maps.

    Returns:
        A float32 numpy array shaped like `x`.

    Raises:
        TypeError, ValueError: As for `input_gradient`, and for a negative
            `noise` or `samples` < 1.

    Example:

    ```python
    maps = smoothgrad(model, x_test[:8], noise=0.1, samples=50, seed=0)
    ```
    """
    x = _check_inputs(model, x)
    noise = check_float(noise, "noise", minimum=0.0)
    samples = check_int(samples, "samples")
    targets = _targets(model, x, target)
    axes = list(range(1, x.shape.rank))
    spread = noise * (tf.reduce_max(x, axis=axes, keepdims=True) - tf.reduce_min(x, axis=axes, keepdims=True))
    if seed is None:
        generator = tf.random.Generator.from_non_deterministic_state()
    else:
        generator = tf.random.Generator.from_seed(seed)
    total = tf.zeros_like(x)
    for _ in range(samples):
        total += _gradients(model, x + spread * generator.normal(tf.shape(x), dtype=x.dtype), targets)
    return (total / samples).numpy()


def integrated_gradients(
    model: Model,
    x: Any,
    target: Any = None,
    baseline: Any = None,
    steps: int = 50,
) -> np.ndarray:
    """Returns the integrated gradients of each example's target output (Sundararajan et al. 2017).

    The attribution of input feature `i` is `(x_i - baseline_i)` times the
    average of `d output / d x_i` along the straight path from `baseline`
    to `x`, here the trapezoid rule on `steps` equal intervals. By the
    fundamental theorem of calculus the attributions of an example add up to
    `output(x) - output(baseline)` (completeness), up to the rule's error,
    which shrinks as `steps` grows: compare the two to choose `steps`.

    Args:
        model: A Keras model or function, as for `input_gradient`.
        x: A batch of inputs, shape `(n, ...)`.
        target: As for `input_gradient`; chosen on `x`.
        baseline: The input that means "nothing": a number or an array
            broadcastable to `x`. Default: zeros (a black image).
        steps: Intervals of the path, an integer >= 1.

    Returns:
        A float32 numpy array shaped like `x`.

    Raises:
        TypeError, ValueError: As for `input_gradient`, and for `steps` < 1
            or a `baseline` that does not broadcast to `x`.

    Example:

    ```python
    attributions = integrated_gradients(model, x_test[:8], steps=100)
    attributions.reshape(8, -1).sum(axis=1)   # = logit(x) - logit(0), per image
    ```
    """
    x = _check_inputs(model, x)
    steps = check_int(steps, "steps")
    targets = _targets(model, x, target)
    baseline = _check_baseline(baseline, x)
    # Trapezoid weights: the two ends count half.
    alphas = np.linspace(0.0, 1.0, steps + 1)
    weights = np.full(steps + 1, 1.0 / steps)
    weights[[0, -1]] /= 2
    n = int(x.shape[0])
    per_call = max(1, _ROWS_PER_CALL // n)
    total = tf.zeros_like(x, dtype=tf.float64)
    for start in range(0, steps + 1, per_call):
        chunk = alphas[start : start + per_call]
        # Every interpolated input in one batch: rows k*n .. k*n + n - 1 are alpha_k.
        path = tf.concat([baseline + alpha * (x - baseline) for alpha in chunk], axis=0)
        grads = _gradients(model, path, tf.tile(targets, [len(chunk)]))
        grads = tf.reshape(tf.cast(grads, tf.float64), [len(chunk), n, *x.shape[1:]])
        chunk_weights = tf.reshape(tf.constant(weights[start : start + per_call]), [-1] + [1] * x.shape.rank)
        total += tf.reduce_sum(grads * chunk_weights, axis=0)
    return (tf.cast(x - baseline, tf.float64) * total).numpy().astype("float32")


def _gradients(model, x, targets) -> tf.Tensor:
    """d output[target] / d input for each row of `x`."""

    def chosen_outputs(inputs):
        outputs = _outputs(model, inputs)
        # Each row's output depends on that row alone, so the gradient of
        # their sum holds every row's own input gradient.
        return tf.gather(outputs, targets, axis=1, batch_dims=1)

    return gradient(chosen_outputs, x)


def _outputs(model, x) -> tf.Tensor:
    outputs = model(x, training=False) if isinstance(model, keras.Layer) else model(x)
    outputs = tf.convert_to_tensor(outputs)
    if outputs.shape.rank == 1:
        outputs = outputs[:, None]
    if outputs.shape.rank != 2:
        raise ValueError(
            f"`model` must return one output per example, shape (n,), or outputs of shape "
            f"(n, outputs), got shape {tuple(outputs.shape)}."
        )
    return outputs


def _check_inputs(model, x) -> tf.Tensor:
    if not callable(model):
        raise TypeError(f"`model` must be a Keras model or a function of x, got {_describe(model)}.")
    try:
        x = tf.convert_to_tensor(x)
    except (TypeError, ValueError):
        raise TypeError(f"`x` must be a numeric array or tensor, got {_describe(x)}.") from None
    if not (x.dtype.is_floating or x.dtype.is_integer):
        raise TypeError(f"`x` must hold numbers, got dtype {x.dtype.name}.")
    if x.shape.rank is None or x.shape.rank < 2:
        raise ValueError(
            f"`x` must be a batch of inputs, shape (n, ...) with n the number of examples, got shape {tuple(x.shape)}."
        )
    return tf.cast(x, tf.float32) if x.dtype.is_integer else x


def _targets(model, x, target) -> tf.Tensor:
    """One output index per example: `target`, or the largest output on `x`."""
    outputs = _outputs(model, x)
    n, count = int(outputs.shape[0]), int(outputs.shape[1])
    if target is None:
        return tf.argmax(outputs, axis=1, output_type=tf.int32)
    targets = np.asarray(target)
    if not np.issubdtype(targets.dtype, np.integer) or targets.ndim > 1:
        raise ValueError(f"`target` must be an integer or one integer per example, got {_describe(target)}.")
    targets = np.broadcast_to(targets, (n,)) if targets.ndim == 0 else targets
    if targets.shape != (n,) or targets.min() < 0 or targets.max() >= count:
        raise ValueError(
            f"`target` must be one output index in [0, {count}) per example ({n} of them), got {_describe(target)}."
        )
    return tf.constant(targets, tf.int32)


def _check_baseline(baseline, x) -> tf.Tensor:
    if baseline is None:
        return tf.zeros_like(x)
    try:
        return tf.broadcast_to(tf.cast(tf.convert_to_tensor(baseline), x.dtype), tf.shape(x))
    except (TypeError, ValueError, tf.errors.InvalidArgumentError):
        raise ValueError(
            f"`baseline` must be a number or an array that broadcasts to the shape of `x` "
            f"{tuple(x.shape)}, got {_describe(baseline)}."
        ) from None
