"""Lessons as checked experiments: each outcome a lesson's text states is a claim, run over many seeds.

A lesson file (resources/lessons/*.json, read by engine/lessons.py) holds a
configuration, steps of text and "claims". A claim backs one sentence of a step
with a check that ``check_lesson`` runs once per seed, on a configuration (the
lesson's, or a step's: ``engine.lessons.check``) or on a variant of it (the
step's "Try:")::

    {"says": "Try: switch the Activation to Tanh: the boundary bends around the moons, and the
              network gets at least 98 % of the validation points right.",
     "variant": {"model": {"activation": "tanh"}},
     "check": {"measure": "val_accuracy", "at": "end", "at_least": 0.98}}

* ``says`` (required): the sentence, word for word as the student reads it
  (``plain_text``: tags dropped, entities decoded), so it cannot drift from the
  text. Several claims may back one sentence.
* ``variant``: changes per section, as the panels make them: a new ``init``
  without its own ``init_param`` gets the new initialiser's default, as in
  the Network panel. Default: the lesson as loaded.
* ``seeds``: what the runs vary: ``"train"`` (default: ``train.seed``, i.e.
  weights and batch order; the data stay), ``"data"`` (``data.seed``), or a
  list of training seeds the sentence names (``[3, 7]``).
* ``epochs``: train this many epochs instead (for "after N epochs").
* ``holds``: ``"all"`` (default: every seed passes) or ``{"at_least": 5,
  "at_most": 7}`` seeds (either bound optional); the sentence then says how
  often ("in about 6 of 10 seeds").
* ``check``: ``measure`` (a name in ``MEASURES``); ``at``: ``"start"`` (the
  untrained network, epoch 0; nothing is trained for it), ``"end"`` (default)
  or ``"probe"`` (``engine.propagation.signal_propagation`` on Gaussian inputs
  through the config's layers, as ``main.py probe`` runs it; ``"probe":
  {"input_dim": 100, "samples": 1000}``); ``layer`` for a per-layer measure: 1
  to L for the hidden layers, ``"output"``, ``"hidden"`` (all hidden layers)
  or a list, and a seed passes when every listed layer does; ``to``: the layer
  ``grad_ratio`` divides by (default ``"output"``); ``versus``: ``"lesson"``
  (the variant minus the lesson itself, seed by seed) or ``"start"`` (the end
  minus the start); bounds ``at_least``, ``at_most``, ``equals`` (NaN passes none).

Measures (computed in engine/measures.py): ``train_accuracy``, ``val_accuracy``,
``train_loss``, ``val_loss``;
per layer, as Diagnostics computes them (``engine.probes``):
``saturated_fraction``, ``dead_fraction``, ``dead_units`` (NaN where units cannot
saturate or die), ``activation_std``,
``grad_mean_abs`` (mean |dL/dW| of the mean loss), ``identical`` (1 or 0),
``symmetry``; per layer over the training set: ``z_std`` (spread of z),
``activation_mean``, ``mean_slope`` (mean f'(z), the factor back-propagation
multiplies by); ``grad_ratio`` (a layer's mean |dL/dW| over another's),
``weight_change`` (||W_end - W_start|| / ||W_start||), ``weight_abs_max``.

``check_lesson`` returns a ``ClaimResult`` per claim: in how many seeds it held,
whether that is as often as ``holds`` says, and the measured range (min to max
over seeds and layers). A sentence quotes the check's own bounds ("between 55 %
and 85 %" for ``at_least 0.55, at_most 0.85``), set just outside the measured
range, so the sentence is true whenever the check passes.

(Over 400 lines because this docstring is the claim format's documentation.)
"""

from __future__ import annotations

import dataclasses
import html
import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .config import Config, ConfigError
from .measures import MEASURES, SCALARS, Observation

__all__ = ["BOUNDS", "MEASURES", "Check", "Claim", "ClaimResult", "check_lesson", "claim_config",
           "parse_claims", "plain_text", "report"]

POINTS = ("start", "end", "probe")
SEEDS = ("train", "data")
VERSUS = ("lesson", "start")
_CLAIM_KEYS = {"says", "variant", "seeds", "epochs", "holds", "check"}
_CHECK_KEYS = {"measure", "at", "layer", "to", "versus", "probe", "at_least", "at_most", "equals"}


#: bound name -> whether a measured value meets it
BOUNDS: dict[str, Callable[[float, float], bool]] = {
    "at_least": lambda value, bound: value >= bound,
    "at_most": lambda value, bound: value <= bound,
    "equals": lambda value, bound: value == bound,
}


def _indices(spec: Any, n_layers: int) -> list[int]:
    """0-based layer indices from 1-based ints, "output", "hidden", or a list of these."""
    if isinstance(spec, list):
        return [i for item in spec for i in _indices(item, n_layers)]
    if spec == "output":
        return [n_layers - 1]
    if spec == "hidden":
        return list(range(n_layers - 1))
    if isinstance(spec, int) and not isinstance(spec, bool) and 1 <= spec <= n_layers:
        return [spec - 1]
    raise ConfigError("check.layer", f"must be 1 to {n_layers}, \"output\", \"hidden\" or a list, got {spec!r}")


# -- claims ------------------------------------------------------------------------------------------
def _only(where: str, raw: dict, allowed: set[str]) -> None:
    extra = sorted(set(raw) - allowed)
    if extra:
        raise ConfigError(f"{where}.{extra[0]}", f"unknown key; valid keys: {', '.join(sorted(allowed))}")


def _choice(where: str, value: Any, choices: tuple) -> Any:
    if value not in choices:
        raise ConfigError(where, f"must be one of {', '.join(map(str, choices))}, got {value!r}")
    return value


@dataclass(frozen=True)
class Check:
    """What a claim measures, where, and the bounds every value must meet."""

    measure: str
    at: str = "end"
    layer: Any = None
    to: Any = "output"
    versus: str | None = None
    probe: dict = field(default_factory=dict)
    bounds: tuple[tuple[str, float], ...] = ()

    @classmethod
    def from_dict(cls, raw: Any, where: str = "check") -> "Check":
        if not isinstance(raw, dict):
            raise ConfigError(where, "must be an object with a measure and its bounds")
        _only(where, raw, _CHECK_KEYS)
        name = _choice(f"{where}.measure", raw.get("measure"), tuple(MEASURES))
        at = _choice(f"{where}.at", raw.get("at", "end"), POINTS)
        if (raw.get("layer") is None) != (name in SCALARS):
            raise ConfigError(f"{where}.layer", f"{name} {'takes no' if name in SCALARS else 'needs a'} layer")
        versus = _choice(f"{where}.versus", raw.get("versus"), (None, *VERSUS))
        if versus == "start" and at != "end":
            raise ConfigError(f"{where}.versus", "\"start\" compares the end with the start: at must be \"end\"")
        probe = raw.get("probe", {})
        if not isinstance(probe, dict) or (probe and at != "probe"):
            raise ConfigError(f"{where}.probe", "must be an object, read only when at is \"probe\"")
        _only(f"{where}.probe", probe, {"input_dim", "samples"})
        bounds = tuple((key, raw[key]) for key in BOUNDS if key in raw)
        if not bounds:
            raise ConfigError(where, f"needs a bound: {', '.join(BOUNDS)}")
        for key, value in bounds:
            if not isinstance(value, (int, float)):
                raise ConfigError(f"{where}.{key}", f"must be a number, got {value!r}")
        return cls(name, at, raw.get("layer"), raw.get("to", "output"), versus, dict(probe), bounds)

    def indices(self, n_layers: int) -> list[int]:
        return _indices(self.layer, n_layers)

    def passes(self, value: float) -> bool:
        return all(BOUNDS[key](value, bound) for key, bound in self.bounds)

    def describe(self) -> str:
        where = "" if self.layer is None else f" of layer {self.layer}"
        rel = {"lesson": " minus the lesson's", "start": " minus at start"}.get(self.versus, "")
        return f"{self.measure}{where} at {self.at}{rel}"


@dataclass(frozen=True)
class Claim:
    """One sentence of a lesson and the experiment that backs it (see the module docstring)."""

    says: str
    check: Check
    variant: dict = field(default_factory=dict)
    seeds: str | tuple[int, ...] = "train"
    epochs: int | None = None
    at_least: int | None = None  # seeds that must pass; both None: every seed
    at_most: int | None = None

    @classmethod
    def from_dict(cls, raw: Any, where: str = "claim") -> "Claim":
        if not isinstance(raw, dict):
            raise ConfigError(where, "must be an object with says and check")
        _only(where, raw, _CLAIM_KEYS)
        says = raw.get("says")
        if not isinstance(says, str) or not says.strip():
            raise ConfigError(f"{where}.says", "must be the sentence of the text the claim backs")
        variant = raw.get("variant", {})
        if not isinstance(variant, dict) or not all(k in ("data", "model", "train") and isinstance(v, dict)
                                                    for k, v in variant.items()):
            raise ConfigError(f"{where}.variant", "must map data, model or train to the changes in it")
        seeds = raw.get("seeds", "train")
        if isinstance(seeds, list) and seeds and all(type(s) is int and s >= 0 for s in seeds):
            seeds = tuple(seeds)
        elif seeds not in SEEDS:
            raise ConfigError(f"{where}.seeds", f"must be \"train\", \"data\" or a list of seeds, got {seeds!r}")
        epochs = raw.get("epochs")
        if epochs is not None and not (type(epochs) is int and epochs >= 1):
            raise ConfigError(f"{where}.epochs", f"must be a positive integer, got {epochs!r}")
        holds = raw.get("holds", "all")
        if holds == "all":
            lo = hi = None
        elif (isinstance(holds, dict) and holds and not set(holds) - {"at_least", "at_most"}
              and all(type(n) is int and n >= 0 for n in holds.values())):
            lo, hi = holds.get("at_least"), holds.get("at_most")
        else:
            raise ConfigError(f"{where}.holds", f"must be \"all\" or {{\"at_least\": n, \"at_most\": m}}, "
                                                f"got {holds!r}")
        check = Check.from_dict(raw.get("check"), f"{where}.check")
        return cls(" ".join(says.split()), check, variant, seeds, epochs, lo, hi)

    @property
    def every_seed(self) -> bool:
        return self.at_least is None and self.at_most is None

    def required(self, runs: int) -> str:
        if self.every_seed:
            return f"all {runs}"
        return f"{self.at_least or 0} to {runs if self.at_most is None else self.at_most} of {runs}"

    def enough(self, held: int, runs: int) -> bool:
        if self.every_seed:
            return held == runs
        return (self.at_least is None or held >= self.at_least) and (self.at_most is None or held <= self.at_most)


@dataclass(frozen=True)
class ClaimResult:
    """How a claim fared: in how many seeds it held, out of how many, and the measured range."""

    claim: Claim
    held: int
    runs: int
    low: float  # smallest measured value over seeds and layers (NaN if none is a number)
    high: float
    ok: bool  # held as often as the claim says
    failed_seeds: tuple[int, ...] = ()

    @property
    def says(self) -> str:
        return self.claim.says

    def __str__(self) -> str:
        failed = f"; failed in seeds {list(self.failed_seeds)}" if self.failed_seeds else ""
        return (f"{'ok' if self.ok else 'FAILS'}: held in {self.held} of {self.runs} seeds (needs "
                f"{self.claim.required(self.runs)}); {self.claim.check.describe()} from {self.low:.4g} to "
                f"{self.high:.4g}{failed}\n    {self.says}")


def parse_claims(raw_lesson: dict) -> list[Claim]:
    """The lesson's claims, validated; ConfigError names the claim and the key."""
    claims = raw_lesson.get("claims", [])
    if not isinstance(claims, list):
        raise ConfigError("claims", "must be a list")
    return [Claim.from_dict(c, f"claims[{i}]") for i, c in enumerate(claims)]


def claim_config(base: Config, claim: Claim, seed: int | None = None) -> Config:
    """The configuration a claim runs: the lesson's, with its variant, epochs and ``seed`` applied."""
    changes = {section: dict(values) for section, values in claim.variant.items()}
    model = changes.get("model", {})
    if "init" in model and "init_param" not in model:
        model["init_param"] = None  # the new initialiser's default, as the Network panel sets it
    if claim.epochs is not None:
        changes.setdefault("train", {})["epochs"] = claim.epochs
    if seed is not None:
        changes.setdefault("data" if claim.seeds == "data" else "train", {})["seed"] = int(seed)
    return base.with_changes(**changes) if changes else base


def check_lesson(raw_lesson: dict, seeds: Iterable[int] = range(10)) -> list[ClaimResult]:
    """Run every claim of a lesson (its parsed JSON) over ``seeds``: one ClaimResult per claim.

    Claims that need the same configuration and seed share one run.
    """
    seeds = tuple(int(s) for s in seeds)
    base = Config.from_dict(raw_lesson["config"])
    runs: dict[str, Observation] = {}

    def measured(claim: Claim, seed: int, check: Check) -> list[float]:
        config = claim_config(base, claim, seed)
        key = json.dumps(config.to_dict(), sort_keys=True)
        if key not in runs:
            runs[key] = Observation(config)
        return MEASURES[check.measure](runs[key], check)

    results = []
    for claim in parse_claims(raw_lesson):
        check = claim.check
        chosen = claim.seeds if isinstance(claim.seeds, tuple) else seeds
        values: list[float] = []
        failed = []
        for seed in chosen:
            got = measured(claim, seed, check)
            if check.versus is not None:
                ref = (measured(dataclasses.replace(claim, variant={}), seed, check) if check.versus == "lesson"
                       else measured(claim, seed, dataclasses.replace(check, at="start")))
                got = [a - b for a, b in zip(got, ref)]
            values += got
            if not all(check.passes(v) for v in got):
                failed.append(seed)
        numbers = [v for v in values if not math.isnan(v)]
        held = len(chosen) - len(failed)
        results.append(ClaimResult(claim, held, len(chosen), min(numbers, default=math.nan),
                                   max(numbers, default=math.nan), claim.enough(held, len(chosen)),
                                   tuple(failed)))
    return results


def report(results: Sequence[ClaimResult]) -> str:
    """One paragraph per claim: verdict, count, measured range and the sentence."""
    return "\n".join(str(r) for r in results)


def plain_text(text: str) -> str:
    """A lesson's HTML as the student reads it: tags dropped, entities decoded, spaces collapsed."""
    text = re.sub(r"</?(p|br|div|h\d|li|ul|ol)\b[^>]*>", " ", text, flags=re.I)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())
