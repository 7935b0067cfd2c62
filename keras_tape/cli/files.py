"""The files a command reads and writes: checked before training, written whole or not at all."""

from __future__ import annotations

import contextlib
import datetime
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from keras_tape.cli.errors import UsageError, user_input

PLOT_SUFFIXES = (".png", ".svg", ".pdf")


def check_input_path(path: str | None, option: str) -> Path | None:
    """Checks that a file or folder the user named exists, before TensorFlow is imported.

    Args:
        path: what the option got; None (not given) passes.
        option: the option's name, e.g. `--csv`.

    Example:

    ```python
    check_input_path("data.csv", "--csv")  # UsageError if there is no data.csv
    ```
    """
    if path is None:
        return None
    if not Path(path).exists():
        raise UsageError(f"{option} must be an existing path, got {path!r}, which does not exist.")
    return Path(path)


def read_csv(csv: str, x_col, y_col):
    """`keras_tape.data.load_csv` of `--csv`, its errors naming `--csv`, `--x-col` and `--y-col`.

    Args:
        csv: the file.
        x_col: input column(s): indices or header names, or None for all but `y_col`.
        y_col: the target column: an index or a header name.

    Returns:
        `(x, y)` as numpy arrays.

    Example:

    ```python
    x, y = read_csv("scores.csv", ["hours"], "score")
    ```
    """
    from keras_tape import data

    with user_input(path="--csv", x_cols="--x-col", y_col="--y-col"):
        return data.load_csv(csv, x_cols=x_col, y_col=y_col)


def check_output_file(path: str | None, option: str, suffixes: Sequence[str]) -> Path | None:
    """Checks an output file before training, so a typo does not cost a whole run.

    Args:
        path: what the option got; None (not given) passes.
        option: the option's name, e.g. `--save`.
        suffixes: the file name endings allowed, e.g. `(".keras",)`.

    Example:

    ```python
    check_output_file("models/line.keras", "--save", (".keras",))  # UsageError if models/ is missing
    ```
    """
    if path is None:
        return None
    file = Path(path)
    if file.suffix.lower() not in suffixes:
        raise UsageError(f"{option} must name a {' or '.join(suffixes)} file, got {str(file)!r}.")
    if not file.parent.is_dir():
        raise UsageError(f"{option}: the folder {str(file.parent)!r} of {str(file)!r} does not exist.")
    if file.is_dir():
        raise UsageError(f"{option}: {str(file)!r} is a folder; expected a file name.")
    return file


def write_atomically(path: Path, write: Callable[[str], None]) -> None:
    """Calls `write(temporary_path)` beside `path`, then renames it into place.

    An error or Ctrl-C while writing leaves no half-written file at `path`.

    Args:
        path: the file to write.
        write: writes the file it is given, e.g. `figure.savefig`.

    Example:

    ```python
    write_atomically(Path("fit.png"), figure.savefig)
    ```
    """
    # The writer creates the file (so it gets the usual permissions); the
    # suffix stays, as Keras and matplotlib choose the format from it.
    temporary = str(path.with_name(f".{path.stem}.{os.getpid()}.partial{path.suffix}"))
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def save_plot(path: Path, figure) -> None:
    """Writes a matplotlib figure to `path` (format from its suffix), atomically.

    Args:
        path: a `.png`, `.svg` or `.pdf` file.
        figure: a figure from `keras_tape.plots`.

    Example:

    ```python
    save_plot(Path("fit.png"), keras_tape.plots.regression_figure(x, y, curves))
    ```
    """
    plots = load_plots()
    write_atomically(path, lambda temporary: plots.save_figure(figure, temporary))


def load_plots(option: str = "--plot"):
    """`keras_tape.plots`, which needs matplotlib, an optional dependency.

    Args:
        option: the option that asked for a figure, for the error message.

    Example:

    ```python
    plots = load_plots()  # UsageError with the install command if matplotlib is missing
    ```
    """
    try:
        from keras_tape import plots
    except ImportError:
        raise UsageError(f'{option} needs matplotlib: pip install "keras-tape[plot]"') from None
    return plots


def new_run_dir(root: str | os.PathLike) -> Path:
    """`<root>/<timestamp>`, a fresh folder name for this run's logs.

    Args:
        root: the `--logdir` folder.

    Example:

    ```python
    new_run_dir("runs")  # Path('runs/20261128-144925')
    ```
    """
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    run_dir = Path(root) / stamp
    suffix = 1
    while run_dir.exists():  # two runs in the same second keep separate folders
        suffix += 1
        run_dir = Path(root) / f"{stamp}-{suffix}"
    return run_dir
