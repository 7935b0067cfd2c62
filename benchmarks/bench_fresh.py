"""What a fresh process feels: the import, and the wall time to a target accuracy.

Students run short fits on fresh models in fresh processes: this times the
whole program (imports, building, tracing, XLA compiling, training and
per-epoch validation), each contender in a process of its own, taking turns.
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path

from benchmarks._timing import ROOT, in_subprocess, median_ratio

# The MNIST test half, as the tests find it; BENCH_MNIST points elsewhere (a git worktree).
MNIST = Path(os.environ.get("BENCH_MNIST", ROOT.parent / "shared" / "data" / "mnist"))
TARGET_ACCURACY = 0.95
TRAIN_ROWS = 8000
COLUMNS = ["comparison", "median_s", "spread_s", "ratio", "extra_s", "epochs", "first_epoch_s", "fit_s", "fit_ratio"]

_IMPORTS = {
    "keras": "import keras",
    "keras_tape": "import keras_tape, keras_tape.models, keras_tape.callbacks, keras_tape.autodiff, keras_tape.data",
}


def _spread(values: list[float]) -> str:
    return f"{min(values):.3g}-{max(values):.3g}"


def import_cost(repeats: int = 5) -> list[dict]:
    """`import keras` vs `import keras_tape` (with the submodules a user touches), fresh processes.

    Each child times its own imports, so the interpreter's start is left out
    alike; the two take turns, round after round. A third child imports
    keras and then keras_tape, timing the second import alone: the same
    extra cost without two processes' noise in the difference.
    """
    marginal = f"import keras, time\nstart = time.perf_counter()\n{_IMPORTS['keras_tape']}\n"
    times = {name: [] for name in _IMPORTS}
    extra_in_process = []
    for _ in range(repeats):
        for name, statement in _IMPORTS.items():
            code = (
                f"import time\nstart = time.perf_counter()\n{statement}\nresult = {{'s': time.perf_counter() - start}}"
            )
            times[name].append(in_subprocess(code)["s"])
        extra_in_process.append(in_subprocess(marginal + "result = {'s': time.perf_counter() - start}")["s"])
    extra = [t - k for t, k in zip(times["keras_tape"], times["keras"])]
    return [
        {
            "comparison": "import keras (fresh process)",
            "median_s": statistics.median(times["keras"]),
            "spread_s": _spread(times["keras"]),
            "ratio": 1.0,
        },
        {
            "comparison": "import keras_tape and its submodules (fresh process)",
            "median_s": statistics.median(times["keras_tape"]),
            "spread_s": _spread(times["keras_tape"]),
            "ratio": median_ratio(times["keras_tape"], times["keras"]),
            "extra_s": statistics.median(extra),
        },
        {
            "comparison": "import keras_tape and its submodules after import keras (same process)",
            "median_s": statistics.median(extra_in_process),
            "spread_s": _spread(extra_in_process),
            "extra_s": statistics.median(extra_in_process),
        },
    ]


_MODELS = {
    "stock": (
        "import keras\n"
        "model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(256, activation='relu'),\n"
        "                          keras.layers.Dense(128, activation='relu'), keras.layers.Dense(10)])\n"
        "model.compile(optimizer='adam', metrics=['accuracy'],\n"
        "              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))\n"
    ),
    "ours": ("import keras\nimport keras_tape.models\nmodel = keras_tape.models.MLPClassifier()\nmodel.compile()\n"),
    "ours, no xla": (
        "import keras\n"
        "import keras_tape.models\n"
        "model = keras_tape.models.MLPClassifier()\n"
        "model.compile(jit_compile=False)\n"
    ),
}


def _time_to_accuracy_code(variant: str, seed: int, max_epochs: int) -> str:
    """A program that trains `variant` until held-out accuracy first reaches the target."""
    return f"""
import gzip, time
import numpy as np
with gzip.open({str(MNIST / "t10k-images-idx3-ubyte.gz")!r}) as f:
    images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784).astype('float32') / 255.0
with gzip.open({str(MNIST / "t10k-labels-idx1-ubyte.gz")!r}) as f:
    labels = np.frombuffer(f.read(), np.uint8, offset=8).astype('int64')
x, y, x_val, y_val = images[:{TRAIN_ROWS}], labels[:{TRAIN_ROWS}], images[{TRAIN_ROWS}:], labels[{TRAIN_ROWS}:]
start = time.perf_counter()
{_MODELS[variant]}
keras.utils.set_random_seed({seed})
result = {{'s': None, 'epochs': None, 'epoch_ends': [], 'built_s': time.perf_counter() - start}}

class StopAtTarget(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        result['epoch_ends'].append(time.perf_counter() - start)
        if logs['val_accuracy'] >= {TARGET_ACCURACY}:
            result.update(s=time.perf_counter() - start, epochs=epoch + 1)
            self.model.stop_training = True

model.fit(x, y, validation_data=(x_val, y_val), epochs={max_epochs}, verbose=0, callbacks=[StopAtTarget()])
result['first_epoch_s'] = result['epoch_ends'][0]
"""


def time_to_accuracy(repeats: int = 3, max_epochs: int = 30) -> list[dict]:
    """Fresh process to 95% held-out accuracy on MNIST: ours (compile() defaults) vs stock (Adam).

    Both train the 784-256-128-10 MLP with fit's default batch size on the
    first 8,000 images of the MNIST test set and validate on the other
    2,000 after each epoch; the clock starts before `import keras` and stops
    at the first epoch whose validation accuracy reaches 95%; `fit_s` is
    the part after the imports and the model's construction. Round r seeds
    both contenders alike; they take turns.
    """
    if not (MNIST / "t10k-images-idx3-ubyte.gz").exists():
        raise FileNotFoundError(f"the MNIST test files are not in {MNIST}: set BENCH_MNIST to their folder")
    runs = {v: [] for v in _MODELS}
    for round_ in range(repeats):
        for variant in _MODELS:
            result = in_subprocess(_time_to_accuracy_code(variant, seed=round_, max_epochs=max_epochs))
            if result["s"] is None:
                raise RuntimeError(f"{variant} did not reach {TARGET_ACCURACY} in {max_epochs} epochs")
            runs[variant].append(result)
    seconds = {v: [r["s"] for r in runs[v]] for v in runs}
    labels = {
        "stock": "time to 95% held-out accuracy, stock keras.Sequential (Adam), fresh process",
        "ours": "time to 95% held-out accuracy, MLPClassifier compile() defaults, fresh process",
        "ours, no xla": "time to 95% held-out accuracy, MLPClassifier compile(jit_compile=False), fresh process",
    }
    return [
        {
            "comparison": labels[v],
            "median_s": statistics.median(seconds[v]),
            "spread_s": _spread(seconds[v]),
            "ratio": median_ratio(seconds[v], seconds["stock"]),
            "epochs": statistics.median(r["epochs"] for r in runs[v]),
            "first_epoch_s": statistics.median(r["first_epoch_s"] for r in runs[v]),
            "fit_s": statistics.median(r["s"] - r["built_s"] for r in runs[v]),
            "fit_ratio": median_ratio(
                [r["s"] - r["built_s"] for r in runs[v]], [r["s"] - r["built_s"] for r in runs["stock"]]
            ),
        }
        for v in runs
    ]


def run(quick: bool = False) -> list[dict]:
    """The import cost and the time to accuracy; `quick` uses fewer repeats."""
    return import_cost(3 if quick else 5) + time_to_accuracy(2 if quick else 3)


if __name__ == "__main__":
    from benchmarks._timing import table

    print(table(run(), COLUMNS))
