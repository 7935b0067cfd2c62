"""The lab's figures in `keras_tape.lab.constants`, recomputed from scratch."""

import numpy as np
import pytest
import tensorflow as tf

from keras_tape import data
from keras_tape.lab import compare, constants


def test_the_tape_basics_numbers_are_what_a_tape_computes():
    def gradient(f, x, **tape_options):
        with tf.GradientTape(**tape_options) as tape:
            if not isinstance(x, tf.Variable):
                tape.watch(x)
            y = f(x)
        result = tape.gradient(y, x)
        return None if result is None else float(result)

    x = tf.Variable(3.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = x**3
        first = inner.gradient(y, x)
    with tf.GradientTape() as tape:
        y = x**3
        with tape.stop_recording():
            stopped = float(tape.gradient(y, x))
    computed = [
        gradient(lambda x: x**3, tf.constant(5.0)),
        gradient(lambda x: x**3, tf.Variable(6.0)),
        gradient(lambda x: x**3, tf.Variable(3.0), watch_accessed_variables=False),
        float(outer.gradient(first, x)),
        gradient(lambda x: x**3, tf.Variable(2.0)),
        gradient(lambda x: 3 * x**2, tf.Variable(2.0)),
        stopped,
    ]
    assert list(constants.TAPE_BASICS.values()) == computed


def test_the_practice_figures_are_recomputed_on_the_bundled_data():
    x, y = data.load_practice02()
    descent = compare.gradient_descent(x, y)  # the defaults are the practice's rate and iterations
    exact = compare.least_squares(x, y)
    assert (1e-4, descent.steps) == (constants.PRACTICE_LEARNING_RATE, constants.PRACTICE_ITERATIONS)
    np.testing.assert_allclose(
        constants.PRACTICE_GRADIENT_DESCENT, [descent.slope, descent.intercept, descent.mse], atol=1e-4
    )
    np.testing.assert_allclose(constants.PRACTICE_LEAST_SQUARES, [exact.slope, exact.intercept, exact.mse], atol=1e-4)


def test_the_formulas_are_the_data_generators_defaults():
    x, y = data.polynomial_data()
    np.testing.assert_allclose(np.polynomial.polynomial.polyfit(x, y, 2), constants.POLYNOMIAL_COEF, atol=1e-3)
    x, y = data.linear_data()
    assert np.polyfit(x, y, 1) == pytest.approx([constants.LINE_SLOPE, constants.LINE_INTERCEPT], abs=1e-4)
