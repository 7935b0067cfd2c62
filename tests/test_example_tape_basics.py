"""Runs examples/01_tape_basics.py and checks every number it prints."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.multiprocess

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "01_tape_basics.py"


@pytest.fixture(scope="module")
def printed():
    """The script's output as a dict from each printed label to its value text."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run(
        [sys.executable, str(SCRIPT)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = {}
    for line in result.stdout.splitlines():
        label, _, value = line.partition(": ")
        assert label not in lines, f"label printed twice: {label!r}"
        lines[label] = value
    return lines


def _number(printed, label):
    return float(printed[label])


def _nested_list(printed, label):
    return ast.literal_eval(printed[label])


def test_watch_on_a_constant(printed):
    assert _number(printed, "(a) d/dx x^3 at x=5") == 75.0


def test_trainable_variable_is_watched(printed):
    assert _number(printed, "(b) d/dx x^3 at x=6") == 108.0


def test_watch_accessed_variables_false_gives_none(printed):
    assert printed["(c) gradient with watch_accessed_variables=False"] == "None"


def test_nested_tapes_second_derivative(printed):
    assert _number(printed, "(d) d2/dx2 x^3 at x=3") == 18.0


def test_persistent_tape_gives_two_gradients(printed):
    assert _number(printed, "(e) dy/dx of x^3 at x=2") == 12.0
    assert _number(printed, "(e) dz/dx of 3x^2 at x=2") == 12.0


def test_non_persistent_tape_raises_on_second_gradient(printed):
    message = printed["(e) second gradient on a non-persistent tape"]
    assert message.startswith("RuntimeError - ")
    assert "non-persistent GradientTape can only be used to compute one set" in message


def test_stop_recording(printed):
    assert _number(printed, "(f) d/dx x^3 at x=3 under stop_recording") == 27.0
    assert printed["(f) gradient of a value computed while stopped"] == "None"


def test_jacobian_and_batch_jacobian(printed):
    assert _nested_list(printed, "(g) jacobian of x^2 at [1, 2, 3]") == [
        [2.0, 0.0, 0.0],
        [0.0, 4.0, 0.0],
        [0.0, 0.0, 6.0],
    ]
    assert _nested_list(printed, "(g) batch_jacobian of x^2 at [[1, 2], [3, 4]]") == [
        [[2.0, 0.0], [0.0, 4.0]],
        [[6.0, 0.0], [0.0, 8.0]],
    ]


def test_reset_forgets_what_was_recorded(printed):
    assert _number(printed, "(g) gradient of x^3 + x^2 at x=2 after reset") == 4.0


def test_watched_variables_lists_the_trainable_ones(printed):
    names = _nested_list(printed, "(g) watched_variables")
    assert [name.split(":")[0] for name in names] == ["weight", "bias"]


def test_the_same_numbers_through_autodiff(printed):
    assert _number(printed, "autodiff.derivative of x^3 at x=5") == 75.0
    assert _number(printed, "autodiff.gradient of x^3 at x=6") == 108.0
    assert _number(printed, "autodiff.derivative of x^3 at x=3, order 2") == 18.0
    assert _number(printed, "autodiff.derivative of x^3 at the integer 3") == 27.0
    assert _nested_list(printed, "autodiff.jacobian of x^2 at [1, 2, 3]") == [
        [2.0, 0.0, 0.0],
        [0.0, 4.0, 0.0],
        [0.0, 0.0, 6.0],
    ]
    assert _nested_list(printed, "autodiff.hessian of sum(x^3) at [1, 2]") == [
        [6.0, 0.0],
        [0.0, 12.0],
    ]
    assert printed["autodiff.gradient of a constant, unconnected='none'"] == "None"


def test_every_printed_line_is_checked(printed):
    # A new print in the script needs a check here too.
    assert len(printed) == 20
