"""The lesson panel: the open lesson's steps, one at a time, in a strip of its own under the views.

It shows the lesson's title and the step's text (through the allow-list, in a
document that loads nothing), "Step k of n", Back / Next, the step's question
with a Reveal button, and its checkpoint as a button: "Run to epoch 50" (the
controller trains there and pauses) or "Pin this run". Next opens once the
checkpoint is met: the run has reached the epoch (or ended before it), or a
run was pinned during the step. Entering a step sets up its configuration
(``engine.lessons.step_config``) when it differs from the step left, and brings
the views it watches to the front, each framed in the highlight colour for two
seconds, without taking the keyboard focus. The strip is a row of its own under the
views (never in a tab group with them), so it hides none of them; the Controls
keep the window's whole height beside it, for the steps that say "Try: set …".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer, Slot
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from engine import lessons as lessonfile

from ..plaintext import escape, plain_label
from .browser import LessonText
from .sanitize import sanitize

if TYPE_CHECKING:
    from engine.lessons import Step
    from engine.snapshot import Snapshot

    from ..main_window import MainWindow
    from .browser import Lesson

__all__ = ["FLASH_MS", "LessonPanel", "ViewFlash"]

FLASH_MS = 2000  # how long a watched view stays framed
SIDE_WIDTH = 370  # the column of step controls, beside the text
STRIP_SHARE = 0.24  # of the window's height, when the strip first appears
STRIP_MIN, STRIP_MAX = 165, 260
HINT = ("<p>Open a lesson from the <b>Lessons</b> menu: it sets up the network step by step and tells "
        "you what to watch.</p>")


class ViewFlash(QWidget):
    """A coloured frame drawn over a dock for a moment; it takes no click and no focus."""

    def __init__(self, dock: QDockWidget):
        super().__init__(dock)
        self.dock = dock
        self.setObjectName("viewFlash")
        self.setAttribute(Qt.WA_TransparentForMouseEvents)
        self.setFocusPolicy(Qt.NoFocus)
        self.hide()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        dock.installEventFilter(self)

    def flash(self, ms: int = FLASH_MS) -> None:
        self.setGeometry(self.dock.rect())
        self.show()
        self.raise_()
        self._timer.start(ms)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Resize:
            self.setGeometry(self.dock.rect())
        return False

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        colour = QColor(self.palette().color(QPalette.Highlight))
        painter.setPen(QPen(colour, 4))
        painter.drawRoundedRect(QRect(2, 2, self.width() - 4, self.height() - 4), 4, 4)


class LessonPanel(QWidget):
    """The open lesson, one step at a time (``lesson`` None: a hint to open one); its dock is ``dock``."""

    def __init__(self, window: MainWindow):
        super().__init__()
        self.window = window
        self.setObjectName("lessonPanel")
        self.lesson: Lesson | None = None
        self.index = 0
        self.met: set[int] = set()  # steps whose checkpoint was met
        self._pins_before: set[int] = set()  # ids of the pins there when the step was entered
        self._flashes: dict[str, ViewFlash] = {}
        self._pins_heard = False  # connected to window.pins.changed (installed after this panel)
        self.browser = LessonText()
        self.browser.setObjectName("lessonText")

        self.counter = plain_label("", object_name="lessonStepCounter")
        font = self.counter.font()
        font.setBold(True)
        self.counter.setFont(font)
        self.back = self._button("◀  &Back", "lessonBack", "The previous step", self.go_back)
        self.next = self._button("&Next  ▶", "lessonNext", "The next step", self.go_next)
        self.watching = plain_label("", object_name="lessonWatch")
        self.watching.setWordWrap(True)
        self.question = plain_label("", object_name="lessonQuestion")
        self.question.setWordWrap(True)
        self.reveal = self._button("Reveal answer", "lessonReveal", "Show the answer to the question",
                                   self.reveal_answer)
        self.answer = plain_label("", object_name="lessonAnswer")
        self.answer.setWordWrap(True)
        self.checkpoint = self._button("", "lessonCheckpoint", "", self.run_checkpoint)
        self.checkpoint_note = plain_label("", object_name="lessonCheckpointNote")
        self.checkpoint_note.setWordWrap(True)

        side = QWidget()
        side.setFixedWidth(SIDE_WIDTH)
        column = QVBoxLayout(side)
        column.setContentsMargins(6, 4, 2, 0)
        column.setSpacing(2)
        top = QHBoxLayout()
        top.addWidget(self.counter)
        top.addStretch(1)
        top.addWidget(self.back)
        top.addWidget(self.next)
        column.addLayout(top)
        inner = QWidget()  # what the step asks for, scrolled rather than squeezed in a low strip
        rows = QVBoxLayout(inner)
        rows.setContentsMargins(0, 2, 4, 2)
        rows.setSpacing(4)
        rows.addWidget(self.watching)
        row = QHBoxLayout()
        row.addWidget(self.checkpoint, 0, Qt.AlignTop)
        row.addWidget(self.checkpoint_note, 1)
        rows.addLayout(row)
        rows.addWidget(self.question)
        row = QHBoxLayout()
        row.addWidget(self.reveal)
        row.addStretch(1)
        rows.addLayout(row)
        rows.addWidget(self.answer)
        rows.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setWidget(inner)
        column.addWidget(scroll, 1)
        line = QFrame()
        line.setFrameShape(QFrame.VLine)
        line.setFrameShadow(QFrame.Sunken)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 0, 2, 2)
        layout.addWidget(self.browser, 1)
        layout.addWidget(line)
        layout.addWidget(side)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred)

        self.dock = QDockWidget("Lesson", window)
        self.dock.setObjectName("lessonPanelDock")  # not the old tabbed dock's name: its saved place is not this one
        self.dock.setWidget(self)
        # a row of its own under the views' rows, as wide as all of them: it shares a tab group with
        # none, and the Controls keep the window's whole height (the views are placed before it)
        window.addDockWidget(Qt.RightDockWidgetArea, self.dock, Qt.Vertical)
        self.dock.hide()
        window.controller.snapshot.connect(self._on_snapshot)
        window.controller.finished.connect(self._on_finished)
        window.controller.paused.connect(self._refresh_checkpoint)
        self.show_lesson(None)

    def _button(self, text: str, name: str, tip: str, slot: object) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.setFocusPolicy(Qt.TabFocus)  # a click leaves the focus where it was: Space still plays
        button.clicked.connect(slot)
        return button

    # -- which lesson --------------------------------------------------------------------
    @property
    def step(self) -> Step | None:
        return None if self.lesson is None else self.lesson.spec.steps[self.index]

    def show_lesson(self, lesson: Lesson | None) -> None:
        """Show ``lesson`` at its first step (its configuration is already in use), or leave the
        lesson (None): the hint, the strip closed, the classroom's locks lifted."""
        classroom = getattr(self.window, "classroom", None)
        had = self.lesson is not None
        self.lesson = lesson
        self.met = set()
        if classroom is not None:  # leaving a lesson, or opening another: its locks go
            classroom.clear()
        if lesson is None:
            self.browser.setHtml(HINT)
            self.counter.setText("No lesson open")
            for widget in (self.back, self.next, self.watching, self.question, self.reveal, self.answer,
                           self.checkpoint, self.checkpoint_note):
                widget.hide()
            if had:
                self.dock.hide()
            return
        if classroom is not None:
            classroom.apply(lesson.spec.locked, lesson.spec.hidden, lesson.spec.teacher)
        pins = getattr(self.window, "pins", None)
        if pins is not None and not self._pins_heard:
            pins.changed.connect(self.pins_changed)
            self._pins_heard = True
        self.back.show()
        self.next.show()
        first = not self.dock.isVisible()
        self.dock.show()
        self.dock.raise_()
        if first:
            self.fit_height()
            QTimer.singleShot(0, self, self.fit_height)  # again once the window has laid the strip out
        self.go(0, apply=False)

    @Slot()
    def relayout(self) -> None:
        """After View ▸ Reset layout (or a restored layout): the strip shown while a lesson is open,
        at its height, and closed when none is."""
        if self.lesson is None:
            self.dock.hide()
            return
        self.dock.show()
        self.fit_height()

    def fit_height(self) -> None:
        """The strip's height: about a quarter of the window's, within bounds."""
        height = int(self.window.height() * STRIP_SHARE)
        self.window.resizeDocks([self.dock], [max(STRIP_MIN, min(STRIP_MAX, height))], Qt.Vertical)

    # -- moving through the steps ---------------------------------------------------------
    @Slot()
    def go_back(self) -> None:
        if self.lesson is not None and self.index > 0:
            self.go(self.index - 1)

    @Slot()
    def go_next(self) -> None:
        if self.lesson is not None and self.next.isEnabled():
            self.go(self.index + 1)

    def go(self, index: int, apply: bool = True) -> None:
        """Enter step ``index``: its text, question and checkpoint; the views it watches brought to
        the front and framed; and (``apply``) its configuration set up when it is not the one of the
        step left: a step that changes nothing keeps the run going, Back undoes a later step's change."""
        spec = self.lesson.spec
        left, self.index = self.index, index
        step = spec.steps[index]
        if apply:
            config = lessonfile.step_config(spec, index)
            if config != lessonfile.step_config(spec, left):
                self.window.apply_config(config)
        self.browser.setHtml(f"<p><b>{escape(spec.title)}</b></p>{sanitize(step.text)}")
        self.counter.setText(f"Step {index + 1} of {len(spec.steps)}")
        views = self.window.views
        self.watching.setText("Watch: " + " · ".join(views[key].title for key in step.watch) if step.watch else "")
        self.watching.setVisible(bool(step.watch))
        self.question.setText(step.question or "")
        self.question.setVisible(step.question is not None)
        self.reveal.setVisible(step.question is not None)
        self.answer.setText(f"Answer: {step.answer}" if step.answer else "")
        self.answer.hide()
        pins = getattr(self.window, "pins", None)
        self._pins_before = {id(run) for run in pins.runs} if pins is not None else set()
        self._refresh_checkpoint()
        self.show_watched(step.watch)

    def show_watched(self, keys: tuple[str, ...]) -> None:
        """Bring each watched view's dock to the front (the first listed ends in front where two
        share a tab group) and frame it for ``FLASH_MS``; the keyboard focus stays where it is."""
        for key in reversed(keys):
            dock = self.window.docks[key]
            if not dock.isVisible():
                dock.show()
            dock.raise_()
        for key in keys:
            flash = self._flashes.get(key)
            if flash is None:
                flash = self._flashes[key] = ViewFlash(self.window.docks[key])
            flash.flash()

    @Slot()
    def reveal_answer(self) -> None:
        self.answer.show()
        self.reveal.hide()

    # -- the checkpoint --------------------------------------------------------------------
    def _epoch(self) -> int:
        snap = self.window.latest or self.window.shown  # the newest the run announced
        return snap.epoch if snap is not None else 0

    @Slot()
    def run_checkpoint(self) -> None:
        step = self.step
        if step is None or step.checkpoint is None:
            return
        if step.checkpoint.pin:
            pins = getattr(self.window, "pins", None)
            if pins is not None:
                pins.pin()  # says in the status bar what was pinned, or why nothing was
            return
        controller = self.window.controller
        if controller.session is None or self.window.builds.busy:
            self.window.statusBar().showMessage("The lesson's network is still being built: try again in a moment.",
                                                4000)
            return
        try:
            started = controller.run_to_epoch(step.checkpoint.until_epoch)
        except TimeoutError as err:  # the loop is in a very long step: say so, and let the student retry
            self.window.statusBar().showMessage(f"Not started: {err}", 4000)
            return
        if not started:
            self.met.add(self.index)  # already there
        self._refresh_checkpoint()

    @Slot(object)
    def _on_snapshot(self, snap: Snapshot) -> None:
        step = self.step
        if step is not None and step.checkpoint is not None and step.checkpoint.until_epoch is not None \
                and self.index not in self.met:
            if snap.epoch >= step.checkpoint.until_epoch:
                self.met.add(self.index)
            self._refresh_checkpoint(snap.epoch)  # the note counts the epochs on the way

    @Slot(str)
    def _on_finished(self, status: str) -> None:
        step = self.step
        if step is not None and step.checkpoint is not None and step.checkpoint.until_epoch is not None:
            self.met.add(self.index)  # the run ended (before the epoch, if not at it): nothing to wait for
            self._refresh_checkpoint()

    @Slot()
    def pins_changed(self) -> None:
        """A pin was added or removed: a pin step's checkpoint is met by a new pin."""
        step, pins = self.step, getattr(self.window, "pins", None)
        if step is not None and step.checkpoint is not None and step.checkpoint.pin and pins is not None:
            if any(id(run) not in self._pins_before for run in pins.runs):
                self.met.add(self.index)
            self._refresh_checkpoint()

    @Slot()
    def _refresh_checkpoint(self, epoch: int | None = None) -> None:
        """The checkpoint's button and note, and whether Next is open (``epoch``: the run's, if known)."""
        if self.lesson is None:
            return
        point = self.step.checkpoint
        epoch = self._epoch() if epoch is None else epoch
        if point is not None and point.until_epoch is not None and epoch >= point.until_epoch:
            self.met.add(self.index)
        met = point is None or self.index in self.met
        last = self.index == len(self.lesson.spec.steps) - 1
        running = point is not None and self.window.controller.run_target == point.until_epoch
        if point is None:
            label = ""
        elif point.pin:
            label = "Pin this run"
        else:
            label = f"Running to epoch {point.until_epoch}…" if running and not met else \
                f"Run to epoch {point.until_epoch}"
        self.back.setEnabled(self.index > 0)
        self.next.setEnabled(met and not last)
        self.next.setToolTip("This is the lesson's last step" if last else
                             "The next step" if met else f"First the checkpoint: {label}")
        self.checkpoint.setVisible(point is not None)
        self.checkpoint_note.setVisible(point is not None)
        if point is None:
            return
        self.checkpoint.setText(label)
        if point.pin:
            self.checkpoint.setToolTip("Keep this run drawn beside the next ones (Compare ▸ Pin this run, P)")
            self.checkpoint.setEnabled(True)
            pins = self.window.pins.runs
            self.checkpoint_note.setText(f"✓ Pinned as “{pins[-1].name}”." if met and pins else
                                         "Next opens once this run is pinned.")
            return
        target = point.until_epoch
        self.checkpoint.setToolTip(f"Train until epoch {target} and pause there")
        self.checkpoint.setEnabled(not met and not running)
        if not met:
            self.checkpoint_note.setText(f"Not reached yet (epoch {epoch}): Next opens at epoch {target}.")
        elif epoch >= target:
            self.checkpoint_note.setText(f"✓ Reached epoch {target}.")
        else:
            self.checkpoint_note.setText(f"The run ended at epoch {epoch}, before epoch {target}: Next is open.")
