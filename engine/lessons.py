"""The lesson file, format 2: a configuration, steps to walk through, what is locked, and checked claims.

One lesson per human-readable JSON file (an example is in the README's "Lessons
are checked experiments"; this docstring is the reference)::

    {"format": "activation-lab-lesson", "version": 2, "title": "…", "experiment": 1,
     "config": {"data": …, "model": …, "train": …},
     "locked": ["initCombo"], "hidden": ["l2Spin", "view:parameters"],
     "teacher": {"salt": "<hex>", "sha256": "<hex>"},
     "steps": [{"text": "<p>…</p>", "config": {"model": {"init": "xavier"}}, "watch": ["loss"],
                "question": "…", "answer": "…", "checkpoint": {"until_epoch": 50}}],
     "claims": [{"says": "…", "step": 0, "check": {…}}]}

* ``format``, ``version`` (2), ``title``, ``config`` (validated as any
  configuration; sections left out take their defaults) and ``steps`` (at least
  one) are required; ``experiment`` (a whole number: the classic experiment it
  belongs to), ``locked`` (controls' objectNames), ``hidden`` (objectNames, or
  ``"view:<key>"`` of a view), ``teacher`` and ``claims`` are optional.
* A step: ``text`` (allow-listed HTML, gui/lessons/sanitize.py) is required;
  ``config`` holds changes per section, merged onto the configuration so far as
  the panels make them (``merge_changes``); ``watch`` lists keys of
  ``VIEW_KEYS``, none of them hidden; ``question`` needs an ``answer`` (and an
  answer a question); ``checkpoint`` is ``{"until_epoch": N}`` (1 to the step's
  ``train.epochs``) or ``{"pin": true}``.
* ``teacher``: the Teacher-mode passphrase as a salt and sha256(salt bytes +
  passphrase UTF-8), both hexadecimal (``make_teacher``, ``check_passphrase``).
* A claim is engine/claims.py's, plus an optional ``step``: its ``says`` is in
  the plain text of one of the steps, and a claim that names a step is checked
  on ``step_config(spec, step)`` (then its own variant); one that names none, on
  the lesson's ``config``.

Entering step k sets up ``step_config(spec, k)``: the lesson's configuration
with the changes of steps 0 to k merged in order. A file of format 1 (no
"format" or "version": title, experiment, text, config, claims) still loads,
as one step. Anything else that is wrong, an unknown key included, is a
``LessonError`` naming the field path and the rule (``steps[2].checkpoint.until_epoch:
must be a positive integer, got -3``). Pure Python: no Qt.

Why one file of ~460 lines: ``parse`` and ``to_dict`` are the two directions of one
format, this docstring is its reference and every rule has its own message; split, a field added on one side would
be missed on the other (the round-trip test reads both).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import jsonfile
from .claims import Claim, ClaimResult, check_lesson, plain_text
from .config import Config, ConfigError
from .schema import got

__all__ = ["FORMAT", "VERSION", "VIEW_KEYS", "MAX_LESSON_BYTES", "LessonError", "Checkpoint", "Step", "Teacher",
           "LessonSpec", "parse", "to_dict", "load", "save", "step_config", "merge_changes", "make_teacher",
           "check_passphrase", "full_text", "step_claims", "check"]

FORMAT = "activation-lab-lesson"
VERSION = 2
#: the keys of the window's views (gui/plots VIEWS; a GUI test keeps the two equal): what a step
#: may ``watch`` and a lesson may hide as ``"view:<key>"``
VIEW_KEYS = ("loss", "boundary", "activations", "gradients", "diagnostics", "parameters")
MAX_LESSON_BYTES = 1_000_000  # a lesson is a few pages of text and a configuration; a larger file is not one
SECTIONS = ("data", "model", "train")

_V2_KEYS = ("format", "version", "title", "experiment", "config", "locked", "hidden", "teacher", "steps", "claims")
_V1_KEYS = ("title", "experiment", "text", "config", "claims")
_STEP_KEYS = ("text", "config", "watch", "question", "answer", "checkpoint")
_CHECKPOINT_KEYS = ("until_epoch", "pin")
_TEACHER_KEYS = ("salt", "sha256")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")  # a Qt objectName as the app's controls spell them
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+\Z")


class LessonError(ConfigError):
    """A lesson file breaks a rule: ``field`` is the path in the file (``steps[1].watch[0]``), ``rule`` says
    what is wrong. A ConfigError, so its message reads like a configuration's."""


@dataclass(frozen=True)
class Checkpoint:
    """What a step waits for before Next: the run reaching epoch ``until_epoch``, or a pinned run (``pin``)."""

    until_epoch: int | None = None
    pin: bool = False


@dataclass(frozen=True)
class Step:
    """One screen of a lesson: its text (allow-listed HTML), the configuration changes it makes when
    entered, the views it points at, an optional question with its answer, and an optional checkpoint."""

    text: str
    config: dict | None = None
    watch: tuple[str, ...] = ()
    question: str | None = None
    answer: str | None = None
    checkpoint: Checkpoint | None = None


@dataclass(frozen=True)
class Teacher:
    """Teacher mode's passphrase, stored hashed: sha256(salt bytes + passphrase UTF-8), both in hex."""

    salt: str
    sha256: str


@dataclass(frozen=True)
class LessonSpec:
    """A whole lesson, validated. ``claims`` holds the claims as written (JSON objects); ``source`` is
    the file it came from (not part of equality: the same lesson read from two places is equal)."""

    title: str
    config: Config
    steps: tuple[Step, ...]
    experiment: int | None = None
    locked: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    teacher: Teacher | None = None
    claims: tuple = ()
    source: str = field(default="", compare=False)


# -- small checks --------------------------------------------------------------------------------
def _only(where: str, raw: dict, allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    for key in raw:
        if key not in allowed:
            path = f"{where}.{key}" if where else str(key)
            raise LessonError(path, f"unknown key; valid keys: {', '.join(allowed)}")


def _text(where: str, value: Any, required: bool = True) -> str:
    if not isinstance(value, str):
        raise LessonError(where, "must be text" if value is not None or required else "must be text, or left out")
    if not value.strip():
        raise LessonError(where, "must not be empty")
    return value


def _whole(where: str, value: Any) -> int:
    if type(value) is not int:
        raise LessonError(where, f"must be a whole number, got {got(value)}")
    return value


def _names(where: str, value: Any, views_only: bool | None) -> tuple[str, ...]:
    """A list of control objectNames and (``views_only`` None: also, False: never) ``view:<key>``."""
    if not isinstance(value, list):
        raise LessonError(where, f"must be a list of control names, got {got(value)}")
    seen: list[str] = []
    for i, name in enumerate(value):
        at = f"{where}[{i}]"
        if not isinstance(name, str):
            raise LessonError(at, f"must be text, got {got(name)}")
        if name.startswith("view:"):
            if views_only is False:
                raise LessonError(at, "a view cannot be locked, only hidden (list it under hidden)")
            if name[5:] not in VIEW_KEYS:
                raise LessonError(at, f"names no view; valid: {', '.join('view:' + k for k in VIEW_KEYS)}")
        elif not _NAME.match(name):
            raise LessonError(at, f"must be a control's objectName (letters, digits, _), got {got(name)}")
        if name in seen:
            raise LessonError(at, f"{got(name)} is listed twice")
        seen.append(name)
    return tuple(seen)


def merge_changes(config: Config, changes: dict | None) -> Config:
    """``config`` with per-section ``changes`` merged in, as the panels make them: a new ``init``
    without its own ``init_param`` takes the new initialiser's default (raises ConfigError)."""
    if not changes:
        return config
    changes = {section: dict(values) for section, values in changes.items()}
    model = changes.get("model", {})
    if "init" in model and "init_param" not in model:
        model["init_param"] = None
    return config.with_changes(**changes)


def _changes(where: str, value: Any) -> dict | None:
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise LessonError(where, f"must map data, model or train to the changes in it, got {got(value)}")
    _only(where, value, SECTIONS)
    return copy.deepcopy(value) if value else None


def _checkpoint(where: str, value: Any, epochs: int) -> Checkpoint:
    if not isinstance(value, dict):
        raise LessonError(where, f'must be {{"until_epoch": N}} or {{"pin": true}}, got {got(value)}')
    _only(where, value, _CHECKPOINT_KEYS)
    if len(value) != 1:
        raise LessonError(where, 'needs exactly one of until_epoch (a run to that epoch) or pin (a pinned run)')
    if "pin" in value:
        if value["pin"] is not True:
            raise LessonError(f"{where}.pin", "must be true (leave the checkpoint out otherwise), "
                                              f"got {got(value['pin'])}")
        return Checkpoint(pin=True)
    until = value["until_epoch"]
    if type(until) is not int or until < 1:
        raise LessonError(f"{where}.until_epoch", f"must be a positive integer, got {got(until)}")
    if until > epochs:
        raise LessonError(f"{where}.until_epoch", f"must be at most the step's {epochs} epochs (train.epochs), "
                                                  f"got {until}")
    return Checkpoint(until_epoch=until)


def _step(where: str, raw: Any, config: Config, hidden: tuple[str, ...]) -> tuple[Step, Config]:
    """One step, and the configuration it sets up (``config`` with its changes)."""
    if not isinstance(raw, dict):
        raise LessonError(where, f"must be an object with at least a text, got {got(raw)}")
    _only(where, raw, _STEP_KEYS)
    if "text" not in raw:
        raise LessonError(f"{where}.text", "is required in a step")
    text = _text(f"{where}.text", raw["text"])
    changes = _changes(f"{where}.config", raw["config"]) if "config" in raw else None
    try:
        config = merge_changes(config, changes)
    except ConfigError as err:
        raise LessonError(f"{where}.config.{err.field}", err.rule) from None
    except (ArithmeticError, TypeError, AttributeError, RecursionError) as err:
        raise LessonError(f"{where}.config", f"could not be read ({type(err).__name__}: {err})") from None
    watch = raw.get("watch", [])
    if not isinstance(watch, list):
        raise LessonError(f"{where}.watch", f"must be a list of view keys, got {got(watch)}")
    for i, key in enumerate(watch):
        if key not in VIEW_KEYS:
            raise LessonError(f"{where}.watch[{i}]", f"must be a view key: {', '.join(VIEW_KEYS)}; got {got(key)}")
        if f"view:{key}" in hidden:
            raise LessonError(f"{where}.watch[{i}]", f"the lesson hides the view {got(key)} (hidden)")
        if key in watch[:i]:
            raise LessonError(f"{where}.watch[{i}]", f"{got(key)} is listed twice")
    question = _text(f"{where}.question", raw["question"]) if "question" in raw else None
    answer = _text(f"{where}.answer", raw["answer"]) if "answer" in raw else None
    if question is not None and answer is None:
        raise LessonError(f"{where}.answer", "is required when the step asks a question")
    if answer is not None and question is None:
        raise LessonError(f"{where}.answer", "answers no question: give the step a question too")
    checkpoint = _checkpoint(f"{where}.checkpoint", raw["checkpoint"], config.train.epochs) \
        if "checkpoint" in raw else None
    return Step(text, changes, tuple(watch), question, answer, checkpoint), config


def _claims(raw: Any, steps: tuple[Step, ...]) -> tuple[dict, ...]:
    """The claims as written, each checked by engine/claims.py; its ``says`` must be in the plain
    text of one step (any step: a later one may recall what an earlier one showed)."""
    if not isinstance(raw, list):
        raise LessonError("claims", f"must be a list, got {got(raw)}")
    texts = [plain_text(step.text) for step in steps]
    kept = []
    for i, claim in enumerate(raw):
        where = f"claims[{i}]"
        if not isinstance(claim, dict):
            raise LessonError(where, "must be an object with says and check")
        body = {k: v for k, v in claim.items() if k != "step"}
        try:
            parsed = Claim.from_dict(body, where)
        except ConfigError as err:
            raise LessonError(err.field, err.rule) from None
        if "step" in claim:
            index = claim["step"]
            if type(index) is not int or not 0 <= index < len(steps):
                raise LessonError(f"{where}.step", f"must be a step's index, 0 to {len(steps) - 1}, got {got(index)}")
        if not any(parsed.says in text for text in texts):
            raise LessonError(f"{where}.says", "must appear word for word in the text of a step")
        kept.append(copy.deepcopy(claim))
    return tuple(kept)


def _teacher(raw: Any) -> Teacher:
    if not isinstance(raw, dict):
        raise LessonError("teacher", f'must be {{"salt": hex, "sha256": hex}}, got {got(raw)}')
    _only("teacher", raw, _TEACHER_KEYS)
    for key in _TEACHER_KEYS:
        if key not in raw:
            raise LessonError(f"teacher.{key}", "is required")
        if not isinstance(raw[key], str) or not _HEX.match(raw[key]):
            raise LessonError(f"teacher.{key}", f"must be hexadecimal text, got {got(raw[key])}")
    if len(raw["sha256"]) != 64:
        raise LessonError("teacher.sha256", f"must be 64 hexadecimal digits (a SHA-256), got {len(raw['sha256'])}")
    if len(raw["salt"]) < 16:
        raise LessonError("teacher.salt", "must be at least 8 bytes (16 hexadecimal digits)")
    return Teacher(raw["salt"].lower(), raw["sha256"].lower())


def _config(raw: Any) -> Config:
    try:
        return Config.from_dict(raw)
    except ConfigError as err:
        path = "config" if err.field == "config" else f"config.{err.field}"  # "config": the whole of it
        raise LessonError(path, err.rule) from None
    except (ArithmeticError, TypeError, AttributeError, RecursionError) as err:
        # a value the checks did not foresee (an integer too large for a float, say): still a broken file
        raise LessonError("config", f"could not be read ({type(err).__name__}: {err})") from None


# -- the file ---------------------------------------------------------------------------------------
def parse(raw: object, source: str = "") -> LessonSpec:
    """A lesson from its JSON value (format 2, or format 1: one "text"); raises LessonError."""
    if not isinstance(raw, dict):
        raise LessonError("lesson", f"must be a JSON object with title, config and steps, got {got(raw)}")
    v2 = "format" in raw or "version" in raw or "steps" in raw
    _only("", raw, _V2_KEYS if v2 else _V1_KEYS)
    required = ("format", "version", "title", "config", "steps") if v2 else ("title", "text", "config")
    for key in required:
        if key not in raw:
            raise LessonError(key, "is required in a lesson file")
    if v2:
        if raw["format"] != FORMAT:
            raise LessonError("format", f"must be {got(FORMAT)}, got {got(raw['format'])}")
        if raw["version"] != VERSION or type(raw["version"]) is not int:
            raise LessonError("version", f"must be {VERSION} (this app reads lesson versions 1 and 2), "
                                         f"got {got(raw['version'])}")
    title = _text("title", raw["title"])
    experiment = _whole("experiment", raw["experiment"]) if "experiment" in raw else None
    config = _config(raw["config"])
    hidden = _names("hidden", raw.get("hidden", []), None)
    locked = _names("locked", raw.get("locked", []), False)
    teacher = _teacher(raw["teacher"]) if "teacher" in raw else None
    if v2:
        steps_raw = raw["steps"]
        if not isinstance(steps_raw, list):
            raise LessonError("steps", f"must be a list of steps, got {got(steps_raw)}")
        if not steps_raw:
            raise LessonError("steps", "must hold at least one step")
        made, current = [], config
        for i, step in enumerate(steps_raw):
            one, current = _step(f"steps[{i}]", step, current, hidden)
            made.append(one)
        steps = tuple(made)
    else:
        steps = (Step(_text("text", raw["text"])),)  # format 1: its text is the one step
    claims = _claims(raw.get("claims", []), steps)
    return LessonSpec(title, config, steps, experiment, locked, hidden, teacher, claims, source)


def _step_dict(step: Step) -> dict:
    out: dict[str, Any] = {"text": step.text}
    if step.config:
        out["config"] = copy.deepcopy(step.config)
    if step.watch:
        out["watch"] = list(step.watch)
    if step.question is not None:
        out["question"] = step.question
    if step.answer is not None:
        out["answer"] = step.answer
    if step.checkpoint is not None:
        out["checkpoint"] = ({"pin": True} if step.checkpoint.pin else {"until_epoch": step.checkpoint.until_epoch})
    return out


def to_dict(spec: LessonSpec) -> dict:
    """The lesson as a format-2 JSON object: ``parse(to_dict(spec)) == spec``."""
    out: dict[str, Any] = {"format": FORMAT, "version": VERSION, "title": spec.title}
    if spec.experiment is not None:
        out["experiment"] = spec.experiment
    out["config"] = spec.config.to_dict()
    if spec.locked:
        out["locked"] = list(spec.locked)
    if spec.hidden:
        out["hidden"] = list(spec.hidden)
    if spec.teacher is not None:
        out["teacher"] = {"salt": spec.teacher.salt, "sha256": spec.teacher.sha256}
    out["steps"] = [_step_dict(step) for step in spec.steps]
    if spec.claims:
        out["claims"] = copy.deepcopy(list(spec.claims))
    return out


def load(path: str | Path) -> LessonSpec:
    """Read and check one lesson file (engine/jsonfile.py: a regular UTF-8 file of at most
    ``MAX_LESSON_BYTES``); LessonError names the file, then the field and the rule."""
    path = Path(path)
    try:
        raw = jsonfile.read_object(path, name=path.name, max_bytes=MAX_LESSON_BYTES,
                                   what="a JSON object with title, config and steps")
    except LessonError:
        raise
    except ConfigError as err:  # the file itself: missing, not JSON, too deep, too large
        raise LessonError(err.field, err.rule) from None
    try:
        return parse(raw, str(path))
    except LessonError as err:
        raise LessonError(f"{path.name}: {err.field}", err.rule) from None


def save(spec: LessonSpec, path: str | Path) -> None:
    """Write the lesson as indented JSON, atomically (engine/atomic.py); a lesson that would not
    load back is refused first, with its LessonError, and nothing is written."""
    from .atomic import atomic_write

    data = to_dict(spec)
    parse(json.loads(json.dumps(data)))  # what is written must load back
    with atomic_write(path, encoding="utf-8") as handle:
        handle.write(json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def step_config(spec: LessonSpec, index: int) -> Config:
    """The configuration step ``index`` sets up: the lesson's, with steps 0..index's changes merged."""
    if not 0 <= index < len(spec.steps):
        raise IndexError(f"step {index} of a lesson of {len(spec.steps)} steps")
    config = spec.config
    for step in spec.steps[:index + 1]:
        config = merge_changes(config, step.config)
    return config


def full_text(spec: LessonSpec) -> str:
    """Every step's text as the student reads it (plain text, one step after another)."""
    return " ".join(plain_text(step.text) for step in spec.steps)


# -- teacher mode's passphrase -----------------------------------------------------------------------
def _digest(salt: bytes, passphrase: str) -> str:
    return hashlib.sha256(salt + passphrase.encode("utf-8")).hexdigest()


def make_teacher(passphrase: str, salt: bytes | None = None) -> Teacher:
    """A Teacher entry for ``passphrase``, with a fresh random salt unless one is given."""
    if not passphrase:
        raise LessonError("teacher", "the passphrase must not be empty")
    salt = secrets.token_bytes(16) if salt is None else bytes(salt)
    if len(salt) < 8:
        raise LessonError("teacher.salt", "must be at least 8 bytes")
    return Teacher(salt.hex(), _digest(salt, passphrase))


def check_passphrase(teacher: Teacher, passphrase: str) -> bool:
    """True when ``passphrase`` is the teacher's (compared in constant time)."""
    return hmac.compare_digest(_digest(bytes.fromhex(teacher.salt), passphrase), teacher.sha256.lower())


# -- claims --------------------------------------------------------------------------------------------
def step_claims(spec: LessonSpec) -> list[tuple[int | None, Claim]]:
    """Each claim with the step it names (None: the lesson's own configuration)."""
    return [(raw.get("step"), Claim.from_dict({k: v for k, v in raw.items() if k != "step"}, f"claims[{i}]"))
            for i, raw in enumerate(spec.claims)]


def check(spec: LessonSpec, seeds: Iterable[int] = range(10)) -> list[ClaimResult]:
    """Run every claim over ``seeds`` (engine/claims.py ``check_lesson``), each on its step's
    configuration; one ClaimResult per claim, in the file's order."""
    seeds = tuple(seeds)
    groups: dict[int | None, list[int]] = {}
    for i, raw in enumerate(spec.claims):
        groups.setdefault(raw.get("step"), []).append(i)
    results: list[ClaimResult | None] = [None] * len(spec.claims)
    for step, indices in groups.items():
        base = spec.config if step is None else step_config(spec, step)
        claims = [{k: v for k, v in spec.claims[i].items() if k != "step"} for i in indices]
        for i, result in zip(indices, check_lesson({"config": base.to_dict(), "claims": claims}, seeds)):
            results[i] = result
    return [r for r in results if r is not None]
