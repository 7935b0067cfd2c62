"""The callbacks' writers: opened once a fit, closed at its end, and nothing without the callbacks."""

import os
import sys

import keras
import pytest
import tensorflow as tf

from keras_tape import data
from keras_tape.callbacks import GradientLogger, HParamsLogger, ParameterLogger, PredictionPlotLogger
from keras_tape.callbacks._writers import SummaryWriters
from keras_tape.models import MLPClassifier, PolynomialRegression


def all_callbacks(log_dir, x, y):
    return [
        keras.callbacks.TensorBoard(log_dir),
        GradientLogger(log_dir),
        ParameterLogger(log_dir),
        PredictionPlotLogger(log_dir, (x, y), run="train"),
        HParamsLogger(log_dir),
    ]


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts /proc/self/fd")
def test_twenty_fits_leave_no_file_open(tmp_path):
    x, y = data.polynomial_data()
    model = PolynomialRegression(degree=2)
    model.compile()
    fit = lambda: model.fit(
        x,
        y,
        epochs=1,
        batch_size=len(x),
        verbose=0,  # noqa: E731
        callbacks=all_callbacks(tmp_path, x, y),
    )
    fit()  # TensorFlow and matplotlib open what they keep for good on first use
    before = open_files()
    for _ in range(20):
        fit()
    assert open_files() <= before
    # One file a writer a fit: four callbacks write to train/, HParamsLogger to the run folder.
    assert len(list((tmp_path / "train").glob("events.out.tfevents.*"))) == 21 * 4
    assert len(list(tmp_path.glob("events.out.tfevents.*"))) == 21


def test_callbacks_let_keras_dispatch_batch_ends_asynchronously(tmp_path, blobs):
    # Keras waits for each step's logs as soon as one callback has a batch-end hook.
    for callback in all_callbacks(tmp_path, *blobs)[1:]:
        for hook in ("on_batch_end", "on_train_batch_end"):
            assert getattr(type(callback), hook) is getattr(keras.callbacks.Callback, hook)


@pytest.mark.slow
def test_nothing_is_written_without_the_callbacks(tmp_path, blobs):
    x, y = blobs
    unused = all_callbacks(tmp_path / "unused", x, y)[1:]
    model = MLPClassifier(hidden_units=(4,), num_classes=3)
    model.compile()
    model.fit(x, y, epochs=1, verbose=0)
    assert unused and not (tmp_path / "unused").exists()


@pytest.mark.slow
def test_a_callback_with_nothing_to_write_opens_no_file(tmp_path, blobs):
    x, y = blobs
    model = MLPClassifier(hidden_units=(4,), num_classes=3)
    model.compile()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[ParameterLogger(tmp_path, histogram_freq=0)])
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_writers_open_on_first_use_and_close_together(tmp_path, read_events):
    writers = SummaryWriters(str(tmp_path))
    first = writers["train"]
    assert writers["train"] is first
    writers["validation"], writers[""]
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["train", "validation"]
    writers.close()
    reopened = writers["train"]  # for the next fit
    assert reopened is not first
    with reopened.as_default(step=3):
        tf.summary.scalar("after_close", 1.5)
    writers.close()
    assert [(step, float(value)) for step, value in read_events(tmp_path / "train")["after_close"]] == [(3, 1.5)]
    with pytest.raises(KeyError, match="'test'"):
        writers["test"]
