"""What the app remembers between runs (QSettings): window layout, last configuration, recent files.

Every value read back is checked; a corrupt or foreign entry (a configuration
nested too deeply to parse, a list of recent files holding numbers, a layout
that is not bytes) is logged and ignored, never allowed to crash the start.
A write that fails is not ignored either: ``sync`` says where and why, and
``save_on_close`` logs it and returns False.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow

from engine import jsonfile
from engine.config import Config, ConfigError

from .docks import fit_to_screen

log = logging.getLogger(__name__)
MAX_RECENT = 8
_T = TypeVar("_T")

_PROBLEMS = {QSettings.AccessError: "the file or its folder cannot be written",
             QSettings.FormatError: "the file is not a settings file Qt can read"}


class Store:
    def __init__(self, settings: QSettings | None = None):
        self.settings = settings or QSettings()
        if self.settings.status() != QSettings.NoError:
            log.warning("settings: %s", self._problem("read from"))

    def _problem(self, doing: str) -> str:
        why = _PROBLEMS.get(self.settings.status(), str(self.settings.status()))
        return f"Settings could not be {doing} {self.settings.fileName()} ({why})"

    def _value(self, key: str) -> object:
        """The stored value, or None (logged) when Qt cannot even decode it."""
        try:
            return self.settings.value(key)
        except (RuntimeError, TypeError, ValueError) as err:
            log.warning("settings: ignoring %s (%s)", key, err)
            return None

    def _get(self, key: str, kind: type[_T]) -> _T | None:
        value = self._value(key)
        if value is None:
            return None
        if not isinstance(value, kind):
            log.warning("settings: ignoring %s (expected %s, found %s)", key, kind.__name__, type(value).__name__)
            return None
        return value

    def sync(self) -> str | None:
        """Write what was set to disk now; None when that worked, else a message naming the file and why."""
        self.settings.sync()
        if self.settings.status() == QSettings.NoError:
            return None
        return self._problem("saved to")

    # -- window ---------------------------------------------------------------------
    def save_window(self, window: QMainWindow) -> None:
        self.settings.beginGroup("window")
        self.settings.setValue("geometry", window.saveGeometry())
        self.settings.setValue("state", window.saveState())
        self.settings.endGroup()

    def save_on_close(self, window: QMainWindow, config: Config | None) -> bool:
        """What a close keeps: the window's layout and the configuration in use, written now.
        False (and a warning in the log, so on the terminal) when they could not be written."""
        self.save_window(window)
        if config is not None:
            self.save_config(config)
        problem = self.sync()
        if problem is not None:
            log.warning("%s: the layout and configuration of this session are not kept", problem)
            return False
        return True

    def restore_window(self, window: QMainWindow) -> bool:
        """Geometry and dock layout as saved; True when a dock layout was restored. A saved
        geometry that no longer fits the screen (a smaller one, a projector) is shrunk onto it."""
        geometry = self._get("window/geometry", QByteArray)
        if geometry is not None and not window.restoreGeometry(geometry):
            log.warning("settings: ignoring window/geometry (not valid for this screen set-up)")
        elif geometry is not None and fit_to_screen(window):
            log.info("settings: the saved window was larger than this screen: fitted to it")
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
        try:  # the one JSON reader (engine/jsonfile.py): nesting, long integers, non-finite numbers
            return Config.from_dict(jsonfile.parse(text, "session/config"))
        except RecursionError:  # a guard: jsonfile refuses deep nesting before parsing
            log.warning("settings: ignoring session/config (nested too deeply to be a configuration)")
        except (ValueError, TypeError, ArithmeticError, ConfigError) as err:
            log.warning("settings: ignoring session/config (%s)", err)
        return None

    # -- transport ---------------------------------------------------------------------------
    def speed(self, choices: list) -> tuple[bool, float | None]:
        """(True, the speed saved last) when it is one of ``choices`` (None: full speed), else
        (False, None): nothing saved yet, or something that is not a speed."""
        value = self._value("transport/speed")
        if value is None:
            return False, None
        if str(value) == "full":
            return True, None
        try:
            speed = float(value)
        except (TypeError, ValueError):
            log.warning("settings: ignoring transport/speed (not a speed: %r)", str(value)[:40])
            return False, None
        matches = [c for c in choices if c is not None and c == speed]
        if not matches:
            log.warning("settings: ignoring transport/speed (%s is not a speed of the slider)", speed)
            return False, None
        return True, matches[0]

    def save_speed(self, speed: float | None) -> None:
        self.settings.setValue("transport/speed", "full" if speed is None else str(speed))

    # -- recent files ------------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        """The recent configuration files that still exist, newest first; entries that are
        not paths (numbers, empty text, a name no file system takes) are left out, with a note."""
        value = self._value("files/recent")
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            log.warning("settings: ignoring files/recent (not a list of paths)")
            return []
        paths = [v for v in value if isinstance(v, str) and v]
        if len(paths) < len(value):
            log.warning("settings: ignoring %d entries of files/recent that are not paths", len(value) - len(paths))
        return [p for p in paths if _is_file(p)][:MAX_RECENT]

    def add_recent(self, path: str) -> list[str]:
        path = str(Path(path).resolve())
        files = [path] + [p for p in self.recent_files() if p != path]
        files = files[:MAX_RECENT]
        self.settings.setValue("files/recent", files)
        return files


def _is_file(path: str) -> bool:
    """Whether ``path`` names an existing file; False for what no file system takes
    (a NUL character, a name too long)."""
    try:
        return Path(path).is_file()
    except (OSError, ValueError):
        return False
