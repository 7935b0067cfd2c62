"""What `TapeModel.fit` settles before Keras traces the step: variables built, XLA or not."""

from __future__ import annotations

import warnings

import keras
import tensorflow as tf

from keras_tape import _compat
from keras_tape._compat import Functional

_KERAS_OUTPUT_SHAPES = (keras.Model.compute_output_shape, Functional.compute_output_shape)


def build_step_state(model: keras.Model, x, y) -> None:
    """Creates the optimizer's and the compiled metrics' variables before the step is traced.

    Keras creates them while it traces the first step, and tf.function
    traces a function that created variables a second time: a fresh
    model's first step would be traced twice. The metrics need the
    output's shape, known without a call where a subclass defines
    `compute_output_shape` (a call could draw random numbers or count;
    Keras's functional models shape their outputs as their graph does).

    Args:
        model: a built, compiled model.
        x, y: the in-memory training inputs and targets (`y` may be None).

    Example:

    ```python
    build_step_state(model, x, y)  # then model.fit(x, y) traces its step once
    ```
    """
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    if y is None or type(model).compute_output_shape in _KERAS_OUTPUT_SHAPES:
        return
    y_pred = keras.tree.map_shape_structure(
        keras.KerasTensor, model.compute_output_shape(keras.tree.map_structure(_batch_shape, x))
    )
    y_true = keras.tree.map_structure(lambda a: keras.KerasTensor(_batch_shape(a), a.dtype.name), y)
    _compat.build_compiled_metrics(model, y_true, y_pred)


def xla_by_fit_length(model: keras.Model, jit_compile) -> bool:
    """Whether `fit` should choose XLA by each fit's length (see `TapeModel.xla_after_steps`).

    Only where Keras's "auto" leaves XLA off: one device, no accelerator.

    Args:
        model: a model `compile` has just configured.
        jit_compile: the `jit_compile` argument `compile` got.

    Example:

    ```python
    model._xla_by_fit_length = xla_by_fit_length(model, "auto")
    ```
    """
    return (
        model.xla_after_steps is not None
        and jit_compile == "auto"
        and not model.run_eagerly
        and model.distribute_strategy.num_replicas_in_sync == 1
        and not any(device.device_type != "CPU" for device in tf.config.list_physical_devices())
    )


def choose_xla(model: keras.Model, steps: int) -> None:
    """Turns XLA on for a fit of `steps` steps where it pays, and off for a shorter one.

    Args:
        model: a compiled TapeModel.
        steps: the steps the fit plans (epochs times batches).

    Example:

    ```python
    choose_xla(model, epochs * batches)
    ```
    """
    if not getattr(model, "_xla_by_fit_length", False):
        return
    jit_compile = steps >= model.xla_after_steps
    if jit_compile != model.jit_compile:
        with warnings.catch_warnings():
            # A model Keras cannot compile (`supports_jit`, op determinism) stays without XLA.
            warnings.simplefilter("ignore")
            model.jit_compile = jit_compile
        model.train_function = model.test_function = model.predict_function = None


def _batch_shape(array) -> tuple:
    return (None, *array.shape[1:])
