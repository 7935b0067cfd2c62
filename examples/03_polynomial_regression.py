"""
Title: Polynomial regression through `fit()`
Description: Recover y = 6x^2 + 8x + 2 exactly with `PolynomialRegression`,
and see why the lab's loop on the raw powers of x could not.

This is part 3 of the lab on gradients and automatic differentiation. The lab
fitted `y = a x^2 + b x + c` to the points x = 0, 1, ..., 10 of
y = 6x^2 + 8x + 2 with a hand-written GradientTape step, and after 10,000
steps still ended near 5.96x^2 + 7.59x + 2.00. Here:

(a) `keras_tape.models.PolynomialRegression` gets the coefficients right in a
    few hundred full-batch epochs of `fit()`,
(b) a `TapeModel` on the raw powers, like the lab's loop, crawls,
(c) with noisy data, the model matches numpy's least-squares polynomial fit,
    and a degree that is too high finds a near-zero extra coefficient.

Runs in well under a minute on a CPU.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_tape  # noqa: E402
from keras_tape import data, models  # noqa: E402

"""
## (a) The lab's data, through `fit()`

`polynomial_data()` defaults to the lab's y = 6x^2 + 8x + 2 on x = 0..10.
"""

x, y = data.polynomial_data()
model = models.PolynomialRegression(degree=2)
model.compile()  # SGD(0.1) on mean squared error
model.fit(x, y, epochs=60, batch_size=len(x), verbose=0)
print("(a) fitted:", model.equation())
print("(a) coef (c0, c1, c2):", np.round(model.coef, 4).tolist())

"""
## (b) The same step on the raw powers of x

The lab's loop used x, x^2 as they are: x^2 reaches 100 while x stays under 10,
so the loss surface is a long, narrow valley. A learning rate small enough not
to diverge along x^2 barely moves c0 and c1. `PolynomialRegression` maps x to
[-1, 1] and whitens the powers before training (see its docstring), which
makes the valley a round bowl.
"""


class RawPolynomial(keras_tape.TapeModel):
    """c0 + c1 x + c2 x^2 on the raw powers of x, as the lab's hand loop had it."""

    def build(self, input_shape):
        self.c = self.add_weight(name="c", shape=(3,), initializer="zeros")

    def call(self, x):
        return self.c[0] + self.c[1] * x + self.c[2] * x**2


raw = RawPolynomial()
raw.compile(optimizer=keras.optimizers.SGD(learning_rate=1e-4), loss="mse")
raw.fit(x, y, epochs=300, batch_size=len(x), verbose=0)
c0, c1, c2 = raw.c.numpy()
print(f"(b) raw powers, SGD(1e-4), 300 epochs: y = {c2:.4f}*x^2 + {c1:.4f}*x + {c0:.4f}")

"""
## (c) Noisy data, and a degree too many

With noise the best any method can do is least squares; numpy's
`Polynomial.fit` computes it in closed form. A cubic fit to quadratic data
should find a cubic coefficient near zero.
"""

x_noisy, y_noisy = data.polynomial_data(x=np.linspace(0, 10, 50), noise=5.0, seed=0)
noisy = models.PolynomialRegression(degree=2)
noisy.compile()
noisy.fit(x_noisy, y_noisy, epochs=300, batch_size=len(x_noisy), verbose=0)
reference = np.polynomial.Polynomial.fit(x_noisy, y_noisy, deg=2).convert().coef
print("(c) noisy data, tape model coef:", np.round(noisy.coef, 4).tolist())
print("(c) noisy data, numpy least squares coef:", np.round(reference, 4).tolist())

cubic = models.PolynomialRegression(degree=3)
cubic.compile()
cubic.fit(x_noisy, y_noisy, epochs=300, batch_size=len(x_noisy), verbose=0)
print("(c) degree 3 on quadratic data:", cubic.equation())

"""
The same from a terminal, with a plot of the data and the fitted curve:

```
keras-tape fit polynomial --degree 2 --plot polynomial.png
```
"""
