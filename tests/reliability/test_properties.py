"""Properties checked on generated input (hypothesis): the CSV loader and the coefficients in the user's units.

`load_csv` gives back exactly the float32 numbers a table was written with,
with or without a header, for any delimiter it accepts, and refuses any cell
that is not a finite float32 number, naming its line and column.

`coef` and `intercept` undo the whitening: evaluated in float64 they equal the
model's forward pass computed in float64 from its variables, to 1e-9 of the
size of the terms involved (what float64 itself can promise once the
expansion in powers of x cancels). One model is built per shape and its
variables are reassigned for each example.
"""

import contextlib

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from keras_tape import data
from keras_tape.models import LinearRegression, PolynomialRegression

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    # The autouse seed fixture runs once per test, not per example; nothing here depends on it.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


# --------------------------------------------------------------------------- CSV


def _is_number(text: str) -> bool:
    """Whether Python's float() reads `text` (the generated "words" must not be numbers)."""
    with contextlib.suppress(ValueError):
        return float(text) is not None
    return False


float32s = st.floats(width=32, allow_nan=False, allow_infinity=False)
names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_ ]{0,7}", fullmatch=True).filter(
    lambda name: not _is_number(name) and name.strip() == name
)
words = st.from_regex(r"[A-Za-z][A-Za-z0-9.+-]{0,5}", fullmatch=True).filter(lambda word: not _is_number(word))


@st.composite
def tables(draw):
    rows = draw(st.integers(1, 12))
    columns = draw(st.integers(2, 5))
    values = np.array(draw(st.lists(float32s, min_size=rows * columns, max_size=rows * columns)), "float32")
    header = draw(st.none() | st.lists(names, min_size=columns, max_size=columns, unique=True))
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    padding = draw(st.sampled_from(["", " "]))
    return values.reshape(rows, columns), header, delimiter, padding


def render(values, header, delimiter, padding) -> str:
    lines = [] if header is None else [delimiter.join(header)]
    # repr of the float64 value of a float32 is exact, and float() reads it back exactly.
    lines += [delimiter.join(f"{padding}{float(v)!r}{padding}" for v in row) for row in values]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def csv_path(tmp_path_factory):
    return tmp_path_factory.mktemp("csv") / "table.csv"


@pytest.mark.slow
@SETTINGS
@given(table=tables())
def test_load_csv_round_trips_the_numbers_it_wrote(csv_path, table):
    values, header, delimiter, padding = table
    csv_path.write_text(render(values, header, delimiter, padding), encoding="utf-8")

    x, y = data.load_csv(csv_path, delimiter=delimiter)

    assert x.dtype == y.dtype == np.float32
    expected_x = values[:, 0] if values.shape[1] == 2 else values[:, :-1]
    np.testing.assert_array_equal(x, expected_x)
    np.testing.assert_array_equal(y, values[:, -1])
    if header is not None:
        x_by_name, y_by_name = data.load_csv(csv_path, x_cols=header[-1], y_col=header[0], delimiter=delimiter)
        np.testing.assert_array_equal(x_by_name, values[:, -1])
        np.testing.assert_array_equal(y_by_name, values[:, 0])


@SETTINGS
@given(
    table=tables(),
    bad=words | st.sampled_from(["nan", "inf", "-Infinity", "1e39", "-3.5e38", "", "1,5", "0x10"]),
    where=st.tuples(st.integers(0), st.integers(0)),
)
def test_load_csv_refuses_a_cell_that_is_not_a_finite_float32(csv_path, table, bad, where):
    values, header, delimiter, padding = table
    assume(delimiter not in bad)
    row, column = where[0] % len(values), where[1] % values.shape[1]
    cells = [[f"{float(v)!r}" for v in line] for line in values]
    cells[row][column] = bad
    lines = ([] if header is None else [delimiter.join(header)]) + [delimiter.join(line) for line in cells]
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    line = row + 1 + (header is not None)

    with pytest.raises(ValueError, match=rf"line {line}, column {column}\b.*expected a (finite float32 )?number"):
        data.load_csv(csv_path, delimiter=delimiter)


# ------------------------------------------------------------ coefficients


def polynomial_forward(x, center, scale, mean, whitening, kernel, bias):
    """The model's forward pass, in float64 with numpy (see WhitenedRegression.call)."""
    t = (x - center) / scale
    features = t[:, None] ** np.arange(1, len(mean) + 1)
    return ((features - mean) @ whitening @ kernel + bias)[:, 0]


@pytest.fixture(scope="module")
def polynomial_models():
    models = {}
    for degree in range(1, 9):
        models[degree] = PolynomialRegression(degree=degree)
        models[degree](np.zeros(2, "float32"))
    return models


scales = st.floats(-3, 3).map(lambda e: 10.0**e)
unit_floats = st.floats(-1, 1)


@SETTINGS
@given(
    degree=st.integers(1, 8),
    scale=scales,
    offset=st.floats(-5, 5),
    seed=st.integers(0, 2**32 - 1),
)
def test_polynomial_coef_equals_the_forward_pass(polynomial_models, degree, scale, offset, seed):
    model = polynomial_models[degree]
    rng = np.random.default_rng(seed)
    model.x_center.assign(offset * scale)
    model.x_scale.assign(scale)
    model.feature_mean.assign(rng.normal(size=degree))
    model.whitening.assign(rng.normal(size=(degree, degree)))
    model.kernel.assign(rng.normal(size=(degree, 1)))
    model.bias.assign(rng.normal(size=1))
    # The variables hold float32 values; both sides start from exactly those.
    center, scale, mean, whitening, kernel, bias = (
        v.numpy().astype("float64")
        for v in (model.x_center, model.x_scale, model.feature_mean, model.whitening, model.kernel, model.bias)
    )
    x = center + scale * rng.uniform(-1.5, 1.5, size=16)

    coef = model.coef
    assert coef.shape == (degree + 1,)
    forward = polynomial_forward(x, center, scale, mean, whitening, kernel, bias)
    in_t = np.concatenate([bias - mean @ whitening @ kernel, (whitening @ kernel)[:, 0]])
    # What float64 can promise: the size of the terms before they cancel.
    size = np.polynomial.polynomial.polyval((np.abs(x) + abs(center)) / scale, np.abs(in_t))
    np.testing.assert_array_less(np.abs(np.polynomial.polynomial.polyval(x, coef) - forward), 1e-9 * size + 1e-300)
    # The numpy forward pass is the model's: the float32 model agrees to float32 precision.
    predicted = model(x.astype("float32")).numpy()[:, 0].astype("float64")
    np.testing.assert_array_less(np.abs(predicted - forward), 1e-4 * size)


@pytest.fixture(scope="module")
def linear_models():
    models = {}
    for features in range(1, 5):
        for units in (1, 3):
            models[features, units] = LinearRegression(units=units)
            models[features, units](np.zeros((1, features), "float32"))
    return models


@SETTINGS
@given(
    features=st.integers(1, 4),
    units=st.sampled_from([1, 3]),
    scale=scales,
    offset=st.floats(-100, 100),
    seed=st.integers(0, 2**32 - 1),
)
def test_linear_coef_and_intercept_equal_the_forward_pass(linear_models, features, units, scale, offset, seed):
    model = linear_models[features, units]
    rng = np.random.default_rng(seed)
    model.feature_mean.assign(offset + scale * rng.normal(size=features))
    model.whitening.assign(rng.normal(size=(features, features)) / scale)
    model.kernel.assign(rng.normal(size=(features, units)))
    model.bias.assign(rng.normal(size=units))
    mean, whitening, kernel, bias = (
        v.numpy().astype("float64") for v in (model.feature_mean, model.whitening, model.kernel, model.bias)
    )
    x = offset + scale * rng.normal(size=(16, features))

    coef, intercept = model.coef, model.intercept
    if units == 1:
        assert coef.shape == (features,) and isinstance(intercept, float)
        coef, intercept = coef[:, None], np.array([intercept])
    else:
        assert coef.shape == (features, units) and intercept.shape == (units,)
    forward = (x - mean) @ whitening @ kernel + bias
    size = (np.abs(x) + np.abs(mean)) @ np.abs(whitening) @ np.abs(kernel) + np.abs(bias)
    np.testing.assert_array_less(np.abs(x @ coef + intercept - forward), 1e-9 * size)
    predicted = model(x.astype("float32")).numpy().astype("float64")
    np.testing.assert_array_less(np.abs(predicted - forward), 1e-4 * size)
