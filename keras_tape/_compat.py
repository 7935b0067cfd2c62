"""Every private or version-dependent Keras and TensorFlow API keras-tape uses.

keras-tape supports the versions `pyproject.toml` declares, from the oldest
pair CI tests (`make test-oldest`: TensorFlow 2.16, Keras 3.8) to the
newest. Each name here stands for one API that Keras or TensorFlow keeps
private, or that changed between those versions; its comment names the
versions and the reason. `tests/test_compat.py` checks every assumption
made here against the installed versions, so an upstream change fails
loudly there instead of training silently wrong. The one private name
outside this module is the hook `TapeModel._maybe_symbolic_build`, which
must sit on the class to override Keras's (see `first_distributed_batch`).
"""

from __future__ import annotations

import inspect
import re

import keras
import tensorflow as tf

# Keras 3.0+ exports no name for the class of functional models
# (`keras.Model(inputs, outputs)` returns one); functional TapeModels mix it in.
from keras.src.models.functional import Functional  # noqa: F401

KERAS_VERSION: tuple[int, ...] = tuple(int(part) for part in re.findall(r"\d+", keras.__version__)[:2])


def compute_loss(model: keras.Model, x, y, y_pred, sample_weight, training: bool):
    """`model.compute_loss`, passing `training` only where its signature takes it.

    Keras 3.4+ passes `training`, but overrides written as the Keras 3.0-3.3
    guides taught take four arguments; Keras's own `train_step` accepts
    both, through its private `_compute_loss`.
    """
    if "training" in inspect.signature(model.compute_loss).parameters:
        return model.compute_loss(x, y, y_pred, sample_weight, training=training)
    return model.compute_loss(x, y, y_pred, sample_weight)


def unscale_loss_for_distribution(loss):
    """One replica's loss, multiplied back to the whole batch's under a strategy.

    Keras 3.8+ divides each replica's loss by the number of replicas, so
    that the gradients optimizer.apply sums average (keras-team/keras#20609;
    before it, N replicas took N-times steps), and reports it multiplied
    back with its private `unscale_loss_for_distribution`.
    """
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return loss * replicas if replicas > 1 else loss


def is_fit_validation(evaluate_kwargs: dict) -> bool:
    """Whether an `evaluate` call is fit()'s own per-epoch validation.

    Keras 3.0+ marks it with the private keyword `_use_cached_eval_dataset`
    (keras/src/backend/tensorflow/trainer.py); fit has checked that data once.
    """
    return bool(evaluate_kwargs.get("_use_cached_eval_dataset"))


def loss_tracker(model: keras.Model) -> keras.metrics.Mean:
    """The Mean metric behind the "loss" that fit() and evaluate() report.

    Keras 3.0+ creates it in `compile()` as the private `_loss_tracker` and
    has no public handle to it; a step that owned a second tracker would
    report "loss" twice.
    """
    return model._loss_tracker


def first_distributed_batch(iterator):
    """The first batch of the epoch iterator Keras passes to `_maybe_symbolic_build`.

    `Trainer._maybe_symbolic_build(iterator, data_batch)` is private (Keras
    3.5+) and TapeModel overrides it to work around keras-team/keras#20585.
    The iterator yields `(step, batches)` up to Keras 3.10 and
    `(begin, end, batches)` from 3.11 on: `batches` is always last.
    """
    for item in iterator:
        return next(item[-1])
    raise ValueError("the epoch iterator holds no batch")


def multi_worker_mean_reduction(strategy: tf.distribute.Strategy) -> bool:
    """Whether Keras averages a step's logs across workers with `axis=0`.

    Keras 3.4+ (`reduce_per_replica` in its TensorFlow trainer) reduces them
    with `strategy.reduce("MEAN", value, axis=0)` when TensorFlow's private
    `strategy.extended._in_multi_worker_mode()` holds (keras-team/keras#20585).
    """
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and strategy.extended._in_multi_worker_mode()


def build_compiled_metrics(model: keras.Model, y_true, y_pred) -> None:
    """Builds the metrics and losses `compile()` set up, from the targets' and outputs' specs.

    Keras 3.0+ keeps them in the private `_compile_metrics` and
    `_compile_loss` (`CompileMetrics`, `CompileLoss`), built at the first
    trace of a step, or by the private `_symbolic_build`, which calls the
    model symbolically.
    """
    for compiled in (model._compile_metrics, model._compile_loss):
        if compiled is not None and not compiled.built:
            compiled.build(y_true, y_pred)
