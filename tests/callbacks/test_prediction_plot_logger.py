"""PredictionPlotLogger's images: when they are drawn, where they go, what they show."""

import numpy as np
import pytest
import tensorflow as tf

from keras_tape import data
from keras_tape.callbacks import PredictionPlotLogger
from keras_tape.models import LinearRegression, MLPClassifier, PolynomialRegression


def decoded(events, tag):
    """[(step, image array)] of an image tag; the tensor holds width, height, PNG bytes."""
    images = []
    for step, value in events[tag]:
        width, height, png = value
        image = tf.image.decode_png(png).numpy()
        assert image.shape[:2] == (int(height), int(width))
        images.append((step, image))
    return images


@pytest.mark.slow
def test_regression_fit_is_drawn_every_n_epochs_and_after_the_last(tmp_path, read_events):
    x, y = data.polynomial_data(noise=2.0, seed=0)
    model = PolynomialRegression(degree=2)
    model.compile()
    model.fit(
        x,
        y,
        epochs=6,
        batch_size=len(x),
        verbose=0,
        callbacks=[PredictionPlotLogger(tmp_path, (x, y), every=4, run="train")],
    )

    images = decoded(read_events(tmp_path / "train"), "predictions/fit")
    assert [step for step, _ in images] == [0, 4, 5]
    image = images[-1][1]
    assert image.shape[2] == 4 and image[..., :3].std() > 10  # a drawing, not a blank
    assert not (tmp_path / "validation").exists()


def test_several_features_are_drawn_as_predicted_against_true(tmp_path, read_events):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 3)).astype("float32")
    y = x.sum(axis=1)
    model = LinearRegression()
    model.compile()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[PredictionPlotLogger(tmp_path, (x, y))])
    assert [step for step, _ in decoded(read_events(tmp_path / "validation"), "predictions/fit")] == [0]


@pytest.mark.slow
def test_classifier_gets_a_confusion_matrix_and_misclassified_examples(tmp_path, read_events):
    x, y = data.load_digits()
    x_train, y_train, x_val, y_val = x[:300], y[:300], x[300:400], y[300:400]
    model = MLPClassifier(hidden_units=(8,))
    model.compile()
    model.fit(
        x_train,
        y_train,
        epochs=2,
        batch_size=100,
        verbose=0,
        validation_data=(x_val, y_val),
        callbacks=[PredictionPlotLogger(tmp_path, (x_val, y_val), every=1)],
    )

    events = read_events(tmp_path / "validation")
    for tag in ("predictions/confusion_matrix", "predictions/misclassified"):
        assert [step for step, _ in decoded(events, tag)] == [0, 1]


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"data": np.zeros(3)}, TypeError, r"`data` must be a tuple \(x, y\)"),
        ({"data": (np.zeros(3), np.zeros(4))}, ValueError, "same number of samples"),
        ({"every": 0}, ValueError, "`every` must be an integer >= 1, got 0"),
        ({"run": "test"}, ValueError, "`run` must be one of 'validation', 'train', got 'test'"),
    ],
)
def test_arguments_are_validated(tmp_path, kwargs, error, message):
    with pytest.raises(error, match=message):
        PredictionPlotLogger(**{"log_dir": tmp_path, "data": (np.zeros(3), np.zeros(3)), **kwargs})
