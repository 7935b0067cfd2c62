"""Saves that fail midway keep the previous file; an interrupted fit resumes in the same process.

In-process companions of `test_kill_anywhere.py` (which kills real
processes): a save made to fail after writing half a file, as a full disk
or an exception would, and a `fit` interrupted by an exception, as Ctrl-C
in a notebook is, then run again with a new callback on the same folder.
"""

import os
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_tape.callbacks import BackupAndRestore
from keras_tape.models import LinearRegression


@pytest.fixture
def trained(tmp_path):
    model = LinearRegression()
    model.compile()
    x = np.linspace(0.0, 1.0, 16)
    model.fit(x, 3 * x - 1, epochs=3, verbose=0)
    return model


def fail_halfway(keras_writer):
    """`keras_writer` made to write half of its file, then fail as a full disk does."""

    def write(model, filepath, *args, **kwargs):
        keras_writer(model, filepath, *args, **kwargs)
        content = Path(filepath).read_bytes()
        Path(filepath).write_bytes(content[: len(content) // 2])
        raise OSError(28, "No space left on device")

    return write


@pytest.mark.parametrize(
    "name, writer, save, load",
    [
        ("model.keras", "save", lambda m, p: m.save(p), lambda m, p: keras.models.load_model(p).get_weights()),
        (
            "model.weights.h5",
            "save_weights",
            lambda m, p: m.save_weights(p),
            lambda m, p: (m.load_weights(p), m.get_weights())[1],
        ),
        (
            "checkpoint.keras",
            "save",
            lambda m, p: m.fit(np.ones(4), np.ones(4), verbose=0, callbacks=[keras.callbacks.ModelCheckpoint(p)]),
            lambda m, p: keras.models.load_model(p).get_weights(),
        ),
    ],
)
def test_a_save_failing_midway_keeps_the_previous_file_whole(trained, tmp_path, monkeypatch, name, writer, save, load):
    path = tmp_path / name
    save(trained, path)
    saved = path.read_bytes()
    before = trained.get_weights()
    (tmp_path / f".{name}.0badc0de.tmp{''.join(path.suffixes)}").write_bytes(b"left by a killed save")

    trained.fit(np.arange(4.0), np.arange(4.0), epochs=2, verbose=0)  # new weights to save
    monkeypatch.setattr(keras.Model, writer, fail_halfway(getattr(keras.Model, writer)))
    with pytest.raises(OSError, match="No space left on device"):
        save(trained, path)
    monkeypatch.undo()

    assert path.read_bytes() == saved
    assert sorted(os.listdir(tmp_path)) == [name], "no temporary or lock file is left, old ones included"
    for got, expected in zip(load(trained, path), before):
        np.testing.assert_array_equal(got, expected)


class StopAt(keras.callbacks.Callback):
    """Raises at the end of batch `batch` of epoch `epoch`, as an interrupted notebook cell does."""

    def __init__(self, epoch, batch):
        super().__init__()
        self.stop, self.epoch = (epoch, batch), None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.stop:
            raise KeyboardInterrupt


@pytest.mark.slow
@pytest.mark.parametrize("steps_per_execution", [1, 2])  # 5 batches an epoch: calls of 1 step; of 2, 2 and 1
def test_fit_interrupted_mid_epoch_resumes_in_the_same_process_to_the_uninterrupted_weights(
    tmp_path, steps_per_execution
):
    x = np.linspace(-1.0, 1.0, 40)
    y = 0.5 * x + 2.0

    def fit(callbacks):
        keras.utils.set_random_seed(0)
        model = LinearRegression()
        model.compile(optimizer=keras.optimizers.Adam(0.05), steps_per_execution=steps_per_execution)
        history = model.fit(x, y, epochs=4, batch_size=8, verbose=0, callbacks=callbacks)
        return model, history

    reference, reference_history = fit([])
    interrupted = BackupAndRestore(str(tmp_path), save_freq=3)
    with pytest.raises(KeyboardInterrupt):  # epoch 2 stops after 4 of its 5 batches, 3 (or 4) backed up
        fit([interrupted, StopAt(epoch=2, batch=3)])
    # The interrupted fit never reached on_train_end: its callback, still alive, holds the lock.
    assert (tmp_path / ".lock").exists()
    resumed, history = fit([BackupAndRestore(str(tmp_path), save_freq=3)])

    assert len(history.history["loss"]) == 2  # epochs 2 and 3
    assert history.history["loss"] == reference_history.history["loss"][2:]  # epoch 2's running loss restored
    for got, expected in zip(
        resumed.weights + resumed.optimizer.variables, reference.weights + reference.optimizer.variables
    ):
        np.testing.assert_array_equal(got.numpy(), expected.numpy(), err_msg=got.path)
    assert not tmp_path.exists(), "the finished fit deletes its backup, lock included"
