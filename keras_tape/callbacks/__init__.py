"""Callbacks that show what `fit` does inside the tape: in TensorBoard, or live in a notebook.

The loggers write into the folders `keras.callbacks.TensorBoard` uses,
`<log_dir>/train` and `<log_dir>/validation`, so give them the same `log_dir`
and every curve, histogram and picture of a run shows together. `LivePlot`
draws the curves in the notebook itself (Colab included), no TensorBoard needed.
"""

from keras_tape.callbacks.curvature_logger import CurvatureLogger
from keras_tape.callbacks.gradient_logger import GradientLogger
from keras_tape.callbacks.hparams_logger import HParamsLogger
from keras_tape.callbacks.live_plot import LivePlot
from keras_tape.callbacks.parameter_logger import ParameterLogger
from keras_tape.callbacks.prediction_plot_logger import PredictionPlotLogger
from keras_tape.callbacks.saliency_logger import SaliencyLogger

__all__ = [
    "CurvatureLogger",
    "GradientLogger",
    "HParamsLogger",
    "LivePlot",
    "ParameterLogger",
    "PredictionPlotLogger",
    "SaliencyLogger",
]
