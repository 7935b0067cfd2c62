"""`PredictionPlotLogger`: pictures of what the model predicts, as training goes, in TensorBoard."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from keras_tape import _validation
from keras_tape.callbacks._writers import SummaryCallback, load_plots

_PREDICT_BATCH_SIZE = 1024


class PredictionPlotLogger(SummaryCallback):
    """Draws the model's predictions on `data` every few epochs, as TensorBoard images.

    For a regression on one input it draws the data points and the fitted
    line or curve, titled with the epoch and the model's `equation()`
    (`predictions/fit`); with several inputs or outputs it draws predicted
    against true values. For a classifier (a model with a `num_classes`
    attribute, such as `MLPClassifier`) it draws the confusion matrix
    (`predictions/confusion_matrix`) and a grid of up to `max_examples`
    misclassified examples labelled "true / pred"
    (`predictions/misclassified`). Images go to `<log_dir>/<run>` at step =
    the epoch index, at epochs 0, `every`, `2 * every`, ... and after the
    last epoch. It draws with `keras_tape.plots` (off-screen, no pyplot
    state), so it needs matplotlib.

    Args:
        log_dir: the run's folder, the `log_dir` of `keras.callbacks.TensorBoard`.
        data: a tuple `(x, y)` of inputs and targets (class labels, or one-hot
            rows, for a classifier), usually held-out data.
        every: epochs between two drawings, an integer >= 1.
        run: `"validation"` (default) or `"train"`: the sub-run the images go
            to, after what `data` is.
        max_examples: most misclassified examples in the grid.

    Example:

    ```python
    x, y = keras_tape.data.polynomial_data(noise=5.0, seed=0)
    model = keras_tape.models.PolynomialRegression(degree=2)
    model.compile()
    plots = keras_tape.callbacks.PredictionPlotLogger(
        "runs/poly", data=(x, y), every=10, run="train")
    model.fit(x, y, epochs=100, batch_size=len(x), verbose=0, callbacks=[plots])
    ```
    """

    def __init__(self, log_dir, data, every: int = 1, run: str = "validation", max_examples: int = 16):
        super().__init__(log_dir)
        self.x, self.y = _validation.check_data_pair(data)
        self.every = _validation.check_int(every, "every")
        self.run = _validation.check_choice(run, "run", ("validation", "train"))
        self.max_examples = _validation.check_int(max_examples, "max_examples")
        load_plots()  # without matplotlib, fail now, not after the first epoch

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self._last_epoch = self._last_drawn = None

    def on_epoch_end(self, epoch, logs=None):
        self._last_epoch = epoch
        if epoch % self.every == 0:
            self._draw(epoch)

    def on_train_end(self, logs=None):
        if self._last_epoch is not None and self._last_drawn != self._last_epoch:
            self._draw(self._last_epoch)
        super().on_train_end(logs)

    def _draw(self, epoch: int) -> None:
        title = f"Epoch {epoch + 1}"
        if getattr(self.model, "num_classes", None):
            figures = _classifier_figures(self.model, self.x, self.y, title, self.max_examples)
        else:
            figures = {"fit": _regression_figure(self.model, self.x, self.y, title)}
        with self.writers[self.run].as_default(step=epoch):
            for name, figure in figures.items():
                png = load_plots().figure_to_bytes(figure)
                tf.summary.image(f"predictions/{name}", tf.image.decode_png(png, channels=4)[tf.newaxis])
        self.writers.flush()
        self._last_drawn = epoch


# -- data and figures ---------------------------------------------------------


def _predict(model, x) -> np.ndarray:
    return np.asarray(model.predict(x, batch_size=_PREDICT_BATCH_SIZE, verbose=0))


def _regression_figure(model, x: np.ndarray, y: np.ndarray, title: str):
    if callable(getattr(model, "equation", None)):
        title += f"\n{model.equation(precision=3)}"
    inputs, targets = x.reshape(len(x), -1), y.reshape(len(y), -1)
    if inputs.shape[1] == 1 and targets.shape[1] == 1:

        def curve(grid: np.ndarray) -> np.ndarray:
            # The plot's grid is float64 of shape (points,); the model takes x's sample shape.
            return _predict(model, grid.astype("float32").reshape((-1,) + x.shape[1:]))

        return load_plots().regression_figure(inputs, targets, {"model": curve}, title=title)
    return load_plots().predicted_vs_true_figure(targets, _predict(model, x).reshape(targets.shape), title=title)


def _classifier_figures(model, x: np.ndarray, y: np.ndarray, title: str, max_examples: int) -> dict:
    predicted = _predict(model, x).argmax(axis=-1)
    # Targets are labels, or one-hot rows for a model compiled with MSE as in the lab.
    true = (y.argmax(axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(-1)).astype("int64")
    plots = load_plots()
    return {
        "confusion_matrix": plots.confusion_matrix_figure(true, predicted, int(model.num_classes), title=title),
        "misclassified": plots.misclassified_figure(x, true, predicted, max_examples, title=title),
    }
