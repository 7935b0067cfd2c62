"""Speed of keras-tape's fit() against stock Keras and the lab's hand loop, side by side.

Each comparison runs its contenders in one process run (or, for memory, in
sibling processes) and reports medians and ratios. Run with `make bench`.
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from benchmarks._timing import (  # noqa: E402
    in_subprocess,
    interleaved_medians,
    interleaved_times,
    median_ratio,
    quiet,
)
from keras_tape.models import LinearRegression, MLPClassifier, PolynomialRegression  # noqa: E402

LAB_X = np.arange(11.0, dtype="float32")
LAB_Y = 6 * LAB_X**2 + 8 * LAB_X + 2
# The epochs of the README's quick start: SGD(0.1) on whitened features reaches
# 6, 8, 2 within 1e-3 after 41 full-batch steps; 60 leaves a margin.
QUICK_START_EPOCHS = 60


def lab_hand_loop(steps: int) -> np.ndarray:
    """The lab's polynomial loop: eager `step()`, MAE, learning rate 0.001."""
    a, b, c = tf.Variable(0.0), tf.Variable(0.0), tf.Variable(0.0)
    x, y = tf.constant(LAB_X), tf.constant(LAB_Y)

    def step(lr=0.001):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.abs(y - (a * x**2 + b * x + c)))
        for variable, gradient in zip((a, b, c), tape.gradient(loss, [a, b, c])):
            variable.assign_sub(lr * gradient)

    for _ in range(steps):
        step()
    return np.array([c.numpy(), b.numpy(), a.numpy()])


def polynomial_time_to_answer(repeats: int = 3) -> list[dict]:
    """A fresh PolynomialRegression through fit() vs the lab's 10,000 hand-written steps."""
    results = {}

    def ours():
        model = PolynomialRegression(degree=2)
        model.compile()
        model.fit(LAB_X, LAB_Y, epochs=QUICK_START_EPOCHS, batch_size=len(LAB_X), verbose=0)
        results["coef"] = model.coef

    # 10,000 eager steps take several seconds: time 2,000 and scale by 5.
    seconds = interleaved_medians({"lab": lambda: lab_hand_loop(2000), "ours": ours}, repeats=repeats)
    assert np.allclose(results["coef"], [2, 8, 6], atol=1e-3), results["coef"]
    lab_s, ours_s = 5 * seconds["lab"], seconds["ours"]
    return [
        {
            "comparison": "lab polynomial: hand loop, 10,000 eager steps (timed 2,000 x 5)",
            "median_s": lab_s,
            "ratio": 1.0,
        },
        {
            "comparison": (
                f"lab polynomial: PolynomialRegression fit(), {QUICK_START_EPOCHS} epochs (quick start), fresh model"
            ),
            "median_s": ours_s,
            "ratio": ours_s / lab_s,
        },
    ]


def _stock_line():
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(1e-4), loss="mse")
    return model


def full_batch_epoch_overhead(repeats: int = 3, epochs: int = 200, calls: int = 50) -> list[dict]:
    """Milliseconds an epoch of fit() costs on 100 rows, full batch: ours vs stock.

    Measured within one fit(epochs=200), and as fit(epochs=1) called 50
    times, the loop a teacher writes to plot the model after every epoch.
    """
    x = np.linspace(20, 80, 100, dtype="float32")[:, None]
    y = 1.3 * x[:, 0] + 8
    runs = {}
    for name, make in [("stock keras.Sequential(Dense(1))", _stock_line), ("LinearRegression", LinearRegression)]:
        model = make()
        if not model.compiled:
            model.compile()
        runs[name] = lambda model=model: model.fit(x, y, epochs=epochs, batch_size=100, verbose=0)
        runs[f"{name}, fit() per epoch"] = lambda model=model: [
            model.fit(x, y, epochs=1, batch_size=100, verbose=0) for _ in range(calls)
        ]
    times = interleaved_times(runs, repeats)
    rows = []
    for suffix, count, label in [
        ("", epochs, "full-batch epoch"),
        (", fit() per epoch", calls, "full-batch fit(epochs=1) call"),
    ]:
        for name in ("stock keras.Sequential(Dense(1))", "LinearRegression"):
            stock = times[f"stock keras.Sequential(Dense(1)){suffix}"]
            rows.append(
                {
                    "comparison": f"{label}, {name}",
                    "ms_per_epoch": 1000 * statistics.median(times[name + suffix]) / count,
                    "ratio": median_ratio(times[name + suffix], stock),
                }
            )
    return rows


def mlp_data(n: int = 60000) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n)


def mlp_model(variant: str):
    """The MNIST-sized MLP (784-256-128-10): stock Keras or ours, as the variant says.

    "stock": keras.Sequential, compile(optimizer="sgd", loss=cross-entropy).
    "ours": MLPClassifier with compile() defaults (Adam, accuracy, 32 steps a call;
        on a CPU, XLA for fits of 3,000 steps or more).
    "ours, no xla": MLPClassifier with compile(jit_compile=False), the other defaults kept.
    "ours, xla": MLPClassifier with compile(jit_compile=True), the other defaults kept.
    "ours, sgd": MLPClassifier compiled like stock.
    "ours, stock train_step": the same, but with keras.Model.train_step.
    """
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    if variant == "stock":
        model = keras.Sequential(
            [
                keras.Input((784,)),
                keras.layers.Dense(256, activation="relu"),
                keras.layers.Dense(128, activation="relu"),
                keras.layers.Dense(10),
            ]
        )
        model.compile(optimizer="sgd", loss=loss)
    elif variant == "ours":
        model = MLPClassifier()
        model.compile()
    elif variant in ("ours, no xla", "ours, xla"):
        model = MLPClassifier()
        model.compile(jit_compile=variant == "ours, xla")
    elif variant in ("ours, sgd", "ours, stock train_step"):
        model = MLPClassifier() if variant == "ours, sgd" else _StockStepMLP()
        model.compile(optimizer="sgd", loss=loss, metrics=[])
    else:
        raise ValueError(f"unknown variant {variant!r}")
    return model


class _StockStepMLP(MLPClassifier):
    """Our MLP and fit(), but keras.Model's own train_step: isolates the step's cost."""

    train_step = keras.Model.train_step

    def __init__(self, **kwargs):
        super().__init__(name="stock_step_mlp", **kwargs)


def raw_epoch_function(batch_size: int, x: np.ndarray, y: np.ndarray, optimizer: str = "sgd"):
    """The same forward and backward passes as one tf.function over the epoch: the floor.

    Each call is an epoch over the rows in a new random order, batches cut
    from it as fit() cuts them, the data a tensor made once beforehand.

    With `optimizer="adam"` the step is also compiled by XLA, as
    MLPClassifier's compile() defaults do, so that each has its own floor.
    """
    model = keras.Sequential(
        [
            keras.Input((784,)),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(10),
        ]
    )
    optimizer = keras.optimizers.get(optimizer)
    optimizer.build(model.trainable_variables)
    xs, ys = tf.constant(x), tf.constant(y)
    steps = int(np.ceil(len(x) / batch_size))

    @tf.function(jit_compile=isinstance(optimizer, keras.optimizers.Adam))
    def step(xb, yb):
        with tf.GradientTape() as tape:
            logits = model(xb, training=True)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(yb, logits))
        optimizer.apply(tape.gradient(loss, model.trainable_variables), model.trainable_variables)

    @tf.function
    def epoch():
        order = tf.random.shuffle(tf.range(len(x)))
        for i in tf.range(steps):
            rows = order[i * batch_size : (i + 1) * batch_size]
            step(tf.gather(xs, rows), tf.gather(ys, rows))

    return epoch


class EpochTimer(keras.callbacks.Callback):
    """Wall seconds of each epoch of a fit, `on_epoch_begin` to `on_epoch_end`."""

    def __init__(self):
        super().__init__()
        self.seconds: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def mlp_epoch(variant: str, batch_size: int = 128, n: int = 60000, epochs: int = 8) -> dict:
    """Median seconds of a warm MLP epoch of `variant`: epochs 2 to `epochs` of one fit.

    A fit of 8 epochs of 60,000 rows at batch size 128 is 3,752 steps, long
    enough for MLPClassifier to compile its step with XLA on a CPU. The raw
    loops time `epochs` calls of their epoch function alike. The first epoch
    (tracing, compiling) is left out; the collector is off, as in `quiet`.
    """
    x, y = mlp_data(n)
    with quiet():
        if variant.startswith("raw"):
            epoch = raw_epoch_function(batch_size, x, y, optimizer="adam" if variant == "raw, adam" else "sgd")
            seconds = []
            for _ in range(epochs):
                start = time.perf_counter()
                epoch()
                seconds.append(time.perf_counter() - start)
        else:
            timer = EpochTimer()
            mlp_model(variant).fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, callbacks=[timer])
            seconds = timer.seconds
    return {"variant": variant, "batch_size": batch_size, "n": n, "median_s": statistics.median(seconds[1:])}


def mlp_epoch_in_subprocess(variant: str, batch_size: int = 128, n: int = 60000, epochs: int = 8) -> dict:
    """`mlp_epoch` in a fresh process, so its peak memory is its own."""
    return in_subprocess(
        f"from benchmarks.bench_speed import mlp_epoch\nresult = mlp_epoch({variant!r}, {batch_size}, {n}, {epochs})"
    )


def mlp_comparison(repeats: int = 5) -> list[dict]:
    """Warm MLP epoch: stock Sequential, ours (defaults, and compiled like stock), the raw loops.

    Each variant runs in a process of its own, as a user's program would:
    one fit of 8 epochs, the median of epochs 2 to 8. (Taking turns in one
    process, a variant's copy of the data sometimes landed in memory another
    variant had just given back, which this machine makes 0.3 s dearer.)
    The variants' processes take turns, round after round; a ratio is the
    median of the rounds' ratios, and peak memory is each process's own.
    """
    variants = ("stock", "ours", "ours, no xla", "ours, sgd", "raw", "raw, adam")
    times = {v: [] for v in variants}
    peaks = {v: [] for v in variants}
    for _ in range(repeats):
        for v in variants:
            result = mlp_epoch_in_subprocess(v)
            times[v].append(result["median_s"])
            peaks[v].append(result["peak_rss_mib"])
    memory = {v: statistics.median(peaks[v]) for v in ("stock", "ours", "raw")}
    labels = {
        "stock": "MLP epoch, stock keras.Sequential.fit (SGD)",
        "ours": "MLP epoch, MLPClassifier compile() defaults (Adam; XLA in a fit this long)",
        "ours, no xla": "MLP epoch, MLPClassifier compile(jit_compile=False) (Adam)",
        "ours, sgd": "MLP epoch, MLPClassifier compiled like stock (SGD)",
        "raw": "MLP epoch, raw one-tf.function loop (SGD)",
        "raw, adam": "MLP epoch, raw one-tf.function loop (Adam, XLA step)",
    }
    # Each fit() is compared with the raw loop that uses its optimizer.
    floor = {
        "stock": "raw",
        "ours": "raw, adam",
        "ours, no xla": "raw, adam",
        "ours, sgd": "raw",
        "raw": "raw",
        "raw, adam": "raw, adam",
    }
    rows = [
        {
            "comparison": label,
            "median_s": statistics.median(times[v]),
            "ratio": median_ratio(times[v], times["stock"]),
            "vs_raw": median_ratio(times[v], times[floor[v]]),
        }
        for v, label in labels.items()
    ]
    for row, v in zip(rows, labels):
        if v in memory:
            row.update(peak_rss_mib=memory[v], rss_vs_stock=memory[v] / memory["stock"])
    return rows


def fresh_mlp_fit(variant: str, epochs: int) -> dict:
    """Seconds of `fit(epochs=epochs)` on a fresh MLP of `variant`, in a fresh process.

    Tracing and compiling are included; the process's start, the imports,
    the data and the model's construction are not.
    """
    return in_subprocess(
        "import time\n"
        "from benchmarks.bench_speed import mlp_data, mlp_model\n"
        "x, y = mlp_data()\n"
        f"model = mlp_model({variant!r})\n"
        "start = time.perf_counter()\n"
        f"model.fit(x, y, batch_size=128, epochs={epochs}, verbose=0)\n"
        "result = {'s': time.perf_counter() - start}"
    )


def fresh_mlp_fits(repeats: int = 3, lengths=(1, 3, 7)) -> list[dict]:
    """Wall time of fit() on a fresh MLP in a fresh process, by the fit's length: stock vs ours.

    One epoch is what a short trial feels; 7 epochs (3,283 steps) is where
    MLPClassifier's defaults turn XLA on. Each fit runs in a process of its
    own, so each contender pays its own first-use costs (TensorFlow's and
    Keras's, and for ours the input pipeline's tracing); the contenders take
    turns, round after round (the longer fits: one round fewer).
    """
    variants = {
        "stock": "stock (SGD)",
        "ours": "MLPClassifier compile() defaults",
        "ours, no xla": "MLPClassifier compile(jit_compile=False)",
        "ours, xla": "MLPClassifier compile(jit_compile=True)",
    }
    rows = []
    for epochs in lengths:
        times: dict[str, list[float]] = {v: [] for v in variants}
        for _ in range(repeats if epochs == 1 else max(repeats - 1, 1)):
            for v in variants:
                times[v].append(fresh_mlp_fit(v, epochs)["s"])
        what = "first epoch of a fresh model" if epochs == 1 else f"fit of {epochs} epochs of a fresh model"
        rows += [
            {
                "comparison": f"MLP, {what}, {label}",
                "median_s": statistics.median(times[v]),
                "ratio": median_ratio(times[v], times["stock"]),
            }
            for v, label in variants.items()
        ]
    return rows


def gradient_hook_overhead(repeats: int = 9) -> list[dict]:
    """The explicit step with no observer vs keras.Model.train_step, in the same fit().

    Two MLPs differing only in their train_step run in turn, `repeats` rounds.
    """
    x, y = mlp_data()
    models = {v: mlp_model(v) for v in ("ours, sgd", "ours, stock train_step")}
    times = interleaved_times(
        {v: (lambda m=m: m.fit(x, y, batch_size=128, epochs=1, verbose=0)) for v, m in models.items()}, repeats
    )
    return [
        {
            "comparison": "gradient hook unused: TapeModel step / keras.Model step (same fit, SGD)",
            "median_s": statistics.median(times["ours, sgd"]),
            "ratio": median_ratio(times["ours, sgd"], times["ours, stock train_step"]),
        }
    ]


def run(quick: bool = False) -> list[dict]:
    """All speed comparisons; `quick` uses fewer repeats."""
    repeats = 2 if quick else 3
    return (
        polynomial_time_to_answer(repeats)
        + full_batch_epoch_overhead(repeats)
        + mlp_comparison(repeats + 2)
        + fresh_mlp_fits(repeats)
        + gradient_hook_overhead(3 * repeats)
    )


if __name__ == "__main__":
    from benchmarks._timing import table

    print(table(run(), ["comparison", "median_s", "ms_per_epoch", "ratio", "vs_raw", "peak_rss_mib", "rss_vs_stock"]))
