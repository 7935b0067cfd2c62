"""Trains the three models in a process of its own, for the kill, resume and determinism tests.

    python _worker.py MODE OUT_DIR [MODEL ...]

Modes (MODEL defaults to all three; each run is seeded, op-deterministic and shuffled, as
`fit` shuffles by default):
- `solo`: plain `fit`; writes `OUT_DIR/<model>-final.npz`.
- `tensorboard`: the same with `keras.callbacks.TensorBoard(OUT_DIR/logs/<model>)`.
- `kill`: `fit` with `BackupAndRestore(OUT_DIR/backup/<model>)`; after the backup of
  epoch KILL_EPOCH - 1 writes `<model>-backup.npz`, then SIGKILLs itself after training
  steps of epoch KILL_EPOCH, before its backup (mid-epoch for the regressions).
- `resume`: `fit` again with the same backup folder; writes the state right after
  `BackupAndRestore` restored it (`<model>-restored.npz`) and at the end
  (`<model>-final.npz`).

- `chaos KILLS SEED`: see `chaos`: each model trained once uninterrupted
  (`<model>-reference.npz`), then with `keras_tape.callbacks.BackupAndRestore`, SIGKILLed KILLS
  times at random moments and resumed after each (`<model>-final.npz`, `<model>-kills.json`).
- `contend`: see `contend`: a second process writing where the test process writes.

A state file holds every model variable (`weight_00`, ...) and optimizer variable
(`optimizer_00`, ...) in order, plus `epochs_run`.
"""

import json
import os
import signal
import sys
import time
import traceback
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from keras_tape import _atomic
from keras_tape.callbacks import BackupAndRestore
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
    history = model.fit(x, y, epochs=EPOCHS, batch_size=BATCH_SIZE, verbose=0, callbacks=callbacks)
    np.savez(
        out / f"{name}-final.npz", **state(model, len(history.history["loss"])), last_loss=history.history["loss"][-1]
    )


# ------------------------------------------------------------------ chaos mode

CHAOS_SAVE_FREQ = {"linear": 2, "polynomial": 3, "mlp": "epoch"}  # mid-epoch; across epoch ends; Keras's default


def chaos_fit(name: str, out: Path, backup: bool) -> None:
    """One `fit` of `name`, shuffled, with keras-tape's BackupAndRestore when `backup`; writes the state on success."""
    keras.utils.set_random_seed(0)
    model, x, y = make(name)
    callbacks = [BackupAndRestore(str(out / "backup" / name), save_freq=CHAOS_SAVE_FREQ[name])] if backup else []
    history = model.fit(x, y, epochs=EPOCHS, batch_size=BATCH_SIZE, verbose=0, callbacks=callbacks)
    file = out / f"{name}-{'final' if backup else 'reference'}.npz"
    # NaN when the killed run had backed up its last epoch and the resumed one had none left to run.
    last_loss = history.history["loss"][-1] if history.history.get("loss") else np.nan
    np.savez(file, **state(model, EPOCHS), last_loss=last_loss)


def chaos_child(name: str, out: Path, marker) -> None:
    """A backed-up fit in a child to be killed: its writes slowed down and marked in `marker`, if given."""
    if marker:
        slow_writes(marker)
    chaos_fit(name, out, True)


def slow_writes(marker: Path) -> None:
    """Stretches every backup write, so that kills land inside them: `marker` exists while one runs.

    The weights file is written, then rewritten in chunks with pauses, so that a
    kill can leave it half-written; the pause before each fsync is the window
    between a complete temporary file and its rename.
    """
    save_weights, save_backup, fsync = keras.Model.save_weights, BackupAndRestore._save_model, _atomic.fsync

    def chunked_save_weights(model, filepath, *args, **kwargs):
        save_weights(model, filepath, *args, **kwargs)
        content = Path(filepath).read_bytes()
        with open(filepath, "wb") as file:
            for start in range(0, len(content), len(content) // 8 + 1):
                file.write(content[start : start + len(content) // 8 + 1])
                file.flush()
                time.sleep(0.002)

    def marked_save(callback):
        marker.touch()
        save_backup(callback)
        marker.unlink()

    def paused_fsync(path):
        time.sleep(0.005)
        fsync(path)

    keras.Model.save_weights = chunked_save_weights
    BackupAndRestore._save_model = marked_save
    _atomic.fsync = paused_fsync


def fork_and_run(target, *args) -> int:
    """Runs `target(*args)` in a forked child; returns its pid. TensorFlow is imported, not started."""
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            target(*args)
            status = 0
        except Exception:  # noqa: BLE001 - the child must never return into the parent's loop
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
    return pid


def chaos(out: Path, names, kills: int, seed: int) -> None:
    """Trains each model uninterrupted, then kills its backed-up fit `kills` times and lets it finish.

    Children are forked from this process, which has imported TensorFlow but run
    nothing, so a restart costs the fit alone. Each kill is a SIGKILL at a
    random moment of the child's life, or half the time a few milliseconds into
    the first backup write that begins after it (not always the run's first
    write, so that backups complete between kills). Every restart resumes from
    whatever the killed child left in the backup folder; a run that finishes
    before its kill leaves none, and the next run starts over, so each model
    dies `kills` times before its last run.
    """
    rng = np.random.default_rng(seed)
    marker = out / "writing"
    for name in names:
        if os.waitpid(fork_and_run(chaos_fit, name, out, False), 0)[1] != 0:
            raise SystemExit(f"{name}: the reference run failed")
        record = {"kills": 0, "inside_write": 0, "finished_first": 0, "lifetimes": []}
        while True:
            started = time.monotonic()
            to_kill = record["kills"] < kills
            if not to_kill:  # the last run: does it find a backup to resume from?
                record["last_run_resumed"] = (out / "backup" / name / "training_metadata.json").exists()
            pid = fork_and_run(chaos_child, name, out, to_kill and marker)
            inside, status = False, None
            if to_kill:
                at_a_write = rng.random() < 0.5
                moment = started + rng.uniform(0.0, 1.5)
                while time.monotonic() < moment or (at_a_write and not marker.exists()):
                    ended, ended_status = os.waitpid(pid, os.WNOHANG)
                    if ended:  # finished before its kill
                        status = ended_status
                        break
                    time.sleep(0.001)
                if status is None:
                    time.sleep(rng.uniform(0.0, 0.02) if at_a_write else 0.0)
                    inside = marker.exists()
                    os.kill(pid, signal.SIGKILL)
            if status is None:
                status = os.waitpid(pid, 0)[1]
            record["lifetimes"].append(round(time.monotonic() - started, 3))
            if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
                record["kills"] += 1
                record["inside_write"] += inside
                marker.unlink(missing_ok=True)
                continue
            if os.WEXITSTATUS(status) != 0:
                raise SystemExit(f"{name}: a resumed run failed after {record['kills']} kills")
            if not to_kill:
                break
            # It finished before its kill and deleted its backup: the next run starts over.
            record["finished_first"] += 1
        (out / f"{name}-kills.json").write_text(json.dumps(record))


def contend(out: Path) -> None:
    """The second writer: fits into the backup folder `out/backup`, then saves to `out/model.keras`.

    The test holds both; the fit must be refused (`out/refused.txt` gets the
    message) and the save, started once `out/go` exists, must wait (`out/saving` and `out/saved` record when
    it was asked for and when it ended); `out/coef.npy` is what it saved.
    """
    keras.utils.set_random_seed(1)
    model, x, y = make("linear")
    try:
        model.fit(x, y, epochs=1, verbose=0, callbacks=[BackupAndRestore(str(out / "backup"))])
    except BlockingIOError as error:
        (out / "refused.txt").write_text(str(error))
    np.save(out / "coef.npy", model.coef)
    while not (out / "go").exists():  # the test is inside its own save
        time.sleep(0.01)
    (out / "saving").write_text(repr(time.time()))
    model.save(out / "model.keras")
    (out / "saved").write_text(repr(time.time()))


def main(argv) -> None:
    mode, out, *rest = argv
    tf.config.experimental.enable_op_determinism()
    if mode == "contend":
        contend(Path(out))
        return
    if mode == "chaos":
        kills, seed, *names = rest
        chaos(Path(out), names or MODELS, int(kills), int(seed))
        return
    for name in rest or MODELS:
        train(mode, name, Path(out))


if __name__ == "__main__":
    main(sys.argv[1:])
