"""`PredictionPlotLogger`: pictures of what the model predicts, as training goes, in TensorBoard."""

from __future__ import annotations

import io
import math

import numpy as np
import tensorflow as tf

from keras_tape import _validation
from keras_tape.callbacks._writers import SummaryCallback

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
    last epoch. Needs matplotlib (drawn off-screen, no pyplot state).

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
        self.x, self.y = _check_data(data)
        self.every = _validation.check_int(every, "every")
        self.run = _validation.check_choice(run, "run", ("validation", "train"))
        self.max_examples = _validation.check_int(max_examples, "max_examples")
        _matplotlib()  # fail now, not after the first epoch

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
        if getattr(self.model, "num_classes", None):
            figures = _classifier_figures(self.model, self.x, self.y, epoch, self.max_examples)
        else:
            figures = {"fit": _regression_figure(self.model, self.x, self.y, epoch)}
        with self.writers[self.run].as_default(step=epoch):
            for name, figure in figures.items():
                tf.summary.image(f"predictions/{name}", _figure_to_image(figure))
        self.writers.flush()
        self._last_drawn = epoch


# -- data and figures ---------------------------------------------------------


def _check_data(data) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(
            f"`data` must be a tuple (x, y) of inputs and targets, got "
            f"{_validation._describe(data)} of type {type(data).__name__}."
        )
    x = _validation.check_array(data[0], "data[0]", ndim=None)
    y = _validation.check_array(data[1], "data[1]", ndim=None)
    _validation.check_same_length(**{"data[0]": x, "data[1]": y})
    return x, y


def _matplotlib():
    """Returns (Figure, FigureCanvasAgg): off-screen drawing, no pyplot, no global backend."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(
            'PredictionPlotLogger draws with matplotlib: pip install "keras-tape[plot]"'
        ) from error
    return Figure, FigureCanvasAgg


def _new_figure(width: float, height: float):
    figure_class, canvas_class = _matplotlib()
    figure = figure_class(figsize=(width, height), dpi=100, layout="constrained")
    canvas_class(figure)
    return figure


def _figure_to_image(figure) -> tf.Tensor:
    """Renders a figure to a `(1, height, width, 4)` uint8 tensor for `tf.summary.image`."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return tf.image.decode_png(buffer.getvalue(), channels=4)[tf.newaxis]


def _predict(model, x) -> np.ndarray:
    return np.asarray(model.predict(x, batch_size=_PREDICT_BATCH_SIZE, verbose=0))


def _regression_figure(model, x, y, epoch: int):
    figure = _new_figure(6.4, 4.6)
    axes = figure.add_subplot()
    inputs, targets = x.reshape(len(x), -1), y.reshape(len(y), -1)
    if inputs.shape[1] == 1 and targets.shape[1] == 1:
        grid = np.linspace(inputs.min(), inputs.max(), 200, dtype="float32")
        curve = _predict(model, grid.reshape((-1,) + x.shape[1:])).ravel()
        axes.scatter(inputs[:, 0], targets[:, 0], s=20, alpha=0.7, color="tab:blue", label="data")
        axes.plot(grid, curve, color="tab:red", linewidth=2, label="model")
        axes.set_xlabel("x")
        axes.set_ylabel("y")
    else:
        predicted = _predict(model, x).reshape(targets.shape)
        low = float(min(targets.min(), predicted.min()))
        high = float(max(targets.max(), predicted.max()))
        axes.scatter(targets.ravel(), predicted.ravel(), s=20, alpha=0.7, color="tab:blue",
                     label="samples")
        axes.plot([low, high], [low, high], "--", color="tab:gray", label="perfect fit")
        axes.set_xlabel("true y")
        axes.set_ylabel("predicted y")
    title = f"Epoch {epoch + 1}"
    if callable(getattr(model, "equation", None)):
        title += f"\n{model.equation(precision=3)}"
    axes.set_title(title, fontsize=10)
    axes.legend()
    axes.grid(alpha=0.3)
    return figure


def _classifier_figures(model, x, y, epoch: int, max_examples: int) -> dict:
    predicted = _predict(model, x).argmax(axis=-1)
    true = (y.argmax(axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(-1)).astype("int64")
    matrix = _confusion_matrix(true, predicted, int(model.num_classes))
    return {
        "confusion_matrix": _confusion_figure(matrix, epoch),
        "misclassified": _misclassified_figure(x, true, predicted, epoch, max_examples),
    }


def _confusion_matrix(true: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """Counts of (true class, predicted class): rows are true classes, columns predictions."""
    counts = np.bincount(true * classes + predicted, minlength=classes * classes)
    return counts.reshape(classes, classes)


def _confusion_figure(matrix: np.ndarray, epoch: int):
    classes = len(matrix)
    figure = _new_figure(5.6, 5.0)
    axes = figure.add_subplot()
    image = axes.imshow(matrix, cmap="Blues")
    figure.colorbar(image, ax=axes, shrink=0.8, label="examples")
    threshold = matrix.max() / 2
    for true in range(classes):
        for predicted in range(classes):
            count = matrix[true, predicted]
            axes.text(predicted, true, str(count), ha="center", va="center", fontsize=8,
                      color="white" if count > threshold else "black")
    axes.set_xticks(range(classes))
    axes.set_yticks(range(classes))
    axes.set_xlabel("predicted class")
    axes.set_ylabel("true class")
    accuracy = np.trace(matrix) / max(matrix.sum(), 1)
    axes.set_title(
        f"Epoch {epoch + 1}: accuracy {accuracy:.1%} on {matrix.sum()} examples", fontsize=10
    )
    return figure


def _misclassified_figure(x, true, predicted, epoch: int, max_examples: int):
    wrong = np.flatnonzero(true != predicted)
    shown = wrong[:max_examples]
    columns = max(1, math.ceil(math.sqrt(len(shown))))
    rows = max(1, math.ceil(len(shown) / columns))
    figure = _new_figure(1.5 * columns + 0.6, 1.6 * rows + 0.6)
    figure.suptitle(f"Epoch {epoch + 1}: {len(wrong)} of {len(true)} misclassified", fontsize=10)
    if not len(shown):
        figure.text(0.5, 0.5, "no misclassified examples", ha="center", va="center")
    for position, index in enumerate(shown):
        axes = figure.add_subplot(rows, columns, position + 1)
        picture = _as_picture(x[index])
        axes.imshow(picture, cmap="gray_r", aspect="auto" if len(picture) == 1 else "equal")
        axes.set_title(f"true {true[index]} / pred {predicted[index]}", fontsize=8, color="tab:red")
        axes.axis("off")
    return figure


def _as_picture(sample: np.ndarray) -> np.ndarray:
    """A sample as an image: 2-D as is, square vectors (64, 784) as squares, others as one row."""
    sample = np.squeeze(sample)
    if sample.ndim == 3 and sample.shape[-1] in (3, 4):
        return (sample - sample.min()) / max(float(np.ptp(sample)), 1e-12)
    if sample.ndim == 2:
        return sample
    flat = sample.reshape(-1)
    side = math.isqrt(len(flat))
    return flat.reshape(side, side) if side * side == len(flat) else flat.reshape(1, -1)
