"""Run configuration: three dataclasses (data, model, train), validated, JSON round-trip.

The window, the command line and the lesson files all build the same
``Config``. ``Config.from_dict`` checks every field and raises ``ConfigError``
naming the field and the rule (``model.hidden[1]: must be a positive integer,
got -3``); nothing else in the engine re-validates user input.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from . import activations, initializers, losses, optimizers

__all__ = ["ConfigError", "DataConfig", "ModelConfig", "TrainConfig", "Config", "load", "save", "set_path"]

MAX_LAYERS = 64
MAX_WIDTH = 4096
MAX_SAMPLES = 1_000_000


class ConfigError(ValueError):
    """A configuration value breaks a rule; ``field`` is its dotted path."""

    def __init__(self, field_path: str, rule: str):
        self.field = field_path
        self.rule = rule
        super().__init__(f"{field_path}: {rule}")


def _dataset_names() -> list[str]:
    from . import datasets

    return list(datasets.DATASETS)


# -- small validators: each returns the clean value or raises ConfigError ---------
def _got(value: Any) -> str:
    return json.dumps(value) if isinstance(value, (str, list, dict, bool)) or value is None else repr(value)


def _int(path: str, value: Any, lo: int | None = None, hi: int | None = None, rule: str | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
        isinstance(value, float) and not value.is_integer()
    ):
        raise ConfigError(path, f"{rule or 'must be an integer'}, got {_got(value)}")
    value = int(value)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        if rule is None:
            rule = f"must be an integer between {lo} and {hi}" if hi is not None else f"must be an integer >= {lo}"
        raise ConfigError(path, f"{rule}, got {value}")
    return value


def _float(path: str, value: Any, lo: float | None = None, hi: float | None = None,
           lo_open: bool = False, rule: str | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(path, f"{rule or 'must be a finite number'}, got {_got(value)}")
    value = float(value)
    too_low = lo is not None and (value <= lo if lo_open else value < lo)
    too_high = hi is not None and value > hi
    if too_low or too_high:
        if rule is None:
            low = f"> {lo:g}" if lo_open else f">= {lo:g}"
            rule = f"must be {low}" + (f" and <= {hi:g}" if hi is not None else "")
        raise ConfigError(path, f"{rule}, got {value:g}")
    return value


def _choice(path: str, value: Any, valid: list[str], aliases: dict[str, str] | None = None) -> str:
    if not isinstance(value, str):
        raise ConfigError(path, f"must be one of {', '.join(valid)}, got {_got(value)}")
    key = (aliases or {}).get(value.lower(), value.lower())
    if key not in valid:
        raise ConfigError(path, f"must be one of {', '.join(valid)}, got {_got(value)}")
    return key


def _bool(path: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(path, f"must be true or false, got {_got(value)}")
    return value


def _check_keys(section: str, raw: Any, cls) -> dict:
    if not isinstance(raw, dict):
        raise ConfigError(section, f"must be an object, got {_got(raw)}")
    valid = [f.name for f in fields(cls)]
    for key in raw:
        if key not in valid:
            raise ConfigError(f"{section}.{key}", f"unknown key; valid keys: {', '.join(valid)}")
    return raw


@dataclass(frozen=True)
class DataConfig:
    """Which data, how much, how split. ``features`` picks the boundary plane."""

    name: str = "moons"
    n_samples: int = 400
    noise: float | None = None  # None: the data set's default
    val_fraction: float = 0.2
    seed: int = 0
    standardize: bool = True
    centers: int | None = None  # blobs
    arms: int | None = None  # spiral
    path: str | None = None  # csv
    label_column: str | int | None = None  # csv; None = last column
    features: tuple[int, int] = (0, 1)

    @classmethod
    def from_dict(cls, raw: Any, section: str = "data") -> "DataConfig":
        raw = _check_keys(section, raw, cls)
        d = cls()
        p = section
        name = _choice(f"{p}.name", raw.get("name", d.name), _dataset_names())
        n = _int(f"{p}.n_samples", raw.get("n_samples", d.n_samples), 8, MAX_SAMPLES)
        noise = raw.get("noise", d.noise)
        noise = None if noise is None else _float(f"{p}.noise", noise, 0.0, 10.0)
        val = _float(f"{p}.val_fraction", raw.get("val_fraction", d.val_fraction), 0.0, 0.9,
                     rule="must be between 0 and 0.9")
        seed = _int(f"{p}.seed", raw.get("seed", d.seed), 0, 2**32 - 1)
        std = _bool(f"{p}.standardize", raw.get("standardize", d.standardize))
        centers = raw.get("centers")
        centers = None if centers is None else _int(f"{p}.centers", centers, 2, 20)
        arms = raw.get("arms")
        arms = None if arms is None else _int(f"{p}.arms", arms, 2, 3)
        path = raw.get("path")
        if path is not None and not isinstance(path, str):
            raise ConfigError(f"{p}.path", f"must be a file path (text), got {_got(path)}")
        if name == "csv" and not path:
            raise ConfigError(f"{p}.path", "is required when data.name is \"csv\"")
        label = raw.get("label_column")
        if label is not None and (isinstance(label, bool) or not isinstance(label, (str, int))):
            raise ConfigError(f"{p}.label_column", f"must be a column name or index, got {_got(label)}")
        feats = raw.get("features", list(d.features))
        if not (isinstance(feats, (list, tuple)) and len(feats) == 2):
            raise ConfigError(f"{p}.features", f"must be a list of two feature indices, got {_got(feats)}")
        f0 = _int(f"{p}.features[0]", feats[0], 0, None, rule="must be a feature index >= 0")
        f1 = _int(f"{p}.features[1]", feats[1], 0, None, rule="must be a feature index >= 0")
        if f0 == f1:
            raise ConfigError(f"{p}.features", f"must name two different features, got {[f0, f1]}")
        return cls(name, n, noise, val, seed, std, centers, arms, path, label, (f0, f1))


@dataclass(frozen=True)
class ModelConfig:
    """The network: hidden widths, activations, initialisation, output head."""

    hidden: tuple[int, ...] = (8, 8)
    activation: str = "tanh"
    #: Optional per-layer override: one name per hidden layer (None = use ``activation``).
    activations: tuple[str, ...] | None = None
    leaky_slope: float = 0.01
    elu_alpha: float = 1.0
    init: str = "xavier"
    #: The initialiser's own parameter (std for normal, limit for uniform,
    #: value for constant, gain for orthogonal); None = its default.
    init_param: float | None = None
    bias_init: str = "zeros"
    bias_value: float = 0.0
    output: str = "softmax"
    dtype: str = "float64"

    @classmethod
    def from_dict(cls, raw: Any, section: str = "model") -> "ModelConfig":
        raw = _check_keys(section, raw, cls)
        d = cls()
        p = section
        hidden = raw.get("hidden", list(d.hidden))
        if not isinstance(hidden, (list, tuple)):
            raise ConfigError(f"{p}.hidden", f"must be a list of layer widths, got {_got(hidden)}")
        if len(hidden) > MAX_LAYERS:
            raise ConfigError(f"{p}.hidden", f"must have at most {MAX_LAYERS} layers, got {len(hidden)}")
        hidden = tuple(
            _int(f"{p}.hidden[{i}]", h, 1, MAX_WIDTH, rule="must be a positive integer")
            for i, h in enumerate(hidden)
        )
        names = activations.names()
        act = _choice(f"{p}.activation", raw.get("activation", d.activation), names, activations.ALIASES)
        per_layer = raw.get("activations")
        if per_layer is not None:
            if not isinstance(per_layer, (list, tuple)) or len(per_layer) != len(hidden):
                raise ConfigError(
                    f"{p}.activations",
                    f"must list one activation per hidden layer ({len(hidden)}), got {_got(per_layer)}",
                )
            per_layer = tuple(
                _choice(f"{p}.activations[{i}]", a, names, activations.ALIASES) for i, a in enumerate(per_layer)
            )
        slope = _float(f"{p}.leaky_slope", raw.get("leaky_slope", d.leaky_slope), 0.0, 1.0)
        alpha = _float(f"{p}.elu_alpha", raw.get("elu_alpha", d.elu_alpha), 0.0, 10.0, lo_open=True)
        init = _choice(f"{p}.init", raw.get("init", d.init), initializers.names(), initializers.ALIASES)
        ip = raw.get("init_param")
        ip = None if ip is None else _float(f"{p}.init_param", ip, -100.0, 100.0)
        bias = _choice(f"{p}.bias_init", raw.get("bias_init", d.bias_init), list(initializers.BIAS_INITIALIZERS))
        bval = _float(f"{p}.bias_value", raw.get("bias_value", d.bias_value), -100.0, 100.0)
        out = _choice(f"{p}.output", raw.get("output", d.output), losses.names(), losses.ALIASES)
        dtype = _choice(f"{p}.dtype", raw.get("dtype", d.dtype), ["float64", "float32"])
        return cls(hidden, act, per_layer, slope, alpha, init, ip, bias, bval, out, dtype)

    # -- what the Network constructor takes ------------------------------------
    def layer_activations(self) -> list[str]:
        return list(self.activations) if self.activations else [self.activation] * len(self.hidden)

    def init_params(self) -> dict[str, float]:
        """The initialiser's parameter under its own name, e.g. {"std": 0.5}."""
        if self.init_param is None:
            return {}
        cls = initializers.INITIALIZERS[self.init]
        return {key: self.init_param for key in cls.params}

    def activation_params(self) -> dict[str, float]:
        return {"slope": self.leaky_slope, "alpha": self.elu_alpha}


@dataclass(frozen=True)
class TrainConfig:
    """How to train. ``batch_size`` None means full batch (always so for ``gd``).

    ``lr`` is the step for the loss as reduced by ``loss_reduction``: under
    ``sum`` the gradient, and so the step, grows with the batch size.
    """

    optimizer: str = "adam"
    lr: float = 0.03
    epochs: int = 300
    batch_size: int | None = 32
    loss_reduction: str = "mean"
    seed: int = 0
    momentum: float = 0.9
    rho: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    l2: float = 0.0
    l1: float = 0.0
    #: Draw each mini-batch with replacement (the classic deep-sigmoid set-up)
    #: instead of shuffling once per epoch.
    with_replacement: bool = False

    @classmethod
    def from_dict(cls, raw: Any, section: str = "train") -> "TrainConfig":
        raw = _check_keys(section, raw, cls)
        d = cls()
        p = section
        opt = _choice(f"{p}.optimizer", raw.get("optimizer", d.optimizer), optimizers.names(), optimizers.ALIASES)
        lr = _float(f"{p}.lr", raw.get("lr", d.lr), 0.0, 100.0, lo_open=True)
        epochs = _int(f"{p}.epochs", raw.get("epochs", d.epochs), 1, 1_000_000)
        bs = raw.get("batch_size", d.batch_size)
        if isinstance(bs, str) and bs.lower() == "full":
            bs = None
        bs = None if bs is None else _int(f"{p}.batch_size", bs, 1, MAX_SAMPLES,
                                         rule="must be a positive integer or \"full\"")
        red = _choice(f"{p}.loss_reduction", raw.get("loss_reduction", d.loss_reduction), list(losses.REDUCTIONS))
        seed = _int(f"{p}.seed", raw.get("seed", d.seed), 0, 2**32 - 1)
        mom = _float(f"{p}.momentum", raw.get("momentum", d.momentum), 0.0, 0.9999)
        rho = _float(f"{p}.rho", raw.get("rho", d.rho), 0.0, 0.9999)
        b1 = _float(f"{p}.beta1", raw.get("beta1", d.beta1), 0.0, 0.9999)
        b2 = _float(f"{p}.beta2", raw.get("beta2", d.beta2), 0.0, 0.999999)
        eps = _float(f"{p}.eps", raw.get("eps", d.eps), 0.0, 1.0, lo_open=True)
        l2 = _float(f"{p}.l2", raw.get("l2", d.l2), 0.0, 10.0)
        l1 = _float(f"{p}.l1", raw.get("l1", d.l1), 0.0, 10.0)
        wr = _bool(f"{p}.with_replacement", raw.get("with_replacement", d.with_replacement))
        return cls(opt, lr, epochs, bs, red, seed, mom, rho, b1, b2, eps, l2, l1, wr)

    def hyper(self) -> dict[str, float]:
        """Every optimiser hyper-parameter; each optimiser takes the ones it uses."""
        return {"momentum": self.momentum, "rho": self.rho, "beta1": self.beta1,
                "beta2": self.beta2, "eps": self.eps}

    @property
    def full_batch(self) -> bool:
        return self.batch_size is None or optimizers.OPTIMIZERS[self.optimizer].full_batch


@dataclass(frozen=True)
class Config:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    @classmethod
    def from_dict(cls, raw: Any) -> "Config":
        if not isinstance(raw, dict):
            raise ConfigError("config", f"must be a JSON object with data, model and train, got {_got(raw)}")
        for key in raw:
            if key not in ("data", "model", "train"):
                raise ConfigError(key, "unknown section; valid sections: data, model, train")
        return cls(
            DataConfig.from_dict(raw.get("data", {})),
            ModelConfig.from_dict(raw.get("model", {})),
            TrainConfig.from_dict(raw.get("train", {})),
        )

    def to_dict(self) -> dict:
        """Plain JSON-ready dict; ``from_dict(to_dict())`` gives an equal Config."""
        out = asdict(self)
        out["data"]["features"] = list(self.data.features)
        out["model"]["hidden"] = list(self.model.hidden)
        if self.model.activations is not None:
            out["model"]["activations"] = list(self.model.activations)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def with_changes(self, **sections: dict) -> "Config":
        """A copy with some fields changed and validated, e.g.
        ``cfg.with_changes(model={"activation": "relu"})``."""
        raw = self.to_dict()
        for section, changes in sections.items():
            raw[section].update(changes)
        return Config.from_dict(raw)


def set_path(raw: dict, dotted: str, value: Any) -> None:
    """Set ``raw["model"]["init"] = value`` from ``"model.init"`` (for sweeps)."""
    section, _, key = dotted.partition(".")
    if section not in ("data", "model", "train") or not key or "." in key:
        raise ConfigError(dotted, "must be section.key, e.g. model.init (sections: data, model, train)")
    raw.setdefault(section, {})[key] = value


def load(path: str | Path) -> Config:
    """Read and validate a configuration file; ConfigError names the field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), f"cannot be read as UTF-8 text ({exc.__class__.__name__})") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(str(path), f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    return Config.from_dict(raw)


def save(config: Config, path: str | Path) -> None:
    Path(path).write_text(config.to_json() + "\n", encoding="utf-8")

