"""Docks and the window's size: every view placed where its class says, the controls dock,
the default sizes, and a window that fits the screen it opens on.

A view (or the lesson view) declares ``key``, ``title``, ``dock_area`` and
either ``dock_cell = (row, column)`` with ``dock_width`` (its share of the
row, in per cent) or ``dock_tab`` (the key of the view it sits behind). The
window hands its widgets to ``DockLayout`` and does no placing of its own.

The first window takes ``FIRST_SHARE`` of the screen's available area (up to
``FIRST_MAX``), centred; a saved geometry that no longer fits (a smaller
screen, a projector) is shrunk and moved onto it. The controls keep the width
their rows need while the window grows or shrinks: the views get the rest. A
window too small for two rows of views stacks them as tabs (``COMPACT_HEIGHT``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from PySide6.QtCore import QByteArray, QEvent, QObject, QRect, QSize, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow, QScrollArea, QVBoxLayout, QWidget

__all__ = ["FIRST_MAX", "FIRST_SHARE", "DockLayout", "build_controls_dock", "clamp_rect", "first_rect",
           "fit_to_screen", "place_first"]

QWIDGETSIZE_MAX = (1 << 24) - 1  # Qt's "no maximum"
#: below this window height, or this width left to the views, the default layout has one row
#: of views (the others are tabs behind them): two rows there leave every plot unreadable
COMPACT_HEIGHT = 600
COMPACT_WIDTH = 640
#: the first window's share of the screen's available width and height
FIRST_SHARE = 0.9
#: and its largest size: on a big monitor the views stay a readable size and the window leaves room
FIRST_MAX = QSize(1680, 1050)


def first_rect(available: QRect, minimum: QSize | None = None) -> QRect:
    """The first window's frame on a screen whose free area is ``available``: ``FIRST_SHARE``
    of it, at most ``FIRST_MAX``, at least ``minimum`` (while that fits), centred.
    A pure function of the rectangles, so it is tested without a screen of that size."""
    minimum = minimum or QSize(0, 0)
    width = min(int(available.width() * FIRST_SHARE), FIRST_MAX.width())
    height = min(int(available.height() * FIRST_SHARE), FIRST_MAX.height())
    width = min(max(width, minimum.width()), available.width())
    height = min(max(height, minimum.height()), available.height())
    rect = QRect(0, 0, width, height)
    rect.moveCenter(available.center())
    return rect


def clamp_rect(frame: QRect, available: QRect) -> QRect:
    """``frame`` no larger than ``available`` and moved inside it (a saved window from a
    bigger screen); a frame that fits already comes back unchanged."""
    width, height = min(frame.width(), available.width()), min(frame.height(), available.height())
    x = min(max(frame.x(), available.x()), available.x() + available.width() - width)
    y = min(max(frame.y(), available.y()), available.y() + available.height() - height)
    return QRect(x, y, width, height)


def _frame_margins(window: QWidget) -> tuple[int, int, int, int]:
    """left, top, right, bottom of the window manager's frame (0 before the window has one)."""
    frame, inner = window.frameGeometry(), window.geometry()
    return (max(0, inner.left() - frame.left()), max(0, inner.top() - frame.top()),
            max(0, frame.right() - inner.right()), max(0, frame.bottom() - inner.bottom()))


def _set_frame(window: QWidget, frame: QRect) -> None:
    """Give ``window`` the outer rectangle ``frame`` (its contents get what the frame leaves)."""
    left, top, right, bottom = _frame_margins(window)
    window.resize(frame.width() - left - right, frame.height() - top - bottom)
    window.move(frame.x(), frame.y())  # move() places the frame's corner


def place_first(window: QWidget) -> None:
    """The first start's size and place, on the screen the window opens on."""
    screen = window.screen()
    if screen is not None:
        _set_frame(window, first_rect(screen.availableGeometry(), window.minimumSizeHint()))


def fit_to_screen(window: QWidget) -> bool:
    """Shrink and move a (restored) window that does not fit its screen's available area;
    True when it had to. A maximised or full-screen window is the window system's to size."""
    screen = window.screen()
    if screen is None or window.isMaximized() or window.isFullScreen():
        return False
    available = screen.availableGeometry()
    frame = window.frameGeometry()
    fitted = clamp_rect(frame, available)
    if fitted == frame:
        return False
    _set_frame(window, fitted)
    return True


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
        """The controls as narrow as their rows allow; the views share the rest: rows share
        the height equally, each row shares the width as its views declare."""
        window, docks = self.window, self.docks
        shown = [dock for dock in self.others if dock.isVisible() and not dock.isFloating()]
        for dock in shown:
            keeper = getattr(dock, "keep_width", None)
            if keeper is not None:
                keeper.hold(dock.minimumSizeHint().width())
        width = max(600, window.width() - sum(dock.minimumSizeHint().width() for dock in shown))
        height = max(400, window.height() - window.menuBar().height() - window.statusBar().height())
        compact = window.height() < COMPACT_HEIGHT or width < COMPACT_WIDTH
        for rows in self.rows.values():
            if compact and len(rows) > 1:
                self._stack_rows(rows)
                continue
            if len(rows) > 1:
                heads = [docks[row[0][0]] for row in rows]
                window.resizeDocks(heads, [height // len(rows)] * len(rows), Qt.Vertical)
            for row in rows:
                if len(row) > 1:
                    window.resizeDocks([docks[key] for key, _ in row], [width * share // 100 for _, share in row],
                                       Qt.Horizontal)

    def _stack_rows(self, rows: list[list[tuple[str, int]]]) -> None:
        """A small window (a low screen, a projector at 2x): the lower rows' views become tabs
        behind the first row's, column by column, so each view gets the whole height."""
        window, docks = self.window, self.docks
        top = rows[0]
        for row in rows[1:]:
            for column, (key, _) in enumerate(row):
                anchor = docks[top[min(column, len(top) - 1)][0]]
                for dock in (docks[key], *window.tabifiedDockWidgets(docks[key])):
                    if dock is not anchor and dock not in window.tabifiedDockWidgets(anchor):
                        window.tabifyDockWidget(anchor, dock)
        for key, _ in top:
            docks[key].raise_()
        if len(top) > 1:
            width = max(600, window.width() - sum(dock.width() for dock in self.others))
            window.resizeDocks([docks[key] for key, _ in top], [width * share // 100 for _, share in top],
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


class _KeepWidth(QObject):
    """The controls dock keeps its width when the window is resized (maximised, moved to a
    larger screen): QMainWindow would hand all the new width to the first dock area, the
    controls, while the docks share a window with no central widget. A width the user drags
    the separator to is kept the same way."""

    def __init__(self, window: QMainWindow, dock: QDockWidget):
        super().__init__(dock)
        self.window, self.dock = window, dock
        self.window_size = window.size()
        self.width: int | None = None  # known once the window has been shown and laid out
        self.pending = False  # a window resize whose layout has not settled yet
        window.installEventFilter(self)
        dock.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Resize:
            if watched is self.dock and not self.pending and self.window.size() == self.window_size:
                self.record()  # dragged, or set by the layout: the width to keep
            elif watched is self.window:
                self.window_size = self.window.size()
                self.pending = True
                # the first size (the window shown) is the layout's own; later ones keep the width
                keep = event.oldSize().isValid() and self.width is not None
                QTimer.singleShot(0, self, self.restore if keep else self.record)
        return False

    def record(self) -> None:
        self.pending = False
        if self.dock.isVisible():
            self.width = self.dock.width()

    def hold(self, width: int) -> None:
        """From now on, keep the dock ``width`` wide (or as narrow as its rows allow)."""
        self.width = width
        self.restore()

    def restore(self) -> None:
        dock, width = self.dock, self.width
        self.pending = False
        if width is None or not dock.isVisible() or dock.isFloating() or dock.width() == width:
            return
        # resizeDocks cannot take width from a lone dock area beside a central widget that
        # takes none; a maximum width for one layout pass hands it to the views, in their shares
        dock.setMaximumWidth(max(width, dock.minimumSizeHint().width()))
        QTimer.singleShot(0, self, self._release)

    def _release(self) -> None:
        self.dock.setMaximumWidth(QWIDGETSIZE_MAX)
        self.record()


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
    dock.keep_width = _KeepWidth(window, dock)
    return dock, scroll
