"""keras-tape: Keras models whose train_step is explicit tf.GradientTape code.

`import keras_tape` is quick: it imports nothing heavy. Its names
(`TapeModel`, `models`, `callbacks`, `autodiff`, `data`,
`find_learning_rate`) are imported on first
use, with TensorFlow. The models are registered with Keras as soon as Keras
is imported (at once if it already is), so `keras.models.load_model` finds
them in a fresh process after `import keras_tape`, in either import order.
"""

from __future__ import annotations

import importlib

from keras_tape import _registration

__version__ = "0.1.0"

__all__ = ["TapeModel", "autodiff", "callbacks", "data", "find_learning_rate", "models", "__version__"]

_SUBMODULES = ("autodiff", "callbacks", "data", "models")


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"keras_tape.{name}")
    if name == "TapeModel":
        from keras_tape.tape_model import TapeModel

        return TapeModel
    if name == "find_learning_rate":
        from keras_tape.lr_finder import find_learning_rate

        return find_learning_rate
    raise AttributeError(f"module 'keras_tape' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


_registration.register_models_with_keras()
