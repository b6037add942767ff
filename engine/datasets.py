"""Data sets: 2-D toy problems, iris, and a user's CSV file; split and standardise.

``DATASETS`` is the registry the GUI fills its combo box from. Every generator
takes ``n_samples``, ``noise`` and ``seed`` and returns a ``Dataset`` with
integer labels 0..k-1. scikit-learn is imported inside the generators that use
it, so importing the engine stays fast.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

__all__ = [
    "DataError", "Dataset", "DatasetSpec", "Split", "DATASETS",
    "get", "make", "load_csv", "split", "grid_for",
]


class DataError(ValueError):
    """Bad data: the message names the file, row and column, and the rule."""


@dataclass(frozen=True)
class Dataset:
    X: np.ndarray  # (n, d) float64
    y: np.ndarray  # (n,) int64, 0..k-1
    class_names: tuple[str, ...]
    feature_names: tuple[str, ...]
    name: str

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def n_features(self) -> int:
        return self.X.shape[1]


@dataclass(frozen=True)
class DatasetSpec:
    """One registry entry: how to make a data set and how to describe it."""

    name: str
    title: str
    description: str  # one teaching sentence, shown as a tooltip
    generate: Callable[..., Dataset]  # generate(n_samples, noise, seed, **params)
    n_features: int | None = 2  # None: depends on the file
    default_noise: float = 0.0
    default_samples: int = 400
    uses_noise: bool = True
    uses_samples: bool = True
    params: dict[str, Any] = field(default_factory=dict)


def _finish(X, y, name, n_classes=None, class_names=None, feature_names=None) -> Dataset:
    X = np.ascontiguousarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    k = int(n_classes or (y.max() + 1))
    return Dataset(
        X, y,
        tuple(class_names or (f"class {i}" for i in range(k))),
        tuple(feature_names or (f"x{i + 1}" for i in range(X.shape[1]))),
        name,
    )


# -- generators --------------------------------------------------------------------
def _blobs(n_samples, noise, seed, centers=4):
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=n_samples, centers=centers, n_features=2,
                      cluster_std=noise, random_state=seed)
    return _finish(X, y, "blobs", centers)


def _blobs_xor(n_samples, noise, seed):
    ds = _blobs(n_samples, noise, seed, centers=4)
    # labels mod 2 merge opposite blobs: no straight line separates the classes
    return _finish(ds.X, ds.y % 2, "blobs_xor", 2)


def _moons(n_samples, noise, seed):
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    return _finish(X, y, "moons", 2)


def _circles(n_samples, noise, seed):
    from sklearn.datasets import make_circles

    X, y = make_circles(n_samples=n_samples, noise=noise, factor=0.5, random_state=seed)
    return _finish(X, y, "circles", 2)


def _xor(n_samples, noise, seed):
    """Uniform points in [-1, 1]^2, label 1 where x1 and x2 have opposite signs.

    ``noise`` is Gaussian jitter added to the points after labelling.
    """
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    y = (X[:, 0] * X[:, 1] < 0).astype(np.int64)
    X += noise * rng.standard_normal(X.shape)
    return _finish(X, y, "xor", 2)


def _spiral(n_samples, noise, seed, arms=2):
    """``arms`` interleaved spirals, one class each; noise jitters the points."""
    rng = np.random.default_rng(seed)
    per = np.full(arms, n_samples // arms)
    per[: n_samples % arms] += 1
    X, y = [], []
    for k, m in enumerate(per):
        t = np.sqrt(rng.uniform(0.0, 1.0, m)) * 3.0 * math.pi  # denser towards the centre
        angle = t + 2.0 * math.pi * k / arms
        r = t / (3.0 * math.pi)
        pts = np.column_stack((r * np.cos(angle), r * np.sin(angle)))
        X.append(pts + noise * rng.standard_normal(pts.shape))
        y.append(np.full(m, k))
    order = rng.permutation(n_samples)
    return _finish(np.vstack(X)[order], np.concatenate(y)[order], "spiral", arms)


def _gaussian_quantiles(n_samples, noise, seed):
    from sklearn.datasets import make_gaussian_quantiles

    X, y = make_gaussian_quantiles(n_samples=n_samples, n_features=2, n_classes=2, random_state=seed)
    rng = np.random.default_rng(seed)
    X = X + noise * rng.standard_normal(X.shape)
    return _finish(X, y, "gaussian_quantiles", 2)


def _linear(n_samples, noise, seed):
    """Two classes on either side of a random line, with a margin; noise jitters."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0.0, math.pi)
    normal = np.array([math.cos(angle), math.sin(angle)])
    X = rng.uniform(-1.0, 1.0, size=(4 * n_samples, 2))
    side = X @ normal
    X = X[np.abs(side) > 0.1][:n_samples]  # keep a margin around the line
    y = (X @ normal > 0).astype(np.int64)
    X = X + noise * rng.standard_normal(X.shape)
    return _finish(X, y, "linear", 2)


def _iris(n_samples, noise, seed):
    from sklearn.datasets import load_iris

    data = load_iris()
    return _finish(data.data, data.target, "iris", 3, tuple(data.target_names),
                   tuple(n.replace(" (cm)", "") for n in data.feature_names))


def _iris_binary(n_samples, noise, seed):
    full = _iris(n_samples, noise, seed)
    return _finish(full.X[:100], full.y[:100], "iris_binary", 2, full.class_names[:2], full.feature_names)


def _csv(n_samples, noise, seed, path=None, label_column=None):
    if not path:
        raise DataError("data.path: a CSV data set needs a file path")
    return load_csv(path, label_column)


DATASETS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        DatasetSpec("moons", "Two moons", "Two interleaved half-circles: needs a curved boundary.",
                    _moons, default_noise=0.2, default_samples=400),
        DatasetSpec("circles", "Circles", "A ring around a disc: no straight line separates them.",
                    _circles, default_noise=0.1, default_samples=400),
        DatasetSpec("xor", "XOR", "Opposite quadrants share a class: the classic non-linear problem.",
                    _xor, default_noise=0.05, default_samples=400),
        DatasetSpec("spiral", "Spiral", "Interleaved spiral arms: hard, needs depth or width.",
                    _spiral, default_noise=0.05, default_samples=600, params={"arms": 2}),
        DatasetSpec("blobs", "Blobs", "Gaussian clusters, one class each (4 by default).",
                    _blobs, default_noise=1.0, default_samples=1000, params={"centers": 4}),
        DatasetSpec("blobs_xor", "Blobs XOR", "Four blobs, opposite ones merged: two classes, not linearly separable.",
                    _blobs_xor, default_noise=1.0, default_samples=1000),
        DatasetSpec("gaussian_quantiles", "Gaussian quantiles", "An inner Gaussian core against its outer shell.",
                    _gaussian_quantiles, default_noise=0.0, default_samples=400),
        DatasetSpec("linear", "Linear", "Two classes split by a straight line: even a linear model is enough.",
                    _linear, default_noise=0.05, default_samples=400),
        DatasetSpec("iris", "Iris (3 classes)", "Fisher's 150 iris flowers, 4 measurements, 3 species.",
                    _iris, n_features=4, default_samples=150, uses_noise=False, uses_samples=False),
        DatasetSpec("iris_binary", "Iris: setosa vs versicolor",
                    "The first 100 iris flowers: two species, 4 measurements.",
                    _iris_binary, n_features=4, default_samples=100, uses_noise=False, uses_samples=False),
        DatasetSpec("csv", "CSV file…", "Your own data: numeric feature columns, the label in the last column.",
                    _csv, n_features=None, uses_noise=False, uses_samples=False,
                    params={"path": None, "label_column": None}),
    )
}


def get(name: str) -> DatasetSpec:
    try:
        return DATASETS[name]
    except KeyError:
        raise ValueError(f"unknown data set {name!r}; choose one of: {', '.join(DATASETS)}") from None


def make(name: str, n_samples: int | None = None, noise: float | None = None, seed: int = 0, **params) -> Dataset:
    """Generate a registry data set; None means the data set's default."""
    spec = get(name)
    unknown = set(params) - set(spec.params)
    if unknown:
        valid = ", ".join(spec.params) or "none"
        raise ValueError(f"data set {name!r} has no parameter {sorted(unknown)[0]!r}; its parameters: {valid}")
    kwargs = {k: (params[k] if params.get(k) is not None else v) for k, v in spec.params.items()}
    n = spec.default_samples if n_samples is None else int(n_samples)
    eps = spec.default_noise if noise is None else float(noise)
    return spec.generate(n, eps, int(seed), **kwargs)


# -- CSV -------------------------------------------------------------------------
def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def load_csv(path: str | Path, label_column: str | int | None = None, max_rows: int = 1_000_000) -> Dataset:
    """Read numeric features and a label column from a CSV file.

    The first row is a header when any of its cells, other than the label's,
    is not a number. Labels may be text or numbers; they are mapped, sorted,
    to 0..k-1. Rows and columns in messages count from 1, as an editor shows them.
    """
    path = Path(path)
    fname = path.name
    rows: list[tuple[int, list[str]]] = []  # (line number, cells)
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            for line_no, row in enumerate(csv.reader(handle), start=1):
                if not row or all(not c.strip() for c in row):
                    continue  # blank lines carry nothing
                if len(rows) > max_rows:  # header + max_rows data rows at most
                    raise DataError(f"{fname}: more than {max_rows:,} data rows; the limit is {max_rows:,}")
                rows.append((line_no, [c.strip() for c in row]))
    except FileNotFoundError:
        raise DataError(f"{fname}: file not found ({path})") from None
    except UnicodeDecodeError:
        raise DataError(f"{fname}: is not UTF-8 text") from None
    except csv.Error as exc:
        raise DataError(f"{fname}: is not a readable CSV file ({exc})") from None
    except OSError as exc:
        raise DataError(f"{fname}: cannot be read ({exc.strerror})") from None
    if not rows:
        raise DataError(f"{fname}: is empty; at least 4 data rows are needed")

    first = rows[0][1]
    width = len(first)
    if width < 2:
        raise DataError(f"{fname}: row {rows[0][0]}: needs at least one feature column and a label column")
    label_idx = _label_index(fname, first, label_column, header=None)
    has_header = any(not _is_number(c) for i, c in enumerate(first) if i != label_idx and c)
    if has_header:
        names = first
        label_idx = _label_index(fname, first, label_column, header=first)
        rows = rows[1:]
    elif isinstance(label_column, str) and not label_column.lstrip("-").isdigit():
        raise DataError(f"{fname}: has no header row, so there is no column named {label_column!r}; "
                        "give the label column's number instead")
    else:
        names = [f"column {i + 1}" for i in range(width)]
    if len(rows) > max_rows:
        raise DataError(f"{fname}: more than {max_rows:,} data rows; the limit is {max_rows:,}")
    if len(rows) < 4:
        raise DataError(f"{fname}: has {len(rows)} data rows; at least 4 are needed")

    feat_cols = [i for i in range(width) if i != label_idx]
    X = np.empty((len(rows), len(feat_cols)))
    labels = []
    for r, (line_no, row) in enumerate(rows):
        if len(row) != width:
            raise DataError(f"{fname}: row {line_no}: has {len(row)} columns, expected {width}")
        for j, col in enumerate(feat_cols):
            cell = row[col]
            where = f"{fname}: row {line_no}, column {col + 1} ({names[col]!r})"
            if cell == "":
                raise DataError(f"{where}: missing value; every feature cell needs a number")
            try:
                value = float(cell)
            except ValueError:
                raise DataError(f"{where}: must be a number, got {cell!r}") from None
            if not math.isfinite(value):
                raise DataError(f"{where}: must be a finite number, got {cell!r}")
            X[r, j] = value
        if row[label_idx] == "":
            raise DataError(f"{fname}: row {line_no}, column {label_idx + 1} ({names[label_idx]!r}): missing label")
        labels.append(row[label_idx])
    numeric = all(_is_number(v) for v in labels)
    uniques = sorted(set(labels), key=float if numeric else str)
    if len(uniques) < 2:
        raise DataError(f"{fname}: the label column ({names[label_idx]!r}) has a single class "
                        f"({uniques[0]!r}); at least 2 are needed")
    index = {v: i for i, v in enumerate(uniques)}
    y = np.array([index[v] for v in labels], dtype=np.int64)
    return _finish(X, y, "csv", len(uniques), tuple(uniques), tuple(names[i] for i in feat_cols))


def _label_index(fname: str, row: list[str], label_column, header) -> int:
    """The label column's 0-based index: last by default, or by index or header name."""
    width = len(row)
    if label_column is None:
        return width - 1
    if isinstance(label_column, int) or label_column.lstrip("-").isdigit():
        idx = int(label_column)
        idx = idx + width if idx < 0 else idx
        if not 0 <= idx < width:
            raise DataError(f"{fname}: label column {label_column} does not exist; the file has {width} columns")
        return idx
    if header is None:
        return width - 1  # a named column: decided once the header is known
    if label_column not in header:
        raise DataError(f"{fname}: no column named {label_column!r}; columns: {', '.join(header)}")
    return header.index(label_column)


# -- split and grid ----------------------------------------------------------------
@dataclass(frozen=True)
class Split:
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    mean: np.ndarray  # standardisation, fitted on the training part (0 when off)
    std: np.ndarray  # (1 when off)
    dataset: Dataset

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Apply the training set's standardisation to new points."""
        return (np.asarray(X, dtype=np.float64) - self.mean) / self.std


def split(ds: Dataset, val_fraction: float = 0.1, seed: int = 0, standardize: bool = True) -> Split:
    """Stratified train/validation split; standardisation is fitted on train only."""
    if not 0.0 <= val_fraction <= 0.9:
        raise ValueError(f"data.val_fraction: must be between 0 and 0.9, got {val_fraction:g}")
    n = len(ds.y)
    n_val = int(round(val_fraction * n))
    if n_val == 0:
        tr, va = np.random.default_rng(seed).permutation(n), np.arange(0)
    else:
        from sklearn.model_selection import train_test_split

        try:
            tr, va = train_test_split(np.arange(n), test_size=n_val, stratify=ds.y, random_state=seed)
        except ValueError:  # a class too small to appear on both sides: split without strata
            tr, va = train_test_split(np.arange(n), test_size=n_val, random_state=seed)
    X_train, X_val = ds.X[tr], ds.X[va]
    if standardize:
        mean = X_train.mean(axis=0)
        std = X_train.std(axis=0)
        std[std == 0] = 1.0
    else:
        mean = np.zeros(ds.n_features)
        std = np.ones(ds.n_features)
    return Split((X_train - mean) / std, ds.y[tr], (X_val - mean) / std, ds.y[va], mean, std, ds)


def grid_for(sp: Split, features: tuple[int, int] = (0, 1), resolution: int = 150, margin: float = 0.5):
    """A resolution x resolution grid over two features' range (+ margin).

    Returns (xs, ys, points) with points[i * res + j] = (xs[j], ys[i]) in the
    chosen plane; every other feature is held at its (standardised) mean.
    """
    f0, f1 = features
    d = sp.X_train.shape[1]
    if not (0 <= f0 < d and 0 <= f1 < d) or f0 == f1:
        raise ValueError(f"data.features: must be two different indices below {d}, got {list(features)}")
    both = np.vstack((sp.X_train, sp.X_val)) if len(sp.X_val) else sp.X_train
    lo, hi = both.min(axis=0), both.max(axis=0)
    xs = np.linspace(lo[f0] - margin, hi[f0] + margin, resolution)
    ys = np.linspace(lo[f1] - margin, hi[f1] + margin, resolution)
    points = np.empty((resolution * resolution, d))
    points[:] = sp.X_train.mean(axis=0)
    points[:, f0] = np.tile(xs, resolution)
    points[:, f1] = np.repeat(ys, resolution)
    return xs, ys, points
