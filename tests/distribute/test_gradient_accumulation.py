"""Keras's `gradient_accumulation_steps` through the explicit step: k batches of b rows are one of k*b.

With MSE's mean reduction, the mean of k equal-sized batch-mean gradients is
the gradient of the k*b-row mean, so the accumulated update is the big
batch's update, for any optimizer.
"""

import keras
import numpy as np
import pytest

from keras_tape.models import LinearRegression

import _scenarios

STEPS, ROWS_PER_STEP = 4, 8  # 64 rows: two accumulated updates an epoch


def fitted(batch_size: int, optimizer, skip_nonfinite_steps: bool):
    x, y = _scenarios.data("linear")
    model = LinearRegression(skip_nonfinite_steps=skip_nonfinite_steps)
    model.compile(optimizer=optimizer)
    model.fit(x, y, batch_size=batch_size, epochs=2, shuffle=False, verbose=0)
    return model


@pytest.mark.slow
@pytest.mark.parametrize("skip_nonfinite_steps", [False, True])
@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda **k: keras.optimizers.SGD(0.1, **k),
        lambda **k: keras.optimizers.SGD(0.05, momentum=0.9, **k),
        lambda **k: keras.optimizers.Adam(0.5, **k),
    ],
    ids=["sgd", "momentum", "adam"],
)
def test_k_steps_of_b_rows_equal_one_step_of_k_times_b_rows(make_optimizer, skip_nonfinite_steps):
    accumulated = fitted(ROWS_PER_STEP, make_optimizer(gradient_accumulation_steps=STEPS), skip_nonfinite_steps)
    whole = fitted(STEPS * ROWS_PER_STEP, make_optimizer(), skip_nonfinite_steps)
    assert int(accumulated.optimizer.iterations.numpy()) == int(whole.optimizer.iterations.numpy()) == 4
    for got, expected in zip(accumulated.get_weights(), whole.get_weights()):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    # The weights really moved from their zero start.
    assert np.abs(accumulated.kernel.numpy()).max() > 0.1
