"""The finiteness check of `check_array` and `check_numeric`, which scan large arrays block by block."""

import numpy as np
import pytest

from keras_tape import _validation


@pytest.mark.parametrize("check", [_validation.check_array, _validation.check_numeric])
@pytest.mark.parametrize("row", [0, 333, 334, 2999])  # first row, both sides of a block edge, last row
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_non_finite_value_is_found_in_any_block(row, bad, check):
    x = np.ones((3000, 784), dtype="float32")
    x[row, 783] = bad
    with pytest.raises(ValueError, match=f"got {bad} at row {row} \\(1 non-finite values in all\\)"):
        check(x, "x", ndim=None)


@pytest.mark.filterwarnings("ignore:overflow encountered in cast")
def test_check_numeric_judges_finiteness_in_the_target_dtype_and_does_not_convert():
    x = np.ones((3000, 200))  # float64; blocks of 1,310 rows, so row 2000 is in the second
    assert _validation.check_numeric(x, "x", ndim=None).dtype == "float64"
    x[2000, 5] = 1e300  # finite in float64, inf in float32
    with pytest.raises(ValueError, match="got inf at row 2000"):
        _validation.check_numeric(x, "x", ndim=None)
    np.testing.assert_array_equal(_validation.check_numeric(x, "x", ndim=None, dtype="float64"), x)


def test_finite_arrays_of_any_rank_pass():
    for shape in [(5,), (3000, 784), (7, 3, 3)]:
        x = np.arange(np.prod(shape), dtype="float64").reshape(shape)
        np.testing.assert_array_equal(_validation.check_array(x, "x", ndim=None), x.astype("float32"))
