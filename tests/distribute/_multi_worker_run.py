"""One worker of a MultiWorkerMirroredStrategy cluster: trains the three models, writes JSON.

    TF_CONFIG='{"cluster": {"worker": [...]}, "task": {"type": "worker", "index": I}}' \
        python _multi_worker_run.py OUT_DIR

Every worker runs the same `fit` with the same callbacks: the step's
all-reduces, GradientLogger's among them, and PredictionPlotLogger's
`predict()` are collectives every worker must join. Keras's callbacks know
nothing of workers, so each worker gives them its own paths, the pattern of
TensorFlow's multi-worker tutorial: the chief writes to
`OUT_DIR/logs/<model>` and `OUT_DIR/checkpoints/<model>.keras`, the others
to a temporary folder deleted after `fit`. Writes `OUT_DIR/worker-<I>.json`
with the History, the weights, whether it was the chief and the temporary
folder it used.
"""

import json
import shutil
import sys
import tempfile
from pathlib import Path

import tensorflow as tf

# Made first: it starts this worker's server and waits for the others.
STRATEGY = tf.distribute.MultiWorkerMirroredStrategy()

import keras  # noqa: E402

import _scenarios  # noqa: E402


def main(out: Path) -> None:
    tf.config.experimental.enable_op_determinism()
    task_id = STRATEGY.cluster_resolver.task_id
    is_chief = STRATEGY.extended.should_checkpoint
    scratch = None if is_chief else Path(tempfile.mkdtemp(prefix=f"worker-{task_id}-"))
    root = out if is_chief else scratch
    runs = {}
    try:
        for name in _scenarios.MODELS:
            log_dir = root / "logs" / name
            checkpoint = root / "checkpoints" / f"{name}.keras"
            callbacks = [*_scenarios.tape_callbacks(name, log_dir), keras.callbacks.ModelCheckpoint(str(checkpoint))]
            runs[name] = _scenarios.train(name, STRATEGY, callbacks)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    result = {
        "task_id": task_id,
        "is_chief": is_chief,
        "num_replicas": STRATEGY.num_replicas_in_sync,
        "scratch": str(scratch) if scratch else None,
        "runs": runs,
    }
    (out / f"worker-{task_id}.json").write_text(json.dumps(result))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
