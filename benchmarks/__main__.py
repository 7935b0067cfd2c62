"""`python -m benchmarks [--quick]`: every comparison, printed and written to results.md."""

from __future__ import annotations

import argparse
import datetime
from pathlib import Path

from benchmarks import bench_callbacks, bench_cli, bench_fresh, bench_scaling, bench_speed
from benchmarks._timing import machine, table

# The protocol and history written by hand below the tables survive a re-run.
NOTES_HEADING = "## Notes and history"
SPEED_COLUMNS = ["comparison", "median_s", "ms_per_epoch", "ratio", "vs_raw", "peak_rss_mib", "rss_vs_stock"]

# Issue #18's five targets: (target, row whose number is judged, column, the bound it must stay within).
TARGETS = [
    ("1. first epoch of a fresh MLP, ours / stock", "MLP, first epoch of a fresh model, MLPClassifier", "ratio", 1.0),
    ("2. warm MLP epoch, ours / raw loop", "MLP epoch, MLPClassifier compile() defaults", "vs_raw", 1.15),
    ("2. warm MLP epoch, ours / stock", "MLP epoch, MLPClassifier compile() defaults", "ratio", 1 / 1.8),
    ("3. time to 95% accuracy, ours / stock", "time to 95% held-out accuracy, MLPClassifier", "ratio", 0.5),
    ("4. lab polynomial, ours / hand loop", "lab polynomial: PolynomialRegression", "ratio", 1 / 30),
    ("5. import keras_tape beyond import keras (s)", "import keras_tape and its submodules after", "extra_s", 0.3),
]


def targets(rows: list[dict]) -> list[dict]:
    """One row a target of issue #18: the measured median, its bound, and whether it holds."""
    summary = []
    for name, prefix, column, bound in TARGETS:
        value = next(row[column] for row in rows if row["comparison"].startswith(prefix))
        summary.append({"target": name, "median": value, "at_most": bound, "met": "yes" if value <= bound else "NO"})
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats and sizes")
    parser.add_argument("--output", default=str(Path(__file__).with_name("results.md")))
    args = parser.parse_args()
    repeats = 2 if args.quick else 3

    def section(title: str, rows: list[dict], columns=None) -> tuple:
        print(f"\n{title}\n{table(rows, columns or list(rows[0]))}", flush=True)
        return title, rows, columns

    speed = section("Speed (ratios against the first row of each group)", bench_speed.run(args.quick), SPEED_COLUMNS)
    fresh = section(
        "Fresh processes: import, time to accuracy (ratios against the first row of each group)",
        bench_fresh.run(args.quick),
        bench_fresh.COLUMNS,
    )
    sections = [
        section("Targets of issue #18 (medians from the tables below)", targets(speed[1] + fresh[1])),
        fresh,
        speed,
        section("Command start-up: --help and bad input, fresh processes", bench_cli.run(args.quick)),
        section("Gradient logging cost (MLP, steady-state epoch: median of the last 4 of 6)", bench_callbacks.run()),
        section("MLP epoch vs batch size (60,000 rows)", bench_scaling.mlp_vs_batch_size()),
        section("MLP epoch vs data size (batch 128)", bench_scaling.mlp_vs_data_size()),
        section(
            "Polynomial fit vs degree (fresh model, 300 epochs, x in 0..100)",
            bench_scaling.polynomial_vs_degree(repeats=repeats - 1),
        ),
    ]
    text = [
        "# Benchmark results",
        "",
        (
            f"Measured {datetime.date.today()} on {machine()}. Medians of {repeats} runs "
            "or more (scaling tables: fewer). Contenders take turns (the MLP's warm epochs and fresh "
            "fits, the imports and the runs to 95% accuracy each in a fresh process of their own, "
            "the others in one); a ratio is the median of each round's ratio. Every timed call "
            "in a shared process starts after a garbage collection and a 0.5 s pause, with the "
            "collector off (as `timeit` does). Fresh-process clocks start before `import keras` "
            "and leave out the interpreter's start and reading the data. The MLP rows run on "
            "whatever device TensorFlow picks (a GPU when present)."
        ),
    ]
    for title, rows, columns in sections:
        text += ["", f"## {title}", "", table(rows, columns or list(rows[0]))]
    output = Path(args.output)
    notes = output.read_text().partition(NOTES_HEADING) if output.exists() else ("", "", "")
    if notes[1]:
        text += ["", notes[1] + notes[2].rstrip("\n")]
    output.write_text("\n".join(text) + "\n")
    print(f"\nwritten to {args.output}")


if __name__ == "__main__":
    main()
