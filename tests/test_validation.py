"""The finiteness check of `check_array`, which scans large arrays block by block."""

import numpy as np
import pytest

from keras_tape import _validation


@pytest.mark.parametrize("row", [0, 333, 334, 2999])  # first row, both sides of a block edge, last row
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_non_finite_value_is_found_in_any_block(row, bad):
    x = np.ones((3000, 784), dtype="float32")
    x[row, 783] = bad
    with pytest.raises(ValueError, match=f"got {bad} at row {row} \\(1 non-finite values in all\\)"):
        _validation.check_array(x, "x", ndim=None)


def test_finite_arrays_of_any_rank_pass():
    for shape in [(5,), (3000, 784), (7, 3, 3)]:
        x = np.arange(np.prod(shape), dtype="float64").reshape(shape)
        np.testing.assert_array_equal(_validation.check_array(x, "x", ndim=None), x.astype("float32"))
