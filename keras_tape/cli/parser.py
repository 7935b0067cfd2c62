"""The `keras-tape` argument parser and `main`: standard library only.

`--help`, `--version` and every argument error answer from here, before
TensorFlow (or numpy) is imported; a command's module is imported only to
run it.
"""

from __future__ import annotations

import argparse
import importlib
import math
import sys
import traceback
from collections.abc import Callable, Sequence

from keras_tape.cli.errors import UsageError

PROG = "keras-tape"
EXIT_BUG = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

# Full-batch SGD on the whitened regressions shrinks the error by 0.8 an epoch,
# so 100 epochs reach least squares; the MLP needs passes over the data instead.
DEFAULT_EPOCHS = {"linear": 100, "polynomial": 100, "mlp": 20}

STRATEGY_CLASSES = {
    "default": "the default strategy",
    "mirrored": "MirroredStrategy",
    "multi-worker": "MultiWorkerMirroredStrategy",
}
STRATEGIES = tuple(STRATEGY_CLASSES)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the `keras-tape` command line.

    Args:
        argv: the arguments after the program name; default `sys.argv[1:]`.

    Returns:
        The exit status: 0 on success, 1 on an unexpected error (a bug: its
        traceback is shown), 2 on bad input (`UsageError` or a file the system
        refuses, one line), 130 when interrupted. Errors of argument parsing
        (and `--help`) raise `SystemExit` as argparse does.

    Example:

    ```python
    from keras_tape.cli import main

    status = main(["fit", "polynomial", "--quiet"])  # prints the learned polynomial
    ```
    """
    try:
        args = build_parser().parse_args(argv)
        from keras_tape.cli import runtime  # standard library only, like this module

        with runtime.quiet_tensorflow(verbose=args.verbose):
            return _run(args)
    except KeyboardInterrupt:
        sys.stdout.flush()
        # A live progress bar leaves the terminal's cursor mid-line.
        print(f"{chr(10) if sys.stdout.isatty() else ''}{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _run(args: argparse.Namespace) -> int:
    command = importlib.import_module(f"keras_tape.cli.{args.command}")
    try:
        return command.run(args)
    except (UsageError, OSError) as error:
        if args.traceback:
            traceback.print_exc()
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except Exception:
        traceback.print_exc()
        hint = "" if args.verbose else "; --verbose shows TensorFlow's own log"
        print(f"{PROG}: unexpected error (a bug: please report it with the traceback above{hint})", file=sys.stderr)
        return EXIT_BUG


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, like the command's own errors."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The `keras-tape` argument parser, with one subcommand per command.

    Example:

    ```python
    args = build_parser().parse_args(["fit", "linear", "--epochs", "5"])
    args.command, args.model, args.epochs  # ('fit', 'linear', 5)
    ```
    """
    from keras_tape import __version__

    parser = _Parser(
        prog=PROG,
        description="Train the lab's models with fit() through an explicit tf.GradientTape step.",
        epilog="Run 'keras-tape COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_diagnostic_options(parser, default=False)
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
    if not (math.isfinite(value) and value > 0):
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


def _add_diagnostic_options(parser: argparse.ArgumentParser, default) -> None:
    # Accepted before the command and after it: a subcommand's default would
    # overwrite what the main parser read, so there it is SUPPRESS.
    group = parser.add_argument_group("diagnostics")
    group.add_argument(
        "--verbose",
        action="store_true",
        default=default,
        help="show TensorFlow's own log lines (hidden by default)",
    )
    group.add_argument(
        "--traceback",
        action="store_true",
        default=default,
        help="show an input error's traceback too, not only its one line",
    )


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
    _add_diagnostic_options(demo, default=argparse.SUPPRESS)


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
    _add_csv_options(linear, what="the lab's formula")
    _add_training_options(linear, "linear", batch_help="full batch")

    polynomial = models.add_parser(
        "polynomial",
        help="polynomial regression on one input",
        description="Polynomial regression y = c0 + c1 x + ... + cd x^d. Without --csv: the lab's y = 6x^2 + 8x + 2.",
    )
    _add_csv_options(polynomial, what="the lab's formula")
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


def _add_csv_options(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--csv", help=f"a CSV file of numbers, with or without a header row (default: {what})")
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
        "--strategy",
        choices=STRATEGIES,
        default="default",
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
        "--epochs",
        type=_int_at_least(1),
        default=DEFAULT_EPOCHS[model],
        help=f"epochs (default: {DEFAULT_EPOCHS[model]})",
    )
    training.add_argument(
        "--batch-size",
        type=_int_at_least(1),
        help=f"the global batch size, split across the replicas of --strategy (default: {batch_help})",
    )
    training.add_argument("--optimizer", help="a Keras optimizer name: sgd, adam, rmsprop, ... (default: the model's)")
    training.add_argument("--learning-rate", type=_positive_float, help="learning rate (default: the optimizer's)")
    training.add_argument(
        "--loss",
        choices=losses,
        default=losses[0],
        help=f"loss (default: {losses[0]}{'; ' + loss_help if loss_help else ''})",
    )
    _add_seed_option(training)
    _add_strategy_option(training)
    output = parser.add_argument_group("output")
    output.add_argument("--logdir", help="write TensorBoard logs to LOGDIR/<timestamp>/<model>")
    output.add_argument("--save", metavar="FILE.keras", help="save the trained model")
    output.add_argument("--plot", metavar="FILE.png", help="draw the fit (or the errors) into an image")
    output.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_diagnostic_options(parser, default=argparse.SUPPRESS)


def _add_compare_parser(commands) -> None:
    compare = commands.add_parser(
        "compare",
        help="the lab's task: least squares, the practice's gradient descent and the tape model",
        description=(
            "Fits y = slope*x + intercept to a two-column CSV (default: the lab's practice data, "
            "100 rows) three ways: closed-form least squares, the earlier practice's plain "
            "gradient descent (MSE, from slope = intercept = 0) and keras_tape's "
            "LinearRegression trained by fit() through the tape, and prints slope, intercept, "
            "MSE, steps and time of each."
        ),
    )
    _add_csv_options(compare, what="the practice's data, keras_tape.data.load_practice02()")
    compare.add_argument(
        "--epochs", type=_int_at_least(1), default=300, help="full-batch epochs of the tape model (default: 300)"
    )
    compare.add_argument(
        "--gd-learning-rate",
        type=_positive_float,
        default=1e-4,
        help="learning rate of the practice's gradient descent (default: 1e-4)",
    )
    compare.add_argument(
        "--gd-iterations",
        type=_int_at_least(1),
        default=1000,
        help="iterations of the practice's gradient descent (default: 1000)",
    )
    _add_seed_option(compare)
    compare.add_argument("--plot", metavar="FILE.png", help="draw the data and the three lines")
    _add_diagnostic_options(compare, default=argparse.SUPPRESS)


def _add_tensorboard_parser(commands) -> None:
    board = commands.add_parser(
        "tensorboard",
        help="serve the logs with TensorBoard on 127.0.0.1",
        description="Starts TensorBoard on 127.0.0.1, prints its address and runs until Ctrl-C.",
    )
    board.add_argument("--logdir", default="runs", help="the logs' folder (default: runs)")
    board.add_argument("--port", type=_port, default=6006, help="the port (default: 6006)")
    _add_diagnostic_options(board, default=argparse.SUPPRESS)
