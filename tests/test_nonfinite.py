"""TapeModel(skip_nonfinite_steps=True) skips poisoned batches; off, TerminateOnNaN stops."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_tape.models import LinearRegression, MLPClassifier


def batches(x, y, size, poisoned=()):
    """Consecutive batches of `size` rows; the batches listed in `poisoned` get NaN targets."""
    y = y.copy()
    for k in poisoned:
        y[k * size : (k + 1) * size] = np.nan
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(size)


def fitted(model, data, epochs=3):
    model.compile(optimizer=keras.optimizers.Adam(0.1), metrics=["mae"])
    history = model.fit(data, epochs=epochs, verbose=0)
    return history.history, model.get_weights()


@pytest.mark.slow
def test_poisoned_batches_are_skipped_exactly():
    x = np.linspace(0, 4, 40).astype("float32")
    y = (3 * x - 2).astype("float32")
    guarded_history, guarded = fitted(LinearRegression(skip_nonfinite_steps=True), batches(x, y, 10, poisoned={1, 3}))
    clean = np.r_[0:10, 20:30]
    reference_model = LinearRegression()
    reference_model.adapt(x)  # the same whitening as the guarded model, learned from all inputs
    reference_history, reference = fitted(reference_model, batches(x[clean], y[clean], 10))
    # Weights and optimizer steps are those of training on the clean batches alone.
    for a, b in zip(guarded, reference):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(guarded_history["loss"], reference_history["loss"], rtol=1e-6)
    np.testing.assert_allclose(guarded_history["mae"], reference_history["mae"], rtol=1e-6)
    assert guarded_history["skipped_steps"] == [2.0, 2.0, 2.0]


@pytest.mark.slow
def test_inf_inputs_skip_the_step_for_the_classifier():
    rng = np.random.default_rng(0)
    x = rng.random((64, 5)).astype("float32")
    x[40, 2] = np.inf
    y = rng.integers(0, 3, 64)
    model = MLPClassifier(hidden_units=(8,), num_classes=3, skip_nonfinite_steps=True)
    model.compile()
    model(x[:1])
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
    history = model.fit(data, epochs=2, verbose=0).history
    assert history["skipped_steps"] == [1.0, 1.0]
    assert all(np.isfinite(w).all() for w in model.get_weights())
    assert int(model.optimizer.iterations) == 6
    assert np.isfinite(history["loss"]).all()


def test_without_the_guard_terminate_on_nan_stops_training():
    x = np.linspace(0, 4, 40).astype("float32")
    y = (3 * x - 2).astype("float32")
    model = LinearRegression()
    model.compile()
    history = model.fit(
        batches(x, y, 10, poisoned={1}), epochs=5, verbose=0, callbacks=[keras.callbacks.TerminateOnNaN()]
    )
    assert "skipped_steps" not in history.history
    assert len(history.history["loss"]) == 1 and model.stop_training
    assert not np.isfinite(model.get_weights()[0]).all()


def test_the_flag_is_saved_and_checked(tmp_path):
    model = LinearRegression(skip_nonfinite_steps=True)
    model.compile()
    model.fit(np.arange(5.0), np.arange(5.0), verbose=0)
    model.save(tmp_path / "m.keras")
    assert keras.models.load_model(tmp_path / "m.keras").skip_nonfinite_steps is True
    with pytest.raises(TypeError, match="`skip_nonfinite_steps` must be True or False, got 'yes'"):
        LinearRegression(skip_nonfinite_steps="yes")
