"""SaliencyLogger's images: the input gradients the event files hold, recomputed by hand."""

import numpy as np
import pytest
import tensorflow as tf

from keras_tape import data
from keras_tape.callbacks import SaliencyLogger
from keras_tape.models import MLPClassifier

# tf.summary.image stores [0, 1] floats as 8-bit PNG: within one level.
QUANTUM = 1 / 255 + 1e-5


def decoded(events, tag):
    """[(step, images (n, height, width, channels) in [0, 1])] of an image tag."""
    images = []
    for step, (width, height, *pngs) in events[tag]:
        batch = np.stack([tf.image.decode_png(png).numpy() for png in pngs]) / 255.0
        assert batch.shape[1:3] == (int(height), int(width))
        images.append((step, batch))
    return images


def input_gradient_map(model, image, label=None):
    """|d logit / d image| / its max for one image, with its own tape, as in the lab's first cell."""
    image = tf.constant(image[np.newaxis])
    with tf.GradientTape() as tape:
        tape.watch(image)
        logits = model(image)[0]
        chosen = logits[int(np.argmax(logits)) if label is None else int(label)]
    magnitude = np.abs(tape.gradient(chosen, image).numpy()[0])
    return magnitude / magnitude.max()


@pytest.fixture(scope="module")
def digits():
    x, y = data.load_digits()
    return x[:300], y[:300], x[300:304], y[300:304]


@pytest.mark.slow
@pytest.mark.parametrize("with_labels", [False, True])
def test_maps_are_the_normalised_input_gradients(tmp_path, read_events, digits, with_labels):
    x, y, images, labels = digits
    labels = (labels + 1) % 10  # not the classes the model predicts: the labels must decide
    model = MLPClassifier(hidden_units=(8,))
    model.compile()
    logger = SaliencyLogger(tmp_path, images, labels=labels if with_labels else None)
    model.fit(x, y, epochs=1, batch_size=100, verbose=0, callbacks=[logger])

    events = read_events(tmp_path / "train")
    [(step, maps)] = decoded(events, "saliency/maps")
    [(_, inputs)] = decoded(events, "saliency/inputs")
    assert step == 0 and maps.shape == inputs.shape == (4, 8, 8, 1)
    for i, image in enumerate(images):
        expected = input_gradient_map(model, image, labels[i] if with_labels else None)
        np.testing.assert_allclose(maps[i, ..., 0], expected, atol=QUANTUM)
        scaled = (image - image.min()) / (image.max() - image.min())
        np.testing.assert_allclose(inputs[i, ..., 0], scaled, atol=QUANTUM)
    predicted = model.predict(images, verbose=0).argmax(axis=-1)
    assert (predicted != labels).any()


@pytest.mark.slow
def test_flat_inputs_are_squares_or_rows_and_every_n_epochs(tmp_path, read_events, blobs, digits):
    x, y = blobs  # 6 features: no square, shown as 1 x 6 rows
    model = MLPClassifier(hidden_units=(4,), num_classes=3)
    model.compile()
    model.fit(x, y, epochs=3, verbose=0, callbacks=[SaliencyLogger(tmp_path / "rows", x[:3], every=2)])
    maps = decoded(read_events(tmp_path / "rows" / "train"), "saliency/maps")
    assert [step for step, _ in maps] == [0, 2] and maps[0][1].shape == (3, 1, 6, 1)

    x, y, images, _ = digits
    flat = x.reshape(len(x), 64)  # 64 values: 8 x 8 squares again
    model = MLPClassifier(hidden_units=(4,))
    model.compile()
    model.fit(flat, y, epochs=1, verbose=0, callbacks=[SaliencyLogger(tmp_path / "flat", images.reshape(4, 64))])
    [(_, maps)] = decoded(read_events(tmp_path / "flat" / "train"), "saliency/maps")
    assert maps.shape == (4, 8, 8, 1)
    np.testing.assert_allclose(
        maps[0, ..., 0], input_gradient_map(model, images[0].reshape(64)).reshape(8, 8), atol=QUANTUM
    )


def integrated_gradient_map(model, image, label, steps=50):
    """|integrated gradients| / its max for one image from a black one: trapezoid rule, own tape per step."""
    total = np.zeros_like(image, dtype="float64")
    for k in range(steps + 1):
        point = tf.constant(image[np.newaxis] * (k / steps))
        with tf.GradientTape() as tape:
            tape.watch(point)
            chosen = model(point)[0, int(label)]
        total += tape.gradient(chosen, point).numpy()[0] * (0.5 if k in (0, steps) else 1.0) / steps
    magnitude = np.abs(image * total)
    return magnitude / magnitude.max()


@pytest.mark.slow
def test_integrated_and_smoothgrad_maps(tmp_path, read_events, digits):
    x, y, images, labels = digits
    model = MLPClassifier(hidden_units=(8,))
    model.compile()
    model.fit(
        x,
        y,
        epochs=1,
        batch_size=100,
        verbose=0,
        callbacks=[
            SaliencyLogger(tmp_path, images, labels=labels, method="integrated"),
            SaliencyLogger(tmp_path, images, labels=labels, method="smoothgrad"),
        ],
    )
    events = read_events(tmp_path / "train")
    [(_, maps)] = decoded(events, "saliency/integrated_gradients")
    for i, image in enumerate(images):
        np.testing.assert_allclose(maps[i, ..., 0], integrated_gradient_map(model, image, labels[i]), atol=QUANTUM)
    [(_, smooth)] = decoded(events, "saliency/smoothgrad")
    # Averaged over noisy copies: close to, not equal to, the plain gradient.
    plain = np.stack([input_gradient_map(model, image, label) for image, label in zip(images, labels)])
    assert smooth.shape == (4, 8, 8, 1) and smooth.max() == 1.0
    assert 0 < np.abs(smooth[..., 0] - plain).mean() < 0.25
    assert "saliency/maps" not in events


def test_labels_outside_the_models_classes_are_refused_before_training(tmp_path, blobs):
    x, y = blobs
    model = MLPClassifier(hidden_units=(4,), num_classes=3)
    model.compile()
    logger = SaliencyLogger(tmp_path, x[:2], labels=[0, 3])
    with pytest.raises(ValueError, match=r"`labels` must hold class labels in \[0, 3\), got values from 0 to 3"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[logger])
    assert int(model.optimizer.iterations.numpy()) == 0


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"log_dir": None}, TypeError, "`log_dir` must be a path"),
        ({"images": np.zeros(4)}, ValueError, r"`images` must be a batch of inputs, .* got shape \(4,\)"),
        ({"images": [["a"]]}, TypeError, "`images` must be a numeric array"),
        ({"labels": [0, 1]}, ValueError, r"`labels` must hold one integer label per image, shape \(3,\)"),
        ({"every": 0}, ValueError, "`every` must be an integer >= 1, got 0"),
        ({"method": "occlusion"}, ValueError, "`method` must be one of 'gradient', 'smoothgrad', 'integrated'"),
    ],
)
def test_arguments_are_validated(tmp_path, kwargs, error, message):
    with pytest.raises(error, match=message):
        SaliencyLogger(**{"log_dir": tmp_path, "images": np.zeros((3, 8, 8)), **kwargs})
