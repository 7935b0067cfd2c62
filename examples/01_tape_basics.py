"""
Title: GradientTape basics
Description: What `tf.GradientTape` records, what it watches, and how to take
first, second and many derivatives with it.

This is part 1 of the lab on gradients and automatic differentiation, in the
lab's order:

(a) `tape.watch` on a constant,
(b) trainable variables, watched automatically,
(c) `watch_accessed_variables=False`,
(d) nested tapes for a second derivative,
(e) `persistent=True`, and the error a non-persistent tape raises,
(f) `tape.stop_recording()`,
(g) `jacobian`, `batch_jacobian`, `reset` and `watched_variables`,

then the same numbers through `keras_tape.autodiff`, which wraps these
patterns in functions. Runs in a few seconds on a CPU.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

from keras_tape import autodiff  # noqa: E402

"""
## (a) `tape.watch` on a constant

A tape records operations on what it watches. A constant is not watched until
we ask for it.
"""

x = tf.constant(5.0)
with tf.GradientTape() as tape:
    tape.watch(x)
    y = x**3
print("(a) d/dx x^3 at x=5:", float(tape.gradient(y, x)))

"""
## (b) Trainable variables are watched automatically
"""

x = tf.Variable(6.0)
with tf.GradientTape() as tape:
    y = x**3
print("(b) d/dx x^3 at x=6:", float(tape.gradient(y, x)))

"""
## (c) `watch_accessed_variables=False`

Now even a trainable variable is not watched, so the tape has nothing linking
`y` to `x` and returns None.
"""

x = tf.Variable(3.0)
with tf.GradientTape(watch_accessed_variables=False) as tape:
    y = x**3
print("(c) gradient with watch_accessed_variables=False:", tape.gradient(y, x))

"""
## (d) Nested tapes: the second derivative

The inner gradient is computed inside the outer tape's block, so the outer
tape records it and can differentiate it again: 6x at x=3.
"""

x = tf.Variable(3.0)
with tf.GradientTape() as outer_tape:
    with tf.GradientTape() as inner_tape:
        y = x**3
    dy_dx = inner_tape.gradient(y, x)
d2y_dx2 = outer_tape.gradient(dy_dx, x)
print("(d) d2/dx2 x^3 at x=3:", float(d2y_dx2))

"""
## (e) `persistent=True`: several gradients from one tape

A tape frees what it recorded after its first `gradient` call unless it is
persistent. At x=2, y = x^3 and z = 3x^2 both have derivative 12.
"""

x = tf.Variable(2.0)
with tf.GradientTape(persistent=True) as tape:
    y = x**3
    z = 3 * x**2
print("(e) dy/dx of x^3 at x=2:", float(tape.gradient(y, x)))
print("(e) dz/dx of 3x^2 at x=2:", float(tape.gradient(z, x)))
del tape  # a persistent tape holds its recording until it is deleted

with tf.GradientTape() as tape:
    y = x**3
    z = 3 * x**2
tape.gradient(y, x)
try:
    tape.gradient(z, x)
except RuntimeError as error:
    print("(e) second gradient on a non-persistent tape:", type(error).__name__, "-", error)

"""
## (f) `tape.stop_recording()`

Taking the gradient inside the tape's block would make the tape record the
gradient computation too, costing memory for derivatives we will never take.
`stop_recording` pauses the tape for that: 3x^2 at x=3. Anything computed
while it is paused is invisible to the tape, so its gradient is None.
"""

x = tf.Variable(3.0)
with tf.GradientTape() as tape:
    y = x**3
    with tape.stop_recording():
        dy_dx = tape.gradient(y, x)
print("(f) d/dx x^3 at x=3 under stop_recording:", float(dy_dx))

with tf.GradientTape() as tape, tape.stop_recording():
    unrecorded = x**3
print("(f) gradient of a value computed while stopped:", tape.gradient(unrecorded, x))

"""
## (g) `jacobian`, `batch_jacobian`, `reset` and `watched_variables`

`jacobian` differentiates every output element with respect to every input
element; for y = x^2 it is diag(2x).
"""

x = tf.Variable([1.0, 2.0, 3.0])
with tf.GradientTape() as tape:
    y = x**2
print("(g) jacobian of x^2 at [1, 2, 3]:", tape.jacobian(y, x).numpy().tolist())

"""
`batch_jacobian` takes one Jacobian per example when each output row depends
only on its own input row, skipping the zero blocks between examples.
"""

x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
with tf.GradientTape() as tape:
    tape.watch(x)
    y = x**2
jacobians = tape.batch_jacobian(y, x)
print("(g) batch_jacobian of x^2 at [[1, 2], [3, 4]]:", jacobians.numpy().tolist())

"""
`reset` forgets everything recorded so far, as if a new tape had started: the
gradient below sees only x^2 (2x = 4 at x=2), not x^3 + x^2 (16).
"""

x = tf.Variable(2.0)
with tf.GradientTape() as tape:
    y = x**3
    tape.reset()
    y = y + x**2
print("(g) gradient of x^3 + x^2 at x=2 after reset:", float(tape.gradient(y, x)))

"""
`watched_variables` lists what the tape watched: trainable variables it met,
not the non-trainable one.
"""

weight = tf.Variable(2.0, name="weight")
bias = tf.Variable(1.0, name="bias")
frozen = tf.Variable(5.0, name="frozen", trainable=False)
with tf.GradientTape() as tape:
    y = weight * 3.0 + bias + frozen
print("(g) watched_variables:", [v.name for v in tape.watched_variables()])

"""
## The same through `keras_tape.autodiff`

Each function watches its inputs, runs the function under a tape and asks for
the derivative, so constants, integers and variables all work.
"""

cube = lambda x: x**3  # noqa: E731
print("autodiff.derivative of x^3 at x=5:", float(autodiff.derivative(cube, 5.0)))
print("autodiff.gradient of x^3 at x=6:", float(autodiff.gradient(cube, tf.Variable(6.0))))
second = autodiff.derivative(cube, 3.0, order=2)
print("autodiff.derivative of x^3 at x=3, order 2:", float(second))
print("autodiff.derivative of x^3 at the integer 3:", float(autodiff.derivative(cube, 3)))

jacobian = autodiff.jacobian(lambda x: x**2, [1.0, 2.0, 3.0])
print("autodiff.jacobian of x^2 at [1, 2, 3]:", jacobian.numpy().tolist())
hessian = autodiff.hessian(lambda x: tf.reduce_sum(x**3), [1.0, 2.0])
print("autodiff.hessian of sum(x^3) at [1, 2]:", hessian.numpy().tolist())

"""
A function that ignores its input has no gradient: `autodiff` raises a
`ValueError` saying so, unless asked for None or zeros instead.
"""

constant = lambda x: tf.constant(1.0)  # noqa: E731
print(
    "autodiff.gradient of a constant, unconnected='none':",
    autodiff.gradient(constant, 3.0, unconnected="none"),
)
