"""Reading a user's CSV file as a labelled data set, with messages that name the row and column.

Numeric feature columns and one label column (the last, or named, or by
index); the delimiter and a header row are detected. Every refusal is a
``DataError`` that says which file, row and column broke which rule.

The file is read once, row by row. Every ``_CHUNK`` rows the feature cells are
turned into numbers, straight into one float array sized from the file's line
count, and the labels into class codes, so no table of Python strings is ever
held. The limits are checked while reading, before the memory is used: at most
``MAX_FEATURES`` feature columns, ``MAX_CELLS`` cells (rows x columns),
``max_rows`` data rows (the configuration's MAX_SAMPLES), ``MAX_CLASSES``
classes, and ``MAX_LINE`` characters in one line of the file.

Why one file of ~520 lines: ``_Reader`` is one pass over the file, and each of
its refusals (a wrong width, an open quote, a bad cell, a limit) needs the same
running state — the row number, the header, the label codes so far, the block
not yet converted — to name the row and column it is about. Split, that state
would be passed around per row in the hot loop of a million-row read.
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, NoReturn

import numpy as np

from .datasets import DataError, Dataset, _dataset

__all__ = ["load_csv", "MAX_ROWS", "MAX_FEATURES", "MAX_CELLS", "MAX_CLASSES", "MAX_LINE", "MAX_ABS_VALUE", "delimiter"]

MAX_ROWS = 1_000_000  # data rows: engine/config.py's MAX_SAMPLES (that module imports this one's)
MAX_FEATURES = 1000  # feature columns
MAX_CELLS = 20_000_000  # rows x columns: 160 MB of float64 features
MAX_CLASSES = 100  # distinct labels; more is an ID, a name or a measurement, not a class
CONTINUOUS = 20  # more distinct numeric labels than this, mostly not whole, are a measurement
MAX_LINE = 1_000_000  # characters in one line of the file
#: the largest feature value in size: standardising squares it, and 1e154 squared overflows
MAX_ABS_VALUE = 1e150
_CHUNK = 4096  # rows turned into numbers at a time

# After the file's last line the reader is fed one more: a mark and a quote. If the file
# ended inside a quoted cell, the quote closes it and the cell ends with the mark;
# otherwise the line is a record of its own, _END_RECORD, which ends the reading.
_MARK = "\uffff"  # a Unicode non-character: never in a text file
_END_LINE = _MARK + '"\n'
_END_RECORD = [_MARK + '"']


class _LongLine(Exception):
    """A line of the file is longer than MAX_LINE characters (raised before it is all read)."""


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


def delimiter(line: str) -> str:
    """The separator that the first non-blank line uses most: ',', ';' or tab.

    Spreadsheets in locales with a decimal comma write ';', so on a tie ';'
    wins over ',' (the commas are then more likely decimal commas).
    """
    counts = {d: line.count(d) for d in (";", "\t", ",")}
    most = max(counts.values())
    return next(d for d, c in counts.items() if c == most) if most else ","


def _shown(cell: str, limit: int = 40) -> str:
    """A cell quoted in a message, cut short when long."""
    return repr(cell if len(cell) <= limit else cell[: limit - 1] + "…")


def _count_lines(handle: IO[bytes], cap: int) -> int:
    """At least the number of records in the (binary) file, counted up to ``cap``: each record
    but the last ends with a line break. Stops at a block without one, a line too long to read."""
    count = unbroken = 0
    while count <= cap:
        block = handle.read(1 << 20)
        if not block:
            break
        breaks = block.count(b"\n") + block.count(b"\r")
        count += breaks
        unbroken = 0 if breaks else unbroken + len(block)
        if unbroken > 4 * MAX_LINE:  # more bytes than MAX_LINE characters of any UTF-8 text
            break
    return count + 1


def _head(handle: IO[str]) -> tuple[int, str]:
    """(blank lines before the first non-blank one, that line); (n, "") for a blank file."""
    blank = 0
    while True:
        line = handle.readline(MAX_LINE)
        if len(line) == MAX_LINE and line[-1] not in "\r\n":
            raise _LongLine
        if not line or line.strip():
            return blank, line
        blank += 1


def _lines(handle: IO[str], blank: int, first: str) -> Iterator[str]:
    """The file's lines for csv.reader, each read with a length limit, then the end line."""
    yield from ["\n"] * blank  # each a blank record, so row numbers count them
    yield first
    readline = handle.readline
    while True:
        line = readline(MAX_LINE)
        if not line:
            break
        if len(line) == MAX_LINE and line[-1] not in "\r\n":
            raise _LongLine
        yield line
    yield _END_LINE


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


def _first_row_is_header(first: list[str], label: int) -> bool | None:
    """A header row has text where the data has numbers: in a feature cell (True), or in the
    label cell when every later label is a number (None: the later rows decide). A number
    in the label cell and in every feature cell: data (False)."""
    if any(cell and not _is_number(cell) for j, cell in enumerate(first) if j != label):
        return True
    return False if _is_number(first[label]) else None


def _bad_cell(name: str, row_no: int, column: int, header: str, cell: str) -> DataError | None:
    """The error for a feature cell that is not a finite number, or None if it is one."""
    where = f"{name}: row {row_no}, column {column + 1} ({header!r})"
    if cell.endswith(_MARK):
        return DataError(f"{where}: the quote (\") that opens this cell is never closed")
    cell = cell.strip()
    if cell == "":
        return DataError(f"{where}: missing value; every feature cell needs a number")
    try:
        value = float(cell)
    except ValueError:
        hint = "; write decimals with a point" if re.fullmatch(r"[+-]?\d*,\d+", cell) else ""
        return DataError(f"{where}: must be a number, got {_shown(cell)}{hint}")
    if not math.isfinite(value):
        spelled = cell.lower().lstrip("+-") in ("inf", "infinity", "nan")
        overflow = "" if spelled else " (too large: it overflows to infinity)"
        return DataError(f"{where}: must be a finite number, got {_shown(cell)}{overflow}")
    if abs(value) > MAX_ABS_VALUE:
        return DataError(f"{where}: {_shown(cell)} is too large to train on (at most {MAX_ABS_VALUE:g} in size: "
                         "its square overflows); rescale the column")
    return None


class _Reader:
    """One reading of one file; ``load`` returns the Dataset or raises the first DataError.

    Rows are numbered as a spreadsheet numbers them (records from 1, blank ones
    included). The first non-blank row takes slot 0 of the arrays when it is data;
    when only the later rows can tell whether it is a header (text in its label
    cell, numbers elsewhere) it waits, and the first later label that is not a
    number makes it data.
    """

    def __init__(self, path: Path, label_column: Any, max_rows: int):
        self.path, self.name, self.label_column, self.max_rows = path, path.name, label_column, max_rows
        self.record = 0  # records read so far
        self.nonblank = 0
        self.first: list[str] = []
        self.first_no = 0
        self.first_is_data = False
        self.header: bool | None = None
        self.width = self.label = 0
        self.features: list[int] = []
        self.codes: dict[str, int] = {}  # label text -> provisional class code, in order of appearance
        self.values: set[float] = set()  # the distinct numbers among the labels
        self.numeric = True  # every label so far is a finite number
        self.fractional = 0  # distinct numeric labels that are not whole
        self.flat: list[str] = []  # feature cells of the rows not yet turned into numbers
        self.rows: list[int] = []  # their row numbers
        self.ycodes: list[int] = []  # their class codes
        self.X = np.empty((0, 0))
        self.y = np.empty(0, dtype=np.int64)
        self.n = 1  # next free slot; slot 0 is the first row's
        self.reader: Iterator[list[str]] = iter(())

    # -- reading -----------------------------------------------------------------------------
    def load(self) -> Dataset:
        name, path = self.name, self.path
        try:
            if path.exists() and not path.is_dir() and not path.is_file():
                raise DataError(f"{name}: is not a regular file ({path})")  # a pipe, a device
            with path.open("rb") as raw:
                bound = _count_lines(raw, self.max_rows + 2)
            with path.open(newline="", encoding="utf-8-sig") as handle:  # -sig: drop Excel's BOM
                blank, first = _head(handle)
                self.reader = reader = csv.reader(_lines(handle, blank, first), delimiter=delimiter(first))
                if self._start(reader, bound):
                    self._read(reader)
        except FileNotFoundError:
            raise DataError(f"{name}: file not found ({path})") from None
        except IsADirectoryError:
            raise DataError(f"{name}: is a folder, not a CSV file ({path})") from None
        except UnicodeDecodeError:
            raise DataError(f"{name}: is not UTF-8 text; if it is a spreadsheet, save it as "
                            "'CSV UTF-8' first") from None
        except _LongLine:
            raise DataError(f"{name}: row {self.record + 1}: a line is longer than {MAX_LINE:,} characters, "
                            "the limit; is it a CSV file?") from None
        except csv.Error as exc:
            if "field limit" in str(exc):  # a quote left open swallows the rest of the file
                raise DataError(f"{name}: row {self.record + 1}: the quote (\") that opens a cell here is never "
                                f"closed (the cell runs on for more than {csv.field_size_limit():,} "
                                "characters)") from None
            raise DataError(f"{name}: row {self.record + 1}: is not readable CSV ({exc})") from None
        except OSError as exc:
            raise DataError(f"{name}: cannot be read ({exc.strerror or exc})") from None
        return self._finish()

    def _start(self, reader: Iterator[list[str]], bound: int) -> bool:
        """Read up to the first non-blank row: the columns, the label, maybe the header.
        False for a file without one."""
        name = self.name
        for cells in reader:
            self.record += 1
            if cells == _END_RECORD:
                return False
            if cells and (cells[0].strip() or any(c.strip() for c in cells)):
                break
        else:
            return False
        if cells[-1].endswith(_MARK):
            raise self._unclosed(self.record, len(cells))
        self.nonblank = 1
        self.first_no = self.record
        self.first = first = [cell.strip() for cell in cells]
        self.width = width = len(first)
        if width < 2:
            raise DataError(f"{name}: row {self.first_no}: has 1 column; at least one feature column and a label "
                            "column are needed, separated by ',' or ';'")
        if width - 1 > MAX_FEATURES:
            raise DataError(f"{name}: row {self.first_no}: has {width:,} columns; the limit is {MAX_FEATURES:,} "
                            "feature columns and a label column")
        self.label, header = _label_index(name, first, self.label_column)
        self.features = [j for j in range(width) if j != self.label]
        rows = min(bound, self.max_rows + 2, MAX_CELLS // width + 2)  # pages are only used once written
        self.X = np.empty((rows, width - 1))
        self.y = np.empty(rows, dtype=np.int64)
        self.header = _first_row_is_header(first, self.label) if header is None else header
        if self.header is False:
            self._place_first()
        return True

    def _read(self, reader: Iterator[list[str]]) -> None:
        """Every later row: checked, its label coded, its cells queued for ``_flush``."""
        width, label, codes = self.width, self.label, self.codes
        flat, rows, ycodes = self.flat, self.rows, self.ycodes
        limit = min(self.max_rows + 1, MAX_CELLS // width + 1)  # non-blank rows, a header included
        record, nonblank = self.record, self.nonblank
        try:
            for cells in reader:
                record += 1
                if len(cells) != width:
                    if not cells or not (cells[0].strip() or any(c.strip() for c in cells)):
                        continue  # blank lines carry nothing
                    if cells == _END_RECORD:
                        break
                    self._wrong_width(record, cells)
                text = cells.pop(label).strip()
                if not text:
                    if not any(c.strip() for c in cells):
                        continue
                    self._missing_label(record, cells)
                nonblank += 1
                if nonblank > limit:
                    self._too_many_rows(record, nonblank)
                code = codes.get(text)
                if code is None:
                    code = self._new_label(text, record)
                flat += cells
                rows.append(record)
                ycodes.append(code)
                if len(rows) == _CHUNK:
                    self._flush()
        finally:
            self.record, self.nonblank = record, nonblank

    # -- rows and labels -----------------------------------------------------------------------
    def _header_name(self, column: int) -> str:
        if self.header is None:  # not reached: _settle comes first
            self.header = True
        cell = self.first[column] if self.header else ""
        return cell or f"column {column + 1}"

    def _place_first(self) -> None:
        """The first row is data: check it and put it in slot 0."""
        self.header = False
        self.first_is_data = True
        first, no = self.first, self.first_no
        if not first[self.label]:
            raise DataError(f"{self.name}: row {no}, column {self.label + 1} ({self._header_name(self.label)!r}): "
                            "missing label")
        for j in self.features:
            error = _bad_cell(self.name, no, j, self._header_name(j), first[j])
            if error is not None:
                raise error
        self.X[0] = [float(first[j]) for j in self.features]
        self.y[0] = self._code(first[self.label], no)

    def _settle(self, cells: list[str] | None = None) -> None:
        """Before a problem is reported while row 1 may still be a header: decide as the whole
        file says (a later label that is not a number makes row 1 data, and a bad cell in it
        comes first), reading on for the labels alone."""
        if self.header is not None:
            return
        label = self.label

        def text_label(row: list[str]) -> bool:
            return len(row) > label and any(c.strip() for c in row) and not _is_number(row[label])

        found = cells is not None and text_label(cells)
        if not found:
            with contextlib.suppress(ValueError, csv.Error, _LongLine, OSError):  # an unreadable rest: no say
                found = any(text_label(row) for row in itertools.takewhile(lambda r: r != _END_RECORD, self.reader))
        if found:
            self._place_first()
        else:
            self.header = True

    def _new_label(self, text: str, record: int) -> int:
        if text.endswith(_MARK):  # the label is the last column, and the file ended inside its quote
            self._flush()
            self._settle()
            raise self._unclosed(record, self.width)
        if self.header is None and not _is_number(text):
            self._place_first()  # a text label below row 1: row 1 is data, not a header
            if text in self.codes:  # row 1's label too
                return self.codes[text]
        return self._code(text, record)

    def _code(self, text: str, record: int) -> int:
        """Register a label not seen before; refuse a column that holds too many to be classes."""
        code = self.codes[text] = len(self.codes)
        if self.numeric:
            value = float(text) if _is_number(text) else None
            if value is None:
                self.numeric = False
            elif value not in self.values:
                self.values.add(value)
                self.fractional += not value.is_integer()
        classes = len(self.values) if self.numeric else len(self.codes)
        if classes > MAX_CLASSES or len(self.codes) > 10 * MAX_CLASSES:
            self._settle()
            where = f"{self.name}: column {self.label + 1} ({self._header_name(self.label)!r})"
            if self.numeric:
                raise DataError(f"{where} looks like a continuous target, not class labels: more than "
                                f"{MAX_CLASSES} distinct values by row {record} (at most {MAX_CLASSES} classes)")
            raise DataError(f"{where} has more than {MAX_CLASSES} distinct labels by row {record}, the limit on "
                            "classes: it looks like names or IDs, not class labels")
        return code

    def _unclosed(self, record: int, column: int) -> DataError:
        return DataError(f"{self.name}: row {record}, column {column}: the quote (\") that opens this cell is "
                         "never closed")

    def _wrong_width(self, record: int, cells: list[str]) -> NoReturn:
        self._settle(cells)
        self._flush()  # a bad cell above this row comes first
        if cells[-1].endswith(_MARK):
            raise self._unclosed(record, len(cells))
        spans = any("\n" in cell or "\r" in cell for cell in cells)
        hint = "; a quoted cell in it runs over several lines: is a quote (\") misplaced?" if spans else ""
        raise DataError(f"{self.name}: row {record}: has {len(cells)} columns, expected {self.width} "
                        f"like row {self.first_no}{hint}")

    def _missing_label(self, record: int, cells: list[str]) -> NoReturn:
        if self.header is None:
            self._place_first()  # an empty label is not a number either: row 1 is data
        self._flush()
        if cells[-1].endswith(_MARK):
            raise self._unclosed(record, self.width)
        raise DataError(f"{self.name}: row {record}, column {self.label + 1} "
                        f"({self._header_name(self.label)!r}): missing label")

    def _too_many_rows(self, record: int, nonblank: int) -> NoReturn:
        name, limit = self.name, self.max_rows
        if nonblank > limit + 1:  # a header and max_rows data rows are already here
            raise DataError(f"{name}: more than {limit:,} data rows (stopped reading at row {record}); "
                            f"the limit is {limit:,}")
        raise DataError(f"{name}: more than {MAX_CELLS:,} cells: {self.width} columns x more than "
                        f"{MAX_CELLS // self.width:,} rows (stopped reading at row {record}); the limit is "
                        f"{MAX_CELLS:,} cells (rows x columns)")

    # -- numbers ----------------------------------------------------------------------------------
    def _flush(self) -> None:
        """Turn the queued rows' cells into numbers, into the next slots of X and y."""
        rows, flat = self.rows, self.flat
        k, d = len(rows), self.width - 1
        if not k:
            return
        try:
            block = np.fromiter(map(float, flat), dtype=np.float64, count=len(flat)).reshape(k, d)
        except ValueError:
            self._settle()
            raise self._first_bad_cell() from None
        with np.errstate(invalid="ignore"):
            finite = np.abs(block) <= MAX_ABS_VALUE  # False for NaN and infinities too
        if not finite.all():
            self._settle()
            i, f = np.argwhere(~finite)[0]
            j = self.features[f]
            raise _bad_cell(self.name, rows[i], j, self._header_name(j), flat[i * d + f]) or self._first_bad_cell()
        n = self.n
        if n + k > len(self.y):  # the file grew since its lines were counted
            self._grow(n + k)
        self.X[n:n + k] = block
        self.y[n:n + k] = self.ycodes
        self.n = n + k
        rows.clear()
        flat.clear()
        self.ycodes.clear()

    def _first_bad_cell(self) -> DataError:
        d = self.width - 1
        for i, row_no in enumerate(self.rows):
            for f, j in enumerate(self.features):
                error = _bad_cell(self.name, row_no, j, self._header_name(j), self.flat[i * d + f])
                if error is not None:
                    return error
        return DataError(f"{self.name}: a feature cell is not a number")  # float() and the check disagree

    def _grow(self, needed: int) -> None:
        size = max(needed, 2 * len(self.y))
        X, y = np.empty((size, self.width - 1)), np.empty(size, dtype=np.int64)
        X[:self.n], y[:self.n] = self.X[:self.n], self.y[:self.n]
        self.X, self.y = X, y

    # -- the whole file ----------------------------------------------------------------------------
    def _finish(self) -> Dataset:
        name = self.name
        if not self.first:
            raise DataError(f"{name}: is empty; at least 4 data rows are needed")
        if self.header is None:  # every later label is a number (or there is none)
            if self.nonblank > 1:
                self.header = True
            else:
                self._place_first()
        self._flush()
        start = 0 if self.first_is_data else 1
        count = self.n - start
        if count > self.max_rows:
            raise DataError(f"{name}: more than {self.max_rows:,} data rows; the limit is {self.max_rows:,}")
        if count * self.width > MAX_CELLS:
            raise DataError(f"{name}: has {count:,} rows x {self.width} columns = {count * self.width:,} cells; "
                            f"the limit is {MAX_CELLS:,} cells (rows x columns)")
        if count < 4:
            raise DataError(f"{name}: has {count} data rows; at least 4 are needed")
        self.X.resize((self.n, self.width - 1), refcheck=False)  # give back the slots not used
        self.y.resize(self.n, refcheck=False)
        X, provisional = self.X[start:], self.y[start:]

        texts = list(self.codes)
        if self.numeric:  # numbers: "1" and "1.0" are one class, sorted by value
            keys: list[Any] = [float(t) for t in texts]
        else:
            keys = texts
        spelling: dict[Any, str] = {}
        for key, text in zip(keys, texts):
            spelling.setdefault(key, text)
        order = sorted(spelling)
        where = f"{name}: column {self.label + 1} ({self._header_name(self.label)!r})"
        if len(order) < 2:
            raise DataError(f"{where} holds a single class ({spelling[order[0]]!r}); a classifier needs at least 2")
        if self.numeric and len(order) > CONTINUOUS and self.fractional > len(order) / 2:
            raise DataError(f"{where} looks like a continuous target, not class labels: {len(order)} distinct "
                            f"numbers, {self.fractional} of them not whole; choose the column that holds the classes")
        index = {key: k for k, key in enumerate(order)}
        remap = np.fromiter((index[key] for key in keys), dtype=np.int64, count=len(keys))
        headers = [self._header_name(j) for j in self.features]
        return _dataset(X, remap[provisional], "csv", len(order), [spelling[key] for key in order], headers)


def load_csv(path: str | Path, label_column: str | int | None = None, max_rows: int = MAX_ROWS) -> Dataset:
    """Read numeric feature columns and one label column from a CSV file.

    - The label column is the last one, or the one named ``label_column`` in the
      header, or the one at that 0-based index (negative counts from the end).
    - The first row is a header when it has text where the data has numbers;
      feature names come from it (else "column 1", "column 2", ...).
    - Labels may be text or numbers. Their sorted distinct values become
      classes 0..k-1 and ``class_names`` keeps them as written. A column of
      measurements (many distinct numbers, mostly not whole) or of more than
      ``MAX_CLASSES`` distinct values is refused: it is not class labels.
    - Values may be separated by ',', ';' or tabs; blank lines are skipped.

    Anything else raises DataError naming the file, the row and column as a
    spreadsheet or text editor numbers them (from 1), and the rule broken.
    """
    return _Reader(Path(path), label_column, max_rows).load()
