"""`SaliencyLogger`: which input pixels move a classifier's logit, as TensorBoard images."""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from keras_tape import _validation
from keras_tape.autodiff import input_gradient, integrated_gradients, smoothgrad
from keras_tape.callbacks._writers import SummaryCallback

# method -> (attribution function of (model, images, classes), TensorBoard tag)
_METHODS = {
    "gradient": (input_gradient, "saliency/maps"),
    "smoothgrad": (smoothgrad, "saliency/smoothgrad"),
    "integrated": (integrated_gradients, "saliency/integrated_gradients"),
}


class SaliencyLogger(SummaryCallback):
    """Logs input-gradient (saliency) maps of a classifier to TensorBoard, beside its inputs.

    The lab's first GradientTape lesson, `tape.watch` on a constant, applied
    to images: every `every` epochs a tape watches the input batch `images`,
    the model computes its logits, and the tape gives the gradient of each
    image's chosen logit with respect to its pixels. The map is its absolute
    value (the largest over colour channels), divided by its largest value,
    so 1 (white) marks the pixel whose change moves the logit most. The
    chosen class is the image's label when `labels` are given, else the
    class the model predicts.

    `method` chooses the map (see `keras_tape.autodiff`): `"gradient"` the
    plain input gradient above; `"smoothgrad"` its average over 25 noisy
    copies of each image (noise 15% of its range), less speckled;
    `"integrated"` the integrated gradients from a black (all-zero) image
    in 50 steps, whose values add up to the logit's change from that image.
    Each is shown as its absolute value, normalised as above.

    Written to `<log_dir>/train` at step = the epoch index: `saliency/inputs`
    (each image scaled to [0, 1]) and the maps, one image per input in the
    same order, under `saliency/maps` (gradient), `saliency/smoothgrad` or
    `saliency/integrated_gradients`; TensorBoard shows the tags side by side. Inputs of
    shape `(n, height, width)` or `(n, height, width, channels)` keep their
    shape; flat inputs of a square length become squares (64 values an 8x8
    digit, 784 a 28x28 MNIST image), other vectors one-pixel-high rows.

    Args:
        log_dir: the run's folder, the `log_dir` of `keras.callbacks.TensorBoard`.
        images: a small batch of inputs, e.g. the first 8 validation images.
        labels: optional integer labels of `images`, shape `(n,)`: the class
            whose logit is differentiated. Default: the predicted class.
        every: write at epochs 0, `every`, `2 * every`, ...; an integer >= 1.
        method: `"gradient"` (default), `"smoothgrad"` or `"integrated"`.

    Example:

    ```python
    x, y = keras_tape.data.load_digits()
    model = keras_tape.models.MLPClassifier(hidden_units=(64,))
    model.compile()
    model.fit(x, y, epochs=10, callbacks=[
        keras_tape.callbacks.SaliencyLogger("runs/digits", images=x[:8], labels=y[:8])])
    ```
    """

    def __init__(self, log_dir, images, labels=None, every: int = 1, method: str = "gradient"):
        super().__init__(log_dir)
        self.method = _validation.check_choice(method, "method", tuple(_METHODS))
        self.images = _validation.check_array(images, "images", ndim=None)
        if self.images.ndim < 2:
            raise ValueError(
                f"`images` must be a batch of inputs, shape (n, ...) with n the number of "
                f"images, got shape {self.images.shape}."
            )
        self.labels = None if labels is None else _check_labels(labels, len(self.images))
        self.every = _validation.check_int(every, "every")
        self._image_shape = _image_shape(self.images.shape[1:])

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        # Check the model and the labels now, not after the first epoch's training.
        logits_shape = tuple(self.model(self.images[:1], training=False).shape)
        if len(logits_shape) != 2:
            raise ValueError(
                f"SaliencyLogger needs a classifier whose output is logits of shape (n, classes), "
                f"got output shape {logits_shape} from {type(self.model).__name__}."
            )
        self._classes = (
            None if self.labels is None else _validation.check_labels(self.labels, logits_shape[-1], "labels")
        )

    def on_epoch_end(self, epoch, logs=None):
        if epoch % self.every:
            return
        inputs = self.images.reshape(len(self.images), *self._image_shape)
        attribute, tag = _METHODS[self.method]
        gradients = attribute(self.model, self.images, self._classes).reshape(inputs.shape)
        maps = np.max(np.abs(gradients), axis=-1, keepdims=True)
        with self.writers["train"].as_default(step=epoch):
            tf.summary.image("saliency/inputs", _scaled_to_unit(inputs), max_outputs=len(inputs))
            tf.summary.image(tag, _scaled_to_unit(maps, from_zero=True), max_outputs=len(maps))
        self.writers.flush()


def _check_labels(labels, count: int) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.shape != (count,):
        raise ValueError(f"`labels` must hold one integer label per image, shape ({count},), got shape {labels.shape}.")
    return labels


def _image_shape(sample_shape: tuple[int, ...]) -> tuple[int, int, int]:
    """(height, width, channels) to show a sample of `sample_shape` as an image."""
    if len(sample_shape) == 3 and sample_shape[-1] in (1, 3, 4):
        return sample_shape
    if len(sample_shape) == 2:
        return (*sample_shape, 1)
    size = math.prod(sample_shape)
    side = math.isqrt(size)
    return (side, side, 1) if side * side == size else (1, size, 1)


def _scaled_to_unit(images: np.ndarray, from_zero: bool = False) -> np.ndarray:
    """Each image mapped to [0, 1], from its minimum (or 0) to its maximum; a flat one to 0."""
    axes = tuple(range(1, images.ndim))
    bottom = 0.0 if from_zero else images.min(axis=axes, keepdims=True)
    span = images.max(axis=axes, keepdims=True) - bottom
    return ((images - bottom) / np.where(span > 0, span, 1.0) * (span > 0)).astype("float32")
