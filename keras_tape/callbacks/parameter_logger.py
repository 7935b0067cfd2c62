"""`ParameterLogger`: a model's coefficients and equation, epoch by epoch, in TensorBoard."""

from __future__ import annotations

import numbers

import tensorflow as tf

from keras_tape import _validation
from keras_tape.callbacks._writers import SummaryCallback, variable_tag


class ParameterLogger(SummaryCallback):
    """Logs the parameters of the model being fitted to TensorBoard, once an epoch.

    A model that defines `named_coefficients()` (a dict of names to floats)
    gets every coefficient as a scalar under `coefficients/<name>`, the
    trajectory to watch converge: `c0`, `c1`, ... for `PolynomialRegression`,
    `slope` (or `slope_x1`, `slope_x2`, ...) and `intercept` for
    `LinearRegression`, in the user's units. Models with an `equation()`
    also get it as text under `equation`. Models with neither, such as
    `MLPClassifier`, get only histograms of their trainable weights, which
    every model gets, under `weights/<variable path>/histogram`. Everything
    goes to `<log_dir>/train` at step = the epoch index.

    Args:
        log_dir: the run's folder, the `log_dir` of `keras.callbacks.TensorBoard`.
        histogram_freq: write weight histograms at epochs 0, `histogram_freq`,
            `2 * histogram_freq`, ...; 0 writes none.

    Example:

    ```python
    x, y = keras_tape.data.polynomial_data()
    model = keras_tape.models.PolynomialRegression(degree=2)
    model.compile()
    model.fit(x, y, epochs=100, batch_size=len(x), verbose=0,
              callbacks=[keras_tape.callbacks.ParameterLogger("runs/poly")])
    # coefficients/c2 climbs to 6, c1 to 8, c0 to 2
    ```
    """

    def __init__(self, log_dir, histogram_freq: int = 1):
        super().__init__(log_dir)
        self.histogram_freq = _validation.check_int(histogram_freq, "histogram_freq", minimum=0)

    def on_epoch_end(self, epoch, logs=None):
        coefficients = _named_coefficients(self.model)
        equation = self.model.equation() if callable(getattr(self.model, "equation", None)) else None
        histograms = self.histogram_freq and epoch % self.histogram_freq == 0
        weights = self.model.trainable_variables if histograms else []
        if not (coefficients or equation or weights):
            return  # open no file for nothing
        with self.writers["train"].as_default(step=epoch):
            for name, value in coefficients.items():
                tf.summary.scalar(f"coefficients/{name}", value)
            if equation is not None:
                tf.summary.text("equation", _markdown_code(equation))
            for variable in weights:
                tf.summary.histogram(f"weights/{variable_tag(variable)}/histogram", variable)
        self.writers.flush()


def _named_coefficients(model) -> dict[str, float]:
    """`model.named_coefficients()`, checked; empty for a model without the method."""
    method = getattr(model, "named_coefficients", None)
    if not callable(method):
        return {}
    named = method()
    if not isinstance(named, dict) or not all(
        isinstance(name, str) and isinstance(value, numbers.Real) for name, value in named.items()
    ):
        raise TypeError(
            f"`{type(model).__name__}.named_coefficients()` must return a dict of names (str) to "
            f"numbers for ParameterLogger, got {named!r}."
        )
    return {name: float(value) for name, value in named.items()}


def _markdown_code(text: str) -> str:
    # TensorBoard renders text as Markdown, where `*` in "6.0*x^2" would start italics.
    return "\n".join("    " + line for line in text.splitlines())
