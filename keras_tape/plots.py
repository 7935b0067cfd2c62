"""Figures of fitted models: data with fitted lines, confusion matrices, misclassified digits.

The `*_figure` functions build a `matplotlib.figure.Figure` through
matplotlib's object API (no `pyplot`, so no global figure state, no GUI
backend, safe in threads and callbacks) and return it; the `draw_*` functions
draw on a figure or subfigure you give them, to compose your own;
`save_figure` writes a figure to a file. They need matplotlib
(`pip install "keras-tape[plot]"`).

Example:

```python
x, y = keras_tape.data.linear_data(noise=1.0, seed=0)
figure = keras_tape.plots.regression_figure(x, y, {"fit": lambda t: 6.1 * t + 1.4})
keras_tape.plots.save_figure(figure, "fit.png")
```
"""

from __future__ import annotations

import itertools
import math
import os
from typing import Callable, Mapping

import numpy as np
from numpy.typing import ArrayLike

try:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
except ImportError as _error:  # matplotlib is an optional dependency
    raise ImportError('keras_tape.plots needs matplotlib: pip install "keras-tape[plot]"') from _error

Curve = Callable[[np.ndarray], ArrayLike]

# Solid, dashed, dotted, thinner on top: lines that coincide (a fit and the
# truth, or two methods reaching the same optimum) all stay visible.
_LINE_STYLES = (("-", 3.5), ("--", 2.0), (":", 2.5))


def regression_figure(
    x: ArrayLike,
    y: ArrayLike,
    curves: Mapping[str, Curve],
    title: str | None = None,
) -> Figure:
    """Plots the data points and one fitted line or curve per entry of `curves`.

    Args:
        x: 1-D inputs.
        y: 1-D targets.
        curves: legend label -> function mapping an array of x to the model's y
            (e.g. `lambda t: model.predict(t, verbose=0)[:, 0]`). Each is drawn
            on a fine grid across the range of `x`, so curves look smooth;
            the first solid, the next dashed, then dotted.
        title: the figure's title.

    Returns:
        The figure.
    """
    x = np.asarray(x, dtype="float64").reshape(-1)
    y = np.asarray(y, dtype="float64").reshape(-1)
    figure = Figure(figsize=(6.4, 4.4), layout="constrained")
    axes = figure.add_subplot()
    axes.scatter(x, y, s=14, color="0.45", label="data", zorder=1)
    grid = np.linspace(x.min(), x.max(), 200)
    for (label, curve), (style, width) in zip(curves.items(), itertools.cycle(_LINE_STYLES)):
        values = np.asarray(curve(grid), dtype="float64").reshape(-1)
        axes.plot(grid, values, linestyle=style, linewidth=width, label=label)
    axes.set_xlabel("x")
    axes.set_ylabel("y")
    axes.grid(alpha=0.3)
    axes.legend()
    if title:
        axes.set_title(title)
    return figure


def confusion_matrix(y_true: ArrayLike, y_pred: ArrayLike, num_classes: int) -> np.ndarray:
    """Counts of (true class, predicted class) pairs, shape `(num_classes, num_classes)`."""
    counts = np.zeros((num_classes, num_classes), dtype="int64")
    np.add.at(counts, (np.asarray(y_true, dtype="int64"), np.asarray(y_pred, dtype="int64")), 1)
    return counts


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
        images: the inputs, shape `(n, height, width)` or `(n, pixels)` with a
            square number of pixels (64 for 8x8 digits, 784 for MNIST).
        y_true: true labels, shape `(n,)`.
        y_pred: predicted labels, shape `(n,)`.
        num_classes: number of classes.
        max_images: at most this many misclassified images are shown.
        title: the figure's title.

    Returns:
        The figure.
    """
    figure = Figure(figsize=(11, 5), layout="constrained")
    left, right = figure.subfigures(1, 2, width_ratios=[1.1, 1])
    draw_confusion_matrix(left, confusion_matrix(y_true, y_pred, num_classes))
    draw_misclassified(right, images, y_true, y_pred, max_images)
    if title:
        figure.suptitle(title)
    return figure


def draw_confusion_matrix(panel, counts: np.ndarray, title: str | None = None) -> None:
    """Draws a confusion matrix, its counts written in the cells, on a figure or subfigure.

    Args:
        panel: a `matplotlib.figure.Figure` or `SubFigure` to draw on.
        counts: the matrix from `confusion_matrix`, rows true, columns predicted.
        title: the axes' title; default "confusion matrix (accuracy ...)".
    """
    counts = np.asarray(counts)
    axes = panel.add_subplot()
    image = axes.imshow(counts, cmap="Blues")
    panel.colorbar(image, ax=axes, shrink=0.8, label="examples")
    classes = np.arange(len(counts))
    axes.set_xticks(classes)
    axes.set_yticks(classes)
    axes.set_xlabel("predicted class")
    axes.set_ylabel("true class")
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    axes.set_title(title or f"confusion matrix (accuracy {accuracy:.1%} on {counts.sum()})")
    threshold = counts.max() / 2
    for (true, predicted), count in np.ndenumerate(counts):
        if count:
            color = "white" if count > threshold else "black"
            axes.text(predicted, true, str(count), ha="center", va="center", fontsize=7, color=color)


def draw_misclassified(
    panel, images: ArrayLike, y_true: ArrayLike, y_pred: ArrayLike, max_images: int = 16,
    title: str | None = None,
) -> None:
    """Draws a grid of the first `max_images` misclassified images on a figure or subfigure.

    Args:
        panel: a `matplotlib.figure.Figure` or `SubFigure` to draw on.
        images: all inputs, shape `(n, height, width)` or `(n, pixels)` with a
            square number of pixels.
        y_true: true labels, shape `(n,)`.
        y_pred: predicted labels, shape `(n,)`.
        max_images: at most this many images are shown.
        title: the grid's title; default "N of M misclassified (true as predicted)".
    """
    y_true = np.asarray(y_true, dtype="int64").reshape(-1)
    y_pred = np.asarray(y_pred, dtype="int64").reshape(-1)
    wrong = np.flatnonzero(y_true != y_pred)
    panel.suptitle(title or f"{len(wrong)} of {len(y_true)} misclassified (true as predicted)")
    shown = wrong[:max_images]
    if len(shown) == 0:
        panel.text(0.5, 0.5, "no misclassified images", ha="center", va="center")
        return
    pictures = _as_square_images(images)
    columns = math.ceil(math.sqrt(len(shown)))
    rows = math.ceil(len(shown) / columns)
    for position, index in enumerate(shown):
        axes = panel.add_subplot(rows, columns, position + 1)
        axes.imshow(pictures[index], cmap="gray_r")
        axes.set_title(f"{y_true[index]} as {y_pred[index]}", fontsize=9, color="firebrick")
        axes.set_axis_off()


def save_figure(figure: Figure, path: str | os.PathLike, dpi: int = 100) -> None:
    """Writes `figure` to `path`; the format follows the suffix (.png, .svg, .pdf, ...).

    Args:
        figure: a figure from this module (or any `matplotlib.figure.Figure`).
        path: the file to write.
        dpi: resolution of raster formats.
    """
    FigureCanvasAgg(figure)
    figure.savefig(path, dpi=dpi)


def _as_square_images(images) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim == 3:
        return images
    side = math.isqrt(images.shape[-1])
    if images.ndim != 2 or side * side != images.shape[-1]:
        raise ValueError(
            f"`images` must have shape (n, height, width) or (n, pixels) with a square number "
            f"of pixels, got shape {images.shape}."
        )
    return images.reshape(len(images), side, side)
