"""The repeating input pipeline fit() builds for in-memory arrays."""

import keras
import numpy as np
import pytest
import tensorflow as tf

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


def shuffled_orders(first_epoch, count, repeat, seed=3, n=50):
    """The row orders of epochs first_epoch.. first_epoch + count - 1, as a fresh fit would make them."""
    keras.utils.set_random_seed(seed)
    x = np.arange(n, dtype="float32")
    epoch = tf.Variable(first_epoch, dtype=tf.int64)
    dataset, steps = in_memory_batches(x, x * 3, None, 8, shuffle=True, repeat=repeat, epoch=epoch)
    if repeat:
        return [np.concatenate([b[0].numpy() for b in epoch_]).tolist() for epoch_ in epochs_of(dataset, steps, count)]
    assert int(dataset.cardinality()) == steps == 7
    orders = []
    for number in range(first_epoch, first_epoch + count):
        epoch.assign(number)  # as EpochNumber does at on_epoch_begin
        orders.append(np.concatenate([b[0].numpy() for b in dataset]).tolist())
    return orders


def test_each_epochs_order_is_a_function_of_the_seed_and_the_epoch_number():
    uninterrupted = shuffled_orders(0, 5, repeat=True)
    assert all(sorted(order) == list(range(50)) for order in uninterrupted)
    assert len({tuple(order) for order in uninterrupted}) == 5
    # A run resumed at epoch 3, in either pipeline, sees epochs 3 and 4 as the uninterrupted run did.
    assert shuffled_orders(3, 2, repeat=True) == uninterrupted[3:]
    assert shuffled_orders(1, 4, repeat=False) == uninterrupted[1:]
    assert shuffled_orders(0, 2, repeat=True, seed=4) != uninterrupted[:2]


def test_shuffling_draws_nothing_from_the_global_random_stream():
    # Stock fit leaves TensorFlow's op-seed counter where it was, so code after fit draws the same numbers.
    keras.utils.set_random_seed(5)
    expected = tf.random.uniform([3]).numpy()
    keras.utils.set_random_seed(5)
    in_memory_batches(np.arange(10.0), None, None, 4, shuffle=True)
    np.testing.assert_array_equal(tf.random.uniform([3]).numpy(), expected)


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


@pytest.mark.slow
@pytest.mark.parametrize("steps_per_execution", [1, 2])  # one iterator a fit; one an epoch (2 does not divide 3)
def test_fit_started_at_an_epoch_shuffles_it_as_an_uninterrupted_fit_did(steps_per_execution):
    from keras_tape.models import LinearRegression

    seen = []

    class Recording(LinearRegression):
        def train_step(self, data):
            seen.append(data[0].numpy().ravel().tolist())
            return super().train_step(data)

    def batches(callback_list=False, **fit_arguments):
        seen.clear()
        keras.utils.set_random_seed(0)
        model = Recording()
        model.compile(run_eagerly=True, steps_per_execution=steps_per_execution)
        if callback_list:
            fit_arguments["callbacks"] = keras.callbacks.CallbackList([], add_history=True, model=model)
        x = np.arange(10.0)
        model.fit(x, 2 * x, batch_size=4, verbose=0, **fit_arguments)
        return list(seen)

    uninterrupted = batches(epochs=4)
    assert len(uninterrupted) == 12 and uninterrupted[:3] != uninterrupted[3:6]
    # As after a restore by BackupAndRestore, which sets the epoch fit starts at.
    assert batches(epochs=4, initial_epoch=2) == uninterrupted[6:]
    assert batches(epochs=4, initial_epoch=2, callback_list=True) == uninterrupted[6:]
