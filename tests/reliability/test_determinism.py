"""Same seed, same weights, bit for bit; two runs at once do not disturb each other.

Runs happen in subprocesses (`_worker.py`), so that
`tf.config.experimental.enable_op_determinism()` does not leak into other tests.
"""

import numpy as np
import pytest
import tensorflow as tf

pytestmark = pytest.mark.multiprocess


def epoch_losses(log_dir):
    """The `epoch_loss` values of every events file under `log_dir`, by file."""
    values = {}
    for events in sorted(log_dir.rglob("events.out.tfevents.*")):
        values[events.relative_to(log_dir).as_posix()] = [
            float(tf.make_ndarray(value.tensor))
            for event in tf.compat.v1.train.summary_iterator(str(events))
            for value in event.summary.value
            if value.tag == "epoch_loss"
        ]
    return values


def test_concurrent_runs_with_tensorboard_give_the_solo_weights_bit_for_bit(tmp_path, workers, solo_run):
    runs = [tmp_path / "a", tmp_path / "b"]
    for out in runs:
        out.mkdir()
    results = workers.run(*(["tensorboard", out] for out in runs))
    for result in results:
        assert result.returncode == 0, result.stdout[-3000:]

    logged = []
    for out in runs:
        for name in workers.config.MODELS:
            final = workers.load(out / f"{name}-final.npz")
            assert final.keys() == solo_run[name].keys()
            for key, value in solo_run[name].items():
                np.testing.assert_array_equal(final[key], value, err_msg=f"{out.name} {name} {key}")
            # Each run's logs sit in its own folder: one train events file, one loss per epoch.
            losses = epoch_losses(out / "logs" / name)
            assert list(losses) == [next(iter(losses))] and next(iter(losses)).startswith("train/")
            (values,) = losses.values()
            assert len(values) == workers.config.EPOCHS
            logged.append(values)
    # Same seed, same losses in both runs' logs.
    half = len(logged) // 2
    assert logged[:half] == logged[half:]
