"""The train function `TapeModel.fit` runs on its own in-memory pipeline: a plain loop of steps.

Keras's train function runs up to `steps_per_execution` steps a call and
stops early when the data runs out, which costs an optional value and two
conditionals per step. The pipeline of `in_memory_batches` repeats and never
runs out; `StepPlan` tells the train function how many steps each call
stands for, from the first step Keras announces to callbacks, so the steps
run as one plain `tf.while_loop`, as a hand-written loop would.
"""

from __future__ import annotations

import keras
import tensorflow as tf


class StepPlan(keras.callbacks.Callback):
    """How many steps the next call of the train function runs: Keras's chunk of the epoch.

    Keras calls the train function once per `steps_per_execution` batches,
    the epoch's last call taking what is left, and announces each call's
    first step to `on_train_batch_begin`. The count follows from that step,
    so the calls that `BackupAndRestore` skips on resume count as Keras
    counts them.

    Args:
        steps_per_epoch: batches in an epoch.

    Example:

    ```python
    plan = StepPlan(steps_per_epoch=469)
    model.fit(dataset, steps_per_epoch=469, callbacks=[plan])  # with `model._step_plan = plan`
    ```
    """

    def __init__(self, steps_per_epoch: int):
        super().__init__()
        self.steps_per_epoch = steps_per_epoch
        self.steps = 1

    def on_train_batch_begin(self, batch, logs=None):
        self.steps = min(self.model.steps_per_execution, self.steps_per_epoch - batch)


def planned_train_function(model: keras.Model, keras_function):
    """A train function that runs `model._step_plan.steps` steps a call, or `keras_function` without a plan.

    Only for one replica: the step's outputs are the logs as they are.

    Args:
        model: a compiled model on one replica (`fit` sets a plan only
            when it is not run eagerly).
        keras_function: the train function Keras made, for calls outside a
            planned `fit` (`train_on_batch`, a `fit` on a dataset).

    Example:

    ```python
    model.train_function = planned_train_function(model, model.train_function)
    ```
    """

    def one_step(data):
        return model.distribute_strategy.run(model.train_step, args=(data,))

    step = tf.function(one_step, jit_compile=model.jit_compile, reduce_retracing=True, autograph=False)

    @tf.function(autograph=False)
    def run(iterator, steps):
        logs = step(iterator.get_next())
        _, logs = tf.while_loop(
            lambda done, _: done < steps,
            lambda done, _: (done + 1, step(iterator.get_next())),
            (tf.constant(1), logs),
        )
        return logs

    def function(iterator):
        plan = model._step_plan
        if plan is None:
            return keras_function(iterator)
        return run(iterator, tf.constant(plan.steps))

    return function
