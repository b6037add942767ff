"""Guard for the PySide6 pin: 6.12.0 on Python 3.11 leaks a reference to None per
void call and, after some thousands of calls, aborts with
``Fatal Python error: none_dealloc``. 6.11.3 does not."""

import sys

import pytest

PySide6 = pytest.importorskip("PySide6")


def test_pyside6_is_the_pinned_version():
    assert PySide6.__version__ == "6.11.3", (
        "PySide6-Essentials must stay pinned to 6.11.3: 6.12.0 on Python 3.11 leaks a "
        "reference to None per void call and aborts with 'none_dealloc'"
    )


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12 on")
def test_void_calls_do_not_leak_references_to_none(qapp):
    from PySide6.QtWidgets import QWidget

    widget = QWidget()
    for i in range(200):  # warm caches before counting
        widget.setWindowTitle(f"w{i}")
        widget.setObjectName(f"o{i}")
    before = sys.getrefcount(None)
    for _ in range(5000):
        widget.setWindowTitle("title")  # void C++ calls: each returns None to Python
        widget.setObjectName("name")
        widget.setToolTip("tip")
    drift = sys.getrefcount(None) - before
    assert abs(drift) < 100, f"None's reference count drifted by {drift} over 15000 void calls"
