"""Pinned runs without Qt: what a pin holds, its name and its CSV rows.

A pinned run is a snapshot of one run as it was when it was pinned: its
configuration, its per-epoch ``History`` (with its epoch-end histograms) and
the initial weights it started from (so that it can be brought back exactly).
The window keeps up to ``MAX_PINS`` of them side by side; this module names
them after what differs between them ("He · ReLU · seed 3 · lr 0.1") and writes
them as CSV rows. engine/sessionfile.py reads and writes the session file that
holds the configuration and every pin.
"""

from __future__ import annotations

import csv
import dataclasses
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import activations, datasets, initializers, losses, optimizers
from .atomic import atomic_write
from .config import PARAMS, Config
from .snapshot import History

__all__ = ["LAYERED", "MAX_PINS", "SCALARS", "PinnedRun", "copy_history", "csv_rows", "field_text", "free_colour",
           "run_name", "short_title", "write_csv"]

MAX_PINS = 8
SCALARS = ("train_loss", "val_loss", "train_accuracy", "val_accuracy")
LAYERED = ("grad_mean_abs", "activation_std", "saturated_fraction", "dead_fraction")
#: always part of a pin's name (the initialiser, the activation, the seed), never repeated as a difference
_ALWAYS = ("model.init", "model.init_param", "model.activation", "model.activations", "train.seed")
#: differences named first, in this order; the others follow in the configuration's order
_FIRST = ("data.name", "model.hidden", "train.optimizer", "train.lr", "train.batch_size")


@dataclass(frozen=True)
class PinnedRun:
    """One pinned run: a snapshot of the run when it was pinned (it does not follow the live run)."""

    name: str
    config: Config
    colour: int  # index into the window's palette of pin colours
    history: History
    initial: tuple[tuple[np.ndarray, np.ndarray], ...]  # (W, b) per layer, as the run started

    @property
    def epochs(self) -> int:
        """The last epoch it holds (0 for none)."""
        return int(self.history.epochs[-1]) if len(self.history.epochs) else 0


def copy_history(h: History) -> History:
    """An independent copy of a History (every field, whatever fields History has)."""
    return dataclasses.replace(h, **{f.name: _copied(getattr(h, f.name)) for f in dataclasses.fields(h)})


def _copied(value: Any) -> Any:
    return np.array(value) if isinstance(value, np.ndarray) else value


# -- names --------------------------------------------------------------------------------
def short_title(title: str) -> str:
    """A registry title without its formula: "He N(0, 2/fan_in)" -> "He", "SGD (mini-batch)" -> "SGD"."""
    words = []
    for word in title.split():
        if "(" in word:
            break
        words.append(word)
    return " ".join(words) or title


def _init_text(model: Any) -> str:
    text = short_title(initializers.INITIALIZERS[model.init].title)
    if model.init_param is not None:
        param = type(model).init_param_for(model.init)
        text += f" ({param.title.lower()} {model.init_param:g})"
    return text


def _activation_text(model: Any) -> str:
    names = model.layer_activations()
    titles = [short_title(activations.ACTIVATIONS[n].title) for n in names]
    return titles[0] if len(set(titles)) == 1 else "/".join(titles)


def field_text(config: Config, key: str) -> str:
    """One setting as a pin's name shows it: "lr 0.1", "Adam", "[16, 16]", "batch 32"."""
    section, _, name = key.partition(".")
    value = config.to_dict()[section][name]
    if key == "data.name":
        return short_title(datasets.DATASETS[value].title)
    if key == "model.hidden":
        return str(list(value))
    if key == "train.optimizer":
        return short_title(optimizers.OPTIMIZERS[value].title)
    if key == "model.output":
        return short_title(losses.HEADS[value].title)
    if key == "train.lr":
        return f"lr {value:g}"
    if key == "train.batch_size":
        return "full batch" if value is None else f"batch {value}"
    if key == "train.epochs":
        return f"{value} epochs"
    if key == "data.seed":
        return f"data seed {value}"
    if key == "data.path" and value:
        return Path(str(value)).name
    param = PARAMS[section].get(name)
    title = param.title if param is not None else name.replace("_", " ")
    if value is None:
        return f"{title} default"
    if isinstance(value, bool):
        return f"{title} {'on' if value else 'off'}"
    if isinstance(value, float):
        return f"{title} {value:g}"
    if isinstance(value, list):
        return f"{title} {', '.join(str(v) for v in value)}"
    return f"{title} {value}"


def _relevant(config: Config, key: str) -> bool:
    """An activation's or an optimiser's own constant only counts where it is used."""
    section, _, name = key.partition(".")
    if section == "model" and name in config.model.extra_params():
        return any(name in {p.name for p in activations.ACTIVATIONS[a].schema}
                   for a in config.model.layer_activations())
    if section == "train" and name in config.train.extra_params():
        return name in {p.name for p in optimizers.OPTIMIZERS[config.train.optimizer].schema}
    if key == "model.bias_value":
        return config.model.bias_init == "constant"
    return True


def _flat(config: Config) -> dict[str, Any]:
    return {f"{s}.{k}": v for s, values in config.to_dict().items() for k, v in values.items()}


def run_name(config: Config, others: Sequence[Config] = (), taken: Collection[str] = ()) -> str:
    """"He · ReLU · seed 3", plus each setting in which ``config`` differs from one of ``others``
    (the runs pinned already), e.g. "He · ReLU · seed 3 · lr 0.1 · Adam". A name already
    ``taken`` (the same settings pinned twice) gets " (2)", " (3)", ..."""
    parts = [_init_text(config.model), _activation_text(config.model), f"seed {config.train.seed}"]
    mine = _flat(config)
    differing = set()
    for other in others:
        theirs = _flat(other)
        differing |= {k for k, v in mine.items() if theirs.get(k) != v}
    order = [k for k in _FIRST if k in mine] + [k for k in mine if k not in _FIRST]
    parts += [field_text(config, k) for k in order
              if k in differing and k not in _ALWAYS and _relevant(config, k)]
    name = " · ".join(parts)
    if name not in taken:
        return name
    n = 2
    while f"{name} ({n})" in taken:
        n += 1
    return f"{name} ({n})"


def free_colour(used: Collection[int], palette_size: int = MAX_PINS) -> int:
    """The first palette index no pin uses (the first one if all are used)."""
    return next((i for i in range(palette_size) if i not in used), 0)


# -- CSV ----------------------------------------------------------------------------------
def csv_rows(pins: Sequence[PinnedRun]) -> list[list[Any]]:
    """A header and one row per (run, epoch): the run's name and settings, then its curves.

    The gradient columns follow the deepest run (layer1_grad_mean_abs, ..., output_grad_mean_abs);
    a shallower run leaves its missing layers empty, as it leaves a value that is not a number."""
    deepest = max((len(p.config.model.hidden) for p in pins), default=0)
    layers = [f"layer{i + 1}" for i in range(deepest)] + ["output"]
    header = ["run", "data", "hidden", "activation", "init", "optimizer", "lr", "batch_size", "seed", "epoch",
              *SCALARS, *(f"{name}_grad_mean_abs" for name in layers)]
    rows: list[list[Any]] = [header]
    for pin in pins:
        c, h = pin.config, pin.history
        settings = [pin.name, c.data.name, " ".join(str(w) for w in c.model.hidden),
                    "/".join(c.model.layer_activations()), c.model.init, c.train.optimizer, c.train.lr,
                    "" if c.train.batch_size is None else c.train.batch_size, c.train.seed]
        hidden = len(c.model.hidden)
        for e in range(len(h.epochs)):
            grads = list(h.grad_mean_abs[e])
            padded = grads[:hidden] + [math.nan] * (deepest - hidden) + grads[hidden:]
            values = [getattr(h, key)[e] for key in SCALARS] + padded
            rows.append(settings + [int(h.epochs[e])] + ["" if not math.isfinite(v) else float(v) for v in values])
    return rows


def write_csv(pins: Sequence[PinnedRun], path: str | Path) -> None:
    """``csv_rows(pins)`` to ``path``, atomically."""
    with atomic_write(path, encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(csv_rows(pins))
