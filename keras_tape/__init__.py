"""keras-tape: Keras models whose train_step is explicit tf.GradientTape code.

`import keras_tape` imports TensorFlow and registers the models with Keras,
so `keras.models.load_model` finds them in a fresh process.
"""

__version__ = "0.1.0"

from keras_tape import autodiff, callbacks, data, models  # noqa: E402
from keras_tape.tape_model import TapeModel  # noqa: E402

__all__ = ["TapeModel", "autodiff", "callbacks", "data", "models", "__version__"]
