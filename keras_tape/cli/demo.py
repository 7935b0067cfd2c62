"""`keras-tape demo`: the lab's three models on bundled data, logged for TensorBoard."""

from __future__ import annotations

import argparse
from pathlib import Path

from keras_tape.cli import files
from keras_tape.cli import strategy as strategies
from keras_tape.cli.errors import UsageError
from keras_tape.cli.parser import DEFAULT_EPOCHS
from keras_tape.cli.tasks import LinearTask, MLPTask, PolynomialTask


def run(args: argparse.Namespace) -> int:
    """Runs `keras-tape demo` with its parsed options; returns the exit status.

    Example:

    ```python
    run(build_parser().parse_args(["demo", "--epochs", "2", "--quiet"]))
    ```
    """
    strategy = strategies.create_strategy(args.strategy)
    with strategies.worker_outputs(strategy) as place:
        log_root = place(args.logdir)
        if log_root is None:
            raise UsageError("--logdir must name a folder.")
        return _demo(args, strategy, log_root=log_root)


def _demo(args: argparse.Namespace, strategy, log_root: Path) -> int:
    import keras

    plots_available = _plots_available()
    keras.utils.set_random_seed(args.seed)
    run_dir = files.new_run_dir(log_root)
    with strategy.scope():  # one strategy for every model: see strategies.create_strategy
        tasks = [LinearTask.load(seed=args.seed), PolynomialTask.load(degree=2), MLPTask.load("digits", seed=args.seed)]
        for task in tasks:
            task.compile()
    _say(args, f"Training the lab's {len(tasks)} models with fit(); logs go to {run_dir}.")
    rows, figures = [], []
    for number, task in enumerate(tasks, start=1):
        epochs = args.epochs or DEFAULT_EPOCHS[task.name]
        _say(args, f"\n[{number}/{len(tasks)}] {task.name}: {task.description}, {epochs} epochs")
        task.train(epochs=epochs, batch_size=None, log_dir=run_dir / task.name, quiet=args.quiet)
        outcome = task.evaluate()
        rows.append([task.name, outcome.learned, outcome.truth, outcome.score])
        if plots_available:
            figure_path = run_dir / f"{task.name}.png"
            files.save_plot(figure_path, task.figure(outcome))
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
        print(f"Strategy: {strategies.describe(args.strategy, strategy)}")
    print(f"TensorBoard logs: {run_dir}/{{{','.join(task.name for task in tasks)}}}")
    print(f"View them: tensorboard --logdir {args.logdir}   (or: keras-tape tensorboard --logdir {args.logdir})")
    return 0


def _plots_available() -> bool:
    try:
        import keras_tape.plots  # noqa: F401  (matplotlib is optional: the demo then draws nothing)
    except ImportError:
        return False
    return True


def _say(args: argparse.Namespace, message: str) -> None:
    if not args.quiet:
        print(message, flush=True)
