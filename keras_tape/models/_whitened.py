"""The shared core of the regression models: a linear model on whitened features.

Plain gradient descent on raw features crawls when they are badly scaled or
correlated (x around 50, or x, x^2, ..., x^6): the loss surface is a long,
narrow valley. Whitening the features (subtract their mean, rotate and scale
them to unit covariance, learned once from the data by `adapt`) turns the
mean-squared-error surface into a round bowl whose Hessian is 2I, so gradient
descent reaches the least-squares optimum in a few dozen steps at any data
scale. The whitening lives in non-trainable variables, so it is saved, loaded
and restored from backups with the weights; `coef` and `intercept` undo it.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from keras_tape import _validation
from keras_tape.tape_model import TapeModel


class WhitenedRegression(TapeModel):
    """A linear model `y = (features(x) - mean) @ whitening @ kernel + bias`.

    Subclasses define `_num_features(input_shape)` and `_features(x)`; the
    features may depend on non-trainable variables set in `_adapt_inputs`.

    The model computes in float32 whatever the global dtype policy: under
    `mixed_float16` or `mixed_bfloat16` its features (x^k), whitening and
    outputs would keep 3 or 2 significant digits, and it has too few
    weights for 16-bit arithmetic to save anything.

    Args:
        units: number of outputs.
        **kwargs: passed to `keras.Model` (e.g. `name`, or `dtype` to
            override float32).
    """

    takes_text = False

    def __init__(self, units: int = 1, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.units = _validation.check_int(units, "units")

    def build(self, input_shape):
        p = self._num_features(input_shape)
        self.feature_mean = self.add_weight(name="feature_mean", shape=(p,), initializer="zeros", trainable=False)
        self.whitening = self.add_weight(name="whitening", shape=(p, p), initializer="identity", trainable=False)
        self.adapted = self.add_weight(name="adapted", shape=(), initializer="zeros", trainable=False)
        self.kernel = self.add_weight(name="kernel", shape=(p, self.units), initializer="zeros")
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")

    def call(self, x):
        x = keras.ops.cast(x, self.compute_dtype)
        width = self._input_width()
        if not _validation.check_width(x.shape, width, "x", self._width_reason()):
            # A retrace for inputs of another shape leaves the width unknown
            # until the step runs; `_features` would silently regroup the values.
            tf.debugging.assert_equal(
                tf.size(x),
                tf.shape(x)[0] * width,
                message=f"`x` must have {width} value(s) a row, {self._width_reason()}",
            )
        features = self._features(x)
        whitened = (features - self.feature_mean) @ self.whitening
        return whitened @ self.kernel + self.bias

    def check_training_data(self, x, y) -> None:
        super().check_training_data(x, y)  # numeric, finite, same length
        if np.ndim(x) not in (1, 2):
            raise ValueError(f"`x` must have rank 1 or 2, got shape {np.shape(x)} (rank {np.ndim(x)}).")
        if self.built:
            _validation.check_width(np.shape(x), self._input_width(), "x", self._width_reason())
        if y is not None:
            reason = f"one column per output of {type(self).__name__} (units={self.units})"
            _validation.check_width(np.shape(y), self.units, "y", reason)

    def _input_width(self) -> int:
        """The values an input row holds (once built)."""
        return self.feature_mean.shape[0]

    def _width_reason(self) -> str:
        return f"as {type(self).__name__} was built for"

    # -- learning the whitening ----------------------------------------------

    @property
    def is_adapted(self) -> bool:
        return self.built and bool(self.adapted.numpy())

    def adapt(self, x) -> None:
        """Learns the feature mean and whitening matrix from the inputs `x`.

        `fit` calls it on its first run; call it yourself to whiten with
        other data. Statistics are computed in float64.

        Args:
            x: inputs, a numpy array, tensor or `tf.data.Dataset` yielding
                inputs or `(inputs, targets)` pairs.
        """
        x = _inputs_as_numpy(x)
        if not self.built:
            self.build(x.shape)
        self._adapt_inputs(x)
        features = self._features(tf.constant(x, tf.float64)).numpy()
        mean = features.mean(axis=0)
        covariance = np.atleast_2d(np.cov(features, rowvar=False, bias=True))
        eigenvalues, eigenvectors = np.linalg.eigh(covariance)
        # A feature that does not vary (or repeats another) carries no
        # information: it gets weight zero instead of an infinite scale.
        tolerance = max(eigenvalues.max(), 0.0) * 1e-10
        informative = eigenvalues > tolerance
        scale = np.where(informative, 1.0 / np.sqrt(np.where(informative, eigenvalues, 1.0)), 0.0)
        self.feature_mean.assign(mean)
        self.whitening.assign((eigenvectors * scale) @ eigenvectors.T)
        self.adapted.assign(1.0)

    def _adapt_inputs(self, x: np.ndarray) -> None:
        """Learns statistics the features depend on (none by default)."""

    # -- coefficients in the user's units --------------------------------------

    def _feature_coefficients(self) -> tuple[np.ndarray, np.ndarray]:
        """Returns (weights (p, units), intercepts (units,)) on the unwhitened features."""
        if not self.built:
            raise ValueError(f"{type(self).__name__} has no coefficients yet: fit it (or call it on data) first.")
        weights = self.whitening.numpy().astype("float64") @ self.kernel.numpy().astype("float64")
        intercepts = self.bias.numpy().astype("float64") - self.feature_mean.numpy().astype("float64") @ weights
        return weights, intercepts

    def get_compile_defaults(self) -> dict:
        # On whitened features the MSE Hessian is 2I: SGD with learning rate
        # 0.1 shrinks the error by 0.8 a step, whatever the data's scale.
        return {
            "optimizer": keras.optimizers.SGD(learning_rate=0.1),
            "loss": "mse",
        }

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def format_equation(terms, intercept: float, precision: int, lhs: str = "y") -> str:
    """Formats `lhs = c1*name1 + c2*name2 + ... + intercept` with signs folded in."""
    # Round before choosing the sign, so a tiny negative prints "+ 0.00", not "- 0.00".
    parts = [(round(float(c), precision) + 0.0, f"*{name}") for c, name in terms]
    parts.append((round(float(intercept), precision) + 0.0, ""))
    text = f"{parts[0][0]:.{precision}f}{parts[0][1]}"
    for value, suffix in parts[1:]:
        sign = "-" if value < 0 else "+"
        text += f" {sign} {abs(value):.{precision}f}{suffix}"
    return f"{lhs} = {text}"


def _inputs_as_numpy(x) -> np.ndarray:
    """Collects regression inputs (array, tensor or dataset) into one float64 array."""
    if isinstance(x, tf.data.Dataset):
        batches = [np.asarray(keras.utils.unpack_x_y_sample_weight(b)[0]) for b in x]
        x = np.concatenate(batches) if batches else np.empty((0,))
    return _validation.check_array(x, "x", ndim=(1, 2), dtype="float64")
