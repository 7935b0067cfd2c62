"""Reading back what the callbacks wrote, with TensorBoard's own event reader."""

import numpy as np
import pytest
import tensorflow as tf
from tensorboard.backend.event_processing import event_accumulator


@pytest.fixture
def read_events():
    """`read_events(run_dir)` -> {tag: [(step, value as numpy array), ...]} for every summary."""

    def read(run_dir):
        accumulator = event_accumulator.EventAccumulator(
            str(run_dir), size_guidance={kind: 0 for kind in event_accumulator.DEFAULT_SIZE_GUIDANCE}
        )
        accumulator.Reload()
        return {
            tag: [(event.step, tf.make_ndarray(event.tensor_proto)) for event in accumulator.Tensors(tag)]
            for tag in accumulator.Tags()["tensors"]
        }

    return read


@pytest.fixture
def blobs():
    """Three-class points in 6 dimensions, 32 of them: a batch a tiny MLP trains on in no time."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(32, 6)).astype("float32")
    y = (x[:, 0] > 0).astype("int32") + (x[:, 1] > 0.5).astype("int32")
    return x, y
