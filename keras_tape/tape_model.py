"""`TapeModel`: a `keras.Model` whose training step is explicit GradientTape code."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import keras
import numpy as np
import tensorflow as tf

from keras_tape import _anomaly, _compat, _fit_setup, _step_loop, _validation
from keras_tape._compat import Functional
from keras_tape._guards import SafeEntryPoints, in_memory, is_text
from keras_tape._pipeline import EpochNumber, batches_per_epoch, in_memory_batches, split_validation, with_callbacks

GradientObserver = Callable[[Sequence[tf.Tensor], Sequence[tf.Variable]], None]


@keras.saving.register_keras_serializable(package="keras_tape")
class TapeModel(SafeEntryPoints, keras.Model):
    """A `keras.Model` whose `train_step` is a hand-readable `tf.GradientTape` loop.

    The step is the classic one a course writes by hand: forward pass under a
    tape, loss, `tape.gradient`, optimizer update, metrics. It is also exactly
    what stock Keras does, so everything `fit()` supports keeps working:
    sample and class weights, validation, compiled metrics, `add_loss` and
    regularizers, mixed-precision loss scaling and `tf.distribute`.

    Build it every way Keras builds a model: subclass it like `keras.Model`
    (define `build` and `call`), call it functionally as
    `TapeModel(inputs, outputs)`, give an existing Sequential or functional
    model the explicit step with `TapeModel.from_model(model)`, or use the
    ready models in `keras_tape.models`. Models that learn statistics from
    their data (normalisation) override `adapt`; `fit` calls it once, before
    the first epoch, on the training inputs.

    Gradients are exposed through observers: `add_gradient_observer(fn)` makes
    every training step call `fn(gradients, variables)` inside the compiled
    step, with the true (unscaled) gradients of the loss. With no observer the
    step contains no extra operation at all.

    Args:
        skip_nonfinite_steps: when True, a step whose loss or gradients hold
            NaN or inf leaves the weights and the optimizer untouched, and the
            logs count such steps under `skipped_steps` (per epoch). When
            False (the default) the step is stock Keras's, and
            `keras.callbacks.TerminateOnNaN` stops training on a NaN loss.
            Under loss scaling (mixed_float16) only the loss is checked, since
            the optimizer itself skips overflowing gradients and must see them
            to adjust its scale.
        detect_anomaly: when True, the first step whose loss or gradients
            hold NaN or inf stops training, before its update, with a
            `FloatingPointError` (`keras_tape._anomaly.AnomalyError`) naming
            the batch, the first layer whose output went non-finite (or the
            loss, or the variable whose gradient did) and the range of that
            layer's input. The step then checks finiteness (no XLA); off
            (the default), it holds no extra operation.
        *args, **kwargs: passed to `keras.Model`: `(inputs, outputs)` for a
            functional model, `name`, `trainable`.

    Example:

    ```python
    inputs = keras.Input(shape=(3,))
    outputs = keras.layers.Dense(1)(inputs)
    model = keras_tape.TapeModel(inputs, outputs)

    class Line(keras_tape.TapeModel):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(), initializer="zeros")
            self.b = self.add_weight(shape=(), initializer="zeros")

        def call(self, x):
            return self.w * x + self.b

    model = Line()
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    model.fit(x, y, epochs=100)
    ```
    """

    takes_text: bool = True
    """Whether inputs may be strings (for layers such as `StringLookup`); models of numbers say False."""

    train_function: Callable | None  # Keras's, set in its __init__ (declared for the type checker)

    xla_after_steps: int | None = None
    """Where XLA pays, in steps: with `compile(jit_compile="auto")` on one
    device without an accelerator (where Keras leaves XLA off), a `fit` on
    in-memory data of at least this many steps (epochs times batches)
    compiles its step with XLA, and shorter fits skip XLA's compile time.
    None (the default): Keras's rule alone."""

    def __new__(cls, *args, **kwargs):
        # Only where the arguments reach TapeModel's own __init__: a subclass's
        # own arguments are its business (and __init__ below sees what it passes on).
        if cls.__init__ is TapeModel.__init__ and _functional_arguments(args, kwargs):
            cls = _functional_class(cls)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, skip_nonfinite_steps: bool = False, detect_anomaly: bool = False, **kwargs):
        if _functional_arguments(args, kwargs) and not isinstance(self, Functional):
            # A subclass built without arguments passes (inputs, outputs) on to
            # here; Keras would make it functional by rewriting the __bases__
            # of every class above it, TapeModel's too.
            self.__class__ = _functional_class(type(self))
        super().__init__(*args, **kwargs)
        if not isinstance(skip_nonfinite_steps, bool):
            raise TypeError(f"`skip_nonfinite_steps` must be True or False, got {skip_nonfinite_steps!r}.")
        self.skip_nonfinite_steps = skip_nonfinite_steps
        self.detect_anomaly = _anomaly.configure(self, detect_anomaly, skip_nonfinite_steps)
        if skip_nonfinite_steps:
            self.skipped_steps = keras.metrics.Sum(name="skipped_steps")
        self._gradient_observers: list[GradientObserver] = []
        self._step_plan: _step_loop.StepPlan | None = None  # set while `fit` serves its own pipeline

    @classmethod
    def from_model(cls, model: keras.Model, **kwargs) -> TapeModel:
        """A TapeModel on the layers of a built Sequential or functional model.

        The new model runs the same graph of layers, so the two share their
        weights: training one trains the other. It gets the explicit step,
        gradient observers and every keras-tape callback, and saves and
        loads like any functional TapeModel. A compiled `model` passes on
        its compile settings (with an optimizer of its own).

        Args:
            model: a built `keras.Sequential` or functional `keras.Model`.
            **kwargs: TapeModel arguments, e.g. `skip_nonfinite_steps=True`.

        Returns:
            A functional `TapeModel` (or an instance of the subclass it is
            called on).

        Raises:
            TypeError: `model` is not a Keras model, or is a subclassed one
                (its `call` is Python code, not a graph of layers).
            ValueError: `model` is not built.

        Example:

        ```python
        stock = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        model = keras_tape.TapeModel.from_model(stock)
        model.compile(optimizer="sgd", loss="mse")
        model.fit(x, y, callbacks=[keras_tape.callbacks.GradientLogger("runs")])
        ```
        """
        if not isinstance(model, keras.Model):
            raise TypeError(f"`model` must be a keras.Model (Sequential or functional), got {type(model).__name__!r}.")
        if not isinstance(model, (Functional, keras.Sequential)):
            raise TypeError(
                f"`model` must be a Sequential or functional keras.Model, got the subclassed model "
                f"{type(model).__name__!r}: its call() is Python code, not a graph of layers to share. "
                "Subclass keras_tape.TapeModel instead of keras.Model."
            )
        if not model.built or not model.inputs:
            raise ValueError(
                f"`model` {model.name!r} is not built: give it a keras.Input first, or call "
                "model.build(input_shape), so that it has inputs and outputs to share."
            )
        if isinstance(model, keras.Sequential):
            inputs, outputs = model.inputs[0], model.outputs[0]
        else:
            inputs, outputs = model.input, model.output  # dicts and nesting as the model has them
        tape_model = cls(inputs, outputs, name=model.name, **kwargs)
        if model.compiled:
            tape_model.compile_from_config(model.get_compile_config())
        return tape_model

    # -- the step -----------------------------------------------------------

    def train_step(self, data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = _compat.compute_loss(self, x, y, y_pred, sample_weight, training=True)
            # Under mixed_float16 the optimizer multiplies the loss so that small
            # gradients do not underflow; `apply` divides them back.
            scaled_loss = self.optimizer.scale_loss(loss)
        variables = self.trainable_variables
        gradients = tape.gradient(scaled_loss, variables)
        if isinstance(self.optimizer, keras.optimizers.LossScaleOptimizer):
            # Keras looks for overflow in the first replica's gradients only.
            gradients = _overflow_on_every_replica(gradients)
        if self.detect_anomaly:
            gradients = _anomaly.check_step(self, data, loss, gradients)
        if self._gradient_observers:
            self._notify_gradient_observers(gradients, variables)
        if self.skip_nonfinite_steps:
            return self._apply_if_finite(x, y, y_pred, loss, sample_weight, gradients, variables)
        self.optimizer.apply(gradients, variables)
        return self._update_metrics(x, y, y_pred, loss, sample_weight)

    def test_step(self, data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = _compat.compute_loss(self, x, y, y_pred, sample_weight, training=False)
        return self._update_metrics(x, y, y_pred, loss, sample_weight)

    def predict_step(self, data):
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def _update_metrics(self, x, y, y_pred, loss, sample_weight):
        # The reported loss is the whole batch's, not one replica's share.
        loss = _compat.unscale_loss_for_distribution(loss)
        batch_size = tf.shape(keras.tree.flatten(x)[0])[0]
        _compat.loss_tracker(self).update_state(loss, sample_weight=batch_size)
        return _step_logs(self.compute_metrics(x, y, y_pred, sample_weight=sample_weight))

    def _apply_if_finite(self, x, y, y_pred, loss, sample_weight, gradients, variables):
        checked = [loss]
        if not isinstance(self.optimizer, keras.optimizers.LossScaleOptimizer):
            checked += [g for g in gradients if g is not None]
        finite = tf.reduce_all([tf.reduce_all(tf.math.is_finite(t)) for t in checked])
        if not self.optimizer.built:
            # Its variables cannot be created inside a branch of tf.cond.
            self.optimizer.build(variables)
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync
        if replicas > 1:
            # All replicas must take the same branch: one bad share skips the global batch.
            bad_shares = context.all_reduce(tf.distribute.ReduceOp.SUM, 1.0 - tf.cast(finite, "float32"))
            finite = tf.equal(bad_shares, 0.0)
        step = (x, y, y_pred, loss, sample_weight, gradients)
        if not tf.distribute.has_strategy():
            # A skipped batch leaves the weights, the optimizer, the loss and the metrics as they were.
            tf.cond(finite, lambda: self._apply_and_update_metrics(*step), lambda: None)
        else:
            # Under a strategy optimizer.apply synchronises the replicas
            # (merge_call), which a branch of tf.cond in a replica context may
            # not: branch across them.
            context.merge_call(self._apply_across_replicas_if, args=(finite, *step))
        # Each replica counts its share: the metric sums them when read.
        self.skipped_steps.update_state((1.0 - tf.cast(finite, "float32")) / replicas)
        return _step_logs(self.get_metrics_result())

    def _apply_and_update_metrics(self, x, y, y_pred, loss, sample_weight, gradients):
        self.optimizer.apply(gradients, self.trainable_variables)
        self._update_metrics(x, y, y_pred, loss, sample_weight)

    def _apply_across_replicas_if(self, strategy, finite, *step):
        tf.cond(
            strategy.experimental_local_results(finite)[0],  # the same on every replica
            lambda: strategy.extended.call_for_each_replica(self._apply_and_update_metrics, args=step),
            lambda: None,
        )

    def make_train_function(self, force=False):
        made = self.train_function
        super().make_train_function(force)
        if self.train_function is not made and self.distribute_strategy.num_replicas_in_sync == 1:
            self.train_function = _step_loop.planned_train_function(self, self.train_function)
        if self.detect_anomaly:
            # Turns the step's failure into the AnomalyError it diagnosed, with the batch's position.
            _anomaly.check_train_function(self)

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Keras learns the batch's shapes by averaging a whole input batch
        # across replicas, which MultiWorkerMirroredStrategy cannot do
        # (keras-team/keras#20585); one replica's share has the same structure.
        if iterator is not None and self.distribute_strategy.num_replicas_in_sync > 1:
            batch = _compat.first_distributed_batch(iterator)
            local_results = self.distribute_strategy.experimental_local_results
            data_batch = keras.tree.map_structure(
                lambda v: local_results(v)[0] if isinstance(v, tf.distribute.DistributedValues) else v, batch
            )
            iterator = None
        return super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)

    # -- gradient observers ---------------------------------------------------

    def add_gradient_observer(self, observer: GradientObserver) -> None:
        """Calls `observer(gradients, variables)` at every training step.

        The observer runs inside the compiled step (a `tf.function`), so it
        must use TensorFlow operations, typically assigning to its own
        `tf.Variable`s; Python side effects happen only while tracing. The
        gradients are those of the loss, unscaled under mixed precision, in the
        order of `variables` (`model.trainable_variables`). The training
        function is rebuilt (traced again on its next call), so a callback
        may add an observer in `on_train_begin`.

        Args:
            observer: callable taking `(gradients, variables)`.

        Example:

        ```python
        norm = tf.Variable(0.0)
        model.add_gradient_observer(
            lambda grads, variables: norm.assign(tf.linalg.global_norm(grads)))
        model.fit(x, y)
        ```
        """
        if not callable(observer):
            raise TypeError(
                f"`observer` must be callable as observer(gradients, variables), "
                f"got {observer!r} of type {type(observer).__name__}."
            )
        self._gradient_observers.append(observer)
        self._rebuild_train_function()

    def remove_gradient_observer(self, observer: GradientObserver) -> None:
        """Stops calling `observer`; the training function is traced again on its next call.

        Args:
            observer: a callable previously passed to `add_gradient_observer`.
        """
        if observer not in self._gradient_observers:
            raise ValueError(f"`observer` {observer!r} was not added to this model.")
        self._gradient_observers.remove(observer)
        self._rebuild_train_function()

    def _rebuild_train_function(self):
        # The step is traced once; a new observer list needs a new trace. A fit
        # in progress (a callback adding an observer in on_train_begin) already
        # holds a function, so replace it rather than dropping it.
        if self.train_function is not None:
            self.make_train_function(force=True)

    def _notify_gradient_observers(self, gradients, variables):
        optimizer = self.optimizer
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            # The same factor `scale_loss` applied (the optimizer builds on its first apply).
            scale = optimizer.dynamic_scale if optimizer.built else optimizer.initial_scale
            gradients = [None if g is None else g / tf.cast(scale, g.dtype) for g in gradients]
        for observer in self._gradient_observers:
            observer(gradients, variables)

    # -- compile defaults, building from data --------------------------------

    def get_compile_defaults(self) -> dict:
        """The `compile()` arguments used for those the caller leaves out.

        Models override it with what trains them well; the base class keeps
        Keras's own default optimizer and asks for the loss.

        Returns:
            A dict of `keras.Model.compile` arguments (`optimizer`, `loss`,
            `metrics`, `steps_per_execution`, ...).
        """
        return {"optimizer": "rmsprop"}

    def compile(self, optimizer=None, loss=None, metrics=None, **kwargs):
        """Configures training like `keras.Model.compile`, filling in model defaults.

        Arguments left out (or None) take their value from
        `get_compile_defaults()`; every argument means what it means to
        `keras.Model.compile`.

        Example:

        ```python
        model.compile()                              # the model's defaults
        model.compile(optimizer="adam", loss="mae")  # overrides
        ```
        """
        given = dict(optimizer=optimizer, loss=loss, metrics=metrics, **kwargs)
        arguments = {**self.get_compile_defaults(), **{k: v for k, v in given.items() if v is not None}}
        super().compile(**arguments)
        self._xla_by_fit_length = _fit_setup.xla_by_fit_length(self, arguments.get("jit_compile", "auto"))

    def compile_from_config(self, config):
        """Recompiles a loaded model with the arguments it was saved with.

        Keras skips this for models that override `compile`; ours only fills
        in defaults, so the saved (explicit) arguments replay exactly.

        Args:
            config: the dict `get_compile_config()` returned when saving.
        """
        self.compile(**keras.saving.deserialize_keras_object(config))
        if self.built:
            # Optimizer variables must exist before the saved ones are loaded into them.
            self.optimizer.build(self.trainable_variables)

    def adapt(self, x) -> None:
        """Learns statistics of the training inputs before the first epoch.

        `fit` calls it once with its training `x` (a numpy array, tensor or
        `tf.data.Dataset`) while `is_adapted` is False. The base class learns
        nothing; models with normalisation override both.

        Args:
            x: the training inputs given to `fit`.
        """

    @property
    def is_adapted(self) -> bool:
        """Whether `adapt` has run (always True for models that learn no statistics)."""
        return True

    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs=1,
        verbose="auto",
        callbacks=None,
        validation_split=0.0,
        validation_data=None,
        shuffle=True,
        class_weight=None,
        sample_weight=None,
        initial_epoch=0,
        steps_per_epoch=None,
        validation_steps=None,
        validation_batch_size=None,
        validation_freq=1,
    ):
        """Trains the model exactly like `keras.Model.fit`, with less overhead.

        Every argument means what it means to `keras.Model.fit`. Before Keras
        builds the step, numeric in-memory `x` and `y` are checked (same
        length, finite; see `check_training_data`), a model that defines
        `build` is built from the data's shapes (without calling it, so no
        layer sees an extra call or random draw), and an unadapted model
        learns its input statistics from the training rows (see `adapt`),
        and a built model's optimizer and compiled metrics create their
        variables (so the step is traced once, not twice), all inside the
        model's distribution strategy, so callbacks such as
        `keras.callbacks.BackupAndRestore` find the variables in
        `on_train_begin`. Lists of arrays are read as Keras reads them
        (several inputs or outputs); strings and other non-numeric inputs
        take stock's path unchanged.

        In-memory arrays are then served by one repeating `tf.data` pipeline
        for the whole call instead of a new one every epoch, which is most of
        an epoch's cost on small data, and the arrays are copied once where
        stock `fit` copies them twice. On one replica, the steps of each
        call (`steps_per_execution` of them) run as one plain in-graph loop.
        Batches, their order, the callbacks' batch numbers and History are
        those of stock `fit`. `class_weight`, `shuffle="batch"` and
        `steps_per_epoch` keep the stock pipeline.

        Returns:
            A `keras.callbacks.History`.
        """
        outer_plan = self._step_plan  # a fit a callback runs inside another leaves the outer one's plan
        if in_memory(x, y, sample_weight):
            # Keras reads lists as structures of inputs and outputs; tf.data would stack them.
            x, y, sample_weight = (
                None if part is None else keras.tree.lists_to_tuples(part) for part in (x, y, sample_weight)
            )
            self.check_training_data(x, y)
            if validation_split and validation_data is None:
                (x, y, sample_weight), validation_data = split_validation(x, y, sample_weight, validation_split)
                validation_split = 0.0
            with self.distribute_strategy.scope():
                if not self.built and type(self).build is not keras.Layer.build:
                    # From shapes alone (the model's own `build`), so callbacks such as
                    # BackupAndRestore find the variables; no call, no random draw.
                    self.build(keras.tree.map_structure(lambda a: tuple(a.shape), x))
                if not self.is_adapted:
                    self.adapt(x)
                if self.built and self.compiled:
                    _fit_setup.build_step_state(self, x, y)
            batch_size = batch_size or 32
            holds_text = any(is_text(leaf) for leaf in keras.tree.flatten((x, y, sample_weight)))
            if steps_per_epoch is None and class_weight is None and shuffle in (True, False) and not holds_text:
                # Keras's own train function runs `steps_per_execution` steps per call
                # whatever the epoch length: on a repeating dataset that must divide the epoch.
                planned = not self.run_eagerly and self.distribute_strategy.num_replicas_in_sync == 1
                repeat = planned or batches_per_epoch(x, batch_size) % self.steps_per_execution == 0
                epoch_number = EpochNumber()  # so that a resumed fit shuffles as the epoch it resumes
                _fit_setup.choose_xla(self, batches_per_epoch(x, batch_size) * (epochs - initial_epoch))
                x, steps = in_memory_batches(x, y, sample_weight, batch_size, shuffle, repeat, epoch_number.variable)
                extra = [epoch_number]
                if planned:
                    self._step_plan = _step_loop.StepPlan(steps)
                    extra.append(self._step_plan)
                callbacks = with_callbacks(callbacks, *extra)
                steps_per_epoch = steps if repeat else None
                y = sample_weight = batch_size = None
                shuffle = False  # the pipeline shuffles; Keras would warn about a dataset
        elif isinstance(x, tf.data.Dataset) and not self.is_adapted:
            with self.distribute_strategy.scope():
                self.adapt(x)
        try:
            return super().fit(
                x,
                y,
                batch_size=batch_size,
                epochs=epochs,
                verbose=verbose,
                callbacks=callbacks,
                validation_split=validation_split,
                validation_data=validation_data,
                shuffle=shuffle,
                class_weight=class_weight,
                sample_weight=sample_weight,
                initial_epoch=initial_epoch,
                steps_per_epoch=steps_per_epoch,
                validation_steps=validation_steps,
                validation_batch_size=validation_batch_size,
                validation_freq=validation_freq,
            )
        finally:
            self._step_plan = outer_plan

    def get_config(self):
        return {
            **super().get_config(),
            "skip_nonfinite_steps": self.skip_nonfinite_steps,
            "detect_anomaly": self.detect_anomaly,
        }

    def check_training_data(self, x, y) -> None:
        """Refuses in-memory training data that cannot train the model.

        The base checks that `x` and `y` are numeric, finite, non-empty and
        of the same length (inputs may also be strings where `takes_text`);
        models add their own rules (label ranges, ranks).

        Args:
            x: training inputs (numpy array or tensor; dicts and lists are
                checked leaf by leaf).
            y: training targets, or None.

        Raises:
            ValueError, TypeError: naming the argument, what it got and what
                it expects.
        """
        leaves = {f"x{_leaf_suffix(i, x)}": leaf for i, leaf in enumerate(keras.tree.flatten(x))}
        if y is not None:
            leaves.update({f"y{_leaf_suffix(i, y)}": leaf for i, leaf in enumerate(keras.tree.flatten(y))})
        for name, leaf in leaves.items():
            if not (self.takes_text and name.startswith("x") and is_text(leaf)):
                _validation.check_numeric(leaf, name, ndim=None)
        _validation.check_same_length(**leaves)


def _leaf_suffix(index: int, structure) -> str:
    return "" if not isinstance(structure, (dict, list, tuple)) else f"[{index}]"


def _overflow_on_every_replica(gradients):
    """The gradients, or inf in all of them on every replica if any replica's overflowed.

    Keras's LossScaleOptimizer decides from the first replica's gradients
    whether a step overflowed, expecting them all-reduced; Keras 3 reduces
    them later, inside the inner optimizer, so another replica's overflow
    would reach the weights instead of shrinking the loss scale.
    """
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return gradients
    dense = [g.values if isinstance(g, tf.IndexedSlices) else g for g in gradients if g is not None]
    finite = tf.reduce_all([tf.reduce_all(tf.math.is_finite(g)) for g in dense])
    overflowed = context.all_reduce(tf.distribute.ReduceOp.SUM, 1.0 - tf.cast(finite, "float32")) > 0

    def poisoned(g):
        if isinstance(g, tf.IndexedSlices):
            return tf.IndexedSlices(poisoned(g.values), g.indices, g.dense_shape)
        return tf.where(overflowed, tf.constant(np.inf, g.dtype), g)

    return [None if g is None else poisoned(g) for g in gradients]


def _step_logs(logs: dict) -> dict:
    """A step's logs, shaped for the cross-replica reduction Keras applies to them."""
    strategy = tf.distribute.get_strategy()
    if _compat.multi_worker_mean_reduction(strategy):
        # Keras averages a multi-worker step's logs with
        # strategy.reduce("MEAN", value, axis=0), which needs an axis to
        # average over (keras-team/keras#20585): one replica, one entry.
        return {name: tf.reshape(value, [1]) for name, value in logs.items()}
    return logs


def _functional_arguments(args, kwargs) -> bool:
    # The test keras.Model uses to tell `Model(inputs, outputs)` from a subclass's own arguments.
    return len(args) == 2 or (len(args) == 1 and "outputs" in kwargs) or {"inputs", "outputs"} <= kwargs.keys()


_FUNCTIONAL_CLASSES: dict[type, type] = {}


def _functional_class(cls: type) -> type:
    """`cls` with Keras's functional model mixed in; made once per class, `cls` itself untouched.

    It keeps `cls`'s name and registration, so a saved model loads back
    through `cls` (whose `from_config` rebuilds the functional graph).
    """
    if issubclass(cls, Functional):
        return cls
    if cls not in _FUNCTIONAL_CLASSES:
        namespace = {"__module__": cls.__module__, "__qualname__": cls.__qualname__, "__doc__": cls.__doc__}
        functional = type(cls.__name__, (cls, Functional), namespace)
        package, separator, name = keras.saving.get_registered_name(cls).partition(">")
        if separator:
            keras.saving.register_keras_serializable(package, name)(functional)
            keras.saving.register_keras_serializable(package, name)(cls)  # the name still resolves to `cls`
        _FUNCTIONAL_CLASSES[cls] = functional
    return _FUNCTIONAL_CLASSES[cls]
