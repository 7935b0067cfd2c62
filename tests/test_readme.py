"""The README's quick start runs as written and prints what it promises."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_quick_start_runs_as_written():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT,
        env={"TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "y = 6.0000*x^2 + 8.0000*x + 2.0000"
    assert lines[1] == "[2. 8. 6.]"
    slope = float(re.match(r"y = ([\d.]+)\*x", lines[2]).group(1))
    assert abs(slope - 6.12) < 0.1
