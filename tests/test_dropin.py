"""TapeModel as a drop-in for keras.Model: every way Keras builds a model, every structure fit takes."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from test_tape_model import assert_same_training

import keras_tape
from keras_tape import TapeModel
from keras_tape.callbacks import GradientLogger

_inputs = keras.Input((1,))
Functional = type(keras.Model(_inputs, _inputs))  # the class of stock functional models


def guide_graph():
    """The Keras guide's two-input, two-output model (smaller shapes), as (inputs, outputs)."""
    image = keras.Input(shape=(8, 8, 3), name="img_input")
    series = keras.Input(shape=(6, 4), name="ts_input")
    x1 = keras.layers.GlobalMaxPooling2D()(keras.layers.Conv2D(3, 3)(image))
    x2 = keras.layers.GlobalMaxPooling1D()(keras.layers.Conv1D(3, 3)(series))
    x = keras.layers.concatenate([x1, x2])
    score = keras.layers.Dense(1, name="score_output")(x)
    classes = keras.layers.Dense(5, name="class_output")(x)
    return [image, series], [score, classes]


def guide_data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.normal(size=(n, 8, 8, 3)).astype("float32")
    series = rng.normal(size=(n, 6, 4)).astype("float32")
    scores = rng.normal(size=(n, 1)).astype("float32")
    classes = np.eye(5, dtype="float32")[rng.integers(0, 5, n)]
    return images, series, scores, classes


def guide_twins(**compile_kwargs):
    stock = keras.Model(*guide_graph())
    ours = TapeModel(*guide_graph())
    ours.set_weights(stock.get_weights())
    for model in (stock, ours):
        model.compile(
            optimizer=keras.optimizers.SGD(0.05),
            loss=[keras.losses.MeanSquaredError(), keras.losses.CategoricalCrossentropy(from_logits=True)],
            loss_weights=[1.0, 0.5],
            metrics=[[], ["accuracy"]],
            **compile_kwargs,
        )
    return ours, stock


# -- every way Keras builds a model ----------------------------------------------------------


def test_functional_positional_and_keyword_leave_every_class_untouched():
    inputs, outputs = guide_graph()
    positional = TapeModel(inputs, outputs, name="guide", skip_nonfinite_steps=True)
    keyword = TapeModel(inputs=inputs, outputs=outputs)
    assert positional.name == "guide" and positional.skip_nonfinite_steps
    assert isinstance(keyword, TapeModel) and [layer.name for layer in keyword.layers] == [
        layer.name for layer in positional.layers
    ]
    # Keras makes a subclass functional by rewriting its bases; ours are never touched,
    # so the subclassed models still construct and train afterwards.
    assert Functional not in TapeModel.__mro__
    line = keras_tape.models.LinearRegression()
    line.compile()
    x = np.linspace(0, 1, 20)
    line.fit(x, 3 * x + 1, epochs=60, batch_size=20, verbose=0)
    np.testing.assert_allclose([line.coef[0], line.intercept], [3.0, 1.0], atol=1e-3)


@keras.saving.register_keras_serializable(package="tests")
class GuideModel(TapeModel):
    """The guide's way: a subclass that only changes the step, built as `GuideModel(inputs, outputs)`."""


class SelfBuilt(TapeModel):
    """A subclass that makes its own graph and passes (inputs, outputs) to `super().__init__`."""

    def __init__(self, **kwargs):
        inputs = keras.Input(shape=(3,))
        super().__init__(inputs, keras.layers.Dense(1)(inputs), **kwargs)


def test_subclasses_built_functionally_keep_their_class_and_train_like_stock():
    x = np.random.default_rng(0).normal(size=(24, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], "float32")
    guide = GuideModel(*guide_graph())
    own = SelfBuilt()
    assert isinstance(guide, GuideModel) and isinstance(own, SelfBuilt)
    assert GuideModel.__bases__ == (TapeModel,) and SelfBuilt.__bases__ == (TapeModel,)
    assert Functional not in TapeModel.__mro__
    stock = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    stock.set_weights(own.get_weights())
    for model in (own, stock):
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    assert_same_training(own, stock, x=x, y=y, epochs=3, batch_size=8)


@pytest.mark.slow
def test_functional_model_saves_loads_clones_and_restores_from_checkpoint(tmp_path):
    images, series, scores, classes = guide_data()
    model = GuideModel(*guide_graph(), skip_nonfinite_steps=True)
    model.compile(optimizer="adam", loss=["mse", keras.losses.CategoricalCrossentropy(from_logits=True)])
    checkpoint = keras.callbacks.ModelCheckpoint(tmp_path / "best.keras")
    model.fit([images, series], [scores, classes], epochs=2, batch_size=16, verbose=0, callbacks=[checkpoint])
    expected = model.predict([images, series], verbose=0)

    model.save(tmp_path / "m.keras")
    for path in (tmp_path / "m.keras", tmp_path / "best.keras"):
        loaded = keras.models.load_model(path, safe_mode=True)
        assert isinstance(loaded, GuideModel) and loaded.skip_nonfinite_steps
        for got, want in zip(loaded.predict([images, series], verbose=0), expected):
            np.testing.assert_allclose(got, want, atol=1e-6)
        loaded.fit([images, series], [scores, classes], epochs=1, verbose=0)  # optimizer state restored

    # Keras clones a functional model through its constructor's (inputs, outputs, name) alone.
    clone = keras.models.clone_model(model)
    assert isinstance(clone, GuideModel)
    clone.set_weights(model.get_weights())
    for got, want in zip(clone.predict([images, series], verbose=0), expected):
        np.testing.assert_allclose(got, want, atol=1e-6)


# -- every structure Keras accepts -----------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("structure", ["list", "tuple", "dict"])
def test_multi_input_multi_output_fits_like_stock(structure):
    images, series, scores, classes = guide_data()
    ours, stock = guide_twins()
    if structure == "dict":
        x = {"img_input": images, "ts_input": series}
        y = {"score_output": scores, "class_output": classes}
    else:
        pack = list if structure == "list" else tuple
        x, y = pack([images, series]), pack([scores, classes])
    history = assert_same_training(ours, stock, x=x, y=y, epochs=2, batch_size=16, validation_split=0.25)
    assert {"loss", "score_output_loss", "class_output_accuracy", "val_loss"} <= set(history)


@pytest.mark.slow
def test_per_output_sample_weights_fit_like_stock():
    images, series, scores, classes = guide_data()
    rng = np.random.default_rng(3)
    weights = [rng.uniform(0.1, 2, len(images)).astype("float32"), rng.uniform(0.1, 2, len(images)).astype("float32")]
    ours, stock = guide_twins()
    assert_same_training(
        ours,
        stock,
        x=[images, series],
        y=[scores, classes],
        sample_weight=weights,
        epochs=2,
        batch_size=16,
        validation_data=([images[:8], series[:8]], [scores[:8], classes[:8]]),
    )


def test_string_inputs_train_like_stock():
    words = np.array([["red"], ["green"], ["blue"], ["green"], ["red"], ["blue"]] * 4)
    targets = (words[:, 0] == "green").astype("float32")[:, None]

    def graph():
        inputs = keras.Input(shape=(1,), dtype="string")
        ids = keras.layers.StringLookup(vocabulary=["red", "green", "blue"], output_mode="one_hot")(inputs)
        return inputs, keras.layers.Dense(1)(ids)

    stock, ours = keras.Model(*graph()), TapeModel(*graph())
    ours.set_weights(stock.get_weights())
    for model in (ours, stock):
        model.compile(optimizer=keras.optimizers.SGD(0.2), loss="mse")
    history = assert_same_training(ours, stock, x=tf.constant(words), y=targets, epochs=3, batch_size=8)
    assert history["loss"][-1] < history["loss"][0]


class CountingDropout(keras.layers.Layer):
    """The Keras intro guide's seeded dropout, which also counts its calls."""

    def __init__(self, rate, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate
        self.seed_generator = keras.random.SeedGenerator(1337)
        self.calls = 0

    def call(self, inputs):
        self.calls += 1
        return keras.random.dropout(inputs, self.rate, seed=self.seed_generator)


def test_seeded_layers_see_the_calls_and_random_draws_of_stock():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 6)).astype("float32")
    y = rng.normal(size=(32, 1)).astype("float32")
    results = []
    for model_class in (keras.Model, TapeModel):
        keras.utils.set_random_seed(5)
        inputs = keras.Input((6,))
        dropout = CountingDropout(0.5)
        outputs = keras.layers.Dense(1, kernel_initializer="ones")(
            dropout(keras.layers.Dense(4, kernel_initializer="ones")(inputs))
        )
        model = model_class(inputs, outputs)
        model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
        calls_before = dropout.calls
        history = model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0).history
        drawn_after = keras.random.uniform((3,)).numpy()
        results.append((history["loss"], dropout.calls - calls_before, drawn_after))
    (stock_loss, stock_calls, stock_draw), (our_loss, our_calls, our_draw) = results
    np.testing.assert_allclose(our_loss, stock_loss, rtol=1e-6)
    assert our_calls == stock_calls
    np.testing.assert_array_equal(our_draw, stock_draw)


# -- any existing model gets the explicit step ---------------------------------------------


@pytest.mark.slow
def test_from_model_shares_weights_trains_like_stock_and_round_trips(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(48, 5)).astype("float32")
    y = rng.integers(0, 3, 48)
    sequential = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(3)])
    reference = keras.models.clone_model(sequential)
    reference.set_weights(sequential.get_weights())
    for model in (sequential, reference):
        model.compile(
            optimizer=keras.optimizers.SGD(0.1),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )

    tape = TapeModel.from_model(sequential)
    assert tape.compiled and [v.path for v in tape.trainable_variables] == [
        v.path for v in sequential.trainable_variables
    ]
    logger = GradientLogger(tmp_path / "logs", histogram_freq=0)
    h_tape = tape.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0, callbacks=[logger]).history
    h_stock = reference.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0).history
    np.testing.assert_allclose(h_tape["loss"], h_stock["loss"], rtol=1e-5)
    for shared, tape_weight, stock_weight in zip(sequential.get_weights(), tape.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(shared, tape_weight)  # training one trained the other
        np.testing.assert_allclose(tape_weight, stock_weight, atol=1e-5)
    assert (tmp_path / "logs" / "train").is_dir()

    tape.save(tmp_path / "tape.keras")
    loaded = keras.models.load_model(tmp_path / "tape.keras", safe_mode=True)
    assert isinstance(loaded, TapeModel)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), sequential.predict(x, verbose=0), atol=1e-6)


def test_from_model_refuses_what_it_cannot_wrap():
    with pytest.raises(TypeError, match=r"`model` must be a keras.Model.*got 'str'"):
        TapeModel.from_model("model.keras")
    with pytest.raises(ValueError, match=r"`model` .* not built"):
        TapeModel.from_model(keras.Sequential([keras.layers.Dense(1)]))


def test_gradient_logger_on_a_stock_model_names_the_way_out(tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(TypeError, match=r"TapeModel\.from_model\(model\)"):
        model.fit(np.zeros((4, 2)), np.zeros(4), verbose=0, callbacks=[GradientLogger(tmp_path)])
