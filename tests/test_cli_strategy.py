"""`keras-tape fit --strategy`: two replicas, two worker processes, and a cluster that is not there.

The runs under a strategy start the command in fresh processes (a
TensorFlow import each, a few seconds): logical devices and a cluster
must be set up before TensorFlow starts. Each must learn what one
process learns alone (to 1e-4), as `docs/scaling.md` promises for the
command lines it shows, which are these.
"""

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_tape import cli
from keras_tape.cli.strategy import LOGICAL_CPUS_ENV
from keras_tape.cli.tasks import Task

sys.path.insert(0, str(Path(__file__).resolve().parent / "distribute"))
import _processes  # noqa: E402

COMMAND = [sys.executable, "-m", "keras_tape"]
ENV = {
    **{k: v for k, v in os.environ.items() if k not in ("TF_CONFIG", LOGICAL_CPUS_ENV)},
    "TF_CPP_MIN_LOG_LEVEL": "2",
}
EPOCHS = "20"
DEADLINE_S = 150
TOLERANCE = dict(rtol=0, atol=1e-4 + 1e-9)  # 1e-9: a printed 4th decimal that rounds the other way


def learned(out: str) -> list[float]:
    """The coefficients on the `learned:` line, e.g. [6.0638, 1.3426] for y = 6.0638*x + 1.3426."""
    (line,) = [line for line in out.splitlines() if line.startswith("learned: ")]
    return [float(number) for number in re.findall(r"-?\d+\.\d+", line)]


@pytest.fixture(scope="module")
def alone(tmp_path_factory):
    """`fit linear` in this process on one device: `(stdout, the saved model's path)`."""
    saved = tmp_path_factory.mktemp("alone") / "model.keras"
    with contextlib.redirect_stdout(io.StringIO()) as out:
        status = cli.main(["fit", "linear", "--epochs", EPOCHS, "--quiet", "--save", str(saved)])
    assert status == 0
    return out.getvalue(), saved


@pytest.mark.multiprocess
def test_mirrored_on_two_logical_cpus_learns_what_one_device_learns(tmp_path, alone):
    result = subprocess.run(
        [*COMMAND, "fit", "linear", "--strategy", "mirrored", "--epochs", EPOCHS],
        cwd=tmp_path,
        env={**ENV, LOGICAL_CPUS_ENV: "2"},
        capture_output=True,
        text=True,
        timeout=DEADLINE_S,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "on:      MirroredStrategy, 2 replicas" in result.stdout.splitlines()
    assert f"epoch {EPOCHS}/{EPOCHS} - loss: " in result.stdout
    np.testing.assert_allclose(learned(result.stdout), learned(alone[0]), **TOLERANCE)


@pytest.mark.multiprocess
def test_two_workers_train_one_model_and_only_the_chief_writes(tmp_path, alone):
    workers = [f"127.0.0.1:{port}" for port in _processes.free_ports(2)]
    scratch = tmp_path / "tmp"  # TMPDIR of both workers: the non-chief's scratch folder goes here
    scratch.mkdir()
    args = [
        "fit",
        "linear",
        "--strategy",
        "multi-worker",
        "--epochs",
        EPOCHS,
        "--save",
        "model.keras",
        "--logdir",
        "logs",
        "--quiet",
    ]
    with contextlib.ExitStack() as cleanup:
        processes = []
        for index in range(2):
            cwd = tmp_path / f"worker-{index}"  # a machine of its own
            cwd.mkdir()
            config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
            # Two processes would each claim most of a shared GPU's memory.
            env = {**ENV, "TF_CONFIG": json.dumps(config), "TMPDIR": str(scratch), "CUDA_VISIBLE_DEVICES": ""}
            out = cleanup.enter_context(open(tmp_path / f"worker-{index}.out", "w"))
            err = cleanup.enter_context(open(tmp_path / f"worker-{index}.err", "w"))
            processes.append(subprocess.Popen([*COMMAND, *args], cwd=cwd, env=env, stdout=out, stderr=err))
            cleanup.callback(_processes._stop, processes[-1])  # a hung collective must not outlive the test
        end = time.monotonic() + DEADLINE_S
        codes = [_processes._exit_code(process, end - time.monotonic()) for process in processes]
    out, err = ([(tmp_path / f"worker-{i}.{kind}").read_text() for i in range(2)] for kind in ("out", "err"))
    assert codes == [0, 0], err

    chief, other = tmp_path / "worker-0", tmp_path / "worker-1"
    assert sorted(p.name for p in chief.iterdir()) == ["logs", "model.keras"]
    assert list(chief.glob("logs/*/linear/train/events.out.tfevents.*"))
    assert list(other.iterdir()) == [] and list(scratch.iterdir()) == []
    assert "on:      MultiWorkerMirroredStrategy, 2 replicas" in out[0].splitlines()
    assert out[1] == "" and "keras-tape" not in err[1]  # the other worker prints only errors
    np.testing.assert_allclose(learned(out[0]), learned(alone[0]), **TOLERANCE)
    restored, reference = keras.models.load_model(chief / "model.keras"), keras.models.load_model(alone[1])
    np.testing.assert_allclose(restored.coef, reference.coef, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(restored.intercept, reference.intercept, rtol=1e-4, atol=1e-4)


@pytest.mark.multiprocess
def test_multi_worker_without_tf_config_exits_2_in_one_line(tmp_path):
    result = subprocess.run(
        [*COMMAND, "fit", "linear", "--strategy", "multi-worker"],
        cwd=tmp_path,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=DEADLINE_S,
    )
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "keras-tape: error: --strategy multi-worker needs TF_CONFIG, which is not set; expected"
    ), result.stderr[-3000:]
    assert result.stdout == ""


@pytest.mark.parametrize(
    "tf_config, expected",
    [
        ("{cluster", "TF_CONFIG is not JSON"),
        ('{"task": {"type": "worker", "index": 0}}', 'TF_CONFIG has no "cluster" object'),
        ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 0}}', "TF_CONFIG lists 1 worker(s)"),
        ('{"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 2}}', 'TF_CONFIG\'s "task"'),
    ],
)
def test_a_tf_config_without_a_cluster_is_refused(capsys, monkeypatch, tf_config, expected):
    monkeypatch.setenv("TF_CONFIG", tf_config)
    status = cli.main(["demo", "--strategy", "multi-worker"])
    lines = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(lines) == 1 and lines[0].startswith(f"keras-tape: error: {expected}"), lines


@pytest.mark.parametrize("command", ["demo", "fit linear", "fit polynomial", "fit mlp"])
def test_help_lists_the_strategies(capsys, command):
    with pytest.raises(SystemExit):
        cli.main([*command.split(), "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--strategy {default,mirrored,multi-worker}" in text and "TF_CONFIG" in text
    if command != "demo":
        assert "the global batch size, split across the replicas" in text


@pytest.mark.slow
def test_demo_builds_every_model_under_the_one_strategy(capsys, monkeypatch, tmp_path):
    strategies = []
    original = Task.compile

    def spy(task, *args, **options):
        import tensorflow as tf

        strategies.append((tf.distribute.get_strategy(), task.model.distribute_strategy))
        original(task, *args, **options)

    monkeypatch.setattr(Task, "compile", spy)
    status = cli.main(["demo", "--strategy", "mirrored", "--epochs", "1", "--quiet", "--logdir", str(tmp_path)])
    assert status == 0, capsys.readouterr().err
    assert len(strategies) == 3
    (strategy,) = {id(s): s for pair in strategies for s in pair}.values()
    assert type(strategy).__name__ == "MirroredStrategy"
    assert "Strategy: MirroredStrategy, 1 replica" in capsys.readouterr().out.splitlines()
