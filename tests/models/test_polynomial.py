"""PolynomialRegression against numpy.polynomial least squares."""

import numpy as np
import pytest

from keras_tape.models import PolynomialRegression


def test_recovers_the_lab_polynomial_in_the_quick_starts_60_epochs():
    x = np.arange(11.0)
    y = 6 * x**2 + 8 * x + 2
    model = PolynomialRegression(degree=2)
    model.compile()
    model.fit(x, y, epochs=60, batch_size=11, verbose=0)
    assert model.coef.shape == (3,)
    np.testing.assert_allclose(model.coef, [2.0, 8.0, 6.0], atol=1e-3)
    assert model.equation() == "y = 6.0000*x^2 + 8.0000*x + 2.0000"


@pytest.mark.slow
@pytest.mark.parametrize("degree", [1, 3, 6])
def test_high_degree_on_wide_range_matches_polyfit(degree):
    rng = np.random.default_rng(degree)
    x = np.linspace(0, 100, 300)
    true = rng.normal(size=degree + 1) / 50.0 ** np.arange(degree + 1)
    y = np.polynomial.polynomial.polyval(x, true) + 0.01 * rng.normal(size=x.shape)
    model = PolynomialRegression(degree=degree)
    model.compile()
    model.fit(x, y, epochs=500, batch_size=len(x), verbose=0)
    reference = np.polynomial.Polynomial.fit(x, y, degree)
    np.testing.assert_allclose(model.predict(x, verbose=0)[:, 0], reference(x), atol=1e-3 * np.ptp(y) + 2e-2)
    # Coefficients compared term by term at the data's scale (c_k * 100^k).
    scale = 100.0 ** np.arange(degree + 1)
    np.testing.assert_allclose(model.coef * scale, reference.convert().coef * scale, atol=1e-3 * np.ptp(y))


@pytest.mark.slow
def test_equation_signs_and_column_input():
    x = np.linspace(-2, 3, 40)[:, None]
    y = -0.5 * x[:, 0] ** 3 + 2 * x[:, 0] - 4
    model = PolynomialRegression(degree=3)
    model.compile()
    model.fit(x, y, epochs=300, batch_size=40, verbose=0)
    assert model.equation(precision=2) == "y = -0.50*x^3 + 0.00*x^2 + 2.00*x - 4.00"


def test_rejects_several_input_columns():
    model = PolynomialRegression(degree=2)
    model.compile()
    with pytest.raises(ValueError, match=r"scalar input of shape \(n,\) or \(n, 1\).*got shape \(5, 2\)"):
        model.fit(np.ones((5, 2)), np.ones(5), verbose=0)


@pytest.mark.parametrize(
    "degree, error", [(0, ValueError), (-2, ValueError), (2.0, TypeError), ("2", TypeError), (None, TypeError)]
)
def test_bad_degree(degree, error):
    with pytest.raises(error, match="`degree` must be an integer >= 1"):
        PolynomialRegression(degree=degree)


def test_polynomial_equation_formats_ascending_coefficients_highest_power_first():
    from keras_tape.models import polynomial_equation

    assert polynomial_equation([2, 8, 6]) == "y = 6.0000*x^2 + 8.0000*x + 2.0000"
    assert polynomial_equation((1.35, 6.12)) == "y = 6.1200*x + 1.3500"
    assert polynomial_equation(np.array([-0.00001, -2.5, 0.0, 1.0]), precision=2) == (
        "y = 1.00*x^3 + 0.00*x^2 - 2.50*x + 0.00"
    )
