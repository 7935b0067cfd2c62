"""Data for the lab's exercises: CSV files, synthetic curves, the bundled practice data, digits and MNIST.

Every loader returns plain numpy arrays ready for `model.fit(x, y)`, and every
error names the argument at fault, what it got and what it expects.
"""

from keras_tape.data._csv import load_csv
from keras_tape.data._mnist import load_digits, load_mnist, load_mnist_test
from keras_tape.data._practice import load_practice02
from keras_tape.data._synthetic import linear_data, polynomial_data

__all__ = [
    "linear_data",
    "load_csv",
    "load_digits",
    "load_mnist",
    "load_mnist_test",
    "load_practice02",
    "polynomial_data",
]
