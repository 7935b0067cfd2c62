"""Ready models whose training step is explicit GradientTape code."""

from keras_tape.models.linear import LinearRegression
from keras_tape.models.mlp import MLPClassifier
from keras_tape.models.polynomial import PolynomialRegression, polynomial_equation

__all__ = ["LinearRegression", "MLPClassifier", "PolynomialRegression", "polynomial_equation"]
