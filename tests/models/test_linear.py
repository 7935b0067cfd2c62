"""LinearRegression against closed-form least squares."""

import keras
import numpy as np
import pytest

from keras_tape.models import LinearRegression


@pytest.mark.slow
def test_reaches_least_squares_on_practice02(practice02):
    x, y = practice02
    model = LinearRegression()
    model.compile()
    history = model.fit(x, y, epochs=500, batch_size=len(x), verbose=0)
    slope, intercept = np.polyfit(x, y, 1)
    assert slope == pytest.approx(1.322431, rel=1e-6)
    assert model.coef.shape == (1,)
    assert isinstance(model.intercept, float)
    np.testing.assert_allclose(model.coef[0], slope, rtol=1e-3)
    np.testing.assert_allclose(model.intercept, intercept, rtol=1e-3)
    # The earlier practice's descent stopped at MSE 112.6148; least squares is 110.2574.
    assert history.history["loss"][-1] == pytest.approx(110.2574, rel=1e-4)
    assert model.equation() == f"y = {model.coef[0]:.4f}*x + {model.intercept:.4f}"
    assert model.equation(precision=2) == "y = 1.32*x + 7.99"


@pytest.mark.slow
def test_several_features_and_outputs_match_lstsq():
    rng = np.random.default_rng(3)
    # Correlated, badly scaled features: raw gradient descent would crawl.
    base = rng.normal(size=(200, 1))
    x = np.hstack([1000 + 50 * base, 0.01 * base + 0.001 * rng.normal(size=(200, 1)), rng.normal(size=(200, 1))])
    true_w = np.array([[0.02, -1.0], [300.0, 2.0], [-4.0, 0.5]])
    y = x @ true_w + np.array([5.0, -7.0]) + 0.1 * rng.normal(size=(200, 2))
    model = LinearRegression(units=2)
    model.compile()
    model.fit(x, y, epochs=300, batch_size=200, verbose=0)
    design = np.hstack([x, np.ones((200, 1))])
    solution = np.linalg.lstsq(design, y, rcond=None)[0]
    assert model.coef.shape == (3, 2) and model.intercept.shape == (2,)
    prediction = model.predict(x, verbose=0)
    np.testing.assert_allclose(prediction, design @ solution, atol=2e-3 * np.abs(y).max())
    np.testing.assert_allclose(model.coef[[0, 2]], solution[[0, 2]], rtol=1e-2, atol=1e-3)
    assert model.equation().splitlines()[1].startswith("y2 = ")


@pytest.mark.slow
def test_minibatch_fit_with_mae_loss_still_converges():
    x = np.linspace(0, 10, 64)
    y = 6.12 * x + 1.35
    model = LinearRegression()
    # MAE's gradient has a fixed size whatever the error: Adam's steps shrink near the optimum.
    model.compile(loss="mae", optimizer=keras.optimizers.Adam(0.02))
    model.fit(x, y, epochs=800, batch_size=16, verbose=0)
    np.testing.assert_allclose([model.coef[0], model.intercept], [6.12, 1.35], atol=0.05)
    assert model.equation(precision=1) == f"y = {model.coef[0]:.1f}*x + {model.intercept:.1f}"


def test_whitening_is_learned_once_on_training_rows_only():
    x = np.concatenate([np.linspace(0, 1, 80), np.full(20, 1000.0)])
    y = 2 * x + 1
    model = LinearRegression()
    model.compile()
    model.fit(x, y, epochs=2, validation_split=0.2, verbose=0)
    np.testing.assert_allclose(model.feature_mean.numpy(), [0.5], rtol=1e-6)
    np.testing.assert_allclose(model.whitening.numpy(), [[1 / np.std(x[:80])]], rtol=1e-5)
    # A second fit on other data continues training without re-learning it.
    model.fit(x[80:], y[80:], epochs=1, verbose=0)
    np.testing.assert_allclose(model.feature_mean.numpy(), [0.5], rtol=1e-6)


@pytest.mark.slow
def test_constant_feature_gets_zero_weight_not_nan():
    x = np.column_stack([np.linspace(0, 1, 50), np.ones(50)])
    y = 3 * x[:, 0] + 2
    model = LinearRegression()
    model.compile()
    model.fit(x, y, epochs=200, batch_size=50, verbose=0)
    np.testing.assert_allclose(model.coef, [3.0, 0.0], atol=1e-4)
    np.testing.assert_allclose(model.intercept, 2.0, atol=1e-4)


def test_coefficients_before_building_raise():
    with pytest.raises(ValueError, match="no coefficients yet"):
        LinearRegression().coef


@pytest.mark.parametrize("units", [0, -1, 1.5, "2", True])
def test_bad_units(units):
    with pytest.raises((TypeError, ValueError), match="`units` must be an integer >= 1"):
        LinearRegression(units=units)
