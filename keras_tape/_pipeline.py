"""The input pipeline `TapeModel.fit` builds once for in-memory arrays.

Stock `fit` wraps arrays in a fresh `tf.data` iterator at every epoch (two,
in fact): for small full-batch problems that is nearly all of an epoch's
time (benchmarks/results.md has the figures). Here the arrays become one repeating
dataset whose iterator lives for the whole `fit`; with `steps_per_epoch`
set, Keras keeps that iterator across epochs, and `_step_loop` runs each
call's share of the epoch. Where that loop does not serve (several
replicas, or run eagerly) and `steps_per_execution` does not divide an
epoch's batches, the dataset holds one epoch and Keras iterates it anew
each epoch, which on such large data costs little. Either way the arrays
are copied once, not twice, and batches and their order are the stock
ones (consecutive rows, the last batch partial, a new permutation each
epoch when shuffling).
"""

from __future__ import annotations

import math
import mmap
import os

import keras
import numpy as np
import tensorflow as tf


def split_validation(x, y, sample_weight, validation_split: float):
    """Holds out the last `validation_split` of the rows, as `keras.Model.fit` does.

    Returns:
        `(x, y, sample_weight), (x_val, y_val, sample_weight_val)`.
    """
    arrays = (x, y, sample_weight)
    n = len(keras.tree.flatten(x)[0])
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"`validation_split` {validation_split} leaves no {'training' if split_at == 0 else 'validation'} "
            f"rows out of {n}; it must be a fraction that keeps both parts non-empty."
        )
    head = keras.tree.map_structure(lambda a: None if a is None else a[:split_at], arrays)
    tail = keras.tree.map_structure(lambda a: None if a is None else a[split_at:], arrays)
    return head, tail


def batches_per_epoch(x, batch_size: int) -> int:
    """Number of batches of `batch_size` rows (the last one partial) in `x`."""
    return math.ceil(len(keras.tree.flatten(x)[0]) / batch_size)


def in_memory_batches(
    x, y, sample_weight, batch_size: int, shuffle: bool, repeat: bool = True, epoch: tf.Variable | None = None
):
    """A `tf.data.Dataset` of the epochs' batches, cut from one copy of the arrays.

    Args:
        x, y, sample_weight: in-memory arrays or nested tuples and dicts of
            them; `y` and `sample_weight` may be None.
        batch_size: rows per batch; the last batch of an epoch may be smaller.
        shuffle: a new row order every epoch, a function of the epoch's
            number and of the seed of `keras.utils.set_random_seed`, so that
            a run resumed at epoch 5 sees epoch 5's order.
        repeat: True for the epochs back to back, forever (one iterator
            serves a whole `fit`); False for one epoch per iteration.
        epoch: an int64 variable holding the number of the first epoch each
            new iterator serves, read when the iterator makes its first
            batch (`EpochNumber` sets it as Keras starts an epoch); None for
            epoch 0.

    Returns:
        `(dataset, steps_per_epoch)`.

    Example:

    ```python
    dataset, steps = in_memory_batches(x, y, None, batch_size=32, shuffle=True)
    model.fit(dataset, steps_per_epoch=steps, epochs=10)
    ```
    """
    tensors = keras.tree.map_structure(_to_tensor, keras.utils.pack_x_y_sample_weight(x, y, sample_weight))
    if shuffle:
        seeds = _epoch_seeds(_base_seed(), epoch if epoch is not None else tf.Variable(0, dtype=tf.int64))
    else:
        seeds = tf.data.Dataset.from_tensors(tf.zeros(2, tf.int64)).repeat()
    args = (tensors, seeds, batch_size, shuffle, repeat)
    # Tracing the pipeline's functions is much of a small fit's overhead, so
    # they are traced once per shape of data and reused by later fits.
    # (Fetching the concrete function does not count as retracing: new
    # shapes of data are not the mistake tf.function's warning is about.)
    dataset = _batches.get_concrete_function(*args)(*args)
    return dataset, batches_per_epoch(tensors, batch_size)


class EpochNumber(keras.callbacks.Callback):
    """Tells `in_memory_batches` which epoch Keras starts, once callbacks have chosen it.

    `keras.callbacks.BackupAndRestore` decides in `on_train_begin`, after the
    dataset exists, that a resumed `fit` starts at a later epoch; each
    iterator reads `variable` when it makes its first batch, after
    `on_epoch_begin`.
    """

    def __init__(self):
        super().__init__()
        self.variable = tf.Variable(0, dtype=tf.int64, trainable=False)

    def on_epoch_begin(self, epoch, logs=None):
        self.variable.assign(epoch)


def with_callbacks(callbacks, *extra: keras.callbacks.Callback):
    """`fit`'s `callbacks` argument (None, a list or a `CallbackList`) with `extra` last."""
    if isinstance(callbacks, keras.callbacks.CallbackList):
        return keras.callbacks.CallbackList([callbacks, *extra], **callbacks.params)
    return [*(callbacks or []), *extra]


def _base_seed() -> int:
    """The seed every epoch's order of one `fit` derives from.

    Given an op seed, `tf.compat.v1.random.get_seed` returns the global seed
    without drawing from TensorFlow's random stream (stock `fit` draws
    nothing from it either). With no global seed set it returns TF's default
    graph seed; each `fit` then shuffles anew.
    """
    global_seed, _ = tf.compat.v1.random.get_seed(0)
    if global_seed == _UNSEEDED:
        return int.from_bytes(os.urandom(7), "little")
    return global_seed


def _epoch_seed(base, epoch):
    """The stateless seed of epoch number `epoch`'s row order."""
    return tf.stack([tf.cast(base, tf.int64), epoch])


def _epoch_seeds(base: int, first_epoch: tf.Variable) -> tf.data.Dataset:
    # Epoch numbers from the variable's value when an iterator starts, each epoch's seed.
    epochs = tf.data.Dataset.range(1).flat_map(
        _plain(lambda _: tf.data.Dataset.range(first_epoch.read_value(), _NO_END))
    )
    return epochs.map(_plain(lambda epoch: _epoch_seed(base, epoch)))


@tf.function(autograph=False)
def _batches(tensors, seeds, batch_size: int, shuffle: bool, repeat: bool):
    # The dataset `in_memory_batches` describes, one epoch's order per element of `seeds`.
    n = keras.tree.flatten(tensors)[0].shape[0]
    full, partial = divmod(n, batch_size)
    rows = tf.range(n, dtype=tf.int64)

    def epoch_batches(seed):
        # Whole-epoch permutations cut into batches with one reshape: shuffling
        # 60,000 row numbers one by one through a tf.data buffer costs more
        # than the MLP's epoch itself.
        order = tf.random.experimental.stateless_shuffle(rows, seed) if shuffle else rows
        batches = tf.data.Dataset.from_tensor_slices(tf.reshape(order[: full * batch_size], (full, batch_size)))
        if partial:
            batches = batches.concatenate(tf.data.Dataset.from_tensors(order[full * batch_size :]))
        return batches

    if not repeat:
        seeds = seeds.take(1)
    # The arrays travel as a dataset element: captured by the function
    # instead, tf.data would copy them into its graph.
    arrays = tf.data.Dataset.from_tensors(tensors).repeat()
    dataset = tf.data.Dataset.zip(seeds.flat_map(_plain(epoch_batches)), arrays).map(
        _plain(lambda rows, arrays: keras.tree.map_structure(lambda t: tf.gather(t, rows), arrays)),
    )
    if not repeat:
        dataset = dataset.apply(tf.data.experimental.assert_cardinality(full + bool(partial)))
    options = tf.data.Options()
    # As in stock `fit`: tf.data's default graph rewrites would serialize the
    # pipeline, arrays included (one more copy); batches shard across workers.
    options.experimental_optimization.apply_default_optimizations = False
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    # Unlike stock `fit`: tf.data's autotuner thread can hold up the end of a
    # fit while it stops, and one thread of its own, rather than tf.data's
    # pool of one per core, leaves the cores to the step.
    options.autotune.enabled = False
    options.threading.private_threadpool_size = 1
    return dataset.with_options(options).prefetch(2)


def _plain(function):
    """`function`, which has no Python control flow, for tf.data to trace without AutoGraph.

    AutoGraph would parse and rewrite its source first, at every fresh
    process's first fit.
    """
    return tf.autograph.experimental.do_not_convert(function)


def _to_tensor(array):
    """`array` as a tensor, in floatx for floats, copied once.

    `tf.convert_to_tensor` copies a numpy array twice (an explicit copy,
    then again into memory aligned for Eigen): 180 MiB extra at MNIST's
    size, and as much time as a tenth of an epoch. Here numpy copies it
    once into memory of its own (see `_fresh_copy`), which the tensor then
    shares through DLPack; no one else holds that memory, so later changes
    to `array` do not reach the tensor, as with stock `fit`.
    """
    if tf.is_tensor(array):
        return tf.cast(array, keras.config.floatx()) if array.dtype.is_floating else array
    array = np.asarray(array)
    # DLPack takes native byte order only; a big-endian array is converted in the copy.
    dtype = keras.config.floatx() if array.dtype.kind == "f" else array.dtype.newbyteorder("=")
    if array.dtype.kind not in "biuf" or array.size == 0:
        return tf.convert_to_tensor(array, dtype=dtype)
    return tf.experimental.dlpack.from_dlpack(_fresh_copy(array, dtype).__dlpack__())


def _fresh_copy(array: np.ndarray, dtype) -> np.ndarray:
    """`array` copied into an anonymous memory map: page-aligned, as Eigen (hence TF) needs.

    Not into `np.empty`: numpy asks the kernel for huge pages for large
    arrays, and a kernel that compacts memory on demand for them (Linux's
    default `defrag=madvise`) stalls on the copy's first touch of a fresh
    process's memory; plain pages fault in at a steady pace.
    """
    copy = np.frombuffer(mmap.mmap(-1, array.size * np.dtype(dtype).itemsize), dtype).reshape(array.shape)
    np.copyto(copy, array, casting="unsafe")
    return copy


_UNSEEDED = 87654321  # get_seed's graph seed when none is set
_NO_END = 2**62
