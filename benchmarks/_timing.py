"""Timing helpers shared by the benchmarks: medians, peak memory, the machine."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def median_seconds(run, repeats: int = 3, warmup: int = 1) -> float:
    """Median wall time of `run()` over `repeats` calls, after `warmup` untimed calls."""
    for _ in range(warmup):
        run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def in_subprocess(code: str, timeout: float = 600) -> dict:
    """Runs `code` in a fresh Python; it must leave a dict in `result`.

    Peak memory is a per-process number, so memory comparisons need their
    own processes. The dict gets `peak_rss_mib`: the child's VmHWM, which a
    new program starts afresh (ru_maxrss would carry over the parent's peak
    through fork and exec on Linux).
    """
    wrapper = (
        "import os, json\n"
        "os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')\n"
        f"{code}\n"
        "status = open('/proc/self/status').read().split('VmHWM:')[1]\n"
        "result['peak_rss_mib'] = int(status.split()[0]) / 1024\n"
        "print(json.dumps(result))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", wrapper], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )
    if out.returncode != 0:
        raise RuntimeError(f"benchmark subprocess failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def interleaved_medians(runs: dict, repeats: int = 5, warmup: int = 1) -> dict:
    """Median seconds of each `runs[name]()`, timed in turn, round after round.

    On a shared, noisy machine a slow spell then hits every contender alike,
    so their ratios hold even when the absolute times drift.
    """
    times = {name: [] for name in runs}
    for round_ in range(warmup + repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            if round_ >= warmup:
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def machine() -> str:
    """One line describing this machine and the software measured."""
    import keras
    import tensorflow as tf

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    gpus = tf.config.list_physical_devices("GPU")
    device = f"{len(gpus)} GPU(s)" if gpus else "no GPU"
    return (
        f"{os.cpu_count()} cores ({cpu}), {device}; Python {platform.python_version()}, "
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}"
    )


def table(rows: list[dict], columns: list[str]) -> str:
    """A Markdown table of `rows` with the given columns."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(_cell(row.get(c, "")) for c in columns) + " |")
    return "\n".join(lines)


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)
