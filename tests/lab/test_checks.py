"""The exercise checks: right answers pass, wrong ones fail saying how, against independent references."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_tape import lab, models


def test_check_derivative_against_the_closed_form():
    # d/dx x^2 sin x = 2x sin x + x^2 cos x, at x = 1.
    exact = 2 * np.sin(1.0) + np.cos(1.0)
    check = lab.check_derivative(exact, lambda x: x**2 * tf.sin(x), 1.0)
    assert check and check.passed
    assert check.message.startswith("✅ Correcto")
    assert not lab.check_derivative(exact + 0.01, lambda x: x**2 * tf.sin(x), 1.0)


def cube(x):
    return x**3


@pytest.mark.parametrize(
    "answer, f, x, order, right",
    [
        (75, cube, 5.0, 1, True),
        (74.9, cube, 5.0, 1, False),
        (18.0, cube, 3.0, 2, True),
        (48, lambda x: x**4, 2.0, 2, True),
        ([3.0, 12.0], cube, [1.0, 2.0], 1, True),  # elementwise: 3x^2 at each x
    ],
)
def test_check_derivative_of_the_labs_functions(answer, f, x, order, right):
    assert bool(lab.check_derivative(answer, f, x, order=order)) is right


def test_a_wrong_answer_says_what_was_expected_in_each_language():
    spanish = lab.check_derivative(70, lambda x: x**3, 5.0)
    english = lab.check_derivative(70, lambda x: x**3, 5.0, lang="en")
    assert spanish.message == "❌ Todavía no: la derivada de orden 1 en x = 5 es 75, tu respuesta es 70."
    assert english.message == "❌ Not yet: the order-1 derivative at x = 5 is 75, your answer is 70."
    assert repr(english) == str(english) == english.message
    assert english.expected == pytest.approx(75.0)


def test_no_answer_yet_is_not_an_error():
    check = lab.check_derivative(None, lambda x: x**3, 5.0, lang="en")
    assert not check
    assert check.message == "✍️ No answer yet. The order-1 derivative at x = 5: replace None with your value."
    assert "75" not in check.message


def test_an_answer_of_the_wrong_shape_or_type_fails_politely():
    assert "shape" in lab.check_gradient([1.0, 2.0, 3.0], lambda w: tf.reduce_sum(w**2), [1.0, 2.0], lang="en").message
    assert not lab.check_derivative("seventy-five", lambda x: x**3, 5.0)


def test_check_gradient_against_the_closed_form():
    # f(w) = w0^2 w1: gradient (2 w0 w1, w0^2) = (12, 9) at (3, 2).
    assert lab.check_gradient([12.0, 9.0], lambda w: w[0] ** 2 * w[1], [3.0, 2.0])
    assert not lab.check_gradient([9.0, 12.0], lambda w: w[0] ** 2 * w[1], [3.0, 2.0])


def test_check_least_squares_against_numpy_polyfit():
    rng = np.random.default_rng(0)
    x = np.linspace(0, 10, 40)
    y = 6 * x**2 + 8 * x + 2 + rng.normal(scale=5.0, size=x.shape)
    quadratic = np.polyfit(x, y, 2)[::-1]
    assert lab.check_least_squares(quadratic, x, y)
    assert lab.check_least_squares(quadratic * (1 + 5e-4), x, y)
    assert not lab.check_least_squares([2.0, 8.0, 6.0], x, y)  # the truth is not the noisy optimum
    line = np.polyfit(x, y, 1)[::-1]
    assert lab.check_least_squares(list(line), x, y)  # the degree follows the answer's length
    assert "None" in lab.check_least_squares(None, x, y, lang="en").message


def test_check_value_tolerances():
    assert lab.check_value(1.0001, 1.0, "x", rtol=1e-3)
    assert not lab.check_value(1.01, 1.0, "x", rtol=1e-3)
    with pytest.raises(ValueError, match="`lang` must be one of 'es', 'en', got 'fr'"):
        lab.check_value(1.0, 1.0, "x", lang="fr")
    with pytest.raises(TypeError, match="`what` must be a string"):
        lab.check_value(1.0, 1.0, 3)


def test_check_accuracy_counts_like_numpy():
    # Logits are the inputs themselves: the prediction is each row's argmax.
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, use_bias=False, kernel_initializer="identity")])
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 3)).astype("float32")
    y = rng.integers(0, 3, size=50)
    accuracy = float(np.mean(x.argmax(axis=1) == y))
    check = lab.check_accuracy(model, x, y, minimum=accuracy, lang="en")
    assert check and check.expected == pytest.approx(accuracy)
    assert not lab.check_accuracy(model, x, np.eye(3)[y], minimum=accuracy + 0.01)
    with pytest.raises(ValueError, match=r"`minimum` must be an accuracy in \[0, 1\], got 97"):
        lab.check_accuracy(model, x, y, minimum=97)


# -- check_train_step ---------------------------------------------------------------


@pytest.fixture
def line():
    x = np.linspace(0.0, 10.0, 32).astype("float32")
    return x, (6.12 * x + 1.35).astype("float32")


def trained_line(x, y, momentum=0.9):
    model = models.LinearRegression()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=momentum))
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)  # weights and momentum away from zero
    return model


def plain_step(model, x, y, sign=1.0, scale=1.0):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x, training=True)[:, 0] - y) ** 2)
    gradients = tape.gradient(loss, model.trainable_variables)
    model.optimizer.apply([sign * scale * g for g in gradients], model.trainable_variables)
    return loss


def state(model):
    return [v.numpy().copy() for v in model.variables + model.optimizer.variables]


def test_a_plain_tape_step_matches_the_reference_and_leaves_the_model_as_it_was(line):
    model = trained_line(*line)
    before = state(model)
    check = lab.check_train_step(plain_step, model, line, lang="en")
    assert check, check.message
    assert check.message.startswith("✅ Correct: your step leaves the 2 weights")
    for old, new in zip(before, state(model)):
        np.testing.assert_array_equal(old, new)
    # The reference loss is the batch's MSE, computed here by numpy.
    x, y = line
    prediction = model.coef[0] * x + model.intercept
    assert check.expected == pytest.approx(np.mean((prediction - y) ** 2), rel=1e-4)


@pytest.mark.parametrize(
    "step, message",
    [
        (lambda m, x, y: plain_step(m, x, y, sign=-1.0), "uphill"),
        (lambda m, x, y: plain_step(m, x, y, scale=0.5), "0.5 times the reference step"),
        (lambda m, x, y: None, "left the weights unchanged"),
        (lambda m, x, y: plain_step(m, x, y) * 2.0, "your step returns the loss"),
    ],
)
def test_a_wrong_step_is_told_what_is_wrong(line, step, message):
    # Plain SGD: a step's change is the gradient times the rate, so sign and scale show.
    check = lab.check_train_step(step, trained_line(*line, momentum=0.0), line, lang="en")
    assert not check
    assert message in check.message


def test_a_model_at_its_minimum_cannot_judge_a_step(line):
    x, y = line
    model = models.LinearRegression()
    model.compile()
    model.fit(x, y, epochs=200, batch_size=len(x), verbose=0)  # at least squares: the gradient is 0
    check = lab.check_train_step(lambda m, x, y: None, model, line, lang="en")
    assert not check
    assert check.message.startswith("⚠️ The reference step does not move the weights")


def test_a_step_on_another_loss_names_the_variable_furthest_off(line):
    def mae_step(model, x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.abs(model(x, training=True)[:, 0] - y))
        model.optimizer.apply(tape.gradient(loss, model.trainable_variables), model.trainable_variables)

    check = lab.check_train_step(mae_step, trained_line(*line), line)
    assert not check
    assert check.message.startswith("❌ Tu paso deja") and "TapeModel.train_step" in check.message


@pytest.mark.slow
def test_an_mlp_step_with_adam_and_integer_labels():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(32, 6)).astype("float32")
    y = (x[:, 0] > 0).astype("int32") + (x[:, 1] > 0.5).astype("int32")
    model = models.MLPClassifier(hidden_units=(8,), num_classes=3)
    model.compile()  # Adam, sparse cross-entropy on logits
    model.fit(x, y, epochs=1, verbose=0)

    def step(model, x, y):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True))
        model.optimizer.apply(tape.gradient(loss, model.trainable_variables), model.trainable_variables)
        return loss

    before = state(model)
    assert lab.check_train_step(step, model, (x, y))
    for old, new in zip(before, state(model)):
        np.testing.assert_array_equal(old, new)


def test_an_error_in_the_students_step_propagates_and_the_model_is_restored(line):
    model = trained_line(*line)
    before = state(model)

    def broken(model, x, y):
        plain_step(model, x, y)
        raise ZeroDivisionError("oops")

    with pytest.raises(ZeroDivisionError):
        lab.check_train_step(broken, model, line)
    for old, new in zip(before, state(model)):
        np.testing.assert_array_equal(old, new)


def test_check_train_step_argument_errors(line):
    model = models.LinearRegression()
    with pytest.raises(ValueError, match="`model` must be compiled"):
        lab.check_train_step(plain_step, model, line)
    with pytest.raises(TypeError, match="`model` must be a keras_tape.TapeModel, got a Sequential"):
        lab.check_train_step(plain_step, keras.Sequential([keras.layers.Dense(1)]), line)
    model.compile()
    with pytest.raises(TypeError, match="`student_step` must be a function"):
        lab.check_train_step("step", model, line)
    with pytest.raises(TypeError, match=r"`batch` must be a tuple \(x, y\)"):
        lab.check_train_step(plain_step, model, line[0])
