"""What a lesson holds on the window's controls: locks, hides, and the padlock marks.

Each hold is one change with its ``undo``: ``Lock`` disables a control and marks it
(a padlock before its row's label, or on a control without one), ``Hide`` takes a
control out of sight with its form row, ``HideView`` closes a view's dock. The
panels keep calling ``setRowVisible`` and ``setEnabled`` on their own rows; a held
form row or locked control remembers the panel's last wish instead of obeying it,
and ``undo`` gives the panel what it asked for. gui/classroom.py decides what to hold.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QAction, QColor, QIcon, QPainter, QPainterPath, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QDockWidget,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSlider,
    QToolBar,
    QToolButton,
    QWidget,
)

if TYPE_CHECKING:
    from .main_window import MainWindow

__all__ = ["LOCK_COLOUR", "LOCK_TIP", "NEVER_HELD", "Badges", "FormGuard", "Hide", "HideView", "Lock", "describe",
           "key_icon", "lesson_controls", "padlock_pixmap"]

LOCK_TIP = "Locked by the lesson — Teacher mode unlocks it"
LOCK_COLOUR = "#B7791F"  # amber: "locked", readable on a light and a dark palette
#: the way out of a lesson is never locked or hidden by one
NEVER_HELD = frozenset({"teacherModeButton"})
PANELS = ("data_panel", "network_panel", "training_panel")


# -- the marks -------------------------------------------------------------------------------
def _canvas(size: int, ratio: float) -> tuple[QPixmap, QPainter]:
    pixmap = QPixmap(round(size * ratio), round(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.Antialiasing)
    return pixmap, painter


def padlock_pixmap(size: int, ratio: float = 1.0) -> QPixmap:
    """A small amber padlock, drawn (no emoji font is needed): the mark of a locked control."""
    pixmap, p = _canvas(size, ratio)
    s = float(size)
    colour = QColor(LOCK_COLOUR)
    p.setPen(QPen(colour, max(1.5, s * 0.13), Qt.SolidLine, Qt.RoundCap))
    p.drawArc(QRectF(s * 0.30, s * 0.08, s * 0.40, s * 0.52), 0, 180 * 16)  # the shackle
    p.drawLine(QPointF(s * 0.30, s * 0.34), QPointF(s * 0.30, s * 0.48))
    p.drawLine(QPointF(s * 0.70, s * 0.34), QPointF(s * 0.70, s * 0.48))
    p.setPen(Qt.NoPen)
    p.setBrush(colour)
    p.drawRoundedRect(QRectF(s * 0.16, s * 0.44, s * 0.68, s * 0.50), s * 0.08, s * 0.08)
    p.setBrush(QColor("#3a2a08"))
    p.drawEllipse(QPointF(s * 0.5, s * 0.64), s * 0.07, s * 0.07)  # the keyhole
    p.drawRect(QRectF(s * 0.47, s * 0.66, s * 0.06, s * 0.16))
    p.end()
    return pixmap


def key_icon() -> QIcon:
    """A key, drawn at a few sizes: the Teacher-mode toggle's icon."""
    icon = QIcon()
    for size in (16, 24, 32, 48):
        pixmap, p = _canvas(size, 1.0)
        s = float(size)
        pen = QPen(QColor(LOCK_COLOUR), max(1.6, s * 0.12), Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin)
        p.setPen(pen)
        p.drawEllipse(QPointF(s * 0.28, s * 0.5), s * 0.17, s * 0.17)  # the bow
        shaft = QPainterPath(QPointF(s * 0.45, s * 0.5))
        shaft.lineTo(s * 0.92, s * 0.5)
        shaft.moveTo(s * 0.78, s * 0.5)
        shaft.lineTo(s * 0.78, s * 0.68)  # two teeth
        shaft.moveTo(s * 0.66, s * 0.5)
        shaft.lineTo(s * 0.66, s * 0.64)
        p.drawPath(shaft)
        p.end()
        icon.addPixmap(pixmap)
    return icon


class _Badge(QWidget):
    """The padlock on a host widget: before a row label's text (the label makes room for it),
    or, on a control without a label, just after a button's text or at the control's right."""

    def __init__(self, host: QWidget, before_text: bool):
        super().__init__(host)
        self.setObjectName("lockBadge")
        self.host = host
        self.before_text = before_text
        side = max(12, host.fontMetrics().height())
        if isinstance(host, QToolButton):  # an emblem on the button's icon, not over its text
            side = max(10, round(host.iconSize().height() * 0.7))
        ratio = host.devicePixelRatioF()
        self.mark = padlock_pixmap(side, ratio)
        self.setFixedSize(side, side)
        self.setToolTip(LOCK_TIP)
        self._margins = host.contentsMargins()
        if before_text:
            m = self._margins
            host.setContentsMargins(m.left() + side + 3, m.top(), m.right(), m.bottom())
        host.installEventFilter(self)
        self.place()
        self.show()

    def place(self) -> None:
        host, side = self.host, self.width()
        y = max(0, (host.height() - side) // 2)
        if self.before_text:
            x = self._margins.left()
            if isinstance(host, QLabel) and host.alignment() & Qt.AlignRight:  # text set against the field
                x = max(0, host.width() - host.contentsMargins().right() - side - 3
                        - host.fontMetrics().horizontalAdvance(host.text()))
        elif isinstance(host, QToolButton):
            x = host.iconSize().width() - side // 2 + 3
            y = host.height() - side - 1
        elif isinstance(host, QAbstractButton):
            x = min(host.sizeHint().width() + 2, host.width() - side)
        else:
            x = host.width() - side - 2
        self.move(max(0, x), y)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        """In colour even on a disabled control (a QLabel would grey its pixmap)."""
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self.mark)
        painter.end()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.host and event.type() in (QEvent.Resize, QEvent.Show, QEvent.LayoutRequest):
            self.place()
        return False

    def remove(self) -> None:
        if shiboken6.isValid(self.host):
            self.host.removeEventFilter(self)
            if self.before_text:
                self.host.setContentsMargins(self._margins)
        if shiboken6.isValid(self):
            self.hide()
            self.setParent(None)
            self.deleteLater()


# -- where a control sits ---------------------------------------------------------------------
def _form_row(widget: QWidget) -> tuple[QFormLayout, QWidget] | None:
    """The form layout whose row holds ``widget``, and that row's field: the widget itself, or
    the row's container it sits in (a learning-rate box beside its slider)."""
    child, parent = widget, widget.parentWidget()
    for _ in range(4):  # a panel's field is at most a few levels above a control
        if parent is None:
            return None
        layout = parent.layout()
        if isinstance(layout, QFormLayout):
            row, _role = layout.getWidgetPosition(child)
            if row >= 0:
                return layout, child
        child, parent = parent, parent.parentWidget()
    return None


def _row_label(widget: QWidget) -> QLabel | None:
    found = _form_row(widget)
    if found is None:
        return None
    form, field = found
    label = form.labelForField(field)
    return label if isinstance(label, QLabel) and label.text() else None


def describe(widget: QWidget) -> str:
    """A control as a student sees it: its row's label, and which part of the row it is."""
    own = widget.text().replace("&", "") if isinstance(widget, QAbstractButton) else ""
    label = _row_label(widget)
    row = label.text().replace("&", "") if label is not None else ""
    found = _form_row(widget)
    nested = found is not None and found[1] is not widget
    layer = re.fullmatch(r"layer(Width|Activation)(\d+)", widget.objectName())
    if layer:
        return f"Layer {layer.group(2)} {layer.group(1).lower()}"
    tip = re.split(r"[:.;(]", widget.toolTip(), maxsplit=1)[0].strip()
    if not nested:
        return row or own or (tip if 0 < len(tip) <= 40 else widget.objectName())
    kind = next((word for cls, word in ((QSlider, "slider"), (QComboBox, "list"), (QAbstractSpinBox, "box"),
                                        (QLineEdit, "text")) if isinstance(widget, cls)), "")
    part = own or kind or widget.objectName()
    if not own and kind:  # two lists side by side (the plane's x and y): first, second
        alike = [w for w in found[1].findChildren(type(widget), options=Qt.FindDirectChildrenOnly)]
        if len(alike) > 1 and widget in alike:
            part = f"{kind} {alike.index(widget) + 1}"
    return f"{row} — {part}" if row else part


def lesson_controls(window: MainWindow) -> list[tuple[str, str]]:
    """(objectName, description) of every control a lesson can lock or hide: the panels' named
    inputs and the transport bar's buttons and slider, in the order they appear."""
    kinds = (QComboBox, QAbstractSpinBox, QAbstractButton, QSlider, QLineEdit)
    hosts = [getattr(window, name) for name in PANELS if hasattr(window, name)]
    bar = window.findChild(QToolBar, "transportBar")
    if bar is not None:
        hosts.append(bar)
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for host in hosts:
        for widget in host.findChildren(QWidget):
            name = widget.objectName()
            if (not name or name.startswith("qt_") or name in seen or name in NEVER_HELD
                    or not (isinstance(widget, kinds) or name == "layerEditor")
                    or isinstance(widget.parentWidget(), (QAbstractSpinBox, QComboBox))):
                continue
            seen.add(name)
            out.append((name, describe(widget)))
    return out


# -- holds: one change the lesson made, and how to undo it ------------------------------------
class FormGuard:
    """Rows of one form layout kept hidden: the panel's own ``setRowVisible`` calls on them
    are remembered (``wanted``) and done once the row is released."""

    def __init__(self, form: QFormLayout):
        self.form = form
        self.original: Callable[..., None] = form.setRowVisible
        self.wanted: dict[QWidget, bool] = {}
        form.setRowVisible = self._set_row_visible  # the panels call it from Python: this is seen

    def _field(self, where: object) -> QWidget | None:
        if isinstance(where, int):
            item = self.form.itemAt(where, QFormLayout.FieldRole) or self.form.itemAt(where, QFormLayout.SpanningRole)
            return item.widget() if item is not None else None
        return where if isinstance(where, QWidget) else None

    def _set_row_visible(self, where: object, on: bool) -> None:
        field = self._field(where)
        if field in self.wanted:
            self.wanted[field] = on
            on = False
        self.original(where, on)

    def hold(self, field: QWidget) -> None:
        if field not in self.wanted:
            self.wanted[field] = self.form.isRowVisible(field)
        self.original(field, False)

    def release_all(self) -> None:
        if shiboken6.isValid(self.form):
            del self.form.setRowVisible
            for field, on in self.wanted.items():
                if shiboken6.isValid(field) and self.form.getWidgetPosition(field)[0] >= 0:
                    self.form.setRowVisible(field, on)
        self.wanted.clear()


class Lock:
    """A disabled, marked control; the panel's ``setEnabled`` calls meanwhile are remembered."""

    def __init__(self, widget: QWidget, badges: Badges):
        self.widget = widget
        self.wanted = not widget.testAttribute(Qt.WA_ForceDisabled)
        self.tip = widget.toolTip()
        widget.setEnabled = self._set_enabled
        widget.setDisabled = lambda off: self._set_enabled(not off)
        QWidget.setEnabled(widget, False)
        widget.setToolTip(f"{LOCK_TIP}.\n\n{self.tip}" if self.tip else LOCK_TIP)
        self.action = widget.defaultAction() if isinstance(widget, QToolButton) else None
        if self.action is not None:  # a transport button: its shortcut and menu entry are locked too
            self.action_state = (self.action.isEnabled(), self.action.toolTip())
            self.action.setEnabled(False)
            self.action.setToolTip(LOCK_TIP)
        self.badges = badges
        badges.add(widget)

    def _set_enabled(self, on: bool) -> None:
        self.wanted = bool(on)

    def undo(self) -> None:
        self.badges.discard(self.widget)
        if self.action is not None and shiboken6.isValid(self.action):
            self.action.setEnabled(self.action_state[0])
            self.action.setToolTip(self.action_state[1])
        if not shiboken6.isValid(self.widget):
            return
        for name in ("setEnabled", "setDisabled"):
            self.widget.__dict__.pop(name, None)
        QWidget.setEnabled(self.widget, self.wanted)
        if self.widget.toolTip().startswith(LOCK_TIP):  # else the panel has set a tooltip of its own since
            self.widget.setToolTip(self.tip)


class Badges:
    """The padlocks shown, one per host (a row label shared by two locked controls has one)."""

    def __init__(self) -> None:
        self.by_host: dict[QWidget, tuple[_Badge, int]] = {}
        self.host_of: dict[QWidget, QWidget] = {}

    def add(self, widget: QWidget) -> None:
        label = _row_label(widget)
        host = label if label is not None else widget
        badge, count = self.by_host.get(host, (None, 0))
        if badge is None:
            badge = _Badge(host, before_text=label is not None)
        self.by_host[host] = (badge, count + 1)
        self.host_of[widget] = host

    def discard(self, widget: QWidget) -> None:
        host = self.host_of.pop(widget, None)
        if host is None or host not in self.by_host:
            return
        badge, count = self.by_host[host]
        if count > 1:
            self.by_host[host] = (badge, count - 1)
        else:
            del self.by_host[host]
            badge.remove()


class Hide:
    """A control out of sight: its form row (label and field) when it is the row's field, or
    the widget alone (and the row once nothing of it is left), or its toolbar entry."""

    def __init__(self, widget: QWidget, guards: Callable[[QFormLayout], FormGuard], held: set[QWidget]):
        self.widget = widget
        self.was_hidden = widget.isHidden()
        self.toolbar_action: QAction | None = None
        self.row: tuple[QFormLayout, QWidget] | None = None
        bar = widget.parentWidget()
        if isinstance(bar, QToolBar):
            self.toolbar_action = next((a for a in bar.actions() if bar.widgetForAction(a) is widget), None)
        if self.toolbar_action is not None:
            self.action_visible = self.toolbar_action.isVisible()
            self.toolbar_action.setVisible(False)
            return
        found = _form_row(widget)
        if found is not None and found[1] is widget:
            guards(found[0]).hold(widget)
            return
        QWidget.setVisible(widget, False)
        held.add(widget)
        if found is not None:
            form, field = found
            parts = [w for w in field.findChildren(QWidget, options=Qt.FindDirectChildrenOnly)]
            if parts and all(part in held for part in parts):  # nothing of the row is left to show
                guards(form).hold(field)

    def undo(self) -> None:
        if self.toolbar_action is not None:
            if shiboken6.isValid(self.toolbar_action):
                self.toolbar_action.setVisible(self.action_visible)
        elif shiboken6.isValid(self.widget) and not self.was_hidden:
            QWidget.setVisible(self.widget, True)


class HideView(QObject):
    """A view's dock closed, its View-menu toggle disabled; shown again (by Reset layout, a
    lesson step) while the lesson holds, it closes again."""

    def __init__(self, dock: QDockWidget):
        super().__init__(dock)
        self.dock = dock
        self.was_shown = not dock.isHidden()
        dock.toggleViewAction().setEnabled(False)
        dock.hide()
        dock.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.dock and event.type() == QEvent.Show:
            QTimer.singleShot(0, self._close_again)
        return False

    def _close_again(self) -> None:
        if shiboken6.isValid(self) and shiboken6.isValid(self.dock) and self.parent() is not None:
            self.dock.hide()

    def undo(self) -> None:
        if not shiboken6.isValid(self.dock):
            return
        self.dock.removeEventFilter(self)
        self.setParent(None)
        self.dock.toggleViewAction().setEnabled(True)
        if self.was_shown:
            self.dock.show()
