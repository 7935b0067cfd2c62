"""Trains the three models in a process of its own, for the kill, resume and determinism tests.

    python _worker.py MODE OUT_DIR [MODEL ...]

Modes (MODEL defaults to all three; each run is seeded, op-deterministic, unshuffled):
- `solo`: plain `fit`; writes `OUT_DIR/<model>-final.npz`.
- `tensorboard`: the same with `keras.callbacks.TensorBoard(OUT_DIR/logs/<model>)`.
- `kill`: `fit` with `BackupAndRestore(OUT_DIR/backup/<model>)`; after the backup of
  epoch KILL_EPOCH - 1 writes `<model>-backup.npz`, then SIGKILLs itself after training
  steps of epoch KILL_EPOCH, before its backup (mid-epoch for the regressions).
- `resume`: `fit` again with the same backup folder; writes the state right after
  `BackupAndRestore` restored it (`<model>-restored.npz`) and at the end
  (`<model>-final.npz`).

A state file holds every model variable (`weight_00`, ...) and optimizer variable
(`optimizer_00`, ...) in order, plus `epochs_run`.
"""

import os
import signal
import sys
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from keras_tape.models import LinearRegression, MLPClassifier, PolynomialRegression

EPOCHS = 6
KILL_EPOCH = 3  # killed at the first batch hook from batch KILL_BATCH on of this (0-based) epoch
KILL_BATCH = 1
ROWS = 64
BATCH_SIZE = 16
STEPS_PER_EPOCH = ROWS // BATCH_SIZE
MODELS = ("linear", "polynomial", "mlp")


def make(name: str):
    """The model and its data; Adam everywhere, so the optimizer has moments to restore."""
    rng = np.random.default_rng(0)
    if name == "linear":
        x = rng.normal(50.0, 10.0, size=(ROWS, 2))
        y = x @ [1.5, -0.5] + 3.0 + rng.normal(size=ROWS)
        model = LinearRegression()
    elif name == "polynomial":
        x = rng.uniform(0.0, 10.0, size=ROWS)
        y = 6 * x**2 + 8 * x + 2 + rng.normal(size=ROWS)
        model = PolynomialRegression(degree=3)
    else:
        x = rng.random((ROWS, 4, 4)).astype("float32")
        y = rng.integers(0, 3, size=ROWS)
        # With the non-finite guard on (the regressions keep the default, off).
        model = MLPClassifier(hidden_units=(8,), num_classes=3, skip_nonfinite_steps=True)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.05))
    return model, x, y


def state(model, epochs_run: int) -> dict:
    arrays = {f"weight_{i:02d}": v.numpy() for i, v in enumerate(model.weights)}
    arrays.update({f"optimizer_{i:02d}": v.numpy() for i, v in enumerate(model.optimizer.variables)})
    return {**arrays, "epochs_run": np.array(epochs_run)}


class KillMidEpoch(keras.callbacks.Callback):
    """Saves the state BackupAndRestore just backed up, then dies by SIGKILL one epoch later."""

    def __init__(self, backup_file: Path):
        super().__init__()
        self.backup_file = backup_file
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == KILL_EPOCH - 1:
            np.savez(self.backup_file, **state(self.model, epoch + 1))

    def on_train_batch_end(self, batch, logs=None):
        # The MLP's default steps_per_execution=32 runs a whole epoch per call: its
        # only batch hook comes after the epoch's steps, before the epoch's backup.
        if self.epoch == KILL_EPOCH and batch >= KILL_BATCH:
            os.kill(os.getpid(), signal.SIGKILL)


class RecordRestored(keras.callbacks.Callback):
    """Saves the state at `on_train_begin`, after BackupAndRestore (listed before it) restored it."""

    def __init__(self, file: Path):
        super().__init__()
        self.file = file

    def on_train_begin(self, logs=None):
        np.savez(self.file, **state(self.model, 0))


def train(mode: str, name: str, out: Path) -> None:
    keras.utils.set_random_seed(0)
    model, x, y = make(name)
    callbacks = []
    if mode in ("kill", "resume"):
        callbacks.append(keras.callbacks.BackupAndRestore(str(out / "backup" / name)))
    if mode == "kill":
        callbacks.append(KillMidEpoch(out / f"{name}-backup.npz"))
    if mode == "resume":
        callbacks.append(RecordRestored(out / f"{name}-restored.npz"))
    if mode == "tensorboard":
        callbacks.append(keras.callbacks.TensorBoard(str(out / "logs" / name)))
    history = model.fit(
        x, y, epochs=EPOCHS, batch_size=BATCH_SIZE, shuffle=False, verbose=0, callbacks=callbacks
    )
    np.savez(out / f"{name}-final.npz", **state(model, len(history.history["loss"])))


def main(argv) -> None:
    mode, out, *names = argv
    tf.config.experimental.enable_op_determinism()
    for name in names or MODELS:
        train(mode, name, Path(out))


if __name__ == "__main__":
    main(sys.argv[1:])
