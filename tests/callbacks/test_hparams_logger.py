"""HParamsLogger: the hyperparameters and final metrics the HParams dashboard compares."""

import keras
import numpy as np
import pytest
from google.protobuf import json_format
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.plugins.hparams import metadata

from keras_tape import data
from keras_tape.callbacks import HParamsLogger
from keras_tape.models import MLPClassifier, PolynomialRegression


def read_hparams(run_dir) -> dict:
    """The hparams of the session a run folder records, as the HParams plugin parses them."""
    accumulator = event_accumulator.EventAccumulator(str(run_dir))
    accumulator.Reload()
    content = accumulator.PluginTagToContent(metadata.PLUGIN_NAME)[metadata.SESSION_START_INFO_TAG]
    start_info = metadata.parse_session_start_info_plugin_data(content)
    return {name: json_format.MessageToDict(value) for name, value in start_info.hparams.items()}


@pytest.mark.slow
def test_runs_record_what_differs_between_them_and_their_final_metrics(tmp_path, read_events):
    x, y = data.polynomial_data()
    for rate in (0.1, 0.01):
        model = PolynomialRegression(degree=2)
        model.compile(optimizer=keras.optimizers.SGD(rate), metrics=["mae"])
        log_dir = tmp_path / f"lr-{rate}"
        history = model.fit(
            x,
            y,
            epochs=3,
            batch_size=4,
            verbose=0,
            validation_split=0.25,
            callbacks=[HParamsLogger(log_dir, hparams={"data": "lab"})],
        )

        expected = {
            "model": "PolynomialRegression",
            "degree": 2,
            "optimizer": "SGD",
            "learning_rate": pytest.approx(rate),
            "loss_function": "mse",
            "epochs": 3,
            "batch_size": 4,
            "data": "lab",
        }
        hparams = read_hparams(log_dir)
        assert {name: hparams[name] for name in expected} == expected
        final = read_events(log_dir)
        for name in ("loss", "val_loss", "mae", "val_mae"):
            [(step, value)] = final[name]
            assert step == 2
            np.testing.assert_allclose(value, history.history[name][-1], rtol=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize(
    "batch_size, validation_split, steps_per_execution",
    [(11, 0.0, 1), (8, 0.25, 1), (2, 0.0, 2), (3, 0.25, 4)],
    ids=["one batch", "one batch then validation", "two steps an execution", "one execution"],
)
def test_batch_size_is_measured_from_the_first_steps(tmp_path, batch_size, validation_split, steps_per_execution):
    x, y = data.polynomial_data()  # 11 samples, 8 of them for training with the split
    model = PolynomialRegression(degree=1)
    model.compile(steps_per_execution=steps_per_execution)
    model.fit(
        x,
        y,
        epochs=2,
        batch_size=batch_size,
        validation_split=validation_split,
        verbose=0,
        callbacks=[HParamsLogger(tmp_path)],
    )
    assert read_hparams(tmp_path)["batch_size"] == batch_size


@pytest.mark.slow
def test_model_config_lists_become_text_and_hparams_override(tmp_path, blobs):
    x, y = blobs
    model = MLPClassifier(hidden_units=(8, 4), num_classes=3)
    model.compile()
    model.fit(
        x,
        y,
        epochs=1,
        batch_size=16,
        verbose=0,
        callbacks=[HParamsLogger(tmp_path, hparams={"batch_size": 999, "seed": np.int64(7)})],
    )
    hparams = read_hparams(tmp_path)
    assert hparams["hidden_units"] == "[8, 4]"
    assert hparams["optimizer"] == "Adam" and hparams["loss_function"] == "sparse_categorical_crossentropy"
    assert hparams["batch_size"] == 999 and hparams["seed"] == 7


@pytest.mark.parametrize(
    "hparams, error, message",
    [
        ([("lr", 0.1)], TypeError, "`hparams` must be a dict"),
        ({"lr": [0.1]}, TypeError, r"`hparams\['lr'\]` must be a bool, int, float or str"),
        ({1: 0.1}, TypeError, "`hparams` keys must be non-empty strings"),
    ],
)
def test_arguments_are_validated(tmp_path, hparams, error, message):
    with pytest.raises(error, match=message):
        HParamsLogger(tmp_path, hparams=hparams)
