"""check_gradients against true gradients (closed forms, a Keras model) and a wrong custom gradient."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_tape.autodiff import check_gradients


def test_a_true_gradient_passes_with_a_float64_sized_error():
    # d/dx sum(x^3) = 3x^2; central differences in float64 are good to ~1e-10.
    error = check_gradients(lambda x: tf.reduce_sum(x**3), np.array([-1.5, 0.3, 2.0], "float32"))
    assert 0 < error < 1e-7


def test_several_arguments_and_a_keras_models_weights():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)])
    x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    y = np.random.default_rng(1).normal(size=(8, 1)).astype("float32")

    def loss(weights, inputs):
        return tf.reduce_mean((model(inputs) - y) ** 2)

    before = [w.copy() for w in model.get_weights()]
    error = check_gradients(loss, model.trainable_variables, x)
    assert error <= 1e-2
    # Variables are moved in place and put back exactly.
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_a_wrong_custom_gradient_is_caught_and_located():
    @tf.custom_gradient
    def square(x):
        return x**2, lambda upstream: upstream * x  # the true gradient is 2x

    def f(scale, x):
        return scale * tf.reduce_sum(square(x))

    with pytest.raises(AssertionError) as caught:
        check_gradients(f, 1.0, [[1.0, 2.0], [3.0, 4.0]])
    message = str(caught.value)
    # The worst element is the largest x: the tape says 4, the truth is 8.
    assert "`x`" in message and "(1, 1)" in message
    assert "the tape gives 4," in message and "finite differences give 8" in message
    assert "4 of 5 elements disagree" in message


def test_a_wrong_gradient_of_a_variable_names_its_path():
    variable = keras.Variable(np.array([1.0, -2.0]), dtype="float64", name="w")

    @tf.custom_gradient
    def double(w):
        return 2.0 * w, lambda upstream: 3.0 * upstream

    expected = r"`args\[0\]\[0\]` \(variable w\) at element \([01],\): the tape gives 3, finite differences give 2\b"
    with pytest.raises(AssertionError, match=expected):
        check_gradients(lambda *ws: tf.reduce_sum(double(ws[0][0])), [variable])
    np.testing.assert_array_equal(variable.numpy(), [1.0, -2.0])


def test_tolerances_and_arguments_are_checked():
    with pytest.raises(ValueError, match="`rtol` must be > 0"):
        check_gradients(tf.square, 1.0, rtol=0.0)
    with pytest.raises(ValueError, match="`atol`"):
        check_gradients(tf.square, 1.0, atol=-1.0)
    with pytest.raises(TypeError, match="`args` must hold at least one"):
        check_gradients(tf.square)
    with pytest.raises(TypeError, match="`f` must be a callable"):
        check_gradients("f", 1.0)
