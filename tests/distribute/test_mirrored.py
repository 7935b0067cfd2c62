"""MirroredStrategy on two logical CPUs: the explicit step gives what one device gives.

All cases run in one process of their own (`_mirrored_run.py`): the logical
devices must exist before TensorFlow initialises, and each start costs a
TensorFlow import.
"""

import json
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from tensorboard.compat.proto.event_pb2 import Event
from tensorboard.plugins.hparams import metadata as hparams_metadata

import _processes
import _scenarios

pytestmark = pytest.mark.multiprocess

SCRIPT = "_mirrored_run.py"


@pytest.fixture(scope="module")
def mirrored(tmp_path_factory):
    """`(results, out_dir)`: what `_mirrored_run.py` recorded, per case."""
    out = tmp_path_factory.mktemp("mirrored")
    (code,) = _processes.run_together(SCRIPT, [out], [{}], out, deadline_s=150)
    assert code == 0, _processes.log_tail(out, SCRIPT)
    return json.loads((out / "results.json").read_text()), out


def case(mirrored, *keys: str):
    """The result recorded under `results[key0][key1]...`, failing with its error if it raised."""
    result = mirrored[0]
    for key in keys:
        result = result[key]
        assert "error" not in result, result.get("error", "")[-3000:]
    return result


# Every model with its compile() defaults; the MLP's include steps_per_execution=32.
MODELS_WITH_DEFAULTS = list(_scenarios.MODELS)


def summary_values(run_dir: Path):
    """Yields `(step, summary value)` for every summary of one TensorBoard run folder."""
    for events in sorted(run_dir.glob("events.out.tfevents.*")):
        for record in tf.data.TFRecordDataset(str(events)):
            event = Event.FromString(record.numpy())
            for value in event.summary.value:
                yield event.step, value


def summaries(run_dir: Path) -> dict:
    """{tag: {step: value as numpy array}} for every summary of one TensorBoard run folder."""
    found = {}
    for step, value in summary_values(run_dir):
        found.setdefault(value.tag, {})[step] = tf.make_ndarray(value.tensor)
    return found


def logged_batch_size(run_dir: Path) -> float:
    """The `batch_size` HParamsLogger recorded in the session of a run folder."""
    for _, value in summary_values(run_dir):
        if value.tag == hparams_metadata.SESSION_START_INFO_TAG:
            start = hparams_metadata.parse_session_start_info_plugin_data(value.metadata.plugin_data.content)
            return start.hparams["batch_size"].number_value
    raise AssertionError(f"no HParams session in {run_dir}")


def scalars(run_dir: Path) -> dict:
    """{tag: [value at each step, in order]} for the float scalar summaries of a run folder."""
    return {
        tag: [float(by_step[step]) for step in sorted(by_step)]
        for tag, by_step in summaries(run_dir).items()
        if all(v.ndim == 0 and v.dtype.kind == "f" for v in by_step.values())
    }


@pytest.mark.parametrize("name", MODELS_WITH_DEFAULTS)
def test_two_replicas_give_the_losses_and_weights_of_one_device(mirrored, name):
    runs = case(mirrored, "models_case", name)
    _scenarios.assert_same_run(runs["mirrored"], runs["single"], f"{name} on two replicas")
    losses = runs["mirrored"]["history"]["loss"]
    assert losses[-1] < losses[0]


@pytest.mark.parametrize("name", MODELS_WITH_DEFAULTS)
def test_tape_callbacks_log_what_one_device_logs(mirrored, name):
    case(mirrored, "models_case", name)
    _, out = mirrored
    single, two = (scalars(out / "logs" / device / name / "train") for device in ("single", "mirrored"))
    # Keras's loss curve, GradientLogger's all-reduced norms, ParameterLogger's coefficients.
    expected = {"epoch_loss", "gradients/global_norm"}
    if name != "mlp":
        expected |= {"coefficients/intercept"} if name == "linear" else {"coefficients/c0", "coefficients/c2"}
    assert expected <= set(two), sorted(two)
    assert set(two) == set(single)
    for tag, values in single.items():
        np.testing.assert_allclose(two[tag], values, err_msg=tag, **_scenarios.TOLERANCE)
    assert len(two["gradients/global_norm"]) == _scenarios.EPOCHS
    # PredictionPlotLogger drew (predict() on two replicas); HParamsLogger saw the global batch.
    pictures = [tag for tag in summaries(out / "logs" / "mirrored" / name / "train") if tag.startswith("predictions/")]
    assert pictures
    assert logged_batch_size(out / "logs" / "mirrored" / name) == _scenarios.BATCH_SIZE


def test_skip_nonfinite_steps_skips_the_batch_on_both_replicas(mirrored):
    runs = case(mirrored, "skip_nonfinite_case")
    guarded, clean = runs["guarded"], runs["clean"]
    # Only replica 0's half of batch 1 is poisoned, yet the whole global batch is skipped.
    assert guarded["history"]["skipped_steps"] == [1.0] * _scenarios.EPOCHS
    assert guarded["iterations"] == clean["iterations"] == 3 * _scenarios.EPOCHS
    for got, expected in zip(guarded["weights"], clean["weights"]):
        np.testing.assert_allclose(got, expected, **_scenarios.TOLERANCE)
    for key in ("loss", "mae"):
        np.testing.assert_allclose(guarded["history"][key], clean["history"][key], **_scenarios.TOLERANCE)


@pytest.mark.parametrize(
    "replica",
    [
        0,
        1,
    ],
)
def test_a_float16_overflow_on_one_replica_skips_the_step_on_all(mirrored, replica):
    run = case(mirrored, "loss_scale_overflow_case", f"replica_{replica}")
    assert run["finite"]
    assert run["iterations"] == 0
    assert run["scale"] == run["initial_scale"] / 2


def test_gradient_accumulation_is_a_keras_limitation_under_mirrored(mirrored):
    """Keras 3.15's own `gradient_accumulation_steps` cannot run on replicas (keras#17429).

    The optimizer applies inside `ops.cond`, a branch that synchronises the
    replicas; docs/scaling.md says so and tells what to do instead. When
    this starts passing through, update the docs and turn it into an
    equality test.
    """
    results, _ = mirrored
    assert "merge_call" in results["gradient_accumulation_case"].get("error", "")
