"""The view contract: every live view is a QWidget with these members, and says where it docks."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from engine.config import Config
    from engine.datasets import Split
    from engine.snapshot import Snapshot


class View(QWidget):
    """A live view. The window calls ``set_context`` for each new session, then
    ``update_snapshot`` with the latest snapshot on its redraw timer (only while
    the view is visible), and ``reset`` when a run starts over."""

    key: ClassVar[str] = ""
    title: ClassVar[str] = ""
    #: True when the view draws the decision boundary (the session then computes it).
    needs_boundary: ClassVar[bool] = False
    #: Where the window docks it (see gui/docks.py): the dock area, and either a cell of that
    #: area's grid, (row, column), with the share of its row's width in per cent, or the key
    #: of the view it sits behind as a tab.
    dock_area: ClassVar[Qt.DockWidgetArea] = Qt.RightDockWidgetArea
    dock_cell: ClassVar[tuple[int, int] | None] = None
    dock_width: ClassVar[int] = 50
    dock_tab: ClassVar[str | None] = None

    def set_context(self, config: Config, split: Split) -> None:
        raise NotImplementedError

    def update_snapshot(self, snap: Snapshot) -> None:
        raise NotImplementedError

    def reset(self, keep_ghost: bool = True) -> None:
        raise NotImplementedError
