"""Starting the distribution scripts in fresh Python processes, with one deadline for all."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT_ROOT = HERE.parents[1]


def free_ports(count: int) -> list[int]:
    """Ports nobody listens on now: the OS picks them when we bind to port 0."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def run_together(script: str, args, envs: list[dict], log_dir: Path, deadline_s: float) -> list[int | None]:
    """Runs `script ARGS` once per env in `envs`, all at once; returns their exit codes.

    Output goes to `log_dir/<script stem>-<i>.log` (TensorFlow is chatty; a
    full pipe would stall a worker). A process still running at the deadline
    is killed and reported as None, and every process is killed if anything
    raises, so a hung collective never outlives the test.
    """
    with contextlib.ExitStack() as cleanup:
        processes = []
        for i, extra_env in enumerate(envs):
            env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", **extra_env)
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), str(HERE), env.get("PYTHONPATH")]))
            log = cleanup.enter_context(open(log_dir / f"{Path(script).stem}-{i}.log", "w"))
            process = subprocess.Popen(
                [sys.executable, str(HERE / script), *map(str, args)],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            cleanup.callback(_stop, process)
            processes.append(process)
        end = time.monotonic() + deadline_s
        return [_exit_code(process, end - time.monotonic()) for process in processes]


def _exit_code(process: subprocess.Popen, seconds: float) -> int | None:
    try:
        return process.wait(timeout=max(0.1, seconds))
    except subprocess.TimeoutExpired:
        return None


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


def log_tail(log_dir: Path, script: str, index: int = 0, chars: int = 3000) -> str:
    """The end of one process's output, for an assertion message."""
    path = log_dir / f"{Path(script).stem}-{index}.log"
    return path.read_text(errors="replace")[-chars:] if path.exists() else f"(no log at {path})"
