"""Fixtures of the autodiff tests."""

import numpy as np
import pytest


@pytest.fixture
def blobs():
    """Three-class points in 6 dimensions, 64 of them, that a small MLP separates."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(64, 6)).astype("float32")
    y = (x[:, 0] > 0).astype("int32") + (x[:, 1] > 0.5).astype("int32")
    return x, y
