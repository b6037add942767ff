"""Diagnostics: plain-language alerts as they happen, and what the words mean.

An alert that persists is updated in place, not repeated; one that clears is
kept, greyed, with the epoch it went away, so the story of a run stays readable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QStyle, QToolButton, QVBoxLayout, QWidget

from engine import probes

from ..theme import error_colour
from .base import View

if TYPE_CHECKING:
    from engine.config import Config
    from engine.datasets import Split
    from engine.snapshot import Snapshot

DEFINITIONS = f"""
<b>Saturated</b>: a unit's slope f′(z) is under {probes.SATURATION_LEVEL:.0%} of its largest value
(sigmoid |z| &gt; 6, tanh |z| &gt; 3), so almost no gradient passes through it. An alert is raised
when more than {probes.SATURATED_ALERT:.0%} of (unit, sample) pairs of a layer are saturated.<br>
<b>Dead</b>: a ReLU unit whose z ≤ 0 on every training sample. It outputs 0 and gets no gradient, so it
never recovers. Leaky ReLU keeps a small slope, so its units can come back.<br>
<b>Identical units</b>: every unit of a layer has the same incoming weights and bias. They compute the
same thing and get the same update, so they stay identical for ever (zero or constant initialisation).<br>
<b>Mean |gradient|</b>: the mean of |∂L/∂W| over a layer's weights (biases excluded), before the update.
<b>Vanishing</b>: layer 1 gets less than {probes.VANISHING_RATIO:g} of the output layer's;
<b>exploding</b>: more than {probes.EXPLODING_RATIO:g} times, or not finite.<br>
<b>Diverged</b>: the loss became infinite or NaN; a smaller learning rate usually fixes it.
"""

_ICONS = {"error": QStyle.SP_MessageBoxCritical, "warning": QStyle.SP_MessageBoxWarning,
          "info": QStyle.SP_MessageBoxInformation}


class DiagnosticsView(View):
    key = "diagnostics"
    title = "Diagnostics"
    dock_tab = "gradients"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("diagnosticsPanel")
        self.status = QLabel()
        self.status.setObjectName("diagnosticsStatus")
        self.list = QListWidget()
        self.list.setObjectName("diagnosticsList")
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.help_button = QToolButton()
        self.help_button.setText("What do these mean?")
        self.help_button.setCheckable(True)
        self.help_button.setArrowType(Qt.RightArrow)
        self.help_button.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.help_button.setToolTip("Show how the app defines saturated, dead, identical, vanishing and diverged.")
        self.help = QLabel(DEFINITIONS)
        self.help.setWordWrap(True)
        self.help.setTextFormat(Qt.RichText)
        self.help.setVisible(False)
        self.help_button.toggled.connect(self._toggle_help)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.status)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.help_button)
        layout.addWidget(self.help)
        self._items: dict[tuple[str, int], QListWidgetItem] = {}
        self._active: set[tuple[str, int]] = set()
        self._set_status()

    def _toggle_help(self, on: bool) -> None:
        self.help.setVisible(on)
        self.help_button.setArrowType(Qt.DownArrow if on else Qt.RightArrow)

    def _set_status(self, text: str | None = None) -> None:
        if text is None:
            n = len(self._active)
            text = "✔ No problems detected" if n == 0 else f"{n} problem{'s' if n > 1 else ''} now"
        self.status.setText(text)

    def set_context(self, config: Config, split: Split) -> None:
        self.reset(keep_ghost=False)

    def update_snapshot(self, snap: Snapshot) -> None:
        if not snap.layers and snap.status != "diverged":
            return  # no diagnostics were computed for this one
        seen = set()
        for alert in snap.alerts:
            key = (alert.kind, alert.layer)
            seen.add(key)
            text = f"Epoch {snap.epoch}: {alert.text}"
            item = self._items.get(key)
            if item is None or key not in self._active:
                if item is not None:  # it came back: move it to the top again
                    self.list.takeItem(self.list.row(item))
                item = QListWidgetItem(self.style().standardIcon(_ICONS.get(alert.severity, _ICONS["warning"])),
                                       text)
                self.list.insertItem(0, item)
                self._items[key] = item
            else:
                # same problem, still there: refresh the numbers, keep the epoch it appeared
                first = item.text().split(":", 1)[0]
                item.setText(f"{first}: {alert.text}")
            item.setData(Qt.UserRole + 1, alert.severity)
            if alert.severity == "error":
                item.setForeground(QBrush(QColor(error_colour(self.list))))
            else:
                item.setData(Qt.ForegroundRole, None)  # the palette's text colour, light or dark
        for key in self._active - seen:
            item = self._items[key]
            item.setForeground(QBrush(QColor("#8a8a8a")))
            item.setText(f"{item.text()}  — cleared by epoch {snap.epoch}")
        self._active = seen
        if snap.status == "diverged":
            self._set_status(f"✖ {snap.message}")
        else:
            self._set_status()

    def reset(self, keep_ghost: bool = True) -> None:
        self.list.clear()
        self._items.clear()
        self._active = set()
        self._set_status()
