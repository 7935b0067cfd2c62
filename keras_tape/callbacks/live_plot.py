"""`LivePlot`: training curves drawn in the notebook as `fit` runs, no TensorBoard needed."""

from __future__ import annotations

import os

import keras
import numpy as np
import tensorflow as tf
from numpy.typing import ArrayLike

from keras_tape import _validation
from keras_tape.callbacks._writers import load_plots
from keras_tape.callbacks.gradient_logger import _GradientAccumulators
from keras_tape.tape_model import TapeModel

_INSTALL = 'pip install "keras-tape[notebook]"'
_CURVE_POINTS = 200


class LivePlot(keras.callbacks.Callback):
    """Draws the training curves in one figure, updated in place in a notebook as `fit` runs.

    Every `every` epochs (and after the last) it redraws one figure with a
    panel for the loss and one for each compiled metric, training and
    validation curves together; for a `TapeModel`, the mean global norm of
    the epoch's gradients (read inside the step through
    `add_gradient_observer`, as `GradientLogger` does); for the regression
    models (those with `coef`), the trajectory of each coefficient and,
    given `data`, the data with the fitted line or curve, titled with the
    model's `equation()`. In a Jupyter or Colab notebook the figure is one
    output image, replaced at each redraw; elsewhere it is shown nowhere,
    and `path` saves it as a PNG file (overwritten at each redraw).

    Each redraw renders a PNG: for hundreds of short epochs pass
    `every=10` or more.

    Needs matplotlib, and IPython to show the figure in a notebook:
    `pip install "keras-tape[notebook]"`.

    Args:
        every: epochs between two redraws, an integer >= 1.
        path: a `.png` file to save the figure to at each redraw, or None.
        data: optional `(x, y)` of a regression on one input, drawn with the
            model's current curve.

    Attributes:
        figure: the last figure drawn (a `matplotlib.figure.Figure`), or None.
        history: what it plotted: `{"loss": [...], "val_loss": [...], ...,
            "gradient_norm": [...], "coefficients": [...]}`, one entry an epoch.

    Example:

    ```python
    x, y = keras_tape.data.polynomial_data(noise=5.0, seed=0)
    model = keras_tape.models.PolynomialRegression(degree=2)
    model.compile()
    model.fit(x, y, epochs=100, batch_size=len(x), verbose=0,
              callbacks=[keras_tape.callbacks.LivePlot(every=10, data=(x, y))])
    ```
    """

    def __init__(
        self,
        every: int = 1,
        path: str | os.PathLike | None = None,
        data: tuple[ArrayLike, ArrayLike] | None = None,
    ):
        super().__init__()
        self.every = _validation.check_int(every, "every")
        self.path = None if path is None else _check_png(path)
        self.data = None if data is None else _validation.check_data_pair(data)
        try:
            load_plots()
        except ImportError as error:
            raise ImportError(f"LivePlot needs matplotlib: {_INSTALL}") from error
        self._display = _notebook_display()
        if self._display is None and self.path is None and not _ipython_installed():
            raise ImportError(f"LivePlot shows its figure in a notebook through IPython: {_INSTALL}")
        self.figure = None
        self.history: dict[str, list] = {}
        self._handle = None
        self._accumulators: _GradientAccumulators | None = None

    def on_train_begin(self, logs=None):
        self.history = {}
        self._handle = None
        self._last_epoch = self._last_drawn = None
        self._stop_observing()  # left by a fit that raised
        if isinstance(self.model, TapeModel):
            with self.model.distribute_strategy.scope():
                accumulators = _GradientAccumulators(self.model.trainable_variables, keep_last=False)
            self.model.add_gradient_observer(accumulators.observe)
            self._accumulators = accumulators

    def on_epoch_end(self, epoch, logs=None):
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(float(value))
        if self._accumulators is not None:
            means = self._accumulators.take_means()
            self.history.setdefault("gradient_norm", []).append(np.nan if means is None else means[1])
        if _coefficients(self.model) is not None:
            self.history.setdefault("coefficients", []).append(_coefficients(self.model))
        self._last_epoch = epoch
        if epoch % self.every == 0:
            self._draw(epoch)

    def on_train_end(self, logs=None):
        self._stop_observing()
        if self._last_epoch is not None and self._last_drawn != self._last_epoch:
            self._draw(self._last_epoch)

    def _stop_observing(self) -> None:
        if self._accumulators is not None:
            self.model.remove_gradient_observer(self._accumulators.observe)
            self._accumulators = None

    def _draw(self, epoch: int) -> None:
        if self._display is None and self.path is None:
            return
        plots = load_plots()
        panels = _panels(self.history, self.model, self.data)
        if not panels:
            return
        columns = 2 if len(panels) == 4 else min(3, len(panels))  # 2x2 rather than 3 + 1
        rows = -(-len(panels) // columns)
        width, height = 4.2 * columns, 3.2 * rows
        figure = plots._new_figure(width, height, title=f"epoch {epoch + 1}")
        # Fixed margins (in inches) rather than a layout engine, which would measure every label at each redraw.
        figure.set_layout_engine(None)
        figure.subplots_adjust(
            left=0.6 / width, right=1 - 0.2 / width, bottom=0.5 / height, top=1 - 0.6 / height, wspace=0.3, hspace=0.5
        )
        for index, draw in enumerate(panels):
            draw(figure.add_subplot(rows, columns, index + 1))
        self.figure = figure
        self._last_drawn = epoch
        png = plots.figure_to_bytes(figure)  # rendered once for the file and the notebook
        if self.path is not None:
            with open(self.path, "wb") as file:
                file.write(png)
        if self._display is not None:
            self._show(png)

    def _show(self, png: bytes) -> None:
        image = self._display.Image(data=png, format="png")
        if self._handle is None:
            self._handle = self._display.display(image, display_id=True)
        else:
            self._handle.update(image)


# -- panels -------------------------------------------------------------------


def _panels(history: dict, model, data) -> list:
    """One drawing function per panel: loss, each metric, gradient norm, coefficients, fit."""
    names = [name for name in history if not name.startswith("val_") and name not in ("gradient_norm", "coefficients")]
    names.sort(key=lambda name: name != "loss")
    panels = [_curves_panel(history, name) for name in names]
    if "gradient_norm" in history:
        norms = {"train": history["gradient_norm"]}
        panels.append(lambda axes: _draw_lines(axes, norms, "gradient global norm (epoch mean)", log=True))
    if "coefficients" in history:
        panels.append(lambda axes: _draw_coefficients(axes, history["coefficients"], model))
    if data is not None and callable(getattr(model, "equation", None)) and _is_one_input(*data):
        panels.append(lambda axes: _draw_fit(axes, model, *data))
    return panels


def _curves_panel(history: dict, name: str):
    curves = {"train": history[name]}
    if f"val_{name}" in history:
        curves["validation"] = history[f"val_{name}"]
    return lambda axes: _draw_lines(axes, curves, name, log=name == "loss")


def _draw_lines(axes, curves: dict, title: str, log: bool = False) -> None:
    from matplotlib.ticker import MaxNLocator

    for label, values in curves.items():
        epochs = np.arange(1, len(values) + 1)
        axes.plot(epochs, values, marker="o" if len(values) < 30 else None, markersize=3, label=label)
    if log and _decades(curves) > 1:
        axes.set_yscale("log")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("epoch")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    if len(curves) > 1:
        axes.legend()


def _decades(curves: dict) -> float:
    """How many powers of ten the positive values span: a log scale helps only beyond one."""
    values = np.concatenate([np.asarray(v, dtype="float64") for v in curves.values()])
    values = values[np.isfinite(values) & (values > 0)]
    return float(np.log10(values.max() / values.min())) if len(values) else 0.0


def _draw_coefficients(axes, trajectory: list, model) -> None:
    values = np.array(trajectory)
    labels = _coefficient_labels(model, values.shape[1])
    _draw_lines(axes, {label: values[:, i] for i, label in enumerate(labels)}, "coefficients")


def _draw_fit(axes, model, x, y) -> None:
    def curve(grid: np.ndarray) -> np.ndarray:
        inputs = tf.constant(grid.reshape((-1,) + x.shape[1:]), "float32")
        return keras.ops.convert_to_numpy(model(inputs, training=False)).reshape(-1)

    load_plots().draw_regression(axes, x, y, {"model": curve}, title=model.equation(precision=3))


# -- helpers --------------------------------------------------------------------


def _coefficients(model) -> np.ndarray | None:
    """The model's coefficients in the user's units, intercept first, or None for other models."""
    if not getattr(model, "built", False) or not hasattr(model, "coef"):
        return None
    coef = np.ravel(model.coef).astype("float64")
    intercept = getattr(model, "intercept", None)
    return coef if intercept is None else np.concatenate([np.ravel(intercept), coef])


def _coefficient_labels(model, count: int) -> list[str]:
    if not hasattr(model, "intercept"):
        return [f"c{k}" for k in range(count)]  # a polynomial's c0, c1, ..., cd
    slopes = count - 1
    return ["intercept"] + (["slope"] if slopes == 1 else [f"w{k + 1}" for k in range(slopes)])


def _is_one_input(x: np.ndarray, y: np.ndarray) -> bool:
    return int(np.prod(x.shape[1:])) == 1 and int(np.prod(y.shape[1:])) == 1


def _notebook_display():
    """`IPython.display` when running in a notebook kernel (Jupyter, Colab), else None."""
    try:
        from IPython import display, get_ipython
    except ImportError:
        return None
    # A kernel's shell has a `kernel`; a terminal IPython or plain Python has none.
    return display if getattr(get_ipython(), "kernel", None) is not None else None


def _ipython_installed() -> bool:
    try:
        import IPython  # noqa: F401
    except ImportError:
        return False
    return True


def _check_png(path) -> str:
    path = _validation.check_path_like(path, "path")
    if not path.lower().endswith(".png"):
        raise ValueError(f"`path` must be a .png file, got {path!r}.")
    return path
