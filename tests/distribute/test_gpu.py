"""On a machine with a GPU, the models train there without being told (skipped elsewhere)."""

import numpy as np
import pytest
import tensorflow as tf

from keras_tape import data
from keras_tape.models import MLPClassifier, PolynomialRegression

GPUS = tf.config.list_physical_devices("GPU")
pytestmark = pytest.mark.skipif(not GPUS, reason="no GPU visible to TensorFlow")


def test_mlp_variables_and_training_live_on_the_gpu():
    x, y = data.load_digits()
    model = MLPClassifier(hidden_units=(64,))
    model.compile()
    losses = model.fit(x, y, batch_size=128, epochs=3, verbose=0).history["loss"]
    assert losses[-1] < losses[0]
    assert all("GPU" in v.value.device for v in model.trainable_variables), [
        v.value.device for v in model.trainable_variables
    ]


def test_lab_polynomial_on_the_gpu_recovers_6_8_2():
    x, y = data.polynomial_data()
    model = PolynomialRegression(degree=2)
    model.compile()
    model.fit(x, y, epochs=300, batch_size=len(x), verbose=0)
    np.testing.assert_allclose(model.coef, [2.0, 8.0, 6.0], atol=1e-3)


def test_mirrored_strategy_uses_every_gpu():
    strategy = tf.distribute.MirroredStrategy()
    assert strategy.num_replicas_in_sync == len(GPUS)
    x, y = data.load_digits()
    with strategy.scope():
        model = MLPClassifier(hidden_units=(64,))
        model.compile()
    losses = model.fit(x, y, batch_size=128 * len(GPUS), epochs=2, verbose=0).history["loss"]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]
