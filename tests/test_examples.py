"""Runs examples 02-04 as scripts and checks the numbers they print."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.multiprocess

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


# Runs an example with keras.datasets.mnist.load_data serving the shared MNIST test half,
# split 8000 / 2000, as Keras's cache would serve the whole set (no network here).
WITH_SHARED_MNIST = """
import runpy, sys
import keras
from keras_tape.data import load_mnist_test
images, labels = load_mnist_test(sys.argv[1])
keras.datasets.mnist.load_data = lambda path="mnist.npz": (
    (images[:8000], labels[:8000]), (images[8000:], labels[8000:]))
runpy.run_path(sys.argv[2], run_name="__main__")
"""


def run_example(name: str, mnist_dir: Path | None = None) -> dict[str, str]:
    """Runs examples/<name> and returns its output as {label: value} for lines `label: value`."""
    script = str(ROOT / "examples" / name)
    command = (
        [sys.executable, script]
        if mnist_dir is None
        else [sys.executable, "-c", WITH_SHARED_MNIST, str(mnist_dir), script]
    )
    result = subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    printed = {}
    for line in result.stdout.splitlines():
        label, separator, value = line.partition(": ")
        if separator:
            printed[label] = value
        elif line.strip():
            # Table rows: the method name is everything before the first number.
            words = line.split()
            numeric = next((i for i, w in enumerate(words) if w[0].isdigit() or w == "-"), len(words))
            printed[" ".join(words[:numeric])] = " ".join(words[numeric:])
    return printed


def test_linear_regression_example_compares_three_fits():
    printed = run_example("02_linear_regression.py")
    assert printed["data"] == "the earlier practice's data (keras_tape.data.load_practice02), 100 rows"
    assert printed["tape model"] == "y = 1.3224*x + 7.9910"
    assert printed["tape model final loss (MSE)"] == "110.2574"
    assert printed["least squares (numpy)"].split()[:4] == ["1.3224", "7.9910", "110.2574", "-"]
    assert printed["practice's gradient descent"].split()[:4] == ["1.4777", "0.0889", "112.6148", "1000"]
    assert printed["LinearRegression.fit (tape)"].split()[:4] == ["1.3224", "7.9910", "110.2574", "300"]
    assert float(printed["condition number"]) > 1e4


def test_polynomial_regression_example_recovers_the_coefficients():
    printed = run_example("03_polynomial_regression.py")
    assert printed["(a) fitted"] == "y = 6.0000*x^2 + 8.0000*x + 2.0000"
    assert ast.literal_eval(printed["(a) coef (c0, c1, c2)"]) == [2.0, 8.0, 6.0]
    raw = printed["(b) raw powers, SGD(1e-4), 300 epochs"]
    c1 = float(raw.split(" + ")[1].split("*")[0])
    assert abs(c1 - 8.0) > 1.0  # the raw powers are still far off
    tape = ast.literal_eval(printed["(c) noisy data, tape model coef"])
    numpy_fit = ast.literal_eval(printed["(c) noisy data, numpy least squares coef"])
    assert tape == pytest.approx(numpy_fit, abs=1e-3)
    cubic = printed["(c) degree 3 on quadratic data"]
    assert abs(float(cubic.removeprefix("y = ").split("*")[0])) < 0.05


def test_mnist_example_beats_the_labs_setup():
    mnist_dir = SHARED_DATA / "mnist"
    if (mnist_dir / "t10k-images-idx3-ubyte.gz").exists():
        printed = run_example("04_mnist_mlp.py", mnist_dir)
        assert printed["data"] == "MNIST through Keras's cache, the first 8000 training images"
        assert printed["train"] == "(8000, 28, 28), test: (2000, 28, 28)"
    else:
        printed = run_example("04_mnist_mlp.py")
        assert printed["data"].startswith(("MNIST not available", "MNIST through Keras's cache"))
    lab = float(printed["(a) lab setup, test accuracy"])
    ours = float(printed["(b) defaults, test accuracy"])
    assert ours > 0.9
    assert ours > lab
    assert len(ast.literal_eval(printed["(b) val_accuracy by epoch"])) == 10
