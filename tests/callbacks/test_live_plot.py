"""`LivePlot` outside a notebook: what it draws equals what `fit` did, saved to a PNG when asked."""

import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_tape
from keras_tape.callbacks import LivePlot


@pytest.fixture
def curve():
    return keras_tape.data.polynomial_data(noise=5.0, seed=0)


def fit_polynomial(x, y, live, epochs=4, **fit_kwargs):
    model = keras_tape.models.PolynomialRegression(degree=2)
    model.compile()
    coefficients, norms = [], []

    def gradient_norm(batch, logs=None):
        # The norm the step is about to see: an independent tape on the same weights and batch.
        with tf.GradientTape() as tape:
            loss = model.compute_loss(x, tf.constant(y), model(tf.constant(x), training=True))
        norms.append(float(tf.linalg.global_norm(tape.gradient(loss, model.trainable_variables))))

    reference = keras.callbacks.LambdaCallback(
        on_train_batch_begin=gradient_norm,
        on_epoch_end=lambda epoch, logs: coefficients.append(model.coef.copy()),
    )
    history = model.fit(x, y, epochs=epochs, batch_size=len(x), verbose=0, callbacks=[reference, live], **fit_kwargs)
    return model, history, np.array(coefficients), np.array(norms)


@pytest.mark.slow
def test_saves_a_png_whose_lines_are_the_history(curve, tmp_path):
    path = tmp_path / "live.png"
    live = LivePlot(every=2, path=path, data=curve)
    model, history, coefficients, norms = fit_polynomial(*curve, live, epochs=5)
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    loss_axes, norm_axes, coef_axes, fit_axes = live.figure.axes
    np.testing.assert_allclose(loss_axes.lines[0].get_ydata(), history.history["loss"], rtol=1e-6)
    np.testing.assert_allclose(live.history["loss"], history.history["loss"], rtol=1e-6)
    np.testing.assert_allclose(norm_axes.lines[0].get_ydata(), norms, rtol=1e-4)
    # One line per coefficient c0, c1, c2, each its trajectory over the epochs.
    assert [line.get_label() for line in coef_axes.lines] == ["c0", "c1", "c2"]
    for k, line in enumerate(coef_axes.lines):
        np.testing.assert_allclose(line.get_ydata(), coefficients[:, k], rtol=1e-5)
    # The fitted curve is the model's polynomial.
    grid, values = fit_axes.lines[0].get_data()
    np.testing.assert_allclose(values, np.polynomial.polynomial.polyval(grid, model.coef), rtol=1e-4, atol=1e-3)
    assert fit_axes.get_title() == model.equation(precision=3)
    assert live.figure.get_suptitle() == "epoch 5"


@pytest.mark.slow
def test_validation_curves_and_metrics_get_their_panels(tmp_path):
    x, y = keras_tape.data.linear_data(noise=1.0, seed=0)
    model = keras_tape.models.LinearRegression()
    model.compile(metrics=["mae"])
    live = LivePlot(path=tmp_path / "line.png")
    history = model.fit(x, y, epochs=3, batch_size=25, validation_split=0.2, verbose=0, callbacks=[live])
    titles = [axes.get_title() for axes in live.figure.axes]
    assert titles[:2] == ["loss", "mae"]
    mae_axes = live.figure.axes[1]
    assert [line.get_label() for line in mae_axes.lines] == ["train", "validation"]
    np.testing.assert_allclose(mae_axes.lines[1].get_ydata(), history.history["val_mae"], rtol=1e-6)
    labels = [line.get_label() for line in live.figure.axes[3].lines]
    assert labels == ["intercept", "slope"]
    assert len(live.history["gradient_norm"]) == 3


@pytest.mark.slow
def test_a_classifier_gets_no_coefficient_or_fit_panel(blobs, tmp_path):
    x, y = blobs
    model = keras_tape.models.MLPClassifier(hidden_units=(8,), num_classes=3)
    model.compile()
    live = LivePlot(path=tmp_path / "mlp.png", data=(x, y))
    model.fit(x, y, epochs=2, verbose=0, callbacks=[live])
    assert [axes.get_title() for axes in live.figure.axes] == ["loss", "accuracy", "gradient global norm (epoch mean)"]
    assert not model._gradient_observers  # removed when fit ended


def test_outside_a_notebook_without_path_draws_nothing(curve, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    live = LivePlot()
    fit_polynomial(*curve, live, epochs=2)
    assert live.figure is None
    assert list(tmp_path.iterdir()) == []
    assert len(live.history["loss"]) == 2  # still recorded


def test_a_stock_keras_model_gets_curves_without_gradient_norms(tmp_path):
    x, y = keras_tape.data.linear_data(n=20)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    live = LivePlot(path=tmp_path / "stock.png")
    model.fit(x, y, epochs=2, verbose=0, callbacks=[live])
    assert [axes.get_title() for axes in live.figure.axes] == ["loss"]


def test_without_matplotlib_it_names_the_extra_to_install(monkeypatch):
    monkeypatch.delitem(sys.modules, "keras_tape.plots", raising=False)
    monkeypatch.delattr(keras_tape, "plots", raising=False)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.backends.backend_agg", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r'pip install "keras-tape\[notebook\]"'):
        LivePlot()


def test_without_ipython_and_without_path_it_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "IPython", None)
    with pytest.raises(ImportError, match=r'IPython: pip install "keras-tape\[notebook\]"'):
        LivePlot()
    assert LivePlot(path=tmp_path / "ok.png").path.endswith("ok.png")


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"every": 0}, ValueError, "`every` must be"),
        ({"every": 1.5}, TypeError, "`every` must be an integer"),
        ({"path": "live.jpg"}, ValueError, r"`path` must be a \.png file, got 'live\.jpg'"),
        ({"path": 3}, TypeError, "`path` must be a path"),
        ({"data": [1, 2, 3]}, TypeError, r"`data` must be a tuple \(x, y\)"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, error, message):
    with pytest.raises(error, match=message):
        LivePlot(**kwargs)
