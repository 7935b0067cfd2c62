"""What GradientLogger costs: one MNIST-sized epoch with and without it, side by side.

The lab's MLP (784-256-128-10, a `keras_tape.models.MLPClassifier`) trains one
epoch on 60,000 synthetic 784-float samples, batch 128, `verbose=0`:
without callbacks, and with `GradientLogger` at `histogram_freq=0` (norms
only) and `histogram_freq=1` (norms and a copy of every gradient for the
histograms). Every run builds a fresh model and fits 6 epochs; the first
two (tracing, compiling) are dropped and the median of the other four is
the run's time. Each set-up runs 5 times after one warm-up run, taking
turns; the ratio is the median of each round's ratio to the plain run.
Takes about three minutes on 2 cores.

    python -m benchmarks.bench_callbacks
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from benchmarks._timing import median_ratio  # noqa: E402
from keras_tape.callbacks import GradientLogger  # noqa: E402
from keras_tape.models import MLPClassifier  # noqa: E402

SAMPLES, FEATURES, CLASSES = 60_000, 784, 10
BATCH_SIZE = 128
REPEATS = 5
EPOCHS = 6


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.random((SAMPLES, FEATURES), dtype=np.float32)
    y = rng.integers(0, CLASSES, SAMPLES).astype("int32")
    return x, y


def _time_one_epoch(x, y, make_callbacks) -> float:
    """Seconds of a steady-state epoch: a 6-epoch fit, the median of its last 4.

    The first epochs trace the step (with the observer when GradientLogger is
    there) and compile it with XLA (asked for: a fit this short would skip
    it) for the full and the last, partial batch; later epochs run it, with
    every hook of the callbacks under test.
    """
    keras.utils.set_random_seed(0)
    model = MLPClassifier(hidden_units=(256, 128), num_classes=CLASSES)
    model.compile(jit_compile=True)
    starts, durations = [], []
    timer = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: starts.append(time.perf_counter()),
        on_epoch_end=lambda epoch, logs: durations.append(time.perf_counter() - starts[-1]),
    )
    model.fit(x, y, epochs=EPOCHS, batch_size=BATCH_SIZE, verbose=0, callbacks=[timer, *make_callbacks()])
    return statistics.median(durations[2:])


def run() -> list[dict]:
    """Times the three set-ups; rows of name, median seconds and ratio to no callbacks."""
    x, y = _data()
    with tempfile.TemporaryDirectory() as log_root:
        setups = {"no callbacks": lambda: []}
        for freq in (0, 1):
            log_dir = os.path.join(log_root, f"histogram_freq{freq}")
            setups[f"GradientLogger(histogram_freq={freq})"] = lambda log_dir=log_dir, freq=freq: [
                GradientLogger(log_dir, histogram_freq=freq)
            ]
        times = {name: [] for name in setups}
        # Round 0 warms each set-up up (kernels, threads, summary writers) and is
        # dropped; rounds interleave so a slow spell on a shared machine hits all alike.
        for _ in range(1 + REPEATS):
            for name, make_callbacks in setups.items():
                times[name].append(_time_one_epoch(x, y, make_callbacks))
    times = {name: runs[1:] for name, runs in times.items()}
    return [
        {"name": name, "median_s": statistics.median(runs), "ratio": median_ratio(runs, times["no callbacks"])}
        for name, runs in times.items()
    ]


if __name__ == "__main__":
    rows = run()
    width = max(len(row["name"]) for row in rows)
    print(f"MLP 784-256-128-10, {SAMPLES} x {FEATURES}, batch {BATCH_SIZE}, steady-state epoch, median of {REPEATS}")
    print(f"{'set-up':<{width}}  {'median s':>9}  {'ratio':>6}")
    for row in rows:
        print(f"{row['name']:<{width}}  {row['median_s']:>9.3f}  {row['ratio']:>6.3f}")
