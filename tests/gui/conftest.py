"""Fixtures for driving the real window offscreen."""

import pytest

from engine.config import Config

SMALL = {
    "data": {"name": "moons", "n_samples": 200, "noise": 0.2, "val_fraction": 0.2, "seed": 0},
    "model": {"hidden": [6, 6], "activation": "tanh", "init": "xavier"},
    "train": {"optimizer": "adam", "lr": 0.03, "epochs": 100000, "batch_size": 32, "seed": 0},
}


@pytest.fixture(scope="session", autouse=True)
def private_settings(tmp_path_factory):
    """QSettings go to a temporary folder: tests never read or write the user's own."""
    try:
        from PySide6.QtCore import QSettings
    except ImportError:  # engine-only environments
        yield None
        return
    folder = tmp_path_factory.mktemp("settings")
    QSettings.setDefaultFormat(QSettings.IniFormat)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(folder))
    yield folder


@pytest.fixture
def window(qtbot):
    from PySide6.QtCore import QSettings

    from gui.app import create_window

    QSettings().clear()  # each test starts with no recent files or saved layout of an earlier one
    w = create_window(Config.from_dict(SMALL))
    w.speed_slider.setValue(w.speed_slider.maximum())  # tests train at full speed (the app starts at 100 steps/s)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.shutdown()
