"""The benchmark workloads: each one a real run configuration, built the same way for both sides.

A workload is a ``Config`` dictionary (plus, for the Gaussian input that is no
registry data set, the data itself). Our side trains it with a ``Session``; the
PyTorch peer builds the same ``Session`` only to read its training arrays, its
initial weights and its training settings, so both start from identical
numbers and follow the same batch regime.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine.config import Config
from engine.datasets import Dataset
from engine.session import Session

__all__ = ["Workload", "WORKLOADS", "build_session", "get"]

#: Long enough that no benchmark block ever completes a run.
EPOCHS = 1_000_000


def _gaussian_1000x100() -> Dataset:
    """1000 samples of N(0, 1) in 100 dimensions with random labels of 2 classes."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1000, 100))
    y = rng.integers(0, 2, 1000)
    return Dataset(X=X, y=y, class_names=("a", "b"), feature_names=tuple(f"x{i}" for i in range(100)),
                   name="gaussian")


@dataclass(frozen=True)
class Workload:
    """One benchmark problem: ``key`` names it on the command line and in JSON."""

    key: str
    title: str
    config: dict
    #: the speed-up over PyTorch (ours / torch, diagnostics off) we aim for
    target: float
    dataset: Callable[[], Dataset] | None = field(default=None, compare=False)


WORKLOADS: dict[str, Workload] = {w.key: w for w in (
    Workload("blobs-2-2-4", "2-2-4 sigmoid, 900 blobs, full batch gd", {
        "data": {"name": "blobs", "n_samples": 1000, "centers": 4, "val_fraction": 0.1},
        "model": {"hidden": [2], "activation": "sigmoid", "init": "xavier", "output": "softmax"},
        "train": {"optimizer": "gd", "lr": 0.5, "batch_size": None}}, target=3.0),
    Workload("moons-16-16-b32", "2-16-16-2 sigmoid, 900 moons, batch 32 sgd", {
        "data": {"name": "moons", "n_samples": 1000, "val_fraction": 0.1},
        "model": {"hidden": [16, 16], "activation": "sigmoid", "init": "xavier", "output": "softmax"},
        "train": {"optimizer": "sgd", "lr": 0.1, "batch_size": 32}}, target=1.5),
    Workload("moons-16-16-full", "2-16-16-2 sigmoid, 900 moons, full batch gd", {
        "data": {"name": "moons", "n_samples": 1000, "val_fraction": 0.1},
        "model": {"hidden": [16, 16], "activation": "sigmoid", "init": "xavier", "output": "softmax"},
        "train": {"optimizer": "gd", "lr": 0.5, "batch_size": None}}, target=1.5),
    # the vanishing-gradient lesson (resources/configs/4a_iris_deep_sigmoid.json)
    Workload("iris-10x10", "iris_binary, 10 sigmoid layers of 10, batch 128 with replacement, sgd", {
        "data": {"name": "iris_binary", "val_fraction": 0.2},
        "model": {"hidden": [10] * 10, "activation": "sigmoid", "init": "xavier", "output": "sigmoid"},
        "train": {"optimizer": "sgd", "lr": 0.001, "loss_reduction": "sum", "batch_size": 128,
                  "with_replacement": True}}, target=3.0),
    Workload("gauss-5x100", "5 sigmoid layers of 100, 1000x100 Gaussian input, full batch gd", {
        "data": {"val_fraction": 0.0, "standardize": False},
        "model": {"hidden": [100] * 5, "activation": "sigmoid", "init": "xavier", "output": "softmax"},
        "train": {"optimizer": "gd", "lr": 0.1, "batch_size": None}}, target=0.9, dataset=_gaussian_1000x100),
    Workload("spiral-64x3", "64-64-64 relu, 9000 spiral points, batch 256 adam", {
        "data": {"name": "spiral", "n_samples": 10_000, "val_fraction": 0.1},
        "model": {"hidden": [64, 64, 64], "activation": "relu", "init": "he", "output": "softmax"},
        "train": {"optimizer": "adam", "lr": 0.003, "batch_size": 256}}, target=0.9),
)}

_DATA_CACHE: dict[str, Dataset] = {}


def get(key: str) -> Workload:
    try:
        return WORKLOADS[key]
    except KeyError:
        raise ValueError(f"unknown workload {key!r}; choose from: {', '.join(WORKLOADS)}") from None


def config(key: str, dtype: str) -> Config:
    """The workload's validated configuration in ``dtype``, seed 0, for EPOCHS epochs."""
    raw = get(key).config
    return Config.from_dict({
        "data": {**raw["data"], "seed": 0},
        "model": {**raw["model"], "dtype": dtype},
        "train": {**raw["train"], "epochs": EPOCHS, "seed": 0},
    })


def build_session(key: str, dtype: str, epoch_diagnostics: bool = True) -> Session:
    """A fresh Session for the workload; the data set is generated once per process."""
    w = get(key)
    if key not in _DATA_CACHE:
        cfg = config(key, dtype)
        if w.dataset is not None:
            _DATA_CACHE[key] = w.dataset()
        else:
            _DATA_CACHE[key] = Session(cfg, epoch_diagnostics=False).dataset
    return Session(config(key, dtype), dataset=_DATA_CACHE[key], epoch_diagnostics=epoch_diagnostics)
