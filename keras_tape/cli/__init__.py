"""The `keras-tape` command: the lab's models trained by `fit()`, from a terminal.

Commands (each has `--help`):

- `keras-tape demo`: trains linear regression, polynomial regression and the
  MLP on the lab's data, writes TensorBoard logs under `runs/<timestamp>/`,
  and prints what each model learned against the truth.
- `keras-tape fit {linear,polynomial,mlp}`: trains one model on a CSV file,
  the lab's formulas, the bundled digits or MNIST, and can save it and plot it.
- `keras-tape compare`: the lab's task, least squares, the earlier practice's
  gradient descent and the tape model side by side, on the practice's data or
  a CSV file.
- `keras-tape tensorboard`: serves the logs on 127.0.0.1.

The package, by job: `parser` (the options and `main`, standard library
only, so `--help` and argument errors answer without importing TensorFlow),
one module a command (`demo`, `fit`, `compare`, `tensorboard`), `tasks` (the
models with their data), `strategy` (`--strategy` and TF_CONFIG), `files`
(what the commands read and write), `runtime` (TensorFlow's log kept quiet),
`errors` (what counts as the user's error).

Bad input (a missing file, an unknown column, a bad option value, an
unavailable dataset) prints one line `keras-tape: error: ...` on stderr and
exits with status 2; any other exception is a bug, shown with its traceback,
status 1. Ctrl-C prints `keras-tape: interrupted` and exits with status 130,
keeping the TensorBoard logs written so far.
"""

from keras_tape.cli.errors import UsageError
from keras_tape.cli.parser import build_parser, main

__all__ = ["UsageError", "build_parser", "main"]
