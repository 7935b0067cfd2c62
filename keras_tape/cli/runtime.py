"""TensorFlow kept quiet: its log lines hidden unless `--verbose` (standard library only).

TensorFlow's C++ libraries log through absl as they load (the oneDNN notice,
CUDA probing) before any log level applies, and TF_CPP_MIN_LOG_LEVEL hides
only what comes after. So, unless `--verbose`, the command points file
descriptor 2 at the null device for its whole run, and Python's `sys.stderr`
(the command's own errors, tracebacks, warnings) at a duplicate of the real
one; TensorFlow's Python logger shows only errors.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def quiet_tensorflow(verbose: bool) -> Iterator[None]:
    """Hides TensorFlow's native log lines while the block runs, unless `verbose`.

    Args:
        verbose: show them all instead (TF_CPP_MIN_LOG_LEVEL=0).

    Example:

    ```python
    with quiet_tensorflow(verbose=False):
        import tensorflow  # prints nothing on stderr
    ```
    """
    if verbose:
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "0"
        yield
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    python_logger = logging.getLogger("tensorflow")
    level = python_logger.level
    python_logger.setLevel(logging.ERROR)
    sys.stderr.flush()
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    stream = sys.stderr
    try:
        visible = stream.fileno() == 2
    except (AttributeError, OSError, ValueError):  # a stream without a descriptor, e.g. pytest's capture
        visible = False
    if visible:
        # Not closed afterwards: loggers made inside the block keep a reference to it.
        sys.stderr = open(  # noqa: SIM115
            os.dup(saved), "w", buffering=1, encoding=stream.encoding, errors=stream.errors
        )
    os.dup2(null, 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)
        sys.stderr = stream
        python_logger.setLevel(level)
