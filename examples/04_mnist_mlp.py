"""
Title: An MLP on MNIST, batched correctly
Description: The lab's 784-256-128-10 network trained by `fit()`, first with
the lab's settings, then with the model's defaults.

This is part 4 of the lab on gradients and automatic differentiation. The lab
trained a multilayer perceptron (ReLU, logits) with MSE on one-hot targets,
SGD with learning rate 0.001, batch 128, 25 epochs, in a hand loop that fed
the whole training set at every step. `MLPClassifier` trains through `fit()`,
which batches correctly, and its `train_step` is the same tape step as the
regressions'. Here:

(a) the lab's setup, batch by batch,
(b) the model's defaults: Adam and cross-entropy on the integer labels,
(c) what the better model still gets wrong.

MNIST comes from `keras_tape.data.load_mnist()`, which downloads it once into
Keras's cache (`~/.keras/datasets`). The example trains on the first
`TRAIN_SIZE` training images, to stay short; set it to 60,000 for the whole
set. Offline with an empty cache, it uses scikit-learn's bundled 8x8 digits
instead, split 80/20. Runs in about a minute on a CPU.
"""

import collections
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_tape import data, models  # noqa: E402

keras.utils.set_random_seed(0)

"""
## The data

Pixels are scaled to [0, 1].
"""

TRAIN_SIZE = 10_000

try:
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    x_train, y_train = x_train[:TRAIN_SIZE] / 255.0, y_train[:TRAIN_SIZE]
    x_test = x_test / 255.0
    print(f"data: MNIST through Keras's cache, the first {len(x_train)} training images")
except RuntimeError:  # offline, with nothing in Keras's cache
    images, labels = data.load_digits()
    order = np.random.default_rng(0).permutation(len(images))
    cut = int(0.8 * len(images))
    x_train, y_train = images[order[:cut]], labels[order[:cut]]
    x_test, y_test = images[order[cut:]], labels[order[cut:]]
    print("data: MNIST not available (offline, nothing in Keras's cache); using the bundled 8x8 digits")
print(f"train: {x_train.shape}, test: {x_test.shape}")

"""
## (a) The lab's setup, batched correctly

MSE on one-hot targets, SGD(0.001), batch 128, 25 epochs: 25 passes over the
data in steps of 128 images. MSE gives tiny gradients for logits and SGD
takes tiny steps, so this learns slowly; the lab's loop, which took one step
per epoch on the whole set, learned slower still.
"""

y_train_one_hot = np.eye(10, dtype="float32")[y_train]
lab_model = models.MLPClassifier(hidden_units=(256, 128), num_classes=10)
lab_model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e-3), loss="mse", metrics=["accuracy"])
lab_model.fit(x_train, y_train_one_hot, epochs=25, batch_size=128, verbose=0)


def test_accuracy(model) -> float:
    predicted = np.argmax(model.predict(x_test, verbose=0), axis=-1)
    return float(np.mean(predicted == y_test))


print(f"(a) lab setup, test accuracy: {test_accuracy(lab_model):.4f}")

"""
## (b) The model's defaults

`compile()` with no arguments uses Adam (learning rate 0.001) and sparse
categorical cross-entropy on the logits, with the integer labels as they are.
`validation_data` gives `fit` a test curve to report each epoch.
"""

model = models.MLPClassifier(hidden_units=(256, 128), num_classes=10)
model.compile()
history = model.fit(x_train, y_train, epochs=10, batch_size=128, validation_data=(x_test, y_test), verbose=0)
print(f"(b) defaults, test accuracy: {test_accuracy(model):.4f}")
print(f"(b) val_accuracy by epoch: {np.round(history.history['val_accuracy'], 3).tolist()}")

"""
## (c) What it still gets wrong

The most frequent confusions, as `(true, predicted): count`.
"""

predicted = np.argmax(model.predict(x_test, verbose=0), axis=-1)
wrong = predicted != y_test
confusions = collections.Counter(zip(y_test[wrong].tolist(), predicted[wrong].tolist()))
print(f"(c) misclassified: {int(wrong.sum())} of {len(y_test)}")
print("(c) most frequent confusions:", dict(confusions.most_common(5)))

"""
The same from a terminal, with a confusion matrix and the misclassified
images in a PNG:

```
keras-tape fit mlp --dataset mnist --plot mnist.png
```
"""
