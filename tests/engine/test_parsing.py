"""Bad input files get one line naming the file, the place and the rule: JSON (engine/jsonfile.py,
config.load) and CSV (engine/csvfile.py), including the limits checked while reading."""

import json
import os
import time
import tracemalloc

import numpy as np
import pytest

from engine import config as cfgmod
from engine import csvfile, jsonfile
from engine.datasets import DataError, load_csv
from engine.schema import ConfigError


def refusal(path, **kwargs):
    with pytest.raises(ConfigError) as caught:
        jsonfile.read_object(path, **kwargs)
    return str(caught.value)


def text_file(tmp_path, text, name="c.json"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- JSON: accepted ---------------------------------------------------------------------------------
def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"train": {"lr": 0.1}}).encode())
    assert jsonfile.read_object(path) == {"train": {"lr": 0.1}}
    assert cfgmod.load(path).train.lr == 0.1
    assert jsonfile.parse('\ufeff{"a": 1}', "text") == {"a": 1}


def test_the_limits_themselves_are_allowed():
    deep = "[" * 64 + "]" * 64
    assert jsonfile.parse(deep, "s", require_object=False) is not None
    big = int("9" * 100)
    assert jsonfile.parse(f'{{"n": {big}, "m": -{big}}}', "s") == {"n": big, "m": -big}
    assert jsonfile.parse('{"x": 1e308, "y": 1e-999, "z": "[[[[NaN"}', "s") == {"x": 1e308, "y": 0.0, "z": "[[[[NaN"}


# -- JSON: refused, one line each -----------------------------------------------------------------
def test_invalid_json_names_line_and_column(tmp_path):
    path = text_file(tmp_path, '{\n  "model": {"hidden": [8,]}\n}')
    assert refusal(path) == f"{path}: is not valid JSON: Expecting value at line 2, column 26"
    path = text_file(tmp_path, '{"a": "open')
    assert refusal(path) == f"{path}: is not valid JSON: Unterminated string starting at line 1, column 7"
    with pytest.raises(jsonfile.JSONSyntaxError):
        jsonfile.parse("he", "--vary model.init", require_object=False)


def test_deep_nesting_is_refused_before_parsing(tmp_path, monkeypatch):
    path = text_file(tmp_path, '{"model":\n ' + "[" * 100_000 + "]" * 100_000 + "}")

    def never(*args, **kwargs):
        raise AssertionError("json.loads ran on a too deep text")

    monkeypatch.setattr(jsonfile.json, "loads", never)
    assert refusal(path) == f"{path}: is nested deeper than 64 levels (at line 2, column 65)"
    objects = '{"a":' * 65 + "1" + "}" * 65
    with pytest.raises(ConfigError, match=r"^s: is nested deeper than 64 levels \(at line 1, column 321\)$"):
        jsonfile.parse(objects, "s")


def test_brackets_inside_strings_do_not_count_and_an_open_string_cannot_stall_the_scan():
    assert jsonfile.parse(json.dumps({"text": "[" * 1000, "q": '\\"[' * 100}), "s")["text"] == "[" * 1000
    start = time.perf_counter()
    with pytest.raises(jsonfile.JSONSyntaxError):
        jsonfile.parse('"\\' * 300_000, "s")  # an open string with escapes everywhere: linear, not quadratic
    assert time.perf_counter() - start < 2.0


def test_huge_integers_are_refused_with_their_key_path_not_a_valueerror(tmp_path):
    path = text_file(tmp_path, '{"train": {"epochs": ' + "9" * 5000 + "}}")
    assert refusal(path) == (f"{path}: train.epochs: an integer of 5,000 digits is too long; "
                             "at most 100 digits are allowed")
    start = time.perf_counter()
    with pytest.raises(ConfigError, match=r"^s: \[0\]: an integer of 900,000 digits is too long"):
        jsonfile.parse("[-" + "1" * 900_000 + "]", "s", require_object=False)
    assert time.perf_counter() - start < 2.0  # never converted


@pytest.mark.parametrize("value, shown", [
    ("NaN", "NaN"), ("Infinity", "Infinity"), ("-Infinity", "-Infinity"),
    ("1e999", "1e999 (too large: it overflows to infinity)"),
    ("-2.5e400", "-2.5e400 (too large: it overflows to infinity)"),
])
def test_non_finite_numbers_name_the_key_path(tmp_path, value, shown):
    path = text_file(tmp_path, f'{{"model": {{"hidden": [8, {value}]}}, "train": {{"lr": {value}}}}}')
    assert refusal(path) == f"{path}: model.hidden[1]: must be a finite number, got {shown}"
    with pytest.raises(ConfigError) as caught:
        cfgmod.load(path)  # the configuration's own reader says the same
    assert str(caught.value) == f"{path}: model.hidden[1]: must be a finite number, got {shown}"


def test_odd_keys_are_quoted_in_the_key_path():
    with pytest.raises(ConfigError, match=r'^s: "a b"\[0\].x: must be a finite number, got NaN$'):
        jsonfile.parse('{"a b": [{"x": NaN}]}', "s")
    with pytest.raises(ConfigError, match=r"^s: must be a finite number, got NaN$"):
        jsonfile.parse("NaN", "s", require_object=False)


def test_a_top_level_value_that_is_not_an_object(tmp_path):
    assert refusal(text_file(tmp_path, "[1, 2]"), name="c.json") == "c.json: must be a JSON object, got [1, 2]"
    path = text_file(tmp_path, json.dumps(list(range(1000))))
    with pytest.raises(ConfigError) as caught:
        cfgmod.load(path)
    assert str(caught.value) == f"{path}: must be a JSON object with data, model and train, got a list of 1,000 items"
    assert refusal(text_file(tmp_path, '"' + "x" * 100 + '"'), name="s") == (
        "s: must be a JSON object, got a string of 100 characters")
    assert refusal(text_file(tmp_path, "null"), name="s") == "s: must be a JSON object, got null"


def test_files_that_cannot_be_json(tmp_path):
    assert refusal(tmp_path / "gone.json") == f"{tmp_path / 'gone.json'}: file not found"
    assert refusal(tmp_path) == f"{tmp_path}: is a folder, not a file"
    if os.path.exists("/dev/zero"):  # a device never ends: refused unread
        assert refusal("/dev/zero") == "/dev/zero: is not a regular file"
    big = text_file(tmp_path, '{"a": "' + "x" * 2000 + '"}')
    assert refusal(big, max_bytes=1000, name="big.json") == "big.json: is larger than the limit of 1,000 bytes"
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'\xef\xbb\xbf{"a": "caf\xe9"}')
    assert refusal(latin, name="latin.json") == "latin.json: is not UTF-8 text (byte 14 cannot be decoded)"


# -- CSV ------------------------------------------------------------------------------------------
def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def csv_refusal(path, **kwargs):
    with pytest.raises(DataError) as caught:
        load_csv(path, **kwargs)
    return str(caught.value)


GOOD = "a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n"


@pytest.mark.parametrize("tail, message", [
    ('9,"10,x\n11,12,y\n13,14,x\n', 'data.csv: row 6, column 2: the quote (") that opens this cell is never closed'),
    ('9,10,"x\n11,12,y\n', 'data.csv: row 6, column 3: the quote (") that opens this cell is never closed'),
    ('9,10,"x', 'data.csv: row 6, column 3: the quote (") that opens this cell is never closed'),  # no last newline
    ('9,"10",x\n"11,12,y\n', 'data.csv: row 7, column 1: the quote (") that opens this cell is never closed'),
    ('\n\n"9,10,x\n' + "1,2,x\n" * 30_000,  # the open cell swallows more than csv's field limit
     'data.csv: row 8: the quote (") that opens a cell here is never closed (the cell runs on for more than '
     "131,072 characters)"),
])
def test_an_unterminated_quote_names_the_row_where_it_opened(tmp_path, tail, message):
    assert csv_refusal(write(tmp_path, GOOD + tail)) == message


def test_an_unterminated_quote_in_the_header_or_a_feature_cell(tmp_path):
    assert csv_refusal(write(tmp_path, 'a,"b,label\n1,2,x\n')) == (
        'data.csv: row 1, column 2: the quote (") that opens this cell is never closed')
    assert csv_refusal(write(tmp_path, 'label,a,b\nx,1,2\ny,3,4\nx,5,6\ny,7,"8\n'), label_column="label") == (
        "data.csv: row 5, column 3 ('b'): the quote (\") that opens this cell is never closed")
    ok = load_csv(write(tmp_path, GOOD + '"9",10,"x"\n'))  # closed quotes are fine
    assert ok.X[-1].tolist() == [9, 10] and ok.class_names == ("x", "y")


@pytest.mark.parametrize("cell, message", [
    ("1e999", "must be a finite number, got '1e999' (too large: it overflows to infinity)"),
    ("-1e400", "must be a finite number, got '-1e400' (too large: it overflows to infinity)"),
    ("1" + "0" * 400, "must be a finite number, got '1" + "0" * 38 + "…' (too large: it overflows to infinity)"),
    ("NaN", "must be a finite number, got 'NaN'"),
    ("-inf", "must be a finite number, got '-inf'"),
])
def test_values_that_are_or_overflow_to_inf_or_nan_name_row_and_column(tmp_path, cell, message):
    text = "a,b,label\n" + "1,2,x\n3,4,y\n" * 3000 + f"5,{cell},x\n7,8,y\n"  # past the first chunk
    assert csv_refusal(write(tmp_path, text)) == f"data.csv: row 6002, column 2 ('b'): {message}"


def test_a_continuous_label_column_is_not_taken_for_classes(tmp_path):
    prices = "a,b,price\n" + "".join(f"{i},{i % 7},{i * 0.37:.2f}\n" for i in range(50))
    assert csv_refusal(write(tmp_path, prices)) == (
        "data.csv: column 3 ('price') looks like a continuous target, not class labels: 50 distinct numbers, "
        "49 of them not whole; choose the column that holds the classes")
    years = "a,b,year\n" + "".join(f"{i},{i % 7},{1900 + i}\n" for i in range(500))
    assert csv_refusal(write(tmp_path, years)) == (
        "data.csv: column 3 ('year') looks like a continuous target, not class labels: more than 100 distinct "
        "values by row 102 (at most 100 classes)")
    names = "a,b,name\n" + "".join(f"{i},{i % 7},person {i}\n" for i in range(500))
    assert csv_refusal(write(tmp_path, names)) == (
        "data.csv: column 3 ('name') has more than 100 distinct labels by row 102, the limit on classes: "
        "it looks like names or IDs, not class labels")


def test_many_whole_number_classes_and_a_few_decimal_ones_are_still_classes(tmp_path):
    digits = load_csv(write(tmp_path, "a,b,digit\n" + "".join(f"{i},{i % 7},{i % 30}\n" for i in range(300))))
    assert digits.n_classes == 30 and digits.class_names[:3] == ("0", "1", "2")
    halves = load_csv(write(tmp_path, "a,b,dose\n" + "".join(f"{i},1,{(i % 25) / 2}\n" for i in range(100))))
    assert halves.n_classes == 25  # 12 of 25 not whole: not most of them
    hundred = load_csv(write(tmp_path, "a,b,c\n" + "".join(f"{i},1,k{i % 100}\n" for i in range(300))))
    assert hundred.n_classes == csvfile.MAX_CLASSES


def test_the_column_limit(tmp_path):
    widest = ",".join(f"f{j}" for j in range(1000)) + ",label\n"
    rows = "".join(",".join(["1"] * 1000) + f",{k % 2}\n" for k in range(4))
    assert load_csv(write(tmp_path, widest + rows)).n_features == csvfile.MAX_FEATURES
    wider = ",".join(f"f{j}" for j in range(1001)) + ",label\n" + "\xff" * 10
    assert csv_refusal(write(tmp_path, wider)) == (
        "data.csv: row 1: has 1,002 columns; the limit is 1,000 feature columns and a label column")


def test_the_cell_limit_stops_reading_early(tmp_path, monkeypatch):
    monkeypatch.setattr(csvfile, "MAX_CELLS", 100)  # 3 columns: at most 33 rows
    path = tmp_path / "cells.csv"
    # bytes that cannot be decoded, well past the limit (and past the text reader's read-ahead): never reached
    path.write_bytes(b"a,b,c\n" + b"1,2,0\n3,4,1\n" * 5000 + b"\xff\xfe,1,0\n")
    assert csv_refusal(path) == (
        "cells.csv: more than 100 cells: 3 columns x more than 33 rows (stopped reading at row 35); "
        "the limit is 100 cells (rows x columns)")
    exact = write(tmp_path, "1,2,0\n3,4,1\n" * 17)  # no header: 34 rows x 3 columns = 102, found at the end
    assert csv_refusal(exact) == (
        "data.csv: has 34 rows x 3 columns = 102 cells; the limit is 100 cells (rows x columns)")
    assert len(load_csv(write(tmp_path, "a,b,c\n" + "1,2,0\n3,4,1\n" * 16 + "5,6,0\n")).y) == 33


def test_the_row_limit_is_the_configurations(tmp_path):
    assert csvfile.MAX_ROWS == cfgmod.MAX_SAMPLES
    path = tmp_path / "rows.csv"
    path.write_bytes(b"a,b\n" + b"1,0\n2,1\n" * 5000 + b"\xff\n")
    assert csv_refusal(path, max_rows=10) == (
        "rows.csv: more than 10 data rows (stopped reading at row 12); the limit is 10")


def test_a_line_longer_than_the_limit_is_refused_before_it_is_read_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(csvfile, "MAX_LINE", 1000)
    assert csv_refusal(write(tmp_path, GOOD + "1," * 2000 + "x\n")) == (
        "data.csv: row 6: a line is longer than 1,000 characters, the limit; is it a CSV file?")
    assert csv_refusal(write(tmp_path, "1," * 2000 + "x\n")) == (
        "data.csv: row 1: a line is longer than 1,000 characters, the limit; is it a CSV file?")


def test_special_files_are_refused_unread(tmp_path):
    if os.path.exists("/dev/zero"):
        assert csv_refusal("/dev/zero") == "zero: is not a regular file (/dev/zero)"


def test_row_one_is_data_when_a_later_label_says_so_and_its_errors_come_first(tmp_path):
    mixed = load_csv(write(tmp_path, "-3,a\n-3,a\n4,1.0\n1e3,2\n"))  # row 1's label "a" is seen again
    assert mixed.class_names == ("1.0", "2", "a") and mixed.y.tolist() == [2, 2, 0, 1]
    assert mixed.X[:, 0].tolist() == [-3, -3, 4, 1000]
    text = "1,,x\n1,2,0\n3,4\n5,6,y\n"  # row 3 is short, but row 1 (data: row 4 has a text label) is first
    assert csv_refusal(write(tmp_path, text)) == (
        "data.csv: row 1, column 2 ('column 2'): missing value; every feature cell needs a number")
    header = load_csv(write(tmp_path, "2019,2020,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n"))
    assert header.feature_names == ("2019", "2020") and len(header.y) == 4


def test_rows_split_into_chunks_read_the_same(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(53, 3)) * 10.0 ** rng.integers(-5, 5, size=(53, 3))
    labels = rng.choice(["cat", "dog", "eel"], size=53)
    text = "u;v;w;kind\n" + "".join(";".join(repr(float(v)) for v in row) + f";{k}\n" for row, k in zip(X, labels))
    whole = load_csv(write(tmp_path, text))
    monkeypatch.setattr(csvfile, "_CHUNK", 5)
    chunked = load_csv(write(tmp_path, text))
    for ds in (whole, chunked):
        np.testing.assert_array_equal(ds.X, X)  # repr round-trips exactly
        assert [ds.class_names[k] for k in ds.y] == labels.tolist() and ds.feature_names == ("u", "v", "w")
    bad = text.replace(repr(float(X[41, 2])), "oops")
    assert csv_refusal(write(tmp_path, bad)) == "data.csv: row 43, column 3 ('w'): must be a number, got 'oops'"


def test_loading_holds_no_table_of_strings(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50_000, 4))
    text = "a,b,c,d,label\n" + "".join(",".join(repr(float(v)) for v in row) + f",{'xy'[i % 2]}\n"
                                       for i, row in enumerate(X))
    path = write(tmp_path, text)
    tracemalloc.start()
    try:
        ds = load_csv(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(ds.X, X)
    assert ds.X.nbytes + ds.y.nbytes == 2_000_000
    assert peak < 8_000_000, f"peak {peak:,} bytes"  # the reader that kept every cell as text peaked at ~33 MB


@pytest.mark.parametrize("cell", ["1e300", "-2.5e151"])
def test_a_value_too_large_to_train_on_is_named_by_row_and_column(tmp_path, cell):
    rows = "".join(f"{i},{i + 1},{'xy'[i % 2]}\n" for i in range(6))
    path = text_file(tmp_path, f"a,b,label\n{rows}5,{cell},x\n", name="huge.csv")
    with pytest.raises(DataError) as caught:
        load_csv(path)
    assert str(caught.value) == (f"huge.csv: row 8, column 2 ('b'): '{cell}' is too large to train on "
                       "(at most 1e+150 in size: its square overflows); rescale the column")
    ok = text_file(tmp_path, f"a,b,label\n{rows}5,1e150,x\n", name="ok.csv")
    assert load_csv(ok).X[-1, 1] == 1e150
