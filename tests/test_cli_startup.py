"""`keras-tape` at once and quietly: no TensorFlow for --help and argument errors, exit statuses, docs' help.

The startup checks run the command in a fresh interpreter (nothing imported
yet) and look at `sys.modules` afterwards; how long they take is measured in
`benchmarks/bench_cli.py`, not here.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from keras_tape import cli
from keras_tape.cli import UsageError

ROOT = Path(__file__).resolve().parents[1]
ENV = {name: value for name, value in os.environ.items() if name not in ("TF_CPP_MIN_LOG_LEVEL", "TF_CONFIG")}

# Each must answer from the parser or a file check: exit status, and no TensorFlow, Keras or numpy.
FAST_ANSWERS = [
    (["--help"], 0),
    (["--version"], 0),
    (["demo", "--help"], 0),
    (["fit", "--help"], 0),
    (["fit", "linear", "--help"], 0),
    (["fit", "polynomial", "--help"], 0),
    (["fit", "mlp", "--help"], 0),
    (["compare", "--help"], 0),
    (["tensorboard", "--help"], 0),
    (["fit", "linear", "--epochs", "0"], 2),
    (["fit", "mlp", "--dataset", "cifar"], 2),
    (["train"], 2),
    (["fit", "linear", "--csv", "missing.csv"], 2),
    (["compare", "--csv", "missing.csv"], 2),
    (["fit", "mlp", "--dataset", "mnist", "--mnist-path", "/nonexistent"], 2),
    (["fit", "linear", "--save", "model.h5"], 2),
    (["fit", "polynomial", "--plot", "no/such/folder/fit.png"], 2),
    (["fit", "linear", "--strategy", "multi-worker"], 2),
    (["tensorboard", "--logdir", "no-such-folder"], 2),
]

CHECK = """
import sys
from keras_tape.cli import main

statuses = []
for argv in {argvs!r}:
    try:
        statuses.append(main(argv))
    except SystemExit as exit:
        statuses.append(exit.code)
print("RESULT", statuses, sorted(m for m in ("tensorflow", "keras", "numpy") if m in sys.modules))
"""


def test_help_and_argument_errors_import_no_tensorflow(tmp_path):
    argvs = [argv for argv, _ in FAST_ANSWERS]
    result = subprocess.run(
        [sys.executable, "-c", CHECK.format(argvs=argvs)],
        cwd=tmp_path,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    assert line == f"RESULT {[status for _, status in FAST_ANSWERS]} []"
    errors = result.stderr.splitlines()
    assert len(errors) == sum(status == 2 for _, status in FAST_ANSWERS)
    assert all(re.match(r"keras-tape( [a-z]+)*: error: ", error) for error in errors), errors


# ------------------------------------------------------------------ exit statuses


def test_an_unexpected_exception_shows_its_traceback_and_exits_1(capsys, monkeypatch):
    def bug(*args, **kwargs):
        raise ValueError("a bug, not the user's input")

    monkeypatch.setattr("keras_tape.cli.fit._fit", bug)
    status = cli.main(["fit", "linear", "--quiet"])
    err = capsys.readouterr().err
    assert status == 1
    assert "Traceback (most recent call last)" in err and "ValueError: a bug, not the user's input" in err
    assert err.splitlines()[-1].startswith("keras-tape: unexpected error (a bug: please report it")


def test_traceback_shows_where_an_input_error_came_from(capsys, monkeypatch):
    def refuse(*args, **kwargs):
        raise UsageError("--csv has no rows.")

    monkeypatch.setattr("keras_tape.cli.fit._fit", refuse)
    assert cli.main(["fit", "linear"]) == 2
    assert capsys.readouterr().err == "keras-tape: error: --csv has no rows.\n"
    assert cli.main(["--traceback", "fit", "linear"]) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "UsageError: --csv has no rows." in err
    assert err.splitlines()[-1] == "keras-tape: error: --csv has no rows."


def test_verbose_and_traceback_are_read_before_and_after_the_command():
    parser = cli.build_parser()
    before = parser.parse_args(["--verbose", "fit", "linear"])
    after = parser.parse_args(["fit", "linear", "--traceback"])
    neither = parser.parse_args(["compare"])
    assert (before.verbose, before.traceback) == (True, False)
    assert (after.verbose, after.traceback) == (False, True)
    assert (neither.verbose, neither.traceback) == (False, False)


# ------------------------------------------------------------- docs/cli.md's help


def quoted_help_texts() -> dict[str, str]:
    """`keras-tape ... --help` command -> the output docs/cli.md shows for it."""
    text = (ROOT / "docs" / "cli.md").read_text()
    quoted = {}
    for block in re.findall(r"^```\n(.*?)^```$", text, flags=re.S | re.M):
        for command, output in re.findall(r"^\$ (keras-tape[^\n]* --help)\n(.*?)(?=^\$ |\Z)", block, re.S | re.M):
            quoted[command] = output
    return quoted


def test_docs_quote_the_help_texts_as_they_are(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    quoted = quoted_help_texts()
    assert "keras-tape --help" in quoted and len(quoted) >= 3
    for command, expected in quoted.items():
        with pytest.raises(SystemExit):
            cli.main(command.split()[1:])
        assert capsys.readouterr().out == expected, command
