"""Writes the lab's notebooks, notebooks/es/*.ipynb and notebooks/en/*.ipynb, from the cells below.

Each cell's code is written once, so both languages run the same code; its
text is given in Spanish and in English. The one code line that differs is
`LANG`, in the parameters cell, which sets the language of the exercise
checks. Edit the cells here, then run `python notebooks/build.py`; the
tests check that the committed notebooks are what this script writes, and
execute every one of them in a fresh kernel. Notebooks are saved without
outputs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

INSTALL = """\
try:
    import keras_tape
except ImportError:  # in Colab, or any Python without it
    %pip install --quiet keras-tape
    import keras_tape"""

INSTALL_TEXT = (
    "Instalamos keras-tape si este Python no lo tiene todavía (en Colab, por ejemplo).",
    "We install keras-tape if this Python does not have it yet (in Colab, say).",
)


def md(es: str, en: str) -> dict:
    return {"kind": "markdown", "es": es, "en": en}


def code(source: str) -> dict:
    return {"kind": "code", "source": source}


def parameters(extra: str = "") -> dict:
    """The cell tagged `parameters`: the language, and what the tests shrink to run fast."""
    return {"kind": "parameters", "source": 'LANG = "{lang}"  # "es" o/or "en": the language of the checks' + extra}


def opening(extra_parameters: str, what: tuple[str, str] = (", y cuántas épocas entrena `fit()`",
                                                             ", and how many epochs `fit()` trains")) -> list[dict]:
    """The cells after the title: install, parameters (with `what` they set), then the imports' sentence."""
    return [
        md(*INSTALL_TEXT),
        code(INSTALL),
        md(f"El idioma de los ejercicios{what[0]}.", f"The language of the exercises{what[1]}."),
        parameters(extra_parameters),
        md("Importamos lo necesario; las figuras se muestran en el cuaderno.", "Imports; figures show inline."),
    ]


# --------------------------------------------------------------------------- 01

TAPE_BASICS = [
    md(
        "# 01 · Conceptos básicos de `tf.GradientTape`\n\n"
        "Qué graba una cinta (`GradientTape`), qué vigila y cómo obtener con ella derivadas primeras, "
        "segundas y jacobianos. Es la primera parte de la práctica, celda a celda, y junto a cada "
        "celda la función de `keras_tape.autodiff` que hace lo mismo.",
        "# 01 · `tf.GradientTape` basics\n\n"
        "What a tape records, what it watches, and how to take first and second derivatives and "
        "Jacobians with it. This is part 1 of the lab, cell by cell, and beside each cell the "
        "`keras_tape.autodiff` function that does the same.",
    ),
    md(*INSTALL_TEXT),
    code(INSTALL),
    md(
        "El idioma de los mensajes de los ejercicios del final.",
        "The language of the messages of the exercises at the end.",
    ),
    parameters(),
    md("Importamos TensorFlow y las utilidades de la práctica.", "We import TensorFlow and the lab's helpers."),
    code("import tensorflow as tf\n\nfrom keras_tape import autodiff, lab"),
    md(
        "## (a) `tape.watch` sobre una constante\n\n"
        "Una cinta solo graba lo que vigila, y una constante no se vigila hasta que se le pide: "
        "d/dx x³ en x = 5 es 3·5² = 75.",
        "## (a) `tape.watch` on a constant\n\n"
        "A tape records only what it watches, and a constant is not watched until we ask: "
        "d/dx x³ at x = 5 is 3·5² = 75.",
    ),
    code(
        "x = tf.constant(5.0)\n"
        "with tf.GradientTape() as tape:\n"
        "    tape.watch(x)\n"
        "    y = x**3\n"
        "tape.gradient(y, x)"
    ),
    md(
        "`autodiff.derivative` vigila su argumento por nosotros.",
        "`autodiff.derivative` watches its argument for us.",
    ),
    code("autodiff.derivative(lambda x: x**3, 5.0)"),
    md(
        "## (b) Las variables entrenables se vigilan solas\n\n"
        "Sin `watch`: d/dx x³ en x = 6 es 108.",
        "## (b) Trainable variables are watched automatically\n\nNo `watch` needed: d/dx x³ at x = 6 is 108.",
    ),
    code("x = tf.Variable(6.0)\nwith tf.GradientTape() as tape:\n    y = x**3\ntape.gradient(y, x)"),
    md("Lo mismo con `autodiff.gradient`.", "The same with `autodiff.gradient`."),
    code("autodiff.gradient(lambda x: x**3, tf.Variable(6.0))"),
    md(
        "## (c) `watch_accessed_variables=False`\n\n"
        "Ahora ni siquiera una variable entrenable se vigila: la cinta no une `y` con `x` y el "
        "gradiente es `None`.",
        "## (c) `watch_accessed_variables=False`\n\n"
        "Now not even a trainable variable is watched: the tape does not link `y` to `x` and the "
        "gradient is `None`.",
    ),
    code(
        "x = tf.Variable(3.0)\n"
        "with tf.GradientTape(watch_accessed_variables=False) as tape:\n"
        "    y = x**3\n"
        "print(tape.gradient(y, x))"
    ),
    md(
        "`autodiff` avisa con un `ValueError` de un gradiente desconectado; `unconnected=\"none\"` "
        "devuelve `None`, como la cinta.",
        "`autodiff` raises a `ValueError` for an unconnected gradient; `unconnected=\"none\"` "
        "returns `None`, as the tape does.",
    ),
    code('print(autodiff.gradient(lambda x: tf.constant(27.0), 3.0, unconnected="none"))'),
    md(
        "## (d) Cintas anidadas: la segunda derivada\n\n"
        "El gradiente interior se calcula dentro del bloque de la cinta exterior, que lo graba y "
        "puede derivarlo otra vez: 6x en x = 3 es 18.",
        "## (d) Nested tapes: the second derivative\n\n"
        "The inner gradient is computed inside the outer tape's block, which records it and can "
        "differentiate it again: 6x at x = 3 is 18.",
    ),
    code(
        "x = tf.Variable(3.0)\n"
        "with tf.GradientTape() as outer_tape:\n"
        "    with tf.GradientTape() as inner_tape:\n"
        "        y = x**3\n"
        "    dy_dx = inner_tape.gradient(y, x)\n"
        "outer_tape.gradient(dy_dx, x)"
    ),
    md(
        "`order=2` anida las dos cintas.",
        "`order=2` nests the two tapes.",
    ),
    code("autodiff.derivative(lambda x: x**3, 3.0, order=2)"),
    md(
        "## (e) `persistent=True`: varios gradientes de una cinta\n\n"
        "Una cinta libera lo grabado tras su primer `gradient`, salvo que sea persistente. "
        "En x = 2, x³ y 3x² tienen ambas derivada 12.",
        "## (e) `persistent=True`: several gradients from one tape\n\n"
        "A tape frees its recording after its first `gradient` call unless it is persistent. "
        "At x = 2, x³ and 3x² both have derivative 12.",
    ),
    code(
        "x = tf.Variable(2.0)\n"
        "with tf.GradientTape(persistent=True) as tape:\n"
        "    y = x**3\n"
        "    z = 3 * x**2\n"
        "print(float(tape.gradient(y, x)), float(tape.gradient(z, x)))\n"
        "del tape  # a persistent tape keeps its recording until deleted"
    ),
    md(
        "Sin `persistent`, el segundo `gradient` falla con un `RuntimeError`.",
        "Without `persistent`, the second `gradient` call fails with a `RuntimeError`.",
    ),
    code(
        "with tf.GradientTape() as tape:\n"
        "    y = x**3\n"
        "    z = 3 * x**2\n"
        "tape.gradient(y, x)\n"
        "try:\n"
        "    tape.gradient(z, x)\n"
        "except RuntimeError as error:\n"
        "    print(type(error).__name__, error)"
    ),
    md(
        "`autodiff.gradient` toma el gradiente de cada función con su propia cinta.",
        "`autodiff.gradient` takes each function's gradient with a tape of its own.",
    ),
    code("[float(autodiff.gradient(f, 2.0)) for f in (lambda x: x**3, lambda x: 3 * x**2)]"),
    md(
        "## (f) `tape.stop_recording()`\n\n"
        "Calcular el gradiente dentro del bloque haría que la cinta grabara también ese cálculo; "
        "`stop_recording` la pausa: 3x² en x = 3 es 27.",
        "## (f) `tape.stop_recording()`\n\n"
        "Taking the gradient inside the block would make the tape record that computation too; "
        "`stop_recording` pauses it: 3x² at x = 3 is 27.",
    ),
    code(
        "x = tf.Variable(3.0)\n"
        "with tf.GradientTape() as tape:\n"
        "    y = x**3\n"
        "    with tape.stop_recording():\n"
        "        dy_dx = tape.gradient(y, x)\n"
        "dy_dx"
    ),
    md(
        "`autodiff.value_and_gradient` devuelve el valor y la derivada de una vez.",
        "`autodiff.value_and_gradient` returns the value and the derivative at once.",
    ),
    code("autodiff.value_and_gradient(lambda x: x**3, 3.0)"),
    md(
        "## (g) `jacobian`, `batch_jacobian`, `reset` y `watched_variables`\n\n"
        "`jacobian` deriva cada elemento de la salida respecto de cada elemento de la entrada; "
        "para y = x² es diag(2x).",
        "## (g) `jacobian`, `batch_jacobian`, `reset` and `watched_variables`\n\n"
        "`jacobian` differentiates every output element with respect to every input element; "
        "for y = x² it is diag(2x).",
    ),
    code("x = tf.Variable([1.0, 2.0, 3.0])\nwith tf.GradientTape() as tape:\n    y = x**2\ntape.jacobian(y, x)"),
    md("Lo mismo con `autodiff.jacobian`.", "The same with `autodiff.jacobian`."),
    code("autodiff.jacobian(lambda x: x**2, [1.0, 2.0, 3.0])"),
    md(
        "`batch_jacobian` da un jacobiano por ejemplo cuando cada fila de la salida depende solo "
        "de su fila de la entrada.",
        "`batch_jacobian` gives one Jacobian per example when each output row depends only on its "
        "own input row.",
    ),
    code(
        "x = tf.constant([[1.0, 2.0], [3.0, 4.0]])\n"
        "with tf.GradientTape() as tape:\n"
        "    tape.watch(x)\n"
        "    y = x**2\n"
        "tape.batch_jacobian(y, x)"
    ),
    md("Lo mismo con `autodiff.batch_jacobian`.", "The same with `autodiff.batch_jacobian`."),
    code("autodiff.batch_jacobian(lambda x: x**2, [[1.0, 2.0], [3.0, 4.0]])"),
    md(
        "`reset` olvida lo grabado, como si empezara una cinta nueva: el gradiente solo ve x² "
        "(2x = 4 en x = 2), no x³ + x² (16).",
        "`reset` forgets the recording, as if a new tape had started: the gradient sees only x² "
        "(2x = 4 at x = 2), not x³ + x² (16).",
    ),
    code(
        "x = tf.Variable(2.0)\n"
        "with tf.GradientTape() as tape:\n"
        "    y = x**3\n"
        "    tape.reset()\n"
        "    y = y + x**2\n"
        "tape.gradient(y, x)"
    ),
    md(
        "`watched_variables` lista lo que la cinta vigiló: las variables entrenables que usó, "
        "no la congelada.",
        "`watched_variables` lists what the tape watched: the trainable variables it used, not the "
        "frozen one.",
    ),
    code(
        'weight = tf.Variable(2.0, name="weight")\n'
        'bias = tf.Variable(1.0, name="bias")\n'
        'frozen = tf.Variable(5.0, name="frozen", trainable=False)\n'
        "with tf.GradientTape() as tape:\n"
        "    y = weight * 3.0 + bias + frozen\n"
        "[v.name for v in tape.watched_variables()]"
    ),
    md(
        "`autodiff.hessian` anida dos cintas sobre un vector: la matriz de segundas derivadas de "
        "Σx³ en (1, 2) es diag(6x).",
        "`autodiff.hessian` nests two tapes over a vector: the matrix of second derivatives of "
        "Σx³ at (1, 2) is diag(6x).",
    ),
    code("autodiff.hessian(lambda x: tf.reduce_sum(x**3), [1.0, 2.0])"),
    md(
        "## Ejercicios\n\n"
        "Calcula a mano, escribe tu resultado en lugar de `None` y ejecuta la celda: "
        "`keras_tape.lab` lo compara con lo que calcula la cinta.\n\n"
        "1. La derivada de f(x) = x² · sin(x) en x = 1.",
        "## Exercises\n\n"
        "Work it out by hand, write your result in place of `None` and run the cell: "
        "`keras_tape.lab` compares it with what the tape computes.\n\n"
        "1. The derivative of f(x) = x² · sin(x) at x = 1.",
    ),
    code("answer_1 = None\nlab.check_derivative(answer_1, lambda x: x**2 * tf.sin(x), 1.0, lang=LANG)"),
    md("2. La segunda derivada de x⁴ en x = 2.", "2. The second derivative of x⁴ at x = 2."),
    code("answer_2 = None\nlab.check_derivative(answer_2, lambda x: x**4, 2.0, order=2, lang=LANG)"),
    md(
        "3. El gradiente de f(w) = w₀² · w₁ en w = (3, 2): una lista con dos números.",
        "3. The gradient of f(w) = w₀² · w₁ at w = (3, 2): a list of two numbers.",
    ),
    code("answer_3 = None\nlab.check_gradient(answer_3, lambda w: w[0] ** 2 * w[1], [3.0, 2.0], lang=LANG)"),
]

# --------------------------------------------------------------------------- 02

LINEAR = [
    md(
        "# 02 · Regresión lineal y la tarea de la práctica\n\n"
        "La tarea: ajustar la recta de la práctica anterior por diferenciación automática y "
        "compararla con el descenso de gradiente que allí se escribió a mano. Tres métodos, una "
        "tabla y un gráfico: mínimos cuadrados, el descenso de la práctica y el modelo de la cinta "
        "entrenado con `fit()`.",
        "# 02 · Linear regression and the lab's task\n\n"
        "The task: fit the previous practice's line by automatic differentiation and compare it "
        "with the gradient descent that practice wrote by hand. Three methods, one table and one "
        "plot: least squares, the practice's descent and the tape model trained with `fit()`.",
    ),
    *opening("\nEPOCHS = 300"),
    code(
        "%matplotlib inline\n"
        "import numpy as np\n"
        "import tensorflow as tf\n\n"
        "import keras_tape.plots\n"
        "from keras_tape import data, lab, models\n"
        "from keras_tape.callbacks import LivePlot\n"
        "from keras_tape.lab import compare, constants"
    ),
    md(
        "## Los datos\n\n"
        "Los 100 puntos (horas de estudio, nota) de la práctica anterior vienen con el paquete.",
        "## The data\n\n"
        "The previous practice's 100 points (hours studied, test score) ship with the package.",
    ),
    code("x, y = data.load_practice02()\nx.shape, y.shape, x[:3], y[:3]"),
    md(
        "## La práctica anterior: descenso de gradiente escrito a mano\n\n"
        "Su `step_gradient` deriva el MSE a mano: tasa 1e-4, 1000 pasos desde m = b = 0.",
        "## The previous practice: gradient descent by hand\n\n"
        "Its `step_gradient` differentiates the MSE by hand: rate 1e-4, 1000 steps from m = b = 0.",
    ),
    code(
        "by_hand = compare.gradient_descent(x, y, learning_rate=constants.PRACTICE_LEARNING_RATE,\n"
        "                                   iterations=constants.PRACTICE_ITERATIONS)\n"
        "by_hand"
    ),
    md(
        "## El mismo descenso con la cinta\n\n"
        "Cambiamos las derivadas escritas a mano por `tape.gradient`: el paso es el de la práctica y "
        "los números salen iguales, porque la cinta calcula exactamente esas derivadas.",
        "## The same descent with the tape\n\n"
        "We replace the hand-written derivatives with `tape.gradient`: the step is the practice's "
        "and the numbers come out the same, because the tape computes exactly those derivatives.",
    ),
    code(
        "slope, intercept = tf.Variable(0.0, dtype=tf.float64), tf.Variable(0.0, dtype=tf.float64)\n\n\n"
        "@tf.function\n"
        "def step(learning_rate=1e-4):\n"
        "    with tf.GradientTape() as tape:\n"
        "        loss = tf.reduce_mean((y - (slope * x + intercept)) ** 2)\n"
        "    d_slope, d_intercept = tape.gradient(loss, [slope, intercept])\n"
        "    slope.assign_sub(learning_rate * d_slope)\n"
        "    intercept.assign_sub(learning_rate * d_intercept)\n"
        "    return loss\n\n\n"
        "for _ in range(1000):\n"
        "    step()\n"
        "float(slope), float(intercept)"
    ),
    md(
        "## El modelo de la cinta, con `fit()`\n\n"
        "`LinearRegression` normaliza x antes de la primera época, así que el SGD con tasa 0.1 "
        "llega a mínimos cuadrados en pocas decenas de épocas. `LivePlot` dibuja el entrenamiento "
        "aquí mismo, sin TensorBoard.",
        "## The tape model, through `fit()`\n\n"
        "`LinearRegression` whitens x before the first epoch, so SGD at rate 0.1 reaches least "
        "squares in a few dozen epochs. `LivePlot` draws the training right here, no TensorBoard "
        "needed.",
    ),
    code(
        "model = models.LinearRegression()\n"
        "model.compile()  # SGD(0.1) on the mean squared error\n"
        "history = model.fit(x, y, epochs=EPOCHS, batch_size=len(x), verbose=0,\n"
        "                    callbacks=[LivePlot(every=max(EPOCHS // 4, 1), data=(x, y))])\n"
        "model.equation()"
    ),
    md(
        "## Los tres métodos en una tabla\n\n"
        "`compare_fits` ajusta la recta por mínimos cuadrados, por el descenso de la práctica y con "
        "el modelo de la cinta, y mide cuánto tarda cada uno.",
        "## The three methods in one table\n\n"
        "`compare_fits` fits the line by least squares, by the practice's descent and with the tape "
        "model, and times each.",
    ),
    code("results = compare.compare_fits(x, y, epochs=EPOCHS)\nprint(compare.format_comparison(results))"),
    md(
        "## Y en un gráfico\n\n"
        "La recta de la práctica se queda corta en el término independiente: la pendiente se "
        "ajusta enseguida pero b apenas se mueve (el cuaderno 03 explica por qué).",
        "## And in one plot\n\n"
        "The practice's line falls short on the intercept: the slope settles at once but b barely "
        "moves (notebook 03 explains why).",
    ),
    code(
        'curves = {f"{r.method}: {r.slope:.3f}x + {r.intercept:.3f}": r.predict for r in results}\n'
        'keras_tape.plots.regression_figure(x, y, curves, title="three fits of one line")'
    ),
    md(
        "## Ejercicios\n\n"
        "1. La tarea de la práctica: escribe tu propio paso de entrenamiento (cinta, pérdida, "
        "gradiente, `model.optimizer.apply`). `check_train_step` lo compara con "
        "`TapeModel.train_step` partiendo de los mismos pesos y el mismo lote.",
        "## Exercises\n\n"
        "1. The lab's task: write your own training step (tape, loss, gradient, "
        "`model.optimizer.apply`). `check_train_step` compares it with `TapeModel.train_step` "
        "from the same weights and the same batch, on a new model.",
    ),
    code(
        "def my_step(model, x, y):\n"
        "    with tf.GradientTape() as tape:\n"
        "        y_pred = model(x, training=True)[:, 0]\n"
        "        loss = None  # ✍️ the mean squared error of y_pred against y\n"
        "    # ✍️ the gradients of loss, and model.optimizer.apply(...)\n"
        "    return loss\n\n\n"
        "fresh = models.LinearRegression()  # `model` sits at least squares, where no step moves it\n"
        "fresh.compile()\n"
        "lab.check_train_step(my_step, fresh, (x, y), lang=LANG)"
    ),
    md(
        "2. Entrena un `LinearRegression` nuevo con `fit()` y comprueba que su término "
        "independiente y su pendiente son los de mínimos cuadrados.",
        "2. Train a new `LinearRegression` with `fit()` and check that its intercept and slope are "
        "those of least squares.",
    ),
    code(
        "my_model = None  # ✍️ models.LinearRegression(), compile() and fit(...)\n"
        "answer_2 = None if my_model is None else [my_model.intercept, my_model.coef[0]]\n"
        "lab.check_least_squares(answer_2, x, y, lang=LANG)"
    ),
    md(
        "3. El primer paso de la práctica, a mano: el gradiente del MSE en m = b = 0 es "
        "(−2·media(x·y), −2·media(y)). Calcúlalo con numpy y compáralo con la cinta.",
        "3. The practice's first step, by hand: the MSE's gradient at m = b = 0 is "
        "(−2·mean(x·y), −2·mean(y)). Compute it with numpy and compare it with the tape.",
    ),
    code(
        "def mse(w):\n"
        "    return tf.reduce_mean((y.astype(\"float32\") - (w[0] * x.astype(\"float32\") + w[1])) ** 2)\n\n\n"
        "answer_3 = None  # ✍️ [d MSE / d slope, d MSE / d intercept] at slope = intercept = 0, with numpy\n"
        "lab.check_gradient(answer_3, mse, [0.0, 0.0], lang=LANG)"
    ),
]

# --------------------------------------------------------------------------- 03

POLYNOMIAL = [
    md(
        "# 03 · Regresión polinómica\n\n"
        "La práctica ajustaba y = 6x² + 8x + 2 en x = 0..10 con su bucle de siempre, y tras 10 000 "
        "pasos seguía cerca de 5.96x² + 7.59x + 2.00. Aquí vemos por qué se arrastra (la curvatura "
        "de la pérdida) y cómo `PolynomialRegression` llega a 6, 8 y 2.",
        "# 03 · Polynomial regression\n\n"
        "The lab fitted y = 6x² + 8x + 2 on x = 0..10 with its usual loop, and after 10,000 steps "
        "was still near 5.96x² + 7.59x + 2.00. Here we see why it crawls (the loss's curvature) and "
        "how `PolynomialRegression` reaches 6, 8 and 2.",
    ),
    *opening("\nEPOCHS = 300"),
    code(
        "%matplotlib inline\n"
        "import keras\n"
        "import numpy as np\n\n"
        "import keras_tape\n"
        "import keras_tape.plots\n"
        "from keras_tape import autodiff, data, lab, models\n"
        "from keras_tape.callbacks import LivePlot"
    ),
    md(
        "## Los datos de la práctica\n\n`polynomial_data()` da y = 6x² + 8x + 2 en x = 0, 1, ..., 10.",
        "## The lab's data\n\n`polynomial_data()` gives y = 6x² + 8x + 2 on x = 0, 1, ..., 10.",
    ),
    code("x, y = data.polynomial_data()\ny"),
    md(
        "## El bucle de la práctica, sobre las potencias de x tal cual\n\n"
        "Un `TapeModel` con tres pesos, c0 + c1·x + c2·x², entrenado con el SGD pequeño que hace "
        "falta para no divergir.",
        "## The lab's loop, on the raw powers of x\n\n"
        "A `TapeModel` with three weights, c0 + c1·x + c2·x², trained with the small SGD it needs "
        "not to diverge.",
    ),
    code(
        "class RawPolynomial(keras_tape.TapeModel):\n"
        "    def build(self, input_shape):\n"
        '        self.c = self.add_weight(name="c", shape=(3,), initializer="zeros")\n\n'
        "    def call(self, x):\n"
        "        return self.c[0] + self.c[1] * x + self.c[2] * x**2\n\n\n"
        "raw = RawPolynomial()\n"
        'raw.compile(optimizer=keras.optimizers.SGD(learning_rate=1e-4), loss="mse")\n'
        "raw.fit(x, y, epochs=EPOCHS, batch_size=len(x), verbose=0)\n"
        "raw.c.numpy()  # c0, c1, c2: still far from constants.POLYNOMIAL_COEF"
    ),
    md(
        "## Por qué se arrastra: la curvatura\n\n"
        "El hessiano del MSE respecto de (c0, c1, c2) mide la curvatura en cada dirección. x² llega "
        "a 100 mientras 1 se queda en 1: la curvatura cambia en órdenes de magnitud y una sola tasa "
        "de aprendizaje no sirve para todas. El número de condición lo resume.",
        "## Why it crawls: curvature\n\n"
        "The MSE's Hessian with respect to (c0, c1, c2) measures the curvature in each direction. "
        "x² reaches 100 while 1 stays 1: curvatures differ by orders of magnitude and no single "
        "learning rate suits them all. The condition number sums it up.",
    ),
    code(
        "raw_hessian = autodiff.loss_hessian(raw, x, y)\n"
        'print(f"condition number, raw powers: {autodiff.condition_number(raw_hessian):.3g}")\n'
        'keras_tape.plots.hessian_figure(raw_hessian, ["c0", "c1", "c2"], title="raw powers")'
    ),
    md(
        "`PolynomialRegression` lleva x a [−1, 1] y blanquea las potencias antes de entrenar "
        "(`adapt`): su hessiano es 2·I, un cuenco redondo de número de condición 1.",
        "`PolynomialRegression` maps x to [−1, 1] and whitens the powers before training "
        "(`adapt`): its Hessian is 2·I, a round bowl with condition number 1.",
    ),
    code(
        "model = models.PolynomialRegression(degree=2)\n"
        "model.compile()\n"
        "model(x[:1])  # build the weights\n"
        "model.adapt(x)  # learn the whitening from the data, as fit() does first\n"
        "whitened_hessian = autodiff.loss_hessian(model, x, y)\n"
        'print(f"condition number, whitened: {autodiff.condition_number(whitened_hessian):.3g}")\n'
        "whitened_hessian.round(4)"
    ),
    md(
        "## `PolynomialRegression` llega a 6, 8 y 2\n\n"
        "Con la curvatura igual en todas direcciones, el SGD con tasa 0.1 converge en unos cientos "
        "de épocas; `LivePlot` muestra los coeficientes acercándose.",
        "## `PolynomialRegression` reaches 6, 8 and 2\n\n"
        "With the same curvature in every direction, SGD at rate 0.1 converges in a few hundred "
        "epochs; `LivePlot` shows the coefficients closing in.",
    ),
    code(
        "model.fit(x, y, epochs=EPOCHS, batch_size=len(x), verbose=0,\n"
        "          callbacks=[LivePlot(every=max(EPOCHS // 3, 1), data=(x, y))])\n"
        "model.equation()"
    ),
    md(
        "Los coeficientes en orden ascendente (c0, c1, c2), como en `numpy.polynomial`.",
        "The coefficients in ascending powers (c0, c1, c2), as in `numpy.polynomial`.",
    ),
    code("model.coef.round(4)"),
    md(
        "## Ejercicios\n\n"
        "1. Ajusta un `PolynomialRegression` de grado 2 a los datos con ruido de abajo y comprueba "
        "sus coeficientes contra mínimos cuadrados.",
        "## Exercises\n\n"
        "1. Fit a degree-2 `PolynomialRegression` to the noisy data below and check its "
        "coefficients against least squares.",
    ),
    code(
        "x_noisy, y_noisy = data.polynomial_data(x=np.linspace(0, 10, 50), noise=5.0, seed=0)\n"
        "my_model = None  # ✍️ models.PolynomialRegression(degree=2), compile() and fit(...)\n"
        "lab.check_least_squares(None if my_model is None else my_model.coef, x_noisy, y_noisy, lang=LANG)"
    ),
    md(
        "2. La pendiente de y = 6x² + 8x + 2 en x = 5, a mano.",
        "2. The slope of y = 6x² + 8x + 2 at x = 5, by hand.",
    ),
    code("answer_2 = None\nlab.check_derivative(answer_2, lambda t: 6 * t**2 + 8 * t + 2, 5.0, lang=LANG)"),
    md(
        "3. El hessiano del MSE del modelo sin blanquear es 2/N · XᵀX con X = [1, x, x²]. "
        "Calcula con numpy su número de condición.",
        "3. The raw model's MSE Hessian is 2/N · XᵀX with X = [1, x, x²]. Compute its condition "
        "number with numpy.",
    ),
    code(
        "answer_3 = None  # ✍️ np.linalg.cond(...)\n"
        'lab.check_value(answer_3, autodiff.condition_number(raw_hessian), "the condition number",\n'
        "                rtol=1e-2, lang=LANG)"
    ),
]

# --------------------------------------------------------------------------- 04

MNIST = [
    md(
        "# 04 · Un MLP sobre MNIST\n\n"
        "La red de la práctica, 784-256-128-10 (ReLU, logits), entrenada con `fit()`: primero con "
        "los ajustes de la práctica (MSE sobre one-hot, SGD 0.001, lotes de 128) bien divididos en "
        "lotes, luego con los valores por defecto del modelo. Después, qué confunde, y qué píxeles "
        "mira (saliencia).",
        "# 04 · An MLP on MNIST\n\n"
        "The lab's network, 784-256-128-10 (ReLU, logits), trained with `fit()`: first with the "
        "lab's settings (MSE on one-hot targets, SGD 0.001, batches of 128) batched correctly, then "
        "with the model's defaults. Then what it confuses, and which pixels it looks at (saliency).",
    ),
    *opening(
        "\nLAB_EPOCHS = 25\nEPOCHS = 5\nTRAIN_SIZE = 60000",
        (", las épocas de cada entrenamiento y cuántas imágenes de entrenamiento usar (60 000 son todas)",
         ", the epochs of each training and how many training images to use (60,000 is all of them)"),
    ),
    code(
        "%matplotlib inline\n"
        "import keras\n"
        "import matplotlib.pyplot as plt\n"
        "import numpy as np\n"
        "import tensorflow as tf\n\n"
        "import keras_tape.plots\n"
        "from keras_tape import autodiff, data, lab, models\n"
        "from keras_tape.callbacks import LivePlot\n"
        "from keras_tape.lab import constants\n\n"
        "keras.utils.set_random_seed(0)"
    ),
    md(
        "## Los datos\n\n"
        "`load_mnist()` descarga MNIST la primera vez a la caché de Keras; los píxeles se escalan "
        "a [0, 1].",
        "## The data\n\n"
        "`load_mnist()` downloads MNIST into Keras's cache the first time; pixels are scaled to "
        "[0, 1].",
    ),
    code(
        "(x_train, y_train), (x_test, y_test) = data.load_mnist()\n"
        "x_train, y_train = x_train[:TRAIN_SIZE] / 255.0, y_train[:TRAIN_SIZE]\n"
        "x_test = x_test / 255.0\n"
        "x_train.shape, x_test.shape"
    ),
    md(
        "## (a) Los ajustes de la práctica, en lotes\n\n"
        "MSE sobre etiquetas one-hot y SGD con tasa 0.001, en lotes de 128. El bucle de la práctica "
        "daba un solo paso por época con todo el conjunto; `fit()` da un paso por lote.",
        "## (a) The lab's settings, batched\n\n"
        "MSE on one-hot labels and SGD at rate 0.001, in batches of 128. The lab's loop took one "
        "step per epoch on the whole set; `fit()` takes one step per batch.",
    ),
    code(
        "lab_model = models.MLPClassifier(hidden_units=constants.MLP_HIDDEN_UNITS)\n"
        "lab_model.compile(optimizer=keras.optimizers.SGD(learning_rate=constants.MLP_LEARNING_RATE),\n"
        '                  loss="mse", metrics=["accuracy"])\n'
        "lab_model.fit(x_train, np.eye(10)[y_train], epochs=LAB_EPOCHS, batch_size=constants.MLP_BATCH_SIZE,\n"
        "              verbose=0)\n"
        "lab_model.evaluate(x_test, np.eye(10)[y_test], verbose=0, return_dict=True)"
    ),
    md(
        "## (b) Los valores por defecto del modelo\n\n"
        "`compile()` sin argumentos usa Adam y entropía cruzada sobre las etiquetas enteras; "
        "`LivePlot` dibuja pérdida, exactitud y norma del gradiente en cada época.",
        "## (b) The model's defaults\n\n"
        "`compile()` with no arguments uses Adam and cross-entropy on the integer labels; "
        "`LivePlot` draws loss, accuracy and gradient norm each epoch.",
    ),
    code(
        "model = models.MLPClassifier(hidden_units=constants.MLP_HIDDEN_UNITS)\n"
        "model.compile()\n"
        "history = model.fit(x_train, y_train, epochs=EPOCHS, batch_size=128, verbose=0,\n"
        "                    validation_data=(x_test, y_test), callbacks=[LivePlot(every=1)])\n"
        "model.evaluate(x_test, y_test, verbose=0, return_dict=True)"
    ),
    md(
        "## (c) Qué confunde\n\n"
        "La matriz de confusión (filas: la clase verdadera) junto a los primeros dígitos mal "
        "clasificados.",
        "## (c) What it confuses\n\n"
        "The confusion matrix (rows: the true class) beside the first misclassified digits.",
    ),
    code(
        "predicted = model.predict(x_test, verbose=0).argmax(axis=-1)\n"
        'keras_tape.plots.classification_figure(x_test, y_test, predicted, title="MLP, test set")'
    ),
    md(
        "## (d) Saliencia: la cinta sobre las imágenes\n\n"
        "La lección (a) del cuaderno 01, `watch` sobre una constante, aplicada a los píxeles: el "
        "gradiente del logit de la clase verdadera respecto de cada píxel dice cuáles lo mueven "
        "más.",
        "## (d) Saliency: the tape on the images\n\n"
        "Lesson (a) of notebook 01, `watch` on a constant, applied to pixels: the gradient of the "
        "true class's logit with respect to each pixel says which ones move it most.",
    ),
    code(
        "images, labels = x_test[:8].astype(\"float32\"), y_test[:8].astype(\"int32\")\n"
        "saliency = np.abs(autodiff.gradient(\n"
        "    lambda batch: tf.gather(model(batch), labels, axis=1, batch_dims=1), images))\n"
        "figure, axes = plt.subplots(2, 8, figsize=(12, 3.4))\n"
        "for i in range(8):\n"
        '    axes[0, i].imshow(images[i], cmap="gray_r")\n'
        '    axes[0, i].set_title(f"label {labels[i]}")\n'
        '    axes[1, i].imshow(saliency[i], cmap="hot")\n'
        "for ax in axes.ravel():\n"
        "    ax.set_axis_off()\n"
        "plt.show()"
    ),
    md(
        "## Ejercicios\n\n"
        "1. Haz que el modelo por defecto pase del 98 % de exactitud en el conjunto de prueba "
        "(pista: más épocas, en la celda de parámetros).",
        "## Exercises\n\n"
        "1. Make the default model pass 98% accuracy on the test set (hint: more epochs, in the "
        "parameters cell).",
    ),
    code("lab.check_accuracy(model, x_test, y_test, minimum=0.98, lang=LANG)"),
    md(
        "2. Con los ajustes de la práctica, ¿qué tasa de aprendizaje del SGD pasa del 90 % en 5 "
        "épocas? Entrena `my_lab_model` con ella.",
        "2. With the lab's settings, what SGD learning rate passes 90% in 5 epochs? Train "
        "`my_lab_model` with it.",
    ),
    code(
        "my_lab_model = lab_model  # ✍️ a new MLPClassifier, compiled with your rate, fit for 5 epochs\n"
        "lab.check_accuracy(my_lab_model, x_test, y_test, minimum=0.90, lang=LANG)"
    ),
    md(
        "3. Escribe el paso de entrenamiento del MLP (entropía cruzada sobre los logits) y "
        "compáralo con `TapeModel.train_step` en un lote.",
        "3. Write the MLP's training step (cross-entropy on the logits) and compare it with "
        "`TapeModel.train_step` on one batch.",
    ),
    code(
        "def my_step(model, x, y):\n"
        "    with tf.GradientTape() as tape:\n"
        "        logits = model(x, training=True)\n"
        "        loss = None  # ✍️ keras.losses.sparse_categorical_crossentropy(..., from_logits=True), averaged\n"
        "    # ✍️ the gradients of loss, and model.optimizer.apply(...)\n"
        "    return loss\n\n\n"
        "lab.check_train_step(my_step, model, (x_train[:128], y_train[:128]), lang=LANG)"
    ),
]

NOTEBOOKS = {
    "01_tape_basics": TAPE_BASICS,
    "02_linear_regression": LINEAR,
    "03_polynomial_regression": POLYNOMIAL,
    "04_mnist_mlp": MNIST,
}


def notebook(cells: list[dict], lang: str) -> dict:
    """The notebook of `cells` in `lang`, as nbformat 4 JSON, with no outputs."""
    written = []
    for cell in cells:
        if cell["kind"] == "markdown":
            written.append({"cell_type": "markdown", "metadata": {}, "source": _lines(cell[lang])})
            continue
        source = cell["source"].replace("{lang}", lang) if cell["kind"] == "parameters" else cell["source"]
        metadata = {"tags": ["parameters"]} if cell["kind"] == "parameters" else {}
        written.append(
            {"cell_type": "code", "execution_count": None, "metadata": metadata, "outputs": [],
             "source": _lines(source)}
        )
    return {
        "cells": written,
        "metadata": {
            "colab": {"provenance": []},
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _lines(text: str) -> list[str]:
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + [lines[-1]]


def rendered() -> dict[Path, str]:
    """Every notebook file's path and its JSON text."""
    files = {}
    for lang in ("es", "en"):
        for name, cells in NOTEBOOKS.items():
            nb = notebook(cells, lang)
            for index, cell in enumerate(nb["cells"]):
                cell["id"] = f"{name[:2]}-{index:02d}"
            files[HERE / lang / f"{name}.ipynb"] = json.dumps(nb, ensure_ascii=False, indent=1) + "\n"
    return files


def main() -> int:
    for path, text in rendered().items():
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(path.relative_to(HERE.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
