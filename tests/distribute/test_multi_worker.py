"""MultiWorkerMirroredStrategy: two worker processes on 127.0.0.1, as on two machines.

Each worker runs `_multi_worker_run.py` with its own `TF_CONFIG`; both train
the three models on the same global batches (8 rows each of every batch of
16). Their weights must be identical, equal to one process training alone,
and only the chief may leave TensorBoard logs and checkpoints behind.
"""

import json
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

import _processes
import _scenarios

pytestmark = pytest.mark.multiprocess

SCRIPT = "_multi_worker_run.py"
WORKERS = 2
DEADLINE_S = 150


def tf_config(ports, index: int) -> str:
    workers = [f"127.0.0.1:{port}" for port in ports]
    return json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}})


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Runs the two workers once; returns `(exit codes, {task id: result}, out dir)`."""
    out = tmp_path_factory.mktemp("multi_worker")
    ports = _processes.free_ports(WORKERS)
    envs = [{"TF_CONFIG": tf_config(ports, i)} for i in range(WORKERS)]
    codes = _processes.run_together(SCRIPT, [out], envs, out, deadline_s=DEADLINE_S)
    results = {}
    for i in range(WORKERS):
        path = out / f"worker-{i}.json"
        if path.exists():
            results[i] = json.loads(path.read_text())
    return codes, results, out


def finished(cluster) -> dict:
    codes, results, out = cluster
    for i, code in enumerate(codes):
        assert code == 0, f"worker {i} exited with {code}:\n{_processes.log_tail(out, SCRIPT, i)}"
    return results


def test_workers_agree_with_each_other_and_with_one_process(cluster):
    results = finished(cluster)
    chief, other = results[0], results[1]
    assert chief["num_replicas"] == other["num_replicas"] == WORKERS
    for name in _scenarios.MODELS:
        for got, expected in zip(other["runs"][name]["weights"], chief["runs"][name]["weights"]):
            np.testing.assert_array_equal(got, expected, err_msg=name)
        assert other["runs"][name]["history"] == chief["runs"][name]["history"]
        alone = _scenarios.train(name, tf.distribute.get_strategy())
        _scenarios.assert_same_run(chief["runs"][name], alone, f"{name} on two workers")


def test_only_the_chief_leaves_logs_and_checkpoints(cluster):
    results = finished(cluster)
    _, _, out = cluster
    assert [results[i]["is_chief"] for i in range(WORKERS)] == [True, False]
    assert results[0]["scratch"] is None
    assert not Path(results[1]["scratch"]).exists(), "the non-chief's scratch folder was not deleted"
    assert sorted(p.name for p in out.iterdir() if not p.name.endswith(".log")) == [
        "checkpoints",
        "logs",
        "worker-0.json",
        "worker-1.json",
    ]
    events = list((out / "logs").rglob("events.out.tfevents.*"))
    # Event file names end in <host>.<pid>.<n>.v2: one writer process, the chief.
    assert len({path.name.split(".")[-3] for path in events}) == 1, [p.name for p in events]
    for name in _scenarios.MODELS:
        assert list((out / "logs" / name / "train").glob("events.out.tfevents.*")), name
        # The chief's last checkpoint is the trained model.
        restored = keras.models.load_model(out / "checkpoints" / f"{name}.keras")
        for got, expected in zip(restored.get_weights(), results[0]["runs"][name]["weights"]):
            np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6, err_msg=name)
