"""Fixtures of the reliability tests: worker processes, and one uninterrupted reference run."""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("_worker.py")
WORKER_TIMEOUT_S = 180


def _worker_env() -> dict:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    return env


def run_workers(*argvs, timeout_s: float = WORKER_TIMEOUT_S) -> list[subprocess.CompletedProcess]:
    """Runs `_worker.py ARGV` once per argv, all at the same time; returns when all have ended.

    Output goes to temporary files, not pipes: a full pipe would stall a worker
    while we wait for another one.
    """
    processes, outputs = [], []
    try:
        for argv in argvs:
            outputs.append(tempfile.TemporaryFile(mode="w+"))  # noqa: SIM115 (closed by the caller)
            processes.append(
                subprocess.Popen(
                    [sys.executable, str(WORKER), *map(str, argv)],
                    cwd=PROJECT_ROOT,
                    env=_worker_env(),
                    stdout=outputs[-1],
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            )
        deadline = time.monotonic() + timeout_s
        results = []
        for process, output, argv in zip(processes, outputs, argvs):
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
            output.seek(0)
            results.append(subprocess.CompletedProcess(argv, process.returncode, output.read()))
        return results
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        for output in outputs:
            output.close()


def load_state(path: Path) -> dict:
    with np.load(path) as archive:
        return {key: archive[key] for key in archive.files}


@pytest.fixture(scope="session")
def workers():
    """`run(*argvs)`, `load(path)` and `config` (the `_worker` module: epochs, models...)."""
    sys.path.insert(0, str(WORKER.parent))
    try:
        import _worker
    finally:
        sys.path.remove(str(WORKER.parent))
    return SimpleNamespace(run=run_workers, load=load_state, config=_worker)


@pytest.fixture(scope="session")
def solo_run(tmp_path_factory, workers):
    """Final states of the three models trained uninterrupted, alone, in a fresh process."""
    out = tmp_path_factory.mktemp("solo")
    (result,) = workers.run(["solo", out])
    assert result.returncode == 0, result.stdout[-3000:]
    return {name: load_state(out / f"{name}-final.npz") for name in workers.config.MODELS}
