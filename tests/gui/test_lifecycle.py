"""A lab hour without a leak or an abort: every finished or replaced run is freed, and a
close (or a change) in the middle of a long step neither aborts nor loses the settings."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap
import weakref
from pathlib import Path

import pytest

from benchmarks.soak import rss_mb  # the soak's own reading of /proc/self/status
from engine import session as session_module

ROOT = Path(__file__).resolve().parents[2]




@pytest.fixture
def sessions(monkeypatch):
    """Every Session built from now on, held weakly."""
    alive: weakref.WeakSet = weakref.WeakSet()
    init = session_module.Session.__init__

    def tracked(self, *args, **kwargs):
        init(self, *args, **kwargs)
        alive.add(self)
    monkeypatch.setattr(session_module.Session, "__init__", tracked)
    return alive


def _cycle(qtbot, window, i: int) -> None:
    """Play, pause, step, reset, new weights, change the data, change the architecture."""
    def epoch():
        return window.latest.epoch if window.latest is not None else -1

    def trained():
        return window.latest is not None and window.latest.step > 0

    window.play_pause()
    qtbot.waitUntil(trained, timeout=5000)
    window.play_pause()
    qtbot.waitUntil(lambda: window.controller.phase == "paused", timeout=5000)
    before = epoch()
    window.step_epoch()
    qtbot.waitUntil(lambda: epoch() > before and window.controller.phase == "paused", timeout=5000)
    window.reset_run()
    window.reinitialize()
    window.data_panel.noise.setValue(0.1 + 0.05 * (i % 4))
    qtbot.waitUntil(lambda: window.session.config.data.noise == pytest.approx(0.1 + 0.05 * (i % 4)), timeout=5000)
    width = 6 + i % 3
    window.network_panel.layers.rows[0][1].setValue(width)
    qtbot.waitUntil(lambda: window.session.config.model.hidden[0] == width, timeout=5000)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads RSS from /proc")
def test_a_hundred_cycles_free_every_old_run(qtbot, window, sessions):
    for i in range(10):  # warm-up: imports, caches, pyqtgraph's first items
        _cycle(qtbot, window, i)
    gc.collect()
    start = rss_mb()
    for i in range(100):
        _cycle(qtbot, window, i)
    window.controller.shutdown()
    qtbot.waitUntil(lambda: window.controller.parked() == [], timeout=5000)
    qtbot.wait(50)  # deferred deletes of the last worker
    gc.collect()
    grown = rss_mb() - start
    print(f"RSS {start:.0f} -> {start + grown:.0f} MB over 100 cycles, {len(sessions)} session(s) alive")
    assert [s for s in sessions] == [window.session]  # only the current session is alive
    assert grown < 30, f"RSS grew {grown:.1f} MB over 100 cycles"


def test_a_finished_run_releases_its_session(qtbot):
    from engine.config import Config
    from engine.session import Session
    from gui.controller import TrainingController

    c = TrainingController()
    s = Session(Config.from_dict({"data": {"name": "moons", "n_samples": 100},
                                  "model": {"hidden": [4]}, "train": {"epochs": 3}}))
    c.set_session(s)
    finished = []
    c.finished.connect(finished.append)
    c.play()
    qtbot.waitUntil(lambda: finished == ["completed"], timeout=5000)
    handle_worker_session = weakref.ref(s)
    c.set_session(Session(s.config))
    del s
    gc.collect()
    assert handle_worker_session() is None  # nothing kept the finished run's session
    c.shutdown()


_SLOW_CLOSE = """
import os, sys, time
sys.path.insert(0, {root!r})
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication
from benchmarks.soak import rss_mb  # the soak's own reading of /proc/self/status
from engine import session as session_module
from engine.config import Config
from gui.app import create_window

QSettings.setDefaultFormat(QSettings.IniFormat)
QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, {settings!r})
app = QApplication([])
train = session_module.Session._train
def slow_train(self, *args, **kwargs):  # every stretch of training takes 3 s
    time.sleep(3)
    return train(self, *args, **kwargs)
session_module.Session._train = slow_train
window = create_window(Config.from_dict({{"data": {{"name": "moons", "n_samples": 100}},
                                         "model": {{"hidden": [4]}}, "train": {{"epochs": 1000}}}}))
window.show()
marks = {{}}
def tick():
    marks.setdefault("gaps", []).append(time.perf_counter())
ticker = QTimer(); ticker.setInterval(20); ticker.timeout.connect(tick); ticker.start()
def act():
    if {change!r}:
        combo = window.network_panel.activation
        combo.setCurrentIndex(combo.findData("relu"))
    window.close()
    QTimer.singleShot(100, app.quit)
QTimer.singleShot(200, window.play_pause)
QTimer.singleShot(1200, act)
app.exec()
times = marks["gaps"]
print("LONGEST_GAP", max(b - a for a, b in zip(times, times[1:])))
"""


@pytest.mark.parametrize("change", [False, True], ids=["close", "change-then-close"])
def test_closing_in_a_long_step_neither_aborts_nor_loses_the_settings(tmp_path, change):
    settings = tmp_path / "settings"
    script = tmp_path / "slow_close.py"
    script.write_text(textwrap.dedent(_SLOW_CLOSE.format(root=str(ROOT), settings=str(settings), change=change)))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    assert "Destroyed while thread" not in done.stderr
    assert "finishing the current training step before quitting" in done.stderr
    ini = next(settings.rglob("*.ini")).read_text()
    assert "config=" in ini and ("relu" in ini) == change  # the configuration in use was written
    gap = float(done.stdout.split("LONGEST_GAP")[1])
    assert gap < 1.0, f"the window froze {gap:.2f} s"  # the 3 s step never froze the window
