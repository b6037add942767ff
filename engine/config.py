"""Run configuration: three dataclasses (data, model, train), validated, JSON round-trip.

The window, the command line and the lesson files all build the same
``Config``. ``Config.from_dict`` checks every field against its ``Param``
(engine/schema.py) and raises ``ConfigError`` naming the field and the rule
(``model.hidden[1]: must be a positive integer, got -3``); nothing else in the
engine re-validates user input. A section's own settings are declared in
``FIELDS`` below; the registries add theirs (``model.leaky_slope`` comes from
the Leaky ReLU class, ``train.beta1`` from Adam, ``data.centers`` from blobs),
read as attributes like any other field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from . import activations, datasets, initializers, losses, optimizers
from .jsonfile import read_object
from .schema import ConfigError, Param, Section, collect, got

__all__ = ["ConfigError", "DataConfig", "ModelConfig", "TrainConfig", "Config", "PARAMS", "load", "save",
           "set_path"]

MAX_LAYERS = 64
MAX_WIDTH = 4096
MAX_SAMPLES = 1_000_000
MAX_SEED = 2**32 - 1


def _aliases(mapping: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(mapping.items())


_DATA_EXTRA: dict[str, Param] = collect(datasets.DATASETS.values())
_MODEL_EXTRA: dict[str, Param] = collect(activations.ACTIVATIONS.values())
_TRAIN_EXTRA: dict[str, Param] = collect(optimizers.OPTIMIZERS.values())


@dataclass(frozen=True)
class DataConfig(Section):
    """Which data, how much, how split. ``features`` picks the boundary plane.

    Data-set options (``centers`` for blobs, ``arms`` for the spiral, ``path``
    and ``label_column`` for a CSV file) come from the data sets' schemas; None
    means the set's own default.
    """

    section: ClassVar[str] = "data"
    LISTING: ClassVar[tuple[str, ...]] = ("name", "n_samples", "noise", "val_fraction", "seed", "standardize",
                                          "centers", "arms", "path", "label_column", "features")
    FIELDS: ClassVar[tuple[Param, ...]] = (
        Param("name", "choice", "moons", choices=tuple(datasets.DATASETS), label="Data set",
              tip="The problem to learn; hover an entry for what it shows."),
        Param("n_samples", "int", 400, 8, MAX_SAMPLES, step=50, label="Points",
              tip="How many points the data set has."),
        Param("noise", "float", None, 0.0, 10.0, optional=True, step=0.05, label="Noise",
              tip="How much random jitter blurs the classes."),
        Param("val_fraction", "float", 0.2, 0.0, 0.9, step=0.05, label="Validation",
              rule="must be between 0 and 0.9",
              tip="Share of the points held out to check the network on data it never trains on."),
        Param("seed", "int", 0, 0, MAX_SEED, label="Seed", tip="Which random sample of the data set to draw."),
        Param("standardize", "bool", True, label="Standardise", advanced=True,
              tip="Shift and scale every feature to mean 0 and std 1 on the training part."),
    )
    #: one entry of ``features``
    FEATURE: ClassVar[Param] = Param("features", "int", 0, 0, None, rule="must be a feature index >= 0")

    name: str = "moons"
    n_samples: int = 400
    noise: float | None = None  # None: the data set's default
    val_fraction: float = 0.2
    seed: int = 0
    standardize: bool = True
    features: tuple[int, int] = (0, 1)
    extra: tuple[tuple[str, Any], ...] = field(default_factory=lambda: DataConfig._default_extra())

    @classmethod
    def extra_params(cls) -> dict[str, Param]:
        return _DATA_EXTRA

    @classmethod
    def from_dict(cls, raw: Any, section: str = "data") -> "DataConfig":
        raw = cls._checked(raw, section)
        p = section
        own = cls._read(raw, p, {q.name: q for q in cls.FIELDS})
        extras = {k: q for k, q in _DATA_EXTRA.items() if k != "label_column"}
        extra = cls._read(raw, p, extras)
        label = raw.get("label_column")
        if label is not None and (isinstance(label, bool) or not isinstance(label, (str, int))):
            raise ConfigError(f"{p}.label_column", f"must be a column name or index, got {got(label)}")
        extra["label_column"] = label
        if own["name"] == "csv" and not extra.get("path"):
            raise ConfigError(f"{p}.path", "is required when data.name is \"csv\"")
        feats = raw.get("features", [0, 1])
        if not (isinstance(feats, (list, tuple)) and len(feats) == 2):
            raise ConfigError(f"{p}.features", f"must be a list of two feature indices, got {got(feats)}")
        f0 = cls.FEATURE.check(f"{p}.features[0]", feats[0])
        f1 = cls.FEATURE.check(f"{p}.features[1]", feats[1])
        if f0 == f1:
            raise ConfigError(f"{p}.features", f"must name two different features, got {[f0, f1]}")
        return cls(**own, features=(f0, f1), extra=tuple((k, extra[k]) for k in _DATA_EXTRA))

    def dataset_params(self) -> dict[str, Any]:
        """The chosen data set's own options that are set (None = its default)."""
        spec = datasets.get(self.name)
        return {q.keyword: getattr(self, q.name) for q in spec.schema if getattr(self, q.name) is not None}


@dataclass(frozen=True)
class ModelConfig(Section):
    """The network: hidden widths, activations, initialisation, output head.

    Activation parameters (``leaky_slope``, ``elu_alpha``) come from the
    activation classes' schemas; ``init_param`` is the chosen initialiser's own
    parameter (std, limit, value or gain, with its range), None = its default.
    """

    section: ClassVar[str] = "model"
    LISTING: ClassVar[tuple[str, ...]] = ("hidden", "activation", "activations", "leaky_slope", "elu_alpha", "init",
                                          "init_param", "bias_init", "bias_value", "output", "dtype")
    WIDTH: ClassVar[Param] = Param("hidden", "int", 8, 1, MAX_WIDTH, rule="must be a positive integer",
                                   label="Width", tip="Number of units in this layer.")
    #: init_param for an initialiser that has no parameter: kept, not used
    UNUSED_INIT_PARAM: ClassVar[Param] = Param("init_param", "float", None, -100.0, 100.0, optional=True)
    FIELDS: ClassVar[tuple[Param, ...]] = (
        Param("activation", "choice", "tanh", choices=tuple(activations.ACTIVATIONS),
              aliases=_aliases(activations.ALIASES), label="Activation",
              tip="The non-linearity after every hidden layer."),
        Param("init", "choice", "xavier", choices=tuple(initializers.INITIALIZERS),
              aliases=_aliases(initializers.ALIASES), label="Initialiser",
              tip="How the weights are drawn before training."),
        Param("bias_init", "choice", "zeros", choices=tuple(initializers.BIAS_INITIALIZERS), label="Biases",
              tip="How the biases start."),
        Param("bias_value", "float", 0.0, -100.0, 100.0, step=0.1, label="Bias value",
              tip="The value every bias starts at."),
        Param("output", "choice", "softmax", choices=tuple(losses.HEADS), aliases=_aliases(losses.ALIASES),
              label="Output", tip="The output layer's function and the loss it is trained on."),
        Param("dtype", "choice", "float64", choices=("float64", "float32"), label="Precision", advanced=True,
              tip="Floating-point precision of weights and activations: float32 is faster, float64 exact."),
    )

    hidden: tuple[int, ...] = (8, 8)
    activation: str = "tanh"
    #: Optional per-layer override: one name per hidden layer (None = use ``activation``).
    activations: tuple[str, ...] | None = None
    init: str = "xavier"
    #: The initialiser's own parameter (std for normal, limit for uniform,
    #: value for constant, gain for orthogonal); None = its default.
    init_param: float | None = None
    bias_init: str = "zeros"
    bias_value: float = 0.0
    output: str = "softmax"
    dtype: str = "float64"
    extra: tuple[tuple[str, Any], ...] = field(default_factory=lambda: ModelConfig._default_extra())

    @classmethod
    def extra_params(cls) -> dict[str, Param]:
        return _MODEL_EXTRA

    @staticmethod
    def init_param_for(init: str) -> Param:
        """The Param ``init_param`` follows for initialiser ``init``."""
        schema = initializers.INITIALIZERS[init].schema
        return schema[0] if schema else ModelConfig.UNUSED_INIT_PARAM

    @classmethod
    def from_dict(cls, raw: Any, section: str = "model") -> "ModelConfig":
        raw = cls._checked(raw, section)
        p = section
        hidden = raw.get("hidden", [8, 8])
        if not isinstance(hidden, (list, tuple)):
            raise ConfigError(f"{p}.hidden", f"must be a list of layer widths, got {got(hidden)}")
        if len(hidden) > MAX_LAYERS:
            raise ConfigError(f"{p}.hidden", f"must have at most {MAX_LAYERS} layers, got {len(hidden)}")
        hidden = tuple(cls.WIDTH.check(f"{p}.hidden[{i}]", h) for i, h in enumerate(hidden))
        own = cls._read(raw, p, {q.name: q for q in cls.FIELDS})
        act_param = cls.params()["activation"]
        per_layer = raw.get("activations")
        if per_layer is not None:
            if not isinstance(per_layer, (list, tuple)) or len(per_layer) != len(hidden):
                raise ConfigError(
                    f"{p}.activations",
                    f"must list one activation per hidden layer ({len(hidden)}), got {got(per_layer)}",
                )
            per_layer = tuple(act_param.check(f"{p}.activations[{i}]", a) for i, a in enumerate(per_layer))
        init_param = raw.get("init_param")  # None: the initialiser's default
        if init_param is not None:
            init_param = cls.init_param_for(own["init"]).check(f"{p}.init_param", init_param)
        extra = cls._read(raw, p, _MODEL_EXTRA)
        return cls(hidden=hidden, activations=per_layer, init_param=init_param, **own,
                   extra=tuple(extra.items()))

    # -- what the Network constructor takes ------------------------------------
    def layer_activations(self) -> list[str]:
        return list(self.activations) if self.activations else [self.activation] * len(self.hidden)

    def init_params(self) -> dict[str, float]:
        """The initialiser's parameter under its own name, e.g. {"std": 0.5}."""
        if self.init_param is None:
            return {}
        return {q.keyword: self.init_param for q in initializers.INITIALIZERS[self.init].schema}

    def activation_params(self) -> dict[str, dict[str, float]]:
        """Each activation's own parameters, e.g. {"leaky_relu": {"slope": 0.01}, "elu": {"alpha": 1.0}}."""
        return {name: {q.keyword: getattr(self, q.name) for q in cls.schema}
                for name, cls in activations.ACTIVATIONS.items() if cls.schema}


@dataclass(frozen=True)
class TrainConfig(Section):
    """How to train. ``batch_size`` None means full batch (always so for ``gd``).

    ``lr`` is the step for the loss as reduced by ``loss_reduction``: under
    ``sum`` the gradient, and so the step, grows with the batch size. The
    optimisers' constants (``momentum``, ``rho``, ``beta1``, ``beta2``, ``eps``)
    come from the optimiser classes' schemas.
    """

    section: ClassVar[str] = "train"
    LISTING: ClassVar[tuple[str, ...]] = ("optimizer", "lr", "epochs", "batch_size", "loss_reduction", "seed",
                                          "momentum", "rho", "beta1", "beta2", "eps", "l2", "l1",
                                          "with_replacement")
    BATCH: ClassVar[Param] = Param("batch_size", "int", 32, 1, MAX_SAMPLES, optional=True, step=8, label="Batch",
                                   rule="must be a positive integer or \"full\"",
                                   tip="Samples per update (mini-batch size).")
    FIELDS: ClassVar[tuple[Param, ...]] = (
        Param("optimizer", "choice", "adam", choices=tuple(optimizers.OPTIMIZERS),
              aliases=_aliases(optimizers.ALIASES), label="Optimiser",
              tip="The rule that turns gradients into weight updates."),
        Param("lr", "float", 0.03, 0.0, 100.0, lo_open=True, scale="log", label="Learning rate",
              tip="Step size of each update; it applies at once, even mid-run."),
        Param("epochs", "int", 300, 1, 1_000_000, step=50, label="Epochs",
              tip="Training stops after this many passes over the data."),
        Param("loss_reduction", "choice", "mean", choices=tuple(losses.REDUCTIONS), label="Loss",
              tip="How the batch's losses are combined; it changes what lr means."),
        Param("seed", "int", 0, 0, MAX_SEED, label="Seed", tip="Seed of the initial weights and the shuffling."),
        Param("l2", "float", 0.0, 0.0, 10.0, step=1e-4, label="L2 penalty",
              tip="L2 penalty on the weights (weight decay); 0 = none."),
        Param("l1", "float", 0.0, 0.0, 10.0, step=1e-4, label="L1 penalty", advanced=True,
              tip="L1 penalty on the weights (pushes small weights to exactly 0); 0 = none."),
        Param("with_replacement", "bool", False, label="Batches with replacement", advanced=True,
              tip="Draw each mini-batch at random with replacement (the classic deep-sigmoid set-up) "
                  "instead of shuffling once per epoch."),
    )

    optimizer: str = "adam"
    lr: float = 0.03
    epochs: int = 300
    batch_size: int | None = 32
    loss_reduction: str = "mean"
    seed: int = 0
    l2: float = 0.0
    l1: float = 0.0
    #: Draw each mini-batch with replacement (the classic deep-sigmoid set-up)
    #: instead of shuffling once per epoch.
    with_replacement: bool = False
    extra: tuple[tuple[str, Any], ...] = field(default_factory=lambda: TrainConfig._default_extra())

    @classmethod
    def extra_params(cls) -> dict[str, Param]:
        return _TRAIN_EXTRA

    @classmethod
    def from_dict(cls, raw: Any, section: str = "train") -> "TrainConfig":
        raw = cls._checked(raw, section)
        p = section
        own = cls._read(raw, p, {q.name: q for q in cls.FIELDS})
        bs = raw.get("batch_size", cls.BATCH.default)
        if isinstance(bs, str) and bs.lower() == "full":
            bs = None
        bs = cls.BATCH.check(f"{p}.batch_size", bs)
        extra = cls._read(raw, p, _TRAIN_EXTRA)
        return cls(batch_size=bs, **own, extra=tuple(extra.items()))

    def hyper(self) -> dict[str, float]:
        """Every optimiser hyper-parameter; each optimiser takes the ones it uses."""
        return {q.keyword: getattr(self, name) for name, q in _TRAIN_EXTRA.items()}

    @property
    def full_batch(self) -> bool:
        return self.batch_size is None or optimizers.OPTIMIZERS[self.optimizer].full_batch


#: Every Param of every section, e.g. PARAMS["train"]["lr"]: what the panels build from.
PARAMS: dict[str, dict[str, Param]] = {
    "data": {**DataConfig.params(), "features": DataConfig.FEATURE},
    "model": {"hidden": ModelConfig.WIDTH, **ModelConfig.params()},
    "train": {**TrainConfig.params(), "batch_size": TrainConfig.BATCH},
}


@dataclass(frozen=True)
class Config:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    @classmethod
    def from_dict(cls, raw: Any) -> "Config":
        if not isinstance(raw, dict):
            raise ConfigError("config", f"must be a JSON object with data, model and train, got {got(raw)}")
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
        return {"data": self.data.to_dict(), "model": self.model.to_dict(), "train": self.train.to_dict()}

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
    """Read and validate a configuration file; ConfigError names the file (unreadable, not
    JSON, too deep, a NaN: engine/jsonfile.py) or the field."""
    return Config.from_dict(read_object(path, what="a JSON object with data, model and train"))


def save(config: Config, path: str | Path) -> None:
    """Atomically: on a failure (a full disk) the earlier file stays as it was."""
    from .atomic import atomic_write

    with atomic_write(path, encoding="utf-8") as handle:
        handle.write(config.to_json() + "\n")

