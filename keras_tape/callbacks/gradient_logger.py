"""`GradientLogger`: the gradients of the steps `fit` takes, as TensorBoard curves and histograms."""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf

from keras_tape import _validation
from keras_tape.callbacks._writers import SummaryCallback, variable_tag
from keras_tape.tape_model import TapeModel


class GradientLogger(SummaryCallback):
    """Logs the norms and histograms of a `TapeModel`'s gradients to TensorBoard.

    Every training step hands its gradients (the true ones, unscaled under
    mixed precision) to this callback through
    `TapeModel.add_gradient_observer`. Inside the compiled step the callback
    only adds each variable's L2 norm and the global norm to its own
    accumulators; it writes their means to `<log_dir>/train` at the end of
    each epoch (or every `update_freq` steps) under the tags
    `gradients/<variable path>/norm` and `gradients/global_norm`, and every
    `histogram_freq` epochs the epoch's last gradient under
    `gradients/<variable path>/histogram`. The observer is removed when `fit`
    ends, so a later `fit` without this callback runs the plain step.

    When the optimizer clips gradients (`clipnorm`, `global_clipnorm` or
    `clipvalue`), `gradients/clipped_global_norm` is the global norm of what
    it applied: the same clipping, done as Keras does it (on each replica's
    share, before they are summed), to the same gradients. Beside
    `gradients/global_norm` (before clipping) it shows how often and how
    hard the clipping bites.

    Args:
        log_dir: the run's folder, the `log_dir` of `keras.callbacks.TensorBoard`.
        histogram_freq: write gradient histograms at epochs 0, `histogram_freq`,
            `2 * histogram_freq`, ...; 0 writes none and keeps no copy of the
            gradients.
        update_freq: `"epoch"` writes the mean norms over each epoch's steps at
            step = the epoch index. An integer N (or `"batch"`, meaning 1)
            writes the mean over the last N steps every N steps, at step =
            the global batch count (`model.optimizer.iterations` when `fit`
            began, plus the batches of this `fit`).

    Example:

    ```python
    model = keras_tape.models.MLPClassifier(hidden_units=(64,))
    model.compile()
    model.fit(x, y, epochs=5, callbacks=[
        keras.callbacks.TensorBoard("runs/mlp"),
        keras_tape.callbacks.GradientLogger("runs/mlp"),
    ])
    # tensorboard --logdir runs
    ```
    """

    def __init__(self, log_dir, histogram_freq: int = 1, update_freq="epoch"):
        super().__init__(log_dir)
        self.histogram_freq = _validation.check_int(histogram_freq, "histogram_freq", minimum=0)
        self.update_freq = _check_update_freq(update_freq)
        self._accumulators: Any = None  # a _GradientAccumulators while a fit runs
        self._observed_model: TapeModel | None = None

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if not isinstance(self.model, TapeModel):
            raise TypeError(
                "GradientLogger needs a keras_tape.TapeModel, whose training step exposes its "
                f"gradients; got a model of type {type(self.model).__name__}. For a Sequential or "
                "functional model, train `keras_tape.TapeModel.from_model(model)` instead: it shares "
                "the model's layers and weights."
            )
        self._stop_observing()  # left by a fit that raised
        with self.model.distribute_strategy.scope():
            self._accumulators = _GradientAccumulators(
                self.model.trainable_variables,
                keep_last=self.histogram_freq > 0,
                clip=_clipping(self.model.optimizer),
            )
        self.model.add_gradient_observer(self._accumulators.observe)
        self._observed_model = self.model
        # The global batch count: the optimizer's count before this fit, then the steps observed.
        self._first_step = self._last_written_step = int(self.model.optimizer.iterations.numpy())

    def on_train_batch_begin(self, batch, logs=None):
        # Not on_train_batch_end: a callback with that hook makes Keras wait for each step's logs.
        if self.update_freq != "epoch":
            self._write_window_if_due()

    def on_epoch_end(self, epoch, logs=None):
        if self.update_freq == "epoch":
            self._write_norms(epoch)
        else:
            self._write_window_if_due()
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._write_histograms(epoch)
        self.writers.flush()

    def on_train_end(self, logs=None):
        self._stop_observing()
        super().on_train_end(logs)

    def _write_window_if_due(self) -> None:
        step = self._first_step + self._accumulators.steps_seen()
        if step // self.update_freq > self._last_written_step // self.update_freq:
            self._write_norms(step)
            self._last_written_step = step

    def _write_norms(self, step: int) -> None:
        means = self._accumulators.take_means()
        if means is None:
            return
        norms, global_norm, clipped_global_norm = means
        with self.writers["train"].as_default(step=step):
            for variable, norm in zip(self._accumulators.variables, norms):
                tf.summary.scalar(f"gradients/{variable_tag(variable)}/norm", norm)
            tf.summary.scalar("gradients/global_norm", global_norm)
            if clipped_global_norm is not None:
                tf.summary.scalar("gradients/clipped_global_norm", clipped_global_norm)

    def _write_histograms(self, epoch: int) -> None:
        with self.writers["train"].as_default(step=epoch):
            for variable, gradient in zip(self._accumulators.variables, self._accumulators.last):
                tf.summary.histogram(f"gradients/{variable_tag(variable)}/histogram", gradient)

    def _stop_observing(self) -> None:
        if self._observed_model is not None:
            self._observed_model.remove_gradient_observer(self._accumulators.observe)
        self._observed_model = None
        self._accumulators = None


class _GradientAccumulators:
    """Per-step gradient norms summed in `tf.Variable`s by the observer, read and reset in Python.

    `clip`, when given, maps a replica's gradients to what the optimizer
    applies; the global norm of the result is summed too.
    """

    def __init__(self, variables, keep_last: bool, clip=None):
        self.variables = list(variables)
        self._index = {id(v): i for i, v in enumerate(self.variables)}
        aggregation = tf.VariableAggregation.ONLY_FIRST_REPLICA

        def accumulator(value, dtype=tf.float32):
            return tf.Variable(value, dtype=dtype, trainable=False, aggregation=aggregation)

        self._norm_sums = accumulator(tf.zeros([len(self.variables)]))
        self._global_norm_sum = accumulator(0.0)
        self._clip = clip
        self._clipped_norm_sum = accumulator(0.0) if clip else None
        self._steps = accumulator(0, tf.int64)
        self._steps_taken = 0
        self.last = [accumulator(tf.zeros(v.shape)) for v in self.variables] if keep_last else []

    def observe(self, gradients, variables) -> None:
        """The gradient observer: graph ops only, it runs inside the compiled step."""
        pairs = [
            (self._index[id(v)], g) for g, v in zip(gradients, variables) if g is not None and id(v) in self._index
        ]
        slots = [slot for slot, _ in pairs]
        dense = [tf.cast(tf.convert_to_tensor(g), tf.float32) for _, g in pairs]
        # Keras clips each replica's share before summing them.
        clipped = self._clip(dense) if self._clip else []
        context = tf.distribute.get_replica_context()
        if context is not None and context.num_replicas_in_sync > 1:
            # Each replica holds its share of the gradient that optimizer.apply sums.
            summed = context.all_reduce(tf.distribute.ReduceOp.SUM, dense + clipped)
            dense, clipped = summed[: len(dense)], summed[len(dense) :]
        if clipped and self._clipped_norm_sum is not None:
            self._clipped_norm_sum.assign_add(tf.sqrt(tf.add_n([_sum_of_squares(g) for g in clipped])))
        norms = tf.scatter_nd(
            tf.constant(slots, tf.int32, shape=[len(slots), 1]),
            tf.sqrt(tf.stack([_sum_of_squares(g) for g in dense])) if dense else tf.zeros([0]),
            [len(self.variables)],
        )
        self._norm_sums.assign_add(norms)
        self._global_norm_sum.assign_add(tf.norm(norms))
        self._steps.assign_add(1)
        if self.last:
            for slot, gradient in zip(slots, dense):
                self.last[slot].assign(gradient)

    def steps_seen(self) -> int:
        """Steps observed since these accumulators were made."""
        return self._steps_taken + int(self._steps.numpy())

    def take_means(self):
        """Returns the means since the last call, or None if no step was taken.

        The means are (norm per variable, global norm, clipped global norm or
        None when the optimizer does not clip).
        """
        steps = int(self._steps.numpy())
        if steps == 0:
            return None
        self._steps_taken += steps
        clipped = None if self._clipped_norm_sum is None else float(self._clipped_norm_sum.numpy()) / steps
        means = self._norm_sums.numpy() / steps, float(self._global_norm_sum.numpy()) / steps, clipped
        self._norm_sums.assign(tf.zeros_like(self._norm_sums))
        self._global_norm_sum.assign(0.0)
        if self._clipped_norm_sum is not None:
            self._clipped_norm_sum.assign(0.0)
        self._steps.assign(0)
        return means


def _sum_of_squares(gradient):
    """`sum(gradient**2)`, written so that XLA computes it fast on a CPU.

    XLA's CPU reductions run one element after another (it may not reorder
    float additions), which costs a noticeable share of a compiled step on
    large layers; a matrix-vector product, which XLA hands to a vectorized
    kernel, sums the squares row by row at a fraction of that cost.
    """
    squares = tf.square(gradient)
    if gradient.shape.rank < 2:
        return tf.reduce_sum(squares)
    columns = gradient.shape[-1]
    return tf.reduce_sum(tf.linalg.matvec(tf.reshape(squares, [-1, columns]), tf.ones([columns], squares.dtype)))


def _clipping(optimizer):
    """The clipping `optimizer` applies to a list of gradients, or None if it does not clip.

    The rules of Keras optimizers, from their public `clipnorm`,
    `global_clipnorm` and `clipvalue` (at most one is set): each gradient's
    own norm, the norm of all of them together, or each entry, clipped.
    """
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        optimizer = optimizer.inner_optimizer  # it clips the unscaled gradients
    clipnorm, global_clipnorm, clipvalue = (
        getattr(optimizer, name, None) for name in ("clipnorm", "global_clipnorm", "clipvalue")
    )
    if clipnorm:
        return lambda gradients: [tf.clip_by_norm(g, clipnorm) for g in gradients]
    if global_clipnorm:
        return lambda gradients: tf.clip_by_global_norm(gradients, global_clipnorm)[0] if gradients else []
    if clipvalue:
        return lambda gradients: [tf.clip_by_value(g, -clipvalue, clipvalue) for g in gradients]
    return None


def _check_update_freq(update_freq):
    if not isinstance(update_freq, str):
        return _validation.check_int(update_freq, "update_freq")
    if update_freq not in ("epoch", "batch"):
        raise ValueError(f'`update_freq` must be "epoch", "batch" or an integer >= 1, got {update_freq!r}.')
    return 1 if update_freq == "batch" else "epoch"
