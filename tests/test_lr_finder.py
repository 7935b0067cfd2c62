"""find_learning_rate against the theory of gradient descent on a quadratic loss."""

import keras
import numpy as np
import pytest

import keras_tape
from keras_tape.autodiff import loss_hessian
from keras_tape.lr_finder import LRFinderResult, find_learning_rate


class RawPolynomial(keras_tape.TapeModel):
    """y = c0 + c1 x + c2 x^2 on the raw powers [x, x^2], as the lab's hand loop fits it."""

    def build(self, input_shape):
        self.dense = keras.layers.Dense(1, kernel_initializer="zeros")
        self.dense.build((None, 2))

    def call(self, x):
        x = keras.ops.reshape(x, (-1, 1))
        return self.dense(keras.ops.concatenate([x, x**2], axis=1))


def finder_run(model, x, y):
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    return find_learning_rate(model, x, y, batch_size=len(x), seed=0)


def test_whitened_regression_diverges_past_one_and_suggests_below():
    # On whitened features the MSE Hessian is 2I: gradient descent multiplies
    # the error by (1 - 2 lr) a step, so it diverges for lr > 1.
    x, y = keras_tape.data.polynomial_data(noise=2.0, seed=0)
    result = finder_run(keras_tape.models.PolynomialRegression(degree=2), x, y)
    assert result.diverged and 1.0 < result.learning_rates[-1] < 10.0
    assert 0.01 < result.suggestion < 1.0
    assert 0.01 < result.suggest("minimum") < 1.0


def test_raw_polynomial_features_need_orders_of_magnitude_smaller_rates():
    x, y = keras_tape.data.polynomial_data(noise=2.0, seed=0)
    whitened = finder_run(keras_tape.models.PolynomialRegression(degree=2), x, y)
    raw_model = RawPolynomial()
    raw = finder_run(raw_model, x, y)
    # Gradient descent is stable below 2 / (largest eigenvalue of the Hessian).
    stable_limit = 2 / np.linalg.eigvalsh(loss_hessian(raw_model, x, y)).max()
    assert raw.diverged and raw.learning_rates[-1] < 10 * stable_limit
    assert raw.suggestion < stable_limit
    assert raw.suggestion < whitened.suggestion / 100


@pytest.mark.slow
def test_weights_and_optimizer_state_are_restored():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(32, 6)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    model = keras_tape.models.MLPClassifier(hidden_units=(8,), num_classes=3)
    model.compile(optimizer=keras.optimizers.Adam(0.003))
    model.fit(x, y, epochs=2, verbose=0)  # moments and a step count to restore
    weights = model.get_weights()
    state = [v.numpy() for v in model.optimizer.variables]
    result = find_learning_rate(model, x, y, steps=20, batch_size=8)
    assert len(result.learning_rates) == len(result.losses) == len(result.raw_losses) > 3
    for before, after in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(before, after)
    for before, after in zip(state, model.optimizer.variables):
        np.testing.assert_array_equal(before, after.numpy())
    assert float(model.optimizer.learning_rate) == pytest.approx(0.003)


def test_learning_rates_rise_exponentially_and_losses_are_smoothed():
    x, y = keras_tape.data.polynomial_data()
    model = keras_tape.models.PolynomialRegression(degree=2)
    model.compile()
    result = find_learning_rate(model, x, y, min_lr=1e-4, max_lr=1e-2, steps=5, batch_size=11, smoothing=0.5)
    np.testing.assert_allclose(result.learning_rates, np.geomspace(1e-4, 1e-2, 5))
    raw = result.raw_losses
    # Bias-corrected exponential moving average: sum of 0.5 * 0.5^(k-i) * raw_i over 1 - 0.5^(k+1).
    expected = [0.5 ** np.arange(k, -1, -1) @ (0.5 * raw[: k + 1]) / (1 - 0.5 ** (k + 1)) for k in range(5)]
    np.testing.assert_allclose(result.losses, expected, rtol=1e-6)


def test_plot_marks_the_suggestion():
    pytest.importorskip("matplotlib")
    result = LRFinderResult(np.geomspace(1e-3, 1, 10), np.linspace(10, 1, 10), np.linspace(10, 1, 10), False)
    figure = result.plot()
    axes = figure.axes[0]
    assert axes.get_xscale() == "log" and len(axes.lines) == 3


def test_bad_arguments_are_named():
    x, y = keras_tape.data.polynomial_data()
    model = keras_tape.models.PolynomialRegression(degree=2)
    with pytest.raises(ValueError, match="must be compiled"):
        find_learning_rate(model, x, y)
    model.compile(optimizer=keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)))
    with pytest.raises(ValueError, match="learning-rate schedule"):
        find_learning_rate(model, x, y)
    model.compile()
    with pytest.raises(ValueError, match="0 < min_lr < max_lr"):
        find_learning_rate(model, x, y, min_lr=1.0, max_lr=0.1)
    with pytest.raises(ValueError, match="`method` must be one of"):
        LRFinderResult([1, 2, 3], [3, 2, 1], [3, 2, 1], False).suggest("median")
