"""The models `demo` and `fit` train, each with its data: one class a model, chosen by name."""

from keras_tape.cli.tasks.linear import LinearTask
from keras_tape.cli.tasks.mlp import MLPTask
from keras_tape.cli.tasks.polynomial import PolynomialTask
from keras_tape.cli.tasks.regression import RegressionTask
from keras_tape.cli.tasks.task import Outcome, Task

TASKS = {task.name: task for task in (LinearTask, PolynomialTask, MLPTask)}

__all__ = ["TASKS", "LinearTask", "MLPTask", "Outcome", "PolynomialTask", "RegressionTask", "Task"]
