"""A lesson bundle: several lesson files in one file, for a teacher to hand out.

The bundle is one human-readable JSON file, ``*.alab-lessons.json``::

    {"format": "activation-lab-lesson-bundle", "version": 1,
     "lessons": [{"file": "01_symmetry.json", "lesson": {<a format-2 lesson, as in its file>}}, …]}

Reading checks the whole bundle before anything is written: every entry's file name
(a plain name ending in .json, no folders) and every lesson (engine/lessons.py
``parse``). A malformed bundle is refused with a ``LessonError`` naming the entry
and the rule (``lessons[2].lesson.steps[0].text: must not be empty``). Importing
writes each lesson into a folder; a name already taken by a different lesson gets a
suffix (``symmetry-2.json``), one taken by the same lesson is left as it is. Pure Python.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from . import jsonfile, lessons
from .atomic import atomic_write
from .config import ConfigError
from .lessons import LessonError, LessonSpec
from .schema import got

__all__ = ["BUNDLE_FORMAT", "BUNDLE_VERSION", "SUFFIX", "MAX_BUNDLE_BYTES", "MAX_BUNDLE_LESSONS", "Entry",
           "read_bundle", "write_bundle", "import_bundle", "free_name", "entries_from_files"]

BUNDLE_FORMAT = "activation-lab-lesson-bundle"
BUNDLE_VERSION = 1
SUFFIX = ".alab-lessons.json"
MAX_BUNDLE_LESSONS = 100  # a term's worth of labs; a larger "bundle" is not one
MAX_BUNDLE_BYTES = 20 * lessons.MAX_LESSON_BYTES
_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}\.json\Z")

#: (file name, lesson) of one lesson in a bundle
Entry = tuple[str, LessonSpec]


def _check_name(where: str, name: object) -> str:
    if not isinstance(name, str) or not _FILE.match(name) or ".." in name:
        raise LessonError(where, "must be a plain file name ending in .json (letters, digits, space, . _ -; "
                                 f"no folders), got {got(name)}")
    return name


def read_bundle(path: str | Path) -> list[Entry]:
    """Every lesson of the bundle at ``path``, checked; LessonError names the bundle file, the
    entry and the rule (nothing is returned from a bundle with one bad entry)."""
    path = Path(path)
    try:
        raw = jsonfile.read_object(path, name=path.name, max_bytes=MAX_BUNDLE_BYTES,
                                   what="a JSON object with format, version and lessons")
    except ConfigError as err:
        raise LessonError(err.field, err.rule) from None
    try:
        return _entries(raw)
    except LessonError as err:
        raise LessonError(f"{path.name}: {err.field}", err.rule) from None


def _entries(raw: dict) -> list[Entry]:
    for key in raw:
        if key not in ("format", "version", "lessons"):
            raise LessonError(str(key), "unknown key; valid keys: format, version, lessons")
    if raw.get("format") != BUNDLE_FORMAT:
        raise LessonError("format", f"must be {got(BUNDLE_FORMAT)} (a lesson bundle), got {got(raw.get('format'))}")
    if raw.get("version") != BUNDLE_VERSION or type(raw.get("version")) is not int:
        raise LessonError("version", f"must be {BUNDLE_VERSION}, got {got(raw.get('version'))}")
    items = raw.get("lessons")
    if not isinstance(items, list) or not items:
        raise LessonError("lessons", f"must be a list of at least one lesson, got {got(items)}")
    if len(items) > MAX_BUNDLE_LESSONS:
        raise LessonError("lessons", f"must hold at most {MAX_BUNDLE_LESSONS} lessons, got {len(items)}")
    out: list[Entry] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        where = f"lessons[{i}]"
        if not isinstance(item, dict) or set(item) != {"file", "lesson"}:
            raise LessonError(where, 'must be {"file": name, "lesson": {…}} and nothing else')
        name = _check_name(f"{where}.file", item["file"])
        if name.lower() in seen:
            raise LessonError(f"{where}.file", f"{got(name)} is in the bundle twice")
        seen.add(name.lower())
        try:
            spec = lessons.parse(item["lesson"], name)
        except LessonError as err:
            raise LessonError(f"{where}.lesson.{err.field}", err.rule) from None
        out.append((name, spec))
    return out


def write_bundle(entries: Sequence[Entry], path: str | Path) -> None:
    """Write ``entries`` as one bundle, atomically; two entries of one file name are kept apart
    by a suffix. Raises LessonError for an empty list or a bad name, SaveError if the disk refuses."""
    if not entries:
        raise LessonError("lessons", "a bundle needs at least one lesson")
    if len(entries) > MAX_BUNDLE_LESSONS:
        raise LessonError("lessons", f"a bundle holds at most {MAX_BUNDLE_LESSONS} lessons, got {len(entries)}")
    items, taken = [], set()
    for i, (name, spec) in enumerate(entries):
        name = _check_name(f"lessons[{i}].file", name)
        stem, n = name[:-len(".json")], 2
        while name.lower() in taken:
            name, n = f"{stem}-{n}.json", n + 1
        taken.add(name.lower())
        items.append({"file": name, "lesson": lessons.to_dict(spec)})
    data = {"format": BUNDLE_FORMAT, "version": BUNDLE_VERSION, "lessons": items}
    _entries(json.loads(json.dumps(data)))  # what is written must read back
    with atomic_write(path, encoding="utf-8") as handle:
        handle.write(json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def free_name(folder: Path, name: str, spec: LessonSpec) -> tuple[Path, bool]:
    """Where ``spec`` goes in ``folder`` under ``name``: (path, True) when that file already holds
    this very lesson, else the first free name of name, name-2, name-3 … and False."""
    stem, n = name[:-len(".json")], 2
    target = folder / name
    while target.exists():
        try:
            if lessons.load(target) == spec:
                return target, True
        except (OSError, ValueError):
            pass  # a broken file of that name: it is not this lesson
        target, n = folder / f"{stem}-{n}.json", n + 1
    return target, False


def import_bundle(path: str | Path, folder: str | Path) -> list[tuple[Path, bool]]:
    """Read the bundle and write each lesson into ``folder`` (made if need be); returns (path,
    already there) per lesson. A malformed bundle raises LessonError and writes nothing."""
    entries = read_bundle(path)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, spec in entries:
        target, same = free_name(folder, name, spec)
        if not same:
            lessons.save(spec, target)
        out.append((target, same))
    return out


def entries_from_files(paths: Iterable[str | Path]) -> list[Entry]:
    """(file name, lesson) of each lesson file; LessonError names the first that does not load."""
    return [(Path(p).name, lessons.load(p)) for p in paths]
