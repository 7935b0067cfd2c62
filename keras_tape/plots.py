"""Figures of fitted models: data with fitted lines, confusion matrices, misclassified images.

The `*_figure` functions build a `matplotlib.figure.Figure` through
matplotlib's object API on an off-screen Agg canvas (no `pyplot`, so no
global figure state and no GUI backend: safe in threads and in callbacks) and
return it; the `draw_*` functions draw on a figure or subfigure you give them,
to compose your own; `figure_to_bytes` renders a figure in memory (PNG for
TensorBoard images) and `save_figure` writes it to a file. The command
`keras-tape` and `keras_tape.callbacks.PredictionPlotLogger` draw with them.
They need matplotlib (`pip install "keras-tape[plot]"`).

Example:

```python
import keras_tape.plots

x, y = keras_tape.data.linear_data(noise=1.0, seed=0)
figure = keras_tape.plots.regression_figure(x, y, {"fit": lambda t: 6.1 * t + 1.4})
keras_tape.plots.save_figure(figure, "fit.png")
```
"""

from __future__ import annotations

import io
import itertools
import math
import os
from collections.abc import Callable, Mapping

import numpy as np
from numpy.typing import ArrayLike

from keras_tape import _validation

try:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure, SubFigure
except ImportError as _error:  # matplotlib is an optional dependency
    raise ImportError('keras_tape.plots needs matplotlib: pip install "keras-tape[plot]"') from _error

Curve = Callable[[np.ndarray], ArrayLike]

# Solid, dashed, dotted, thinner on top: lines that coincide (a fit and the
# truth, or two methods reaching the same optimum) all stay visible.
_LINE_STYLES = (("-", 3.5), ("--", 2.0), (":", 2.5))
_CURVE_POINTS = 200
_FORMATS = sorted(FigureCanvasAgg.get_supported_filetypes())


# ------------------------------------------------------------------ regression


def regression_figure(
    x: ArrayLike,
    y: ArrayLike,
    curves: Mapping[str, Curve],
    title: str | None = None,
) -> Figure:
    """Plots the data points and one fitted line or curve per entry of `curves`.

    Args:
        x: inputs, shape `(n,)` or `(n, 1)`.
        y: targets, shape `(n,)` or `(n, 1)`.
        curves: legend label -> function mapping an array of x, shape `(200,)`,
            to the model's y there (e.g.
            `lambda t: model.predict(t, verbose=0)[:, 0]`). Each is drawn on a
            fine grid across the range of `x`, so curves look smooth; the
            first solid, the next dashed, then dotted.
        title: the axes' title; it may span lines (e.g. the epoch, then the
            equation).

    Returns:
        The figure.

    Example:

    ```python
    figure = regression_figure([0, 1, 2], [1, 3, 5], {"y = 2x + 1": lambda t: 2 * t + 1})
    ```
    """
    figure = _new_figure(6.4, 4.6)
    draw_regression(figure.add_subplot(), x, y, curves, title)
    return figure


def draw_regression(axes, x: ArrayLike, y: ArrayLike, curves: Mapping[str, Curve], title: str | None = None) -> None:
    """Draws the data points and the fitted curves of `regression_figure` on existing axes.

    Args:
        axes: the `matplotlib.axes.Axes` to draw on.
        x: inputs, shape `(n,)` or `(n, 1)`.
        y: targets, shape `(n,)` or `(n, 1)`.
        curves: legend label -> function of x, as `regression_figure` takes them.
        title: the axes' title.

    Example:

    ```python
    draw_regression(figure.add_subplot(1, 2, 1), x, y, {"fit": model_curve})
    ```
    """
    x = _one_column(x, "x")
    y = _one_column(y, "y")
    _validation.check_same_length(x=x, y=y)
    if not isinstance(curves, Mapping):
        raise TypeError(
            f"`curves` must be a mapping of legend label -> function of x, got "
            f"{_validation._describe(curves)} of type {type(curves).__name__}."
        )
    axes.scatter(x, y, s=14, color="0.45", label="data", zorder=1)
    grid = np.linspace(x.min(), x.max(), _CURVE_POINTS)
    for (label, curve), (style, width) in zip(curves.items(), itertools.cycle(_LINE_STYLES)):
        axes.plot(grid, _curve_values(curve, grid, label), linestyle=style, linewidth=width, label=label)
    axes.set_xlabel("x")
    axes.set_ylabel("y")
    _finish(axes, title)


def predicted_vs_true_figure(y_true: ArrayLike, y_pred: ArrayLike, title: str | None = None) -> Figure:
    """Plots predicted against true targets, with the diagonal a perfect model would lie on.

    For regressions a single `regression_figure` cannot show: several inputs
    or several outputs (every output is one more point per sample).

    Args:
        y_true: the targets, shape `(n,)` or `(n, outputs)`.
        y_pred: the predictions, the shape of `y_true`.
        title: the axes' title.

    Returns:
        The figure.

    Example:

    ```python
    figure = predicted_vs_true_figure(y, model.predict(x, verbose=0).reshape(y.shape))
    ```
    """
    y_true = _validation.check_array(y_true, "y_true", ndim=(1, 2), dtype="float64")
    y_pred = _validation.check_array(y_pred, "y_pred", ndim=(1, 2), dtype="float64")
    if y_pred.shape != y_true.shape:
        raise ValueError(f"`y_pred` must have the shape of `y_true`, {y_true.shape}, got shape {y_pred.shape}.")
    figure = _new_figure(6.4, 4.6)
    axes = figure.add_subplot()
    axes.scatter(y_true.ravel(), y_pred.ravel(), s=14, color="0.45", label="samples", zorder=1)
    low, high = min(y_true.min(), y_pred.min()), max(y_true.max(), y_pred.max())
    axes.plot([low, high], [low, high], linestyle="--", linewidth=2.0, label="perfect fit")
    axes.set_xlabel("true y")
    axes.set_ylabel("predicted y")
    _finish(axes, title)
    return figure


# -------------------------------------------------------------- classification


def confusion_matrix(y_true: ArrayLike, y_pred: ArrayLike, num_classes: int) -> np.ndarray:
    """Counts of (true class, predicted class) pairs.

    Args:
        y_true: true labels, integers in `[0, num_classes)`, shape `(n,)`.
        y_pred: predicted labels, likewise.
        num_classes: number of classes.

    Returns:
        An int64 array of shape `(num_classes, num_classes)`: rows are true
        classes, columns predicted ones, so the diagonal counts the hits.

    Example:

    ```python
    confusion_matrix([0, 1, 1], [0, 1, 0], num_classes=2)  # [[1, 0], [1, 1]]
    ```
    """
    num_classes = _validation.check_int(num_classes, "num_classes")
    y_true, y_pred = _labels(y_true, y_pred)
    y_true = _validation.check_labels(y_true, num_classes, "y_true").astype("int64")
    y_pred = _validation.check_labels(y_pred, num_classes, "y_pred").astype("int64")
    counts = np.bincount(y_true * num_classes + y_pred, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes)


def confusion_matrix_figure(y_true: ArrayLike, y_pred: ArrayLike, num_classes: int, title: str | None = None) -> Figure:
    """Plots the confusion matrix of predicted labels, its counts written in the cells.

    Args:
        y_true: true labels, integers in `[0, num_classes)`, shape `(n,)`.
        y_pred: predicted labels, likewise.
        num_classes: number of classes.
        title: the figure's title, above the matrix's own "accuracy ..." title.

    Returns:
        The figure.

    Example:

    ```python
    figure = confusion_matrix_figure(y_test, logits.argmax(axis=-1), num_classes=10)
    ```
    """
    figure = _new_figure(5.6, 5.0, title)
    draw_confusion_matrix(figure, confusion_matrix(y_true, y_pred, num_classes))
    return figure


def misclassified_figure(
    images: ArrayLike,
    y_true: ArrayLike,
    y_pred: ArrayLike,
    max_images: int = 16,
    title: str | None = None,
) -> Figure:
    """Plots a grid of the first `max_images` misclassified images, labelled "true / pred".

    Args:
        images: the inputs, one a sample: `(n, height, width)`, `(n, height,
            width, channels)`, or `(n, pixels)` (a square number of pixels is
            drawn as a square, 64 for 8x8 digits, 784 for MNIST; other
            vectors as one row).
        y_true: true labels, shape `(n,)`.
        y_pred: predicted labels, shape `(n,)`.
        max_images: at most this many images are shown.
        title: the figure's title, above the grid's own "N of M misclassified".

    Returns:
        The figure, sized to the grid.

    Example:

    ```python
    figure = misclassified_figure(x_test, y_test, logits.argmax(axis=-1), title="epoch 5")
    ```
    """
    y_true, y_pred = _labels(y_true, y_pred)
    max_images = _validation.check_int(max_images, "max_images")
    shown = min(max_images, int(np.count_nonzero(y_true != y_pred)))
    rows, columns = _grid_shape(shown)
    # Wide enough for the title even when the grid holds one image or none.
    figure = _new_figure(max(1.5 * columns, 4.0) + 0.4, 1.6 * rows + 1.0, title)
    draw_misclassified(figure.subfigures(squeeze=False)[0, 0], images, y_true, y_pred, max_images)
    return figure


def classification_figure(
    images: ArrayLike,
    y_true: ArrayLike,
    y_pred: ArrayLike,
    num_classes: int = 10,
    max_images: int = 16,
    title: str | None = None,
) -> Figure:
    """Plots a confusion matrix beside a grid of misclassified images.

    Args:
        images: the inputs, as `misclassified_figure` takes them.
        y_true: true labels, integers in `[0, num_classes)`, shape `(n,)`.
        y_pred: predicted labels, likewise.
        num_classes: number of classes.
        max_images: at most this many misclassified images are shown.
        title: the figure's title.

    Returns:
        The figure.

    Example:

    ```python
    figure = classification_figure(x_test, y_test, logits.argmax(axis=-1), title="MLP")
    ```
    """
    figure = _new_figure(11.0, 5.0, title)
    left, right = figure.subfigures(1, 2, squeeze=False, width_ratios=[1.1, 1])[0]
    draw_confusion_matrix(left, confusion_matrix(y_true, y_pred, num_classes))
    draw_misclassified(right, images, y_true, y_pred, max_images)
    return figure


def draw_confusion_matrix(panel: Figure | SubFigure, counts: ArrayLike, title: str | None = None) -> None:
    """Draws a confusion matrix, its counts written in the non-empty cells, on a figure or subfigure.

    Args:
        panel: a `matplotlib.figure.Figure` or `SubFigure` to draw on.
        counts: the matrix from `confusion_matrix`, rows true, columns predicted.
        title: the axes' title; default "confusion matrix: accuracy ... on N examples".

    Example:

    ```python
    draw_confusion_matrix(figure.subfigures(1, 2)[0], confusion_matrix(y, predicted, 10))
    ```
    """
    counts = _validation.check_array(counts, "counts", ndim=(2,), dtype="int64")
    if counts.shape[0] != counts.shape[1]:
        raise ValueError(f"`counts` must be a square matrix, got shape {counts.shape}.")
    axes = panel.add_subplot()
    image = axes.imshow(counts, cmap="Blues")
    panel.colorbar(image, ax=axes, shrink=0.8, label="examples")
    classes = np.arange(len(counts))
    axes.set_xticks(classes)
    axes.set_yticks(classes)
    axes.set_xlabel("predicted class")
    axes.set_ylabel("true class")
    total = counts.sum()
    accuracy = np.trace(counts) / max(total, 1)
    axes.set_title(title or f"confusion matrix: accuracy {accuracy:.1%} on {total} examples")
    # Dark cells get white digits; zeros stay blank so the errors stand out.
    threshold = counts.max() / 2
    for (true, predicted), count in np.ndenumerate(counts):
        if count:
            color = "white" if count > threshold else "black"
            axes.text(predicted, true, str(count), ha="center", va="center", fontsize=8, color=color)


def draw_misclassified(
    panel: Figure | SubFigure,
    images: ArrayLike,
    y_true: ArrayLike,
    y_pred: ArrayLike,
    max_images: int = 16,
    title: str | None = None,
) -> None:
    """Draws a grid of the first `max_images` misclassified images on a figure or subfigure.

    Each image is titled "true T / pred P".

    Args:
        panel: a `matplotlib.figure.Figure` or `SubFigure` to draw on.
        images: all inputs, as `misclassified_figure` takes them.
        y_true: true labels, shape `(n,)`.
        y_pred: predicted labels, shape `(n,)`.
        max_images: at most this many images are shown.
        title: the grid's title; default "N of M misclassified".

    Example:

    ```python
    draw_misclassified(figure.subfigures(1, 2)[1], x_test, y_test, predicted)
    ```
    """
    y_true, y_pred = _labels(y_true, y_pred)
    images = _validation.check_array(images, "images", ndim=None, dtype="float64")
    _validation.check_same_length(images=images, y_true=y_true)
    max_images = _validation.check_int(max_images, "max_images")
    wrong = np.flatnonzero(y_true != y_pred)
    shown = wrong[:max_images]
    summary = f"{len(wrong)} of {len(y_true)} misclassified"
    if len(shown) < len(wrong):
        summary += f", first {len(shown)} shown"
    panel.suptitle(title or summary)
    if len(shown) == 0:
        # Text on blank axes, not on the panel, so the layout engine makes room for the titles.
        axes = panel.add_subplot()
        axes.set_axis_off()
        axes.text(0.5, 0.5, "no misclassified images", ha="center", va="center")
        return
    rows, columns = _grid_shape(len(shown))
    for position, index in enumerate(shown):
        axes = panel.add_subplot(rows, columns, position + 1)
        picture = _as_picture(images[index])
        # A vector that is no square image is shown as one stretched row.
        axes.imshow(picture, cmap="gray_r", aspect="auto" if len(picture) == 1 else "equal")
        axes.set_title(f"true {y_true[index]} / pred {y_pred[index]}", fontsize=9, color="firebrick")
        axes.set_axis_off()


# ------------------------------------------------------------------- curvature


def hessian_figure(matrix: ArrayLike, labels: list[str] | None = None, title: str | None = None) -> Figure:
    """Plots a Hessian (or any square matrix) as a heat map, positive red, negative blue.

    The colour scale is symmetric about zero, so a round bowl (a multiple of
    the identity) shows as a lit diagonal and coupled parameters as lit
    off-diagonal cells. Up to 12 rows get tick labels and their values
    written in the cells.

    Args:
        matrix: a square matrix, e.g. from `keras_tape.autodiff.loss_hessian`.
        labels: one name a row, e.g. `["kernel[0]", "kernel[1]", "bias[0]"]`.
        title: the axes' title.

    Returns:
        The figure.

    Example:

    ```python
    figure = hessian_figure(loss_hessian(model, x, y), title="epoch 3")
    ```
    """
    matrix = _validation.check_array(matrix, "matrix", ndim=(2,), dtype="float64")
    size = len(matrix)
    if matrix.shape != (size, size):
        raise ValueError(f"`matrix` must be square, got shape {matrix.shape}.")
    if labels is not None and len(labels) != size:
        raise ValueError(f"`labels` must name the {size} rows of `matrix`, got {len(labels)} labels.")
    figure = _new_figure(5.6, 5.0)
    axes = figure.add_subplot()
    limit = max(float(np.abs(matrix).max()), 1e-12)
    image = axes.imshow(matrix, cmap="RdBu_r", vmin=-limit, vmax=limit)
    figure.colorbar(image, ax=axes, shrink=0.8)
    if size <= 12:
        ticks = np.arange(size)
        names = labels if labels is not None else [str(i) for i in ticks]
        axes.set_xticks(ticks, names, rotation=90, fontsize=8)
        axes.set_yticks(ticks, names, fontsize=8)
        for (row, column), value in np.ndenumerate(matrix):
            color = "white" if abs(value) > limit / 2 else "black"
            axes.text(column, row, f"{value:.3g}", ha="center", va="center", fontsize=8, color=color)
    if title:
        axes.set_title(title)
    return figure


# ---------------------------------------------------------------------- output


def figure_to_bytes(figure: Figure, format: str = "png", dpi: int = 100) -> bytes:
    """Renders `figure` in memory, e.g. to PNG bytes for `tf.summary.image`.

    Args:
        figure: a figure from this module (or any `matplotlib.figure.Figure`).
        format: a matplotlib output format: "png", "svg", "pdf", ...
        dpi: resolution of raster formats.

    Returns:
        The encoded image.

    Example:

    ```python
    image = tf.image.decode_png(figure_to_bytes(figure), channels=4)
    ```
    """
    if not isinstance(figure, Figure):
        raise TypeError(
            f"`figure` must be a matplotlib.figure.Figure, got {_validation._describe(figure)} "
            f"of type {type(figure).__name__}."
        )
    if format not in _FORMATS:
        raise ValueError(f"`format` must be one of {', '.join(_FORMATS)}, got {_validation._describe(format)}.")
    dpi = _validation.check_int(dpi, "dpi")
    buffer = io.BytesIO()
    figure.savefig(buffer, format=format, dpi=dpi)
    return buffer.getvalue()


def save_figure(figure: Figure, path: str | os.PathLike, dpi: int = 100) -> None:
    """Writes `figure` to `path`; the format follows the suffix (.png, .svg, .pdf, ...).

    The figure is rendered before the file is opened, so a drawing error
    leaves no file behind.

    Args:
        figure: a figure from this module (or any `matplotlib.figure.Figure`).
        path: the file to write.
        dpi: resolution of raster formats.

    Example:

    ```python
    save_figure(regression_figure(x, y, {"fit": model_curve}), "fit.png")
    ```
    """
    path = _validation.check_path_like(path, "path")
    format = os.path.splitext(path)[1][1:].lower()
    if format not in _FORMATS:
        raise ValueError(
            f"`path` must end in the suffix of a figure format "
            f"({', '.join('.' + known for known in _FORMATS)}), got {path!r}."
        )
    image = figure_to_bytes(figure, format, dpi)
    with open(path, "wb") as file:
        file.write(image)


# --------------------------------------------------------------------- helpers


def _new_figure(width: float, height: float, title: str | None = None) -> Figure:
    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    # Agg renders off-screen whatever backend pyplot may have chosen.
    FigureCanvasAgg(figure)
    if title:
        figure.suptitle(title)
    return figure


def _finish(axes, title: str | None) -> None:
    axes.grid(alpha=0.3)
    axes.legend()
    if title:
        axes.set_title(title)


def _one_column(values, name: str) -> np.ndarray:
    array = _validation.check_array(values, name, ndim=(1, 2), dtype="float64")
    if array.ndim == 2 and array.shape[1] != 1:
        raise ValueError(f"`{name}` must have shape (n,) or (n, 1), got shape {array.shape}.")
    return array.reshape(-1)


def _curve_values(curve: Curve, grid: np.ndarray, label: str) -> np.ndarray:
    if not callable(curve):
        raise TypeError(
            f"`curves[{label!r}]` must be a function of x, got {_validation._describe(curve)} "
            f"of type {type(curve).__name__}."
        )
    values = np.asarray(curve(grid), dtype="float64")
    if values.size != grid.size:
        raise ValueError(
            f"`curves[{label!r}]` must return one value per x, got shape {values.shape} for {grid.size} values of x."
        )
    return values.reshape(-1)


def _labels(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    """The two label vectors as arrays, checked to be of shape (n,) and of one length."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        if labels.ndim != 1:
            raise ValueError(f"`{name}` must be labels of shape (n,), got shape {labels.shape}.")
    _validation.check_same_length(y_true=y_true, y_pred=y_pred)
    return y_true, y_pred


def _grid_shape(count: int) -> tuple[int, int]:
    """(rows, columns) of the squarest grid for `count` images; one cell for none."""
    columns = max(1, math.ceil(math.sqrt(count)))
    return max(1, math.ceil(count / columns)), columns


def _as_picture(sample: np.ndarray) -> np.ndarray:
    """A sample as an image: 2-D as is, square vectors (64, 784) as squares, others as one row."""
    sample = np.squeeze(sample)
    if sample.ndim == 3 and sample.shape[-1] in (3, 4):
        # imshow takes colour floats only in [0, 1].
        return (sample - sample.min()) / max(float(np.ptp(sample)), 1e-12)
    if sample.ndim == 2:
        return sample
    flat = sample.reshape(-1)
    side = math.isqrt(len(flat))
    return flat.reshape(side, side) if side * side == len(flat) else flat.reshape(1, -1)
