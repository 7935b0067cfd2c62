"""`check_gradients`: the tape's gradient against central finite differences."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import numpy as np
import tensorflow as tf

from keras_tape._validation import check_float
from keras_tape.autodiff.derivatives import (
    TensorLike,
    _check_callable,
    _is_variable,
    _leaf_names,
    _to_source,
    value_and_gradient,
)

# (rtol, atol) by the coarsest float type of the inputs and of f's value:
# central differences lose about two thirds of the digits (step eps**(1/3)).
_DEFAULT_TOLERANCES = {tf.float64: (1e-6, 1e-8), tf.float32: (1e-2, 1e-3)}
_HALF_TOLERANCES = (1e-1, 1e-1)


def check_gradients(
    f: Callable[..., tf.Tensor],
    *args: TensorLike,
    rtol: float | None = None,
    atol: float | None = None,
) -> float:
    """Checks the tape's gradient of a scalar `f(*args)` against finite differences.

    Every entry of every argument is moved by a small step `h` down and up,
    and `(f(x + h) - f(x - h)) / 2h`, the central difference, is compared
    with the gradient `tf.GradientTape` computes (what `gradient` returns).
    This is how to test a derivative written by hand, a custom layer or a
    `tf.custom_gradient`: a wrong gradient disagrees by far more than the
    rounding of the difference.

    Numbers, lists, numpy arrays and tensors are converted to float64, so
    `f` must accept float64 tensors (TensorFlow ops take the dtype of their
    inputs; Keras layers cast them to their own). Variables (or a list of
    variables, such as `model.trainable_variables`) keep their dtype: they
    are moved in place with `assign` and restored afterwards, so `f` may
    read them itself, as a Keras model reads its weights. The step is
    `eps ** (1/3) * max(1, |x|)`, `eps` the machine epsilon of the coarser
    of the argument's dtype and `f`'s value; float32 arithmetic keeps about
    two digits of the difference, float64 about seven.

    An entry passes when `|tape - numeric| <= atol + rtol * |numeric|`, the
    rule of `numpy.allclose`. `f` runs twice per entry, so check a small
    model (a few hundred weights) on a small batch.

    Args:
        f: Function of the `args` returning a scalar tensor (a non-scalar
            value is summed, as `tf.GradientTape.gradient` does).
        *args: One or more numbers, arrays, tensors, floating-point
            variables or lists of variables.
        rtol: Relative tolerance, > 0. Default 1e-6 when the computation is
            in float64, 1e-2 in float32, 1e-1 in 16-bit floats.
        atol: Absolute tolerance, >= 0. Default 1e-8 in float64, 1e-3 in
            float32, 1e-1 in 16-bit floats.

    Returns:
        The largest relative error over all entries,
        `|tape - numeric| / (|numeric| + atol / rtol)`, which is at most
        `rtol` since the check passed.

    Raises:
        AssertionError: If an entry's gradients disagree; the message names
            the argument (its parameter name in `f`, else `args[i]`, and the
            variable's path), the entry's index, both values and how many
            entries disagree.
        TypeError: If `f` is not callable, no argument is given or one is
            not numeric.
        ValueError: If `rtol` is not > 0 or `atol` is negative.

    Example:

    ```python
    check_gradients(lambda x: tf.reduce_sum(x**3), [1.0, 2.0])   # ~1e-10

    @tf.custom_gradient
    def square(x):
        return x**2, lambda upstream: upstream * x                # should be 2x
    check_gradients(lambda x: tf.reduce_sum(square(x)), [3.0])   # AssertionError
    ```
    """
    f = _check_callable(f)
    if not args:
        raise TypeError("`args` must hold at least one number, array, tensor or variable to check, got none.")
    names = _argument_names(f, len(args))
    sources = [_as_float64(x, name) for x, name in zip(args, names)]
    value, gradients = value_and_gradient(f, *sources, unconnected="zero")
    gradients = [gradients] if len(sources) == 1 else gradients
    leaves = tf.nest.flatten(sources)
    leaf_names = list(_leaf_names(sources, names))
    dtype = _coarsest([tf.as_dtype(value.dtype)] + [tf.as_dtype(leaf.dtype) for leaf in leaves])
    default_rtol, default_atol = _DEFAULT_TOLERANCES.get(dtype, _HALF_TOLERANCES)
    rtol = default_rtol if rtol is None else check_float(rtol, "rtol", minimum=0.0)
    atol = default_atol if atol is None else check_float(atol, "atol", minimum=0.0)
    if rtol == 0.0:
        raise ValueError("`rtol` must be > 0: the relative error is measured against it, got 0.0.")

    worst, failures = 0.0, []
    for leaf, name, tape_gradient in zip(leaves, leaf_names, tf.nest.flatten(gradients)):
        numeric = _central_differences(f, sources, leaf, dtype)
        analytic = np.asarray(tape_gradient, dtype="float64")
        errors = np.abs(analytic - numeric) / (np.abs(numeric) + atol / rtol)
        worst = max(worst, float(errors.max(initial=0.0)))
        for position in np.argwhere(errors > rtol):
            index = tuple(position)
            failures.append((errors[index], name, leaf, index, analytic[index], numeric[index]))
    if failures:
        error, name, leaf, index, analytic, numeric = max(failures, key=lambda failure: failure[0])
        raise AssertionError(
            f"Gradient check failed for `{name}`{_variable_path(leaf)} at element "
            f"{tuple(int(i) for i in index)}: the tape gives {analytic:.8g}, finite differences "
            f"give {numeric:.8g} (relative error {error:.3g} > rtol={rtol:g}, atol={atol:g}); "
            f"{len(failures)} of {sum(int(np.size(leaf)) for leaf in leaves)} elements disagree."
        )
    return worst


def _argument_names(f, count: int) -> list[str]:
    """The names of `f`'s first `count` positional parameters, or `args[i]` where it has none."""
    try:
        parameters = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):  # builtins and some C callables have no signature
        parameters = []
    positional = [
        p.name
        for p in parameters
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    return [positional[i] if i < len(positional) else f"args[{i}]" for i in range(count)]


def _as_float64(x, name):
    """A float64 tensor for a constant; variables (and lists of them) as the tape watches them."""
    source = _to_source(x, name)
    if isinstance(source, list) or _is_variable(source):
        return source
    return tf.cast(source, tf.float64)


def _coarsest(dtypes) -> tf.DType:
    return max(dtypes, key=lambda dtype: np.finfo(dtype.as_numpy_dtype).eps if dtype != tf.bfloat16 else 2.0**-7)


def _central_differences(f, sources, leaf, dtype) -> np.ndarray:
    """`(f(x + h) - f(x - h)) / (2h)` for each element of `leaf`, one element at a time."""
    base = np.array(leaf.numpy())
    eps = 2.0**-7 if dtype == tf.bfloat16 else float(np.finfo(dtype.as_numpy_dtype).eps)
    numeric = np.zeros(base.shape, dtype="float64")
    for index in np.ndindex(base.shape):
        step = eps ** (1 / 3) * max(1.0, abs(float(base[index])))
        values = []
        for sign in (1, -1):
            moved = base.copy()
            moved[index] = base[index] + sign * step
            values.append(_value_at(f, sources, leaf, moved))
        # The step as the leaf's dtype rounded it.
        up, down = np.array([base[index] + step, base[index] - step]).astype(base.dtype)
        numeric[index] = (values[0] - values[1]) / (float(up) - float(down))
    return numeric


def _value_at(f, sources, leaf, moved: np.ndarray) -> float:
    """`f`'s value (summed) with `leaf` holding `moved`; a moved variable is restored afterwards."""
    if _is_variable(leaf):
        original = leaf.numpy()
        leaf.assign(moved)
        try:
            return float(tf.reduce_sum(tf.cast(f(*sources), tf.float64)))
        finally:
            leaf.assign(original)
    arguments = [tf.constant(moved, leaf.dtype) if source is leaf else source for source in sources]
    return float(tf.reduce_sum(tf.cast(f(*arguments), tf.float64)))


def _variable_path(leaf) -> str:
    path = getattr(leaf, "path", None) or (leaf.name.split(":")[0] if _is_variable(leaf) else None)
    return f" (variable {path})" if path else ""
