"""Diagnostics: plain-language alerts as they happen, and what the words mean.

An alert that persists is updated in place, not repeated; one that clears is
kept, greyed, with the epoch it went away, so the story of a run stays readable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine import probes

from ..theme import error_colour
from .base import View

if TYPE_CHECKING:
    from engine.config import Config
    from engine.datasets import Split
    from engine.snapshot import Snapshot

DEFINITIONS = f"""
Each alert reads: what is seen, with its number — the likely cause — one thing to try. The numbers
are measured exactly; the cause is a best guess read from the configuration (initial weights, learning
rate, activation, depth). Initial weights count as large when a layer's RMS weight times √fan_in is at
least {probes.LARGE_INIT:g} (Xavier gives about 1, He 1.4).<br>
<b>Saturated</b>: z sits in a flat tail of the activation, where the slope f′(z) stays under
{probes.SATURATION_LEVEL:.0%} of its largest value: both tails for sigmoid (|z| &gt; 6) and tanh (|z| &gt; 3);
the negative tail only for softplus, ELU, SELU (z &lt; −4.6), GELU (z &lt; −3) and swish (z &lt; −6).
An alert is raised when more than {probes.SATURATED_ALERT:.0%} of a layer's (unit, sample) pairs are.<br>
<b>Dead</b>: a ReLU unit whose z ≤ 0 on every sample checked (the training set, or 1000 of its points
when it is larger). It outputs 0 there, so no gradient reaches its incoming weights. In layer 1 that is
for ever under plain SGD (only momentum or a weight penalty can still move it); in deeper layers it can
come back when the layers below change. Leaky ReLU keeps a small slope, so its units keep learning.<br>
<b>Identical units</b>: every unit of a layer has the same incoming weights and bias, so they compute
the same thing. They stay identical only if their outgoing weights are identical too (zero or
constant initialisation): then every update is the same for all of them.<br>
<b>Mean |gradient|</b>: the mean of |∂L/∂W| over a layer's weights (biases excluded), before the update.
<b>Vanishing</b>: layer 1 gets less than {probes.VANISHING_RATIO:g} of the output layer's;
<b>exploding</b>: more than {probes.EXPLODING_RATIO:g} times, not finite, or a layer's outputs spread
(std) beyond {probes.EXPLODED_SPREAD:,.0f}. When both could be said, exploding is. <b>Gradient exactly 0</b>:
a layer's weights get no gradient at all (its curve leaves the log-scale plot).<br>
<b>Overfitting</b>: on each of the last {probes.OVERFIT_EPOCHS} epochs the validation loss is at least
{probes.OVERFIT_RISE:.0%} (and {probes.OVERFIT_MARGIN:g}) above its lowest value, and the training loss is lower
than it was then.<br>
<b>Diverged</b>: the loss became infinite or NaN. The run ends and the views show the last finite state
(the weights at the end of the last epoch whose loss was finite).
"""

_NETWORK_KINDS = ("exploding", "vanishing", "zero_gradient", "overfitting", "diverged")
_PREFIX = Qt.UserRole + 2  # an item's "Epoch N: " (kept when its numbers are refreshed)
_ICONS = {"error": QStyle.SP_MessageBoxCritical, "warning": QStyle.SP_MessageBoxWarning,
          "info": QStyle.SP_MessageBoxInformation}


#: item data: "active", "cleared" or "not in the last finite state" (what an export writes)
STATE_ROLE = Qt.UserRole + 3

class DiagnosticsView(View):
    key = "diagnostics"
    title = "Diagnostics"
    dock_tab = "gradients"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("diagnosticsPanel")
        self.status = QLabel()
        self.status.setObjectName("diagnosticsStatus")
        self.status.setTextFormat(Qt.PlainText)
        self.status.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("diagnosticsList")
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.help_button = QToolButton()
        self.help_button.setText("What do these mean?")
        self.help_button.setCheckable(True)
        self.help_button.setArrowType(Qt.RightArrow)
        self.help_button.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.help_button.setToolTip("Show how the app defines saturated, dead, identical, vanishing, exploding, "
                                    "overfitting and diverged.")
        self.help = QLabel(DEFINITIONS)
        self.help.setWordWrap(True)
        self.help.setTextFormat(Qt.RichText)
        self.help.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        # the definitions scroll in their own area, which shares the height with the alerts
        self.help_area = QScrollArea()
        self.help_area.setObjectName("diagnosticsHelp")
        self.help_area.setWidgetResizable(True)
        self.help_area.setFrameShape(QFrame.NoFrame)
        self.help_area.setWidget(self.help)
        self.help_area.setVisible(False)
        self.help_button.toggled.connect(self._toggle_help)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.status)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.help_button)
        layout.addWidget(self.help_area, 1)
        self._items: dict[tuple[str, int], QListWidgetItem] = {}
        self._active: set[tuple[str, int]] = set()
        self._set_status()

    def _toggle_help(self, on: bool) -> None:
        self.help_area.setVisible(on)
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
        diverged = snap.status == "diverged" and snap.diverged_epoch > 0
        seen = set()
        for alert in snap.alerts:
            # one line per kind for the whole network's findings (exploding gradients, then
            # exploding activations, are one story); one per kind and layer for the rest
            key = (alert.kind, 0 if alert.kind in _NETWORK_KINDS else alert.layer)
            seen.add(key)
            # the diverged alert names its own epoch; the others describe the epoch shown
            prefix = "" if alert.kind == "diverged" else f"Epoch {snap.epoch}: "
            item = self._items.get(key)
            if item is None or key not in self._active:
                if item is not None:  # it came back: move it to the top again
                    self.list.takeItem(self.list.row(item))
                item = QListWidgetItem(self.style().standardIcon(_ICONS.get(alert.severity, _ICONS["warning"])),
                                       prefix + alert.sentence)
                item.setData(_PREFIX, prefix)
                self.list.insertItem(0, item)
                self._items[key] = item
            else:
                # same problem, still there: refresh the numbers, keep the epoch it appeared
                item.setText(item.data(_PREFIX) + alert.sentence)
                if item.data(Qt.UserRole + 1) != alert.severity:
                    item.setIcon(self.style().standardIcon(_ICONS.get(alert.severity, _ICONS["warning"])))
            item.setData(Qt.UserRole + 1, alert.severity)
            item.setData(STATE_ROLE, "active")
            if alert.severity == "error":
                item.setForeground(QBrush(QColor(error_colour(self.list))))
            else:
                item.setData(Qt.ForegroundRole, None)  # the palette's text colour, light or dark
        for key in self._active - seen:
            item = self._items[key]
            item.setForeground(QBrush(QColor("#8a8a8a")))
            if diverged:  # the run went back to an earlier state: nothing "cleared" at a later epoch
                item.setText(f"{item.text()}  — not in the last finite state (epoch {snap.epoch})")
                item.setData(STATE_ROLE, "not in the last finite state")
            else:
                item.setText(f"{item.text()}  — cleared by epoch {snap.epoch}")
                item.setData(STATE_ROLE, "cleared")
        self._active = seen
        if diverged:
            self._set_status(f"✖ Training diverged at epoch {snap.diverged_epoch}: showing the last finite state "
                             f"(epoch {snap.epoch}); the red alert says why")
        elif snap.status == "diverged":
            self._set_status(f"✖ {snap.message}")
        else:
            self._set_status()

    def reset(self, keep_ghost: bool = True) -> None:
        self.list.clear()
        self._items.clear()
        self._active = set()
        self._set_status()
