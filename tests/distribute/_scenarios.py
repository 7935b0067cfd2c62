"""The runs the distribution tests compare: three models, their data, one seeded fit.

Imported by the test modules and by the scripts they start in processes of
their own (`_mirrored_run.py`, `_multi_worker_run.py`), so a run on one
device, on two replicas and on two workers is the same code on the same
global batches.
"""

from __future__ import annotations

import keras
import numpy as np

from keras_tape.callbacks import GradientLogger, HParamsLogger, ParameterLogger, PredictionPlotLogger
from keras_tape.models import LinearRegression, MLPClassifier, PolynomialRegression

MODELS = ("linear", "polynomial", "mlp")
ROWS = 64
BATCH_SIZE = 16  # the global batch: 8 rows a replica on two replicas
EPOCHS = 3
TOLERANCE = dict(rtol=1e-4, atol=1e-4)


def data(name: str):
    """`(x, y)` for one model: raw, badly scaled regression inputs; 4x4 "images" in 3 classes."""
    rng = np.random.default_rng(0)
    if name == "linear":
        x = rng.normal(50.0, 10.0, size=(ROWS, 2))
        return x, x @ [1.5, -0.5] + 3.0 + rng.normal(size=ROWS)
    if name == "polynomial":
        x = rng.uniform(0.0, 10.0, size=ROWS)
        return x, 6 * x**2 + 8 * x + 2 + rng.normal(size=ROWS)
    x = rng.random((ROWS, 4, 4)).astype("float32")
    return x, (x[:, 0, 0] + x[:, 1, 1] > 1.0).astype("int32") + (x[:, 2, 2] > 0.7).astype("int32")


def build(name: str, **kwargs):
    """The model, compiled with its defaults; call it inside `strategy.scope()`.

    Named after `name`, so its variables (and GradientLogger's tags) are
    named alike in every run of a process.
    """
    kwargs.setdefault("name", name)
    if name == "linear":
        model = LinearRegression(**kwargs)
    elif name == "polynomial":
        model = PolynomialRegression(degree=2, **kwargs)
    else:
        model = MLPClassifier(hidden_units=(8,), num_classes=3, **kwargs)
    model.compile()
    return model


def tape_callbacks(name: str, log_dir) -> list:
    """Keras's TensorBoard and every keras_tape callback, all writing to `log_dir`."""
    log_dir = str(log_dir)
    return [
        keras.callbacks.TensorBoard(log_dir),
        GradientLogger(log_dir, histogram_freq=0),
        ParameterLogger(log_dir, histogram_freq=0),
        HParamsLogger(log_dir),
        # Draws (so calls predict()) after the first and the last epoch.
        PredictionPlotLogger(log_dir, data(name), every=EPOCHS, run="train"),
    ]


def train(name: str, strategy, callbacks=()) -> dict:
    """Builds under `strategy`, fits unshuffled; returns History and the weights as lists."""
    keras.utils.set_random_seed(0)
    x, y = data(name)
    with strategy.scope():
        model = build(name)
    history = model.fit(x, y, batch_size=BATCH_SIZE, epochs=EPOCHS, shuffle=False, verbose=0, callbacks=list(callbacks))
    return {"history": history.history, "weights": [w.tolist() for w in model.get_weights()]}


def assert_same_run(run: dict, reference: dict, what: str) -> None:
    """Same History keys and values, same weights, within `TOLERANCE`."""
    assert run["history"].keys() == reference["history"].keys(), what
    for key, values in reference["history"].items():
        np.testing.assert_allclose(run["history"][key], values, err_msg=f"{what}: {key}", **TOLERANCE)
    assert len(run["weights"]) == len(reference["weights"]), what
    for i, (got, expected) in enumerate(zip(run["weights"], reference["weights"])):
        np.testing.assert_allclose(got, expected, err_msg=f"{what}: weight {i}", **TOLERANCE)
