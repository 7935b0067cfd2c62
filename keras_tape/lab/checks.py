"""Checks for the lab's exercises: a student's answer against what the tape computes.

Each `check_*` function compares an answer with an independent reference
(the tape's derivative, numpy's least squares, the reference
`TapeModel.train_step` on the same weights and batch) and returns a `Check`:
true when the answer is right, shown in a notebook as one line saying what
was expected and, when the answer is wrong, a hint at the usual mistake.
Messages are in Spanish (`lang="es"`, the lab's language) or English
(`lang="en"`). A check never raises for a wrong or missing answer (`None`
means "not answered yet"), so a notebook runs top to bottom before the
student has written anything; it raises only for arguments it cannot use.

Example:

```python
from keras_tape import lab

lab.check_derivative(75.0, lambda x: x**3, 5.0)            # ✅ Correcto ...
lab.check_derivative(70.0, lambda x: x**3, 5.0, lang="en")  # ❌ Not yet ...
```
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from keras_tape import _validation, autodiff

_LANGUAGES = ("es", "en")

_MESSAGES = {
    "right": {"es": "✅ Correcto: {what} es {expected}.", "en": "✅ Correct: {what} is {expected}."},
    "wrong": {
        "es": "❌ Todavía no: {what} es {expected}, tu respuesta es {answer}.",
        "en": "❌ Not yet: {what} is {expected}, your answer is {answer}.",
    },
    "missing": {
        "es": "✍️ Sin respuesta todavía. {what_capitalized}: cambia None por tu valor.",
        "en": "✍️ No answer yet. {what_capitalized}: replace None with your value.",
    },
    "shape": {
        "es": "❌ Todavía no: {what} tiene forma {expected}, tu respuesta tiene forma {answer}.",
        "en": "❌ Not yet: {what} has shape {expected}, your answer has shape {answer}.",
    },
    "unchanged": {
        "es": "❌ Tu paso no cambió los pesos: ¿aplicaste los gradientes con model.optimizer.apply?",
        "en": "❌ Your step left the weights unchanged: did you apply the gradients with model.optimizer.apply?",
    },
    "sign": {
        "es": "❌ Tu paso movió los pesos cuesta arriba: ¿restaste el gradiente, o sumaste?",
        "en": "❌ Your step moved the weights uphill: did you add the gradient instead of subtracting it?",
    },
    "scale": {
        "es": "❌ Tu paso va en la dirección correcta pero mide {ratio:.3g} veces el de referencia: "
        "¿la tasa de aprendizaje, o una pérdida sumada en vez de promediada?",
        "en": "❌ Your step points the right way but is {ratio:.3g} times the reference step: "
        "the learning rate, or a loss summed instead of averaged?",
    },
    "step": {
        "es": "❌ Tu paso deja {variable} a {difference:.3g} (máximo) de lo que deja "
        "TapeModel.train_step; la pérdida de referencia es {loss:.6g}.",
        "en": "❌ Your step leaves {variable} {difference:.3g} (at most) from where "
        "TapeModel.train_step leaves it; the reference loss is {loss:.6g}.",
    },
    "still": {
        "es": "⚠️ El paso de referencia no mueve los pesos (el modelo ya está en un mínimo), así que "
        "no distingue un paso de otro: compruébalo en un modelo recién creado.",
        "en": "⚠️ The reference step does not move the weights (the model is already at a minimum), so "
        "it cannot tell one step from another: check on a freshly made model.",
    },
    "step_loss": {
        "es": "❌ Los pesos coinciden, pero tu paso devuelve la pérdida {answer:.6g}; la de referencia es {loss:.6g}.",
        "en": "❌ The weights match, but your step returns the loss {answer:.6g}; the reference loss is {loss:.6g}.",
    },
    "step_right": {
        "es": "✅ Correcto: tu paso deja los {count} pesos donde los deja TapeModel.train_step (pérdida {loss:.6g}).",
        "en": "✅ Correct: your step leaves the {count} weights where TapeModel.train_step leaves them "
        "(loss {loss:.6g}).",
    },
    "accuracy_right": {
        "es": "✅ Correcto: exactitud {accuracy:.2%} ≥ {minimum:.2%} en {count} ejemplos.",
        "en": "✅ Correct: accuracy {accuracy:.2%} ≥ {minimum:.2%} on {count} examples.",
    },
    "accuracy_wrong": {
        "es": "❌ Todavía no: exactitud {accuracy:.2%} en {count} ejemplos; el objetivo es {minimum:.2%}.",
        "en": "❌ Not yet: accuracy {accuracy:.2%} on {count} examples; the target is {minimum:.2%}.",
    },
}

_NAMES = {
    "derivative": {"es": "la derivada de orden {order} en x = {x}", "en": "the order-{order} derivative at x = {x}"},
    "gradient": {"es": "el gradiente en {x}", "en": "the gradient at {x}"},
    "coefficients": {
        "es": "los coeficientes de mínimos cuadrados (c0, c1, ...)",
        "en": "the least-squares coefficients (c0, c1, ...)",
    },
}


@dataclasses.dataclass(frozen=True, repr=False)
class Check:
    """The outcome of an exercise check: whether the answer is right, and a message saying so.

    True in a boolean context when the answer is right; a notebook shows its
    message, and `print` prints it.

    Attributes:
        passed: whether the answer is right.
        message: one line for the student, in the language asked for.
        expected: the reference value the answer was compared with.

    Example:

    ```python
    check = lab.check_derivative(75.0, lambda x: x**3, 5.0, lang="en")
    assert check, check.message
    ```
    """

    passed: bool
    message: str
    expected: Any = None

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return self.message

    def _repr_markdown_(self) -> str:
        return self.message


def check_value(
    answer: Any, expected: Any, what: str, *, rtol: float = 1e-4, atol: float = 1e-6, lang: str = "es"
) -> Check:
    """Checks a number or array against the expected one, to a relative tolerance.

    Args:
        answer: the student's value (a number, list or array), or None when
            not answered yet.
        expected: the right value.
        what: what the value is, named in the message (in `lang`).
        rtol: relative tolerance, as in `numpy.allclose`.
        atol: absolute tolerance, as in `numpy.allclose`.
        lang: `"es"` or `"en"`.

    Returns:
        A `Check`.

    Example:

    ```python
    lab.check_value(slope, 1.322431, "la pendiente", rtol=1e-3)
    ```
    """
    lang = _validation.check_choice(lang, "lang", _LANGUAGES)
    if not isinstance(what, str):
        raise TypeError(f"`what` must be a string naming the value, got {what!r}.")
    rtol = _validation.check_float(rtol, "rtol", minimum=0.0)
    atol = _validation.check_float(atol, "atol", minimum=0.0)
    expected_array = np.asarray(_numpy(expected), dtype="float64")
    shown = _format(expected_array)
    if answer is None:
        return Check(False, _say("missing", lang, what_capitalized=what[:1].upper() + what[1:]), expected)
    try:
        answer_array = np.asarray(_numpy(answer), dtype="float64")
    except (TypeError, ValueError):
        return Check(False, _say("wrong", lang, what=what, expected=shown, answer=repr(answer)), expected)
    if answer_array.shape != expected_array.shape and answer_array.size != expected_array.size:
        return Check(
            False, _say("shape", lang, what=what, expected=expected_array.shape, answer=answer_array.shape), expected
        )
    answer_array = answer_array.reshape(expected_array.shape)
    if np.allclose(answer_array, expected_array, rtol=rtol, atol=atol):
        return Check(True, _say("right", lang, what=what, expected=shown), expected)
    return Check(False, _say("wrong", lang, what=what, expected=shown, answer=_format(answer_array)), expected)


def check_derivative(
    answer: Any, f: Callable, x: Any, *, order: int = 1, lang: str = "es", rtol: float = 1e-4
) -> Check:
    """Checks a derivative worked out by hand against the one the tape computes.

    The reference is `keras_tape.autodiff.derivative(f, x, order)`: `order`
    nested gradient tapes. For a vector `x`, `f` acts elementwise and the
    answer holds the derivative at each element.

    Args:
        answer: the student's derivative, or None when not answered yet.
        f: the function, of one tensor (e.g. `lambda x: x**3`).
        x: the point(s), a number or a 1-D list or array.
        order: 1 for the first derivative, 2 for the second, ...
        lang: `"es"` or `"en"`.
        rtol: relative tolerance of the comparison.

    Returns:
        A `Check`.

    Example:

    ```python
    lab.check_derivative(18.0, lambda x: x**3, 3.0, order=2)  # ✅ Correcto ...
    ```
    """
    lang = _validation.check_choice(lang, "lang", _LANGUAGES)
    expected = _numpy(autodiff.derivative(f, _float32(x), order=order))
    what = _NAMES["derivative"][lang].format(order=order, x=_format(np.asarray(x)))
    return check_value(answer, expected, what, rtol=rtol, lang=lang)


def check_gradient(answer: Any, f: Callable, x: Any, *, lang: str = "es", rtol: float = 1e-4) -> Check:
    """Checks the gradient of a scalar function, worked out by hand, against the tape's.

    Args:
        answer: the student's gradient (one entry per entry of `x`), or None.
        f: a function of one tensor returning a scalar (e.g.
            `lambda w: tf.reduce_sum(w**2)`).
        x: the point, a number, list or array.
        lang: `"es"` or `"en"`.
        rtol: relative tolerance of the comparison.

    Returns:
        A `Check`.

    Example:

    ```python
    lab.check_gradient([2.0, 4.0], lambda w: tf.reduce_sum(w**2), [1.0, 2.0], lang="en")
    ```
    """
    lang = _validation.check_choice(lang, "lang", _LANGUAGES)
    expected = _numpy(autodiff.gradient(f, _float32(x)))
    what = _NAMES["gradient"][lang].format(x=_format(np.asarray(x)))
    return check_value(answer, expected, what, rtol=rtol, lang=lang)


def check_least_squares(answer: Any, x: Any, y: Any, *, lang: str = "es", rtol: float = 1e-3) -> Check:
    """Checks fitted polynomial coefficients against numpy's closed-form least squares.

    The degree is the answer's length minus one: two coefficients for a
    line, `(intercept, slope)`, three for a parabola.

    Args:
        answer: coefficients in ascending powers `(c0, c1, ..., cd)`, as
            `PolynomialRegression.coef` gives them, or None.
        x: the 1-D inputs the model was fitted on.
        y: the 1-D targets.
        lang: `"es"` or `"en"`.
        rtol: relative tolerance of the comparison.

    Returns:
        A `Check`.

    Example:

    ```python
    lab.check_least_squares([model.intercept, *model.coef], x, y)
    ```
    """
    lang = _validation.check_choice(lang, "lang", _LANGUAGES)
    x = _validation.check_array(x, "x", ndim=(1,), dtype="float64")
    y = _validation.check_array(y, "y", ndim=(1,), dtype="float64")
    _validation.check_same_length(x=x, y=y)
    what = _NAMES["coefficients"][lang]
    if answer is None:
        return check_value(None, np.zeros(2), what, lang=lang)
    degree = max(np.asarray(_numpy(answer), dtype="float64").size - 1, 1)
    expected = np.polynomial.Polynomial.fit(x, y, deg=degree).convert().coef
    # Coefficients near zero (a cubic term on quadratic data) are judged against the largest one.
    return check_value(answer, expected, what, rtol=rtol, atol=rtol * float(np.abs(expected).max()), lang=lang)


def check_accuracy(model: keras.Model, x: Any, y: Any, minimum: float, *, lang: str = "es") -> Check:
    """Checks that a classifier's accuracy on `(x, y)` reaches `minimum`.

    Args:
        model: a trained classifier whose output has one logit (or score)
            per class.
        x: inputs.
        y: integer labels, shape `(n,)`, or one-hot rows.
        minimum: the accuracy to reach, in [0, 1].
        lang: `"es"` or `"en"`.

    Returns:
        A `Check` whose `expected` is the accuracy reached.

    Example:

    ```python
    lab.check_accuracy(model, x_test, y_test, minimum=0.95)
    ```
    """
    lang = _validation.check_choice(lang, "lang", _LANGUAGES)
    minimum = _validation.check_float(minimum, "minimum", minimum=0.0)
    if minimum > 1:
        raise ValueError(f"`minimum` must be an accuracy in [0, 1], got {minimum}.")
    labels = np.asarray(y)
    if labels.ndim > 1:
        labels = labels.argmax(axis=-1)
    predicted = np.asarray(model.predict(x, verbose=0)).argmax(axis=-1)
    _validation.check_same_length(x=predicted, y=labels)
    accuracy = float(np.mean(predicted == labels))
    key = "accuracy_right" if accuracy >= minimum else "accuracy_wrong"
    return Check(accuracy >= minimum, _say(key, lang, accuracy=accuracy, minimum=minimum, count=len(labels)), accuracy)


def check_train_step(
    student_step: Callable, model: keras.Model, batch: tuple, *, lang: str = "es", rtol: float = 1e-4
) -> Check:
    """Checks a hand-written training step against `TapeModel.train_step` on the same weights and batch.

    Runs the reference step (`model.train_step(batch)`: forward pass under
    a tape, compiled loss, gradient, optimizer update) and then, from the
    same weights and optimizer state, `student_step(model, x, y)`, and
    compares the weights each leaves, and the loss if the student's step
    returns one. The model is left as it was (weights, optimizer state and
    metrics), whatever happens; an error in the student's step propagates.

    Args:
        student_step: a function `step(model, x, y)` that takes one training
            step on `model` (with `model.optimizer`), optionally returning
            the batch's loss.
        model: a compiled `keras_tape.TapeModel` (e.g. `LinearRegression`).
        batch: the batch `(x, y)`.
        lang: `"es"` or `"en"`.
        rtol: relative tolerance on each weight's change.

    Returns:
        A `Check` whose `expected` is the reference loss.

    Example:

    ```python
    def my_step(model, x, y):
        with tf.GradientTape() as tape:
            loss = keras.losses.mean_squared_error(y, model(x, training=True)[:, 0])
        gradients = tape.gradient(loss, model.trainable_variables)
        model.optimizer.apply(gradients, model.trainable_variables)
        return loss

    lab.check_train_step(my_step, model, (x, y))
    ```
    """
    from keras_tape.tape_model import TapeModel

    lang = _validation.check_choice(lang, "lang", _LANGUAGES)
    if not callable(student_step):
        raise TypeError(
            f"`student_step` must be a function step(model, x, y), got {_validation._describe(student_step)}."
        )
    if not isinstance(model, TapeModel):
        raise TypeError(f"`model` must be a keras_tape.TapeModel, got a {type(model).__name__}.")
    if getattr(model, "optimizer", None) is None or not getattr(model, "compiled", False):
        raise ValueError("`model` must be compiled: call model.compile() before checking a step on it.")
    x, y = _validation.check_data_pair(batch, "batch")
    x, y = tf.constant(x, "float32"), tf.convert_to_tensor(y)
    if not model.built:
        model(x[:1])
    variables = model.trainable_variables
    if not model.optimizer.built:
        model.optimizer.build(variables)
    saved = _snapshot(model)
    try:
        model.reset_metrics()
        reference_loss = float(model.train_step((x, y))["loss"])
        reference = [v.numpy() for v in variables]
        _restore(model, saved)
        student_loss = student_step(model, x, y)
        student = [v.numpy() for v in variables]
    finally:
        _restore(model, saved)
        model.reset_metrics()
    start = saved[0][: len(variables)]
    message = _compare_steps(variables, start, reference, student, rtol, lang, reference_loss)
    if message is None and student_loss is not None:
        answer = float(np.asarray(_numpy(student_loss)).mean())
        if not np.isclose(answer, reference_loss, rtol=rtol, atol=1e-6):
            message = _say("step_loss", lang, answer=answer, loss=reference_loss)
    if message is not None:
        return Check(False, message, reference_loss)
    return Check(True, _say("step_right", lang, count=len(variables), loss=reference_loss), reference_loss)


def _compare_steps(variables, start, reference, student, rtol, lang, loss) -> str | None:
    """None when the student's step lands where the reference does, else the message saying how not."""
    reference_delta = np.concatenate([(r - s).ravel() for r, s in zip(reference, start)])
    student_delta = np.concatenate([(t - s).ravel() for t, s in zip(student, start)])
    weights = max(float(max(np.abs(s).max(initial=0.0) for s in start)), 1.0)
    if not np.abs(reference_delta).max() > 1e-6 * weights:
        return _say("still", lang)
    scale = float(np.abs(reference_delta).max())
    if np.allclose(student_delta, reference_delta, rtol=rtol, atol=rtol * scale):
        return None
    if not np.any(student_delta):
        return _say("unchanged", lang)
    ratio = float(student_delta @ reference_delta) / max(float(reference_delta @ reference_delta), 1e-30)
    if np.allclose(student_delta, ratio * reference_delta, rtol=1e-3, atol=1e-3 * scale):
        return _say("sign" if ratio < 0 else "scale", lang, ratio=ratio)
    differences = [float(np.abs(t - r).max()) for t, r in zip(student, reference)]
    worst = int(np.argmax(differences))
    name = getattr(variables[worst], "path", None) or variables[worst].name
    return _say("step", lang, variable=name, difference=differences[worst], loss=loss)


def _snapshot(model) -> list:
    # Trainable first (the step's start), then every other model and optimizer variable.
    variables = model.trainable_variables + model.non_trainable_variables + model.optimizer.variables
    return [[v.numpy() for v in variables], variables]


def _restore(model, saved) -> None:
    values, variables = saved
    for variable, value in zip(variables, values):
        variable.assign(value)


def _say(key: str, lang: str, **fields) -> str:
    return _MESSAGES[key][lang].format(**fields)


def _numpy(value: Any) -> Any:
    return value.numpy() if hasattr(value, "numpy") else value


def _float32(x):
    return tf.constant(np.asarray(_numpy(x), dtype="float32"))


def _format(array: np.ndarray) -> str:
    array = np.asarray(array)
    if array.ndim == 0:
        return f"{float(array):.6g}"
    return np.array2string(array, precision=6, separator=", ", suppress_small=True)
