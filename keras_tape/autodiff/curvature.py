"""The curvature of a model's loss: its Hessian and that Hessian's condition number.

`loss_hessian` applies `hessian` to a compiled Keras model's loss and
`condition_number` sums up its shape: the curvature that
`keras_tape.callbacks.CurvatureLogger` logs every epoch.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf

from keras_tape import _compat
from keras_tape._validation import _describe, check_array, check_float
from keras_tape.autodiff.derivatives import TensorLike, hessian


def loss_hessian(model: keras.Model, x: Any, y: Any, sample_weight: Any = None) -> np.ndarray:
    """Returns the Hessian of a compiled model's loss on `(x, y)` with respect to its weights.

    The loss is the one `fit` minimises, `model.compute_loss(x, y, model(x))`
    (compiled loss, sample weights, regularizers), differentiated twice by
    `hessian` with respect to `model.trainable_variables`: a `(P, P)`
    matrix, `P` their total number of entries, flattened and concatenated in
    that order. The model runs in inference mode (no dropout), on all of `x`
    at once, so pass a sample of a few hundred rows: the outer tape runs `P`
    backward passes over it side by side. The arithmetic is the model's
    (float32 for the keras_tape models); the result is returned as float64
    for `numpy.linalg`.

    For the mean squared error of a model linear in its weights, `X w + b`,
    the Hessian is `2/N [X, 1]^T [X, 1]`, the same at every point.

    Args:
        model: A built and compiled `keras.Model` (a `TapeModel`, say).
        x: Inputs, as `model` takes them.
        y: Targets, as the compiled loss takes them.
        sample_weight: Optional per-sample weights, as `fit` takes them.

    Returns:
        A float64 numpy array of shape `(P, P)`.

    Raises:
        TypeError: If `model` is not a `keras.Model`.
        ValueError: If `model` is not compiled or has no trainable weights.

    Example:

    ```python
    x, y = keras_tape.data.polynomial_data()
    model = keras_tape.models.PolynomialRegression(degree=2)
    model.adapt(x)
    model.compile()
    loss_hessian(model, x, y)  # 2I, shape (3, 3): whitened features
    ```
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"`model` must be a keras.Model, got {_describe(model)} of type {type(model).__name__}.")
    if not model.compiled:
        raise ValueError(
            f"`model` ({type(model).__name__}) must be compiled: the Hessian is of its "
            "compiled loss. Call model.compile() first."
        )
    if not model.trainable_variables:
        raise ValueError(
            f"`model` ({type(model).__name__}) has no trainable weights yet: build it "
            "first (call it on data, or `adapt` a keras_tape regression model)."
        )
    # A tape cannot watch a mirrored variable outside a replica; the model,
    # run here, reads each one's first copy.
    local_copies = model.distribute_strategy.experimental_local_results
    variables = [
        local_copies(v.value)[0] if isinstance(v.value, tf.distribute.DistributedValues) else v
        for v in model.trainable_variables
    ]
    x = tf.nest.map_structure(tf.convert_to_tensor, x)

    def loss(weights):
        # `model` reads the weights itself; `hessian` watches them.
        y_pred = model(x, training=False)
        value = _compat.compute_loss(model, x, y, y_pred, sample_weight, training=True)
        # Under a tf.distribute strategy Keras may return one replica's share; this is the whole batch's.
        return _compat.unscale_loss_for_distribution(value)

    return np.asarray(hessian(loss, variables, unconnected="zero"), dtype="float64")


def condition_number(matrix: TensorLike, rtol: float = 0.0) -> float:
    """Returns the condition number of a symmetric matrix such as a Hessian.

    The ratio of the largest to the smallest eigenvalue in absolute value,
    computed in float64 on `(matrix + matrix.T) / 2` (tapes round the two
    halves of a Hessian differently). For a quadratic loss, the steps
    gradient descent needs to shrink the error along the flattest direction
    by a constant factor grow in proportion to it: 1 is a round bowl, 1e4 a
    long, narrow valley. A singular matrix gives `inf`, unless `rtol` leaves
    its flat directions out.

    Args:
        matrix: A square matrix: numpy array, tensor or nested list.
        rtol: Eigenvalues of magnitude at most `rtol` times the largest are
            left out as flat directions (a weight the loss does not depend
            on, a dead ReLU) rather than curvature. 0 keeps them all; for a
            float32 Hessian of P parameters, P * 1.2e-7 is its rounding level.

    Returns:
        The condition number, a float >= 1 (or `inf`).

    Raises:
        ValueError: If `matrix` is not square or holds non-finite values, or
            `rtol` is negative.

    Example:

    ```python
    condition_number([[2.0, 0.0], [0.0, 2.0]])     # 1.0
    condition_number([[100.0, 0.0], [0.0, 0.01]])  # 10000.0
    condition_number([[4.0, 0.0], [0.0, 0.0]], rtol=1e-6)  # 1.0
    ```
    """
    rtol = check_float(rtol, "rtol", minimum=0.0)
    return _condition_number(_symmetric_eigenvalues(matrix), rtol)


def _symmetric_eigenvalues(matrix) -> np.ndarray:
    """The eigenvalues, ascending, of a square matrix's symmetric part, in float64."""
    matrix = check_array(matrix, "matrix", ndim=(2,), dtype="float64")
    if matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"`matrix` must be square, got shape {matrix.shape}.")
    return np.linalg.eigvalsh((matrix + matrix.T) / 2)


def _condition_number(eigenvalues: np.ndarray, rtol: float = 0.0) -> float:
    """max |eigenvalue| / min |eigenvalue| over those above `rtol` times the largest; inf for none."""
    magnitudes = np.abs(eigenvalues)
    largest = magnitudes.max()
    curved = magnitudes[magnitudes > rtol * largest] if rtol > 0 else magnitudes
    smallest = curved.min() if curved.size else 0.0
    return float(largest / smallest) if smallest > 0 else float("inf")
