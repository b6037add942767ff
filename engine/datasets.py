"""Data sets: the 2-D toy problems, iris and a user's CSV file, as labelled arrays.

Also the train/validation split (standardised on the training part only) and the
grid of points on which the boundary view evaluates the network; a user's CSV
file is read by csvfile.py. scikit-learn is imported inside the functions that
use it, so importing the engine stays fast.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .schema import Param

__all__ = [
    "DataError", "Dataset", "DatasetSpec", "Split", "DATASETS",
    "get", "make", "load_csv", "split", "grid_for",
]


class DataError(ValueError):
    """Data that breaks a rule; the message names the file, row, column and the rule."""


@dataclass(frozen=True)
class Dataset:
    """A labelled sample: one row of ``X`` per example, its class in ``y``.

    Labels are integers 0..k-1 so they can index a softmax output directly;
    ``class_names[y]`` turns them back into what the user called them.
    """

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


@dataclass(frozen=True, kw_only=True)
class DatasetSpec:
    """One registry entry: how to make a data set, and how the GUI should present it.

    ``uses_noise`` / ``uses_samples`` tell the data panel which controls mean
    something for this set (iris is a fixed table, so it ignores both);
    ``schema`` declares the extra keyword arguments ``generate`` accepts (each
    is a ``data.<name>`` configuration key, None meaning its default).
    """

    name: str
    title: str
    description: str  # one teaching sentence, shown as a tooltip
    n_features: int | None = 2  # None: decided by the file (csv)
    default_noise: float = 0.0
    default_samples: int = 400
    uses_noise: bool = True
    uses_samples: bool = True
    generate: Callable[..., Dataset]  # generate(n_samples, noise, seed, **params)
    schema: tuple[Param, ...] = ()

    @property
    def params(self) -> dict[str, Any]:
        """The extra keyword arguments of ``generate`` and their defaults."""
        return {p.keyword: p.default for p in self.schema}


def _dataset(X: np.ndarray, y: np.ndarray, name: str, n_classes: int, class_names: Iterable[str] | None = None,
             feature_names: Iterable[str] | None = None) -> Dataset:
    """Wrap arrays as a Dataset with the dtypes the engine expects."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    return Dataset(
        X,
        np.asarray(y, dtype=np.int64),
        tuple(f"class {i}" for i in range(n_classes)) if class_names is None else tuple(map(str, class_names)),
        tuple(f"x{j + 1}" for j in range(X.shape[1])) if feature_names is None else tuple(map(str, feature_names)),
        name,
    )


def _whole(field_path: str, value: Any, lowest: int) -> int:
    """``value`` as an int >= ``lowest``, or a ValueError that says which rule it broke."""
    whole = isinstance(value, (int, np.integer)) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not whole or value < lowest:
        raise ValueError(f"{field_path}: must be a whole number >= {lowest}, got {value!r}")
    return int(value)


# -- generators: generate(n_samples, noise, seed, **params) -> Dataset ------------------
def _blobs(n_samples: int, noise: float, seed: int, centers: int = 4) -> Dataset:
    """Isotropic Gaussian clusters, one class per cluster; ``noise`` is each cluster's std.

    With the defaults this is exactly ``make_blobs(1000, centers=4, n_features=2,
    random_state=0)``, the data of the classic initialiser x activation grid.
    """
    from sklearn.datasets import make_blobs

    centers = _whole("data.centers", centers, 2)
    X, y = make_blobs(n_samples=n_samples, centers=centers, n_features=2, cluster_std=noise, random_state=seed)
    return _dataset(X, y, "blobs", centers)


def _blobs_xor(n_samples: int, noise: float, seed: int) -> Dataset:
    """The four blobs with labels mod 2: diagonally opposite blobs become one class,
    so no single straight line can separate the two classes."""
    four = _blobs(n_samples, noise, seed, centers=4)
    return _dataset(four.X, four.y % 2, "blobs_xor", 2)


def _moons(n_samples: int, noise: float, seed: int) -> Dataset:
    """Two interleaved half-circles; ``noise`` is the std of Gaussian jitter."""
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    return _dataset(X, y, "moons", 2)


def _circles(n_samples: int, noise: float, seed: int) -> Dataset:
    """A disc inside a ring of twice its radius (factor 0.5); ``noise`` jitters the points."""
    from sklearn.datasets import make_circles

    X, y = make_circles(n_samples=n_samples, noise=noise, factor=0.5, random_state=seed)
    return _dataset(X, y, "circles", 2)


def _xor(n_samples: int, noise: float, seed: int) -> Dataset:
    """Points uniform in the square [-1, 1]^2; class 1 where x1 * x2 < 0.

    The labels are fixed first, then ``noise`` (a Gaussian std) moves the points,
    so points near the axes wander into the other class's quadrant: noise here
    blurs the boundary rather than flipping labels at random.
    """
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    y = (X[:, 0] * X[:, 1] < 0).astype(np.int64)
    X += noise * rng.standard_normal(X.shape)
    return _dataset(X, y, "xor", 2)


def _spiral(n_samples: int, noise: float, seed: int, arms: int = 2) -> Dataset:
    """``arms`` interleaved spiral arms, one class each, turning 1.5 times round.

    A point at fraction t of its arm sits at radius t and angle 3*pi*t plus the
    arm's offset 2*pi*k/arms. ``noise`` is the std of a Gaussian jitter added to
    both the radius and the angle (radians), so the arms thicken and blur.
    """
    arms = _whole("data.arms", arms, 2)
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n_samples) % arms)  # classes as equal as n allows
    t = np.sqrt(rng.uniform(0.0, 1.0, n_samples))  # sqrt: even spacing along the lengthening arm
    radius = t + noise * rng.standard_normal(n_samples)
    angle = 3.0 * math.pi * t + 2.0 * math.pi * y / arms + noise * rng.standard_normal(n_samples)
    X = np.column_stack((radius * np.cos(angle), radius * np.sin(angle)))
    return _dataset(X, y, "spiral", arms)


def _gaussian_quantiles(n_samples: int, noise: float, seed: int) -> Dataset:
    """A 2-D standard Gaussian cut at its median radius: core (class 0) against shell
    (class 1), so the ideal boundary is a circle. ``noise`` adds Gaussian jitter."""
    from sklearn.datasets import make_gaussian_quantiles

    X, y = make_gaussian_quantiles(n_samples=n_samples, n_features=2, n_classes=2, random_state=seed)
    X = X + noise * np.random.default_rng(seed).standard_normal(X.shape)
    return _dataset(X, y, "gaussian_quantiles", 2)


_LINEAR_MARGIN = 0.2


def _linear(n_samples: int, noise: float, seed: int) -> Dataset:
    """Two classes on either side of a random line through the origin, with an empty
    band of half-width 0.2 between them; ``noise`` (a Gaussian std) jitters the
    points and, once it is large enough, fills the band and mixes the classes."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0.0, math.pi)
    normal = np.array([math.cos(angle), math.sin(angle)])  # across the line
    along = np.array([-normal[1], normal[0]])
    y = rng.permutation(np.arange(n_samples) % 2)
    distance = (2 * y - 1) * rng.uniform(_LINEAR_MARGIN, 1.0, n_samples)  # signed, |d| >= margin
    X = np.outer(distance, normal) + np.outer(rng.uniform(-1.0, 1.0, n_samples), along)
    X += noise * rng.standard_normal(X.shape)
    return _dataset(X, y, "linear", 2)


def _iris(n_samples: int, noise: float, seed: int) -> Dataset:
    """Fisher's iris table (scikit-learn's bundled copy, read offline); fixed, so the
    sample count, noise and seed are ignored."""
    from sklearn.datasets import load_iris

    table = load_iris()
    return _dataset(table.data, table.target, "iris", 3, table.target_names, table.feature_names)


def _iris_binary(n_samples: int, noise: float, seed: int) -> Dataset:
    """The first 100 iris flowers: setosa (0) against versicolor (1)."""
    iris = _iris(n_samples, noise, seed)
    return _dataset(iris.X[:100], iris.y[:100], "iris_binary", 2, iris.class_names[:2], iris.feature_names)


def _csv(n_samples: int, noise: float, seed: int, path: str | None = None,
         label_column: str | int | None = None) -> Dataset:
    """A user's file, read by ``load_csv``; ``path`` is required."""
    if not path:
        raise DataError("data.path: the csv data set needs a file path (or call load_csv)")
    return load_csv(path, label_column)


CENTERS = Param("centers", "int", 4, 2, 20, optional=True, label="Blobs",
                tip="How many blobs (one class each).")
ARMS = Param("arms", "int", 2, 2, 3, optional=True, label="Arms", tip="How many spiral arms (one class each).")
CSV_PATH = Param("path", "text", None, optional=True, label="File", rule="must be a file path (text)",
                 tip="The CSV file: numeric feature columns and a label column.")
LABEL_COLUMN = Param("label_column", "text", None, optional=True, label="Label column",
                     tip="The label column, by name or index (empty: the last column).")

DATASETS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        DatasetSpec(name="moons", title="Two moons", generate=_moons,
                    description="Two interleaved half-circles: a straight line cannot separate them.",
                    default_noise=0.2, default_samples=400),
        DatasetSpec(name="circles", title="Circles", generate=_circles,
                    description="A disc inside a ring: the boundary must close on itself.",
                    default_noise=0.1, default_samples=400),
        DatasetSpec(name="xor", title="XOR", generate=_xor,
                    description="Opposite quadrants share a class: the problem one neuron cannot solve.",
                    default_noise=0.05, default_samples=400),
        DatasetSpec(name="spiral", title="Spiral", generate=_spiral,
                    description="Interleaved spiral arms: a hard boundary that needs width or depth.",
                    default_noise=0.05, default_samples=600, schema=(ARMS,)),
        DatasetSpec(name="blobs", title="Blobs", generate=_blobs,
                    description="Gaussian clusters, one class each: the classic initialisation grid's data.",
                    default_noise=1.0, default_samples=1000, schema=(CENTERS,)),
        DatasetSpec(name="blobs_xor", title="Blobs XOR", generate=_blobs_xor,
                    description="Four blobs with opposite ones merged: two classes, not linearly separable.",
                    default_noise=1.0, default_samples=1000),
        DatasetSpec(name="gaussian_quantiles", title="Gaussian quantiles", generate=_gaussian_quantiles,
                    description="A Gaussian's core against its outer shell: the ideal boundary is a circle.",
                    default_noise=0.0, default_samples=400),
        DatasetSpec(name="linear", title="Linear", generate=_linear,
                    description="Two classes split by a straight line: even a network without hidden units fits.",
                    default_noise=0.05, default_samples=400),
        DatasetSpec(name="iris", title="Iris (3 species)", generate=_iris,
                    description="Fisher's 150 iris flowers: 4 measurements in cm, 3 species.",
                    n_features=4, default_samples=150, uses_noise=False, uses_samples=False),
        DatasetSpec(name="iris_binary", title="Iris: setosa vs versicolor", generate=_iris_binary,
                    description="The first 100 iris flowers, two species: the deep-network vanishing-gradient test.",
                    n_features=4, default_samples=100, uses_noise=False, uses_samples=False),
        DatasetSpec(name="csv", title="CSV file…", generate=_csv,
                    description="Your own table: numeric feature columns and a label column (the last by default).",
                    n_features=None, uses_noise=False, uses_samples=False,
                    schema=(CSV_PATH, LABEL_COLUMN)),
    )
}


def get(name: str) -> DatasetSpec:
    """The registry entry called ``name``; a ValueError lists the valid names."""
    try:
        return DATASETS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown data set {name!r}; choose one of: {', '.join(DATASETS)}") from None


def make(name: str, n_samples: int | None = None, noise: float | None = None, seed: int = 0,
         **params: Any) -> Dataset:
    """Build a registry data set; ``None`` for the size, the noise or a param means the set's default.

    The same name, sizes, noise, seed and params always give the same arrays:
    every generator draws from its own ``np.random.default_rng(seed)`` (or hands
    the seed to scikit-learn), never from a global random state.
    """
    spec = get(name)
    unknown = sorted(set(params) - set(spec.params))
    if unknown:
        valid = ", ".join(spec.params) or "none"
        raise ValueError(f"data set {name!r} has no parameter {unknown[0]!r}; its parameters: {valid}")
    kwargs = {key: default if params.get(key) is None else params[key] for key, default in spec.params.items()}
    n = _whole("data.n_samples", spec.default_samples if n_samples is None else n_samples, 1)
    eps = spec.default_noise if noise is None else noise
    real = isinstance(eps, (int, float, np.integer, np.floating)) and not isinstance(eps, bool)
    if spec.uses_noise and not (real and math.isfinite(eps) and eps >= 0):
        raise ValueError(f"data.noise: must be a finite number >= 0, got {eps!r}")
    return spec.generate(n, float(eps) if real else 0.0, _whole("data.seed", seed, 0), **kwargs)


# -- split and grid -------------------------------------------------------------------------
@dataclass(frozen=True)
class Split:
    """Training and validation parts of a data set, standardised with the training
    part's mean and std (zeros and ones when standardisation is off).

    Statistics come from the training part only: the validation points play
    unseen data, and letting them shape the scaling would leak them into training.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray  # (0, d) when there is no validation part
    y_val: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    dataset: Dataset  # the unsplit, unscaled data

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Scale new raw points as the training data was scaled: (X - mean) / std."""
        return (np.asarray(X, dtype=np.float64) - self.mean) / self.std


def _can_stratify(y: np.ndarray, n_val: int) -> bool:
    """scikit-learn's conditions for a stratified split: every class has 2 or more
    members, and each part is at least as large as the number of classes."""
    counts = np.bincount(y)
    counts = counts[counts > 0]
    return counts.min() >= 2 and min(n_val, len(y) - n_val) >= len(counts)


def split(ds: Dataset, val_fraction: float = 0.1, seed: int = 0, standardize: bool = True) -> Split:
    """Shuffle and split ``ds``, keeping each class's share equal on both sides.

    A stratified split makes validation accuracy comparable between runs: a
    small validation part cut at random could by chance miss a class. When a
    class is too small to appear on both sides, the split is a plain shuffled
    one instead. ``val_fraction`` 0 puts everything in training.
    """
    if not 0.0 <= val_fraction <= 0.9:
        raise ValueError(f"data.val_fraction: must be between 0 and 0.9, got {val_fraction:g}")
    n = len(ds.y)
    n_val = min(int(round(val_fraction * n)), n - 1)  # always leave one training point
    if n_val <= 0:
        train, val = np.random.default_rng(seed).permutation(n), np.arange(0)
    else:
        from sklearn.model_selection import train_test_split

        strata = ds.y if _can_stratify(ds.y, n_val) else None
        train, val = train_test_split(np.arange(n), test_size=n_val, stratify=strata, random_state=seed)
    X_train, X_val = ds.X[train], ds.X[val]
    if standardize:
        mean = X_train.mean(axis=0)
        std = X_train.std(axis=0)
        std = np.where(std > 0, std, 1.0)  # a constant feature stays put instead of dividing by 0
    else:
        mean, std = np.zeros(ds.n_features), np.ones(ds.n_features)
    return Split((X_train - mean) / std, ds.y[train], (X_val - mean) / std, ds.y[val], mean, std, ds)


def grid_for(sp: Split, features: tuple[int, int] = (0, 1), resolution: int = 150,
             margin: float = 0.5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points on which to evaluate a network to draw its decision boundary.

    The grid spans the two chosen features' range over all (standardised) data,
    widened by ``margin`` on each side; every other feature is held at its
    training mean, so with more than two features the picture is one slice
    through the input space. Returns ``(xs, ys, points)`` with ``points`` of
    shape (resolution**2, d), y the slow axis: points[i * resolution + j] is
    (xs[j], ys[i]), so predictions reshape to an image indexed [y, x].
    """
    d = sp.X_train.shape[1]
    f0, f1 = (int(f) for f in features)
    if not (0 <= f0 < d and 0 <= f1 < d) or f0 == f1:
        raise ValueError(f"data.features: must be two different feature indices below {d}, "
                         f"got {[f0, f1]}")
    resolution = _whole("resolution", resolution, 2)
    both = np.vstack((sp.X_train, sp.X_val))
    low, high = both.min(axis=0) - margin, both.max(axis=0) + margin
    xs = np.linspace(low[f0], high[f0], resolution)
    ys = np.linspace(low[f1], high[f1], resolution)
    points = np.empty((resolution * resolution, d))
    points[:] = sp.X_train.mean(axis=0)
    points[:, f0] = np.tile(xs, resolution)
    points[:, f1] = np.repeat(ys, resolution)
    return xs, ys, points


# CSV reading lives in csvfile.py; it builds on DataError and Dataset above, so it is
# imported once they exist (and stays reachable as datasets.load_csv).
from .csvfile import load_csv  # noqa: E402
