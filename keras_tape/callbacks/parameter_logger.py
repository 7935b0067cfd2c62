"""`ParameterLogger`: a model's coefficients and equation, epoch by epoch, in TensorBoard."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from keras_tape import _validation
from keras_tape.callbacks._writers import SummaryCallback, variable_tag
from keras_tape.models import LinearRegression, PolynomialRegression


class ParameterLogger(SummaryCallback):
    """Logs the parameters of the model being fitted to TensorBoard, once an epoch.

    For the regression models it writes every coefficient in the user's units
    as a scalar, the trajectory to watch converge: `coefficients/c0`,
    `coefficients/c1`, ... (ascending powers, as `PolynomialRegression.coef`)
    or `coefficients/slope` (`slope_x1`, `slope_x2`, ... with several
    features) and `coefficients/intercept` for `LinearRegression`, with a
    `y1/`, `y2/` ... level for several outputs. Models with an `equation()`
    also get it as text under `equation`. For every model it writes
    histograms of the trainable weights under `weights/<variable path>/histogram`.
    Everything goes to `<log_dir>/train` at step = the epoch index.

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
    """The coefficients of a keras_tape regression model by name; empty for other models."""
    if isinstance(model, PolynomialRegression):
        return {f"c{power}": float(c) for power, c in enumerate(model.coef)}
    if not isinstance(model, LinearRegression):
        return {}
    slopes = np.reshape(model.coef, (-1, model.units))
    intercepts = np.reshape(model.intercept, (model.units,))
    features = ["slope"] if len(slopes) == 1 else [f"slope_x{i + 1}" for i in range(len(slopes))]
    named = {}
    for output in range(model.units):
        prefix = "" if model.units == 1 else f"y{output + 1}/"
        named.update({prefix + f: float(s) for f, s in zip(features, slopes[:, output])})
        named[prefix + "intercept"] = float(intercepts[output])
    return named


def _markdown_code(text: str) -> str:
    # TensorBoard renders text as Markdown, where `*` in "6.0*x^2" would start italics.
    return "\n".join("    " + line for line in text.splitlines())
