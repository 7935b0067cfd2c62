"""The lab's comparison: least squares, the practice's gradient descent, the tape model."""

import numpy as np
import pytest

from keras_tape.lab import compare


@pytest.fixture
def line():
    """A noisy line y = 2.5x - 1 on 50 points."""
    rng = np.random.default_rng(1)
    x = np.linspace(-3.0, 5.0, 50)
    return x, 2.5 * x - 1.0 + rng.normal(scale=0.5, size=x.shape)


def test_least_squares_equals_numpy_polyfit(line):
    x, y = line
    result = compare.least_squares(x, y)
    slope, intercept = np.polyfit(x, y, 1)
    np.testing.assert_allclose([result.slope, result.intercept], [slope, intercept], rtol=1e-12)
    assert result.mse == pytest.approx(np.mean((y - (slope * x + intercept)) ** 2))
    assert (result.method, result.steps) == (compare.LEAST_SQUARES, None)


def test_least_squares_on_practice02_matches_the_reference(practice02):
    result = compare.least_squares(*practice02)
    assert result.slope == pytest.approx(1.322431, abs=1e-6)
    assert result.intercept == pytest.approx(7.991021, abs=1e-6)
    assert result.mse == pytest.approx(110.2574, abs=1e-4)


def test_gradient_descent_reproduces_the_practice(practice02):
    result = compare.gradient_descent(*practice02, learning_rate=1e-4, iterations=1000)
    assert result.slope == pytest.approx(1.477744, abs=1e-4)
    assert result.intercept == pytest.approx(0.088937, abs=1e-4)
    assert result.mse == pytest.approx(112.6148, abs=1e-4)
    assert (result.method, result.steps) == (compare.GRADIENT_DESCENT, 1000)


@pytest.mark.slow
def test_tape_model_reaches_least_squares(practice02):
    exact = compare.least_squares(*practice02)
    result = compare.tape_fit(*practice02, epochs=300)
    assert result.slope == pytest.approx(exact.slope, rel=1e-3)
    assert result.intercept == pytest.approx(exact.intercept, rel=1e-3)
    assert result.mse == pytest.approx(exact.mse, rel=1e-3)
    assert (result.method, result.steps) == (compare.TAPE_FIT, 300)


def test_compare_fits_returns_the_three_methods_in_order(line):
    results = compare.compare_fits(*line, gd_iterations=10, epochs=5)
    assert [r.method for r in results] == [compare.LEAST_SQUARES, compare.GRADIENT_DESCENT, compare.TAPE_FIT]
    assert [r.steps for r in results] == [None, 10, 5]
    assert all(r.seconds >= 0 for r in results)


def test_a_column_vector_x_is_one_input(line):
    x, y = line
    assert compare.least_squares(x[:, None], y).slope == pytest.approx(compare.least_squares(x, y).slope)


def test_fit_result_predicts_its_line():
    result = compare.FitResult("m", slope=2.0, intercept=-1.0, mse=0.0, steps=None, seconds=0.0)
    np.testing.assert_allclose(result.predict([0, 1, 2.5]), [-1.0, 1.0, 4.0])


def test_format_comparison_prints_one_aligned_row_a_method():
    results = [
        compare.FitResult(compare.LEAST_SQUARES, 1.322431, 7.991021, 110.2574, None, 0.0004),
        compare.FitResult(compare.GRADIENT_DESCENT, 1.477744, 0.088937, 112.6148, 1000, 0.0123),
    ]
    lines = compare.format_comparison(results).splitlines()
    assert lines[0].split() == ["method", "slope", "intercept", "MSE", "steps", "time"]
    assert set(lines[1]) == {"-", " "}
    assert lines[2].split()[-6:] == ["1.3224", "7.9910", "110.2574", "-", "0.000", "s"]
    assert lines[3].endswith("1000  0.012 s")
    # Numbers are right-aligned: every row ends in the same column.
    assert len({len(line) for line in lines}) == 1


def test_format_table_right_aligns_numeric_columns_only():
    table = compare.format_table(["name", "value"], [["a", "1.5"], ["bbb", "-20"]])
    assert table.splitlines() == ["name  value", "----  -----", "a       1.5", "bbb     -20"]


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda x, y: compare.least_squares(np.zeros((5, 2)), y[:5]), ValueError, "`x` must be one input column"),
        (lambda x, y: compare.least_squares(x, y[:, None]), ValueError, "`y` must have rank 1"),
        (lambda x, y: compare.least_squares(x, y[:-1]), ValueError, "`x` has 50, `y` has 49"),
        (lambda x, y: compare.least_squares("x", y), TypeError, "`x` must be a numeric array"),
        (lambda x, y: compare.gradient_descent(x, y, learning_rate=0), ValueError, "`learning_rate` must be"),
        (lambda x, y: compare.gradient_descent(x, y, learning_rate="fast"), TypeError, "`learning_rate`"),
        (lambda x, y: compare.gradient_descent(x, y, iterations=0), ValueError, "`iterations` must be"),
        (lambda x, y: compare.tape_fit(x, y, epochs=1.5), TypeError, "`epochs` must be an integer"),
    ],
)
def test_argument_errors_name_the_argument(line, call, error, message):
    with pytest.raises(error, match=message):
        call(*line)
