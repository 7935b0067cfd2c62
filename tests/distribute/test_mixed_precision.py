"""Mixed precision: the models train under mixed_float16 / mixed_bfloat16, and no 16-bit value leaks out."""

import keras
import numpy as np
import pytest

from keras_tape import data
from keras_tape.models import MLPClassifier, PolynomialRegression

import _scenarios

POLICIES = ("mixed_float16", "mixed_bfloat16")


@pytest.fixture(params=POLICIES)
def policy(request):
    keras.mixed_precision.set_dtype_policy(request.param)
    yield request.param
    keras.mixed_precision.set_dtype_policy("float32")


@pytest.mark.slow
@pytest.mark.parametrize("name", _scenarios.MODELS)
def test_every_model_trains(policy, name):
    x, y = _scenarios.data(name)
    model = _scenarios.build(name)
    losses = model.fit(x, y, batch_size=_scenarios.BATCH_SIZE, epochs=5, shuffle=False, verbose=0).history["loss"]
    assert np.isfinite(losses).all()
    # Not every epoch: a regression loss of 1e5 computed in float16 overflows at the first
    # loss scale (2**15), and those steps are skipped while the scale comes down.
    assert losses[-1] < losses[0], losses


@pytest.mark.slow
@pytest.mark.parametrize("name", _scenarios.MODELS)
def test_predictions_weights_and_coefficients_come_back_in_32_or_64_bits(policy, name):
    x, y = _scenarios.data(name)
    model = _scenarios.build(name)
    model.fit(x, y, batch_size=_scenarios.BATCH_SIZE, epochs=1, verbose=0)
    assert model.predict(x, verbose=0).dtype == np.float32
    assert {w.dtype for w in model.get_weights()} == {np.dtype("float32")}
    if name != "mlp":
        assert np.asarray(model.coef).dtype == np.float64
        assert np.asarray(model.intercept if name == "linear" else model.coef[0]).dtype == np.float64


@pytest.mark.slow
def test_lab_polynomial_still_recovers_6_8_2(policy):
    x, y = data.polynomial_data()
    model = PolynomialRegression(degree=2)
    model.compile()
    model.fit(x, y, epochs=300, batch_size=len(x), verbose=0)
    np.testing.assert_allclose(model.coef, [2.0, 8.0, 6.0], atol=1e-2)


def test_classifier_hidden_layers_use_the_policy_and_logits_stay_float32(policy):
    x, _ = _scenarios.data("mlp")
    model = MLPClassifier(hidden_units=(8,), num_classes=3)
    logits = model(x)
    compute = keras.mixed_precision.dtype_policy().compute_dtype
    assert [layer.compute_dtype for layer in model.hidden_layers] == [compute]
    assert model.output_layer.compute_dtype == "float32"
    assert keras.backend.standardize_dtype(logits.dtype) == "float32"


def tiny_loss(y_true, y_pred):
    """Cross-entropy times 1e-8: its gradients reach the hidden layers at about 1e-10, below float16's 6e-8."""
    return 1e-8 * keras.losses.sparse_categorical_crossentropy(y_true, y_pred, from_logits=True)


def one_step(policy: str, **compile_kwargs):
    """One SGD step of a small classifier on `tiny_loss`; returns (weights before, after, optimizer)."""
    keras.mixed_precision.set_dtype_policy(policy)
    try:
        keras.utils.set_random_seed(0)
        x, y = _scenarios.data("mlp")
        model = MLPClassifier(hidden_units=(8,), num_classes=3)
        # A learning rate of 1e7 turns the 1e-8 loss back into visible steps.
        model.compile(optimizer=keras.optimizers.SGD(1e7), loss=tiny_loss, **compile_kwargs)
        model(x[:1])
        before = model.get_weights()
        model.fit(x, y, batch_size=len(x), epochs=1, verbose=0)
        return before, model.get_weights(), model.optimizer
    finally:
        keras.mixed_precision.set_dtype_policy("float32")


@pytest.mark.slow
def test_loss_scaling_keeps_float16_gradients_from_flushing_to_zero():
    reference_before, reference_after, _ = one_step("float32")
    scaled_before, scaled_after, optimizer = one_step("mixed_float16")
    unscaled_before, unscaled_after, plain = one_step("mixed_float16", auto_scale_loss=False)
    assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
    assert not isinstance(plain, keras.optimizers.LossScaleOptimizer)
    hidden = slice(0, 2)  # [kernel, bias] of the float16 hidden layer; the float32 logits follow
    for before, after in zip(unscaled_before[hidden], unscaled_after[hidden]):
        np.testing.assert_array_equal(after, before)  # every gradient underflowed to zero
    for before, after, ref_before, ref_after in zip(
        scaled_before[hidden], scaled_after[hidden], reference_before[hidden], reference_after[hidden]
    ):
        assert np.abs(after - before).max() > 1e-3
        # The same step float32 takes, within float16's precision.
        np.testing.assert_allclose(after - before, ref_after - ref_before, rtol=0.05, atol=2e-4)
