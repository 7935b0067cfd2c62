"""`PolynomialRegression`: y = c0 + c1 x + ... + cd x^d, trained by the explicit step."""

from __future__ import annotations

import keras
import numpy as np

from keras_tape import _validation
from keras_tape.models._whitened import WhitenedRegression, format_equation


@keras.saving.register_keras_serializable(package="keras_tape")
class PolynomialRegression(WhitenedRegression):
    """Polynomial regression on a scalar input, trained through `fit()`.

    The powers x, x^2, ..., x^d of raw inputs differ by many orders of
    magnitude and are nearly collinear, which is why the lab's hand loop
    still misses the coefficients after 10,000 steps. This model maps x onto
    [-1, 1] with the data's range and whitens the powers (see `adapt`), so
    SGD recovers the coefficients in a few hundred steps for degrees up to 8
    and ranges like 0..100. `coef` gives them back in the user's units, in
    ascending powers (c0, c1, ..., cd) as `numpy.polynomial` does.

    Args:
        degree: the polynomial's degree, an integer >= 1.
        **kwargs: passed to `keras.Model` (e.g. `name`).

    Example:

    ```python
    x, y = keras_tape.data.polynomial_data()      # y = 6x^2 + 8x + 2
    model = keras_tape.models.PolynomialRegression(degree=2)
    model.compile()
    model.fit(x, y, epochs=60, batch_size=len(x), verbose=0)
    print(model.equation())   # y = 6.0000*x^2 + 8.0000*x + 2.0000
    ```
    """

    def __init__(self, degree: int = 2, **kwargs):
        super().__init__(units=1, **kwargs)
        self.degree = _validation.check_int(degree, "degree")

    def build(self, input_shape):
        if len(input_shape) == 2 and input_shape[-1] not in (1, None):
            raise ValueError(
                f"`x` must be a scalar input of shape (n,) or (n, 1) for PolynomialRegression, "
                f"got shape {tuple(input_shape)}."
            )
        self.x_center = self.add_weight(name="x_center", shape=(), initializer="zeros", trainable=False)
        self.x_scale = self.add_weight(name="x_scale", shape=(), initializer="ones", trainable=False)
        super().build(input_shape)

    def _num_features(self, input_shape) -> int:
        return self.degree

    def _input_width(self) -> int:
        return 1

    def _width_reason(self) -> str:
        return "one value of x a row for PolynomialRegression"

    def _features(self, x):
        t = keras.ops.reshape(x, (-1, 1))
        t = (t - keras.ops.cast(self.x_center, t.dtype)) / keras.ops.cast(self.x_scale, t.dtype)
        return keras.ops.concatenate([t**k for k in range(1, self.degree + 1)], axis=1)

    def _adapt_inputs(self, x: np.ndarray) -> None:
        low, high = float(x.min()), float(x.max())
        self.x_center.assign((low + high) / 2)
        self.x_scale.assign((high - low) / 2 if high > low else 1.0)

    @property
    def coef(self) -> np.ndarray:
        """Coefficients (c0, c1, ..., cd) in ascending powers of x, in the user's units."""
        weights, intercepts = self._feature_coefficients()
        in_t = np.concatenate([intercepts, weights[:, 0]])
        center, scale = float(self.x_center.numpy()), float(self.x_scale.numpy())
        # The model is a polynomial in t = (x - center) / scale; numpy re-expands it in x.
        polynomial = np.polynomial.Polynomial(in_t, domain=[center - scale, center + scale])
        return polynomial.convert().coef

    def named_coefficients(self) -> dict[str, float]:
        """The coefficients by power, `{"c0": ..., "c1": ..., ...}`, as `ParameterLogger` logs them."""
        return {f"c{power}": float(c) for power, c in enumerate(self.coef)}

    def equation(self, precision: int = 4) -> str:
        """The fitted polynomial, highest power first, e.g. `y = 6.0000*x^2 + 8.0000*x + 2.0000`.

        Args:
            precision: digits after the decimal point.
        """
        return polynomial_equation(self.coef, precision)

    def get_config(self):
        config = super().get_config()
        config.pop("units")
        return {**config, "degree": self.degree}


def polynomial_equation(coef, precision: int = 4) -> str:
    """Formats coefficients in ascending powers as an equation, highest power first.

    Args:
        coef: `(c0, c1, ..., cd)`, as `PolynomialRegression.coef` and `numpy.polynomial`.
        precision: digits after the decimal point.

    Example:

    ```python
    keras_tape.models.polynomial_equation([2, 8, 6])  # 'y = 6.0000*x^2 + 8.0000*x + 2.0000'
    keras_tape.models.polynomial_equation([1.35, 6.12])  # 'y = 6.1200*x + 1.3500'
    ```
    """
    coef = np.asarray(coef, dtype="float64").reshape(-1)
    terms = [(coef[k], "x" if k == 1 else f"x^{k}") for k in range(len(coef) - 1, 0, -1)]
    return format_equation(terms, coef[0], precision)
