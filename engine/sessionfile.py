"""The session file: the configuration and every pinned run in one file (File ▸ Save session…).

A session file (``*.alab.json``) is JSON, readable by eye::

    {"format": "activation-lab-session", "version": 1,
     "config": {...the configuration, as a configuration file holds it...},
     "pins": [{"name": "...", "colour": 0, "config": {...},
               "history": {"epochs": [1, 2, ...], "train_loss": [...], ...,
                           "grad_mean_abs": [[layer 1, ..., output] per epoch], ...},
               "initial_weights": [{"W": [[...], ...], "b": [...]} per layer],
               "histograms": {"epochs": [0, 1, ...], "counts": [...], "edge_index": [...], "edges": [...]}}]}

Numbers are written exactly (Python's shortest round-trip form); ``null`` in a
history stands for a value that is not a finite number (the validation loss of a
run without a validation set). ``histograms`` (optional) are the epoch-end
activation and gradient histograms the History records (``History.histograms_at``);
the per-parameter records are not kept. Reading checks every field and refuses
a file with a ``ConfigError`` naming the field and the rule.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .atomic import atomic_write
from .config import Config
from .jsonfile import read_object
from .pins import LAYERED, MAX_PINS, SCALARS, PinnedRun
from .schema import ConfigError, got
from .snapshot import History

__all__ = ["MAX_SESSION_BYTES", "SESSION_FORMAT", "SESSION_VERSION", "load_session", "save_session",
           "session_from_dict", "session_to_dict"]

SESSION_FORMAT = "activation-lab-session"
SESSION_VERSION = 1
#: a session file of eight long runs is a few megabytes; anything past this is not one
MAX_SESSION_BYTES = 200_000_000
MAX_NAME_CHARS = 200


def _numbers(a: np.ndarray) -> list:
    """An array as nested lists, non-finite values as None (JSON has no NaN)."""
    if a.ndim > 1:
        return [_numbers(row) for row in a]
    return [float(v) if math.isfinite(v) else None for v in a.tolist()]


def session_to_dict(config: Config, pins: Sequence[PinnedRun]) -> dict:
    """The session file's content: the configuration and every pin (see the module docstring)."""
    return {
        "format": SESSION_FORMAT, "version": SESSION_VERSION, "config": config.to_dict(),
        "pins": [{
            "name": p.name, "colour": p.colour, "config": p.config.to_dict(),
            "history": {"epochs": [int(e) for e in p.history.epochs],
                        **{key: _numbers(np.asarray(getattr(p.history, key), dtype=float))
                           for key in SCALARS + LAYERED}},
            "initial_weights": [{"W": _numbers(np.asarray(W, dtype=float)), "b": _numbers(np.asarray(b, dtype=float))}
                                for W, b in p.initial],
            **({"histograms": _histograms_dict(p.history)} if len(_recorded(p.history)) else {}),
        } for p in pins],
    }


def _recorded(h: History) -> np.ndarray:
    return getattr(h, "histogram_epochs", np.zeros(0))


def _histograms_dict(h: History) -> dict:
    """The epoch-end histograms: counts (K, layers, 2, bins) are [activations, gradients] per
    layer, each with the row of ``edges`` its bins are (``edge_index``, K x layers x 2)."""
    return {"epochs": [int(e) for e in h.histogram_epochs],
            "counts": np.asarray(h.histogram_counts).tolist(),
            "edge_index": np.asarray(h.histogram_edge_index).tolist(),
            "edges": _numbers(np.asarray(h.histogram_edges, dtype=float))}


def save_session(path: str | Path, config: Config, pins: Sequence[PinnedRun]) -> None:
    """The session file, atomically (a failed save leaves the earlier file as it was)."""
    text = json.dumps(session_to_dict(config, pins), separators=(",", ":"), allow_nan=False)
    with atomic_write(path, encoding="utf-8") as handle:
        handle.write(text + "\n")


def load_session(path: str | Path) -> tuple[Config, list[PinnedRun]]:
    """Read and check a session file; ConfigError names the file (unreadable, not JSON) or the field."""
    raw = read_object(path, name=Path(path).name, max_bytes=MAX_SESSION_BYTES,
                      what="an Activation Lab session (a JSON object)")
    return session_from_dict(raw)


def _need(raw: dict, key: str, where: str) -> Any:
    if key not in raw:
        raise ConfigError(f"{where}{key}", "is missing")
    return raw[key]


def _config(raw: Any, where: str) -> Config:
    try:
        return Config.from_dict(raw)
    except ConfigError as err:
        raise ConfigError(f"{where}.{err.field}", err.rule) from None


def _vector(raw: Any, where: str, length: int | None, allow_null: bool) -> np.ndarray:
    """A list of numbers (None -> NaN where allowed) as a float array; ConfigError otherwise."""
    if not isinstance(raw, list):
        raise ConfigError(where, f"must be a list of numbers, got {got(raw)}")
    if length is not None and len(raw) != length:
        raise ConfigError(where, f"must have {length} values, got {len(raw)}")
    for i, v in enumerate(raw):
        if v is None and allow_null:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            rule = "must be a number or null" if allow_null else "must be a finite number"
            raise ConfigError(f"{where}[{i}]", f"{rule}, got {got(v)}")
    return np.array([math.nan if v is None else v for v in raw], dtype=float)


def _matrix(raw: Any, where: str, rows: int | None, cols: int, allow_null: bool) -> np.ndarray:
    if not isinstance(raw, list):
        raise ConfigError(where, f"must be a list of rows, got {got(raw)}")
    if rows is not None and len(raw) != rows:
        raise ConfigError(where, f"must have {rows} rows, got {len(raw)}")
    out = np.empty((len(raw), cols))
    for i, row in enumerate(raw):
        out[i] = _vector(row, f"{where}[{i}]", cols, allow_null)
    return out


def _history(raw: Any, where: str, n_layers: int) -> History:
    if not isinstance(raw, dict):
        raise ConfigError(where, f"must be an object of per-epoch lists, got {got(raw)}")
    epochs_raw = _need(raw, "epochs", f"{where}.")
    if not isinstance(epochs_raw, list) or any(isinstance(e, bool) or not isinstance(e, int) for e in epochs_raw):
        raise ConfigError(f"{where}.epochs", "must be a list of whole epoch numbers")
    epochs = np.array(epochs_raw, dtype=np.int64)
    if len(epochs) and (epochs[0] < 0 or np.any(np.diff(epochs) <= 0)):
        raise ConfigError(f"{where}.epochs", "must be epoch numbers >= 0 in increasing order")
    n = len(epochs)
    values: dict[str, np.ndarray] = {"epochs": epochs}
    for key in SCALARS:
        values[key] = _vector(_need(raw, key, f"{where}."), f"{where}.{key}", n, allow_null=True)
    for key in LAYERED:
        values[key] = _matrix(_need(raw, key, f"{where}."), f"{where}.{key}", n, n_layers, allow_null=True)
    return History(**values)


def _integers(raw: Any, where: str, shape: tuple[int, ...], lo: int, hi: int | None) -> np.ndarray:
    """A nested list of whole numbers of exactly ``shape``, each in [lo, hi)."""
    if len(shape) > 1:
        if not isinstance(raw, list) or len(raw) != shape[0]:
            count = f"{len(raw)} entries" if isinstance(raw, list) else got(raw)
            raise ConfigError(where, f"must be a list of {shape[0]} entries, got {count}")
        return np.array([_integers(item, f"{where}[{i}]", shape[1:], lo, hi) for i, item in enumerate(raw)],
                        dtype=np.int64).reshape(shape)
    if not isinstance(raw, list) or len(raw) != shape[0]:
        count = f"{len(raw)} values" if isinstance(raw, list) else got(raw)
        raise ConfigError(where, f"must be a list of {shape[0]} whole numbers, got {count}")
    for i, v in enumerate(raw):
        if isinstance(v, bool) or not isinstance(v, int) or v < lo or (hi is not None and v >= hi):
            top = f" and below {hi}" if hi is not None else ""
            raise ConfigError(f"{where}[{i}]", f"must be a whole number >= {lo}{top}, got {got(v)}")
    return np.array(raw, dtype=np.int64)


def _histograms(raw: Any, where: str, n_layers: int) -> dict[str, np.ndarray]:
    """The History fields of a pin's recorded histograms (see ``_histograms_dict``)."""
    if not isinstance(raw, dict):
        raise ConfigError(where, f"must be an object with epochs, counts, edge_index and edges, got {got(raw)}")
    epochs_raw = _need(raw, "epochs", f"{where}.")
    if not isinstance(epochs_raw, list):
        raise ConfigError(f"{where}.epochs", "must be a list of whole epoch numbers")
    epochs = _integers(epochs_raw, f"{where}.epochs", (len(epochs_raw),), 0, None)
    if np.any(np.diff(epochs) <= 0):
        raise ConfigError(f"{where}.epochs", "must be epoch numbers in increasing order")
    edges_raw = _need(raw, "edges", f"{where}.")
    if not isinstance(edges_raw, list) or not edges_raw or not isinstance(edges_raw[0], list):
        raise ConfigError(f"{where}.edges", "must be a list of rows of bin edges")
    width = len(edges_raw[0])
    if width < 2:
        raise ConfigError(f"{where}.edges[0]", "must have at least 2 edges")
    edges = _matrix(edges_raw, f"{where}.edges", None, width, allow_null=False)
    if not np.all(np.isfinite(edges)) or np.any(np.diff(edges, axis=1) <= 0):
        raise ConfigError(f"{where}.edges", "must be rows of finite, increasing bin edges")
    k = len(epochs)
    counts = _integers(_need(raw, "counts", f"{where}."), f"{where}.counts", (k, n_layers, 2, width - 1), 0, None)
    index = _integers(_need(raw, "edge_index", f"{where}."), f"{where}.edge_index", (k, n_layers, 2), 0, len(edges))
    return {"histogram_epochs": epochs, "histogram_counts": counts.astype(np.int64),
            "histogram_edge_index": index.astype(np.int32), "histogram_edges": edges}


def _weights(raw: Any, where: str, config: Config) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """(W, b) per layer, checked against the configuration's hidden widths and with each other."""
    hidden = config.model.hidden
    n_layers = len(hidden) + 1
    if not isinstance(raw, list) or len(raw) != n_layers:
        count = f"{len(raw)} layers" if isinstance(raw, list) else got(raw)
        raise ConfigError(where, f"must list {n_layers} layers of weights (one per hidden layer and the output), "
                                 f"got {count}")
    dtype = np.dtype(config.model.dtype)
    out = []
    fan_in = None
    for i, layer in enumerate(raw):
        at = f"{where}[{i}]"
        if not isinstance(layer, dict):
            raise ConfigError(at, f"must be an object with W and b, got {got(layer)}")
        b = _vector(_need(layer, "b", f"{at}."), f"{at}.b", hidden[i] if i < len(hidden) else None,
                    allow_null=False)
        W_raw = _need(layer, "W", f"{at}.")
        W = _matrix(W_raw, f"{at}.W", fan_in, len(b), allow_null=False)
        if len(W) == 0 or len(b) == 0:
            raise ConfigError(f"{at}.W", "must have at least one row and one column")
        if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
            raise ConfigError(at, "must hold finite numbers")
        fan_in = len(b)
        out.append((W.astype(dtype), b.astype(dtype)))
    return tuple(out)


def session_from_dict(raw: Any) -> tuple[Config, list[PinnedRun]]:
    """The configuration and the pins of a session file's content; ConfigError names the field."""
    if not isinstance(raw, dict):
        raise ConfigError("session", f"must be a JSON object, got {got(raw)}")
    fmt = _need(raw, "format", "")
    if fmt != SESSION_FORMAT:
        raise ConfigError("format", f"must be {SESSION_FORMAT!r} (an Activation Lab session), got {got(fmt)}")
    version = _need(raw, "version", "")
    if version != SESSION_VERSION:
        raise ConfigError("version", f"must be {SESSION_VERSION} (the version this app reads), got {got(version)}")
    config = _config(_need(raw, "config", ""), "config")
    pins_raw = _need(raw, "pins", "")
    if not isinstance(pins_raw, list):
        raise ConfigError("pins", f"must be a list of pinned runs, got {got(pins_raw)}")
    if len(pins_raw) > MAX_PINS:
        raise ConfigError("pins", f"must hold at most {MAX_PINS} pinned runs, got {len(pins_raw)}")
    pins: list[PinnedRun] = []
    for i, p in enumerate(pins_raw):
        where = f"pins[{i}]"
        if not isinstance(p, dict):
            raise ConfigError(where, f"must be an object, got {got(p)}")
        name = _need(p, "name", f"{where}.")
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_CHARS:
            raise ConfigError(f"{where}.name", f"must be text of 1 to {MAX_NAME_CHARS} characters, got {got(name)}")
        colour = _need(p, "colour", f"{where}.")
        if isinstance(colour, bool) or not isinstance(colour, int) or not 0 <= colour < MAX_PINS:
            raise ConfigError(f"{where}.colour", f"must be an integer between 0 and {MAX_PINS - 1}, got {got(colour)}")
        clash = next((j for j, q in enumerate(pins) if q.colour == colour), None)
        if clash is not None:
            raise ConfigError(f"{where}.colour", f"must differ from every other pin's, got {colour} "
                                                 f"(pins[{clash}] has it)")
        pin_config = _config(_need(p, "config", f"{where}."), f"{where}.config")
        history = _history(_need(p, "history", f"{where}."), f"{where}.history", len(pin_config.model.hidden) + 1)
        initial = _weights(_need(p, "initial_weights", f"{where}."), f"{where}.initial_weights", pin_config)
        if "histograms" in p:  # optional: a session saved before any was recorded has none
            history = dataclasses.replace(history, **_histograms(p["histograms"], f"{where}.histograms",
                                                                  len(pin_config.model.hidden) + 1))
        pins.append(PinnedRun(name, pin_config, colour, history, initial))
    return config, pins
