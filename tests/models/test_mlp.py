"""MLPClassifier against the equivalent stock keras.Sequential."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_tape.data import load_digits, load_mnist_test
from keras_tape.models import MLPClassifier


def sequential_twin(hidden_units=(256, 128), num_classes=10):
    return keras.Sequential(
        [keras.layers.Flatten()]
        + [keras.layers.Dense(u, activation="relu") for u in hidden_units]
        + [keras.layers.Dense(num_classes)]
    )


def test_weights_list_is_the_sequential_list():
    x = np.random.default_rng(0).random((5, 8, 8)).astype("float32")
    ours, stock = MLPClassifier(hidden_units=(32, 16)), sequential_twin((32, 16))
    ours(x), stock(x)
    assert [w.shape for w in ours.get_weights()] == [(64, 32), (32,), (32, 16), (16,), (16, 10), (10,)]
    ours.set_weights(stock.get_weights())
    np.testing.assert_allclose(ours.predict(x, verbose=0), stock.predict(x, verbose=0), atol=1e-6)


@pytest.mark.slow
def test_trains_on_digits_with_defaults_and_with_the_labs_mse():
    x, y = load_digits()
    model = MLPClassifier(hidden_units=(64,))
    model.compile()
    history = model.fit(x, y, epochs=20, batch_size=32, validation_split=0.25, verbose=0)
    assert history.history["accuracy"][-1] > 0.95
    assert history.history["val_accuracy"][-1] > 0.85  # the last quarter of digits is the hardest
    # The lab's setup: MSE on one-hot targets, plain SGD; accuracy resolves to categorical.
    lab = MLPClassifier(hidden_units=(64,))
    lab.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse", metrics=["accuracy"])
    onehot = keras.utils.to_categorical(y, 10)
    lab_history = lab.fit(x, onehot, epochs=8, batch_size=64, validation_split=0.25, verbose=0)
    assert lab_history.history["loss"][-1] < lab_history.history["loss"][0]
    assert lab_history.history["val_accuracy"][-1] > 0.75


@pytest.mark.slow
def test_generalises_on_real_mnist_like_stock_keras(mnist_dir):
    x, y = load_mnist_test(mnist_dir)
    x = x.astype("float32") / 255.0
    x_train, y_train, x_test, y_test = x[:6000], y[:6000], x[6000:], y[6000:]
    accuracies = {}
    for name, model in [("ours", MLPClassifier()), ("stock", sequential_twin())]:
        keras.utils.set_random_seed(1)
        model.compile(
            **(
                {}
                if name == "ours"
                else dict(
                    optimizer="adam",
                    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                    metrics=["accuracy"],
                )
            )
        )
        model.fit(x_train, y_train, epochs=3, batch_size=128, verbose=0)
        accuracies[name] = model.evaluate(x_test, y_test, verbose=0)[1]
    independent = float(np.mean(np.argmax(model.predict(x_test, verbose=0), axis=1) == y_test))
    assert independent == pytest.approx(accuracies["stock"], abs=1e-6)
    assert accuracies["ours"] > 0.9
    assert accuracies["ours"] >= accuracies["stock"] - 0.01


@pytest.mark.parametrize(
    "labels, message",
    [
        (np.array([0, 1, 10]), r"class labels in \[0, 10\), got values from 0 to 10"),
        (np.array([0, -1, 3]), r"class labels in \[0, 10\), got values from -1 to 3"),
        (np.array([0.0, 1.5, 3.0]), "integer class labels"),
        (np.zeros((3, 4)), r"one-hot targets of shape \(n, 10\), got shape \(3, 4\)"),
    ],
)
def test_bad_labels(labels, message):
    model = MLPClassifier(hidden_units=(4,))
    model.compile()
    with pytest.raises(ValueError, match=message):
        model.fit(np.zeros((3, 2), "float32"), labels, verbose=0)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"hidden_units": (0,)}, ValueError, r"`hidden_units\[0\]` must be an integer >= 1, got 0"),
        ({"hidden_units": (8, -3)}, ValueError, r"`hidden_units\[1\]` must be an integer >= 1"),
        ({"hidden_units": (8.5,)}, TypeError, r"`hidden_units\[0\]` must be an integer"),
        ({"hidden_units": 8}, TypeError, "`hidden_units` must be a sequence"),
        ({"num_classes": 1}, ValueError, "`num_classes` must be an integer >= 2, got 1"),
        ({"num_classes": "10"}, TypeError, "`num_classes` must be an integer >= 2"),
    ],
)
def test_bad_hyperparameters(kwargs, error, message):
    with pytest.raises(error, match=message):
        MLPClassifier(**kwargs)


class CountingTraces(MLPClassifier):
    """MLPClassifier counting how often its training step is traced (Python runs once per trace)."""

    traces = 0

    def train_step(self, data):
        type(self).traces += 1
        return super().train_step(data)


def test_a_fresh_model_traces_its_step_once_and_trains_like_stock():
    # Keras builds the optimizer and the metrics inside the first trace, and
    # tf.function traces a function that created variables twice.
    rng = np.random.default_rng(3)
    x, y = rng.random((200, 12), dtype=np.float32), rng.integers(0, 10, 200)
    ours, stock = CountingTraces(hidden_units=(16,)), sequential_twin((16,))
    stock.build((None, 12))
    ours.build((None, 12))
    ours.set_weights(stock.get_weights())
    ours.compile()
    stock.compile(
        optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"]
    )
    history = ours.fit(x, y, epochs=2, batch_size=64, shuffle=False, verbose=0).history
    assert CountingTraces.traces == 1
    assert ours.optimizer.built
    stock_history = stock.fit(x, y, epochs=2, batch_size=64, shuffle=False, verbose=0).history
    np.testing.assert_allclose(history["loss"], stock_history["loss"], rtol=1e-5)
    np.testing.assert_allclose(history["accuracy"], stock_history["accuracy"], rtol=1e-6)


@pytest.mark.slow
@pytest.mark.skipif(bool(tf.config.list_physical_devices("GPU")), reason="with a GPU, Keras's auto turns XLA on")
def test_xla_compiles_fits_long_enough_to_repay_it_unless_told():
    rng = np.random.default_rng(4)
    x, y = rng.random((64, 12), dtype=np.float32), rng.integers(0, 10, 64)

    def trained(jit_compile, epochs):
        keras.utils.set_random_seed(0)
        model = MLPClassifier(hidden_units=(16,))
        model.xla_after_steps = 40  # 8 steps an epoch: fits of 5 epochs or more
        model.compile(**({} if jit_compile == "default" else {"jit_compile": jit_compile}))
        history = model.fit(x, y, epochs=epochs, batch_size=8, shuffle=False, verbose=0).history
        return model, history["loss"]

    short, short_loss = trained("default", 4)
    long, long_loss = trained("default", 5)
    assert (short.jit_compile, long.jit_compile) == (False, True)
    # The same arithmetic, fused by XLA or not.
    np.testing.assert_allclose(long_loss[:4], short_loss, rtol=1e-5)
    assert trained(False, 5)[0].jit_compile is False
    assert trained(True, 4)[0].jit_compile is True
    # A later short fit of the same model drops XLA again, and still trains.
    loss = long.fit(x, y, epochs=1, batch_size=8, verbose=0).history["loss"]
    assert not long.jit_compile and loss[0] < long_loss[0]
