"""Atomic saves (engine/atomic.py): on a full disk the earlier file survives whole, no temporary
or empty file is left behind, and the error names the file. The disk is "filled" by making
the temporary file's write fail partway, or os.fsync fail, with ENOSPC."""

import errno
import json
import os
import sys
from pathlib import Path

import pytest

from engine import atomic
from engine.config import Config, save
from engine.report import write_report
from main import run_headless

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from diskfull import ENOSPC, fill_disk  # noqa: E402

EARLIER = b'{"earlier": "good file"}\n'
def earlier_file(folder, name):
    path = folder / name
    path.write_bytes(EARLIER)
    return path


def assert_kept(path, earlier=EARLIER):
    """The target is the earlier file, byte for byte, and it is the only file in its folder."""
    if earlier is None:
        assert not path.exists()
    else:
        assert path.read_bytes() == earlier
    left = sorted(p.name for p in path.parent.iterdir())
    assert left == ([path.name] if earlier is not None else []), left
    assert all(p.stat().st_size > 0 for p in path.parent.iterdir())


def big_config():
    return Config.from_dict({"model": {"hidden": [8] * 40}})


# -- atomic_write itself ---------------------------------------------------------------------------
def test_text_and_binary_writes_replace_the_target(tmp_path):
    path = earlier_file(tmp_path, "a.txt")
    with atomic.atomic_write(path, newline="") as handle:
        handle.write("new\r\nlines\n")
    assert path.read_bytes() == b"new\r\nlines\n"
    with atomic.atomic_write(str(path), "wb") as handle:
        handle.write(b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


@pytest.mark.skipif(sys.platform == "win32", reason="Unix permissions")
def test_permissions_are_the_earlier_files_or_a_new_files(tmp_path):
    path = earlier_file(tmp_path, "kept.json")
    os.chmod(path, 0o640)
    atomic.write_bytes(path, b"x")
    assert path.stat().st_mode & 0o777 == 0o640
    fresh = tmp_path / "fresh.json"
    atomic.write_bytes(fresh, b"x")
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~atomic._UMASK  # not the temporary file's 0600


@pytest.mark.parametrize("where", ["write", "fsync"])
def test_full_disk_keeps_the_earlier_file_and_names_it(tmp_path, monkeypatch, where):
    path = earlier_file(tmp_path, "a.txt")
    fill_disk(monkeypatch, where, budget=10)
    with pytest.raises(OSError) as caught:
        with atomic.atomic_write(path) as handle:
            handle.write("x" * 5000)
    assert caught.value.errno == errno.ENOSPC
    assert str(caught.value) == f"{path}: could not be saved ({ENOSPC}); the earlier file is unchanged"
    assert_kept(path)


def test_full_disk_on_a_new_file_leaves_nothing(tmp_path, monkeypatch):
    path = tmp_path / "new.txt"
    fill_disk(monkeypatch, budget=0)
    with pytest.raises(OSError, match=f"^{path}: could not be saved .*; no file was written$"):
        atomic.write_bytes(path, b"data")
    assert_kept(path, earlier=None)


def test_a_bug_in_the_writer_propagates_and_keeps_the_earlier_file(tmp_path):
    path = earlier_file(tmp_path, "a.txt")
    with pytest.raises(KeyError):
        with atomic.atomic_write(path) as handle:
            handle.write("half")
            raise KeyError("a bug")
    assert_kept(path)


def test_a_missing_folder_is_named(tmp_path):
    path = tmp_path / "nowhere" / "a.txt"
    with pytest.raises(OSError, match="nowhere.a\\.txt: could not be saved") as caught:
        atomic.write_bytes(path, b"x")
    assert caught.value.errno == errno.ENOENT


# -- its users -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["write", "fsync"])
def test_config_save_on_a_full_disk(tmp_path, monkeypatch, where):
    path = earlier_file(tmp_path, "mine.json")
    fill_disk(monkeypatch, where)
    with pytest.raises(OSError, match=f"^{path}: could not be saved \\({ENOSPC}\\); the earlier file is unchanged"):
        save(big_config(), path)
    assert_kept(path)
    monkeypatch.undo()
    save(big_config(), path)
    assert Config.from_dict(json.loads(path.read_text())) == big_config()


def test_report_on_a_full_disk(tmp_path, monkeypatch):
    path = earlier_file(tmp_path, "r.json")
    fill_disk(monkeypatch, budget=4096)
    with pytest.raises(OSError, match=f"^{path}: could not be saved"):
        write_report({"history": list(range(5000))}, path)
    assert_kept(path)


SMALL = {"data": {"name": "moons", "n_samples": 100, "val_fraction": 0.2},
         "model": {"hidden": [4]}, "train": {"epochs": 2, "batch_size": 32}}


@pytest.mark.parametrize("command", ["run", "sweep"])
@pytest.mark.parametrize("existed", [True, False])
def test_cli_out_on_a_full_disk(tmp_path, monkeypatch, capsys, command, existed):
    folder = tmp_path / "out"
    folder.mkdir()
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps(SMALL))
    out = earlier_file(folder, "result") if existed else folder / "result"
    extra = ["--seeds", "0", "--backend", "threading", "--jobs", "1"] if command == "sweep" else []
    fill_disk(monkeypatch, budget=20)
    assert run_headless([command, str(cfg), *extra, "--out", str(out)]) == 2
    kept = "the earlier file is unchanged" if existed else "no file was written"
    assert capsys.readouterr().err.splitlines()[-1] == f"error: {out}: could not be saved ({ENOSPC}); {kept}"
    assert_kept(out, EARLIER if existed else None)
