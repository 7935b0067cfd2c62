"""`python -m benchmarks [--quick]`: every comparison, printed and written to results.md."""

from __future__ import annotations

import argparse
import datetime
from pathlib import Path

from benchmarks import bench_callbacks, bench_cli, bench_scaling, bench_speed
from benchmarks._timing import machine, table

# The protocol and history written by hand below the tables survive a re-run.
NOTES_HEADING = "## Notes and history"
SPEED_COLUMNS = ["comparison", "median_s", "ms_per_epoch", "ratio", "vs_raw", "peak_rss_mib", "rss_vs_stock"]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats and sizes")
    parser.add_argument("--output", default=str(Path(__file__).with_name("results.md")))
    args = parser.parse_args()
    repeats = 2 if args.quick else 3

    sections = [("Speed (ratios against the first row of each group)", bench_speed.run(args.quick), SPEED_COLUMNS)]
    sections.append(
        ("Gradient logging cost (MLP, steady-state epoch: median of the last 4 of 6)", bench_callbacks.run(), None)
    )
    sections.append(("Command start-up: --help and bad input, fresh processes", bench_cli.run(args.quick), None))
    sections += [
        ("MLP epoch vs batch size (60,000 rows)", bench_scaling.mlp_vs_batch_size(repeats=repeats - 1), None),
        ("MLP epoch vs data size (batch 128)", bench_scaling.mlp_vs_data_size(repeats=repeats - 1), None),
        ("Polynomial fit vs degree (fresh model, 300 epochs, x in 0..100)", bench_scaling.polynomial_vs_degree(repeats=repeats - 1), None),
    ]
    text = [
        "# Benchmark results",
        "",
        f"Measured {datetime.date.today()} on {machine()}. Medians of {repeats} runs "
        "or more (scaling tables: fewer). Contenders take turns (the MLP epoch variants "
        "each in a process of their own, the others in one); a ratio "
        "is the median of each round's ratio. Every timed call starts after a garbage "
        "collection and a 0.5 s pause, with the collector off (as `timeit` does).",
    ]
    for title, rows, columns in sections:
        text += ["", f"## {title}", "", table(rows, columns or list(rows[0]))]
        print(f"\n{title}\n{table(rows, columns or list(rows[0]))}", flush=True)
    output = Path(args.output)
    notes = output.read_text().partition(NOTES_HEADING) if output.exists() else ("", "", "")
    if notes[1]:
        text += ["", notes[1] + notes[2].rstrip("\n")]
    output.write_text("\n".join(text) + "\n")
    print(f"\nwritten to {args.output}")


if __name__ == "__main__":
    main()
