"""Two processes, one folder: a second run into a backup folder in use is refused, a second save waits.

The test process is the first writer: a `fit` with
`keras_tape.callbacks.BackupAndRestore`, then a `TapeModel.save` slowed down
until the other process asks to save to the same path. The second writer is
a real process (`_worker.py contend`).
"""

import os
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

from keras_tape.callbacks import BackupAndRestore
from keras_tape.models import LinearRegression

WAIT_S = 150  # the rival imports TensorFlow on a busy machine


def wait_for(condition, what):
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.mark.multiprocess
def test_a_second_process_is_refused_the_backup_folder_and_waits_to_save(tmp_path, workers, monkeypatch):
    from conftest import WORKER, _worker_env

    rival = {}

    class StartRival(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:  # our backup exists and our fit holds the folder
                with open(tmp_path / "rival.log", "w") as log:  # the child keeps its own descriptor
                    rival["process"] = subprocess.Popen(
                        [sys.executable, str(WORKER), "contend", str(tmp_path)],
                        env=_worker_env(),
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                wait_for(
                    lambda: (tmp_path / "refused.txt").exists() or (tmp_path / "saving").exists(), "the rival's fit"
                )

    x = np.linspace(0.0, 1.0, 32)
    model = LinearRegression()
    model.compile()
    try:
        model.fit(
            x, 2 * x + 1, epochs=2, verbose=0, callbacks=[BackupAndRestore(str(tmp_path / "backup")), StartRival()]
        )

        message = (tmp_path / "refused.txt").read_text()
        assert f"`backup_dir` '{tmp_path / 'backup'}/' is in use by another process (pid {os.getpid()})" in message
        assert "give each run its own, or wait for that one to end" in message

        keras_save = keras.Model.save

        def save_once_the_rival_asks(self, filepath, *args, **kwargs):
            (tmp_path / "go").touch()  # we hold the lock now
            wait_for((tmp_path / "saving").exists, "the rival's save")
            time.sleep(1.0)  # the rival is blocked on the lock meanwhile
            assert not (tmp_path / "saved").exists(), "the rival saved while we were saving"
            keras_save(self, filepath, *args, **kwargs)

        monkeypatch.setattr(keras.Model, "save", save_once_the_rival_asks)
        model.save(tmp_path / "model.keras")
        ours_ended = time.time()
        monkeypatch.undo()
        assert rival["process"].wait(timeout=WAIT_S) == 0, (tmp_path / "rival.log").read_text()[-3000:]
    finally:
        if "process" in rival and rival["process"].poll() is None:
            rival["process"].kill()

    assert float((tmp_path / "saved").read_text()) >= ours_ended
    # The file is the rival's whole model, saved after ours; no lock or temporary file is left.
    loaded = keras.models.load_model(tmp_path / "model.keras", compile=False)
    np.testing.assert_array_equal(loaded.coef, np.load(tmp_path / "coef.npy"))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "coef.npy",
        "go",
        "model.keras",
        "refused.txt",
        "rival.log",
        "saved",
        "saving",
    ]
