"""Every ```python block of the READMEs and docs/*.md runs, and prints what the page says it prints.

Each page runs in a fresh Python process (as a reader pastes its blocks in order into one
session) in an empty folder, so blocks may write `runs/` or `model.keras` freely. A block runs
unless the line before it says why not, visibly: `<!-- skip: needs a cluster of two workers -->`.
A ```text block right after a python block (with at most one line such as "It prints:" between)
is that block's expected output; `...` in it matches anything.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

import keras_tape

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(ROOT.glob("README*.md")) + sorted((ROOT / "docs").glob("*.md"))

# Pages that run longer than the fast tier allows (long fits, MLPs, Hessians of networks).
SLOW_PAGES = {"docs/curvature.md", "docs/scaling.md", "docs/tensorboard.md"}

# What pages use that other branches of this round add: each mark lifts itself once the name exists.
_ARRIVING = {
    "README.md": [(keras_tape.TapeModel, "from_model", "#14")],
    "docs/curvature.md": [(keras_tape.data, "load_practice02", "#13")],
}

_FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w+-]*)[ \t]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)
_SKIP = re.compile(r"<!--\s*skip:\s*(?P<reason>\S.*?)\s*-->\s*\Z", re.S)

# Runs the blocks given as JSON on stdin in one namespace; writes each block's output to stdout as JSON.
_RUNNER = r"""
import contextlib, io, json, sys, traceback
blocks, namespace, outputs = json.load(sys.stdin), {"__name__": "__main__"}, []
for block in blocks:
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile("\n" * (block["line"] - 1) + block["code"], block["page"], "exec"), namespace)
    except BaseException:
        sys.stderr.write(printed.getvalue())
        traceback.print_exc()
        sys.exit(1)
    outputs.append(printed.getvalue())
print(json.dumps(outputs))
"""


@dataclass
class Block:
    page: str
    line: int  # of the block's first code line in the page
    code: str
    skip: str | None  # the reason given in the page, if it is not run
    expected: str | None  # the ```text block that follows it, if any


def python_blocks(page: Path) -> list[Block]:
    text = page.read_text()
    fences = list(_FENCE.finditer(text))
    blocks = []
    for i, fence in enumerate(fences):
        if fence.group("lang") != "python":
            continue
        skip = _SKIP.search(text[fences[i - 1].end() if i else 0 : fence.start()])
        expected = None
        if i + 1 < len(fences) and fences[i + 1].group("lang") == "text":
            between = text[fence.end() : fences[i + 1].start()].strip()
            if "\n" not in between:
                expected = textwrap.dedent(fences[i + 1].group("body"))
        blocks.append(
            Block(
                page=str(page.relative_to(ROOT)),
                line=text.count("\n", 0, fence.start("body")) + 1,
                code=textwrap.dedent(fence.group("body")),
                skip=skip.group("reason") if skip else None,
                expected=expected,
            )
        )
    return blocks


def _page_params():
    for page in PAGES:
        name = str(page.relative_to(ROOT))
        if any(block.skip is None for block in python_blocks(page)):
            marks = [pytest.mark.multiprocess] + ([pytest.mark.slow] if name in SLOW_PAGES else [])
            marks += [
                pytest.mark.xfail(
                    reason=f"needs {getattr(owner, '__name__', owner)}.{attribute} ({issue})", strict=True
                )
                for owner, attribute, issue in _ARRIVING.get(name, [])
                if not hasattr(owner, attribute)
            ]
            yield pytest.param(page, id=name, marks=marks)


def matches(expected: str, printed: str) -> bool:
    """Whether `printed` is `expected` line by line, `...` in `expected` matching any text."""
    pattern = ".*?".join(re.escape(part) for part in expected.rstrip().split("..."))
    printed = "\n".join(line.rstrip() for line in printed.rstrip().splitlines())
    return re.fullmatch(pattern, printed, re.S) is not None


@pytest.mark.parametrize("page", list(_page_params()))
def test_page_runs_and_prints_what_it_shows(page, tmp_path):
    blocks = [block for block in python_blocks(page) if block.skip is None]
    env = {
        **os.environ,
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "MPLBACKEND": "Agg",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    result = subprocess.run(
        [sys.executable, "-c", _RUNNER],
        input=json.dumps([vars(b) for b in blocks]),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for block, printed in zip(blocks, json.loads(result.stdout.splitlines()[-1]), strict=True):
        if block.expected is not None:
            assert matches(block.expected, printed), (
                f"{block.page}:{block.line} printed\n{printed}\nbut the page shows\n{block.expected}"
            )


def test_every_skipped_block_says_why():
    skipped = [(b.page, b.line, b.skip) for page in PAGES for b in python_blocks(page) if b.skip is not None]
    for page, line, reason in skipped:
        assert len(reason.split()) >= 3, f"{page}:{line}: the skip reason {reason!r} explains nothing"


def test_the_reader_finds_blocks_to_run():
    # Guards the extraction itself: a broken pattern would make every page test vacuous.
    blocks = [block for page in PAGES for block in python_blocks(page)]
    assert len(blocks) >= 10
    assert {"README.md", "docs/curvature.md", "docs/scaling.md", "docs/tensorboard.md"} <= {b.page for b in blocks}
    assert any(block.expected for block in blocks)


@pytest.mark.parametrize(
    "expected, printed, ok",
    [
        ("y = 6.0000*x\n[2. 8. 6.]\n", "y = 6.0000*x\n[2. 8. 6.]\n", True),
        ("y = 6.1...*x + 1.3...", "y = 6.1234*x + 1.3456", True),
        ("y = 6.1...*x", "y = 5.1234*x", False),
        ("one\ntwo", "one", False),
        ("a (b) [c] *d*", "a (b) [c] *d*   \n", True),
    ],
)
def test_expected_output_matching(expected, printed, ok):
    assert matches(expected, printed) is ok


def test_skip_comment_and_output_block_are_read(tmp_path, monkeypatch):
    page = tmp_path / "page.md"
    page.write_text(
        "Intro.\n\n<!-- skip: needs the MNIST download -->\n```python\nimport nothing\n```\n\n"
        "```python\nprint(1 + 1)\n```\n\nIt prints:\n\n```text\n2\n```\n\n"
        "  ```python\n  x = 3\n  ```\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    first, second, third = python_blocks(page)
    assert (first.skip, first.code, first.line) == ("needs the MNIST download", "import nothing\n", 5)
    assert (second.skip, second.expected, second.line) == (None, "2\n", 9)
    assert (third.code, third.expected) == ("x = 3\n", None)
