"""Derivatives, gradients, Jacobians and Hessians of functions, on `tf.GradientTape`.

Each function watches its inputs (constants included), runs `f` under a tape
and asks the tape for the derivative. They work eagerly and inside
`tf.function`, on Python numbers, numpy arrays, tensors and variables
(`tf.Variable` or `keras.Variable`). Python numbers, lists and integer inputs
become float32; floating-point arrays and tensors keep their dtype.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, Union

import keras
import numpy as np
import tensorflow as tf

from keras_tape._validation import _describe, check_int

TensorLike = Union[int, float, Sequence[float], np.ndarray, tf.Tensor, tf.Variable]  # noqa: UP007 (a runtime alias)
"""What the functions differentiate against: a number, array, tensor or variable."""

_UNCONNECTED_CHOICES = ("raise", "none", "zero")


class _UnconnectedError(ValueError):
    """Raised when `f` does not depend on an input it is differentiated against."""


def derivative(
    f: Callable[[tf.Tensor], tf.Tensor],
    x: TensorLike,
    order: int = 1,
    unconnected: str = "raise",
) -> tf.Tensor | None:
    """Returns the `order`-th derivative of an elementwise `f` at `x`.

    Nests `order` gradient tapes, one per derivative, as the lab does by hand
    for the second derivative. For a tensor `x`, `f` must act elementwise
    (`f(x)` has the shape of `x`) and the result holds the derivative at
    each element.

    Beyond the k-th derivative, TF's gradient of `x**k` is NaN at `x = 0`
    (it multiplies 0 by `0**-1`); write `x * x * x` there instead of `x**3`.

    Args:
        f: Function of one tensor, applied elementwise.
        x: Point(s) at which to differentiate: a number, numpy array, tensor
            or variable.
        order: Integer >= 1, which derivative to take.
        unconnected: What to return when `f` does not depend on `x`:
            `"raise"` (a `ValueError`), `"none"` (None) or `"zero"` (zeros
            shaped like `x`).

    Returns:
        A tensor shaped like `x`, float32 unless `x` is a floating-point
        array, tensor or variable of another dtype; None if `f` does not
        depend on `x` and `unconnected="none"`.

    Raises:
        TypeError: If `f` is not callable, `order` is not an integer or `x`
            is not numeric.
        ValueError: If `order < 1`, `f(x)` is not shaped like `x`, or `f` does
            not depend on `x` and `unconnected="raise"`.

    Example:

    ```python
    derivative(lambda x: x**3, 5.0)           # 75.0
    derivative(lambda x: x**3, 3.0, order=2)  # 18.0
    derivative(tf.sin, [0.0, np.pi])          # cos: [1.0, -1.0]
    ```
    """
    f = _check_callable(f)
    order = check_int(order, "order", minimum=1)
    unconnected = _check_unconnected(unconnected)
    source = _to_source(x, "x", allow_list=False)
    return _none_if_unconnected(functools.partial(_nth_derivative, f, source, order), unconnected)


def gradient(f: Callable[..., tf.Tensor], *xs: TensorLike, unconnected: str = "raise") -> tf.Tensor | list | None:
    """Returns the gradient of a scalar `f(*xs)` with respect to each of `xs`.

    Constants are watched by the tape; variables are differentiated whether
    trainable or not. An `x` may also be a list of variables (a model's
    weights, say): `f` receives the list and its gradient is a list.

    Args:
        f: Function of the `xs`, returning a scalar. A non-scalar output is
            summed first, as `tf.GradientTape.gradient` does.
        *xs: One or more numbers, arrays, tensors, variables or lists of
            variables.
        unconnected: What to return for an `x` that `f` does not depend on:
            `"raise"` (a `ValueError`), `"none"` (None) or `"zero"` (zeros
            shaped like that `x`).

    Returns:
        The gradient with respect to `x` for a single `x`, else a list with
        one gradient per `x`. Each is shaped like its `x` (a list for a list
        of variables), or None where `f` does not depend on that `x` and
        `unconnected="none"`.

    Raises:
        TypeError: If `f` is not callable, no `x` is given or an `x` is not
            numeric.
        ValueError: If `f` does not depend on an `x` and
            `unconnected="raise"`.

    Example:

    ```python
    gradient(lambda x: x**3, tf.Variable(6.0))     # 108.0
    gradient(lambda a, b: a * b**2, 3.0, 2.0)      # [4.0, 12.0]
    ```
    """
    return value_and_gradient(f, *xs, unconnected=unconnected)[1]


def value_and_gradient(
    f: Callable[..., tf.Tensor], *xs: TensorLike, unconnected: str = "raise"
) -> tuple[tf.Tensor, tf.Tensor | list | None]:
    """Returns `f(*xs)` and its gradient, from a single run of `f`.

    The value is what `gradient` differentiates, so a training loop can log
    the loss it is stepping on without computing it twice.

    Args:
        f: Function of the `xs`, returning a scalar.
        *xs: One or more numbers, arrays, tensors, variables or lists of
            variables.
        unconnected: `"raise"`, `"none"` or `"zero"`, as in `gradient`.

    Returns:
        A `(value, gradients)` pair, `gradients` as returned by `gradient`.

    Raises:
        TypeError: If `f` is not callable, no `x` is given or an `x` is not
            numeric.
        ValueError: If `f` does not depend on an `x` and
            `unconnected="raise"`.

    Example:

    ```python
    value, grad = value_and_gradient(lambda x: x**3, 2.0)  # 8.0, 12.0
    ```
    """
    f = _check_callable(f)
    unconnected = _check_unconnected(unconnected)
    if not xs:
        raise TypeError(
            "`xs` must hold at least one number, array, tensor or variable to differentiate against, got none."
        )
    names = ("x",) if len(xs) == 1 else tuple(f"xs[{i}]" for i in range(len(xs)))
    sources = tuple(_to_source(x, name) for x, name in zip(xs, names))
    value, gradients = _watch_and_run(f, sources, names, _gradient, unconnected)
    return value, gradients[0] if len(xs) == 1 else list(gradients)


def jacobian(f: Callable[[tf.Tensor], tf.Tensor], x: TensorLike, unconnected: str = "raise") -> tf.Tensor | list | None:
    """Returns the Jacobian of `f` at `x`, through `tf.GradientTape.jacobian`.

    Entry `[i..., j...]` is the derivative of `f(x)[i...]` with respect to
    `x[j...]`.

    Args:
        f: Function of one tensor (or of a list of variables).
        x: A number, array, tensor, variable or list of variables.
        unconnected: `"raise"`, `"none"` or `"zero"`, as in `gradient`.

    Returns:
        A tensor of shape `f(x).shape + x.shape`; for a list of variables, a
        list with one such block per variable. None if `f` does not depend
        on `x` and `unconnected="none"`.

    Raises:
        TypeError: If `f` is not callable or `x` is not numeric.
        ValueError: If `f` does not depend on `x` and `unconnected="raise"`.

    Example:

    ```python
    jacobian(lambda x: x**2, [1.0, 2.0])  # [[2.0, 0.0], [0.0, 4.0]]
    ```
    """
    f = _check_callable(f)
    unconnected = _check_unconnected(unconnected)
    source = _to_source(x, "x")
    return _watch_and_run(f, (source,), ("x",), _jacobian, unconnected)[1][0]


def batch_jacobian(f: Callable[[tf.Tensor], tf.Tensor], x: TensorLike) -> tf.Tensor:
    """Returns the Jacobian of `f` at each example of a batch `x`.

    Through `tf.GradientTape.batch_jacobian`: the rows of `f(x)` must depend
    only on the matching rows of `x` (a model applied per example), which
    skips the zero blocks `jacobian` would compute between examples. Like
    the tape's method, it returns zeros when `f` does not depend on `x`: the
    tape fills them in whatever it is asked, so there is no `unconnected`.

    Args:
        f: Function mapping a batch `x` of shape `(batch, ...)` to outputs of
            shape `(batch, ...)`, row by row.
        x: A tensor, array or variable of rank >= 1.

    Returns:
        A tensor of shape `(batch,) + f(x).shape[1:] + x.shape[1:]`.

    Raises:
        TypeError: If `f` is not callable or `x` is not numeric.
        ValueError: If `x` or `f(x)` is a scalar.

    Example:

    ```python
    batch_jacobian(lambda x: x**2, [[1.0, 2.0], [3.0, 4.0]])
    # [[[2, 0], [0, 4]], [[6, 0], [0, 8]]]
    ```
    """
    f = _check_callable(f)
    source = _to_source(x, "x", allow_list=False)
    if source.shape.rank == 0:
        raise ValueError(
            f"`x` must have a batch dimension (rank >= 1) for `batch_jacobian`, got a scalar {_describe(x)}."
        )
    return _watch_and_run(f, (source,), ("x",), _batch_jacobian, "zero")[1][0]


def hessian(f: Callable[[Any], tf.Tensor], x: TensorLike, unconnected: str = "raise") -> tf.Tensor | None:
    """Returns the Hessian of a scalar `f` at `x`.

    Two nested tapes: the inner one takes the gradient, the outer one the
    Jacobian of that gradient. For the mean squared error of a linear model,
    the Hessian with respect to its weights is `2/N X^T X`.

    When `x` is a list of variables, `f` receives the list and the result is
    the full Hessian over all their entries: a `(P, P)` matrix, `P` the total
    number of entries, with the variables flattened (row-major) and
    concatenated in the order given. For `[w, b]` with `w` of shape `(d, 1)`
    and `b` of shape `(1,)`, rows and columns `0..d-1` are `w` and row and
    column `d` is `b`.

    Args:
        f: Function of `x` returning a scalar. A non-scalar output is summed
            first, as `tf.GradientTape.gradient` does.
        x: A number, array, tensor or variable; or a list of variables.
        unconnected: What to return when `f` does not depend on `x` (on one
            of the variables, for a list): `"raise"` (a `ValueError`),
            `"none"` (None instead of the Hessian) or `"zero"` (zeros in its
            place).

    Returns:
        A tensor of shape `x.shape + x.shape`, or `(P, P)` for a list of
        variables. None if `f` does not depend on `x` and
        `unconnected="none"`.

    Raises:
        TypeError: If `f` is not callable or `x` is not numeric.
        ValueError: If `f` does not depend on `x` and `unconnected="raise"`.

    Example:

    ```python
    hessian(lambda x: tf.reduce_sum(x**3), [1.0, 2.0])  # [[6, 0], [0, 12]]
    w, b = tf.Variable(tf.zeros((d, 1))), tf.Variable(tf.zeros((1,)))
    mse = lambda wb: tf.reduce_mean((X @ wb[0] + wb[1] - y) ** 2)
    hessian(mse, [w, b])  # 2/N [X, 1]^T [X, 1], shape (d+1, d+1)
    ```
    """
    f = _check_callable(f)
    unconnected = _check_unconnected(unconnected)
    source = _to_source(x, "x")
    return _none_if_unconnected(functools.partial(_hessian, f, source), unconnected)


def _nth_derivative(f, x, order, unconnected):
    """The `order`-th elementwise derivative, one tape per order."""
    if order == 1:
        return _watch_and_run(functools.partial(_elementwise, f), (x,), ("x",), _gradient, unconnected)[1][0]
    lower = functools.partial(_nth_derivative, f, order=order - 1, unconnected=unconnected)
    # A lower derivative that is constant (that of 3 * x, say) is connected all
    # the same: the tape returns None for it, but its derivative is zero.
    return _watch_and_run(lower, (x,), ("x",), _gradient, "zero")[1][0]


def _elementwise(f, x):
    """Runs `f(x)`, checking it keeps the shape of `x` as `derivative` needs."""
    value = f(x)
    if value is not None:
        shape = tf.convert_to_tensor(value).shape
        if not shape.is_compatible_with(x.shape):
            raise ValueError(
                f"`f` must act elementwise for `derivative`: f(x) has shape {shape} "
                f"but `x` has shape {x.shape}. For a scalar function of a tensor, "
                "use `gradient` or `hessian`."
            )
    return value


def _hessian(f, source, unconnected):
    """The Jacobian of the gradient; for a list of variables, as one matrix."""

    def flat_gradient(source):
        grad = _watch_and_run(f, (source,), ("x",), _gradient, unconnected)[1][0]
        if isinstance(source, list):
            return tf.concat([tf.reshape(part, [-1]) for part in grad], axis=0)
        return grad

    # The gradient of a linear f is constant: the tape returns None for its
    # Jacobian, but the Hessian is zero, not missing.
    blocks = _watch_and_run(flat_gradient, (source,), ("x",), _jacobian, "zero")[1][0]
    if not isinstance(source, list):
        return blocks
    return tf.concat([tf.reshape(block, [tf.shape(block)[0], -1]) for block in blocks], axis=1)


def _watch_and_run(f, sources, names, differentiate, unconnected):
    """Runs `f(*sources)` under a tape watching `sources`, then differentiates.

    Args:
        f: The function to run.
        sources: Tuple of tensors, variables or lists of variables.
        names: The argument name of each source, for error messages.
        differentiate: `_gradient`, `_jacobian` or `_batch_jacobian`.
        unconnected: `"raise"`, `"none"` or `"zero"`.

    Returns:
        `(f(*sources), derivatives)`, `derivatives` with one entry per source.
    """
    policy = tf.UnconnectedGradients.ZERO if unconnected == "zero" else tf.UnconnectedGradients.NONE
    with tf.GradientTape() as tape:
        # The tape only watches trainable variables by itself, never constants.
        tape.watch(sources)
        value = f(*sources)
    if value is None:
        raise TypeError("`f` must return a tensor, got None.")
    derivatives = differentiate(tape, value, sources, policy)
    missing = [
        f"`{name}`" for name, item in zip(_leaf_names(sources, names), tf.nest.flatten(derivatives)) if item is None
    ]
    if missing and unconnected == "raise":
        raise _UnconnectedError(
            f"`f` does not depend on {', '.join(missing)}: the tape returned None for "
            "the derivative. Pass unconnected='zero' to get zeros or "
            "unconnected='none' to get None instead."
        )
    return value, derivatives


def _leaf_names(sources, names):
    """Yields a name per tensor or variable in `sources`: `x`, or `x[i]` in a list."""
    for source, name in zip(sources, names):
        if isinstance(source, list):
            yield from (f"{name}[{i}]" for i in range(len(source)))
        else:
            yield name


def _gradient(tape, value, sources, policy):
    return tape.gradient(value, sources, unconnected_gradients=policy)


def _jacobian(tape, value, sources, policy):
    return tape.jacobian(value, sources, unconnected_gradients=policy)


def _batch_jacobian(tape, value, sources, policy):
    if tf.convert_to_tensor(value).shape.rank == 0:
        raise ValueError("`f` must return one row per example of `x` for `batch_jacobian` (rank >= 1), got a scalar.")
    return [tape.batch_jacobian(value, sources[0], unconnected_gradients=policy)]


def _none_if_unconnected(compute, unconnected):
    """Runs `compute(policy)` so that an unconnected `f` gives None under "none".

    Used where a derivative is taken more than once: only the first one can
    be unconnected, and under "none" the whole result is then None.
    """
    try:
        return compute(unconnected="zero" if unconnected == "zero" else "raise")
    except _UnconnectedError:
        if unconnected == "raise":
            raise
        return None


def _check_callable(f):
    if not callable(f):
        raise TypeError(f"`f` must be a callable (a function of x), got {_describe(f)} of type {type(f).__name__}.")
    return f


def _check_unconnected(unconnected):
    if isinstance(unconnected, tf.UnconnectedGradients):
        unconnected = unconnected.value
    if not isinstance(unconnected, str) or unconnected not in _UNCONNECTED_CHOICES:
        raise ValueError(f"`unconnected` must be one of 'raise', 'none' or 'zero', got {_describe(unconnected)}.")
    return unconnected


def _is_variable(x):
    return isinstance(x, (tf.Variable, keras.Variable))


def _to_source(x, name, *, allow_list=True):
    """Returns `x` as something a tape can watch: a float tensor or variable.

    A list or tuple of variables becomes a list of variables when `allow_list`.
    """
    if isinstance(x, (list, tuple)) and x and all(_is_variable(v) for v in x):
        if not allow_list:
            raise TypeError(
                f"`{name}` must be a single number, array, tensor or variable here, got a list of {len(x)} variables."
            )
        return [_to_source(v, f"{name}[{i}]") for i, v in enumerate(x)]
    if _is_variable(x):
        # A Keras variable wraps a tf.Variable, the object the tape can watch.
        variable = x.value if isinstance(x, keras.Variable) else x
        if not tf.as_dtype(variable.dtype).is_floating:
            raise TypeError(
                f"`{name}` must be a floating-point variable, got dtype "
                f"{tf.as_dtype(variable.dtype).name}; the tape cannot differentiate "
                "integer variables."
            )
        return variable
    try:
        tensor = x if tf.is_tensor(x) else tf.convert_to_tensor(x)
    except (TypeError, ValueError):
        raise TypeError(
            f"`{name}` must be a number, numpy array, tensor or tf.Variable, "
            f"got {_describe(x)} of type {type(x).__name__}."
        ) from None
    if tensor.dtype.is_integer:
        return tf.cast(tensor, tf.float32)
    if not tensor.dtype.is_floating:
        raise TypeError(
            f"`{name}` must hold real numbers (int or float), got {_describe(x)} with dtype {tensor.dtype.name}."
        )
    return tensor
