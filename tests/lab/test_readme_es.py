"""The Spanish README's Colab badges open the notebooks (tests/test_docs.py runs its code and checks its output)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.es.md").read_text(encoding="utf-8")
COLAB = "https://colab.research.google.com/github/keras-tape/keras-tape/blob/main/"


def test_every_notebook_has_a_colab_badge_in_each_language():
    targets = re.findall(r"\]\((https://colab\.research\.google\.com/github/[^)]+)\)", README)
    paths = sorted(target.removeprefix(COLAB) for target in targets)
    assert paths == sorted(str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").glob("*/*.ipynb"))
    assert len(paths) == 8
