"""The view contract: every live view is a QWidget with these four members."""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtWidgets import QWidget


class View(QWidget):
    """A live view. The window calls ``set_context`` for each new session, then
    ``update_snapshot`` with the latest snapshot on its redraw timer (only while
    the view is visible), and ``reset`` when a run starts over."""

    key: ClassVar[str] = ""
    title: ClassVar[str] = ""
    #: True when the view draws the decision boundary (the session then computes it).
    needs_boundary: ClassVar[bool] = False

    def set_context(self, config, split) -> None:
        raise NotImplementedError

    def update_snapshot(self, snap) -> None:
        raise NotImplementedError

    def reset(self, keep_ghost: bool = True) -> None:
        raise NotImplementedError
