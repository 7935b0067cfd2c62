"""Callbacks that show in TensorBoard what `fit` does inside the tape.

Each writes into the folders `keras.callbacks.TensorBoard` uses,
`<log_dir>/train` and `<log_dir>/validation`, so give them the same `log_dir`
and every curve, histogram and picture of a run shows together.
"""

from keras_tape.callbacks.gradient_logger import GradientLogger
from keras_tape.callbacks.hparams_logger import HParamsLogger
from keras_tape.callbacks.parameter_logger import ParameterLogger
from keras_tape.callbacks.prediction_plot_logger import PredictionPlotLogger

__all__ = ["GradientLogger", "HParamsLogger", "ParameterLogger", "PredictionPlotLogger"]
