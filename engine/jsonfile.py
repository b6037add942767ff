"""Reading a user's JSON (a configuration file, a lesson, a --vary value) with one-line refusals.

``read_object(path)`` reads a file, ``parse(text, source)`` a text. Every refusal is a
``ConfigError(source, rule)``, never a traceback:

- the file is missing, a folder, not a regular file, larger than ``max_bytes`` or not UTF-8
  (a UTF-8 byte-order mark, as Windows editors write, is accepted);
- invalid JSON, with its line and column (``JSONSyntaxError``, a ConfigError);
- nesting deeper than ``MAX_DEPTH``, found by a scan of the text before it is parsed
  (so Python's recursion limit is never reached);
- an integer of more than ``MAX_DIGITS`` digits (Python refuses more than 4300 with a
  ValueError, and builds giant ints below that);
- NaN, Infinity or a number that overflows to infinity (1e999), naming the key path
  that holds it (``train.lr``, ``model.hidden[1]``);
- a top-level value that is not an object (``read_object``, or ``require_object``).
"""

from __future__ import annotations

import codecs
import json
import math
import os
import re
from pathlib import Path
from typing import Any

from .schema import ConfigError

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_DIGITS", "JSONSyntaxError", "parse", "read_object"]

MAX_DEPTH = 64  # nested lists and objects; a configuration needs 3
MAX_DIGITS = 100  # digits of one integer; the largest setting, a seed, has 10
MAX_BYTES = 1_000_000  # a configuration is about 1 kB; /dev/zero or a huge file is refused unread


class JSONSyntaxError(ConfigError):
    """The text is not JSON at all (as opposed to JSON that breaks one of the limits)."""


class _Refused:
    """What the parser hooks put in place of a number that is refused; the walk that
    follows reports the first one with its key path."""

    __slots__ = ("rule",)

    def __init__(self, rule: str):
        self.rule = rule


def _integer(text: str) -> int | _Refused:
    digits = len(text) - text.startswith("-")
    if digits > MAX_DIGITS:
        return _Refused(f"an integer of {digits:,} digits is too long; at most {MAX_DIGITS} digits are allowed")
    return int(text)


def _float(text: str) -> float | _Refused:
    value = float(text)
    if not math.isfinite(value):  # 1e999: too large for a float, it would become infinity
        return _Refused(f"must be a finite number, got {_short(text)} (too large: it overflows to infinity)")
    return value


def _constant(text: str) -> _Refused:  # NaN, Infinity, -Infinity: JavaScript's, not JSON's
    return _Refused(f"must be a finite number, got {text}")


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


#: a string (to skip; one left open runs to the end, so no input makes the scan backtrack) or a bracket
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)


def _too_deep(text: str) -> str | None:
    """Where the text first opens a list or object deeper than MAX_DEPTH ("line 3, column 70"),
    or None; brackets inside strings do not count."""
    depth = 0
    for token in _TOKENS.finditer(text):
        char = token.group()
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                at = token.start()
                line = text.count("\n", 0, at) + 1
                return f"line {line}, column {at - (text.rfind(chr(10), 0, at) + 1) + 1}"
        elif char in "]}":
            depth -= 1
    return None


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,39}", key) else json.dumps(_short(key))


def _first_refused(value: Any, path: str) -> tuple[str, _Refused] | None:
    """The first refused number in document order and its key path; depth <= MAX_DEPTH."""
    if isinstance(value, _Refused):
        return path, value
    if isinstance(value, dict):
        for key, item in value.items():
            found = _first_refused(item, f"{path}.{_key(key)}" if path else _key(key))
            if found:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = _first_refused(item, f"{path}[{i}]")
            if found:
                return found
    return None


def _kind(value: Any) -> str:
    """How a wrong top-level value is quoted: itself when short, else what it is."""
    text = json.dumps(value)
    if len(text) <= 40:
        return text
    if isinstance(value, list):
        return f"a list of {len(value):,} items"
    return f"a string of {len(value):,} characters" if isinstance(value, str) else "a number"


def parse(text: str, source: str, *, require_object: bool = True,
          what: str = "a JSON object") -> Any:
    """The JSON value of ``text``; ConfigError(source, rule) if it breaks a rule (see the module)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    where = _too_deep(text)
    if where:
        raise ConfigError(source, f"is nested deeper than {MAX_DEPTH} levels (at {where})")
    try:
        value = json.loads(text, parse_int=_integer, parse_float=_float, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        what_went_wrong = exc.msg.removesuffix(" at")  # "Unterminated string starting at"
        raise JSONSyntaxError(source, f"is not valid JSON: {what_went_wrong} at line {exc.lineno}, "
                                      f"column {exc.colno}") from None
    found = _first_refused(value, "")
    if found:
        path, refused = found
        raise ConfigError(source, f"{path}: {refused.rule}" if path else refused.rule)
    if require_object and not isinstance(value, dict):
        raise ConfigError(source, f"must be {what}, got {_kind(value)}")
    return value


def read_object(path: str | os.PathLike[str], *, name: str | None = None, max_bytes: int = MAX_BYTES,
                what: str = "a JSON object") -> dict:
    """The JSON object in the file at ``path``; refusals name the file as ``name`` (default: the
    path as given) and say the rule: ``c.json: is not valid JSON: ... at line 3, column 9``."""
    path = Path(path)
    source = str(path) if name is None else name
    try:
        if not path.exists():
            raise ConfigError(source, "file not found")
        if path.is_dir():
            raise ConfigError(source, "is a folder, not a file")
        if not path.is_file():  # a pipe or a device would block or never end
            raise ConfigError(source, "is not a regular file")
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise ConfigError(source, f"cannot be read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise ConfigError(source, f"is larger than the limit of {max_bytes:,} bytes")
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0  # Windows editors write one
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(source, f"is not UTF-8 text (byte {bom + exc.start + 1} cannot be decoded)") from None
    return parse(text, source, require_object=True, what=what)
