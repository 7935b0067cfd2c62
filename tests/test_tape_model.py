"""TapeModel's explicit step against stock keras.Model.train_step on identical weights."""

import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_tape import TapeModel


@keras.saving.register_keras_serializable(package="tests")
class Stack(TapeModel):
    """A TapeModel running the layers a `make_layers()` call returns, like a Sequential."""

    def __init__(self, make_layers, **kwargs):
        super().__init__(**kwargs)
        self.stack = make_layers()

    def call(self, x):
        for layer in self.stack:
            x = layer(x)
        return x


def dense_layers(regularized=False):
    reg = keras.regularizers.L2(0.01) if regularized else None
    return [
        keras.layers.Flatten(),
        keras.layers.Dense(12, activation="relu", kernel_regularizer=reg),
        keras.layers.Dense(3, activity_regularizer=reg),
    ]


def twins(regularized=False, optimizer="adam", loss=None, metrics=("accuracy",)):
    """A TapeModel and a stock Sequential with the same layers, weights and compile."""
    ours = Stack(lambda: dense_layers(regularized))
    stock = keras.Sequential(dense_layers(regularized))
    for model in (ours, stock):
        model(np.zeros((1, 4, 2), "float32"))
        model.compile(
            optimizer=keras.optimizers.get(optimizer),
            loss=loss or keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=list(metrics),
        )
    ours.set_weights(stock.get_weights())
    return ours, stock


def classification_data(n=90, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4, 2)).astype("float32")
    y = (x[:, 0, 0] > 0).astype("int32") + (x[:, 1, 1] > 0.5).astype("int32")
    return x, y, rng.uniform(0.1, 2.0, size=n).astype("float32")


def assert_same_training(ours, stock, atol=1e-5, **fit_kwargs):
    h_ours = ours.fit(verbose=0, shuffle=False, **fit_kwargs).history
    h_stock = stock.fit(verbose=0, shuffle=False, **fit_kwargs).history
    assert h_ours.keys() == h_stock.keys()
    for key in h_stock:
        np.testing.assert_allclose(h_ours[key], h_stock[key], atol=atol, err_msg=key)
    for w_ours, w_stock in zip(ours.get_weights(), stock.get_weights()):
        np.testing.assert_allclose(w_ours, w_stock, atol=atol)
    return h_ours


@pytest.mark.slow
def test_matches_stock_with_sample_weights_and_validation():
    x, y, w = classification_data()
    ours, stock = twins()
    history = assert_same_training(
        ours,
        stock,
        x=x,
        y=y,
        sample_weight=w,
        epochs=2,
        batch_size=16,
        validation_data=(x[:30], y[:30], w[:30]),
    )
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert history["loss"][1] < history["loss"][0]


@pytest.mark.slow
def test_matches_stock_with_class_weight_and_validation_split():
    x, y, _ = classification_data()
    ours, stock = twins(optimizer="sgd")
    assert_same_training(
        ours,
        stock,
        x=x,
        y=y,
        class_weight={0: 1.0, 1: 3.0, 2: 0.5},
        epochs=2,
        batch_size=20,
        validation_split=0.25,
    )


@pytest.mark.slow
def test_matches_stock_with_regularizers_and_add_loss():
    x, y, _ = classification_data()
    ours, stock = twins(regularized=True)
    history = assert_same_training(ours, stock, x=x, y=y, epochs=2, batch_size=32)
    # The regularization terms are part of the loss: without them it is smaller.
    plain, _ = twins(regularized=False)
    plain.set_weights(ours.get_weights())
    assert plain.evaluate(x, y, verbose=0)[0] < ours.evaluate(x, y, verbose=0)[0]
    assert history["loss"][-1] > 0


@pytest.mark.slow
def test_matches_stock_with_weighted_metrics_on_tf_dataset():
    x, y, w = classification_data()
    ours, stock = twins(metrics=("accuracy", "sparse_categorical_crossentropy"))
    data = tf.data.Dataset.from_tensor_slices((x, y, w)).batch(25)
    assert_same_training(ours, stock, x=data, epochs=2)
    np.testing.assert_allclose(ours.evaluate(data, verbose=0), stock.evaluate(data, verbose=0), atol=1e-6)
    np.testing.assert_allclose(ours.predict(x, verbose=0), stock.predict(x, verbose=0), atol=1e-6)


@pytest.mark.slow
def test_matches_stock_under_mixed_float16_loss_scaling():
    keras.mixed_precision.set_dtype_policy("mixed_float16")
    x, y, _ = classification_data()
    ours, stock = twins(optimizer="sgd")
    assert isinstance(ours.optimizer, keras.optimizers.LossScaleOptimizer)
    assert_same_training(ours, stock, x=x, y=y, epochs=2, batch_size=30, atol=1e-3)


def test_gradient_observer_sees_the_step_gradients():
    x, y, _ = classification_data(n=32)
    model, _ = twins(optimizer="sgd")
    seen = [tf.Variable(tf.zeros_like(v), trainable=False) for v in model.trainable_variables]
    calls = tf.Variable(0)

    def record(gradients, variables):
        assert [v.path for v in variables] == [v.path for v in model.trainable_variables]
        for slot, gradient in zip(seen, gradients):
            slot.assign(gradient)
        calls.assign_add(1)

    before = [v.numpy() for v in model.trainable_variables]
    with tf.GradientTape() as tape:
        loss = model.compute_loss(x, y, model(x, training=True))
    expected = tape.gradient(loss, model.trainable_variables)

    model.add_gradient_observer(record)
    model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    assert int(calls.numpy()) == 1
    for slot, reference in zip(seen, expected):
        np.testing.assert_allclose(slot.numpy(), reference.numpy(), atol=1e-6)
    # SGD's update is exactly -lr * gradient: the observed gradient was the applied one.
    lr = float(model.optimizer.learning_rate.numpy())
    for b, v, g in zip(before, model.trainable_variables, seen):
        np.testing.assert_allclose(v.numpy(), b - lr * g.numpy(), atol=1e-6)

    model.remove_gradient_observer(record)
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    assert int(calls.numpy()) == 1


def test_gradient_observer_gets_unscaled_gradients_under_loss_scaling():
    keras.mixed_precision.set_dtype_policy("mixed_float16")
    x, y, _ = classification_data(n=32)
    model, _ = twins(optimizer="sgd")
    norm = tf.Variable(0.0)
    model.add_gradient_observer(
        lambda grads, _: norm.assign(tf.cast(tf.linalg.global_norm([tf.cast(g, "float32") for g in grads]), "float32"))
    )
    with tf.GradientTape() as tape:
        loss = model.compute_loss(x, y, model(x, training=True))
    expected = tf.linalg.global_norm([tf.cast(g, "float32") for g in tape.gradient(loss, model.trainable_variables)])
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    assert model.optimizer.dynamic_scale.numpy() > 1000  # scaling was really active
    np.testing.assert_allclose(norm.numpy(), expected.numpy(), rtol=1e-2)


def test_gradient_observer_must_be_callable():
    model = Stack(dense_layers)
    with pytest.raises(TypeError, match="`observer` must be callable"):
        model.add_gradient_observer("not a function")
    with pytest.raises(ValueError, match="was not added"):
        model.remove_gradient_observer(print)


class Affine(TapeModel):
    """A model that defines `build`, so `fit` can build it from shapes."""

    def build(self, input_shape):
        self.flatten = keras.layers.Flatten()
        self.kernel = self.add_weight(shape=(8, 3))
        self.bias = self.add_weight(shape=(3,), initializer="zeros")

    def call(self, x):
        return self.flatten(x) @ self.kernel + self.bias


def test_fit_builds_before_callbacks_run():
    x, y, _ = classification_data(n=20)
    model = Affine()
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    seen = {}

    class Probe(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen["built"] = self.model.built
            seen["weights"] = len(self.model.weights)

    model.fit(x, y, epochs=1, verbose=0, callbacks=[Probe()])
    assert seen == {"built": True, "weights": 2}


def test_fit_refuses_mismatched_and_nonfinite_data():
    x, y, _ = classification_data(n=20)
    model = Stack(dense_layers)
    model.compile(loss="mse")
    with pytest.raises(ValueError, match=r"`x` has 20, `y` has 19"):
        model.fit(x, y[:19], verbose=0)
    x[3, 1, 0] = np.nan
    with pytest.raises(ValueError, match=r"`x` must contain only finite numbers, got nan at row 3"):
        model.fit(x, y, verbose=0)
    assert not model.built


@pytest.mark.multiprocess
def test_mirrored_strategy_reports_unscaled_loss(tmp_path):
    """Two replicas: Keras divides each replica's loss by 2; the History must not."""
    script = textwrap.dedent(
        """
        import os
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
        import numpy as np, keras, tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from keras_tape import TapeModel

        class Line(TapeModel):
            def build(self, input_shape):
                self.w = self.add_weight(shape=(1, 1), initializer="ones")
            def call(self, x):
                return x @ self.w

        x = np.linspace(0, 1, 64, dtype="float32")[:, None]
        y = 3 * x
        histories = []
        # One strategy per process: two would share collective op keys (tensorflow#62790).
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        for model_class in (Line, None):
            with strategy.scope():
                if model_class is None:
                    model = keras.Sequential([keras.layers.Dense(1, use_bias=False, kernel_initializer="ones")])
                else:
                    model = model_class()
                model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
            h = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
            histories.append((h.history["loss"], float(model.get_weights()[0][0, 0])))
        print(repr(histories))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr[-3000:]
    (ours_loss, ours_w), (stock_loss, stock_w) = eval(out.stdout.strip().splitlines()[-1])
    np.testing.assert_allclose(ours_loss, stock_loss, rtol=1e-5)
    np.testing.assert_allclose(ours_w, stock_w, rtol=1e-5)
    # The first epoch starts at w = 1 on y = 3x: the loss is (2x)^2 averaged, not halved.
    assert ours_loss[0] > 0.5


@pytest.mark.slow
# 3 batches an epoch (fewer than 4), 8 (a multiple of 4), 10 (calls of 4, 4 and 2 steps)
@pytest.mark.parametrize("batch_size", [32, 12, 10])
def test_steps_per_execution_keeps_epochs_exact(batch_size):
    x, y, w = classification_data(n=96)
    ours, stock = twins(optimizer="sgd")
    for model in (ours, stock):
        model.compile(
            optimizer="sgd",
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
            weighted_metrics=["accuracy"],
            steps_per_execution=4,
        )
    assert_same_training(
        ours, stock, x=x, y=y, sample_weight=w, epochs=3, batch_size=batch_size, validation_data=(x[:24], y[:24])
    )
    assert int(ours.optimizer.iterations) == 3 * int(np.ceil(96 / batch_size))


@pytest.mark.slow
def test_after_a_fit_on_arrays_fits_on_datasets_and_single_batches_match_stock():
    # `fit` on arrays plans each call's steps; a dataset and `train_on_batch` take Keras's own train function.
    x, y, _ = classification_data(n=96)
    ours, stock = twins(optimizer="sgd")
    for model in (ours, stock):
        model.compile(
            optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), steps_per_execution=4
        )
    assert_same_training(ours, stock, x=x, y=y, epochs=2, batch_size=10)
    assert_same_training(ours, stock, x=tf.data.Dataset.from_tensor_slices((x, y)).batch(10), epochs=2)
    losses = [model.train_on_batch(x[:10], y[:10]) for model in (ours, stock)]
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-5)
    for w_ours, w_stock in zip(ours.get_weights(), stock.get_weights()):
        np.testing.assert_allclose(w_ours, w_stock, atol=1e-5)
    assert int(ours.optimizer.iterations) == 2 * 10 + 2 * 10 + 1


@pytest.mark.slow
def test_a_fit_run_by_a_callback_leaves_the_outer_fit_its_epochs():
    x, y, _ = classification_data(n=96)
    model = twins(optimizer="sgd")[0]
    model.compile(
        optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), steps_per_execution=4
    )

    class InnerFit(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                model.fit(x, y, batch_size=32, epochs=1, verbose=0)  # 3 batches

    model.fit(x, y, batch_size=10, epochs=2, verbose=0, callbacks=[InnerFit()])  # 10 batches: calls of 4, 4, 2
    assert int(model.optimizer.iterations) == 2 * 10 + 3


@pytest.mark.slow
@pytest.mark.parametrize("steps_per_execution", [1, 2])  # 5 batches: one pipeline, then one per epoch
def test_shuffled_fit_repeats_with_the_seed(steps_per_execution):
    x = np.arange(40, dtype="float32")[:, None]
    orders = []
    for _ in range(2):
        keras.utils.set_random_seed(7)
        model = Stack(lambda: [keras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse", steps_per_execution=steps_per_execution)
        seen = []

        class Record(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                seen.append(float(self.model.get_weights()[0][0, 0]))

        model.fit(x, x[:, 0], batch_size=8, epochs=3, shuffle=True, verbose=0, callbacks=[Record()])
        orders.append(seen)
    assert orders[0] == orders[1]  # same seed, same shuffles, same weights
