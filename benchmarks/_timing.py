"""Timing helpers shared by the benchmarks: medians, peak memory, the machine."""

from __future__ import annotations

import contextlib
import gc
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
    return interleaved_medians({"run": run}, repeats=repeats, warmup=warmup)["run"]


@contextlib.contextmanager
def quiet(settle_s: float = 0.5):
    """Starts a timed run on a quiet process: garbage collected, background threads idle.

    The collector then stays off while timing, as with `timeit`: a full
    collection of a process holding TensorFlow takes about 0.2 s here and
    strikes whichever run crosses its threshold. The pause lets the previous
    contender's leftovers finish (stock `fit` leaves the next epoch's input
    pipeline running); without it, a run right after stock's was up to 0.4 s
    slower than the same run alone.
    """
    gc.collect()
    time.sleep(settle_s)
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


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
    out = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"benchmark subprocess failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def interleaved_times(runs: dict, repeats: int = 5, warmup: int = 1) -> dict:
    """Seconds of each `runs[name]()`, timed in turn, round after round: a list per name.

    On a shared, noisy machine a slow spell then hits every contender alike,
    so their ratios hold even when the absolute times drift. Each call starts
    on a quiet process (see `quiet`).
    """
    times = {name: [] for name in runs}
    for round_ in range(warmup + repeats):
        for name, run in runs.items():
            with quiet():
                start = time.perf_counter()
                run()
                elapsed = time.perf_counter() - start
            if round_ >= warmup:
                times[name].append(elapsed)
    return times


def interleaved_medians(runs: dict, repeats: int = 5, warmup: int = 1) -> dict:
    """Median seconds of each `runs[name]()`, timed as `interleaved_times` does."""
    return {name: statistics.median(values) for name, values in interleaved_times(runs, repeats, warmup).items()}


def median_ratio(times: list[float], reference: list[float]) -> float:
    """The median of each round's ratio `times[i] / reference[i]`.

    A slow spell that spans a round slows both of its runs and leaves
    their ratio alone, which a ratio of medians would not.
    """
    return statistics.median(t / r for t, r in zip(times, reference))


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
    # Other programs' load skews absolute times (ratios less): it is part of the record.
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({cpu}), {device}, load average {load} at the end; "
        f"Python {platform.python_version()}, TensorFlow {tf.__version__}, Keras {keras.__version__}"
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
