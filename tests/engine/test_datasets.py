"""Data sets: registry entries, reproducibility, splits, boundary grids and CSV import."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine import datasets
from engine.datasets import DataError

GENERATED = [name for name in datasets.DATASETS if name != "csv"]
ROOT = Path(datasets.__file__).parent.parent


# -- registry and generators ------------------------------------------------------------------
@pytest.mark.parametrize("name", GENERATED)
def test_every_entry_has_the_promised_shapes_dtypes_and_labels(name):
    spec = datasets.get(name)
    assert spec.name == name and spec.title and spec.description.endswith(".")
    ds = datasets.make(name, seed=1)
    n = spec.default_samples
    assert ds.X.dtype == np.float64 and ds.y.dtype == np.int64
    assert ds.X.shape == (n, spec.n_features) and ds.y.shape == (n,)
    assert ds.n_features == spec.n_features == len(ds.feature_names)
    assert sorted(np.unique(ds.y)) == list(range(ds.n_classes)) == list(range(len(ds.class_names)))
    assert np.isfinite(ds.X).all()
    assert ds.name == name


@pytest.mark.parametrize("name", GENERATED)
def test_every_entry_is_reproducible_by_seed_and_varies_with_it(name):
    spec = datasets.get(name)
    a, b = datasets.make(name, seed=3), datasets.make(name, seed=3)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    other = datasets.make(name, seed=4)
    assert np.array_equal(a.X, other.X) != spec.uses_samples  # fixed tables (iris) ignore the seed
    if spec.uses_samples:
        assert len(datasets.make(name, n_samples=101).y) == 101
    if spec.uses_noise:
        quiet, loud = datasets.make(name, noise=0.0), datasets.make(name, noise=0.3)
        assert not np.allclose(quiet.X, loud.X)


def test_blobs_seed_0_is_the_classic_experiments_data():
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=1000, centers=4, n_features=2, random_state=0)
    ds = datasets.make("blobs", n_samples=1000, noise=1.0, seed=0, centers=4)
    np.testing.assert_array_equal(ds.X, X)
    np.testing.assert_array_equal(ds.y, y)
    np.testing.assert_array_equal(datasets.make("blobs").X, X)  # the defaults are the same data
    xor = datasets.make("blobs_xor", n_samples=1000, seed=0)
    np.testing.assert_array_equal(xor.X, X)
    np.testing.assert_array_equal(xor.y, y % 2)
    assert xor.class_names == ("class 0", "class 1")
    assert datasets.make("blobs", centers=6).n_classes == 6


def test_iris_is_sklearns_table_and_iris_binary_its_first_100_rows():
    from sklearn.datasets import load_iris

    table = load_iris()
    iris = datasets.make("iris", n_samples=10, noise=5.0, seed=9)  # a fixed table ignores all three
    assert iris.X.shape == (150, 4) and iris.class_names == ("setosa", "versicolor", "virginica")
    assert iris.feature_names == tuple(table.feature_names)
    np.testing.assert_array_equal(iris.X, table.data)
    binary = datasets.make("iris_binary")
    np.testing.assert_array_equal(binary.X, table.data[:100])
    np.testing.assert_array_equal(binary.y, table.target[:100])
    assert binary.class_names == ("setosa", "versicolor") and np.bincount(binary.y).tolist() == [50, 50]


def test_spiral_has_one_balanced_class_per_arm():
    ds = datasets.make("spiral", n_samples=300, arms=3)
    assert ds.n_classes == 3 and np.bincount(ds.y).tolist() == [100, 100, 100]
    radius = np.hypot(*datasets.make("spiral", noise=0.0).X.T)
    assert radius.max() <= 1.0  # without jitter every point lies on its arm, inside the unit disc


def test_noise_free_xor_and_linear_follow_their_rules():
    xor = datasets.make("xor", noise=0.0)
    np.testing.assert_array_equal(xor.y, (xor.X[:, 0] * xor.X[:, 1] < 0).astype(int))
    from sklearn.svm import LinearSVC

    linear = datasets.make("linear", noise=0.0)
    assert LinearSVC(C=100.0).fit(linear.X, linear.y).score(linear.X, linear.y) == 1.0


def test_unknown_names_params_and_values_are_refused():
    with pytest.raises(ValueError, match="unknown data set 'mnist'; choose one of: moons, circles, .*, csv"):
        datasets.make("mnist")
    with pytest.raises(ValueError, match="data set 'moons' has no parameter 'arms'; its parameters: none"):
        datasets.make("moons", arms=3)
    with pytest.raises(ValueError, match=r"data.arms: must be a whole number >= 2, got 1"):
        datasets.make("spiral", arms=1)
    with pytest.raises(ValueError, match=r"data.n_samples: must be a whole number >= 1, got 2.5"):
        datasets.make("moons", n_samples=2.5)
    with pytest.raises(ValueError, match=r"data.noise: must be a finite number >= 0, got -0.1"):
        datasets.make("xor", noise=-0.1)


def test_csv_entry_delegates_to_load_csv(tmp_path):
    with pytest.raises(DataError, match="data.path: the csv data set needs a file path"):
        datasets.make("csv")
    path = write(tmp_path, "y,a,b\nx,1,2\ny,3,4\nx,5,6\ny,7,8\n")
    ds = datasets.make("csv", path=str(path), label_column="y")
    assert ds.feature_names == ("a", "b") and ds.class_names == ("x", "y")
    assert datasets.get("csv").n_features is None


def test_importing_the_module_does_not_import_sklearn():
    code = "import sys, engine.datasets; assert 'sklearn' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# -- split --------------------------------------------------------------------------------------
def test_split_is_stratified_and_reproducible():
    ds = datasets.make("blobs_xor", n_samples=1000, seed=0)
    sp = datasets.split(ds, val_fraction=0.25, seed=0)
    assert sp.X_train.shape == (750, 2) and sp.X_val.shape == (250, 2) and sp.dataset is ds
    for k in range(2):
        assert np.mean(sp.y_val == k) == pytest.approx(np.mean(ds.y == k), abs=0.005)
    assert sorted(np.concatenate((sp.y_train, sp.y_val))) == sorted(ds.y)
    again, other = datasets.split(ds, 0.25, seed=0), datasets.split(ds, 0.25, seed=1)
    np.testing.assert_array_equal(sp.X_val, again.X_val)
    assert not np.array_equal(sp.X_val, other.X_val)


def test_standardisation_is_fitted_on_the_training_part_only():
    ds = datasets.make("iris")
    sp = datasets.split(ds, val_fraction=0.2, seed=0)
    np.testing.assert_allclose(sp.X_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(sp.X_train.std(axis=0), 1.0, atol=1e-12)
    assert not np.allclose(sp.X_val.mean(axis=0), 0.0, atol=1e-3)  # val is scaled, not re-centred
    raw_train, raw_val = sp.X_train * sp.std + sp.mean, sp.X_val * sp.std + sp.mean
    np.testing.assert_allclose(sp.mean, raw_train.mean(axis=0))  # statistics of the training rows alone
    np.testing.assert_allclose(sp.std, raw_train.std(axis=0))
    assert all(np.isclose(ds.X, row).all(axis=1).any() for row in raw_val)  # val rows are dataset rows
    np.testing.assert_allclose(sp.transform(ds.X[:3]), (ds.X[:3] - sp.mean) / sp.std)
    raw = datasets.split(ds, val_fraction=0.2, standardize=False)
    np.testing.assert_array_equal(raw.mean, np.zeros(4))
    np.testing.assert_array_equal(raw.std, np.ones(4))
    np.testing.assert_array_equal(raw.transform(ds.X), ds.X)


def test_zero_validation_fraction_gives_an_empty_validation_part():
    ds = datasets.make("moons", n_samples=100)
    sp = datasets.split(ds, val_fraction=0.0)
    assert sp.X_val.shape == (0, 2) and sp.y_val.shape == (0,) and sp.y_val.dtype == np.int64
    assert sp.X_train.shape == (100, 2)
    for bad in (-0.1, 0.95, 1.5):
        with pytest.raises(ValueError, match=rf"^data.val_fraction: must be between 0 and 0.9, got {bad:g}$"):
            datasets.split(ds, bad)


def test_split_falls_back_to_a_plain_shuffle_when_a_class_is_tiny():
    X = np.arange(20.0).reshape(10, 2)
    X[:, 1] = 3.0  # a constant feature: its std is taken as 1, not 0
    y = np.array([0] * 9 + [1])  # class 1 has one member: it cannot be on both sides
    ds = datasets.Dataset(X, y, ("a", "b"), ("x1", "x2"), "tiny")
    sp = datasets.split(ds, val_fraction=0.3, seed=0)
    assert len(sp.y_val) == 3 and len(sp.y_train) == 7
    assert sp.std[1] == 1.0 and np.all(sp.X_train[:, 1] == 0.0)
    small = datasets.split(datasets.Dataset(X[:4], np.array([0, 1, 0, 1]), ("a", "b"), ("x1", "x2"), "four"), 0.9)
    assert len(small.y_train) == 1 and len(small.y_val) == 3  # always one training point left


# -- boundary grid ------------------------------------------------------------------------------
def test_grid_is_row_major_with_y_slow_and_spans_the_data_plus_margin():
    sp = datasets.split(datasets.make("moons", n_samples=200), 0.2)
    xs, ys, pts = datasets.grid_for(sp, resolution=7, margin=0.5)
    assert xs.shape == ys.shape == (7,) and pts.shape == (49, 2)
    for i, j in ((0, 0), (0, 6), (3, 1), (6, 2)):
        np.testing.assert_array_equal(pts[i * 7 + j], [xs[j], ys[i]])
    everything = np.vstack((sp.X_train, sp.X_val))
    np.testing.assert_allclose([xs[0], ys[0]], everything.min(axis=0) - 0.5)
    np.testing.assert_allclose([xs[-1], ys[-1]], everything.max(axis=0) + 0.5)


def test_grid_holds_the_other_features_at_their_mean():
    sp = datasets.split(datasets.make("iris"), 0.2, standardize=False)
    xs, ys, pts = datasets.grid_for(sp, features=(3, 1), resolution=5)
    assert pts.shape == (25, 4)
    np.testing.assert_array_equal(pts[2 * 5 + 4, [3, 1]], [xs[4], ys[2]])
    np.testing.assert_allclose(pts[:, [0, 2]], np.broadcast_to(sp.X_train.mean(axis=0)[[0, 2]], (25, 2)))
    with pytest.raises(ValueError, match=r"data.features: must be two different feature indices below 4, got \[0, 7\]"):
        datasets.grid_for(sp, features=(0, 7))
    with pytest.raises(ValueError, match="data.features"):
        datasets.grid_for(sp, features=(2, 2))


# -- CSV: good files ----------------------------------------------------------------------------
def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_with_header_and_text_labels(tmp_path):
    ds = datasets.load_csv(write(tmp_path, "a,b,label\n1,2,cat\n3,4,dog\n5,6.5,cat\n7,8e1,dog\n9,-10,cat\n"))
    assert ds.X.dtype == np.float64 and ds.y.dtype == np.int64
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4], [5, 6.5], [7, 80], [9, -10]])
    assert ds.feature_names == ("a", "b") and ds.class_names == ("cat", "dog")
    assert ds.y.tolist() == [0, 1, 0, 1, 0] and ds.name == "csv"


def test_csv_without_header_gets_column_names_and_numeric_labels_sorted_by_value(tmp_path):
    ds = datasets.load_csv(write(tmp_path, "1,2,10\n3,4,2\n5,6,10\n7,8,2.0\n"))
    assert ds.X.shape == (4, 2) and ds.feature_names == ("column 1", "column 2")
    assert ds.class_names == ("2", "10") and ds.y.tolist() == [1, 0, 1, 0]  # "2.0" is class "2"


def test_csv_header_detected_from_the_label_cell_alone(tmp_path):
    ds = datasets.load_csv(write(tmp_path, "2019,2020,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n"))
    assert ds.feature_names == ("2019", "2020") and ds.X.shape == (4, 2)
    headerless = datasets.load_csv(write(tmp_path, "1,2,cat\n3,4,dog\n5,6,cat\n7,8,dog\n"))
    assert headerless.X.shape == (4, 2) and headerless.class_names == ("cat", "dog")


def test_csv_label_column_by_name_or_index(tmp_path):
    named = datasets.load_csv(write(tmp_path, "species,a,b\nx,1,2\ny,3,4\nx,5,6\ny,7,8\n"), label_column="species")
    assert named.feature_names == ("a", "b") and named.class_names == ("x", "y")
    np.testing.assert_array_equal(named.X[:, 0], [1, 3, 5, 7])
    for label in (0, "0", -3):
        numbered = datasets.load_csv(write(tmp_path, "0,1,2\n1,3,4\n0,5,6\n1,7,8\n"), label_column=label)
        np.testing.assert_array_equal(numbered.X, [[1, 2], [3, 4], [5, 6], [7, 8]])
        assert numbered.feature_names == ("column 2", "column 3")


def test_csv_from_a_spreadsheet_semicolons_bom_and_blank_lines(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufefflabel;a;b\r\nx;1;2\r\n\r\ny;3,5;4\r\nx;5;6\r\ny;7;8\r\n".encode("utf-8"))
    with pytest.raises(DataError, match=r"excel.csv: row 4, column 2 \('a'\): must be a number, got '3,5'"):
        datasets.load_csv(path, label_column="label")  # the BOM is not part of 'label'; blank row 3 counts
    path.write_bytes(path.read_bytes().replace(b"3,5", b"3.5"))
    ds = datasets.load_csv(path, label_column="label")
    assert ds.feature_names == ("a", "b") and ds.class_names == ("x", "y")
    np.testing.assert_array_equal(ds.X[1], [3.5, 4])
    tabs = datasets.load_csv(write(tmp_path, "\n\na\tb\tc\n1\t2\tx\n3\t4\ty\n5\t6\tx\n7\t8\ty\n"))
    assert tabs.X.shape == (4, 2) and tabs.feature_names == ("a", "b")


# -- CSV: every malformed case names the row, the column and the rule ----------------------------
GOOD_ROWS = "1,2,x\n3,4,y\n5,6,x\n7,8,y\n"
BAD_CSV = [
    ("sepal,petal,label\n" + GOOD_ROWS + "9,10,x\n11,abc,y\n", None,
     "data.csv: row 7, column 2 ('petal'): must be a number, got 'abc'"),
    ("a,b,label\n1,2,x\n3,,y\n5,6,x\n7,8,y\n", None,
     "data.csv: row 3, column 2 ('b'): missing value; every feature cell needs a number"),
    ("a,b,label\n1,2,x\n3,4,y\n5,inf,x\n7,8,y\n", None, "data.csv: row 4, column 2 ('b'): must be a finite number"),
    ("a,b,label\n1,2,\n3,4,y\n5,6,x\n7,8,y\n", None, "data.csv: row 2, column 3 ('label'): missing label"),
    ("a,b,label\n1,2,x\n3,4\n5,6,x\n7,8,y\n", None, "data.csv: row 3: has 2 columns, expected 3 like row 1"),
    ("a,b,label\n1,2,x\n3,4,y,9\n5,6,x\n7,8,y\n", None, "data.csv: row 3: has 4 columns, expected 3"),
    ("a,b,label\n1,2,x\n3,x,y\n5,6,x\n7,8\n", None, "data.csv: row 3, column 2 ('b'): must be a number"),
    ("1,2,x\n3,4,x\n5,6,x\n7,8,x\n", None,
     "data.csv: column 3 ('column 3') holds a single class ('x'); a classifier needs at least 2"),
    ("a,b,label\n1,2,x\n3,4,y\n5,6,x\n", None, "data.csv: has 3 data rows; at least 4 are needed"),
    ("a,b,label\n" + GOOD_ROWS, "species", "data.csv: row 1 (the header) has no column named 'species'"),
    ("a,b,label\n" + GOOD_ROWS, 9, "data.csv: label column index 9 is out of range; the file has 3 columns"),
    ("a;b;label\n1,5;2;x\n3;4;y\n5;6;x\n7;8;y\n", None,
     "data.csv: row 2, column 1 ('a'): must be a number, got '1,5'; write decimals with a point"),
    ("", None, "data.csv: is empty; at least 4 data rows are needed"),
    ("1\n2\n3\n4\n", None, "data.csv: row 1: has 1 column"),
]


@pytest.mark.parametrize("text, label, message", BAD_CSV, ids=range(len(BAD_CSV)))
def test_malformed_csv_names_file_row_column_and_rule(tmp_path, text, label, message):
    with pytest.raises(DataError) as caught:
        datasets.load_csv(write(tmp_path, text), label_column=label)
    assert message in str(caught.value)


def test_row_limit_stops_reading_early(tmp_path):
    rows = "".join(f"{i},{i},{i % 2}\n" for i in range(20))
    with pytest.raises(DataError, match=r"data.csv: more than 10 data rows \(stopped reading at row 12\)"):
        datasets.load_csv(write(tmp_path, rows), max_rows=10)
    assert len(datasets.load_csv(write(tmp_path, "a,b,c\n" + rows[: rows.index("10,")]), max_rows=10).y) == 10
    huge = tmp_path / "huge.csv"  # undecodable bytes far past the limit are never read
    huge.write_bytes(rows.encode() * 1000 + b"\xff\xfe,1,0\n")
    with pytest.raises(DataError, match="more than 10 data rows"):
        datasets.load_csv(huge, max_rows=10)
    with pytest.raises(DataError, match="huge.csv: is not UTF-8 text"):
        datasets.load_csv(huge)


def test_missing_unreadable_and_binary_files(tmp_path):
    with pytest.raises(DataError, match=r"^missing.csv: file not found"):
        datasets.load_csv(tmp_path / "missing.csv")
    with pytest.raises(DataError, match="is a folder, not a CSV file"):
        datasets.load_csv(tmp_path)
    sheet = tmp_path / "sheet.xlsx"
    sheet.write_bytes(b"PK\x03\x04\xff\xfe\x00\x81garbage")
    with pytest.raises(DataError, match="sheet.xlsx: is not UTF-8 text; if it is a spreadsheet, save it as"):
        datasets.load_csv(sheet)
    assert issubclass(DataError, ValueError)
