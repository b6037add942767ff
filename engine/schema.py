"""Parameters declared once: ``Param`` says a setting's type, default, range and wording.

The configuration validates with it, the window's panels build their rows,
ranges, steps and tooltips from it, and the command line's errors quote its
rule — so a limit lives in exactly one place. Registry entries (activations,
initialisers, optimisers, data sets) list their own ``Param``s; see
ARCHITECTURE.md for the recipe. ``Section`` is the base of the configuration's
three sections: it reads, checks and writes their Params.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar, Self

__all__ = ["ConfigError", "Param", "Section", "collect", "got", "section_default"]


class ConfigError(ValueError):
    """A configuration value breaks a rule; ``field`` is its dotted path."""

    def __init__(self, field_path: str, rule: str):
        self.field = field_path
        self.rule = rule
        super().__init__(f"{field_path}: {rule}")


def got(value: Any) -> str:
    """How an offending value is quoted in a message: JSON for text and lists, repr for numbers;
    a long one cut (an integer of thousands of digits is named by its length)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"an integer of {len(str(abs(value))) if value.bit_length() < 10_000 else 'thousands of'} digits"
    try:
        text = json.dumps(value) if isinstance(value, (str, list, dict, bool)) or value is None else repr(value)
    except (ValueError, RecursionError):
        return f"a {type(value).__name__} too big to quote"
    return text if len(text) <= 80 else f"{text[:60]}… ({len(text):,} characters)"


KINDS = ("int", "float", "bool", "choice", "text")


@dataclass(frozen=True)
class Param:
    """One setting of a configuration section.

    ``name`` is its key in the section (``"leaky_slope"``); ``arg`` the keyword
    the registry class takes (``slope``), when it differs. ``lo``/``hi`` bound
    numbers (``lo_open``: strictly above ``lo``); ``optional`` admits ``None``,
    which means "the default of whatever uses it" (a data set's own noise).
    ``scale="log"`` tells a widget to step by factors (rates, epsilons);
    ``step`` is a linear step. ``rule`` replaces the generated error text.
    ``advanced`` settings sit in a panel's "Advanced" section.
    """

    name: str
    kind: str
    default: Any
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    optional: bool = False
    choices: tuple[str, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()
    scale: str = "linear"
    step: float | None = None
    label: str = ""
    tip: str = ""
    rule: str | None = None
    arg: str | None = None
    advanced: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Param {self.name!r}: kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.scale not in ("linear", "log"):
            raise ValueError(f"Param {self.name!r}: scale must be linear or log, got {self.scale!r}")

    @property
    def keyword(self) -> str:
        """The keyword argument of the registry class this parameter feeds."""
        return self.arg or self.name

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    # -- validation ------------------------------------------------------------------
    def range_rule(self) -> str:
        """The rule a number must follow, as the error messages and tooltips say it."""
        if self.rule:
            return self.rule
        if self.kind == "int":
            if self.hi is not None:
                return f"must be an integer between {int(self.lo)} and {int(self.hi)}"
            return f"must be an integer >= {int(self.lo)}" if self.lo is not None else "must be an integer"
        if self.kind == "float":
            if self.lo is None and self.hi is None:
                return "must be a finite number"
            low = "" if self.lo is None else (f"> {self.lo:g}" if self.lo_open else f">= {self.lo:g}")
            high = "" if self.hi is None else f"<= {self.hi:g}"
            return "must be " + " and ".join(part for part in (low, high) if part)
        if self.kind == "choice":
            return f"must be one of {', '.join(self.choices)}"
        if self.kind == "bool":
            return "must be true or false"
        return "must be text"

    def check(self, path: str, value: Any) -> Any:
        """The clean value (ints as int, floats as float, choices lower-cased and
        un-aliased) or ConfigError naming ``path`` and the rule."""
        if value is None and self.optional:
            return None
        kind = self.kind
        if kind == "int":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                    isinstance(value, float) and not value.is_integer()):
                raise ConfigError(path, f"{self.rule or 'must be an integer'}, got {got(value)}")
            value = int(value)
            if self.hi is not None and value > self.hi and self.rule and f"{int(self.hi)}" not in self.rule:
                raise ConfigError(path, f"must be at most {int(self.hi)}, got {value}")  # the rule names no top
            if (self.lo is not None and value < self.lo) or (self.hi is not None and value > self.hi):
                raise ConfigError(path, f"{self.range_rule()}, got {value}")
            return value
        if kind == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not _finite(value):
                raise ConfigError(path, f"{self.rule or 'must be a finite number'}, got {got(value)}")
            value = float(value)
            lo, hi = self.lo, self.hi
            if (lo is not None and (value <= lo if self.lo_open else value < lo)) or (hi is not None and value > hi):
                raise ConfigError(path, f"{self.range_rule()}, got {value:g}")
            return value
        if kind == "bool":
            if not isinstance(value, bool):
                raise ConfigError(path, f"must be true or false, got {got(value)}")
            return value
        if kind == "choice":
            key = dict(self.aliases).get(value.lower(), value.lower()) if isinstance(value, str) else None
            if key not in self.choices:
                raise ConfigError(path, f"must be one of {', '.join(self.choices)}, got {got(value)}")
            return key
        if not isinstance(value, str):
            raise ConfigError(path, f"{self.rule or 'must be text'}, got {got(value)}")
        return value

    # -- for widgets -----------------------------------------------------------------
    def bounds(self) -> tuple[float, float]:
        """The closed range a widget may hold: an open lower bound becomes a number
        just above it (1e-300 above 0: widgets keep about 300 decimals); a missing
        bound becomes a wide finite one."""
        big = 2.0 ** 53 if self.kind == "int" else 1e300
        lo = -big if self.lo is None else self.lo
        if self.lo_open and self.lo is not None:
            step = 1 if self.kind == "int" else max(abs(self.lo) * 1e-15, 1e-300)
            lo = self.lo + step
        hi = big if self.hi is None else self.hi
        return lo, hi

    def tooltip(self) -> str:
        """The one-sentence tip and the range, e.g. "Step size … (> 0 and <= 100)"."""
        if self.kind in ("int", "float") and (self.lo is not None or self.hi is not None):
            rule = self.range_rule().removeprefix("must be ")
            return f"{self.tip} ({rule})" if self.tip else rule
        return self.tip


def collect(owners: Iterable[Any], attr: str = "schema") -> dict[str, Param]:
    """Every Param the registry entries declare, by name, in first-seen order.

    Two entries may share a parameter (momentum for Momentum and Nesterov) only
    if they declare the same one; a clash is a programming error and fails at import.
    """
    found: dict[str, Param] = {}
    for owner in owners:
        for param in getattr(owner, attr):
            seen = found.setdefault(param.name, param)
            if seen != param:
                raise ValueError(f"parameter {param.name!r} is declared twice, differently: {seen} / {param}")
    return found


def section_default(param: Param) -> Any:
    """What a section holds when a file leaves the key out: None for an optional
    setting (its user decides the default), else the declared default."""
    return None if param.optional else param.default


class Section:
    """Base of a configuration section (a frozen dataclass): its own ``FIELDS``, and the
    settings registries declare (``extra_params``), which live in ``extra`` as
    (name, value) pairs and read as attributes (``cfg.model.leaky_slope``)."""

    FIELDS: ClassVar[tuple[Param, ...]] = ()
    section: ClassVar[str] = ""
    #: The order keys are listed in (messages, saved files); keys not named here follow.
    LISTING: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def extra_params(cls) -> dict[str, Param]:
        """The settings the registries add to this section, by key."""
        return {}

    @classmethod
    def params(cls) -> dict[str, Param]:
        """Every Param of the section, own fields first, by key."""
        return {**{p.name: p for p in cls.FIELDS}, **cls.extra_params()}

    @classmethod
    def _default_extra(cls) -> tuple[tuple[str, Any], ...]:
        return tuple((name, section_default(p)) for name, p in cls.extra_params().items())

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        for key, value in self.__dict__.get("extra", ()):
            if key == name:
                return value
        raise AttributeError(f"{type(self).__name__} has no setting {name!r}")

    @classmethod
    def listed(cls) -> list[str]:
        """Every key of the section in its listing order (messages, files, panels)."""
        return cls._keys()

    @classmethod
    def _keys(cls) -> list[str]:
        every = [f.name for f in fields(cls) if f.name != "extra"] + list(cls.extra_params())
        return [k for k in cls.LISTING if k in every] + [k for k in every if k not in cls.LISTING]

    @classmethod
    def _checked(cls, raw: Any, section: str) -> dict:
        if not isinstance(raw, dict):
            raise ConfigError(section, f"must be an object, got {got(raw)}")
        valid = cls._keys()
        for key in raw:
            if key not in valid:
                raise ConfigError(f"{section}.{key}", f"unknown key; valid keys: {', '.join(valid)}")
        return raw

    @classmethod
    def _read(cls, raw: dict, section: str, params: dict[str, Param]) -> dict[str, Any]:
        """Check each of ``params`` in ``raw`` (absent: the default)."""
        return {name: p.check(f"{section}.{name}", raw.get(name, section_default(p))) for name, p in params.items()}

    def to_dict(self) -> dict:
        out: dict[str, Any] = {}
        for key in self._keys():
            value = getattr(self, key)
            out[key] = list(value) if isinstance(value, tuple) else value
        return out

    def with_extra(self, **changes: Any) -> Self:
        """A copy with registry-declared settings changed (unchecked: use Config.with_changes for user input)."""
        return replace(self, extra=tuple((k, changes.get(k, v)) for k, v in self.extra))


def _finite(value: int | float) -> bool:
    """A finite number that fits a float (an integer of 400 digits does not)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False
