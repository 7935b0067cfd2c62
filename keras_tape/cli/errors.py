"""What counts as the user's error: `UsageError`, and the library's input errors turned into it.

The command exits with status 2 and one line `keras-tape: error: ...` for a
`UsageError` (and for an `OSError`: a missing file, a full disk, a refused
permission). Any other exception is a bug: its traceback is shown and the
status is 1. A library call that takes what the user typed runs inside
`user_input(...)`, which turns its `ValueError` (and `OSError`,
`ImportError`) into a `UsageError` naming the option; a `ValueError` raised
anywhere else stays a bug.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator


class UsageError(Exception):
    """Bad input to `keras-tape`: a missing file, an unknown column, a bad option value.

    Its message is printed as one line `keras-tape: error: MESSAGE`, and the
    command exits with status 2.

    Example:

    ```python
    raise UsageError("--save must name a .keras file, got 'model.h5'.")
    ```
    """


@contextlib.contextmanager
def user_input(**options: str) -> Iterator[None]:
    """Turns the input errors of the library calls inside into `UsageError`s naming the options.

    The library quotes its arguments' names in backticks (`path`,
    `x_cols[0]`); each named in `options` is replaced by its option.

    Args:
        **options: argument name -> option, e.g. `path="--csv"`.

    Example:

    ```python
    with user_input(path="--csv"):
        x, y = keras_tape.data.load_csv(args.csv)
    ```
    """
    try:
        yield
    except (ValueError, OSError, ImportError) as error:
        message = str(error)
        if options:
            pattern = re.compile(r"`(" + "|".join(map(re.escape, options)) + r")(\[\d+\])?`")
            message = pattern.sub(lambda match: options[match.group(1)], message)
        raise UsageError(message) from error
