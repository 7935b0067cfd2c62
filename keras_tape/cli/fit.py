"""`keras-tape fit MODEL`: trains one model and prints its equation or accuracy."""

from __future__ import annotations

import argparse
from pathlib import Path

from keras_tape.cli import files
from keras_tape.cli import strategy as strategies
from keras_tape.cli.errors import UsageError


def run(args: argparse.Namespace) -> int:
    """Runs `keras-tape fit MODEL` with its parsed options; returns the exit status.

    Every file and option the user named is checked before TensorFlow is
    imported, so a typo answers at once.

    Example:

    ```python
    run(build_parser().parse_args(["fit", "polynomial", "--quiet"]))
    ```
    """
    files.check_input_path(getattr(args, "csv", None), "--csv")
    if getattr(args, "mnist_path", None) and args.dataset != "mnist":
        raise UsageError("--mnist-path is for --dataset mnist; the digits are bundled.")
    files.check_input_path(getattr(args, "mnist_path", None), "--mnist-path")
    save_path = files.check_output_file(args.save, "--save", (".keras",))
    plot_path = files.check_output_file(args.plot, "--plot", files.PLOT_SUFFIXES)
    if plot_path:
        files.load_plots()
    strategy = strategies.create_strategy(args.strategy)
    with strategies.worker_outputs(strategy) as place:
        return _fit(args, strategy, save_path=place(save_path), plot_path=place(plot_path), log_root=place(args.logdir))


def _fit(
    args: argparse.Namespace, strategy, save_path: Path | None, plot_path: Path | None, log_root: Path | None
) -> int:
    import keras

    from keras_tape.cli.tasks import TASKS  # numpy and more: only once the options are checked

    keras.utils.set_random_seed(args.seed)
    with strategy.scope():  # the model, its optimizer and metrics: mirrored variables
        task = TASKS[args.model].from_args(args)
        task.compile(optimizer=args.optimizer, learning_rate=args.learning_rate, loss=args.loss)
    if plot_path:
        task.check_plot()
    for note in task.notes:
        print(f"note: {note}")
    if not args.quiet:
        print(f"{task.name}: {task.description}, {args.epochs} epochs", flush=True)
    log_dir = files.new_run_dir(log_root) / task.name if log_root else None
    task.train(epochs=args.epochs, batch_size=args.batch_size, log_dir=log_dir, quiet=args.quiet)

    outcome = task.evaluate()
    print(f"learned: {outcome.learned}")
    if outcome.truth != "-":
        print(f"truth:   {outcome.truth}")
    print(f"score:   {outcome.score}")
    if args.strategy != "default":
        print(f"on:      {strategies.describe(args.strategy, strategy)}")
    if log_dir:
        print(f"logs:    {log_dir}   (view: tensorboard --logdir {args.logdir})")
    if save_path:
        task.model.save(save_path)  # atomic, and a second process saving there waits its turn
        print(f"saved:   {save_path}")
    if plot_path:
        files.save_plot(plot_path, task.figure(outcome))
        print(f"plot:    {plot_path}")
    return 0
