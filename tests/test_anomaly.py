"""TapeModel(detect_anomaly=True) names the batch and the layer where NaN or inf began."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_tape
from keras_tape._anomaly import AnomalyError


@keras.saving.register_keras_serializable(package="tests")
class LogShift(keras.layers.Layer):
    """log(x - shift), shift = 10 unless changed: NaN for inputs below it, -inf at it."""

    def build(self, input_shape):
        self.shift = self.add_weight(shape=(), initializer=keras.initializers.Constant(10.0), trainable=False)

    def call(self, x):
        return keras.ops.log(x - self.shift)


class Net(keras_tape.TapeModel):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(4, activation="relu", name="hidden")
        self.log_shift = LogShift(name="log_shift")
        self.out = keras.layers.Dense(1, name="out")

    def call(self, x):
        return self.out(self.log_shift(x + 0.0 * self.hidden(x)[:, :1]))


def data(rows=64, bad_rows=()):
    rng = np.random.default_rng(0)
    x = rng.uniform(11.0, 20.0, size=(rows, 1)).astype("float32")
    x[list(bad_rows)] = rng.uniform(2.0, 9.0, size=(len(bad_rows), 1))
    return x, rng.normal(size=(rows, 1)).astype("float32")


def fit(model, x, y, **compile_kwargs):
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse", **compile_kwargs)
    model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)


@pytest.mark.parametrize("steps_per_execution", [1, 4])
def test_the_layer_and_the_batch_are_named(steps_per_execution):
    x, y = data(bad_rows=[45])  # row 45 is in batch 5 (rows 40-47) of the first epoch
    model = Net(detect_anomaly=True)
    with pytest.raises(AnomalyError) as caught:
        fit(model, x, y, steps_per_execution=steps_per_execution)
    error = caught.value
    assert (error.layer, error.batch, error.epoch, error.step) == ("log_shift", 5, None, 5)
    # The input range of the layer is the bad batch's x, from numpy.
    np.testing.assert_allclose(error.input_range, (x[40:48].min(), x[40:48].max()), rtol=1e-6)
    assert "batch 5 (counted from 0)" in str(error) and "'log_shift' (LogShift)" in str(error)
    assert isinstance(error, FloatingPointError)
    # Stopped before the bad step's update: the weights are finite and 5 steps were taken.
    assert all(np.isfinite(w).all() for w in model.get_weights())
    assert int(model.optimizer.iterations.numpy()) == 5


def test_a_later_epoch_is_counted():
    x, y = data()
    x[:] = 16.0 + x / 10
    x[19] = 12.0  # in batch 2; fine while the layer's shift is 10
    model = Net(detect_anomaly=True)
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    # After the second epoch the shift moves past 12: batch 2 of the third epoch turns NaN.
    shift = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: model.log_shift.shift.assign(14.0) if epoch == 1 else None
    )
    with pytest.raises(AnomalyError) as caught:
        model.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0, callbacks=[shift])
    assert (caught.value.batch, caught.value.epoch, caught.value.step) == (2, 2, 18)
    assert "of epoch 3 (as the progress bar counts)" in str(caught.value)


def test_a_non_finite_gradient_names_the_variable():
    class Root(keras_tape.TapeModel):
        def build(self, input_shape):
            self.w = self.add_weight(name="w", shape=(1,), initializer="zeros")

        def call(self, x):
            return keras.ops.sqrt(self.w * x)  # finite at w = 0; its gradient is not

    x, y = np.ones((8, 1), "float32"), np.ones((8, 1), "float32")
    model = Root(detect_anomaly=True)
    with pytest.raises(AnomalyError, match="gradient of variable '.*w' holds NaN or inf") as caught:
        fit(model, x, y)
    assert caught.value.variable.endswith("w") and caught.value.layer is None


def test_a_non_finite_loss_with_finite_outputs_is_named():
    class Stack(keras_tape.TapeModel):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.body = keras.Sequential([keras.layers.Dense(3, name="inner"), keras.layers.Dense(1, name="last")])

        def call(self, x):
            return self.body(x)

    model = Stack(detect_anomaly=True)
    model.compile(optimizer="sgd", loss=lambda t, p: keras.ops.log(p - 1e6))  # log of a negative number
    expected = r"every layer's output is finite \(the model's from .*\) but the loss is nan"
    with pytest.raises(AnomalyError, match=expected):
        model.fit(np.ones((8, 2), "float32"), np.ones((8, 1), "float32"), verbose=0)


def train_step_ops(model, x, y):
    """The op types of the traced train_step graph."""
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    model(x)
    model.optimizer.build(model.trainable_variables)
    spec = (tf.TensorSpec(x.shape, tf.float32), tf.TensorSpec(y.shape, tf.float32))
    graph = tf.function(model.train_step).get_concrete_function(spec).graph
    return sorted(op.type for op in graph.get_operations())


def test_off_by_default_and_free_when_off():
    x, y = data(rows=8)
    default = train_step_ops(Net(), x, y)
    assert train_step_ops(Net(detect_anomaly=False), x, y) == default
    assert "EagerPyFunc" not in default and "IsFinite" not in default
    assert "IsFinite" in train_step_ops(Net(detect_anomaly=True), x, y)
    assert Net().get_config()["detect_anomaly"] is False


def test_arguments_are_checked():
    with pytest.raises(TypeError, match="`detect_anomaly` must be True or False"):
        Net(detect_anomaly="yes")
    with pytest.raises(ValueError, match="choose one"):
        Net(detect_anomaly=True, skip_nonfinite_steps=True)


def test_a_functional_tape_model_names_the_inner_layer():
    inputs = keras.Input((1,))
    hidden = keras.layers.Dense(2, name="hidden", kernel_initializer="ones")(inputs)
    outputs = keras.layers.Dense(1, name="last")(LogShift(name="log_shift")(hidden))
    model = keras_tape.TapeModel(inputs, outputs, detect_anomaly=True)
    assert model.get_config()["detect_anomaly"] is True
    x, y = data(bad_rows=[3])
    with pytest.raises(AnomalyError) as caught:
        fit(model, x, y)
    assert (caught.value.layer, caught.value.batch) == ("log_shift", 0)


def test_under_a_distribution_strategy():
    x, y = data(bad_rows=[45])
    with tf.distribute.MirroredStrategy(["/cpu:0"]).scope():
        model = Net(detect_anomaly=True)
    with pytest.raises(AnomalyError) as caught:
        fit(model, x, y)
    assert (caught.value.layer, caught.value.batch, int(model.optimizer.iterations.numpy())) == ("log_shift", 5, 5)
