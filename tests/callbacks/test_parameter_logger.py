"""ParameterLogger's coefficient curves and equation text against the model's own history."""

import keras
import numpy as np
import pytest

from keras_tape import data
from keras_tape.callbacks import ParameterLogger
from keras_tape.models import LinearRegression, MLPClassifier, PolynomialRegression


def fit_recording(model, x, y, log_dir, epochs, record):
    """Fits with a ParameterLogger and a tiny callback that records `record(model)` each epoch."""
    history = []
    recorder = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: history.append(record(model))
    )
    model.compile()
    model.fit(x, y, epochs=epochs, batch_size=len(x), verbose=0,
              callbacks=[ParameterLogger(log_dir, histogram_freq=2), recorder])
    return history


def values(events, tag):
    return [float(value) for _, value in events[tag]]


def test_polynomial_coefficients_follow_coef_epoch_by_epoch(tmp_path, read_events):
    x, y = data.polynomial_data()
    model = PolynomialRegression(degree=2)
    history = fit_recording(model, x, y, tmp_path, 5, lambda m: (m.coef.copy(), m.equation()))

    events = read_events(tmp_path / "train")
    for power in range(3):
        steps = [step for step, _ in events[f"coefficients/c{power}"]]
        assert steps == [0, 1, 2, 3, 4]
        expected = [coef[power] for coef, _ in history]
        np.testing.assert_allclose(values(events, f"coefficients/c{power}"), expected, rtol=1e-6)
    texts = [value.item().decode() for _, value in events["equation"]]
    assert [text.strip() for text in texts] == [equation for _, equation in history]
    assert texts[-1].startswith("    y = ")  # a Markdown code block, so "*" is no emphasis
    kernel = f"weights/{model.kernel.path}/histogram"
    assert [step for step, _ in events[kernel]] == [0, 2, 4]


def test_linear_slopes_and_intercept_end_at_the_fitted_values(tmp_path, read_events):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 2)).astype("float32")
    y = x @ np.array([2.0, -3.0], "float32") + 0.5
    model = LinearRegression()
    fit_recording(model, x, y, tmp_path, 3, lambda m: None)

    events = read_events(tmp_path / "train")
    assert {tag for tag in events if tag.startswith("coefficients/")} == {
        "coefficients/slope_x1", "coefficients/slope_x2", "coefficients/intercept"
    }
    np.testing.assert_allclose(
        [values(events, f"coefficients/slope_x{i}")[-1] for i in (1, 2)], model.coef, rtol=1e-6
    )
    np.testing.assert_allclose(values(events, "coefficients/intercept")[-1], model.intercept, rtol=1e-6)


def test_single_feature_linear_regression_names_its_slope(tmp_path, read_events):
    x, y = data.linear_data(n=20)
    fit_recording(LinearRegression(), x, y, tmp_path, 1, lambda m: None)
    assert {"coefficients/slope", "coefficients/intercept"} <= set(read_events(tmp_path / "train"))


def test_other_models_get_weight_histograms_only(tmp_path, blobs, read_events):
    x, y = blobs
    model = MLPClassifier(hidden_units=(4,), num_classes=3)
    fit_recording(model, x, y, tmp_path, 1, lambda m: None)
    tags = set(read_events(tmp_path / "train"))
    assert tags == {f"weights/{v.path}/histogram" for v in model.trainable_variables}


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"log_dir": ""}, ValueError, "`log_dir` must be a non-empty path"),
        ({"log_dir": None}, TypeError, "`log_dir` must be a path"),
        ({"histogram_freq": "1"}, TypeError, "`histogram_freq` must be an integer >= 0"),
    ],
)
def test_arguments_are_validated(tmp_path, kwargs, error, message):
    with pytest.raises(error, match=message):
        ParameterLogger(**{"log_dir": tmp_path, **kwargs})
