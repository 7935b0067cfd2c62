"""Runs the MirroredStrategy cases on two logical CPUs and writes what they gave as JSON.

    python _mirrored_run.py OUT_DIR

The two devices must be configured before TensorFlow initialises, hence a
process of its own. Each case (and each model of `models_case`) runs even
when another fails; a failure is recorded as `{"error": "Type: message"}`
for the test that reads it. Results go to `OUT_DIR/results.json`,
TensorBoard logs to `OUT_DIR/logs/<device>/<model>`.

TensorFlow assigns collective-op keys per strategy object, so a second
MirroredStrategy in one process can collide with the first (tensorflow#62790):
every case shares the one strategy made here.
"""

import json
import sys
import traceback
from pathlib import Path

import tensorflow as tf

tf.config.set_logical_device_configuration(
    tf.config.list_physical_devices("CPU")[0], [tf.config.LogicalDeviceConfiguration()] * 2
)

import keras  # noqa: E402
import numpy as np  # noqa: E402

import _scenarios  # noqa: E402

MIRRORED = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
ONE_DEVICE = tf.distribute.get_strategy()


def models_case(out: Path) -> dict:
    """Each model on one device and on two replicas, with every TensorBoard callback."""
    return {name: attempt(train_on_both, out, name) for name in _scenarios.MODELS}


def train_on_both(out: Path, name: str) -> dict:
    runs = {}
    for device, strategy in (("single", ONE_DEVICE), ("mirrored", MIRRORED)):
        callbacks = _scenarios.tape_callbacks(name, out / "logs" / device / name)
        runs[device] = _scenarios.train(name, strategy, callbacks)
    return runs


def skip_nonfinite_case(out: Path) -> dict:
    """A NaN target in one replica's half of batch 1: both replicas must skip the whole batch."""
    x, y = _scenarios.data("linear")
    poisoned = y.copy()
    poisoned[_scenarios.BATCH_SIZE + 2] = np.nan  # row 2 of batch 1: replica 0's share
    kept = np.r_[0 : _scenarios.BATCH_SIZE, 2 * _scenarios.BATCH_SIZE : len(y)]
    runs = {}
    for label, rows, targets in (("guarded", slice(None), poisoned), ("clean", kept, y)):
        keras.utils.set_random_seed(0)
        with MIRRORED.scope():
            model = _scenarios.build("linear", skip_nonfinite_steps=True)
            model.compile(metrics=["mae"])  # a compiled metric must skip the batch too
            model.adapt(x)  # both runs whiten with all the inputs
        batches = tf.data.Dataset.from_tensor_slices((x[rows], targets[rows])).batch(_scenarios.BATCH_SIZE)
        history = model.fit(batches, epochs=_scenarios.EPOCHS, verbose=0)
        runs[label] = {
            "history": history.history,
            "weights": [w.tolist() for w in model.get_weights()],
            "iterations": int(model.optimizer.iterations.numpy()),
        }
    return runs


def loss_scale_overflow_case(out: Path) -> dict:
    """mixed_float16, one batch whose float16 gradients overflow on one replica only.

    The loss-scaling optimizer must skip the step and halve its scale, as it
    does on one device, whichever replica overflowed.
    """
    x, y = _scenarios.data("mlp")
    half = _scenarios.BATCH_SIZE // 2
    runs = {}
    for replica in (0, 1):
        huge = x[: _scenarios.BATCH_SIZE].copy()
        huge[replica * half : (replica + 1) * half] *= 3e4  # float16 stops at 65504
        keras.mixed_precision.set_dtype_policy("mixed_float16")
        try:
            with MIRRORED.scope():
                model = _scenarios.build("mlp")
                model.compile(steps_per_execution=1)  # what this case tests, whatever the default
        finally:
            keras.mixed_precision.set_dtype_policy("float32")
        model.fit(
            huge, y[: _scenarios.BATCH_SIZE], batch_size=_scenarios.BATCH_SIZE, epochs=1, shuffle=False, verbose=0
        )
        runs[f"replica_{replica}"] = {
            "finite": bool(all(np.isfinite(w).all() for w in model.get_weights())),
            "iterations": int(model.optimizer.iterations.numpy()),
            "scale": float(model.optimizer.dynamic_scale.numpy()),
            "initial_scale": float(model.optimizer.initial_scale),
        }
    return runs


def gradient_accumulation_case(out: Path) -> dict:
    """Keras's `gradient_accumulation_steps` under two replicas (an upstream limitation)."""
    x, y = _scenarios.data("linear")
    with MIRRORED.scope():
        model = _scenarios.build("linear")
        model.compile(optimizer=keras.optimizers.SGD(0.1, gradient_accumulation_steps=2))
    model.fit(x, y, batch_size=_scenarios.BATCH_SIZE, epochs=1, shuffle=False, verbose=0)
    return {"iterations": int(model.optimizer.iterations.numpy())}


def attempt(case, *args):
    """`case(*args)`, or `{"error": "Type: message"}` if it raised, for the test that reads it."""
    try:
        return case(*args)
    except Exception as error:
        traceback.print_exc()
        return {"error": f"{type(error).__name__}: {error}"}


def main(out: Path) -> None:
    tf.config.experimental.enable_op_determinism()
    cases = (models_case, skip_nonfinite_case, loss_scale_overflow_case, gradient_accumulation_case)
    results = {case.__name__: attempt(case, out) for case in cases}
    (out / "results.json").write_text(json.dumps(results))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
