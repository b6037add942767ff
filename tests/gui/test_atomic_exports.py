"""File ▸ Export on a full disk: the earlier file survives byte for byte, nothing is left behind,
the error names the file (and reaches the one "Could not save" dialog). The disk is "filled" by
making the temporary file's write fail partway, or os.fsync fail, with ENOSPC."""

import errno
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QMessageBox

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from diskfull import ENOSPC, fill_disk  # noqa: E402


def assert_kept(path, earlier):
    """The target is the earlier file, byte for byte, and the only file in its folder."""
    assert path.read_bytes() == earlier
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


@pytest.fixture
def trained(qtbot, window):
    window.step_epoch()
    qtbot.waitUntil(lambda: window.session.epoch >= 1 and window.shown is not None, timeout=3000)
    return window


@pytest.mark.parametrize("kind, name", [("history", "h.csv"), ("weights", "w.npz"), ("report", "r.json"),
                                        ("diagnostics", "d.csv")])
@pytest.mark.parametrize("where", ["write", "fsync"])
def test_session_exports_on_a_full_disk(trained, tmp_path, monkeypatch, kind, name, where):
    path = tmp_path / name
    trained.export(kind, str(path))
    earlier = path.read_bytes()
    assert len(earlier) > 0
    fill_disk(monkeypatch, where, budget=len(earlier) // 2)  # stops halfway through the file
    with pytest.raises(OSError) as caught:
        trained.export(kind, str(path))
    assert caught.value.errno == errno.ENOSPC
    assert str(caught.value) == f"{path}: could not be saved ({ENOSPC}); the earlier file is unchanged"
    assert_kept(path, earlier)


@pytest.mark.parametrize("name", ["loss.png", "loss.svg"])
@pytest.mark.parametrize("where", ["write", "fsync"])
def test_view_exports_on_a_full_disk(trained, tmp_path, monkeypatch, name, where):
    path = tmp_path / name
    trained.export_view("loss", str(path))
    earlier = path.read_bytes()
    assert earlier.startswith(b"\x89PNG") if name.endswith(".png") else b"<svg" in earlier[:2000]
    fill_disk(monkeypatch, where, budget=4096)
    with pytest.raises(OSError, match=f"^{path}: could not be saved \\({ENOSPC}\\); the earlier file is unchanged$"):
        trained.export_view("loss", str(path))
    assert_kept(path, earlier)


def test_png_that_qt_cannot_encode_is_an_error_not_a_corrupt_file(trained, tmp_path, monkeypatch):
    path = tmp_path / "loss.png"
    trained.export_view("loss", str(path))
    earlier = path.read_bytes()
    monkeypatch.setattr(QPixmap, "save", lambda *args, **kwargs: False)
    with pytest.raises(OSError, match=f"^{path}: could not be saved \\(Qt could not encode the view as PNG\\)"):
        trained.export_view("loss", str(path))
    assert_kept(path, earlier)


def test_a_new_export_on_a_full_disk_leaves_no_empty_file(trained, tmp_path, monkeypatch):
    fill_disk(monkeypatch, budget=0)
    for name in ("loss.svg", "loss.png"):
        with pytest.raises(OSError, match="no file was written$"):
            trained.export_view("loss", str(tmp_path / name))
    with pytest.raises(OSError, match="no file was written$"):
        trained.export("history", str(tmp_path / "h.csv"))
    assert list(tmp_path.iterdir()) == []


def test_the_window_reports_the_failed_save_in_one_dialog(trained, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append((title, text)))
    path = tmp_path / "h.csv"
    fill_disk(monkeypatch, where="fsync")
    assert not trained._guarded(lambda: trained.export("history", str(path)))
    assert shown == [("Could not save", f"{path}: could not be saved ({ENOSPC}); no file was written")]
    assert not path.exists()
