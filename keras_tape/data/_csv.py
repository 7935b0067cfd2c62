"""CSV files of numbers, read into float32 `x` and `y` arrays."""

from __future__ import annotations

import csv
import math
import numbers
import os
from pathlib import Path

import numpy as np

from keras_tape._validation import _describe

_FLOAT32_MAX = float(np.finfo(np.float32).max)
_OTHER_DELIMITERS = (";", "\t", "|", ",")


def load_csv(
    path: str | os.PathLike,
    x_cols: int | str | list[int | str] | None = None,
    y_col: int | str = -1,
    delimiter: str = ",",
) -> tuple[np.ndarray, np.ndarray]:
    """Reads a numeric CSV file into float32 `x` and `y` arrays.

    A first row with no numeric cell is taken as a header; columns may then be
    chosen by name as well as by index. Columns that are not selected are not
    parsed, so they may hold text. Blank lines are skipped.

    Args:
        path: path to the CSV file.
        x_cols: the input column(s): an index, a header name, or a list of
            them. `None` (default) takes every column but `y_col`.
        y_col: the target column, an index or a header name. Default: the
            last column.
        delimiter: the one-character field separator.

    Returns:
        A tuple `(x, y)`: `x` has shape `(n,)` when there is one input column,
        else `(n, d)`; `y` has shape `(n,)`. Both are float32.

    Example:

    ```python
    x, y = keras_tape.data.load_csv("hours_scores.csv")  # two columns, no header
    x.shape, y.shape  # ((100,), (100,))
    x, y = keras_tape.data.load_csv("houses.csv", x_cols=["area", "rooms"], y_col="price")
    ```
    """
    path = _check_path(path, "path")
    _check_delimiter(delimiter)
    if path.is_dir():
        raise FileNotFoundError(f"`path` must be a CSV file, got the folder {str(path)!r}.")
    rows = _read_csv_rows(path, delimiter)
    if not rows:
        raise ValueError(f"`path` {str(path)!r} is empty; expected rows of numbers separated by {delimiter!r}.")
    first_line, first_row = rows[0]
    names = [cell.strip() for cell in first_row] if _is_header(first_row) else None
    data_rows = rows[1:] if names is not None else rows
    n_columns = len(first_row)
    for line, row in data_rows:
        if len(row) != n_columns:
            raise ValueError(
                f"`path` {str(path)!r} line {line} has {len(row)} fields, expected "
                f"{n_columns} (as in line {first_line}); is `delimiter`={delimiter!r} right?"
            )
    hint = _delimiter_hint(first_row, delimiter) if n_columns == 1 else ""
    x_indices, y_index = _select_columns(x_cols, y_col, names, n_columns, path, hint)
    if not data_rows:
        raise ValueError(
            f"`path` {str(path)!r} has a header row but no data rows; expected at least one "
            "row of numbers after the header."
        )
    columns = x_indices + [y_index]
    values = np.empty((len(data_rows), len(columns)), dtype=np.float64)
    for i, (line, row) in enumerate(data_rows):
        for j, column in enumerate(columns):
            values[i, j] = _parse_cell(row[column], line, column, names, path)
    x = values[:, :-1].astype("float32")
    y = values[:, -1].astype("float32")
    return (x[:, 0] if x.shape[1] == 1 else x), y


def _check_path(path, name: str) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"`{name}` must be a path (str or os.PathLike), got {_describe(path)} of type {type(path).__name__}."
        )
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"`{name}` must be an existing path, got {str(path)!r}, which does not exist.")
    return path


def _check_delimiter(delimiter) -> None:
    if not isinstance(delimiter, str):
        raise TypeError(
            f"`delimiter` must be a one-character string, got {_describe(delimiter)} "
            f"of type {type(delimiter).__name__}."
        )
    if len(delimiter) != 1 or delimiter in '\r\n"':
        raise ValueError(f"`delimiter` must be one character other than a quote or a line break, got {delimiter!r}.")


def _read_csv_rows(path: Path, delimiter: str) -> list[tuple[int, list[str]]]:
    """Returns the non-blank rows with their 1-based line numbers."""
    rows = []
    try:
        with open(path, encoding="utf-8-sig", newline="") as file:
            reader = csv.reader(file, delimiter=delimiter)
            for row in reader:
                if any(cell.strip() for cell in row) or len(row) > 1:
                    rows.append((reader.line_num, row))
    except PermissionError:
        raise PermissionError(
            f"`path` {str(path)!r} exists but cannot be read (permission denied); expected a readable CSV file."
        ) from None
    except UnicodeDecodeError:
        raise ValueError(f"`path` {str(path)!r} is not a UTF-8 text file; expected a CSV file of numbers.") from None
    except csv.Error as error:
        raise ValueError(f"`path` {str(path)!r} is not a valid CSV file: {error}.") from None
    return rows


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _is_header(row: list[str]) -> bool:
    # A row with a single numeric cell is data, so a typo in the first data
    # row is reported as such rather than silently taken for a header.
    return not any(_is_number(cell) for cell in row)


def _delimiter_hint(first_row: list[str], delimiter: str) -> str:
    line = first_row[0]
    for other in _OTHER_DELIMITERS:
        if other != delimiter and len(next(csv.reader([line], delimiter=other))) > 1:
            return (
                f" The file seems to use another delimiter: {other!r} splits its first line; "
                f"pass `delimiter`={other!r} (got {delimiter!r})."
            )
    return (
        f" Every line is a single field when split on `delimiter`={delimiter!r}; if the file "
        "uses another delimiter, pass it as `delimiter`."
    )


def _column_index(column, argument: str, names, n_columns: int, hint: str) -> int:
    if isinstance(column, bool) or not isinstance(column, (numbers.Integral, str)):
        raise TypeError(
            f"`{argument}` must be a column index (int) or header name (str), got "
            f"{_describe(column)} of type {type(column).__name__}."
        )
    if isinstance(column, str):
        if names is None:
            raise TypeError(
                f"`{argument}` got the column name {column!r}, but the file has no header row; "
                f"expected an integer index in [{-n_columns}, {n_columns - 1}].{hint}"
            )
        if column not in names:
            raise ValueError(f"`{argument}` got the unknown column name {column!r}; available names: {names}.{hint}")
        return names.index(column)
    column = int(column)  # a numpy integer too
    if not -n_columns <= column < n_columns:
        raise ValueError(
            f"`{argument}` got the index {column}, out of range for a file with {n_columns} "
            f"column(s); expected an integer in [{-n_columns}, {n_columns - 1}].{hint}"
        )
    return int(column) % n_columns


def _select_columns(x_cols, y_col, names, n_columns: int, path: Path, hint: str):
    """Resolves `x_cols` and `y_col` to non-negative column indices."""
    y_index = _column_index(y_col, "y_col", names, n_columns, hint)
    if x_cols is None:
        x_indices = [i for i in range(n_columns) if i != y_index]
        if not x_indices:
            raise ValueError(f"`path` {str(path)!r} has only 1 column; expected at least 2 (x and y).{hint}")
        return x_indices, y_index
    if isinstance(x_cols, (str, numbers.Integral)):
        x_cols = [x_cols]
    elif isinstance(x_cols, (list, tuple, np.ndarray)):
        x_cols = list(x_cols)
    else:
        raise TypeError(
            f"`x_cols` must be None, a column index or name, or a list of them, got "
            f"{_describe(x_cols)} of type {type(x_cols).__name__}."
        )
    if not x_cols:
        raise ValueError("`x_cols` must select at least one column, got an empty list.")
    x_indices = [_column_index(column, f"x_cols[{i}]", names, n_columns, hint) for i, column in enumerate(x_cols)]
    if len(set(x_indices)) != len(x_indices):
        raise ValueError(f"`x_cols` must not select a column twice, got {x_cols!r}.")
    if y_index in x_indices:
        raise ValueError(f"`x_cols` must not contain the target column `y_col`={y_col!r}, got {x_cols!r}.")
    return x_indices, y_index


def _parse_cell(cell: str, line: int, column: int, names, path: Path) -> float:
    where = f"`path` {str(path)!r} line {line}, column {column}"
    if names is not None:
        where += f" ({names[column]!r})"
    try:
        value = float(cell)
    except ValueError:
        raise ValueError(f"{where}: expected a number, got {cell!r}.") from None
    if not math.isfinite(value) or abs(value) > _FLOAT32_MAX:
        raise ValueError(f"{where}: expected a finite float32 number, got {cell.strip()!r}.")
    return value
