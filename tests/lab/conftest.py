"""A real Jupyter kernel on this interpreter, to execute notebooks and cells as a student would."""

import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KERNEL_NAME = "keras-tape-tests"


@pytest.fixture(scope="session")
def kernel_manager_factory(tmp_path_factory):
    """Makes kernel managers whose kernel is `sys.executable` importing this checkout's keras_tape.

    A kernelspec in a temporary folder, not the "python3" one, so that a
    Jupyter installed elsewhere on the machine cannot lend another interpreter.
    """
    nbclient = pytest.importorskip("nbclient")  # noqa: F841
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    kernels = tmp_path_factory.mktemp("kernels")
    spec_dir = kernels / KERNEL_NAME
    spec_dir.mkdir()
    env = {
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "keras-tape tests",
        "language": "python",
        "env": env,
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))

    def make():
        return KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))

    return make


@pytest.fixture(scope="session")
def execute_notebook(kernel_manager_factory):
    """Executes a notebook top to bottom in a fresh kernel; a failing cell raises CellExecutionError."""
    from nbclient import NotebookClient

    def execute(notebook, cwd: Path, timeout: int = 240):
        client = NotebookClient(
            notebook, km=kernel_manager_factory(), timeout=timeout, resources={"metadata": {"path": str(cwd)}}
        )
        client.execute()
        return notebook

    return execute
