"""Docks: every view placed where its class says, the controls dock, and the default sizes.

A view (or the lesson view) declares ``key``, ``title``, ``dock_area`` and
either ``dock_cell = (row, column)`` with ``dock_width`` (its share of the
row, in per cent) or ``dock_tab`` (the key of the view it sits behind). The
window hands its widgets to ``DockLayout`` and does no placing of its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from PySide6.QtCore import QByteArray, QEvent, QObject, Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QScrollArea, QVBoxLayout, QWidget

__all__ = ["DockLayout", "build_controls_dock"]


class DockLayout:
    """One dock per widget, arranged as the widgets declare: cells form a grid of rows in
    their dock area (rows stacked, columns side by side), tabs sit behind their anchor."""

    def __init__(self, window: QMainWindow, widgets: dict, others: Iterable[QDockWidget] = ()):
        """``others``: docks the window placed itself (the controls): View > Reset layout
        brings them back too, and the views share what they leave of the window's width."""
        self.window = window
        self.others = tuple(others)
        self.docks: dict[str, QDockWidget] = {}
        for key, widget in widgets.items():
            dock = QDockWidget(widget.title, window)
            dock.setObjectName(f"{key}Dock")
            dock.setWidget(widget)
            self.docks[key] = dock
        #: area -> rows, top to bottom, of (key, width share), left to right
        self.rows: dict[Qt.DockWidgetArea, list[list[tuple[str, int]]]] = {}
        grid: dict = defaultdict(lambda: defaultdict(list))
        for key, widget in widgets.items():
            if widget.dock_cell is not None:
                row, column = widget.dock_cell
                grid[widget.dock_area][row].append((column, key, widget.dock_width))
        for area, rows in grid.items():
            self.rows[area] = [[(key, width) for _, key, width in sorted(rows[r])] for r in sorted(rows)]
        self.tabs = [(key, widget.dock_tab) for key, widget in widgets.items() if widget.dock_cell is None]
        unknown = [anchor for _, anchor in self.tabs if anchor not in self.docks]
        if unknown:
            raise ValueError(f"dock_tab names no view: {', '.join(map(repr, unknown))}")

    def place(self) -> None:
        window, docks = self.window, self.docks
        central = QWidget()  # the docks share the whole window
        central.setMaximumSize(0, 0)
        window.setCentralWidget(central)
        window.setDockNestingEnabled(True)
        for area, rows in self.rows.items():
            heads = [docks[row[0][0]] for row in rows]
            window.addDockWidget(area, heads[0])
            for above, below in zip(heads, heads[1:]):
                window.splitDockWidget(above, below, Qt.Vertical)
            for row in rows:
                for (left, _), (right, _) in zip(row, row[1:]):
                    window.splitDockWidget(docks[left], docks[right], Qt.Horizontal)
        placed = {key for rows in self.rows.values() for row in rows for key, _ in row}
        pending = list(self.tabs)
        while pending:  # a tab may sit behind another tab: place each once its anchor is
            ready = [(key, anchor) for key, anchor in pending if anchor in placed]
            if not ready:
                raise ValueError(f"dock_tab cycle among {', '.join(key for key, _ in pending)}")
            for key, anchor in ready:
                window.tabifyDockWidget(docks[anchor], docks[key])
                placed.add(key)
                pending.remove((key, anchor))
        self.raise_fronts()

    def raise_fronts(self) -> None:
        """The view that owns a cell is the front tab of its group."""
        for rows in self.rows.values():
            for row in rows:
                for key, _ in row:
                    self.docks[key].raise_()

    def default_sizes(self) -> None:
        """Rows share the height equally; each row shares the width as its views declare."""
        window, docks = self.window, self.docks
        width = max(600, window.width() - sum(dock.width() for dock in self.others))
        height = max(400, window.height() - window.menuBar().height() - window.statusBar().height())
        for rows in self.rows.values():
            if len(rows) > 1:
                heads = [docks[row[0][0]] for row in rows]
                window.resizeDocks(heads, [height // len(rows)] * len(rows), Qt.Vertical)
            for row in rows:
                if len(row) > 1:
                    window.resizeDocks([docks[key] for key, _ in row], [width * share // 100 for _, share in row],
                                       Qt.Horizontal)

    def reset(self, state: QByteArray) -> None:
        """Back to the saved ``state``, every dock docked and shown, default sizes."""
        self.window.restoreState(state)
        for dock in (*self.docks.values(), *self.others):
            dock.setFloating(False)
            dock.show()
        self.raise_fronts()
        self.default_sizes()


class _FitWidth(QObject):
    """Keeps the controls' scroll area wide enough for the panels plus a vertical scroll bar,
    now and whenever rows appear (a data set's options, a longer layer list)."""

    def __init__(self, scroll: QScrollArea):
        super().__init__(scroll)
        self.scroll = scroll
        self.natural = scroll.widget().sizeHint().width()
        self.fit()
        scroll.widget().installEventFilter(self)

    def fit(self) -> None:
        # the first layout's preferred width is the panels' natural width; later only a
        # larger minimum (a new row that cannot shrink) widens it: a long wrapped summary
        # line must not
        need = max(self.natural, self.scroll.widget().minimumSizeHint().width())
        self.scroll.setMinimumWidth(need + self.scroll.verticalScrollBar().sizeHint().width() + 4)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.LayoutRequest:
            self.fit()
        return False


def build_controls_dock(window: QMainWindow, widgets: Iterable[QWidget]) -> tuple[QDockWidget, QScrollArea]:
    """The control panels, stacked in a scroll area, in a dock on the left that cannot be closed."""
    inner = QWidget()
    box = QVBoxLayout(inner)
    box.setContentsMargins(6, 6, 6, 6)
    for widget in widgets:
        box.addWidget(widget)
    box.addStretch(1)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(inner)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
    scroll.fit_width = _FitWidth(scroll)  # nothing is ever clipped
    dock = QDockWidget("Controls", window)
    dock.setObjectName("controlsDock")
    dock.setWidget(scroll)
    dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable)
    window.addDockWidget(Qt.LeftDockWidgetArea, dock)
    return dock, scroll
