"""Tests for keras_tape.autodiff against closed forms and finite differences."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from keras_tape.autodiff import (  # noqa: E402
    batch_jacobian,
    derivative,
    gradient,
    hessian,
    jacobian,
    value_and_gradient,
)

POINTS = np.array([-1.3, 0.0, 0.7, 2.0])

# Each function with its first four derivatives in closed form.
CLOSED_FORMS = {
    # x^4 - 2x^3 + 3x - 1 by Horner's rule: TF's gradient of x**k takes
    # k * x**(k-1), which is 0 * inf = NaN at x = 0 beyond the k-th derivative.
    "polynomial": (
        lambda x: ((x - 2) * x * x + 3) * x - 1,
        [
            lambda x: 4 * x**3 - 6 * x**2 + 3,
            lambda x: 12 * x**2 - 12 * x,
            lambda x: 24 * x - 12,
            lambda x: 24 + 0 * x,
        ],
    ),
    "sin": (tf.sin, [np.cos, lambda x: -np.sin(x), lambda x: -np.cos(x), np.sin]),
    "exp": (tf.exp, [np.exp] * 4),
    "x*exp(x)": (
        lambda x: x * tf.exp(x),
        [lambda x, n=n: (x + n) * np.exp(x) for n in range(1, 5)],
    ),
}


def _numpy(value):
    return np.asarray(value.numpy() if hasattr(value, "numpy") else value)


# ---------------------------------------------------------------- derivative


@pytest.mark.parametrize("order", [1, 2, 3, 4])
@pytest.mark.parametrize("name", list(CLOSED_FORMS))
def test_derivative_matches_closed_form_elementwise(name, order):
    f, derivatives = CLOSED_FORMS[name]
    result = derivative(f, tf.constant(POINTS), order=order)
    assert result.dtype == tf.float64
    assert result.shape == POINTS.shape
    np.testing.assert_allclose(result.numpy(), derivatives[order - 1](POINTS), atol=1e-10)


@pytest.mark.parametrize("point", POINTS.tolist())
def test_derivative_at_python_scalars(point):
    f, derivatives = CLOSED_FORMS["sin"]
    for order in (1, 2, 3, 4):
        result = derivative(f, point, order=order)
        assert result.dtype == tf.float32 and result.shape == ()
        np.testing.assert_allclose(float(result), derivatives[order - 1](point), atol=1e-5)


def test_derivative_lab_numbers():
    cube = lambda x: x**3  # noqa: E731
    assert float(derivative(cube, 5.0)) == 75.0
    assert float(derivative(cube, tf.Variable(6.0))) == 108.0
    assert float(derivative(cube, 3.0, order=2)) == 18.0
    assert float(derivative(cube, 3.0, order=3)) == 6.0
    assert float(derivative(cube, 3.0, order=4)) == 0.0


def test_derivative_keeps_the_shape_of_a_matrix():
    x = np.arange(6, dtype="float64").reshape(2, 3)
    result = derivative(lambda x: x**3, x, order=2)
    assert result.shape == (2, 3)
    np.testing.assert_allclose(result.numpy(), 6 * x)


@pytest.mark.parametrize("x", [3, np.int64(3), np.array([3, 4]), tf.constant([3, 4]), [3, 4]], ids=repr)
def test_derivative_converts_integers_to_float32(x):
    result = derivative(lambda x: x**3, x)
    assert result.dtype == tf.float32
    np.testing.assert_allclose(result.numpy(), 3 * np.asarray(x, dtype="float32") ** 2)


@pytest.mark.parametrize(
    "x, dtype",
    [
        (3.0, tf.float32),
        ([3.0], tf.float32),
        (np.float64(3.0), tf.float64),
        (np.array([3.0], dtype="float16"), tf.float16),
        (tf.constant(3.0, tf.float64), tf.float64),
        (tf.Variable(3.0, dtype=tf.float64), tf.float64),
    ],
    ids=repr,
)
def test_derivative_dtype_follows_float_inputs(x, dtype):
    result = derivative(lambda x: x**2, x)
    assert result.dtype == dtype
    np.testing.assert_allclose(_numpy(result), 6.0)


def test_derivative_of_variables_trainable_or_not():
    for variable in (
        tf.Variable(2.0),
        tf.Variable(2.0, trainable=False),
        keras.Variable(2.0),
        keras.Variable(2.0, trainable=False),
    ):
        assert float(derivative(lambda x: x**3, variable, order=2)) == 12.0


def test_derivative_of_a_constant_lower_derivative_is_zero():
    # The first derivative of 3x is constant: the tape gives None for its
    # derivative, but f depends on x, so the answer is zeros, not an error.
    result = derivative(lambda x: 3 * x, [1.0, 2.0], order=3)
    np.testing.assert_array_equal(result.numpy(), [0.0, 0.0])


@settings(max_examples=20, deadline=None)
@given(
    coefficients=st.lists(st.integers(min_value=-5, max_value=5), min_size=1, max_size=6),
    order=st.integers(min_value=1, max_value=4),
    point=st.floats(min_value=-2.0, max_value=2.0),
)
def test_derivative_of_any_polynomial(coefficients, order, point):
    polynomial = np.polynomial.Polynomial(coefficients)

    def f(x):  # Horner's rule, free of x**k (see CLOSED_FORMS)
        value = tf.zeros_like(x)
        for c in reversed(coefficients):
            value = value * x + c
        return value

    x = tf.constant(point, tf.float64)
    expected = polynomial.deriv(order)(point)
    result = derivative(f, x, order=order, unconnected="zero")
    np.testing.assert_allclose(float(result), expected, rtol=1e-9, atol=1e-9)


# ------------------------------------------------------ gradient and value


def test_gradient_of_a_constant_and_of_a_variable():
    cube = lambda x: x**3  # noqa: E731
    assert float(gradient(cube, 5.0)) == 75.0
    assert float(gradient(cube, tf.constant(5.0))) == 75.0
    assert float(gradient(cube, tf.Variable(6.0))) == 108.0
    assert float(gradient(cube, tf.Variable(6.0, trainable=False))) == 108.0


def test_gradient_of_a_vector():
    x = np.array([1.0, -2.0, 3.0])
    result = gradient(lambda x: tf.reduce_sum(x**2), x)
    np.testing.assert_allclose(result.numpy(), 2 * x)


def test_gradient_with_several_xs_returns_a_list():
    a, b = tf.Variable(3.0), 2.0
    result = gradient(lambda a, b: a * b**2, a, b)
    assert isinstance(result, list) and len(result) == 2
    assert [float(g) for g in result] == [4.0, 12.0]


def test_gradient_with_a_list_of_variables():
    w = tf.Variable([[1.0], [2.0]])
    b = keras.Variable([0.5])
    X = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    y = tf.constant([[1.0], [2.0], [3.0]])

    def loss(weights):
        w, b = weights
        return tf.reduce_mean((X @ w + b - y) ** 2)

    grad_w, grad_b = gradient(loss, [w, b])
    residual = X.numpy() @ w.numpy() + b.numpy() - y.numpy()
    np.testing.assert_allclose(grad_w.numpy(), 2 / 3 * X.numpy().T @ residual, rtol=1e-6)
    np.testing.assert_allclose(grad_b.numpy(), 2 / 3 * residual.sum(axis=0), rtol=1e-6)


def test_value_and_gradient():
    value, grad = value_and_gradient(lambda x: x**3, 2.0)
    assert (float(value), float(grad)) == (8.0, 12.0)
    value, grads = value_and_gradient(lambda a, b: a * b, 3.0, tf.Variable(4.0))
    assert float(value) == 12.0
    assert [float(g) for g in grads] == [4.0, 3.0]


# ------------------------------------------------------------- tf.function


@pytest.mark.slow
def test_every_function_works_inside_tf_function():
    variable = tf.Variable([1.0, 2.0])

    @tf.function
    def compute(x):
        cube = lambda x: x**3  # noqa: E731
        total = lambda x: tf.reduce_sum(x**3)  # noqa: E731
        return (
            derivative(cube, x, order=2),
            gradient(total, x),
            gradient(total, variable),
            value_and_gradient(total, x),
            jacobian(cube, x),
            batch_jacobian(cube, x[None, :]),
            hessian(total, x),
            hessian(lambda weights: total(weights[0]), [variable]),
        )

    x = np.array([1.0, 2.0], dtype="float32")
    second, grad, grad_variable, (value, grad_again), jac, batch_jac, hess, hess_list = compute(tf.constant(x))
    np.testing.assert_allclose(second.numpy(), 6 * x)
    np.testing.assert_allclose(grad.numpy(), 3 * x**2)
    np.testing.assert_allclose(grad_variable.numpy(), 3 * x**2)
    assert float(value) == 9.0
    np.testing.assert_allclose(grad_again.numpy(), 3 * x**2)
    np.testing.assert_allclose(jac.numpy(), np.diag(3 * x**2))
    np.testing.assert_allclose(batch_jac.numpy(), np.diag(3 * x**2)[None])
    np.testing.assert_allclose(hess.numpy(), np.diag(6 * x))
    np.testing.assert_allclose(hess_list.numpy(), np.diag(6 * x))


@pytest.mark.slow
def test_tf_function_with_an_unknown_batch_size():
    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def compute(x):
        return derivative(tf.sin, x, order=2), batch_jacobian(tf.sin, x)

    x = np.array([[0.5, 1.0], [1.5, 2.0], [2.5, 3.0]], dtype="float32")
    second, batch_jac = compute(x)
    np.testing.assert_allclose(second.numpy(), -np.sin(x), rtol=1e-5)
    np.testing.assert_allclose(batch_jac.numpy(), np.stack([np.diag(np.cos(row)) for row in x]), rtol=1e-5)


# --------------------------------------------------------------- jacobians


def _vector_function(x):
    return tf.stack([x[0] * x[1] + tf.sin(x[2]), tf.exp(x[0]) * x[2] ** 2])


def _central_differences(f, x, eps=1e-6):
    columns = []
    for j in range(x.size):
        step = np.zeros_like(x)
        step[j] = eps
        columns.append((f(x + step).numpy() - f(x - step).numpy()) / (2 * eps))
    return np.stack(columns, axis=-1)


def test_jacobian_matches_central_finite_differences():
    x = np.array([0.3, -1.2, 0.8])
    result = jacobian(_vector_function, x)
    assert result.dtype == tf.float64 and result.shape == (2, 3)
    expected = _central_differences(lambda v: _vector_function(tf.constant(v)), x)
    np.testing.assert_allclose(result.numpy(), expected, atol=1e-8)


def test_jacobian_of_a_matrix_function_has_the_shapes_concatenated():
    A = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    x = np.array([[0.5, -1.0], [2.0, 0.25]])
    result = jacobian(lambda x: tf.tanh(A @ x), x)
    assert result.shape == (3, 2, 2, 2)
    expected = _central_differences(lambda v: tf.tanh(A @ v.reshape(2, 2)), x.ravel())
    np.testing.assert_allclose(result.numpy().reshape(3, 2, 4), expected, atol=1e-8)


def test_jacobian_with_a_list_of_variables():
    w = tf.Variable([1.0, 2.0])
    b = tf.Variable(3.0)
    blocks = jacobian(lambda weights: weights[0] * weights[1], [w, b])
    assert len(blocks) == 2
    np.testing.assert_allclose(blocks[0].numpy(), 3.0 * np.eye(2))
    np.testing.assert_allclose(blocks[1].numpy(), [1.0, 2.0])


def test_batch_jacobian_equals_the_diagonal_blocks_of_jacobian():
    rng = np.random.default_rng(0)
    W = tf.constant(rng.normal(size=(3, 4)))
    x = rng.normal(size=(5, 3))
    f = lambda x: tf.tanh(x @ W)  # noqa: E731
    full = jacobian(f, x).numpy()  # (5, 4, 5, 3)
    per_example = batch_jacobian(f, x).numpy()  # (5, 4, 3)
    assert per_example.shape == (5, 4, 3)
    for i in range(5):
        np.testing.assert_allclose(per_example[i], full[i, :, i, :], atol=1e-12)
        for j in range(5):
            if j != i:
                np.testing.assert_array_equal(full[i, :, j, :], 0.0)


# ---------------------------------------------------------------- hessians


def test_hessian_of_sum_of_cubes_is_diag_6x():
    x = np.array([1.0, -2.0, 0.5])
    result = hessian(lambda x: tf.reduce_sum(x**3), x)
    assert result.shape == (3, 3)
    np.testing.assert_allclose(result.numpy(), np.diag(6 * x))


def test_hessian_of_a_quadratic_form():
    A = np.array([[2.0, 1.0, 0.0], [3.0, 4.0, -1.0], [0.5, 0.0, 1.0]])
    x = tf.Variable([0.3, -0.7, 1.1], dtype=tf.float64)
    result = hessian(lambda x: tf.tensordot(x, tf.linalg.matvec(A, x), 1), x)
    np.testing.assert_allclose(result.numpy(), A + A.T, atol=1e-12)


def test_hessian_of_a_linear_function_is_zero():
    x = tf.Variable([1.0, 2.0])
    result = hessian(lambda x: tf.reduce_sum(3 * x), x)
    np.testing.assert_array_equal(result.numpy(), np.zeros((2, 2)))
    result = hessian(lambda p: tf.reduce_sum(3 * p[0]), [x])
    np.testing.assert_array_equal(result.numpy(), np.zeros((2, 2)))


def test_hessian_of_a_matrix_input_has_shape_x_shape_twice():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    result = hessian(lambda x: tf.reduce_sum(x**3), x)
    assert result.shape == (2, 2, 2, 2)
    np.testing.assert_allclose(result.numpy().reshape(4, 4), np.diag(6 * x.ravel()))


def _linear_regression_data(n=20, d=3):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n, d))
    y = X @ rng.normal(size=(d, 1)) + rng.normal(size=(n, 1))
    return X, y


def test_hessian_of_linear_mse_is_2_over_n_xtx():
    X, y = _linear_regression_data()
    w = np.zeros((3, 1))
    result = hessian(lambda w: tf.reduce_mean((X @ w - y) ** 2), w)
    assert result.shape == (3, 1, 3, 1)
    np.testing.assert_allclose(result.numpy().reshape(3, 3), 2 / len(X) * X.T @ X, rtol=1e-12)


@pytest.mark.parametrize("variable", [tf.Variable, keras.Variable])
def test_hessian_of_linear_mse_over_weight_and_bias(variable):
    X, y = _linear_regression_data()
    w = variable(np.full((3, 1), 0.5), dtype="float64")
    b = variable(np.array([0.1]), dtype="float64")

    def mse(weights):
        w, b = weights
        return tf.reduce_mean((X @ w + b - y) ** 2)

    result = hessian(mse, [w, b])
    design = np.hstack([X, np.ones((len(X), 1))])
    assert result.shape == (4, 4)
    np.testing.assert_allclose(result.numpy(), 2 / len(X) * design.T @ design, rtol=1e-12)


def test_hessian_of_variables_orders_parameters_as_given():
    a = tf.Variable([1.0, 2.0])
    c = tf.Variable(3.0)
    # f = a0^2 c + a1 c^2: flattened parameters (a0, a1, c).
    f = lambda p: p[0][0] ** 2 * p[1] + p[0][1] * p[1] ** 2  # noqa: E731
    expected = np.array([[6.0, 0.0, 2.0], [0.0, 0.0, 6.0], [2.0, 6.0, 4.0]])
    np.testing.assert_allclose(hessian(f, [a, c]).numpy(), expected)
    reordered = hessian(lambda p: f([p[1], p[0]]), [c, a]).numpy()
    np.testing.assert_allclose(reordered, expected[[2, 0, 1]][:, [2, 0, 1]])


# ----------------------------------------------------- unconnected gradients


def _constant(x):
    return tf.ones_like(x)


def test_unconnected_raises_by_default():
    for function in (derivative, gradient, value_and_gradient, jacobian, hessian):
        with pytest.raises(ValueError, match="`f` does not depend on `x`.*returned None"):
            function(_constant, [1.0, 2.0])
    with pytest.raises(ValueError, match="`f` does not depend on `x`"):
        derivative(_constant, 3.0, order=3)


def test_unconnected_none():
    x = np.array([1.0, 2.0])
    assert derivative(_constant, x, unconnected="none") is None
    assert derivative(_constant, x, order=3, unconnected="none") is None
    assert gradient(_constant, x, unconnected="none") is None
    assert value_and_gradient(_constant, x, unconnected="none")[1] is None
    assert jacobian(_constant, x, unconnected="none") is None
    assert hessian(_constant, x, unconnected="none") is None


def test_unconnected_zero():
    x = np.array([1.0, 2.0])
    for order in (1, 3):
        result = derivative(_constant, x, order=order, unconnected="zero")
        np.testing.assert_array_equal(result.numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(gradient(_constant, x, unconnected="zero"), [0.0, 0.0])
    np.testing.assert_array_equal(jacobian(_constant, x, unconnected="zero"), np.zeros((2, 2)))
    np.testing.assert_array_equal(hessian(_constant, x, unconnected="zero"), np.zeros((2, 2)))


def test_batch_jacobian_of_an_unconnected_f_is_zeros_like_the_tape():
    result = batch_jacobian(_constant, [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(result.numpy(), np.zeros((2, 2, 2)))


def test_unconnected_accepts_tf_unconnected_gradients():
    assert gradient(_constant, 3.0, unconnected=tf.UnconnectedGradients.NONE) is None
    assert derivative(_constant, 3.0, unconnected=tf.UnconnectedGradients.NONE) is None
    assert float(gradient(_constant, 3.0, unconnected=tf.UnconnectedGradients.ZERO)) == 0.0


def test_unconnected_names_the_argument_among_several():
    f = lambda a, b: a**2  # noqa: E731
    with pytest.raises(ValueError, match=r"does not depend on `xs\[1\]`"):
        gradient(f, 3.0, 4.0)
    grads = gradient(f, 3.0, 4.0, unconnected="none")
    assert float(grads[0]) == 6.0 and grads[1] is None
    grads = gradient(f, 3.0, 4.0, unconnected="zero")
    assert [float(g) for g in grads] == [6.0, 0.0]


def test_unconnected_variable_in_a_hessian_list():
    w, b = tf.Variable([1.0, 2.0]), tf.Variable(1.0)
    f = lambda p: tf.reduce_sum(p[0] ** 2)  # noqa: E731
    with pytest.raises(ValueError, match=r"does not depend on `x\[1\]`"):
        hessian(f, [w, b])
    assert hessian(f, [w, b], unconnected="none") is None
    np.testing.assert_array_equal(hessian(f, [w, b], unconnected="zero"), np.diag([2.0, 2.0, 0.0]))


# ------------------------------------------------------------------ errors

ALL_FUNCTIONS = (derivative, gradient, value_and_gradient, jacobian, batch_jacobian, hessian)


def test_order_below_one_is_a_value_error():
    for order in (0, -1):
        with pytest.raises(ValueError, match=rf"`order` must be an integer >= 1, got {order}\."):
            derivative(lambda x: x, 1.0, order=order)


@pytest.mark.parametrize("order", [1.5, 2.0, "2", True, None], ids=repr)
def test_order_not_an_int_is_a_type_error(order):
    with pytest.raises(TypeError, match=r"`order` must be an integer >= 1, got .* of type"):
        derivative(lambda x: x, 1.0, order=order)


def test_f_not_callable_is_a_type_error():
    for function in ALL_FUNCTIONS:
        with pytest.raises(TypeError, match="`f` must be a callable.*got 3.0 of type float"):
            function(3.0, [1.0])


@pytest.mark.parametrize(
    "x, match",
    [
        ("abc", "got 'abc' with dtype string"),
        (None, "got None of type NoneType"),
        (True, "got True with dtype bool"),
        (np.array([True, False]), "with dtype bool"),
        (1 + 2j, "with dtype complex128"),
        ([[1.0], [2.0, 3.0]], "of type list"),
        (object(), "of type object"),
        (tf.Variable(3), "floating-point variable, got dtype int32"),
    ],
    ids=["str", "None", "bool", "bool array", "complex", "ragged", "object", "int variable"],
)
def test_non_numeric_x_is_a_type_error(x, match):
    for function in ALL_FUNCTIONS:
        with pytest.raises(TypeError, match=rf"`x` must .*{match}"):
            function(lambda x: x, x)


def test_gradient_names_the_bad_x_among_several():
    with pytest.raises(TypeError, match=r"`xs\[1\]` must .*got 'b'"):
        gradient(lambda a, b: a, 1.0, "b")


def test_gradient_without_xs_is_a_type_error():
    with pytest.raises(TypeError, match="`xs` must hold at least one"):
        gradient(lambda: tf.constant(1.0))


@pytest.mark.parametrize("unconnected", ["raise_", "None", None, 0, "ZERO"], ids=repr)
def test_unknown_unconnected_lists_the_choices(unconnected):
    for function in (derivative, gradient, value_and_gradient, jacobian, hessian):
        with pytest.raises(ValueError, match="`unconnected` must be one of 'raise', 'none' or 'zero', got"):
            function(lambda x: x, [1.0], unconnected=unconnected)


def test_derivative_needs_an_elementwise_f():
    with pytest.raises(ValueError, match=r"`f` must act elementwise.*shape \(\).*shape \(3,\)"):
        derivative(tf.reduce_sum, [1.0, 2.0, 3.0])


def test_derivative_and_batch_jacobian_refuse_a_list_of_variables():
    variables = [tf.Variable(1.0), tf.Variable(2.0)]
    for function in (derivative, batch_jacobian):
        with pytest.raises(TypeError, match="`x` must be a single .* got a list of 2 variables"):
            function(lambda x: x, variables)


def test_batch_jacobian_needs_a_batch_dimension():
    with pytest.raises(ValueError, match=r"`x` must have a batch dimension.*got a scalar 3.0"):
        batch_jacobian(lambda x: x, 3.0)


def test_batch_jacobian_needs_a_batched_output():
    with pytest.raises(ValueError, match="`f` must return one row per example.*got a scalar"):
        batch_jacobian(tf.reduce_sum, [[1.0, 2.0]])


def test_f_returning_none_is_a_type_error():
    with pytest.raises(TypeError, match="`f` must return a tensor, got None"):
        gradient(lambda x: None, 1.0)
