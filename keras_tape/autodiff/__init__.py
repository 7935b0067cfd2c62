"""Derivatives, gradients, Jacobians and Hessians on `tf.GradientTape`, and checks built on them.

The lab's GradientTape lessons as functions (`derivative`, `gradient`,
`value_and_gradient`, `jacobian`, `batch_jacobian`, `hessian`): each one
watches its inputs (constants included), runs `f` under a tape and asks the
tape for the derivative. They work eagerly and inside `tf.function`, on
Python numbers, numpy arrays, tensors and variables (`tf.Variable` or
`keras.Variable`). Python numbers, lists and integer inputs become float32;
floating-point arrays and tensors keep their dtype.

`loss_hessian` applies `hessian` to a compiled Keras model's loss and
`condition_number` sums up its shape: the curvature that
`keras_tape.callbacks.CurvatureLogger` logs every epoch.

`check_gradients` compares the tape's gradient with finite differences, the
test for a hand-written derivative or a `tf.custom_gradient`.
`integrated_gradients`, `smoothgrad` and `input_gradient` attribute a model's
output to its input features.

When `f` does not depend on an input, the tape returns None. The functions
then raise a `ValueError` saying so, unless given `unconnected="none"`
(return None) or `unconnected="zero"` (return zeros), the choices of
`tf.UnconnectedGradients`. `batch_jacobian` alone returns zeros, as the
tape's own `batch_jacobian` does.
"""

from keras_tape.autodiff.attribution import input_gradient, integrated_gradients, smoothgrad
from keras_tape.autodiff.curvature import condition_number, loss_hessian
from keras_tape.autodiff.derivatives import (
    TensorLike,
    batch_jacobian,
    derivative,
    gradient,
    hessian,
    jacobian,
    value_and_gradient,
)
from keras_tape.autodiff.gradient_check import check_gradients

__all__ = [
    "TensorLike",
    "batch_jacobian",
    "check_gradients",
    "condition_number",
    "derivative",
    "gradient",
    "hessian",
    "input_gradient",
    "integrated_gradients",
    "jacobian",
    "loss_hessian",
    "smoothgrad",
    "value_and_gradient",
]
