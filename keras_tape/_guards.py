"""What `TapeModel` adds around Keras's entry points: saves a kill cannot tear, data checked as fit checks it.

A mixin, listed before `keras.Model` in `TapeModel`'s bases, so that each
method does its part and hands over to Keras's own (`super()`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import keras
import numpy as np
import tensorflow as tf

from keras_tape import _atomic, _compat

# For the type checker the mixin is the keras.Model it is mixed into.
_Mixin = keras.Model if TYPE_CHECKING else object


class SafeEntryPoints(_Mixin):  # type: ignore[misc,valid-type]
    """Atomic `save` / `save_weights`; `evaluate`, `predict` and the `*_on_batch` calls check their data.

    In-memory numeric arrays go through the model's `check_training_data`
    (the inputs alone for predictions), so these calls refuse what `fit`
    refuses, with its messages, before Keras converts or traces anything.
    """

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Saves like `keras.Model.save`, but a kill or a full disk never leaves a broken file.

        The file is written under a temporary name in the same folder,
        flushed to the disk and renamed over `filepath`: the previous file
        stays whole until the new one is complete. Another process saving to
        the same path waits its turn (lock file `filepath + ".lock"`, removed
        after). Remote, unzipped and `overwrite=False` saves are Keras's own.

        Args:
            filepath, overwrite, zipped, **kwargs: as for `keras.Model.save`.

        Example:

        ```python
        model.save("model.keras")  # the old model or the new one, never half of one
        ```
        """
        _atomic.save(super().save, filepath, (".keras", ".h5", ".hdf5"), overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        """Saves the weights like `keras.Model.save_weights`, atomically as `save` does.

        `keras.callbacks.ModelCheckpoint` writes through `save` and
        `save_weights`, so its files are atomic too. Sharded saves
        (`max_shard_size`) are Keras's own.

        Args:
            filepath, overwrite, max_shard_size: as for `keras.Model.save_weights`.
        """
        _atomic.save(super().save_weights, filepath, (".weights.h5",), overwrite, max_shard_size=max_shard_size)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        # Not at each epoch of fit's validation: fit decides what it checks, once.
        if not _compat.is_fit_validation(kwargs):
            self._check_if_in_memory(x, y)
        return super().evaluate(x, y, *args, **kwargs)

    def predict(self, x, *args, **kwargs):
        self._check_if_in_memory(x, None)
        return super().predict(x, *args, **kwargs)

    def train_on_batch(self, x, y=None, *args, **kwargs):
        self._check_if_in_memory(x, y)
        return super().train_on_batch(x, y, *args, **kwargs)

    def test_on_batch(self, x, y=None, *args, **kwargs):
        self._check_if_in_memory(x, y)
        return super().test_on_batch(x, y, *args, **kwargs)

    def predict_on_batch(self, x):
        self._check_if_in_memory(x, None)
        return super().predict_on_batch(x)

    def _check_if_in_memory(self, x, y) -> None:
        if in_memory(x, y):
            self.check_training_data(x, y)


def in_memory(x, y=None, sample_weight=None) -> bool:
    """Whether the data are numpy arrays or tensors, which `fit` checks itself.

    Anything else (generators, datasets, DataFrames) takes stock's path unchanged.
    """
    leaves = [leaf for leaf in keras.tree.flatten((x, y, sample_weight)) if leaf is not None]
    return x is not None and all(isinstance(leaf, (np.ndarray, tf.Tensor)) for leaf in leaves)


def is_text(array) -> bool:
    """Whether `array` holds strings (which Keras layers such as `StringLookup` take)."""
    dtype = getattr(array, "dtype", None)
    return dtype == tf.string if isinstance(dtype, tf.DType) else dtype is not None and np.dtype(dtype).kind in "US"
