"""Data sets: registry entries, reproducibility, splits, grids and CSV errors."""

import numpy as np
import pytest

from engine import datasets
from engine.datasets import DataError


@pytest.mark.parametrize("name", [n for n in datasets.DATASETS if n != "csv"])
def test_every_generator_shapes_and_labels(name):
    spec = datasets.get(name)
    ds = datasets.make(name, seed=1)
    assert ds.X.dtype == np.float64 and ds.y.dtype == np.int64
    assert ds.X.shape == (len(ds.y), spec.n_features)
    assert set(np.unique(ds.y)) == set(range(ds.n_classes))
    assert len(ds.feature_names) == spec.n_features
    again = datasets.make(name, seed=1)
    np.testing.assert_array_equal(ds.X, again.X)
    if spec.uses_samples:
        assert len(ds.y) == spec.default_samples
        other = datasets.make(name, seed=2)
        assert not np.array_equal(ds.X, other.X)


def test_blobs_match_the_classic_experiment():
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=1000, centers=4, n_features=2, random_state=0)
    ds = datasets.make("blobs", n_samples=1000, seed=0)
    np.testing.assert_array_equal(ds.X, X)
    np.testing.assert_array_equal(ds.y, y)
    xor = datasets.make("blobs_xor", n_samples=1000, seed=0)
    np.testing.assert_array_equal(xor.y, y % 2)
    assert xor.n_classes == 2


def test_iris_and_its_binary_half():
    iris = datasets.make("iris")
    assert iris.X.shape == (150, 4) and iris.class_names == ("setosa", "versicolor", "virginica")
    binary = datasets.make("iris_binary")
    np.testing.assert_array_equal(binary.X, iris.X[:100])
    assert binary.n_classes == 2


def test_spiral_arms_and_unknown_names():
    assert datasets.make("spiral", arms=3).n_classes == 3
    with pytest.raises(ValueError, match="moons"):
        datasets.make("mnist")
    with pytest.raises(ValueError, match="arms"):
        datasets.make("moons", arms=3)


def test_split_is_stratified_and_standardised_on_train():
    ds = datasets.make("blobs", n_samples=1000, seed=0)
    sp = datasets.split(ds, val_fraction=0.25, seed=0)
    assert len(sp.y_val) == 250 and len(sp.y_train) == 750
    for k in range(4):
        assert np.mean(sp.y_val == k) == pytest.approx(np.mean(ds.y == k), abs=0.01)
    np.testing.assert_allclose(sp.X_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(sp.X_train.std(axis=0), 1, atol=1e-12)
    np.testing.assert_allclose(sp.transform(ds.X[:3]), (ds.X[:3] - sp.mean) / sp.std)
    none = datasets.split(ds, val_fraction=0.0)
    assert none.X_val.shape == (0, 2) and len(none.y_train) == 1000
    raw = datasets.split(ds, val_fraction=0.1, standardize=False)
    assert np.all(raw.mean == 0) and np.all(raw.std == 1)
    with pytest.raises(ValueError, match=r"data.val_fraction: must be between 0 and 0.9, got 1.5"):
        datasets.split(ds, 1.5)


def test_grid_ordering_and_held_features():
    sp = datasets.split(datasets.make("iris"), 0.2)
    xs, ys, pts = datasets.grid_for(sp, features=(2, 3), resolution=5)
    assert pts.shape == (25, 4)
    i, j = 3, 1
    np.testing.assert_allclose(pts[i * 5 + j, [2, 3]], [xs[j], ys[i]])
    np.testing.assert_allclose(pts[:, 0], sp.X_train[:, 0].mean(), atol=1e-12)
    with pytest.raises(ValueError, match="data.features"):
        datasets.grid_for(sp, features=(0, 7))


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = "a,b,label\n1,2,cat\n3,4,dog\n5,6,cat\n7,8,dog\n9,10,cat\n"


def test_csv_with_header_and_text_labels(tmp_path):
    ds = datasets.load_csv(write(tmp_path, GOOD))
    assert ds.X.shape == (5, 2) and ds.feature_names == ("a", "b")
    assert ds.class_names == ("cat", "dog") and list(ds.y) == [0, 1, 0, 1, 0]
    via_make = datasets.make("csv", path=str(write(tmp_path, GOOD)))
    np.testing.assert_array_equal(via_make.X, ds.X)


def test_csv_without_header_and_named_or_numbered_label(tmp_path):
    ds = datasets.load_csv(write(tmp_path, "1,2,0\n3,4,1\n5,6,0\n7,8,1\n"))
    assert ds.X.shape == (4, 2) and ds.class_names == ("0", "1")
    named = datasets.load_csv(write(tmp_path, "label,a,b\nx,1,2\ny,3,4\nx,5,6\ny,7,8\n"), label_column="label")
    assert named.feature_names == ("a", "b") and named.class_names == ("x", "y")
    numbered = datasets.load_csv(write(tmp_path, "0,1,2\n1,3,4\n0,5,6\n1,7,8\n"), label_column=0)
    np.testing.assert_array_equal(numbered.X[:, 0], [1, 3, 5, 7])


BAD_CSV = [
    ("a,b,label\n1,2,x\n3,oops,y\n5,6,x\n7,8,y\n", None, "row 3, column 2 ('b'): must be a number, got 'oops'"),
    ("a,b,label\n1,2,x\n3,,y\n5,6,x\n7,8,y\n", None, "row 3, column 2 ('b'): missing value"),
    ("a,b,label\n1,2,x\n3,4\n5,6,x\n7,8,y\n", None, "row 3: has 2 columns, expected 3"),
    ("a,b,label\n1,2,x\n3,4,x\n5,6,x\n7,8,x\n", None, "has a single class ('x')"),
    ("a,b,label\n1,2,x\n3,4,y\n", None, "has 2 data rows; at least 4 are needed"),
    ("a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n", "species", "no column named 'species'"),
    ("a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n", 9, "label column 9 does not exist"),
    ("a,b,label\n1,2,x\n3,4,y\n5,inf,x\n7,8,y\n", None, "row 4, column 2 ('b'): must be a finite number"),
    ("a,b,label\n1,2,\n3,4,y\n5,6,x\n7,8,y\n", None, "row 2, column 3 ('label'): missing label"),
]


@pytest.mark.parametrize("text, label, message", BAD_CSV)
def test_malformed_csv_names_row_column_and_rule(tmp_path, text, label, message):
    with pytest.raises(DataError) as err:
        datasets.load_csv(write(tmp_path, text), label_column=label)
    assert str(err.value).startswith("data.csv: ") and message in str(err.value), str(err.value)


def test_csv_row_limit_stops_early_and_unreadable_files(tmp_path):
    rows = "".join(f"{i},{i},{i % 2}\n" for i in range(20))
    with pytest.raises(DataError, match="more than 10 data rows"):
        datasets.load_csv(write(tmp_path, rows), max_rows=10)
    with pytest.raises(DataError, match="file not found"):
        datasets.load_csv(tmp_path / "missing.csv")
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DataError, match="not UTF-8"):
        datasets.load_csv(binary)
