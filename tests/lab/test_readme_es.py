"""The Spanish README: its quick start runs as written, and its Colab badges open the notebooks."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.es.md").read_text(encoding="utf-8")
COLAB = "https://colab.research.google.com/github/keras-tape/keras-tape/blob/main/"


@pytest.mark.slow
@pytest.mark.multiprocess
def test_quick_start_runs_as_written():
    code = re.search(r"```python\n(.*?)```", README.split("## Inicio rápido", 1)[1], re.S).group(1)
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={"TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines() == [
        "y = 6.0000*x^2 + 8.0000*x + 2.0000",
        "[2. 8. 6.]",
        "y = 1.3224*x + 7.9910",
    ]


def test_every_notebook_has_a_colab_badge_in_each_language():
    targets = re.findall(r"\]\((https://colab\.research\.google\.com/github/[^)]+)\)", README)
    paths = sorted(target.removeprefix(COLAB) for target in targets)
    assert paths == sorted(str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").glob("*/*.ipynb"))
    assert len(paths) == 8
