"""Callbacks that show what `fit` does inside the tape: in TensorBoard, or live in a notebook.

The loggers write into the folders `keras.callbacks.TensorBoard` uses,
`<log_dir>/train` and `<log_dir>/validation`, so give them the same `log_dir`
and every curve, histogram and picture of a run shows together. `LivePlot`
draws the curves in the notebook itself (Colab included), no TensorBoard needed.

`BackupAndRestore` is Keras's callback of that name with backups that a
kill at any instant cannot break, and resumes identical to an
uninterrupted run (docs/guarantees.md).
"""

from keras_tape.callbacks.backup_and_restore import BackupAndRestore
from keras_tape.callbacks.curvature_logger import CurvatureLogger
from keras_tape.callbacks.gradient_logger import GradientLogger
from keras_tape.callbacks.hparams_logger import HParamsLogger
from keras_tape.callbacks.live_plot import LivePlot
from keras_tape.callbacks.parameter_logger import ParameterLogger
from keras_tape.callbacks.prediction_plot_logger import PredictionPlotLogger
from keras_tape.callbacks.saliency_logger import SaliencyLogger

__all__ = [
    "BackupAndRestore",
    "CurvatureLogger",
    "GradientLogger",
    "HParamsLogger",
    "LivePlot",
    "ParameterLogger",
    "PredictionPlotLogger",
    "SaliencyLogger",
]
