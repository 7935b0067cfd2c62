"""The `keras-tape` command: its commands, outputs, files and every error path.

Most checks call `keras_tape.cli.main` in this process; a few run the
installed console script in a subprocess (each that trains costs a
TensorFlow import, a few seconds): `--help`, `python -m keras_tape` on an
error, the demo, compare on the practice's data, Ctrl-C during `fit`, and
`tensorboard`. Their stderr must be empty but for the command's own lines.
"""

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import keras
import numpy as np
import pytest

import keras_tape.data
from keras_tape import cli
from keras_tape.cli.tasks import Task

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
PRACTICE_CSV = SHARED_DATA / "practice02.csv"
MNIST_DIR = SHARED_DATA / "mnist"
SCRIPT = Path(sys.executable).with_name("keras-tape")
if not SCRIPT.exists():
    SCRIPT = Path(shutil.which("keras-tape") or SCRIPT)
# Without TF_CPP_MIN_LOG_LEVEL: the command itself must keep TensorFlow's log lines away.
ENV = {name: value for name, value in os.environ.items() if name != "TF_CPP_MIN_LOG_LEVEL"}


# ---------------------------------------------------------------------- helpers


def run_script(*args, cwd, timeout=120):
    return subprocess.run(
        [str(SCRIPT), *map(str, args)], cwd=cwd, env=ENV, capture_output=True, text=True, timeout=timeout
    )


def start_script(*args, cwd):
    # A shell that started us in the background may have set SIGINT to
    # "ignore", which children inherit; Ctrl-C tests need it delivered.
    return subprocess.Popen(
        [str(SCRIPT), *map(str, args)],
        cwd=cwd,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def event_tags(folder: Path) -> set[str]:
    """Every summary tag in the TensorBoard event files directly in `folder`."""
    import tensorflow as tf

    tags = set()
    for file in glob.glob(str(folder / "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(file):
            tags.update(value.tag for value in event.summary.value)
    return tags


def call(capsys, *args):
    """Runs `main(args)` here; returns (status, stdout, stderr)."""
    status = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


def expect_error(capsys, *args) -> str:
    """Runs a command that must fail on its input; returns its one error line."""
    status, out, err = call(capsys, *args)
    assert status == 2, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("keras-tape: error: "), err
    return lines[0]


def expect_usage_error(capsys, *args) -> str:
    """Runs a command argparse must refuse; returns its one error line."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main([str(a) for a in args])
    assert exit_info.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and ": error: " in lines[0], lines
    return lines[0]


@pytest.fixture
def header_csv(tmp_path):
    """A CSV with a header: hours, noise, score = 3 * hours + 4, exactly."""
    hours = np.linspace(0, 10, 40)
    noise = np.random.default_rng(0).normal(size=40)
    rows = "\n".join(f"{h:.6f},{n:.6f},{3 * h + 4:.6f}" for h, n in zip(hours, noise))
    path = tmp_path / "scores.csv"
    path.write_text("hours,noise,score\n" + rows + "\n")
    return path


# --------------------------------------------------------- the console script


@pytest.mark.multiprocess
def test_console_script_help_lists_the_commands(tmp_path):
    result = run_script("--help", cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    for command in ("demo", "fit", "compare", "tensorboard"):
        assert command in result.stdout


@pytest.mark.multiprocess
def test_python_m_keras_tape_reports_a_missing_file_in_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "keras_tape", "compare", "--csv", "missing.csv"],
        cwd=tmp_path,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr == (
        "keras-tape: error: --csv must be an existing path, got 'missing.csv', which does not exist.\n"
    )


@pytest.mark.multiprocess
def test_demo_trains_three_models_and_writes_logs(tmp_path):
    result = run_script("demo", "--epochs", 2, "--logdir", "logs", cwd=tmp_path, timeout=180)
    assert result.returncode == 0 and result.stderr == "", result.stderr[-3000:]
    out = result.stdout
    assert "y = 6.1200*x + 1.3500" in out and "y = 6.0000*x^2 + 8.0000*x + 2.0000" in out
    assert "epoch 2/2" in out  # progress, as plain lines when not on a terminal
    assert "tensorboard --logdir logs" in out
    (run_dir,) = (tmp_path / "logs").iterdir()
    for model in ("linear", "polynomial", "mlp"):
        assert "epoch_loss" in event_tags(run_dir / model / "train"), model
        assert (run_dir / f"{model}.png").stat().st_size > 0
    assert "epoch_loss" in event_tags(run_dir / "mlp" / "validation")
    rows = {line.split()[0]: line for line in out.splitlines() if line.split()[:1] in (["linear"], ["mlp"])}
    assert "accuracy" in rows["mlp"]


@pytest.mark.multiprocess
@pytest.mark.skipif(not PRACTICE_CSV.exists(), reason=f"shared data not found at {PRACTICE_CSV}")
def test_compare_on_the_practice_data(tmp_path):
    result = run_script("compare", "--csv", PRACTICE_CSV, "--plot", "lines.png", cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == "", result.stderr[-3000:]
    rows = {line[:27].strip(): line[27:].split() for line in result.stdout.splitlines()}
    assert rows["least squares (numpy)"][:4] == ["1.3224", "7.9910", "110.2574", "-"]
    assert rows["practice's gradient descent"][:4] == ["1.4777", "0.0889", "112.6148", "1000"]
    assert rows["LinearRegression.fit (tape)"][:4] == ["1.3224", "7.9910", "110.2574", "300"]
    assert (tmp_path / "lines.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.multiprocess
def test_ctrl_c_exits_130_and_keeps_the_logs(tmp_path):
    process = start_script("fit", "linear", "--epochs", 10**6, "--logdir", "logs", cwd=tmp_path)
    deadline = time.monotonic() + 120
    while not glob.glob(str(tmp_path / "logs" / "*" / "linear" / "train" / "events.*")):
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()[1][-3000:]
        time.sleep(0.2)
    time.sleep(3.0)  # some epochs (the first traces the step: slow on a busy machine), buffered
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err[-3000:]
    assert err.splitlines() == ["keras-tape: interrupted"]
    (run_dir,) = (tmp_path / "logs").iterdir()
    assert "epoch_loss" in event_tags(run_dir / "linear" / "train")


@pytest.mark.multiprocess
def test_tensorboard_serves_the_logs_until_ctrl_c(tmp_path):
    (tmp_path / "runs").mkdir()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = start_script("tensorboard", "--logdir", "runs", "--port", port, cwd=tmp_path)
    try:
        line = process.stdout.readline()
        assert line.startswith(f"TensorBoard at http://127.0.0.1:{port}/"), process.stderr.read()[-3000:]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/data/runs", timeout=10) as response:
            assert response.status == 200
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
        assert process.returncode == 130
        with pytest.raises(OSError):  # the server is gone too
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
    finally:
        process.kill()
        process.communicate()


# ------------------------------------------------------------------ in process


@pytest.mark.parametrize(
    "command", ["demo", "fit", "fit linear", "fit polynomial", "fit mlp", "compare", "tensorboard"]
)
def test_every_command_has_help(capsys, command):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([*command.split(), "--help"])
    assert exit_info.value.code == 0
    assert f"usage: keras-tape {command}" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, expected",
    [
        ("fit linear --epochs 0", "argument --epochs: expected an integer >= 1, got 0"),
        ("fit linear --learning-rate -1", "argument --learning-rate: expected a finite number > 0, got '-1'"),
        ("fit polynomial --degree 0", "argument --degree: expected an integer >= 1, got 0"),
        ("fit mlp --batch-size two", "argument --batch-size: expected an integer >= 1, got 'two'"),
        ("fit mlp --hidden-units 64,0", "argument --hidden-units: expected an integer >= 1, got 0"),
        ("fit mlp --dataset cifar", "argument --dataset: invalid choice: 'cifar'"),
        ("fit linear --loss crossentropy", "argument --loss: invalid choice: 'crossentropy'"),
        ("compare --gd-learning-rate nan --csv x.csv", "argument --gd-learning-rate: expected a finite number > 0"),
        ("fit linear --verbose=yes", "argument --verbose: ignored explicit argument 'yes'"),
        ("tensorboard --port 70000", "argument --port: expected a port number in 1..65535, got 70000"),
        ("train", "argument COMMAND: invalid choice: 'train'"),
    ],
)
def test_bad_option_values_are_refused_in_one_line(capsys, args, expected):
    assert expected in expect_usage_error(capsys, *args.split())


def test_input_errors_exit_2_with_one_line(capsys, tmp_path, header_csv):
    csv = str(header_csv)
    cases = {
        ("fit", "linear", "--csv", tmp_path / "missing.csv"): "--csv must be an existing path",
        ("fit", "linear", "--csv", csv, "--x-col", "age"): "--x-col got the unknown column name 'age'",
        ("compare", "--csv", csv, "--y-col", "7"): "--y-col got the index 7, out of range",
        ("compare", "--csv", csv): "compare fits a line to one input column, but the data has 2; choose one",
        ("fit", "mlp", "--dataset", "mnist", "--mnist-path", "/nonexistent"): "--mnist-path must be an existing path",
        ("fit", "mlp", "--dataset", "mnist", "--mnist-path", tmp_path): "--mnist-path folder",
        ("fit", "mlp", "--mnist-path", "/nonexistent"): "--mnist-path is for --dataset mnist",
        ("fit", "mlp", "--activation", "wiggly"): "--activation got 'wiggly', not a Keras activation",
        ("fit", "linear", "--optimizer", "newton"): "--optimizer got 'newton', not a Keras optimizer",
        ("fit", "linear", "--save", "model.h6"): "--save must name a .keras file",
        ("fit", "linear", "--plot", tmp_path / "no" / "fit.png"): "--plot: the folder",
        ("fit", "linear", "--csv", csv, "--plot", tmp_path / "fit.png"): "--plot draws one input column",
        ("tensorboard", "--logdir", tmp_path / "no-runs"): "is not a folder",
    }
    for args, expected in cases.items():
        assert expected in expect_error(capsys, *args), args
    assert not (tmp_path / "fit.png").exists()


def test_a_failed_mnist_download_names_the_option_to_use(capsys, monkeypatch):
    def offline(path=None):
        try:
            raise OSError("Name or service not known")
        except OSError as cause:
            raise RuntimeError("load_mnist(path=None) could not get MNIST") from cause

    monkeypatch.setattr("keras_tape.data.load_mnist", offline)
    message = expect_error(capsys, "fit", "mlp", "--dataset", "mnist")
    assert message == (
        "keras-tape: error: --dataset mnist without --mnist-path downloads MNIST through Keras, which "
        "failed (Name or service not known); pass --mnist-path with an mnist.npz file or a folder of "
        "the MNIST IDX files."
    )


def test_save_into_a_missing_folder_fails_before_training(capsys, tmp_path):
    target = tmp_path / "no" / "model.keras"
    message = expect_error(capsys, "fit", "linear", "--save", target)
    assert message == f"keras-tape: error: --save: the folder '{target.parent}' of '{target}' does not exist."
    assert not target.parent.exists()


def test_a_failed_save_leaves_no_file_behind(capsys, tmp_path, monkeypatch):
    def save_half_then_fail(self, filepath, *args, **kwargs):
        Path(filepath).write_bytes(b"half a model")
        raise OSError("No space left on device")

    monkeypatch.setattr(keras.Model, "save", save_half_then_fail)
    message = expect_error(capsys, "fit", "linear", "--epochs", 1, "--quiet", "--save", tmp_path / "m.keras")
    assert message == "keras-tape: error: No space left on device"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_fit_linear_on_a_csv_saves_plots_and_logs(capsys, tmp_path, header_csv):
    status, out, err = call(
        capsys,
        "fit",
        "linear",
        "--csv",
        header_csv,
        "--x-col",
        "hours",
        "--y-col",
        "score",
        "--save",
        tmp_path / "line.keras",
        "--plot",
        tmp_path / "line.png",
        "--logdir",
        tmp_path / "logs",
    )
    assert status == 0, err
    assert "learned: y = 3.0000*x + 4.0000" in out
    assert "truth:" not in out  # a CSV has no known truth
    assert "score:   MSE 0.0000" in out
    assert "epoch 100/100" in out
    restored = keras.models.load_model(tmp_path / "line.keras")
    assert restored.equation() == "y = 3.0000*x + 4.0000"
    assert (tmp_path / "line.png").read_bytes()[:4] == b"\x89PNG"
    (run_dir,) = (tmp_path / "logs").iterdir()
    assert "epoch_loss" in event_tags(run_dir / "linear" / "train")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["line.keras", "line.png", "logs", "scores.csv"]


def test_fit_polynomial_recovers_the_lab_formula(capsys):
    status, out, _ = call(capsys, "fit", "polynomial", "--quiet")
    assert status == 0
    assert out.splitlines()[:2] == [
        "learned: y = 6.0000*x^2 + 8.0000*x + 2.0000",
        "truth:   y = 6.0000*x^2 + 8.0000*x + 2.0000",
    ]


def test_fit_linear_options_reach_the_optimizer_and_loss(capsys, monkeypatch):
    compiled = {}
    original = Task.compile

    def spy(task, optimizer, learning_rate, loss):
        original(task, optimizer, learning_rate, loss)
        compiled.update(optimizer=task.model.optimizer, loss=task.model.loss)

    monkeypatch.setattr(Task, "compile", spy)
    status, out, _ = call(
        capsys,
        "fit",
        "linear",
        "--optimizer",
        "adam",
        "--learning-rate",
        0.5,
        "--loss",
        "mae",
        "--epochs",
        3,
        "--quiet",
    )
    assert status == 0
    assert isinstance(compiled["optimizer"], keras.optimizers.Adam)
    assert float(compiled["optimizer"].learning_rate) == pytest.approx(0.5)
    assert compiled["loss"] == "mae"
    assert out.startswith("learned: y = ")


@pytest.mark.slow
def test_fit_mlp_the_labs_way_with_one_hot_mse(capsys, tmp_path):
    status, out, err = call(
        capsys,
        "fit",
        "mlp",
        "--loss",
        "mse",
        "--optimizer",
        "sgd",
        "--learning-rate",
        0.5,
        "--hidden-units",
        32,
        "--epochs",
        3,
        "--plot",
        tmp_path / "digits.png",
    )
    assert status == 0, err
    assert "MLPClassifier 64-32-10 on 1438 bundled 8x8 digits, tested on 359" in out
    accuracy = float(out.split("score:   accuracy ")[1].split()[0])
    assert 0.5 < accuracy <= 1.0
    assert (tmp_path / "digits.png").stat().st_size > 0


@pytest.mark.skipif(
    not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").exists(), reason=f"MNIST test files not in {MNIST_DIR}"
)
@pytest.mark.slow
def test_fit_mlp_on_the_mnist_test_half_splits_it_and_says_so(capsys):
    status, out, err = call(
        capsys,
        "fit",
        "mlp",
        "--dataset",
        "mnist",
        "--mnist-path",
        MNIST_DIR,
        "--hidden-units",
        32,
        "--epochs",
        1,
        "--batch-size",
        128,
        "--quiet",
    )
    assert status == 0, err
    assert out.splitlines()[0] == (
        f"note: {MNIST_DIR} holds only the MNIST test half (t10k files): training on 8000 of its "
        "images and testing on the other 2000."
    )
    assert float(out.split("score:   accuracy ")[1].split()[0]) > 0.8


@pytest.mark.skipif(
    not hasattr(keras_tape.data, "load_practice02"), reason="keras_tape.data.load_practice02 is not in this tree yet"
)
def test_compare_without_csv_fits_the_bundled_practice_data(capsys):
    status, out, err = call(capsys, "compare")
    assert status == 0, err
    assert out.splitlines()[0] == "y = slope*x + intercept fitted to the 100 rows of the lab's practice data:"
    rows = {line[:27].strip(): line[27:].split() for line in out.splitlines()}
    assert rows["least squares (numpy)"][:3] == ["1.3224", "7.9910", "110.2574"]
    assert rows["LinearRegression.fit (tape)"][:3] == ["1.3224", "7.9910", "110.2574"]
