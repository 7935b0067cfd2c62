"""How keras-tape's fit() scales: MLP epoch vs batch size and data size, polynomial vs degree."""

from __future__ import annotations

import numpy as np

from benchmarks._timing import median_seconds
from benchmarks.bench_speed import mlp_epoch_in_subprocess


def mlp_vs_batch_size(batch_sizes=(32, 64, 128, 256, 512, 1024)) -> list[dict]:
    """MLPClassifier warm epoch time and peak memory on 60,000 x 784, by batch size (see `mlp_epoch`)."""
    return [_mlp_row(mlp_epoch_in_subprocess("ours", b, 60000)) for b in batch_sizes]


def mlp_vs_data_size(sizes=(10000, 20000, 40000, 60000)) -> list[dict]:
    """MLPClassifier warm epoch time and peak memory at batch size 128, by number of rows (see `mlp_epoch`)."""
    return [_mlp_row(mlp_epoch_in_subprocess("ours", 128, n)) for n in sizes]


def _mlp_row(result: dict) -> dict:
    return {
        "batch_size": result["batch_size"],
        "rows": result["n"],
        "epoch_s": result["median_s"],
        "us_per_row": 1e6 * result["median_s"] / result["n"],
        "peak_rss_mib": result["peak_rss_mib"],
    }


def polynomial_vs_degree(degrees=range(1, 9), repeats: int = 2) -> list[dict]:
    """A fresh PolynomialRegression on 200 points of x in 0..100, 300 full-batch epochs."""
    from keras_tape.models import PolynomialRegression

    x = np.linspace(0, 100, 200)
    rows = []
    for degree in degrees:
        true = np.random.default_rng(degree).normal(size=degree + 1) / 50.0 ** np.arange(degree + 1)
        y = np.polynomial.polynomial.polyval(x, true)
        fitted = {}

        def fit():
            model = PolynomialRegression(degree=degree)
            model.compile()
            model.fit(x, y, epochs=300, batch_size=len(x), verbose=0)
            fitted["rmse"] = float(np.sqrt(np.mean((model.predict(x, verbose=0)[:, 0] - y) ** 2)))

        seconds = median_seconds(fit, repeats, warmup=0)
        rows.append({"degree": degree, "fit_s": seconds, "rmse / std(y)": fitted["rmse"] / float(np.std(y))})
    return rows
