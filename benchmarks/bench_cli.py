"""How fast `keras-tape` answers `--help` and bad input, against a bare Python start.

Each command runs in a fresh process (the console script beside this
Python, else `python -m keras_tape`), from a scratch folder, without
TF_CPP_MIN_LOG_LEVEL set; the contenders take turns, round after round,
and the table shows each one's median wall time, its excess over
`python -c pass` (the floor: the interpreter's own start), and how many
lines it wrote on stderr. For scale, the last row imports
`keras_tape.models`, that is TensorFlow and Keras, which every command paid
before the parser stopped needing them.

    python -m benchmarks.bench_cli [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._timing import ROOT, table

COMMANDS = {
    "python -c pass (floor)": None,
    "keras-tape --help": ["--help"],
    "keras-tape fit --help": ["fit", "--help"],
    "keras-tape fit linear --help": ["fit", "linear", "--help"],
    "keras-tape fit linear --epochs 0 (argument error)": ["fit", "linear", "--epochs", "0"],
    "keras-tape fit linear --csv missing.csv (missing file)": ["fit", "linear", "--csv", "missing.csv"],
}
TENSORFLOW_IMPORT = "python -c 'import keras_tape.models' (TensorFlow and Keras)"


def _command_line() -> list[str]:
    script = Path(sys.executable).with_name("keras-tape")
    return [str(script)] if script.exists() else [sys.executable, "-m", "keras_tape"]


def _timed(argv: list[str], cwd: str, env: dict) -> tuple[float, int]:
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - start
    return elapsed, len(result.stderr.splitlines())


def run(quick: bool = False) -> list[dict]:
    """Times every command; returns one row a command, the floor first and TensorFlow's import last."""
    repeats = 5 if quick else 11
    env = {name: value for name, value in os.environ.items() if name != "TF_CPP_MIN_LOG_LEVEL"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    command = _command_line()
    argvs = {
        name: [sys.executable, "-c", "pass"] if args is None else [*command, *args] for name, args in COMMANDS.items()
    }
    argvs[TENSORFLOW_IMPORT] = [sys.executable, "-c", "import keras_tape.models"]
    rounds = {name: (3 if quick else 5) if name == TENSORFLOW_IMPORT else repeats for name in argvs}
    times = {name: [] for name in argvs}
    stderr_lines = {}
    with tempfile.TemporaryDirectory() as scratch:
        for round_ in range(1 + max(rounds.values())):  # round 0 warms the file cache, untimed
            for name, argv in argvs.items():
                if round_ > rounds[name]:
                    continue
                elapsed, lines = _timed(argv, scratch, env)
                if round_:
                    times[name].append(elapsed)
                    stderr_lines[name] = lines
    floor = statistics.median(times["python -c pass (floor)"])
    return [
        {
            "command": name,
            "runs": len(values),
            "median_s": statistics.median(values),
            "over_floor_s": statistics.median(values) - floor,
            "stderr_lines": stderr_lines[name],
        }
        for name, values in times.items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_cli", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    rows = run(parser.parse_args().quick)
    print(table(rows, list(rows[0])))


if __name__ == "__main__":
    main()
