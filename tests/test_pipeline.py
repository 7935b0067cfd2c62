"""The repeating input pipeline fit() builds for in-memory arrays."""

import keras
import numpy as np
import pytest

from keras_tape._pipeline import batches_per_epoch, in_memory_batches, split_validation


def epochs_of(dataset, steps, count):
    iterator = iter(dataset)
    return [[next(iterator) for _ in range(steps)] for _ in range(count)]


def test_unshuffled_epochs_are_consecutive_rows_with_a_partial_last_batch():
    x = np.arange(10, dtype="float64")
    y = np.arange(10, dtype="int64") * 2
    dataset, steps = in_memory_batches(x, y, None, 4, shuffle=False)
    assert steps == batches_per_epoch(x, 4) == 3
    for epoch in epochs_of(dataset, steps, 2):
        assert [b[0].numpy().tolist() for b in epoch] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
        assert epoch[0][0].dtype == "float32" and epoch[0][1].dtype == "int64"
        assert epoch[2][1].numpy().tolist() == [16, 18]


def test_shuffled_epochs_are_new_permutations_of_every_row():
    x = np.arange(50, dtype="float32")
    dataset, steps = in_memory_batches(x, x * 3, np.ones(50), 8, shuffle=True)
    orders = []
    for epoch in epochs_of(dataset, steps, 3):
        rows = np.concatenate([b[0].numpy() for b in epoch])
        np.testing.assert_array_equal(np.concatenate([b[1].numpy() for b in epoch]), rows * 3)
        assert sorted(rows.tolist()) == list(range(50))
        orders.append(rows.tolist())
    assert orders[0] != orders[1] != orders[2]


def test_split_validation_holds_out_the_last_rows():
    x, y = np.arange(10), np.arange(10) + 100
    (xt, yt, wt), (xv, yv, wv) = split_validation(x, y, None, 0.3)
    assert xt.tolist() == list(range(7)) and yv.tolist() == [107, 108, 109]
    assert wt is None and wv is None
    with pytest.raises(ValueError, match="`validation_split` 0.95 leaves no training rows out of 10"):
        split_validation(x, y, None, 0.95)


def test_one_epoch_dataset_reshuffles_each_iteration_and_repeats_with_the_seed():
    x = np.arange(50, dtype="float32")
    orders = []
    for _ in range(2):
        keras.utils.set_random_seed(3)
        dataset, steps = in_memory_batches(x, x * 3, None, 8, shuffle=True, repeat=False)
        assert int(dataset.cardinality()) == steps == 7
        epochs = [np.concatenate([b[0].numpy() for b in dataset]) for _ in range(3)]
        assert all(sorted(e.tolist()) == list(range(50)) for e in epochs)
        assert epochs[0].tolist() != epochs[1].tolist() != epochs[2].tolist()
        orders.append([e.tolist() for e in epochs])
    assert orders[0] == orders[1]


def test_the_dataset_holds_its_own_copy_of_the_arrays():
    x = np.arange(12, dtype="float64").reshape(6, 2)[:, ::-1]  # not contiguous, not float32
    y = np.arange(6, dtype=">i8")  # big-endian, which DLPack cannot share as it is
    dataset, _ = in_memory_batches(x, y, None, 6, shuffle=False)
    expected = x.astype("float32")
    x[:] = -1
    y[:] = -1
    xb, yb = next(iter(dataset))
    np.testing.assert_array_equal(xb.numpy(), expected)
    assert xb.dtype == "float32" and yb.dtype == "int64" and yb.numpy().tolist() == list(range(6))


def test_pipeline_is_traced_once_per_shape_and_still_follows_the_global_seed():
    from keras_tape._pipeline import _batches

    def first_epoch(seed, n=40):
        keras.utils.set_random_seed(seed)
        x = np.arange(n, dtype="float32")
        dataset, steps = in_memory_batches(x, x, None, 8, shuffle=True)
        return np.concatenate([b[0].numpy() for b, _ in zip(dataset, range(steps))]).tolist()

    first_epoch(0)
    traces = _batches.experimental_get_tracing_count()
    seed_1, seed_2 = first_epoch(1), first_epoch(2)
    assert _batches.experimental_get_tracing_count() == traces  # same shapes: no new trace
    assert seed_1 != seed_2 and first_epoch(1) == seed_1  # the seed of the call, not of the trace
    first_epoch(1, n=41)
    assert _batches.experimental_get_tracing_count() == traces + 1
