"""`keras-tape compare`: least squares, the practice's gradient descent and the tape model, side by side."""

from __future__ import annotations

import argparse
from pathlib import Path

from keras_tape.cli import files
from keras_tape.cli.errors import UsageError


def run(args: argparse.Namespace) -> int:
    """Runs `keras-tape compare` with its parsed options; returns the exit status.

    Without `--csv` it fits the lab's practice data, `keras_tape.data.load_practice02()`.

    Example:

    ```python
    run(build_parser().parse_args(["compare", "--epochs", "100"]))
    ```
    """
    files.check_input_path(args.csv, "--csv")
    plot_path = files.check_output_file(args.plot, "--plot", files.PLOT_SUFFIXES)
    if plot_path:
        files.load_plots()
    import keras

    from keras_tape import data
    from keras_tape.lab import compare

    keras.utils.set_random_seed(args.seed)
    if args.csv:
        x, y = files.read_csv(args.csv, args.x_col, args.y_col)
        source, name = f"the {len(y)} rows of {args.csv}", args.csv
    else:
        x, y = data.load_practice02()
        source, name = f"the {len(y)} rows of the lab's practice data", "practice02"
    if x.ndim == 2 and x.shape[1] != 1:
        raise UsageError(
            f"compare fits a line to one input column, but the data has {x.shape[1]}; choose one with --x-col."
        )
    results = compare.compare_fits(
        x, y, gd_learning_rate=args.gd_learning_rate, gd_iterations=args.gd_iterations, epochs=args.epochs
    )
    print(f"y = slope*x + intercept fitted to {source}:")
    print(compare.format_comparison(results))
    if plot_path:
        from keras_tape import plots

        curves = {f"{r.method}: {r.slope:.4f}x + {r.intercept:.4f}": r.predict for r in results}
        figure = plots.regression_figure(x, y, curves, title=f"{Path(name).name}: three fits of a line")
        files.save_plot(plot_path, figure)
        print(f"plot: {plot_path}")
    return 0
