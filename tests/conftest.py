"""Shared fixtures: quiet TensorFlow, a clean Keras state per test, the shared data."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from pathlib import Path  # noqa: E402

import keras  # noqa: E402
import pytest  # noqa: E402

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _clean_keras_state():
    keras.utils.set_random_seed(0)
    yield
    keras.mixed_precision.set_dtype_policy("float32")


@pytest.fixture
def practice02():
    """The earlier practice's 100-row (x, y) data set as float64 arrays."""
    path = SHARED_DATA / "practice02.csv"
    if not path.exists():
        pytest.skip(f"shared data not found at {path}")
    import numpy as np

    data = np.loadtxt(path, delimiter=",")
    return data[:, 0], data[:, 1]


@pytest.fixture
def mnist_dir():
    path = SHARED_DATA / "mnist"
    if not (path / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"MNIST test files not found in {path}")
    return path
