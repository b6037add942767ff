"""Reading a user's CSV file as a labelled data set, with messages that name the row and column.

Numeric feature columns and one label column (the last, or named, or by
index); the delimiter and a header row are detected. Every refusal is a
``DataError`` that says which file, row and column broke which rule.
"""

from __future__ import annotations

import csv
import itertools
import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from .datasets import DataError, Dataset, _dataset

__all__ = ["load_csv"]


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _is_index(label_column: Any) -> bool:
    """An int, or text of digits such as "2" or "-1" (as typed on a command line)."""
    if isinstance(label_column, (int, np.integer)) and not isinstance(label_column, bool):
        return True
    return isinstance(label_column, str) and re.fullmatch(r"[+-]?\d+", label_column.strip()) is not None


def _delimiter(line: str) -> str:
    """The separator that the first non-blank line uses most: ',', ';' or tab.

    Spreadsheets in locales with a decimal comma write ';', so on a tie ';'
    wins over ',' (the commas are then more likely decimal commas).
    """
    counts = {d: line.count(d) for d in (";", "\t", ",")}
    most = max(counts.values())
    return next(d for d, c in counts.items() if c == most) if most else ","


def _read_rows(path: Path, max_rows: int) -> list[tuple[int, list[str]]]:
    """The file's non-blank rows as (row number from 1, stripped cells).

    Reading stops as soon as there are more rows than a header plus ``max_rows``
    data rows could fill, so a huge file is never loaded whole.
    """
    name = path.name
    rows: list[tuple[int, list[str]]] = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:  # -sig: drop Excel's BOM
            head = []  # lines up to the first non-blank one, which shows the separator
            for line in handle:
                head.append(line)
                if line.strip():
                    break
            reader = csv.reader(itertools.chain(head, handle), delimiter=_delimiter(head[-1] if head else ""))
            for row_no, cells in enumerate(reader, start=1):
                if not any(cell.strip() for cell in cells):
                    continue  # blank lines carry nothing
                if len(rows) == max_rows + 1:  # a header and max_rows data rows are already here
                    raise DataError(f"{name}: more than {max_rows:,} data rows (stopped reading at row "
                                    f"{row_no}); the limit is {max_rows:,}")
                rows.append((row_no, [cell.strip() for cell in cells]))
    except FileNotFoundError:
        raise DataError(f"{name}: file not found ({path})") from None
    except IsADirectoryError:
        raise DataError(f"{name}: is a folder, not a CSV file ({path})") from None
    except UnicodeDecodeError:
        raise DataError(f"{name}: is not UTF-8 text; if it is a spreadsheet, save it as "
                        "'CSV UTF-8' first") from None
    except csv.Error as exc:
        raise DataError(f"{name}: is not a readable CSV file ({exc})") from None
    except OSError as exc:
        raise DataError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    return rows


def _label_index(name: str, first: list[str], label_column: Any) -> tuple[int, bool | None]:
    """Where the label column is (0-based) and, when the choice settles it, whether
    the first row is a header: a column chosen by name needs one."""
    width = len(first)
    if label_column is None:
        return width - 1, None
    if _is_index(label_column):
        index = int(label_column)
        if not -width <= index < width:
            raise DataError(f"{name}: label column index {index} is out of range; the file has {width} "
                            f"columns (indices 0..{width - 1}, or -1 for the last)")
        return index % width, None
    if label_column not in first:
        raise DataError(f"{name}: row 1 (the header) has no column named {label_column!r}; "
                        f"columns: {', '.join(repr(c) for c in first)}")
    return first.index(label_column), True


def _looks_like_header(first: list[str], label_index: int, rows: list[tuple[int, list[str]]]) -> bool:
    """A header row has text where the data has numbers: in a feature cell, or in the
    label cell when every later label is a number."""
    if any(cell and not _is_number(cell) for j, cell in enumerate(first) if j != label_index):
        return True
    if _is_number(first[label_index]) or len(rows) < 2:
        return False
    return all(_is_number(cells[label_index]) for _, cells in rows[1:] if label_index < len(cells))


def _bad_cell(name: str, row_no: int, column: int, header: str, cell: str) -> DataError | None:
    """The error for a feature cell that is not a finite number, or None if it is one."""
    where = f"{name}: row {row_no}, column {column + 1} ({header!r})"
    if cell == "":
        return DataError(f"{where}: missing value; every feature cell needs a number")
    try:
        value = float(cell)
    except ValueError:
        hint = "; write decimals with a point" if re.fullmatch(r"[+-]?\d*,\d+", cell) else ""
        return DataError(f"{where}: must be a number, got {cell!r}{hint}")
    if not math.isfinite(value):
        return DataError(f"{where}: must be a finite number, got {cell!r}")
    return None


def load_csv(path: str | Path, label_column: str | int | None = None, max_rows: int = 1_000_000) -> Dataset:
    """Read numeric feature columns and one label column from a CSV file.

    - The label column is the last one, or the one named ``label_column`` in the
      header, or the one at that 0-based index (negative counts from the end).
    - The first row is a header when it has text where the data has numbers;
      feature names come from it (else "column 1", "column 2", ...).
    - Labels may be text or numbers. Their sorted distinct values become
      classes 0..k-1 and ``class_names`` keeps them as written.
    - Values may be separated by ',', ';' or tabs; blank lines are skipped.

    Anything else raises DataError naming the file, the row and column as a
    spreadsheet or text editor numbers them (from 1), and the rule broken.
    """
    path = Path(path)
    name = path.name
    rows = _read_rows(path, max_rows)
    if not rows:
        raise DataError(f"{name}: is empty; at least 4 data rows are needed")
    first_no, first = rows[0]
    width = len(first)
    if width < 2:
        raise DataError(f"{name}: row {first_no}: has 1 column; at least one feature column and a label "
                        "column are needed, separated by ',' or ';'")
    label, has_header = _label_index(name, first, label_column)
    if has_header is None:
        has_header = _looks_like_header(first, label, rows)
    if has_header:
        headers = [cell or f"column {j + 1}" for j, cell in enumerate(first)]
        rows = rows[1:]
    else:
        headers = [f"column {j + 1}" for j in range(width)]
    if len(rows) > max_rows:
        raise DataError(f"{name}: more than {max_rows:,} data rows; the limit is {max_rows:,}")
    if len(rows) < 4:
        raise DataError(f"{name}: has {len(rows)} data rows; at least 4 are needed")

    features = [j for j in range(width) if j != label]
    cells, labels, problem = [], [], None
    for row_no, row in rows:
        if len(row) != width:
            problem = DataError(f"{name}: row {row_no}: has {len(row)} columns, expected {width} "
                                f"like row {first_no}")
            break
        if row[label] == "":
            problem = DataError(f"{name}: row {row_no}, column {label + 1} ({headers[label]!r}): missing label")
            break
        cells.append([row[j] for j in features])
        labels.append(row[label])
    X = _parse_features(name, rows, cells, features, headers)  # a bad cell above the problem row comes first
    if problem is not None:
        raise problem

    if all(_is_number(v) for v in labels):  # numbers: "1" and "1.0" are one class, sorted by value
        spelling = {}
        for v in labels:
            spelling.setdefault(float(v), v)
        keys = [float(v) for v in labels]
    else:
        spelling = {v: v for v in labels}
        keys = labels
    order = sorted(spelling)
    if len(order) < 2:
        raise DataError(f"{name}: column {label + 1} ({headers[label]!r}) holds a single class "
                        f"({labels[0]!r}); a classifier needs at least 2")
    index = {key: k for k, key in enumerate(order)}
    y = np.fromiter((index[key] for key in keys), dtype=np.int64, count=len(keys))
    return _dataset(X, y, "csv", len(order), [spelling[key] for key in order], [headers[j] for j in features])


def _parse_features(name: str, rows: list[tuple[int, list[str]]], cells: list[list[str]], features: list[int],
                    headers: list[str]) -> np.ndarray:
    """Convert all feature cells at once; only if that fails, walk them to report the first bad one."""
    try:
        X = np.array(cells, dtype=np.float64)
        if np.isfinite(X).all():
            return X
    except ValueError:
        pass
    for (row_no, _), row_cells in zip(rows, cells):
        for j, cell in zip(features, row_cells):
            error = _bad_cell(name, row_no, j, headers[j], cell)
            if error is not None:
                raise error
    return np.array([[float(c) for c in row_cells] for row_cells in cells])
