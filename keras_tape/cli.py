"""The `keras-tape` command: the lab's models trained by `fit()`, from a terminal.

Commands (each has `--help`):

- `keras-tape demo`: trains linear regression, polynomial regression and the
  MLP on the lab's data, writes TensorBoard logs under `runs/<timestamp>/`,
  and prints what each model learned against the truth.
- `keras-tape fit {linear,polynomial,mlp}`: trains one model on a CSV file,
  the lab's formulas, the bundled digits or MNIST, and can save it and plot it.
- `keras-tape compare --csv FILE`: the lab's task, least squares, the earlier
  practice's gradient descent and the tape model side by side.
- `keras-tape tensorboard`: serves the logs on 127.0.0.1.

`demo` and `fit` train under `--strategy {default,mirrored,multi-worker}`: one
device, every GPU of this machine (`tf.distribute.MirroredStrategy`), or the
machines `TF_CONFIG` lists (`tf.distribute.MultiWorkerMirroredStrategy`, the
same command run on each). The strategy is made once, before any other
TensorFlow work, and every model is built and compiled in its scope.

Bad input (a missing file, an unknown column, a bad option value, an
unavailable dataset) prints one line `keras-tape: error: ...` on stderr and
exits with status 2. Ctrl-C prints `keras-tape: interrupted` and exits with
status 130, keeping the TensorBoard logs written so far.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import dataclasses  # noqa: E402
import datetime  # noqa: E402
import functools  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.error  # noqa: E402
import urllib.request  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable, Sequence  # noqa: E402

import numpy as np  # noqa: E402

PROG = "keras-tape"
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

# The lab's formulas: y = 6.12x + 1.35 plus noise, and y = 6x^2 + 8x + 2 on x = 0..10.
LINEAR_TRUTH = (1.35, 6.12)  # ascending: intercept, slope
LINEAR_NOISE = 1.0
POLYNOMIAL_TRUTH = (2.0, 8.0, 6.0)  # ascending: c0, c1, c2

# Full-batch SGD on the whitened regressions shrinks the error by 0.8 an epoch,
# so 100 epochs reach least squares; the MLP needs passes over the data instead.
DEFAULT_EPOCHS = {"linear": 100, "polynomial": 100, "mlp": 20}
DEFAULT_HIDDEN_UNITS = {"digits": (128, 64), "mnist": (256, 128)}  # MNIST: the lab's network
DEFAULT_BATCH_SIZE = {"digits": 32, "mnist": 128}
TEST_FRACTION = 0.2
TENSORBOARD_START_TIMEOUT_S = 90

STRATEGY_CLASSES = {
    "default": "the default strategy",
    "mirrored": "MirroredStrategy",
    "multi-worker": "MultiWorkerMirroredStrategy",
}
STRATEGIES = tuple(STRATEGY_CLASSES)
# A test aid: splits the CPU into N logical devices before the strategy is
# made, and `--strategy mirrored` then has a replica on each (GPUs unused).
LOGICAL_CPUS_ENV = "KERAS_TAPE_LOGICAL_CPUS"
TF_CONFIG_EXAMPLE = (
    '{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}'
)

_LIBRARY_ERRORS = (ValueError, TypeError, OSError, ImportError, RuntimeError)


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the `keras-tape` command line.

    Args:
        argv: the arguments after the program name; default `sys.argv[1:]`.

    Returns:
        The exit status: 0 on success, 2 on bad input, 130 when interrupted.
        Errors of argument parsing (and `--help`) raise `SystemExit` as
        argparse does.
    """
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        sys.stdout.flush()
        # A live progress bar leaves the terminal's cursor mid-line.
        print(f"{chr(10) if sys.stdout.isatty() else ''}{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except _LIBRARY_ERRORS as error:
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return EXIT_USAGE


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, like the command's own errors."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The `keras-tape` argument parser, with one subcommand per command."""
    from keras_tape import __version__

    parser = _Parser(
        prog=PROG,
        description="Train the lab's models with fit() through an explicit tf.GradientTape step.",
        epilog="Run 'keras-tape COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_demo_parser(commands)
    _add_fit_parser(commands)
    _add_compare_parser(commands)
    _add_tensorboard_parser(commands)
    return parser


# ----------------------------------------------------------------- argument types


def _int_at_least(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {value}")
        return value

    parse.__name__ = f"integer >= {minimum}"
    return parse


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}") from None
    if not (np.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text!r}")
    return value


def _port(text: str) -> int:
    port = _int_at_least(1)(text)
    if port > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number in 1..65535, got {port}")
    return port


def _column(text: str) -> int | str:
    """A CSV column: an integer index (negative counts from the end) or a header name."""
    try:
        return int(text)
    except ValueError:
        return text


def _columns(text: str) -> list[int | str]:
    return [_column(part.strip()) for part in text.split(",")]


def _hidden_units(text: str) -> tuple[int, ...]:
    parse = _int_at_least(1)
    return tuple(parse(part.strip()) for part in text.split(","))


# ------------------------------------------------------------------------- parsers


def _add_demo_parser(commands) -> None:
    demo = commands.add_parser(
        "demo",
        help="train the lab's three models on bundled data and log them for TensorBoard",
        description=(
            "Trains linear regression (y = 6.12x + 1.35 with noise), polynomial regression "
            "(y = 6x^2 + 8x + 2) and an MLP on the bundled 8x8 digits, each through fit(); "
            "writes TensorBoard logs and plots to LOGDIR/<timestamp>/<model> and prints "
            "what each model learned against the truth."
        ),
    )
    demo.add_argument("--logdir", default="runs", help="root folder of the logs (default: runs)")
    demo.add_argument(
        "--epochs",
        type=_int_at_least(1),
        help="epochs for every model (default: 100 for the regressions, 20 for the MLP)",
    )
    _add_seed_option(demo)
    _add_strategy_option(demo)
    demo.add_argument("--quiet", action="store_true", help="print only the summary")
    demo.set_defaults(run=run_demo)


def _add_fit_parser(commands) -> None:
    fit = commands.add_parser(
        "fit",
        help="train one model (linear, polynomial or mlp) on your data or the lab's",
        description="Trains one model through fit() and prints its equation or accuracy.",
    )
    models = fit.add_subparsers(dest="model", metavar="MODEL", required=True)

    linear = models.add_parser(
        "linear",
        help="linear regression",
        description="Linear regression y = x W + b. Without --csv: the lab's y = 6.12x + 1.35 with noise.",
    )
    _add_csv_options(linear, required=False)
    _add_training_options(linear, "linear", batch_help="full batch")

    polynomial = models.add_parser(
        "polynomial",
        help="polynomial regression on one input",
        description="Polynomial regression y = c0 + c1 x + ... + cd x^d. Without --csv: the lab's y = 6x^2 + 8x + 2.",
    )
    _add_csv_options(polynomial, required=False)
    polynomial.add_argument("--degree", type=_int_at_least(1), default=2, help="the degree (default: 2)")
    _add_training_options(polynomial, "polynomial", batch_help="full batch")

    mlp = models.add_parser(
        "mlp",
        help="MLP classifier on digits or MNIST",
        description=(
            "A multilayer perceptron on the bundled 8x8 digits or on MNIST, tested on held-out "
            "images. A MNIST folder with only the t10k files is split into train and test parts."
        ),
    )
    mlp.add_argument("--dataset", choices=("digits", "mnist"), default="digits", help="(default: digits)")
    mlp.add_argument(
        "--mnist-path",
        help="mnist.npz or a folder of MNIST IDX files (default: Keras's download cache)",
    )
    mlp.add_argument(
        "--hidden-units",
        type=_hidden_units,
        help="hidden layer sizes, e.g. 256,128 (default: 128,64 for digits, 256,128 for mnist)",
    )
    mlp.add_argument("--activation", default="relu", help="hidden activation (default: relu)")
    _add_training_options(
        mlp,
        "mlp",
        batch_help="32 for digits, 128 for mnist",
        losses=("crossentropy", "mse", "mae"),
        loss_help="crossentropy takes the labels, mse and mae one-hot targets, as in the lab",
    )


def _add_csv_options(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument("--csv", required=required, help="a CSV file of numbers (a header row is optional)")
    parser.add_argument(
        "--x-col",
        type=_columns,
        help="input column(s): index or header name, comma-separated (default: all but --y-col)",
    )
    parser.add_argument(
        "--y-col", type=_column, default=-1, help="target column: index or header name (default: -1, the last)"
    )


def _add_seed_option(parser) -> None:
    parser.add_argument("--seed", type=_int_at_least(0), default=0, help="random seed (default: 0)")


def _add_strategy_option(parser) -> None:
    parser.add_argument(
        "--strategy", choices=STRATEGIES, default="default",
        help=(
            "tf.distribute strategy: default (one device), mirrored (every GPU of this machine), "
            "multi-worker (the machines TF_CONFIG lists; run the same command on each; only worker 0 "
            "writes files and prints) (default: default)"
        ),
    )


def _add_training_options(
    parser: argparse.ArgumentParser,
    model: str,
    batch_help: str,
    losses: Sequence[str] = ("mse", "mae", "huber"),
    loss_help: str = "",
) -> None:
    training = parser.add_argument_group("training")
    training.add_argument(
        "--epochs", type=_int_at_least(1), default=DEFAULT_EPOCHS[model],
        help=f"epochs (default: {DEFAULT_EPOCHS[model]})",
    )
    training.add_argument(
        "--batch-size", type=_int_at_least(1),
        help=f"the global batch size, split across the replicas of --strategy (default: {batch_help})",
    )
    training.add_argument(
        "--optimizer", help="a Keras optimizer name: sgd, adam, rmsprop, ... (default: the model's)"
    )
    training.add_argument(
        "--learning-rate", type=_positive_float, help="learning rate (default: the optimizer's)"
    )
    training.add_argument(
        "--loss", choices=losses, default=losses[0],
        help=f"loss (default: {losses[0]}{'; ' + loss_help if loss_help else ''})",
    )
    _add_seed_option(training)
    _add_strategy_option(training)
    output = parser.add_argument_group("output")
    output.add_argument("--logdir", help="write TensorBoard logs to LOGDIR/<timestamp>/<model>")
    output.add_argument("--save", metavar="FILE.keras", help="save the trained model")
    output.add_argument("--plot", metavar="FILE.png", help="draw the fit (or the errors) into an image")
    output.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=run_fit)


def _add_compare_parser(commands) -> None:
    compare = commands.add_parser(
        "compare",
        help="the lab's task: least squares, the practice's gradient descent and the tape model",
        description=(
            "Fits y = slope*x + intercept to a two-column CSV three ways: closed-form least "
            "squares, the earlier practice's plain gradient descent (MSE, from slope = "
            "intercept = 0) and keras_tape's LinearRegression trained by fit() through the "
            "tape, and prints slope, intercept, MSE, steps and time of each."
        ),
    )
    _add_csv_options(compare, required=True)
    compare.add_argument(
        "--epochs", type=_int_at_least(1), default=300, help="full-batch epochs of the tape model (default: 300)"
    )
    compare.add_argument(
        "--gd-learning-rate", type=_positive_float, default=1e-4,
        help="learning rate of the practice's gradient descent (default: 1e-4)",
    )
    compare.add_argument(
        "--gd-iterations", type=_int_at_least(1), default=1000,
        help="iterations of the practice's gradient descent (default: 1000)",
    )
    _add_seed_option(compare)
    compare.add_argument("--plot", metavar="FILE.png", help="draw the data and the three lines")
    compare.set_defaults(run=run_compare)


def _add_tensorboard_parser(commands) -> None:
    board = commands.add_parser(
        "tensorboard",
        help="serve the logs with TensorBoard on 127.0.0.1",
        description="Starts TensorBoard on 127.0.0.1, prints its address and runs until Ctrl-C.",
    )
    board.add_argument("--logdir", default="runs", help="the logs' folder (default: runs)")
    board.add_argument("--port", type=_port, default=6006, help="the port (default: 6006)")
    board.set_defaults(run=run_tensorboard)


# ----------------------------------------------------------------------- commands


def run_demo(args: argparse.Namespace) -> int:
    """`keras-tape demo`: the lab's three models on bundled data, logged for TensorBoard."""
    strategy = _create_strategy(args.strategy)
    with _worker_outputs(strategy) as place:
        return _demo(args, strategy, log_root=place(args.logdir))


def _demo(args: argparse.Namespace, strategy, log_root: Path) -> int:
    keras = _import_keras()
    plots = _plots_or_none()
    keras.utils.set_random_seed(args.seed)
    run_dir = _new_run_dir(log_root)
    with strategy.scope():  # one strategy for every model: see _create_strategy
        tasks = [
            _linear_task(seed=args.seed),
            _polynomial_task(degree=2),
            _mlp_task("digits", seed=args.seed),
        ]
        for task in tasks:
            _compile(task, optimizer=None, learning_rate=None, loss=None)
    _say(args, f"Training the lab's {len(tasks)} models with fit(); logs go to {run_dir}.")
    rows, figures = [], []
    for number, task in enumerate(tasks, start=1):
        epochs = args.epochs or DEFAULT_EPOCHS[task.name]
        _say(args, f"\n[{number}/{len(tasks)}] {task.name}: {task.description}, {epochs} epochs")
        _train(task, epochs=epochs, batch_size=None, log_dir=run_dir / task.name, quiet=args.quiet)
        outcome = _evaluate(task)
        rows.append([task.name, outcome.learned, outcome.truth, outcome.score])
        if plots is not None:
            figure_path = run_dir / f"{task.name}.png"
            _write_atomically(figure_path, lambda path: plots.save_figure(_figure(task, outcome, plots), path))
            figures.append(figure_path)

    from keras_tape.lab.compare import format_table

    _say(args, "")
    print(format_table(["model", "learned", "truth", "score"], rows))
    print()
    if figures:
        print("Plots:", ", ".join(str(path) for path in figures))
    else:
        print("Plots: skipped (matplotlib is not installed)")
    if args.strategy != "default":
        print(f"Strategy: {_describe(args.strategy, strategy)}")
    print(f"TensorBoard logs: {run_dir}/{{{','.join(task.name for task in tasks)}}}")
    print(f"View them: tensorboard --logdir {args.logdir}   (or: keras-tape tensorboard --logdir {args.logdir})")
    return 0


def run_fit(args: argparse.Namespace) -> int:
    """`keras-tape fit MODEL`: trains one model and prints its equation or accuracy."""
    save_path = _check_output_file(args.save, "--save", (".keras",))
    plot_path = _check_output_file(args.plot, "--plot", (".png", ".svg", ".pdf"))
    plots = _load_plots() if plot_path else None
    strategy = _create_strategy(args.strategy)
    with _worker_outputs(strategy) as place:
        return _fit(args, strategy, plots, save_path=place(save_path), plot_path=place(plot_path),
                    log_root=place(args.logdir))


def _fit(args: argparse.Namespace, strategy, plots, save_path: Path | None, plot_path: Path | None,
         log_root: Path | None) -> int:
    keras = _import_keras()
    keras.utils.set_random_seed(args.seed)
    with strategy.scope():  # the model, its optimizer and metrics: mirrored variables
        if args.model == "mlp":
            task = _mlp_task(args.dataset, args.mnist_path, args.hidden_units, args.activation, seed=args.seed)
        elif args.model == "linear":
            task = _linear_task(args.csv, args.x_col, args.y_col, seed=args.seed)
        else:
            task = _polynomial_task(args.csv, args.x_col, args.y_col, degree=args.degree)
        _compile(task, optimizer=args.optimizer, learning_rate=args.learning_rate, loss=args.loss)
    if plot_path and task.x.ndim == 2 and task.x.shape[1] > 1:
        raise ValueError(
            f"--plot draws one input column, but the data has {task.x.shape[1]}; choose one with --x-col."
        )
    for note in task.notes:
        print(f"note: {note}")
    _say(args, f"{task.name}: {task.description}, {args.epochs} epochs")
    log_dir = _new_run_dir(log_root) / task.name if log_root else None
    _train(task, epochs=args.epochs, batch_size=args.batch_size, log_dir=log_dir, quiet=args.quiet)

    outcome = _evaluate(task)
    print(f"learned: {outcome.learned}")
    if outcome.truth != "-":
        print(f"truth:   {outcome.truth}")
    print(f"score:   {outcome.score}")
    if args.strategy != "default":
        print(f"on:      {_describe(args.strategy, strategy)}")
    if log_dir:
        print(f"logs:    {log_dir}   (view: tensorboard --logdir {args.logdir})")
    if save_path:
        _write_atomically(save_path, task.model.save)
        print(f"saved:   {save_path}")
    if plot_path:
        _write_atomically(plot_path, lambda path: plots.save_figure(_figure(task, outcome, plots), path))
        print(f"plot:    {plot_path}")
    return 0


def run_compare(args: argparse.Namespace) -> int:
    """`keras-tape compare`: least squares, the practice's gradient descent and the tape model."""
    from keras_tape.lab import compare

    plot_path = _check_output_file(args.plot, "--plot", (".png", ".svg", ".pdf"))
    plots = _load_plots() if plot_path else None
    keras = _import_keras()
    keras.utils.set_random_seed(args.seed)
    x, y = _read_csv(args.csv, args.x_col, args.y_col)
    results = compare.compare_fits(
        x, y, gd_learning_rate=args.gd_learning_rate, gd_iterations=args.gd_iterations, epochs=args.epochs
    )
    print(f"y = slope*x + intercept fitted to the {len(y)} rows of {args.csv}:")
    print(compare.format_comparison(results))
    if plot_path:
        curves = {f"{r.method}: {r.slope:.4f}x + {r.intercept:.4f}": r.predict for r in results}
        figure = plots.regression_figure(x, y, curves, title=f"{Path(args.csv).name}: three fits of a line")
        _write_atomically(plot_path, lambda path: plots.save_figure(figure, path))
        print(f"plot: {plot_path}")
    return 0


def run_tensorboard(args: argparse.Namespace) -> int:
    """`keras-tape tensorboard`: serves `--logdir` on 127.0.0.1 until Ctrl-C."""
    logdir = Path(args.logdir)
    if not logdir.is_dir():
        raise FileNotFoundError(
            f"--logdir {str(logdir)!r} is not a folder; 'keras-tape demo' writes its logs to runs/."
        )
    _check_port_free(args.port)
    url = f"http://127.0.0.1:{args.port}/"
    command = [sys.executable, "-m", "tensorboard.main", "--logdir", str(logdir), "--host", "127.0.0.1",
               "--port", str(args.port)]
    # TensorBoard's own start-up chatter goes to a file; it is shown only if it fails.
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        try:
            _wait_until_serving(process, url, output)
            print(f"TensorBoard at {url} showing {logdir} (Ctrl-C stops it)", flush=True)
            status = process.wait()
            if status != 0:
                raise RuntimeError(f"tensorboard exited with status {status}: {_last_line(output)}")
        finally:
            _stop(process)
    return 0


# --------------------------------------------------------------------------- tasks


@dataclasses.dataclass
class _Task:
    """A model with its data, as the demo and `fit` train and report it."""

    name: str
    description: str
    model: Any
    x: np.ndarray
    y: np.ndarray
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    truth_coef: tuple[float, ...] | None = None  # ascending, for synthetic regression data
    batch_size: int | None = None  # None: full batch
    notes: list[str] = dataclasses.field(default_factory=list)
    one_hot: bool = False  # the MLP's targets, when its loss is mse or mae


@dataclasses.dataclass
class _Outcome:
    learned: str
    truth: str
    score: str
    y_pred: np.ndarray | None = None


def _linear_task(csv: str | None = None, x_col=None, y_col=-1, *, seed: int) -> _Task:
    from keras_tape import data
    from keras_tape.models import LinearRegression

    if csv:
        x, y = _read_csv(csv, x_col, y_col)
        return _Task("linear", f"LinearRegression on {len(y)} rows of {csv}", LinearRegression(), x, y)
    intercept, slope = LINEAR_TRUTH
    x, y = data.linear_data(slope=slope, intercept=intercept, noise=LINEAR_NOISE, seed=seed)
    description = f"LinearRegression on {len(y)} points of y = {slope}x + {intercept} plus noise (sd {LINEAR_NOISE})"
    return _Task("linear", description, LinearRegression(), x, y, truth_coef=LINEAR_TRUTH)


def _polynomial_task(csv: str | None = None, x_col=None, y_col=-1, *, degree: int) -> _Task:
    from keras_tape import data
    from keras_tape.models import PolynomialRegression

    model = PolynomialRegression(degree=degree)
    if csv:
        x, y = _read_csv(csv, x_col, y_col)
        return _Task("polynomial", f"PolynomialRegression(degree={degree}) on {len(y)} rows of {csv}", model, x, y)
    x, y = data.polynomial_data(coef=POLYNOMIAL_TRUTH)
    description = f"PolynomialRegression(degree={degree}) on y = 6x^2 + 8x + 2 at x = 0..10"
    return _Task("polynomial", description, model, x, y, truth_coef=POLYNOMIAL_TRUTH)


def _mlp_task(
    dataset: str, mnist_path: str | None = None, hidden_units=None, activation: str = "relu", *, seed: int
) -> _Task:
    from keras_tape import data
    from keras_tape.models import MLPClassifier

    notes = []
    if dataset == "digits":
        if mnist_path:
            raise ValueError("--mnist-path is for --dataset mnist; the digits are bundled.")
        (x, y), (x_test, y_test) = _split(*data.load_digits(), seed)
        what = f"{len(x)} bundled 8x8 digits, tested on {len(x_test)}"
    else:
        (x, y), (x_test, y_test), notes = _load_mnist(mnist_path, seed)
        what = f"{len(x)} MNIST images, tested on {len(x_test)}"
    hidden_units = hidden_units or DEFAULT_HIDDEN_UNITS[dataset]
    try:
        model = MLPClassifier(hidden_units=hidden_units, num_classes=10, activation=activation)
    except ValueError:
        raise ValueError(
            f"--activation got {activation!r}, not a Keras activation; expected a name such as "
            "relu, tanh, sigmoid, gelu, elu."
        ) from None
    layers = "-".join(str(n) for n in (x[0].size, *hidden_units, 10))
    return _Task(
        "mlp", f"MLPClassifier {layers} on {what}", model, x, y, x_test, y_test,
        batch_size=DEFAULT_BATCH_SIZE[dataset], notes=notes,
    )


def _load_mnist(path: str | None, seed: int):
    """MNIST scaled to [0, 1]; a folder with only the t10k files is split in two."""
    from keras_tape import data

    notes = []
    if path is None:
        try:
            (x, y), (x_test, y_test) = data.load_mnist()
        except RuntimeError as error:
            raise RuntimeError(
                f"--dataset mnist without --mnist-path downloads MNIST through Keras, which failed "
                f"({error.__cause__}); pass --mnist-path with an mnist.npz file or a folder of the "
                "MNIST IDX files."
            ) from None
    else:
        try:
            with _options_named(path="--mnist-path"):
                (x, y), (x_test, y_test) = data.load_mnist(path)
        except FileNotFoundError:
            if not Path(path).is_dir():
                raise
            with _options_named(path="--mnist-path"):
                images, labels = data.load_mnist_test(path)
            (x, y), (x_test, y_test) = _split(images, labels, seed)
            notes.append(
                f"{path} holds only the MNIST test half (t10k files): training on {len(x)} of its "
                f"images and testing on the other {len(x_test)}."
            )
    scale = np.float32(255.0)
    return (x / scale, y), (x_test / scale, y_test), notes


def _read_csv(csv: str, x_col, y_col) -> tuple[np.ndarray, np.ndarray]:
    from keras_tape import data

    with _options_named(path="--csv", x_cols="--x-col", y_col="--y-col"):
        return data.load_csv(csv, x_cols=x_col, y_col=y_col)


@contextlib.contextmanager
def _options_named(**options: str):
    """Re-raises the library's errors naming the command-line option, not the argument.

    Args:
        **options: argument name -> option, e.g. `path="--csv"`.
    """
    try:
        yield
    except (ValueError, TypeError, OSError) as error:
        # The library quotes argument names in backticks: `path`, `x_cols[0]`.
        pattern = re.compile(r"`(" + "|".join(map(re.escape, options)) + r")(\[\d+\])?`")
        message = pattern.sub(lambda match: options[match.group(1)], str(error))
        if message == str(error):
            raise
        raise type(error)(message) from error


def _split(x: np.ndarray, y: np.ndarray, seed: int):
    """A shuffled train/test split, the last TEST_FRACTION of a seeded permutation held out."""
    order = np.random.default_rng(seed).permutation(len(x))
    cut = int(round(len(x) * (1 - TEST_FRACTION)))
    train, test = order[:cut], order[cut:]
    return (x[train], y[train]), (x[test], y[test])


def _compile(task: _Task, optimizer: str | None, learning_rate: float | None, loss: str | None) -> None:
    """Compiles with the model's defaults, replacing what the options name."""
    if task.name == "mlp":
        # The lab trained its MLP with MSE on one-hot targets; crossentropy
        # (the model's default) takes the integer labels.
        task.one_hot = loss in ("mse", "mae")
        loss = loss if task.one_hot else None
    task.model.compile(optimizer=_optimizer(task.model, optimizer, learning_rate), loss=loss)


def _optimizer(model, name: str | None, learning_rate: float | None):
    """The optimizer `--optimizer` and `--learning-rate` ask for; None keeps the model's default."""
    keras = _import_keras()
    if name is None and learning_rate is None:
        return None
    if name is None:
        optimizer = keras.optimizers.get(model.get_compile_defaults()["optimizer"])
    else:
        try:
            optimizer = keras.optimizers.get(name)
        except ValueError:
            raise ValueError(
                f"--optimizer got {name!r}, not a Keras optimizer; expected a name such as "
                "sgd, adam, adamw, rmsprop, adagrad, nadam."
            ) from None
    if learning_rate is not None:
        optimizer = type(optimizer).from_config({**optimizer.get_config(), "learning_rate": learning_rate})
    return optimizer


def _train(task: _Task, *, epochs: int, batch_size: int | None, log_dir: Path | None, quiet: bool) -> None:
    keras = _import_keras()
    callbacks = []
    if log_dir is not None:
        callbacks.append(keras.callbacks.TensorBoard(log_dir=str(log_dir)))
        callbacks.extend(_tape_loggers(task, log_dir, epochs))
    if not quiet:
        callbacks.append(_progress_callback(epochs))
    batch_size = batch_size or task.batch_size or len(task.x)
    validation_data = None
    if task.x_test is not None:
        validation_data = (task.x_test, _targets(task, task.y_test))
    try:
        task.model.fit(
            task.x, _targets(task, task.y), epochs=epochs, batch_size=batch_size,
            validation_data=validation_data, callbacks=callbacks, verbose=0,
        )
    except KeyboardInterrupt:
        # fit() skips on_train_end when interrupted, and that is where the
        # TensorBoard writers flush and close: run it so the logs so far stay.
        for callback in callbacks:
            with contextlib.suppress(Exception):
                callback.on_train_end()
        raise


def _targets(task: _Task, labels: np.ndarray) -> np.ndarray:
    return np.eye(10, dtype="float32")[labels] if task.one_hot else labels


def _progress_callback(epochs: int):
    """Progress per epoch: a live bar on a terminal, about ten plain lines elsewhere."""
    keras = _import_keras()
    if sys.stdout.isatty():
        bar = keras.utils.Progbar(epochs, unit_name="epoch", stateless_metrics=())
        return keras.callbacks.LambdaCallback(
            on_epoch_end=lambda epoch, logs: bar.update(epoch + 1, list((logs or {}).items()))
        )
    # A redrawn bar turns a log file into one unreadable line.
    every = max(1, epochs // 10)

    def report(epoch, logs):
        if (epoch + 1) % every == 0 or epoch + 1 == epochs:
            metrics = "".join(f" - {name}: {value:.4g}" for name, value in (logs or {}).items())
            print(f"epoch {epoch + 1}/{epochs}{metrics}", flush=True)

    return keras.callbacks.LambdaCallback(on_epoch_end=report)


def _tape_loggers(task: _Task, log_dir: Path, epochs: int) -> list:
    """keras_tape's own TensorBoard callbacks, when that package imports."""
    try:
        from keras_tape import callbacks
    except ImportError:
        return []
    log_dir = str(log_dir)
    loggers = [
        callbacks.GradientLogger(log_dir),
        callbacks.ParameterLogger(log_dir),
        callbacks.HParamsLogger(log_dir),
    ]
    if task.x_test is not None:
        data, run = (task.x_test, task.y_test), "validation"
    else:
        data, run = (task.x, task.y), "train"
    with contextlib.suppress(ImportError):  # it draws with matplotlib, an optional dependency
        loggers.append(callbacks.PredictionPlotLogger(log_dir, data=data, every=max(1, epochs // 5), run=run))
    return loggers


def _evaluate(task: _Task) -> _Outcome:
    from keras_tape.models._whitened import format_equation

    if task.name == "mlp":
        logits = task.model.predict(task.x_test, verbose=0)
        y_pred = np.argmax(logits, axis=-1)
        correct = int(np.sum(y_pred == task.y_test))
        return _Outcome(
            learned=f"{correct} of {len(y_pred)} held-out labels right",
            truth="-",
            score=f"accuracy {correct / len(y_pred):.4f}",
            y_pred=y_pred,
        )
    y_fit = task.model.predict(task.x, verbose=0).reshape(-1)
    mse = float(np.mean((y_fit.astype("float64") - task.y) ** 2))
    truth = "-"
    if task.truth_coef is not None:
        coef = task.truth_coef
        terms = [(coef[k], "x" if k == 1 else f"x^{k}") for k in range(len(coef) - 1, 0, -1)]
        truth = format_equation(terms, coef[0], precision=4)
    return _Outcome(learned=task.model.equation(), truth=truth, score=f"MSE {mse:.4f}")


def _figure(task: _Task, outcome: _Outcome, plots):
    title = f"{type(task.model).__name__} trained by fit()"
    if task.name == "mlp":
        return plots.classification_figure(task.x_test, task.y_test, outcome.y_pred, num_classes=10, title=title)
    fitted = np.concatenate([[task.model.intercept], task.model.coef]) if task.name == "linear" else task.model.coef
    curves = {f"fit: {outcome.learned}": lambda t: np.polynomial.polynomial.polyval(t, fitted)}
    if task.truth_coef is not None:
        curves[f"truth: {outcome.truth}"] = lambda t: np.polynomial.polynomial.polyval(t, task.truth_coef)
    return plots.regression_figure(task.x, task.y, curves, title=title)


# ---------------------------------------------------------------------- strategies


def _create_strategy(name: str):
    """The `tf.distribute` strategy `--strategy` names, made before any other TensorFlow work.

    A MultiWorkerMirroredStrategy must start its server before TensorFlow
    runs anything, and logical devices can only be set up before that too.
    The strategy is made once per process and reused: a second
    MirroredStrategy's collective keys can collide with the first's
    (tensorflow/tensorflow#62790).
    """
    if name == "multi-worker":
        _check_tf_config(os.environ.get("TF_CONFIG"))
    logical_cpus = _logical_cpus()
    _import_keras()
    return _strategy(name, logical_cpus)


@functools.cache
def _strategy(name: str, logical_cpus: int | None):
    import tensorflow as tf

    if logical_cpus:
        _split_cpu(logical_cpus)
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        devices = None  # every GPU, else the one CPU
        if logical_cpus:  # asked for: one replica on each logical CPU, GPUs or not
            devices = [device.name for device in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices)
    with _native_stderr_hidden(_tf_log_level() >= 2):  # its gRPC server's start-up lines
        return tf.distribute.MultiWorkerMirroredStrategy()


@functools.cache
def _split_cpu(count: int) -> None:
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * count)
    except RuntimeError:
        raise RuntimeError(
            f"{LOGICAL_CPUS_ENV}={count} came after TensorFlow started; it works only in a fresh process."
        ) from None


def _logical_cpus() -> int | None:
    """`KERAS_TAPE_LOGICAL_CPUS` (a test aid): how many logical CPUs to split the CPU into."""
    text = os.environ.get(LOGICAL_CPUS_ENV, "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{LOGICAL_CPUS_ENV} must be an integer >= 1, got {text!r}.")
    return int(text)


def _check_tf_config(text: str | None) -> None:
    """Refuses a TF_CONFIG that names no cluster of 2 or more workers, before TensorFlow waits for one."""
    expected = f"expected, on worker I of N: TF_CONFIG='{TF_CONFIG_EXAMPLE}' with index I"
    if not text:
        raise ValueError(f"--strategy multi-worker needs TF_CONFIG, which is not set; {expected}.")
    try:
        config = json.loads(text)
    except ValueError as error:
        raise ValueError(f"TF_CONFIG is not JSON ({error}); {expected}.") from None
    cluster = config.get("cluster") if isinstance(config, dict) else None
    if not isinstance(cluster, dict):
        raise ValueError(f"TF_CONFIG has no \"cluster\" object; {expected}.")
    workers = sum(len(cluster.get(kind) or ()) for kind in ("chief", "worker"))
    if workers < 2:
        raise ValueError(
            f"TF_CONFIG lists {workers} worker(s); --strategy multi-worker needs 2 or more (use "
            f"--strategy mirrored on one machine); {expected}."
        )
    task = config.get("task")
    if not (isinstance(task, dict) and isinstance(task.get("index"), int)
            and 0 <= task["index"] < len(cluster.get(task.get("type")) or ())):
        raise ValueError(
            f"TF_CONFIG's \"task\" ({json.dumps(task)}) is not one of its cluster's workers; {expected}."
        )


@contextlib.contextmanager
def _worker_outputs(strategy):
    """Where this worker writes its files, and whether it prints.

    Yields `place(path)`, which returns where to write `path` (None stays None).
    On the chief (and on one machine) that is `path`, and the output is printed.
    Every other worker of a cluster must still run the same callbacks and
    `predict`, which hold collective operations every worker joins, so it
    writes the same outputs, but into a temporary folder deleted afterwards,
    and prints only errors.
    """
    if strategy.extended.should_checkpoint:
        yield lambda path: None if path is None else Path(path)
        return
    with tempfile.TemporaryDirectory(prefix="keras-tape-worker-") as scratch, \
            open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):

        def place(path):
            if path is None:
                return None
            moved = Path(scratch, *Path(path).resolve().parts[1:])
            moved.parent.mkdir(parents=True, exist_ok=True)
            return moved

        yield place


def _describe(name: str, strategy) -> str:
    """E.g. "MirroredStrategy, 2 replicas" (TensorFlow's own class name for multi-worker is another)."""
    replicas = strategy.num_replicas_in_sync
    return f"{STRATEGY_CLASSES[name]}, {replicas} replica{'s' if replicas != 1 else ''}"


# ------------------------------------------------------------------------- helpers


def _say(args: argparse.Namespace, message: str) -> None:
    if not args.quiet:
        print(message, flush=True)


@functools.cache
def _import_keras():
    """Imports Keras (and TensorFlow) on first use, so `--help` does not wait for them.

    TensorFlow's start-up lines (CUDA probing, oneDNN notices) ignore
    TF_CPP_MIN_LOG_LEVEL, so at its default here (2) they are caught at the
    file-descriptor level and shown only if the import fails; set
    TF_CPP_MIN_LOG_LEVEL=0 to see them.
    """
    with _native_stderr_hidden(_tf_log_level() >= 2):
        import keras
        import tensorflow as tf

        tf.config.list_physical_devices()
    return keras


def _tf_log_level() -> int:
    try:
        return int(os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0"))
    except ValueError:
        return 0


@contextlib.contextmanager
def _native_stderr_hidden(hide: bool):
    """Sends file descriptor 2 to a temporary file; replays it if the block raises."""
    if not hide:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _plots_or_none():
    try:
        from keras_tape import plots
    except ImportError:
        return None
    return plots


def _load_plots():
    from keras_tape import plots  # matplotlib is optional: import on use

    return plots


def _check_output_file(path: str | None, option: str, suffixes: Sequence[str]) -> Path | None:
    """Checks an output file before training, so a typo does not cost a whole run."""
    if path is None:
        return None
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        raise ValueError(f"{option} must name a {' or '.join(suffixes)} file, got {str(path)!r}.")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"{option}: the folder {str(path.parent)!r} of {str(path)!r} does not exist.")
    if path.is_dir():
        raise IsADirectoryError(f"{option}: {str(path)!r} is a folder; expected a file name.")
    return path


def _write_atomically(path: Path, write: Callable[[str], None]) -> None:
    """Calls `write(temporary_path)` beside `path`, then renames it into place.

    An error or Ctrl-C while writing leaves no half-written file at `path`.
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


def _new_run_dir(root: str) -> Path:
    """`<root>/<timestamp>`, a fresh folder for this run's logs."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    run_dir = Path(root) / stamp
    suffix = 1
    while run_dir.exists():  # two runs in the same second keep separate folders
        suffix += 1
        run_dir = Path(root) / f"{stamp}-{suffix}"
    return run_dir


def _check_port_free(port: int) -> None:
    # TensorBoard fails late when the port is taken, and the server already
    # there would answer our readiness probe: check first.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As TensorBoard's server does, so a port a stopped server just left is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise OSError(f"--port {port} is in use on 127.0.0.1; choose another with --port.") from None


def _wait_until_serving(process: subprocess.Popen, url: str, output) -> None:
    deadline = time.monotonic() + TENSORBOARD_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tensorboard exited with status {process.returncode}: {_last_line(output)}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.25)
    raise RuntimeError(f"tensorboard did not answer at {url} within {TENSORBOARD_START_TIMEOUT_S} s.")


def _last_line(output) -> str:
    output.seek(0)
    lines = output.read().decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else "(no output)"


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
