"""The summary writers of one TensorBoard run, shared by every keras_tape callback.

A run is a folder `<log_dir>` with the sub-runs `train` and `validation`, the
folders `keras.callbacks.TensorBoard` writes, so our curves, histograms and
images sit beside its loss curves. Each writer opens on its first summary of a
`fit` (a callback that writes nothing leaves no file) and all close when the
`fit` ends, so repeated fits hold no file open.
"""

from __future__ import annotations

import os

import keras
import tensorflow as tf

from keras_tape import _validation

# The sub-run folders under log_dir; "" is log_dir itself (the HParams session).
_RUNS = ("train", "validation", "")


class SummaryWriters:
    """Lazily opened `tf.summary` file writers for `<log_dir>/train`, `/validation` and `<log_dir>`."""

    def __init__(self, log_dir: str):
        self.log_dir = log_dir
        self._open: dict[str, tf.summary.SummaryWriter] = {}

    def __getitem__(self, run: str) -> tf.summary.SummaryWriter:
        if run not in _RUNS:
            raise KeyError(f"No run {run!r}; the runs are {_RUNS}.")
        if run not in self._open:
            self._open[run] = tf.summary.create_file_writer(os.path.join(self.log_dir, run))
        return self._open[run]

    def flush(self) -> None:
        for writer in self._open.values():
            writer.flush()

    def close(self) -> None:
        for writer in self._open.values():
            writer.close()
        self._open.clear()


def variable_tag(variable) -> str:
    """The TensorBoard tag stem for a variable: its Keras path, e.g. `mlp_classifier/logits/kernel`."""
    return getattr(variable, "path", None) or variable.name.split(":")[0]


class SummaryCallback(keras.callbacks.Callback):
    """Base of the callbacks that write TensorBoard summaries under `log_dir`.

    Subclasses write with `self.writers["train"]` (or `"validation"`, or `""`
    for the run folder itself) and call `super()` in `on_train_begin` and
    `on_train_end`.

    Args:
        log_dir: the run's folder, as given to `keras.callbacks.TensorBoard`.
    """

    def __init__(self, log_dir):
        super().__init__()
        self.log_dir = _validation.check_path_like(log_dir, "log_dir")
        self.writers = SummaryWriters(self.log_dir)

    def on_train_begin(self, logs=None):
        # A fit that raised never reached on_train_end: drop what it left open.
        self.writers.close()

    def on_train_end(self, logs=None):
        self.writers.close()


def load_plots():
    """`keras_tape.plots`, imported on use: importing the callbacks must not need matplotlib."""
    from keras_tape import plots

    return plots
