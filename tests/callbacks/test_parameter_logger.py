"""ParameterLogger's coefficient curves and equation text against the model's own history."""

import keras
import numpy as np
import pytest

import keras_tape
from keras_tape import data
from keras_tape.callbacks import ParameterLogger
from keras_tape.models import LinearRegression, MLPClassifier, PolynomialRegression


def fit_recording(model, x, y, log_dir, epochs, record, **compile_kwargs):
    """Fits with a ParameterLogger and a tiny callback that records `record(model)` each epoch."""
    history = []
    recorder = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: history.append(record(model)))
    model.compile(**compile_kwargs)
    model.fit(
        x,
        y,
        epochs=epochs,
        batch_size=len(x),
        verbose=0,
        callbacks=[ParameterLogger(log_dir, histogram_freq=2), recorder],
    )
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


@pytest.mark.slow
def test_polynomial_coefficients_end_at_least_squares(tmp_path, read_events):
    x, y = data.polynomial_data(noise=3.0, seed=1)
    fit_recording(PolynomialRegression(degree=2), x, y, tmp_path, 100, lambda m: None)
    expected = np.polynomial.polynomial.polyfit(np.float64(x), np.float64(y), 2)  # c0, c1, c2
    events = read_events(tmp_path / "train")
    logged = [values(events, f"coefficients/c{power}")[-1] for power in range(3)]
    np.testing.assert_allclose(logged, expected, rtol=1e-3, atol=1e-3)


@pytest.mark.slow
def test_linear_slopes_and_intercept_end_at_least_squares(tmp_path, read_events):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 2)).astype("float32")
    y = x @ np.array([2.0, -3.0], "float32") + 0.5 + rng.normal(scale=0.3, size=40).astype("float32")
    model = LinearRegression()
    fit_recording(model, x, y, tmp_path, 60, lambda m: None)

    design = np.column_stack([np.float64(x), np.ones(len(x))])
    slope_1, slope_2, intercept = np.linalg.lstsq(design, np.float64(y), rcond=None)[0]
    events = read_events(tmp_path / "train")
    assert {tag for tag in events if tag.startswith("coefficients/")} == {
        "coefficients/slope_x1",
        "coefficients/slope_x2",
        "coefficients/intercept",
    }
    np.testing.assert_allclose(
        [values(events, f"coefficients/slope_x{i}")[-1] for i in (1, 2)], [slope_1, slope_2], rtol=1e-4
    )
    np.testing.assert_allclose(values(events, "coefficients/intercept")[-1], intercept, rtol=1e-4)


def test_several_outputs_get_one_level_each(tmp_path, read_events):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(30, 1)).astype("float32")
    y = np.column_stack([3 * x[:, 0] + 1, -2 * x[:, 0]]).astype("float32")
    model = LinearRegression(units=2)
    # Whitened, with the MSE averaged over two outputs, the loss's Hessian is I: one step of 1.0 lands.
    fit_recording(model, x, y, tmp_path, 3, lambda m: None, optimizer=keras.optimizers.SGD(1.0))
    events = read_events(tmp_path / "train")
    logged = {tag: values(events, tag)[-1] for tag in events if tag.startswith("coefficients/")}
    assert set(logged) == {f"coefficients/y{j}/{name}" for j in (1, 2) for name in ("slope", "intercept")}
    np.testing.assert_allclose(
        [
            logged["coefficients/y1/slope"],
            logged["coefficients/y1/intercept"],
            logged["coefficients/y2/slope"],
            logged["coefficients/y2/intercept"],
        ],
        [3.0, 1.0, -2.0, 0.0],
        atol=1e-4,
    )


def test_single_feature_linear_regression_names_its_slope(tmp_path, read_events):
    x, y = data.linear_data(n=20)
    fit_recording(LinearRegression(), x, y, tmp_path, 1, lambda m: None)
    assert {"coefficients/slope", "coefficients/intercept"} <= set(read_events(tmp_path / "train"))


@pytest.mark.slow
def test_other_models_get_weight_histograms_only(tmp_path, blobs, read_events):
    x, y = blobs
    model = MLPClassifier(hidden_units=(4,), num_classes=3)
    fit_recording(model, x, y, tmp_path, 1, lambda m: None)
    tags = set(read_events(tmp_path / "train"))
    assert tags == {f"weights/{v.path}/histogram" for v in model.trainable_variables}


class Line(keras_tape.TapeModel):
    """A user's TapeModel that names its own coefficients."""

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(), initializer="zeros")
        self.b = self.add_weight(name="b", shape=(), initializer="zeros")

    def call(self, x):
        return self.w * x + self.b

    def named_coefficients(self):
        return {"w": self.w.numpy(), "b": self.b.numpy()}


def test_any_tape_model_with_named_coefficients_gets_them_logged(tmp_path, read_events):
    x = np.linspace(-1, 1, 16).astype("float32")
    y = 4 * x - 1
    model = Line()
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
    history = []
    model.fit(
        x,
        y,
        epochs=3,
        batch_size=16,
        verbose=0,
        callbacks=[
            ParameterLogger(tmp_path, histogram_freq=0),
            keras.callbacks.LambdaCallback(
                on_epoch_end=lambda e, logs: history.append((float(model.w.numpy()), float(model.b.numpy())))
            ),
        ],
    )
    events = read_events(tmp_path / "train")
    assert set(events) == {"coefficients/w", "coefficients/b"}
    np.testing.assert_allclose(values(events, "coefficients/w"), [w for w, _ in history], rtol=1e-6)
    np.testing.assert_allclose(values(events, "coefficients/b"), [b for _, b in history], rtol=1e-6)


def test_named_coefficients_of_the_wrong_kind_are_refused(tmp_path):
    class Unnamed(Line):
        def named_coefficients(self):
            return [self.w.numpy()]

    model = Unnamed()
    model.compile(optimizer="sgd", loss="mse")
    x = np.zeros(4, "float32")
    with pytest.raises(TypeError, match=r"`Unnamed.named_coefficients\(\)` must return a dict"):
        model.fit(x, x, epochs=1, verbose=0, callbacks=[ParameterLogger(tmp_path)])


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
