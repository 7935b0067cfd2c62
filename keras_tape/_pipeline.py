"""The input pipeline `TapeModel.fit` builds once for in-memory arrays.

Stock `fit` wraps arrays in a fresh `tf.data` iterator at every epoch (two,
in fact), about 7 ms each on a 2-core CPU: for small full-batch problems
that is nearly all of an epoch's time. Here the arrays become one repeating
dataset whose iterator lives for the whole `fit`; with `steps_per_epoch`
set, Keras keeps that iterator across epochs. Batches and their order are
the stock ones (consecutive rows, the last batch partial, a new permutation
each epoch when shuffling).
"""

from __future__ import annotations

import math

import keras
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
    head = keras.tree.map_structure(lambda a: None if a is None else a[:split_at], arrays, none_is_leaf=True)
    tail = keras.tree.map_structure(lambda a: None if a is None else a[split_at:], arrays, none_is_leaf=True)
    return head, tail


def batches_per_epoch(x, batch_size: int) -> int:
    """Number of batches of `batch_size` rows (the last one partial) in `x`."""
    return math.ceil(len(keras.tree.flatten(x)[0]) / batch_size)


def repeated_batches(x, y, sample_weight, batch_size: int, shuffle: bool):
    """One `tf.data.Dataset` yielding the epochs' batches back to back, forever.

    Args:
        x, y, sample_weight: in-memory arrays (nested structures allowed for
            `x`); `y` and `sample_weight` may be None.
        batch_size: rows per batch; the last batch of an epoch may be smaller.
        shuffle: a new row order every epoch (seeded by
            `keras.utils.set_random_seed`).

    Returns:
        `(dataset, steps_per_epoch)`.
    """
    data = tuple(a for a in (x, y, sample_weight) if a is not None)
    tensors = keras.tree.map_structure(_to_tensor, data)
    n = int(keras.tree.flatten(tensors)[0].shape[0])
    full, partial = divmod(n, batch_size)

    def epoch_batches(order):
        # Whole-epoch permutations cut into batches with one reshape: shuffling
        # 60,000 row numbers one by one through a tf.data buffer costs more
        # than the MLP's epoch itself.
        batches = tf.data.Dataset.from_tensor_slices(tf.reshape(order[: full * batch_size], (full, batch_size)))
        if partial:
            batches = batches.concatenate(tf.data.Dataset.from_tensors(order[full * batch_size :]))
        return batches

    orders = tf.data.Dataset.from_tensors(tf.range(n, dtype=tf.int64)).repeat()
    if shuffle:
        orders = orders.map(tf.random.shuffle)
    dataset = orders.prefetch(1).flat_map(epoch_batches).map(
        lambda rows: keras.tree.map_structure(lambda t: tf.gather(t, rows), tensors),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
    return dataset.prefetch(tf.data.AUTOTUNE), full + bool(partial)


def _to_tensor(array):
    # Keras feeds float arrays to models in floatx; so must we.
    tensor = tf.convert_to_tensor(array)
    return tf.cast(tensor, keras.config.floatx()) if tensor.dtype.is_floating else tensor
