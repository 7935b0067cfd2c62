"""The lab's notebooks: built from one source, same code in both languages, and every one runs."""

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"
NAMES = ["01_tape_basics", "02_linear_regression", "03_polynomial_regression", "04_mnist_mlp"]

# What the tests put after the parameters cell: a smaller run, and MNIST from the
# shared test half through Keras's own loader (the notebooks must not know of ../shared).
FAST = {
    "04_mnist_mlp": (
        "LAB_EPOCHS, EPOCHS, TRAIN_SIZE = 1, 1, 2000\n"
        "import keras\n"
        "from keras_tape.data import load_mnist_test\n"
        "_images, _labels = load_mnist_test({mnist!r})\n"
        "keras.datasets.mnist.load_data = lambda path='mnist.npz': (\n"
        "    (_images[:8000], _labels[:8000]), (_images[8000:], _labels[8000:]))"
    ),
}


def read(lang: str, name: str):
    return nbformat.read(NOTEBOOKS / lang / f"{name}.ipynb", as_version=4)


def code_cells(notebook) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def texts(cell) -> str:
    parts = []
    for output in cell.outputs:
        parts.append(output.get("text", ""))
        parts.append(output.get("data", {}).get("text/plain", ""))
    return "".join(parts)


def load_build():
    spec = importlib.util.spec_from_file_location("notebooks_build", NOTEBOOKS / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The English notebooks run the Spanish ones' code cells with LANG = "en"
# (test_both_languages_run_the_same_code); the suite runs the first in both
# languages, for the checks' English messages, and the longer ones in Spanish.
SUITE_LANGS = ["es"]


def test_the_committed_notebooks_are_what_build_py_writes():
    rendered = load_build().rendered()
    assert sorted(rendered) == sorted(NOTEBOOKS.glob("*/*.ipynb"))
    for path, text in rendered.items():
        assert path.read_text(encoding="utf-8") == text, f"{path}: run python notebooks/build.py"


@pytest.mark.parametrize("name", NAMES)
def test_both_languages_run_the_same_code(name):
    spanish, english = code_cells(read("es", name)), code_cells(read("en", name))
    assert len(spanish) == len(english) >= 5
    differing = [(s, e) for s, e in zip(spanish, english) if s != e]
    # The one difference: the language of the checks, in the parameters cell.
    assert len(differing) == 1
    s, e = differing[0]
    assert s.replace('LANG = "es"', 'LANG = "en"') == e
    spanish_md = [c.source for c in read("es", name).cells if c.cell_type == "markdown"]
    english_md = [c.source for c in read("en", name).cells if c.cell_type == "markdown"]
    assert len(spanish_md) == len(english_md)
    assert all(s != e for s, e in zip(spanish_md, english_md) if "keras-tape" not in s)


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("name", NAMES)
def test_notebook_shape(lang, name):
    notebook = read(lang, name)
    nbformat.validate(notebook)
    cells = notebook.cells
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith(f"# {name[:2]} · ")
    assert "%pip install" in cells[2].source and "import keras_tape" in cells[2].source
    assert [c for c in cells if "parameters" in c.metadata.get("tags", [])]
    # Saved without outputs; every code cell follows a sentence saying why.
    for previous, cell in zip(cells, cells[1:]):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert previous.cell_type == "markdown"
    # Two or three exercises at the end, each checked by keras_tape.lab.
    start = next(i for i, c in enumerate(cells) if c.source.startswith(("## Ejercicios", "## Exercises")))
    exercises = cells[start:]
    checks = [c for c in exercises if c.cell_type == "code" and "lab.check_" in c.source]
    assert 2 <= len(checks) <= 3


def test_nothing_the_user_gets_points_at_the_shared_folder():
    files = [
        ROOT / "README.md",
        ROOT / "README.es.md",
        *NOTEBOOKS.rglob("*.ipynb"),
        *NOTEBOOKS.rglob("*.py"),
        *(ROOT / "examples").rglob("*.py"),
        *(ROOT / "keras_tape").rglob("*"),
        *(ROOT / "docs").rglob("*.md"),
    ]
    files = [f for f in files if f.is_file() and f.suffix in {".md", ".py", ".ipynb", ".txt", ".csv"}]
    assert [str(f.relative_to(ROOT)) for f in files if "shared/data" in f.read_text(encoding="utf-8")] == []


def assert_blank_exercises_do_not_pass(notebook):
    """The exercises left as written (None, placeholders) must not be marked right."""
    for cell in notebook.cells:
        if cell.cell_type == "code" and "lab.check_" in cell.source:
            shown = texts(cell)
            assert shown and "✅" not in shown, (cell.source, shown)


def run(execute_notebook, tmp_path, lang: str, name: str):
    notebook = read(lang, name)
    if name in FAST:
        if not (SHARED_MNIST / "t10k-images-idx3-ubyte.gz").exists():
            pytest.skip(f"MNIST test files not found in {SHARED_MNIST}")
        position = next(i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", []))
        injected = nbformat.v4.new_code_cell(FAST[name].format(mnist=str(SHARED_MNIST)))
        notebook.cells.insert(position + 1, injected)
    execute_notebook(notebook, tmp_path)
    assert_blank_exercises_do_not_pass(notebook)
    return notebook


@pytest.mark.slow
@pytest.mark.multiprocess
@pytest.mark.parametrize("lang", ["es", "en"])
def test_tape_basics_notebook_runs_and_shows_the_labs_numbers(execute_notebook, tmp_path, lang):
    notebook = run(execute_notebook, tmp_path, lang, "01_tape_basics")
    code = [c for c in notebook.cells if c.cell_type == "code"]
    shown = [texts(c) for c in code]
    found = {re.sub(r"\s+", " ", t) for t in shown}
    for number in ("75.0", "108.0", "18.0", "27.0"):
        assert any(f"numpy={number}" in t for t in found), number
    assert any(t.strip() == "None" for t in shown)
    assert any(t.strip() == "12.0 12.0" for t in shown)
    assert "[12.0, 12.0]" in shown[[i for i, c in enumerate(code) if "autodiff.gradient(f, 2.0)" in c.source][0]]
    watched = next(t for t in shown if "weight" in t)
    assert "bias" in watched and "frozen" not in watched
    # The unanswered exercises say so, in the notebook's language.
    assert sum(("Sin respuesta" if lang == "es" else "No answer yet") in t for t in shown) == 3


@pytest.mark.slow
@pytest.mark.multiprocess
@pytest.mark.parametrize("lang", SUITE_LANGS)
def test_linear_regression_notebook_runs_and_compares_three_fits(execute_notebook, tmp_path, lang):
    notebook = run(execute_notebook, tmp_path, lang, "02_linear_regression")
    shown = [texts(c) for c in notebook.cells if c.cell_type == "code"]
    table = next(t for t in shown if t.startswith("method"))
    rows = {line.split("  ")[0]: line.split() for line in table.splitlines()[2:]}
    assert rows["least squares (numpy)"][-6:-2] == ["1.3224", "7.9910", "110.2574", "-"]
    assert rows["practice's gradient descent"][-6:-2] == ["1.4777", "0.0889", "112.6148", "1000"]
    assert rows["LinearRegression.fit (tape)"][-6:-3] == ["1.3224", "7.9910", "110.2574"]
    # The tape reproduces the practice's hand-derived descent.
    assert any(t.startswith("(1.47774") and "0.08893" in t for t in shown)
    images = [o for c in notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 2  # the live plot and the comparison


@pytest.mark.slow
@pytest.mark.multiprocess
@pytest.mark.parametrize("lang", SUITE_LANGS)
def test_polynomial_notebook_reaches_6_8_2(execute_notebook, tmp_path, lang):
    notebook = run(execute_notebook, tmp_path, lang, "03_polynomial_regression")
    shown = [texts(c) for c in notebook.cells if c.cell_type == "code"]
    assert any("array([2., 8., 6.]" in t for t in shown), shown
    raw = float(re.search(r"condition number, raw powers: ([\d.e+]+)", "".join(shown)).group(1))
    whitened = float(re.search(r"condition number, whitened: ([\d.e+]+)", "".join(shown)).group(1))
    assert raw > 1e3 and whitened < 1.01


@pytest.mark.slow
@pytest.mark.multiprocess
@pytest.mark.parametrize("lang", SUITE_LANGS)
def test_mnist_notebook_runs(execute_notebook, tmp_path, lang):
    notebook = run(execute_notebook, tmp_path, lang, "04_mnist_mlp")
    shown = [texts(c) for c in notebook.cells if c.cell_type == "code"]
    assert any("((2000, 28, 28), (2000, 28, 28))" in t for t in shown)
    images = [o for c in notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 3  # live plot, confusion matrix and misclassified digits, saliency
