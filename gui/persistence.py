"""What the app remembers between runs (QSettings): window layout, last configuration, recent files.

Every value read back is checked; a corrupt or foreign entry is logged and
ignored, never allowed to crash the start.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow

from engine.config import Config, ConfigError

log = logging.getLogger(__name__)
MAX_RECENT = 8
_T = TypeVar("_T")


class Store:
    def __init__(self, settings: QSettings | None = None):
        self.settings = settings or QSettings()

    def _get(self, key: str, kind: type[_T]) -> _T | None:
        value = self.settings.value(key)
        if value is None:
            return None
        if not isinstance(value, kind):
            log.warning("settings: ignoring %s (expected %s, found %s)", key, kind.__name__, type(value).__name__)
            return None
        return value

    # -- window ---------------------------------------------------------------------
    def save_window(self, window: QMainWindow) -> None:
        self.settings.beginGroup("window")
        self.settings.setValue("geometry", window.saveGeometry())
        self.settings.setValue("state", window.saveState())
        self.settings.endGroup()

    def save_on_close(self, window: QMainWindow, config: Config | None) -> None:
        """What a close keeps: the window's layout and the configuration in use."""
        self.save_window(window)
        if config is not None:
            self.save_config(config)

    def restore_window(self, window: QMainWindow) -> bool:
        """Geometry and dock layout as saved; True when a dock layout was restored."""
        geometry = self._get("window/geometry", QByteArray)
        if geometry is not None and not window.restoreGeometry(geometry):
            log.warning("settings: ignoring window/geometry (not valid for this screen set-up)")
        state = self._get("window/state", QByteArray)
        if state is not None and not window.restoreState(state):
            log.warning("settings: ignoring window/state (not a saved dock layout)")
            return False
        return state is not None

    # -- configuration ------------------------------------------------------------------
    def save_config(self, config: Config) -> None:
        self.settings.setValue("session/config", config.to_json())

    def last_config(self) -> Config | None:
        text = self._get("session/config", str)
        if text is None:
            return None
        try:
            return Config.from_dict(json.loads(text))
        except (ValueError, ConfigError) as err:
            log.warning("settings: ignoring session/config (%s)", err)
            return None

    # -- recent files ------------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        value = self.settings.value("files/recent")
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            log.warning("settings: ignoring files/recent (not a list of paths)")
            return []
        return [v for v in value if Path(v).exists()][:MAX_RECENT]

    def add_recent(self, path: str) -> list[str]:
        path = str(Path(path).resolve())
        files = [path] + [p for p in self.recent_files() if p != path]
        files = files[:MAX_RECENT]
        self.settings.setValue("files/recent", files)
        return files
