"""`BackupAndRestore`: Keras's callback, with backups a kill cannot break and resumes mid-epoch."""

from __future__ import annotations

import contextlib
import json
import os
import shutil

import keras

from keras_tape import _atomic

_METADATA = "training_metadata.json"


class BackupAndRestore(keras.callbacks.BackupAndRestore):
    """`keras.callbacks.BackupAndRestore` whose backups survive a kill at any instant.

    A drop-in replacement, for any Keras model: same arguments, same use.
    Three things differ from Keras's callback, each needed for a killed
    `fit` to continue exactly as if it had never stopped:

    - A backup is a new weights file plus `training_metadata.json` naming
      it, written and flushed in that order and committed by an atomic
      rename of the metadata; the previous backup is removed only after.
      Keras's writes both files in place, so a kill inside the write can
      leave a file that does not load, or new weights with the old epoch.
    - With `save_freq` a number of batches, a resumed `fit` skips the
      batches of its first epoch that the backup had already trained, and
      restores that epoch's running metrics; Keras's starts the epoch over
      on weights that have already seen part of it.
    - Another process given the same `backup_dir` is refused with a clear
      error (lock file `<backup_dir>/.lock`) instead of writing over this
      one's backups.

    With `keras.utils.set_random_seed`, op determinism and a `TapeModel`
    trained on in-memory arrays (shuffled or not), the resumed run ends
    with the uninterrupted run's weights bit for bit. For other data,
    skipping batches reproduces the uninterrupted run only if the resumed
    epoch yields the same batches in the same order.

    Args:
        backup_dir: folder for the backup, used by this run alone.
        save_freq: `"epoch"` or a number of batches between backups.
        double_checkpoint: accepted for compatibility; every backup already
            keeps the previous one until the new one is complete.
        delete_checkpoint: remove the backup when `fit` ends.

    Example:

    ```python
    backup = keras_tape.callbacks.BackupAndRestore("backup", save_freq=100)
    model.fit(x, y, epochs=20, callbacks=[backup])  # kill it, run it again: it continues
    ```
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        super().__init__(backup_dir, save_freq, double_checkpoint, delete_checkpoint)
        self._generation = 0
        self._resume_epoch = None
        self._resume_batches = 0
        self._resume_metrics = []
        self._batches_done = 0
        self._lock = contextlib.ExitStack()

    def on_train_begin(self, logs=None):
        if not self.model.built:
            super()._load_model()  # raises Keras's error about unbuilt models
        os.makedirs(self.backup_dir, exist_ok=True)
        self._lock.enter_context(
            _atomic.exclusive_lock(os.path.join(self.backup_dir, ""), wait=False, what="`backup_dir`")
        )
        metadata_path = os.path.join(self.backup_dir, _METADATA)
        if not os.path.exists(metadata_path):
            return
        with open(metadata_path, encoding="utf-8") as file:
            metadata = json.load(file)
        if self.model.optimizer is not None and not self.model.optimizer.built:
            self.model.optimizer.build(self.model.trainable_variables)  # its variables must exist to be loaded
        # A backup by Keras's own callback names no file and restarts its epoch.
        self.model.load_weights(os.path.join(self.backup_dir, metadata.get("weights", "latest.weights.h5")))
        self._generation = metadata.get("generation", 0)
        self._resume_epoch = metadata["epoch"]
        self._resume_batches = metadata.get("batches_done", 0)
        self._resume_metrics = metadata.get("metrics", [])
        # The one way to tell `fit` where to start, as Keras's callback does.
        self.model._initial_epoch = self._resume_epoch

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch  # Keras's sets it only at epoch ends: a resumed run's first backups said epoch 0
        if epoch != self._resume_epoch or not self._resume_batches:
            return
        variables = self.model.metrics_variables
        if len(variables) == len(self._resume_metrics):
            for variable, value in zip(variables, self._resume_metrics):
                variable.assign(value)
        self._last_batch_seen = self._resume_batches - 1
        self._skip_batches(self._resume_batches)

    def on_epoch_end(self, epoch, logs=None):
        self._resume_epoch = None
        self._batches_done = 0  # a backup now holds the next epoch, untouched
        super().on_epoch_end(epoch, logs)

    def on_train_batch_end(self, batch, logs=None):
        if self._resume_epoch is not None and batch < self._resume_batches:
            return  # a batch the backup had trained: as after that backup, count from its end
        self._batches_done = batch + 1
        super().on_train_batch_end(batch, logs)

    def on_train_end(self, logs=None):
        self.model._initial_epoch = None  # Keras's leaves it, and the model's next fit would start there
        if self.delete_checkpoint:
            shutil.rmtree(self.backup_dir, ignore_errors=True)
        self._lock.close()

    def _skip_batches(self, count: int) -> None:
        """Makes the next `fit` steps draw `count` batches from the data without training on them."""
        model = self.model
        train_function = model.train_function
        skipped = 0

        def skip(iterator):
            nonlocal skipped
            for _ in range(min(model.steps_per_execution, count - skipped)):
                next(iterator)
                skipped += 1
            if skipped >= count:
                model.train_function = train_function
            return model.get_metrics_result()

        model.train_function = skip

    def _save_model(self):
        self._generation += 1
        weights = f"backup-{self._generation:06d}.weights.h5"
        self.model.save_weights(os.path.join(self.backup_dir, weights), overwrite=True)
        _atomic.fsync(os.path.join(self.backup_dir, weights))
        metadata = {
            "epoch": self._current_epoch,
            "batch": self._last_batch_seen,
            "batches_done": self._batches_done,
            "generation": self._generation,
            "weights": weights,
            # Exact: a float32 survives the trip through a JSON float (float64).
            "metrics": [variable.numpy().tolist() for variable in self.model.metrics_variables],
        }
        _atomic.write_text(os.path.join(self.backup_dir, _METADATA), json.dumps(metadata))
        for entry in os.listdir(self.backup_dir):
            if entry.endswith(".weights.h5") and entry != weights:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(os.path.join(self.backup_dir, entry))
