"""Nothing is lost when training is killed: BackupAndRestore resumes to the uninterrupted weights.

Each model is trained in its own process with `keras.callbacks.BackupAndRestore`
and killed by a real SIGKILL after training steps of an epoch, before that
epoch's backup (mid-epoch for the regressions; the MLP's default
`steps_per_execution=32` runs a whole epoch per call); one more process runs
the same script again and finishes all three. The models are never built by
the user: `TapeModel.fit` builds and adapts them from the data before the
callback restores the backup. The optimizer is Adam, so the restored state
includes its moments and iteration count; see `_worker.py`.
"""

import json
import signal
import zipfile

import keras
import numpy as np
import pytest

from keras_tape.models import PolynomialRegression


@pytest.mark.multiprocess
def test_killed_fit_resumes_to_exactly_the_uninterrupted_weights(tmp_path, workers, solo_run):
    config = workers.config
    killed = workers.run(*(["kill", tmp_path, name] for name in config.MODELS))
    for name, result in zip(config.MODELS, killed):
        assert result.returncode == -signal.SIGKILL, f"{name}: {result.stdout[-3000:]}"
        backup = tmp_path / "backup" / name
        assert (backup / "latest.weights.h5").is_file()
        metadata = json.loads((backup / "training_metadata.json").read_text())
        assert metadata["epoch"] == config.KILL_EPOCH
        assert not (tmp_path / f"{name}-final.npz").exists()

    (resumed,) = workers.run(["resume", tmp_path])
    assert resumed.returncode == 0, resumed.stdout[-3000:]

    for name in config.MODELS:
        at_backup = workers.load(tmp_path / f"{name}-backup.npz")
        restored = workers.load(tmp_path / f"{name}-restored.npz")
        final = workers.load(tmp_path / f"{name}-final.npz")
        solo = solo_run[name]
        # Every variable, the whitening and the optimizer's included, is back as it was backed up.
        assert restored.keys() == at_backup.keys()
        for key in at_backup.keys() - {"epochs_run"}:
            np.testing.assert_array_equal(restored[key], at_backup[key], err_msg=f"{name} {key}")
        optimizer = {key: value for key, value in restored.items() if key.startswith("optimizer_")}
        assert optimizer["optimizer_00"] == config.KILL_EPOCH * config.STEPS_PER_EPOCH  # iterations
        assert all(np.any(value != 0) for value in optimizer.values()), "Adam moments must be non-zero"
        # Only the epochs the killed run did not finish were run again, ending where a solo run ends.
        assert final["epochs_run"] == config.EPOCHS - config.KILL_EPOCH
        assert solo["epochs_run"] == config.EPOCHS
        assert final.keys() == solo.keys()
        for key in solo.keys() - {"epochs_run"}:
            np.testing.assert_array_equal(final[key], solo[key], err_msg=f"{name} {key}")
        assert not (tmp_path / "backup" / name).exists(), "the finished fit deletes its backup"


@pytest.fixture
def saved_model(tmp_path):
    model = PolynomialRegression(degree=2)
    model.compile()
    x = np.arange(11.0)
    model.fit(x, 6 * x**2 + 8 * x + 2, epochs=2, verbose=0)
    path = tmp_path / "poly.keras"
    model.save(path)
    return model, path


def test_saved_file_loads_and_damaged_copies_are_refused(saved_model, tmp_path):
    model, path = saved_model
    loaded = keras.models.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(loaded.coef, model.coef)

    data = path.read_bytes()
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"truncated\.keras.*accessible `\.keras` zip file"):
        keras.models.load_model(truncated)
    # Flipped bytes inside the weights: the zip checksum refuses them instead of loading garbage.
    corrupted = tmp_path / "corrupted.keras"
    middle = len(data) // 2
    corrupted.write_bytes(data[:middle] + bytes(b ^ 0xFF for b in data[middle : middle + 64]) + data[middle + 64 :])
    with pytest.raises(zipfile.BadZipFile, match=r"Bad CRC-32 for file 'model\.weights\.h5'"):
        keras.models.load_model(corrupted)
    # The original is untouched by the failed loads.
    np.testing.assert_array_equal(keras.models.load_model(path).coef, model.coef)
