"""Tests for keras_tape.data: CSV, synthetic curves, digits and MNIST loaders."""

import gzip
import importlib
import os
import sys
import urllib.error
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_tape import data

DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PRACTICE02 = DATA_DIR / "practice02.csv"
MNIST_DIR = DATA_DIR / "mnist"

MNIST_NAMES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


def write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- CSV


def test_load_csv_round_trip_of_a_numpy_file(tmp_path):
    values = np.random.default_rng(0).uniform(-1.0, 1.0, size=(20, 3))
    path = tmp_path / "values.csv"
    np.savetxt(path, values, delimiter=",", fmt="%.10g")

    x, y = data.load_csv(path)

    assert x.dtype == np.float32 and y.dtype == np.float32
    assert x.shape == (20, 2) and y.shape == (20,)
    np.testing.assert_allclose(x, values[:, :2], rtol=0, atol=1e-6)
    np.testing.assert_allclose(y, values[:, 2], rtol=0, atol=1e-6)


def test_load_csv_one_x_column_gives_a_1d_x(tmp_path):
    path = write_text(tmp_path / "xy.csv", "1,2\n3,4.5\n-5e-1,6\n")
    x, y = data.load_csv(path)
    assert x.shape == (3,) and y.shape == (3,)
    np.testing.assert_array_equal(x, [1.0, 3.0, -0.5])
    np.testing.assert_array_equal(y, [2.0, 4.5, 6.0])


def test_load_csv_other_delimiter_and_column_choice_by_index(tmp_path):
    path = write_text(tmp_path / "semi.csv", "1;2;3\n4;5;6\n")
    x, y = data.load_csv(path, x_cols=[2, 0], y_col=1, delimiter=";")
    np.testing.assert_array_equal(x, [[3.0, 1.0], [6.0, 4.0]])
    np.testing.assert_array_equal(y, [2.0, 5.0])
    x, y = data.load_csv(path, x_cols=-1, y_col=0, delimiter=";")
    np.testing.assert_array_equal(x, [3.0, 6.0])
    np.testing.assert_array_equal(y, [1.0, 4.0])


def test_load_csv_header_by_names_and_by_indices(tmp_path):
    path = write_text(tmp_path / "named.csv", "a, b ,c\n1,2,3\n4,5,6\n")

    x, y = data.load_csv(path)  # the header row is not data
    np.testing.assert_array_equal(x, [[1.0, 2.0], [4.0, 5.0]])
    np.testing.assert_array_equal(y, [3.0, 6.0])

    x, y = data.load_csv(path, x_cols=["c", "a"], y_col="b")  # names are stripped
    np.testing.assert_array_equal(x, [[3.0, 1.0], [6.0, 4.0]])
    np.testing.assert_array_equal(y, [2.0, 5.0])

    x, y = data.load_csv(path, x_cols=0, y_col=2)
    np.testing.assert_array_equal(x, [1.0, 4.0])
    np.testing.assert_array_equal(y, [3.0, 6.0])


def test_load_csv_skips_unselected_text_columns_blank_lines_bom_and_crlf(tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes("\ufeffname,hours,score\r\nann,1.5,70\r\n\r\nbob,2,80\r\n\r\n".encode())
    x, y = data.load_csv(path, x_cols="hours", y_col="score")
    np.testing.assert_array_equal(x, [1.5, 2.0])
    np.testing.assert_array_equal(y, [70.0, 80.0])


def test_load_csv_names_without_header_are_refused(tmp_path):
    path = write_text(tmp_path / "plain.csv", "1,2\n3,4\n")
    with pytest.raises(TypeError, match=r"`x_cols\[0\]` got the column name 'x'.*no header"):
        data.load_csv(path, x_cols=["x"], y_col=1)
    with pytest.raises(TypeError, match=r"`y_col` got the column name 'y'.*no header"):
        data.load_csv(path, y_col="y")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read any file")
def test_load_csv_unreadable_file_for_real(tmp_path):
    path = write_text(tmp_path / "secret.csv", "1,2\n")
    path.chmod(0)
    try:
        with pytest.raises(PermissionError, match=r"`path` '.*secret\.csv'.*permission denied"):
            data.load_csv(path)
    finally:
        path.chmod(0o600)


# The catalogue in tests/reliability/test_bad_input.py has one case of each
# bad CSV; the tests here cover variants it does not.
def test_load_csv_blank_lines_only_count_as_empty(tmp_path):
    path = write_text(tmp_path / "empty.csv", "\n\n  \n")
    with pytest.raises(ValueError, match=r"`path` '.*empty\.csv' is empty"):
        data.load_csv(path)


def test_load_csv_ragged_rows_give_line_and_field_counts(tmp_path):
    path = write_text(tmp_path / "ragged.csv", "1,2\n\n3,4\n5,6,7\n")
    with pytest.raises(ValueError, match=r"`path`.*line 4 has 3 fields, expected 2"):
        data.load_csv(path)


def test_load_csv_non_numeric_cell_names_the_header_column(tmp_path):
    path = write_text(tmp_path / "typo.csv", "x,y\n1,2\n3 ,4\no,5\n")
    with pytest.raises(ValueError, match=r"line 4, column 0 \('x'\): expected a number, got 'o'"):
        data.load_csv(path)


def test_load_csv_first_row_with_one_number_is_data_not_header(tmp_path):
    path = write_text(tmp_path / "typo.csv", "1,abc\n2,3\n")
    with pytest.raises(ValueError, match=r"line 1, column 1: expected a number, got 'abc'"):
        data.load_csv(path)


@pytest.mark.parametrize(
    "cell, line, column",
    [("nan", 2, 0), ("inf", 3, 1), ("-Infinity", 3, 1), ("1e39", 2, 0)],
)
def test_load_csv_non_finite_cells(tmp_path, cell, line, column):
    rows = [["1", "2"], ["3", "4"], ["5", "6"]]
    rows[line - 1][column] = cell
    path = write_text(tmp_path / "bad.csv", "\n".join(",".join(row) for row in rows) + "\n")
    with pytest.raises(ValueError, match=rf"line {line}, column {column}: expected a finite float32 number"):
        data.load_csv(path)


@pytest.mark.parametrize(
    "text, delimiter, named",
    [
        ("1;2\n3;4\n", ",", r"';'"),
        ("1\t2\n3\t4\n", ",", r"'\\t'"),
        ("1|2\n3|4\n", ",", r"'\|'"),
        ("1,2\n3,4\n", ";", r"','"),
    ],
)
def test_load_csv_wrong_delimiter_names_the_right_one(tmp_path, text, delimiter, named):
    path = write_text(tmp_path / "data.csv", text)
    with pytest.raises(ValueError, match=rf"seems to use another delimiter: {named}.*`delimiter`={named}"):
        data.load_csv(path, delimiter=delimiter)


def test_load_csv_wrong_delimiter_with_header_and_names(tmp_path):
    path = write_text(tmp_path / "data.csv", "x;y\n1;2\n")
    with pytest.raises(ValueError, match=r"unknown column name 'y'.*\['x;y'\].*delimiter: ';'"):
        data.load_csv(path, x_cols="x", y_col="y")


def test_load_csv_wrong_delimiter_with_explicit_indices(tmp_path):
    path = write_text(tmp_path / "data.csv", "1;2\n3;4\n")
    with pytest.raises(ValueError, match=r"`x_cols\[0\]` got the index 1, out of range.*';'"):
        data.load_csv(path, x_cols=[1], y_col=0)


def test_load_csv_single_column_file(tmp_path):
    path = write_text(tmp_path / "one.csv", "1\n2\n3\n")
    with pytest.raises(ValueError, match=r"only 1 column; expected at least 2.*single field.*`delimiter`"):
        data.load_csv(path)


def test_load_csv_unknown_column_name_lists_available_names(tmp_path):
    path = write_text(tmp_path / "named.csv", "a,b\n1,2\n")
    with pytest.raises(ValueError, match=r"`y_col` got the unknown column name 'z'; available names: \['a', 'b'\]"):
        data.load_csv(path, y_col="z")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"y_col": 2}, r"`y_col` got the index 2, out of range .* 2 column\(s\).*\[-2, 1\]"),
        ({"y_col": -3}, r"`y_col` got the index -3"),
        ({"x_cols": [0, 5], "y_col": 1}, r"`x_cols\[1\]` got the index 5"),
    ],
)
def test_load_csv_index_out_of_range(tmp_path, kwargs, message):
    path = write_text(tmp_path / "xy.csv", "1,2\n3,4\n")
    with pytest.raises(ValueError, match=message):
        data.load_csv(path, **kwargs)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"x_cols": 1.5}, TypeError, r"`x_cols` must be None, a column index or name"),
        ({"x_cols": [0.0]}, TypeError, r"`x_cols\[0\]` must be a column index .* type float"),
        ({"y_col": True}, TypeError, r"`y_col` must be a column index .* type bool"),
        ({"y_col": None}, TypeError, r"`y_col` must be a column index"),
        ({"x_cols": []}, ValueError, r"`x_cols` must select at least one column"),
        ({"x_cols": [0, 0], "y_col": 2}, ValueError, r"`x_cols` must not select a column twice"),
        ({"x_cols": [0, 2]}, ValueError, r"`x_cols` must not contain the target column"),
        ({"delimiter": ",,"}, ValueError, r"`delimiter` must be one character.*got ',,'"),
        ({"delimiter": '"'}, ValueError, r"`delimiter` must be one character"),
        ({"delimiter": None}, TypeError, r"`delimiter` must be a one-character string"),
    ],
)
def test_load_csv_bad_arguments(tmp_path, kwargs, error, message):
    path = write_text(tmp_path / "xyz.csv", "1,2,3\n4,5,6\n")
    with pytest.raises(error, match=message):
        data.load_csv(path, **kwargs)


def test_load_csv_accepts_numpy_indices(tmp_path):
    path = write_text(tmp_path / "xyz.csv", "1,2,3\n4,5,6\n")
    x, y = data.load_csv(path, x_cols=np.array([1, 0]), y_col=np.int64(2))
    np.testing.assert_array_equal(x, [[2.0, 1.0], [5.0, 4.0]])
    np.testing.assert_array_equal(y, [3.0, 6.0])


@pytest.mark.skipif(not PRACTICE02.is_file(), reason=f"shared data not found at {PRACTICE02}")
def test_load_csv_practice02_matches_the_lab_least_squares():
    x, y = data.load_csv(PRACTICE02)
    assert x.shape == (100,) and y.shape == (100,)

    slope, intercept = np.polyfit(x.astype("float64"), y.astype("float64"), 1)
    mse = np.mean((y - (slope * x + intercept)) ** 2)

    assert slope == pytest.approx(1.322431, abs=1e-5)
    assert intercept == pytest.approx(7.991021, abs=1e-5)
    assert mse == pytest.approx(110.2574, abs=1e-3)


# --------------------------------------------------------------------- synthetic


def test_linear_data_defaults_are_the_lab_line():
    x, y = data.linear_data()
    assert x.shape == (100,) and y.shape == (100,)
    assert x.dtype == np.float32 and y.dtype == np.float32
    assert x[0] == 0.0 and x[-1] == 10.0
    np.testing.assert_allclose(np.diff(x), 10.0 / 99.0, rtol=1e-5)
    np.testing.assert_allclose(y, 6.12 * x.astype("float64") + 1.35, rtol=1e-6, atol=1e-5)


def test_linear_data_custom_line():
    x, y = data.linear_data(n=5, slope=-2.0, intercept=3.0, x_range=(-1.0, 1.0))
    np.testing.assert_array_equal(x, [-1.0, -0.5, 0.0, 0.5, 1.0])
    np.testing.assert_array_equal(y, [5.0, 4.0, 3.0, 2.0, 1.0])


def test_linear_data_seeded_noise_is_reproducible_with_the_asked_std():
    x, y = data.linear_data(n=20_000, noise=0.5, seed=3)
    _, y_again = data.linear_data(n=20_000, noise=0.5, seed=3)
    _, y_other = data.linear_data(n=20_000, noise=0.5, seed=4)
    np.testing.assert_array_equal(y, y_again)
    assert not np.array_equal(y, y_other)

    residual = y.astype("float64") - (6.12 * x.astype("float64") + 1.35)
    assert residual.std() == pytest.approx(0.5, rel=0.03)
    assert abs(residual.mean()) < 0.02


def test_linear_data_unseeded_noise_differs_between_calls():
    _, first = data.linear_data(n=50, noise=1.0)
    _, second = data.linear_data(n=50, noise=1.0)
    assert not np.array_equal(first, second)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"n": 0}, ValueError, r"`n` must be an integer >= 1, got 0"),
        ({"n": 2.5}, TypeError, r"`n` must be an integer"),
        ({"noise": -0.1}, ValueError, r"`noise` must be a finite number >= 0.0, got -0.1"),
        ({"noise": "big"}, TypeError, r"`noise` must be a finite number"),
        ({"slope": float("nan")}, ValueError, r"`slope` must be a finite number, got nan"),
        ({"x_range": (1.0, 1.0)}, ValueError, r"`x_range` must have low < high"),
        ({"x_range": (0.0, 1.0, 2.0)}, TypeError, r"`x_range` must be a pair"),
        ({"seed": "a", "noise": 1.0}, TypeError, r"`seed` must be an integer"),
    ],
)
def test_linear_data_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        data.linear_data(**kwargs)


def test_polynomial_data_defaults_are_the_lab_parabola():
    x, y = data.polynomial_data()
    assert x.dtype == np.float32 and y.dtype == np.float32
    np.testing.assert_array_equal(x, np.arange(11))
    np.testing.assert_array_equal(y, 6 * np.arange(11) ** 2 + 8 * np.arange(11) + 2)
    assert y[:3].tolist() == [2.0, 16.0, 42.0]


def test_polynomial_data_custom_coefficients_are_in_ascending_powers():
    x, y = data.polynomial_data(coef=[1.0, 0.0, 0.0, 1.0], x=[-1.0, 0.5, 2.0])
    np.testing.assert_array_equal(x, [-1.0, 0.5, 2.0])
    np.testing.assert_allclose(y, [0.0, 1.125, 9.0])


def test_polynomial_data_seeded_noise():
    grid = np.linspace(-1.0, 1.0, 20_000)
    _, y = data.polynomial_data(coef=(0.0, 0.0, 1.0), x=grid, noise=0.2, seed=1)
    _, y_again = data.polynomial_data(coef=(0.0, 0.0, 1.0), x=grid, noise=0.2, seed=1)
    np.testing.assert_array_equal(y, y_again)
    residual = y.astype("float64") - grid**2
    assert residual.std() == pytest.approx(0.2, rel=0.03)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"coef": []}, ValueError, r"`coef` must not be empty"),
        ({"coef": "abc"}, TypeError, r"`coef` must be a numeric array"),
        ({"x": [[1.0, 2.0]]}, ValueError, r"`x` must have rank 1"),
        ({"x": [1.0, np.inf]}, ValueError, r"`x` must contain only finite numbers"),
        ({"noise": -1}, ValueError, r"`noise` must be a finite number >= 0.0"),
    ],
)
def test_polynomial_data_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        data.polynomial_data(**kwargs)


# ------------------------------------------------------------------------ digits


def test_load_digits_shape_range_and_labels():
    x, y = data.load_digits()
    assert x.shape == (1797, 8, 8) and x.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int32
    assert x.min() == 0.0 and x.max() == 1.0
    np.testing.assert_array_equal(np.unique(x * 16), np.arange(17))  # raw pixels 0..16
    np.testing.assert_array_equal(np.unique(y), np.arange(10))


def test_load_digits_without_scikit_learn_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    with pytest.raises(ImportError, match=r'pip install "keras-tape\[datasets\]"'):
        data.load_digits()


# ------------------------------------------------------------------------- MNIST


def write_idx(path: Path, array: np.ndarray, magic: int | None = None) -> Path:
    """Writes `array` (uint8) as an IDX file, gzipped when `path` ends in .gz."""
    if magic is None:
        magic = 0x0800 + array.ndim
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    content = header + array.astype(np.uint8).tobytes()
    if path.suffix == ".gz":
        content = gzip.compress(content)
    path.write_bytes(content)
    return path


def synthetic_mnist(n_train: int = 6, n_test: int = 4, seed: int = 0):
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, size=n_train, dtype=np.uint8),
        "x_test": rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, size=n_test, dtype=np.uint8),
    }


def write_mnist_folder(folder: Path, arrays: dict, gz_keys=()) -> dict:
    folder.mkdir(exist_ok=True)
    files = {}
    for key, array in arrays.items():
        name = MNIST_NAMES[key] + (".gz" if key in gz_keys else "")
        files[key] = write_idx(folder / name, array)
    return files


def assert_mnist_equal(loaded, arrays):
    (x_train, y_train), (x_test, y_test) = loaded
    for key, array in zip(MNIST_NAMES, (x_train, y_train, x_test, y_test)):
        assert array.dtype == np.uint8, key
        np.testing.assert_array_equal(array, arrays[key], err_msg=key)


@pytest.mark.skipif(not MNIST_DIR.is_dir(), reason=f"shared MNIST files not found at {MNIST_DIR}")
def test_load_mnist_test_reads_the_real_t10k_files():
    x_test, y_test = data.load_mnist_test(MNIST_DIR)
    assert x_test.shape == (10_000, 28, 28) and x_test.dtype == np.uint8
    assert y_test.shape == (10_000,) and y_test.dtype == np.uint8
    assert x_test.min() == 0 and x_test.max() == 255
    counts = np.bincount(y_test, minlength=10)
    assert counts.tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.mark.skipif(not MNIST_DIR.is_dir(), reason=f"shared MNIST files not found at {MNIST_DIR}")
def test_load_mnist_on_the_test_only_folder_names_the_missing_train_files():
    with pytest.raises(FileNotFoundError) as info:
        data.load_mnist(MNIST_DIR)
    message = str(info.value)
    assert "train-images-idx3-ubyte" in message and "train-labels-idx1-ubyte" in message
    assert "load_mnist_test" in message


@pytest.mark.parametrize("gz_keys", [(), tuple(MNIST_NAMES), ("x_train", "y_test")])
def test_load_mnist_from_an_idx_folder(tmp_path, gz_keys):
    arrays = synthetic_mnist()
    write_mnist_folder(tmp_path / "mnist", arrays, gz_keys=gz_keys)
    assert_mnist_equal(data.load_mnist(tmp_path / "mnist"), arrays)
    x_test, y_test = data.load_mnist_test(str(tmp_path / "mnist"))
    np.testing.assert_array_equal(x_test, arrays["x_test"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])


@pytest.mark.parametrize("missing", list(MNIST_NAMES))
def test_load_mnist_folder_missing_one_file(tmp_path, missing):
    files = write_mnist_folder(tmp_path, synthetic_mnist())
    files[missing].unlink()
    with pytest.raises(FileNotFoundError, match=rf"`path` folder .* lacks {MNIST_NAMES[missing]} "):
        data.load_mnist(tmp_path)


def test_load_mnist_test_folder_missing_a_test_file(tmp_path):
    files = write_mnist_folder(tmp_path, synthetic_mnist())
    files["y_test"].unlink()
    with pytest.raises(FileNotFoundError, match=r"lacks t10k-labels-idx1-ubyte "):
        data.load_mnist_test(tmp_path)


@pytest.mark.parametrize(
    "key, magic, expected",
    [("y_test", 2051, 2049), ("x_train", 2049, 2051), ("x_test", 0x1F8B0800, 2051)],
)
def test_load_mnist_bad_magic_number(tmp_path, key, magic, expected):
    arrays = synthetic_mnist()
    files = write_mnist_folder(tmp_path, arrays)
    write_idx(files[key], arrays[key], magic=magic)
    with pytest.raises(ValueError, match=rf"{MNIST_NAMES[key]}' has magic number {magic}; expected {expected}"):
        data.load_mnist(tmp_path)


@pytest.mark.parametrize("cut", [1, 28 * 28 + 5])
def test_load_mnist_truncated_images(tmp_path, cut):
    files = write_mnist_folder(tmp_path, synthetic_mnist())
    content = files["x_test"].read_bytes()
    files["x_test"].write_bytes(content[:-cut])
    with pytest.raises(
        ValueError,
        match=rf"t10k-images-idx3-ubyte' declares shape \(4, 28, 28\), i.e. {len(content)} "
        rf"bytes, but holds {len(content) - cut} bytes",
    ):
        data.load_mnist_test(tmp_path)


def test_load_mnist_file_longer_than_declared(tmp_path):
    files = write_mnist_folder(tmp_path, synthetic_mnist())
    files["y_train"].write_bytes(files["y_train"].read_bytes() + b"\x00")
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte' declares shape \(6,\)"):
        data.load_mnist(tmp_path)


def test_load_mnist_truncated_header_and_truncated_gzip(tmp_path):
    files = write_mnist_folder(tmp_path, synthetic_mnist(), gz_keys=("x_test",))
    files["y_test"].write_bytes((2049).to_bytes(4, "big") + b"\x00\x00")
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte' is truncated: 6 bytes"):
        data.load_mnist_test(tmp_path)

    write_idx(files["y_test"], synthetic_mnist()["y_test"])
    compressed = files["x_test"].read_bytes()
    files["x_test"].write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte\.gz' could not be read"):
        data.load_mnist_test(tmp_path)


def test_load_mnist_images_and_labels_must_match(tmp_path):
    arrays = synthetic_mnist()
    files = write_mnist_folder(tmp_path, arrays)
    write_idx(files["y_test"], arrays["y_test"][:3])
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte' must have shape \(4,\)"):
        data.load_mnist_test(tmp_path)

    write_idx(files["y_test"], np.array([0, 1, 12, 3], dtype=np.uint8))
    with pytest.raises(ValueError, match=r"class labels in \[0, 10\), got values from 0 to 12"):
        data.load_mnist_test(tmp_path)


def test_load_mnist_from_npz(tmp_path):
    arrays = synthetic_mnist()
    np.savez(tmp_path / "mnist.npz", **arrays)
    assert_mnist_equal(data.load_mnist(tmp_path / "mnist.npz"), arrays)
    x_test, y_test = data.load_mnist_test(tmp_path / "mnist.npz")
    np.testing.assert_array_equal(x_test, arrays["x_test"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])


def test_load_mnist_npz_errors(tmp_path):
    arrays = synthetic_mnist()
    del arrays["y_test"]
    np.savez(tmp_path / "partial.npz", **arrays)
    with pytest.raises(ValueError, match=r"partial\.npz' lacks the keys \['y_test'\]"):
        data.load_mnist(tmp_path / "partial.npz")

    write_text(tmp_path / "fake.npz", "not a zip archive")
    with pytest.raises(ValueError, match=r"fake\.npz' could not be read as an \.npz archive"):
        data.load_mnist(tmp_path / "fake.npz")

    write_text(tmp_path / "mnist.csv", "1,2\n")
    with pytest.raises(ValueError, match=r"`path` must be an \.npz file or a folder"):
        data.load_mnist(tmp_path / "mnist.csv")

    with pytest.raises(FileNotFoundError, match=r"`path`.*does not exist"):
        data.load_mnist(tmp_path / "absent.npz")


def test_load_mnist_without_path_uses_keras(monkeypatch):
    arrays = synthetic_mnist()
    expected = ((arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"]))
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: expected)
    assert_mnist_equal(data.load_mnist(), arrays)


def test_load_mnist_without_path_offline_says_to_pass_path(monkeypatch):
    def offline():
        # What keras.utils.get_file raises when it cannot download.
        raise Exception(
            "URL fetch failure on https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
            "mnist.npz: None -- [Errno -2] Name or service not known"
        )

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(RuntimeError, match=r"URL fetch failure.*`path=` to an mnist\.npz"):
        data.load_mnist()


def test_load_mnist_without_path_with_an_empty_keras_cache(monkeypatch, tmp_path):
    # Keras reads KERAS_HOME once, at import, so point its cache at an empty
    # folder directly; and make the download fail as on a machine offline.
    config = importlib.import_module("keras.src.backend.config")
    file_utils = importlib.import_module("keras.src.utils.file_utils")
    if not hasattr(config, "_KERAS_DIR") or not hasattr(file_utils, "urlretrieve"):
        pytest.skip("this Keras version keeps its cache folder elsewhere")

    def no_network(*args, **kwargs):
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    monkeypatch.setattr(config, "_KERAS_DIR", str(tmp_path))
    monkeypatch.setattr(file_utils, "urlretrieve", no_network)
    with pytest.raises(RuntimeError, match=r"Pass `path=` to an mnist\.npz file .* four IDX"):
        data.load_mnist()


def test_load_mnist_path_of_wrong_type():
    with pytest.raises(TypeError, match=r"`path` must be a path .* type list"):
        data.load_mnist(["mnist.npz"])


# ------------------------------------------------------------- bundled practice


def test_load_practice02_returns_the_previous_practices_100_rows():
    x, y = data.load_practice02()
    assert x.shape == y.shape == (100,)
    assert x.dtype == y.dtype == np.float64
    if PRACTICE02.exists():
        np.testing.assert_array_equal(np.column_stack([x, y]), np.loadtxt(PRACTICE02, delimiter=","))


def test_load_practice02_least_squares_matches_the_labs_reference():
    x, y = data.load_practice02()
    design = np.column_stack([x, np.ones_like(x)])
    (slope, intercept), *_ = np.linalg.lstsq(design, y, rcond=None)
    mse = np.mean((y - (slope * x + intercept)) ** 2)
    np.testing.assert_allclose(np.polyfit(x, y, 1), [slope, intercept], rtol=1e-10)
    assert slope == pytest.approx(1.322431, abs=1e-6)
    assert intercept == pytest.approx(7.991021, abs=1e-6)
    assert mse == pytest.approx(110.2574, abs=1e-4)


def test_load_practice02_returns_fresh_arrays():
    x, _ = data.load_practice02()
    x[0] = -1.0
    assert data.load_practice02()[0][0] != -1.0


def test_the_practice_csv_is_package_data_of_wheels_and_sdists():
    import fnmatch

    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    root = Path(__file__).resolve().parents[1]
    config = tomllib.loads((root / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["keras_tape.data"]
    bundled = [path.name for path in (root / "keras_tape" / "data").iterdir() if path.suffix == ".csv"]
    assert bundled == ["practice02.csv"]
    assert any(fnmatch.fnmatch("practice02.csv", pattern) for pattern in patterns)
