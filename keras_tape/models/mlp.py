"""`MLPClassifier`: a multilayer perceptron that outputs logits, trained by the explicit step."""

from __future__ import annotations

import keras
import numpy as np

from keras_tape import _validation
from keras_tape.tape_model import TapeModel


@keras.saving.register_keras_serializable(package="keras_tape")
class MLPClassifier(TapeModel):
    """A multilayer perceptron classifier: Flatten, hidden Dense layers, Dense logits.

    Inputs of any shape are flattened (28x28 images, 8x8 digits, vectors).
    The output is logits; `compile()` defaults to Adam and sparse categorical
    cross-entropy on integer labels, with accuracy, and on one device to
    `steps_per_execution=32`. XLA is Keras's "auto": on from the start on a
    GPU; on a CPU it compiles the step for fits of at least
    `xla_after_steps` (3,000) steps, where its faster steps repay its
    compile time, and short fits start at once (pass `jit_compile=True` or
    `False` to choose). As Keras documents for `steps_per_execution`,
    batch-level callback hooks and the progress bar advance every 32
    batches (pass `steps_per_execution=1` to see every batch); epochs,
    History and epoch-level callbacks are unchanged. The lab's setup, MSE on
    one-hot targets with SGD, is `compile(optimizer=keras.optimizers.SGD(1e-3),
    loss="mse", metrics=["accuracy"])`. `get_weights()` is `[W1, b1, ...,
    Wout, bout]`, the list of the equivalent `keras.Sequential`.

    Args:
        hidden_units: sizes of the hidden layers, e.g. `(256, 128)`.
        num_classes: number of classes, at least 2.
        activation: activation of the hidden layers (any Keras activation name).
        **kwargs: passed to `keras.Model` (e.g. `name`).

    Example:

    ```python
    x, y = keras_tape.data.load_digits()
    model = keras_tape.models.MLPClassifier(hidden_units=(64,))
    model.compile()
    model.fit(x, y, epochs=10, validation_split=0.2)
    ```
    """

    takes_text = False
    # XLA fuses Adam's dozen small ops per variable: on a 2-core CPU its steps
    # repay compiling the full and the partial batch after about this many
    # (benchmarks/results.md, the rows "fit of N epochs of a fresh model").
    xla_after_steps = 3000

    def __init__(self, hidden_units=(256, 128), num_classes: int = 10, activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.hidden_units = _validation.check_int_sequence(hidden_units, "hidden_units")
        self.num_classes = _validation.check_int(num_classes, "num_classes", minimum=2)
        self.activation = keras.activations.get(activation)
        self.flatten = keras.layers.Flatten()
        self.hidden_layers = [
            keras.layers.Dense(units, activation=self.activation, name=f"hidden_{i + 1}")
            for i, units in enumerate(self.hidden_units)
        ]
        # Under a mixed-precision policy the logits (and so the loss) stay float32.
        mixed = keras.mixed_precision.dtype_policy().name.startswith("mixed")
        self.output_layer = keras.layers.Dense(num_classes, dtype="float32" if mixed else None, name="logits")

    def build(self, input_shape):
        # Built from shapes alone, so `fit` can build the model before callbacks
        # such as BackupAndRestore run, without calling it on data.
        shape = self.flatten.compute_output_shape(input_shape)
        for layer in (*self.hidden_layers, self.output_layer):
            layer.build(shape)
            shape = layer.compute_output_shape(shape)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.num_classes)

    def call(self, x):
        x = self.flatten(x)
        for layer in self.hidden_layers:
            x = layer(x)
        return self.output_layer(x)

    def get_compile_defaults(self) -> dict:
        defaults = {
            "optimizer": keras.optimizers.Adam(learning_rate=1e-3),
            "loss": keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            "metrics": ["accuracy"],
        }
        if self.distribute_strategy.num_replicas_in_sync == 1:
            # One compiled call runs 32 steps: Keras's per-step Python work
            # otherwise costs as much as the MLP's own arithmetic on a CPU.
            # Keras 3.15 cannot loop steps over replicas (keras-team/keras#19246).
            defaults["steps_per_execution"] = 32
        return defaults

    def check_training_data(self, x, y) -> None:
        super().check_training_data(x, y)
        if self.built:
            sample_shape = tuple(self.get_build_config()["input_shape"])[1:]
            reason = f"as {type(self).__name__} was built for"
            _validation.check_sample_shape(np.shape(x), sample_shape, "x", reason)
        if y is None:
            return
        y = np.asarray(y)
        if y.ndim >= 2 and y.shape[-1] == self.num_classes:
            return  # one-hot (or soft) targets, as the lab's MSE uses
        if y.ndim >= 2 and y.shape[-1] != 1:
            raise ValueError(
                f"`y` must hold integer labels of shape (n,) or one-hot targets of shape "
                f"(n, {self.num_classes}), got shape {y.shape}."
            )
        _validation.check_labels(y, self.num_classes)

    def get_config(self):
        return {
            **super().get_config(),
            "hidden_units": list(self.hidden_units),
            "num_classes": self.num_classes,
            "activation": _serialize_activation(self.activation),
        }


def _serialize_activation(activation):
    if getattr(activation, "__name__", None) == "<lambda>":
        # keras.activations.serialize drops a lambda's "__lambda__" tag, so
        # the file could never be loaded; with it, loading asks for safe_mode=False.
        return keras.saving.serialize_keras_object(activation)
    return keras.activations.serialize(activation)
