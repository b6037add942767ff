"""The lesson editor behind Lessons ▸ Save as lesson…: the window's state, written down as a lesson.

It starts from what the window shows: the configuration, the views that are open,
and the lock set of the lesson in use. The teacher gives a title, writes the steps
(text, views to watch, a question and its answer, a checkpoint) and ticks what a
student may not change or see. A step's configuration change is kept simple: the
"Use the current settings for this step" button stores the settings that differ
between the window now and the configuration the step starts from (the lesson's,
with the earlier steps' changes); it is not recomputed if earlier steps change later.
The dialog is not modal, so the teacher can change the panels while it is open.
Why one file of ~630 lines: one dialog, its two tabs (steps; classroom control) and the
checks that name a field in either; split, each tab would reach into the other's widgets.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine import lessons
from engine.atomic import SaveError
from engine.config import Config, ConfigError
from engine.lessons import LessonError, LessonSpec, Teacher

from ..dialogs import ask_save_path
from ..theme import error_colour

__all__ = ["Draft", "LessonEditor", "config_changes", "file_name_for"]

TEXT_NOTE = ("Plain text, or the basic HTML tags <p>, <b>, <i>, <ul>/<li>; anything else is dropped "
             "when the lesson is shown (the lesson sanitizer).")
NO_CHECKPOINT, UNTIL_EPOCH, PIN = "none", "until", "pin"
NO_PASSPHRASE, KEEP_PASSPHRASE, NEW_PASSPHRASE = "none", "keep", "new"


def config_changes(before: Config, after: Config) -> dict:
    """The settings of ``after`` that differ from ``before``, per section (``{"model": {"init": …}}``).
    A new initialiser always carries its parameter (a lesson step merges ``init`` alone as its default)."""
    old, new = before.to_dict(), after.to_dict()
    out = {}
    for section, values in new.items():
        changed = {key: value for key, value in values.items() if old[section].get(key) != value}
        if "init" in changed:
            changed["init_param"] = values.get("init_param")
        if changed:
            out[section] = changed
    return out


def file_name_for(title: str) -> str:
    """A file name from a title: ``Zero weights — symmetry`` -> ``zero_weights_symmetry.json``."""
    stem = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:60]
    return f"{stem or 'lesson'}.json"


@dataclass
class Draft:
    """One step while it is being written (the editor's fields write through to it)."""

    text: str = ""
    changes: dict = field(default_factory=dict)
    watch: list[str] = field(default_factory=list)
    question: str = ""
    answer: str = ""
    checkpoint: str = NO_CHECKPOINT
    until_epoch: int = 50


def _where(field_path: str) -> str:
    """``steps[1].answer`` -> ``Step 2 answer`` (the editor numbers steps from 1)."""
    match = re.match(r"steps\[(\d+)\]\.?(.*)", field_path)
    if not match:
        return field_path.capitalize()
    rest = match.group(2).replace(".", " ").replace("_", " ")
    return f"Step {int(match.group(1)) + 1} {rest}".strip()


class LessonEditor(QDialog):
    """Title, steps and classroom control of a new lesson; Save… writes it (engine/lessons.py save).

    ``current`` gives the window's configuration now (for a step's changes); ``saved`` carries
    the path written. Bad input shows one line naming the field and the rule, and keeps
    everything typed."""

    saved = Signal(str)

    def __init__(self, config: Config, views: dict[str, str], open_views: Sequence[str],
                 controls: Sequence[tuple[str, str]], locked: Sequence[str] = (), hidden: Sequence[str] = (),
                 teacher: Teacher | None = None, folder: Path | None = None,
                 current: Callable[[], Config] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("lessonEditor")
        self.setWindowTitle("Save as lesson")
        self.setSizeGripEnabled(True)
        self.config = config
        self.views = dict(views)
        self.folder = folder
        self.current = current or (lambda: config)
        self.teacher = teacher
        self.given = (tuple(locked), tuple(hidden))
        self.drafts: list[Draft] = [Draft()]
        self._loading = False

        tabs = QTabWidget()
        tabs.setObjectName("lessonEditorTabs")
        tabs.addTab(self._lesson_tab(), "Lesson and steps")
        tabs.addTab(self._classroom_tab(controls, locked, hidden, open_views), "Classroom control")
        self.tabs = tabs
        self.message = QLabel()
        self.message.setObjectName("lessonEditorMessage")
        self.message.setTextFormat(Qt.PlainText)
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {error_colour(self.message)}; font-weight: bold;")
        self.message.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        self.save_button = buttons.button(QDialogButtonBox.Save)
        self.save_button.setText("Save…")
        self.save_button.setObjectName("lessonSaveButton")
        buttons.accepted.connect(self.save_dialog)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addWidget(tabs, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(860, 620)
        self._fill_list()
        self.step_list.setCurrentRow(0)

    # -- the first tab: title and steps -----------------------------------------------------
    def _lesson_tab(self) -> QWidget:
        page = QWidget()
        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("lessonTitleEdit")
        self.title_edit.setPlaceholderText("e.g. Zero weights never break symmetry")
        self.experiment = QSpinBox()
        self.experiment.setObjectName("lessonExperimentSpin")
        self.experiment.setRange(0, 99)
        self.experiment.setSpecialValueText("none")
        self.experiment.setToolTip("The classic experiment this lesson belongs to (optional).")
        self.experiment.setMinimumWidth(self.experiment.fontMetrics().horizontalAdvance("none") * 4)
        head = QFormLayout()
        head.addRow("Title", self.title_edit)
        head.addRow("Experiment", self.experiment)
        head.setFieldGrowthPolicy(QFormLayout.ExpandingFieldsGrow)  # the title is wide, the number is not

        self.step_list = QListWidget()
        self.step_list.setObjectName("lessonStepList")
        self.step_list.setSelectionMode(QAbstractItemView.SingleSelection)
        self.step_list.currentRowChanged.connect(self._show_step)
        self.step_list.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.step_list.setTextElideMode(Qt.ElideRight)
        buttons = QGridLayout()
        self.add_button = self._button("Add step", "addStepButton", self.add_step)
        self.remove_button = self._button("Remove", "removeStepButton", self.remove_step)
        self.up_button = self._button("Move up", "stepUpButton", lambda: self.move_step(-1))
        self.down_button = self._button("Move down", "stepDownButton", lambda: self.move_step(1))
        for i, button in enumerate((self.add_button, self.remove_button, self.up_button, self.down_button)):
            buttons.addWidget(button, i // 2, i % 2)
        left = QWidget()
        left_box = QVBoxLayout(left)
        left_box.setContentsMargins(0, 0, 0, 0)
        left_box.addWidget(QLabel("Steps"))
        left_box.addWidget(self.step_list, 1)
        left_box.addLayout(buttons)

        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self._step_form())
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([230, 600])
        box = QVBoxLayout(page)
        box.addLayout(head)
        box.addWidget(splitter, 1)
        return page

    def _button(self, text: str, name: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    def _step_form(self) -> QWidget:
        group = QGroupBox("Selected step")
        self.text_edit = QPlainTextEdit()
        self.text_edit.setObjectName("stepTextEdit")
        self.text_edit.setPlaceholderText("What the student reads, does and looks for in this step.")
        self.text_edit.textChanged.connect(self._text_edited)
        note = QLabel(TEXT_NOTE)
        note.setTextFormat(Qt.PlainText)
        note.setWordWrap(True)
        note.setObjectName("stepTextNote")
        font = note.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)
        note.setFont(font)
        self.watch_boxes: dict[str, QCheckBox] = {}
        watch = QWidget()
        grid = QGridLayout(watch)
        grid.setContentsMargins(0, 0, 0, 0)
        for i, (key, title) in enumerate(self.views.items()):
            box = QCheckBox(title)
            box.setObjectName(f"watch_{key}")
            box.toggled.connect(self._watch_edited)
            grid.addWidget(box, i // 3, i % 3)
            self.watch_boxes[key] = box
        self.question_edit = QLineEdit()
        self.question_edit.setObjectName("stepQuestionEdit")
        self.question_edit.setPlaceholderText("optional, e.g. Why do both units stay equal?")
        self.question_edit.textChanged.connect(self._qa_edited)
        self.answer_edit = QPlainTextEdit()
        self.answer_edit.setObjectName("stepAnswerEdit")
        self.answer_edit.setPlaceholderText("required with a question: shown when the student presses Reveal")
        self.answer_edit.setFixedHeight(self.answer_edit.fontMetrics().lineSpacing() * 3 + 12)
        self.answer_edit.textChanged.connect(self._qa_edited)
        self.checkpoint = QComboBox()
        self.checkpoint.setObjectName("stepCheckpointCombo")
        for text, data in (("none", NO_CHECKPOINT), ("run until epoch …", UNTIL_EPOCH), ("pin this run", PIN)):
            self.checkpoint.addItem(text, data)
        self.checkpoint.setToolTip("What Next waits for: the run reaching an epoch, or a pinned run.")
        self.until = QSpinBox()
        self.until.setObjectName("stepUntilEpochSpin")
        self.until.setRange(1, 1_000_000)
        self.checkpoint.currentIndexChanged.connect(self._checkpoint_edited)
        self.until.valueChanged.connect(self._checkpoint_edited)
        checkpoint_row = QHBoxLayout()
        checkpoint_row.addWidget(self.checkpoint, 1)
        checkpoint_row.addWidget(self.until)
        self.changes_label = QLabel()
        self.changes_label.setObjectName("stepChangesLabel")
        self.changes_label.setTextFormat(Qt.PlainText)
        self.changes_label.setWordWrap(True)
        self.use_button = self._button("Use the current settings for this step", "useCurrentSettingsButton",
                                       self.use_current_settings)
        self.use_button.setToolTip("Store the settings that differ between the window now and where this step "
                                   "starts (the lesson's settings with the earlier steps' changes).")
        self.no_change_button = self._button("No change", "noConfigChangeButton", self.clear_changes)
        change_row = QHBoxLayout()
        change_row.addWidget(self.use_button)
        change_row.addWidget(self.no_change_button)
        change_row.addStretch(1)
        changes = QVBoxLayout()
        changes.addWidget(self.changes_label)
        changes.addLayout(change_row)

        form = QFormLayout(group)
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        form.addRow("Text", self.text_edit)
        form.addRow("", note)
        form.addRow("Watch", watch)
        form.addRow("Question", self.question_edit)
        form.addRow("Answer", self.answer_edit)
        form.addRow("Checkpoint", checkpoint_row)
        form.addRow("Settings", changes)
        return group

    # -- the second tab: locks, hidden views, passphrase ------------------------------------
    def _classroom_tab(self, controls: Sequence[tuple[str, str]], locked: Sequence[str], hidden: Sequence[str],
                       open_views: Sequence[str]) -> QWidget:
        page = QWidget()
        rows = list(controls)
        listed = {name for name, _ in rows}
        rows += [(name, "(not in this window now)") for name in (*locked, *hidden)
                 if not name.startswith("view:") and name not in listed]
        table = QTableWidget(len(rows), 4)
        table.setObjectName("lessonControlsTable")
        table.setHorizontalHeaderLabels(["Control", "Name", "Locked", "Hidden"])
        table.verticalHeader().hide()
        table.setSelectionMode(QAbstractItemView.NoSelection)
        table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
        self.lock_boxes: dict[str, QCheckBox] = {}
        self.hide_boxes: dict[str, QCheckBox] = {}
        for row, (name, text) in enumerate(rows):
            table.setItem(row, 0, QTableWidgetItem(text))
            table.setItem(row, 1, QTableWidgetItem(name))
            for column, on, boxes in ((2, name in locked, self.lock_boxes), (3, name in hidden, self.hide_boxes)):
                box = QCheckBox()
                box.setChecked(on)
                box.setToolTip(f"{'Lock' if column == 2 else 'Hide'} {text}")
                cell = QWidget()
                centre = QHBoxLayout(cell)
                centre.setContentsMargins(0, 0, 0, 0)
                centre.addWidget(box, 0, Qt.AlignCenter)
                table.setCellWidget(row, column, cell)
                boxes[name] = box
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeToContents)
        self.controls_table = table
        self.control_rows = [name for name, _ in rows]

        views = QGroupBox("Views hidden from the student")
        grid = QGridLayout(views)
        self.hide_view_boxes: dict[str, QCheckBox] = {}
        for i, (key, title) in enumerate(self.views.items()):
            box = QCheckBox(title)
            box.setObjectName(f"hideView_{key}")
            box.setChecked(f"view:{key}" in hidden or key not in open_views)
            grid.addWidget(box, i // 3, i % 3)
            self.hide_view_boxes[key] = box
        views.setToolTip("Views closed in the window start ticked; a view a step watches cannot be hidden.")

        teacher = QGroupBox("Teacher mode")
        self.passphrase_mode = QComboBox()
        self.passphrase_mode.setObjectName("passphraseModeCombo")
        self.passphrase_mode.addItem("No passphrase: anyone can turn Teacher mode on", NO_PASSPHRASE)
        if self.teacher is not None:
            self.passphrase_mode.addItem("Keep the current lesson's passphrase", KEEP_PASSPHRASE)
        self.passphrase_mode.addItem("Ask for this passphrase:", NEW_PASSPHRASE)
        if self.teacher is not None:
            self.passphrase_mode.setCurrentIndex(1)
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("passphraseEdit")
        self.passphrase.setEchoMode(QLineEdit.Password)
        self.passphrase_again = QLineEdit()
        self.passphrase_again.setObjectName("passphraseAgainEdit")
        self.passphrase_again.setEchoMode(QLineEdit.Password)
        self.passphrase_mode.currentIndexChanged.connect(self._passphrase_mode_changed)
        form = QFormLayout(teacher)
        form.addRow(self.passphrase_mode)
        form.addRow("Passphrase", self.passphrase)
        form.addRow("Again", self.passphrase_again)
        note = QLabel("Stored hashed (salted SHA-256): the file does not contain the passphrase itself.")
        note.setWordWrap(True)
        form.addRow(note)
        self._passphrase_mode_changed()

        box = QVBoxLayout(page)
        box.addWidget(QLabel("Tick what a student may not change (Locked) or see (Hidden):"))
        box.addWidget(table, 1)
        box.addWidget(views)
        box.addWidget(teacher)
        return page

    def _passphrase_mode_changed(self) -> None:
        on = self.passphrase_mode.currentData() == NEW_PASSPHRASE
        self.passphrase.setEnabled(on)
        self.passphrase_again.setEnabled(on)

    # -- steps -------------------------------------------------------------------------------
    def _step_title(self, index: int) -> str:
        text = re.sub(r"</?(p|li|ul|br)\b[^>]*>", " ", self.drafts[index].text)  # a block ends a word
        words = re.sub(r"<[^>]*>", "", text).split()
        summary = " ".join(words)[:40] or "(no text yet)"
        return f"{index + 1}. {summary}"

    def _fill_list(self) -> None:
        row = self.step_list.currentRow()
        self.step_list.blockSignals(True)
        self.step_list.clear()
        for i in range(len(self.drafts)):
            self.step_list.addItem(self._step_title(i))
        self.step_list.blockSignals(False)
        if self.drafts:
            self.step_list.setCurrentRow(min(max(row, 0), len(self.drafts) - 1))
        self._show_step(self.step_list.currentRow())

    def _draft(self) -> Draft | None:
        row = self.step_list.currentRow()
        return self.drafts[row] if 0 <= row < len(self.drafts) else None

    def _show_step(self, row: int) -> None:
        draft = self.drafts[row] if 0 <= row < len(self.drafts) else None
        self._loading = True
        try:
            for w in (self.text_edit, self.question_edit, self.answer_edit, self.checkpoint, self.until,
                      self.use_button, self.no_change_button, *self.watch_boxes.values()):
                w.setEnabled(draft is not None)
            draft = draft or Draft()
            self.text_edit.setPlainText(draft.text)
            self.question_edit.setText(draft.question)
            self.answer_edit.setPlainText(draft.answer)
            for key, box in self.watch_boxes.items():
                box.setChecked(key in draft.watch)
            self.checkpoint.setCurrentIndex(self.checkpoint.findData(draft.checkpoint))
            self.until.setValue(draft.until_epoch)
            self.until.setEnabled(row >= 0 and draft.checkpoint == UNTIL_EPOCH)
            self._show_changes(draft)
        finally:
            self._loading = False
        self.remove_button.setEnabled(len(self.drafts) > 0 and row >= 0)
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < len(self.drafts) - 1)

    def _show_changes(self, draft: Draft) -> None:
        if not draft.changes:
            self.changes_label.setText("No change: the step keeps the settings it starts from.")
            return
        parts = [f"{section}.{key} = {'(its default)' if value is None else value}"
                 for section, values in draft.changes.items() for key, value in values.items()]
        self.changes_label.setText("Changes: " + ", ".join(parts))

    def add_step(self) -> None:
        """A new empty step after the selected one, selected."""
        row = self.step_list.currentRow()
        self.drafts.insert(row + 1, Draft())
        self._fill_list()
        self.step_list.setCurrentRow(row + 1)
        self.text_edit.setFocus()

    def remove_step(self) -> None:
        row = self.step_list.currentRow()
        if 0 <= row < len(self.drafts):
            del self.drafts[row]
            self._fill_list()

    def move_step(self, by: int) -> None:
        row = self.step_list.currentRow()
        to = row + by
        if 0 <= row < len(self.drafts) and 0 <= to < len(self.drafts):
            self.drafts[row], self.drafts[to] = self.drafts[to], self.drafts[row]
            self._fill_list()
            self.step_list.setCurrentRow(to)

    def _text_edited(self) -> None:
        draft = self._draft()
        if draft is not None and not self._loading:
            draft.text = self.text_edit.toPlainText()
            item = self.step_list.currentItem()
            item.setText(self._step_title(self.step_list.currentRow()))

    def _watch_edited(self) -> None:
        draft = self._draft()
        if draft is not None and not self._loading:
            draft.watch = [key for key, box in self.watch_boxes.items() if box.isChecked()]

    def _qa_edited(self) -> None:
        draft = self._draft()
        if draft is not None and not self._loading:
            draft.question = self.question_edit.text()
            draft.answer = self.answer_edit.toPlainText()

    def _checkpoint_edited(self) -> None:
        draft = self._draft()
        if draft is not None and not self._loading:
            draft.checkpoint = self.checkpoint.currentData()
            draft.until_epoch = self.until.value()
            self.until.setEnabled(draft.checkpoint == UNTIL_EPOCH)

    def start_of(self, index: int) -> Config:
        """The configuration step ``index`` starts from: the lesson's, with the earlier steps' changes."""
        config = self.config
        for draft in self.drafts[:index]:
            config = lessons.merge_changes(config, draft.changes or None)
        return config

    def use_current_settings(self) -> None:
        """The selected step changes the settings to the window's current ones (the differing keys)."""
        draft, row = self._draft(), self.step_list.currentRow()
        if draft is None:
            return
        try:
            now, start = self.current(), self.start_of(row)
        except ConfigError as err:
            self.show_message(f"Settings: {err}")
            return
        draft.changes = config_changes(start, now)
        self._show_changes(draft)
        self.show_message(None)

    def clear_changes(self) -> None:
        draft = self._draft()
        if draft is not None:
            draft.changes = {}
            self._show_changes(draft)

    # -- the lesson --------------------------------------------------------------------------
    def show_message(self, text: str | None) -> None:
        self.message.setText(text or "")
        self.message.setVisible(bool(text))

    def _refuse(self, err: LessonError) -> None:
        """Say what is wrong, and show where: the step it names, the title, the passphrase."""
        self.show_message(f"{err.field}: {err.rule}")
        step = re.match(r"Step (\d+)", err.field)
        if err.field.startswith("Teacher"):
            self.tabs.setCurrentIndex(1)
            self.passphrase.setFocus()
            return
        self.tabs.setCurrentIndex(0)
        if step and int(step.group(1)) <= len(self.drafts):
            self.step_list.setCurrentRow(int(step.group(1)) - 1)
        elif err.field == "Title":
            self.title_edit.setFocus()

    def locks(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The (locked, hidden) names ticked: controls, then the hidden views."""
        locked, hidden = [], []
        for name in self.control_rows:
            if self.lock_boxes[name].isChecked():
                locked.append(name)
            if self.hide_boxes[name].isChecked():
                hidden.append(name)
        hidden += [f"view:{key}" for key, box in self.hide_view_boxes.items() if box.isChecked()]

        def in_lesson_order(names: list[str], before: tuple[str, ...]) -> tuple[str, ...]:
            # the lesson's own names first, as it lists them: an unchanged lesson saves as it was
            return tuple(sorted(names, key=lambda n: (before.index(n) if n in before else len(before))))

        return in_lesson_order(locked, self.given[0]), in_lesson_order(hidden, self.given[1])

    def _teacher_entry(self) -> Teacher | None:
        mode = self.passphrase_mode.currentData()
        if mode == KEEP_PASSPHRASE:
            return self.teacher
        if mode != NEW_PASSPHRASE:
            return None
        if not self.passphrase.text():
            raise LessonError("Teacher passphrase", "must not be empty (or choose No passphrase)")
        if self.passphrase.text() != self.passphrase_again.text():
            raise LessonError("Teacher passphrase", "the two entries differ: type it again in both boxes")
        return lessons.make_teacher(self.passphrase.text())

    def _check_drafts(self) -> None:
        """The editor's own rules first, in the teacher's words (the file's rules follow in ``spec``)."""
        if not self.title_edit.text().strip():
            raise LessonError("Title", "must not be empty")
        if not self.drafts:
            raise LessonError("Steps", "a lesson needs at least one step (Add step)")
        for i, draft in enumerate(self.drafts):
            where = f"Step {i + 1}"
            if not draft.text.strip():
                raise LessonError(f"{where} text", "must not be empty")
            if draft.question.strip() and not draft.answer.strip():
                raise LessonError(f"{where} answer", "is required when the step asks a question")
            if draft.answer.strip() and not draft.question.strip():
                raise LessonError(f"{where} question", "is required when the step gives an answer")

    def spec(self) -> LessonSpec:
        """The lesson as written, checked by the file's own rules (LessonError names the field)."""
        self._check_drafts()
        locked, hidden = self.locks()
        steps = []
        for draft in self.drafts:
            step: dict = {"text": draft.text.strip()}
            if draft.changes:
                step["config"] = draft.changes
            watch = [key for key in draft.watch if key in self.views]
            if watch:
                step["watch"] = watch
            if draft.question.strip():
                step["question"] = draft.question.strip()
                step["answer"] = draft.answer.strip()
            if draft.checkpoint == UNTIL_EPOCH:
                step["checkpoint"] = {"until_epoch": draft.until_epoch}
            elif draft.checkpoint == PIN:
                step["checkpoint"] = {"pin": True}
            steps.append(step)
        raw: dict = {"format": lessons.FORMAT, "version": lessons.VERSION, "title": self.title_edit.text().strip(),
                     "config": self.config.to_dict(), "steps": steps}
        if self.experiment.value():
            raw["experiment"] = self.experiment.value()
        if locked:
            raw["locked"] = list(locked)
        if hidden:
            raw["hidden"] = list(hidden)
        teacher = self._teacher_entry()
        if teacher is not None:
            raw["teacher"] = {"salt": teacher.salt, "sha256": teacher.sha256}
        try:
            return lessons.parse(raw)
        except LessonError as err:
            raise LessonError(_where(err.field), err.rule) from None

    def save_to(self, path: str | Path) -> bool:
        """Check and write the lesson to ``path``; on bad input or a refused save, the message
        says why, the dialog keeps everything, and False is returned."""
        try:
            spec = self.spec()
        except LessonError as err:
            self._refuse(err)
            return False
        try:
            lessons.save(spec, path)
        except (SaveError, OSError, LessonError) as err:
            self.show_message(str(err))
            return False
        self.show_message(None)
        self.saved.emit(str(path))
        return True

    def save_dialog(self) -> None:
        """Save…: check first (nothing to ask if the lesson is not right), then ask for the file."""
        try:
            self.spec()
        except LessonError as err:
            self._refuse(err)
            return
        folder = self.folder or Path.home()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:  # the file dialog still lets the teacher choose another place
            self.show_message(f"Lesson folder {folder}: could not be created ({err.strerror or err})")
        path = ask_save_path(self, "Save the lesson", str(folder / file_name_for(self.title_edit.text())),
                             "Lesson files (*.json)")
        if not path:
            return
        if not path.lower().endswith(".json"):
            path += ".json"
        if self.save_to(path):
            self.accept()
