"""`LinearRegression`: y = x W + b, trained by the explicit GradientTape step."""

from __future__ import annotations

import keras
import numpy as np

from keras_tape.models._whitened import WhitenedRegression, format_equation


@keras.saving.register_keras_serializable(package="keras_tape")
class LinearRegression(WhitenedRegression):
    """Linear regression `y = x W + b` that reaches least squares through `fit()`.

    Inputs of shape `(n,)` (one feature) or `(n, d)`. Before the first epoch
    `fit` whitens the features from the data (see `adapt`), so plain SGD
    converges to the least-squares solution in a few dozen full-batch epochs
    even on raw, badly scaled data. `coef` and `intercept` are reported in
    the user's units.

    Args:
        units: number of outputs (targets of shape `(n,)` or `(n, units)`).
        **kwargs: passed to `keras.Model` (e.g. `name`).

    Example:

    ```python
    x, y = keras_tape.data.linear_data(noise=1.0, seed=0)
    model = keras_tape.models.LinearRegression()
    model.compile()
    model.fit(x, y, epochs=100, batch_size=len(x), verbose=0)
    print(model.equation())   # y = 6.1...*x + 1.3...
    ```
    """

    def _num_features(self, input_shape) -> int:
        return 1 if len(input_shape) == 1 else int(input_shape[-1])

    def _features(self, x):
        return keras.ops.reshape(x, (-1, self.feature_mean.shape[0]))

    @property
    def coef(self) -> np.ndarray:
        """Slopes in the user's units: shape `(d,)` when `units == 1`, else `(d, units)`."""
        weights, _ = self._feature_coefficients()
        return weights[:, 0] if self.units == 1 else weights

    @property
    def intercept(self):
        """Intercept in the user's units: a float when `units == 1`, else shape `(units,)`."""
        _, intercepts = self._feature_coefficients()
        return float(intercepts[0]) if self.units == 1 else intercepts

    def named_coefficients(self) -> dict[str, float]:
        """Slopes and intercepts by name, in the user's units, as `ParameterLogger` logs them.

        `slope` and `intercept` for one feature, `slope_x1`, `slope_x2`, ... for
        several, under a `y1/`, `y2/`, ... prefix for several outputs.

        Example:

        ```python
        model = keras_tape.models.LinearRegression()
        model.compile()
        model.fit(np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 5.0]), epochs=100, verbose=0)
        model.named_coefficients()   # {'slope': 2.0..., 'intercept': 1.0...}
        ```
        """
        weights, intercepts = self._feature_coefficients()
        features = ["slope"] if len(weights) == 1 else [f"slope_x{i + 1}" for i in range(len(weights))]
        named = {}
        for output in range(self.units):
            prefix = "" if self.units == 1 else f"y{output + 1}/"
            named.update({prefix + name: float(w) for name, w in zip(features, weights[:, output])})
            named[prefix + "intercept"] = float(intercepts[output])
        return named

    def equation(self, precision: int = 4) -> str:
        """The fitted equation, e.g. `y = 6.1200*x + 1.3500` (one line per output).

        Args:
            precision: digits after the decimal point.
        """
        weights, intercepts = self._feature_coefficients()
        names = ["x"] if len(weights) == 1 else [f"x{i + 1}" for i in range(len(weights))]
        return "\n".join(
            format_equation(
                zip(weights[:, j], names),
                intercepts[j],
                precision,
                lhs="y" if self.units == 1 else f"y{j + 1}",
            )
            for j in range(self.units)
        )
