"""Attributions against closed forms and the completeness property of integrated gradients."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_tape.autodiff import input_gradient, integrated_gradients, smoothgrad
from keras_tape.models import MLPClassifier

RNG = np.random.default_rng(0)
W = RNG.normal(size=(5, 3)).astype("float32")


def linear(x):
    return tf.matmul(x, W)


def test_on_a_linear_model_every_method_gives_its_closed_form():
    x = RNG.normal(size=(4, 5)).astype("float32")
    target = np.array([0, 1, 2, 1])
    expected_gradient = W[:, target].T  # d (x W)[t] / dx = W[:, t]
    np.testing.assert_allclose(input_gradient(linear, x, target), expected_gradient, rtol=1e-6)
    np.testing.assert_allclose(smoothgrad(linear, x, target, seed=0), expected_gradient, rtol=1e-5)
    baseline = np.full(5, 0.5, "float32")
    np.testing.assert_allclose(
        integrated_gradients(linear, x, target, baseline=baseline, steps=1),
        (x - baseline) * expected_gradient,
        rtol=1e-5,
        atol=1e-6,
    )


def test_integrated_gradients_add_up_to_the_change_of_the_output():
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(16, activation="tanh"), keras.layers.Dense(3)])
    x = RNG.normal(size=(5, 6)).astype("float32") * 2
    target = model(x).numpy().argmax(axis=1)
    change = (model(x).numpy() - model(np.zeros_like(x)).numpy())[np.arange(5), target]
    coarse = integrated_gradients(model, x, steps=2).sum(axis=1)
    fine = integrated_gradients(model, x, steps=200).sum(axis=1)
    np.testing.assert_allclose(fine, change, rtol=0.01, atol=1e-3 * np.abs(change).max())
    # The trapezoid rule's error shrinks with more steps: the check is not vacuous.
    assert np.abs(fine - change).max() < np.abs(coarse - change).max() / 10


@pytest.mark.slow
def test_completeness_on_a_trained_mlp():
    # Three Gaussian clusters in 6 dimensions, 30 points each.
    rng = np.random.default_rng(3)
    centers = rng.normal(scale=2.0, size=(3, 6))
    y = np.repeat(np.arange(3, dtype="int32"), 30)
    x = (centers[y] + rng.normal(size=(90, 6))).astype("float32")
    model = MLPClassifier(hidden_units=(32, 16), num_classes=3)
    model.compile(optimizer=keras.optimizers.Adam(0.01))
    model.fit(x, y, epochs=10, batch_size=32, verbose=0)
    assert model.evaluate(x, y, verbose=0, return_dict=True)["accuracy"] > 0.9
    baseline = x.mean(axis=0)
    attributions = integrated_gradients(model, x[:8], target=y[:8], baseline=baseline, steps=50)
    logits, at_baseline = model.predict(x[:8], verbose=0), model.predict(baseline[None], verbose=0)
    change = logits[np.arange(8), y[:8]] - at_baseline[0, y[:8]]
    np.testing.assert_allclose(attributions.sum(axis=1), change, rtol=0.02, atol=0.02 * np.abs(change).max())


def test_bad_arguments_are_named():
    x = np.ones((2, 5), "float32")
    with pytest.raises(ValueError, match="`target` must be one output index in \\[0, 3\\)"):
        input_gradient(linear, x, target=3)
    with pytest.raises(ValueError, match="`x` must be a batch of inputs"):
        integrated_gradients(linear, np.ones(5))
    with pytest.raises(ValueError, match="`baseline` must be a number or an array that broadcasts"):
        integrated_gradients(linear, x, baseline=np.ones(4))
    with pytest.raises(ValueError, match="`steps` must be an integer >= 1"):
        integrated_gradients(linear, x, steps=0)
    with pytest.raises(ValueError, match="`noise`"):
        smoothgrad(linear, x, noise=-0.1)
