"""`keras-tape tensorboard`: serves `--logdir` with TensorBoard on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from keras_tape.cli.errors import UsageError

TENSORBOARD_START_TIMEOUT_S = 90


def run(args: argparse.Namespace) -> int:
    """Runs `keras-tape tensorboard` with its parsed options; returns the exit status.

    It starts `python -m tensorboard.main` on 127.0.0.1, waits until the server
    answers, prints its address and stops it on Ctrl-C.

    Example:

    ```python
    run(build_parser().parse_args(["tensorboard", "--logdir", "runs", "--port", "6007"]))
    ```
    """
    logdir = Path(args.logdir)
    if not logdir.is_dir():
        raise UsageError(f"--logdir {str(logdir)!r} is not a folder; 'keras-tape demo' writes its logs to runs/.")
    _check_port_free(args.port)
    url = f"http://127.0.0.1:{args.port}/"
    command = [
        sys.executable,
        "-m",
        "tensorboard.main",
        "--logdir",
        str(logdir),
        "--host",
        "127.0.0.1",
        "--port",
        str(args.port),
    ]
    # TensorBoard's own start-up chatter goes to a file; it is shown only if it fails.
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        try:
            _wait_until_serving(process, url, output)
            print(f"TensorBoard at {url} showing {logdir} (Ctrl-C stops it)", flush=True)
            status = process.wait()
            if status != 0:
                raise UsageError(f"tensorboard exited with status {status}: {_last_line(output)}")
        finally:
            _stop(process)
    return 0


def _check_port_free(port: int) -> None:
    # TensorBoard fails late when the port is taken, and the server already
    # there would answer our readiness probe: check first.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As TensorBoard's server does, so a port a stopped server just left is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise UsageError(f"--port {port} is in use on 127.0.0.1; choose another with --port.") from None


def _wait_until_serving(process: subprocess.Popen, url: str, output) -> None:
    deadline = time.monotonic() + TENSORBOARD_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise UsageError(f"tensorboard exited with status {process.returncode}: {_last_line(output)}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.25)
    raise UsageError(f"tensorboard did not answer at {url} within {TENSORBOARD_START_TIMEOUT_S} s.")


def _last_line(output) -> str:
    output.seek(0)
    lines = output.read().decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else "(no output)"


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
