"""A user's text is shown as text: CSV names and labels, file names, lesson titles, error messages.

Qt reads a string as HTML in more places than one expects (a QLabel or a tooltip
in AutoText, every pyqtgraph label, title and legend); ``<img src="/dev/zero">``
read as HTML would make Qt read that endless file and abort the app. These tests
load such strings through the real window and check what each widget shows; a
test that tried to load /dev/zero would never finish.
"""

import csv
import json
import logging
import os

import pyqtgraph as pg
import pytest
from PySide6 import QtGui
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QGraphicsTextItem, QLabel, QMenu, QMessageBox, QWidget

from engine.config import Config
from gui.files import DEFAULT_CONFIG
from gui.lessons import browser
from gui.lessons.browser import MAX_LESSON_BYTES, ClosedDocument, LessonText
from gui.lessons.sanitize import MAX_DEPTH, sanitize
from gui.persistence import Store
from gui.plaintext import auto_text, escape, menu_text

IMG = '<img src="/dev/zero">'
BOLD = "<b>bold</b>"
AMP = "a & b"
NAMES = (IMG, BOLD, AMP)
SMALL_MODEL = {"hidden": [4], "activation": "tanh", "init": "xavier"}
SMALL_TRAIN = {"optimizer": "adam", "lr": 0.03, "epochs": 50, "batch_size": 16, "seed": 0}


# -- helpers --------------------------------------------------------------------------------------
def shown(text: str, fmt: Qt.TextFormat = Qt.AutoText) -> str:
    """What a widget with this text format shows of ``text`` (Qt's own rule for AutoText)."""
    rich = fmt == Qt.RichText or (fmt == Qt.AutoText and QtGui.Qt.mightBeRichText(text))
    if not rich:
        return text
    doc = QTextDocument()  # escaped text only: a test text with a live <img> would never reach here
    assert "<img" not in text.lower(), f"markup would be read as HTML: {text!r}"
    doc.setHtml(text)
    return doc.toPlainText()


def html_csv(path, rows=60, bad_cell=None):
    """Features named IMG, BOLD, AMP, a label column whose classes are IMG, BOLD, AMP."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*NAMES, "class"])
        for i in range(rows):
            cells = [f"{((i * 7) % 11) / 5 - 1:.3f}", f"{((i * 5) % 13) / 6 - 1:.3f}", f"{(i % 4) / 2:.2f}",
                     NAMES[i % 3]]
            if bad_cell is not None and i == 2:
                cells[0] = bad_cell
            writer.writerow(cells)
    return path


def csv_config(path, features=(0, 1)):
    return Config.from_dict({"data": {"name": "csv", "path": str(path), "val_fraction": 0.2, "seed": 0,
                                      "features": list(features)},
                             "model": SMALL_MODEL, "train": SMALL_TRAIN})


def text_items(window):
    """Every pyqtgraph text (axis labels, titles, legend entries) in the window's views."""
    items = []
    for graphics in window.findChildren(pg.GraphicsView):
        items += [item for item in graphics.scene().items() if isinstance(item, QGraphicsTextItem)]
    return items


def assert_nothing_is_markup(window):
    """No label, tooltip or pyqtgraph text shows a user's string as HTML."""
    for item in text_items(window):
        assert "<img" not in item.toHtml().lower()  # Qt writes an image it would load as <img …>
    for label in window.findChildren(QLabel):
        if any(name in label.text() for name in NAMES):
            assert label.textFormat() == Qt.PlainText or not QtGui.Qt.mightBeRichText(label.text()), \
                (label.objectName(), label.text())
    for holder in (*window.findChildren(QWidget), *window.findChildren(QtGui.QAction)):
        tip = holder.toolTip()
        if "<img" in tip.lower():
            assert not QtGui.Qt.mightBeRichText(tip), tip


def build(qtbot, window, config):
    window.apply_config(config)
    qtbot.waitUntil(lambda: window.session is not None and window.session.config == config, timeout=10_000)


@pytest.fixture
def lesson_folder(tmp_path, monkeypatch):
    """The window's lessons come from this folder (empty unless a test writes to it)."""
    folder = tmp_path / "lessons"
    folder.mkdir()
    monkeypatch.setattr(browser, "resource_path", lambda *parts: folder)
    return folder


@pytest.fixture
def new_window(qtbot):
    """Builds a window (after a test has set up its lessons or settings) and shuts it down."""
    from gui.app import create_window

    made = []

    def make(**kwargs):
        QSettings().clear()
        w = create_window(Config.from_dict({"data": DEFAULT_CONFIG["data"], "model": SMALL_MODEL,
                                            "train": SMALL_TRAIN}), **kwargs)
        qtbot.addWidget(w)
        made.append(w)
        w.resize(1280, 800)
        w.show()
        qtbot.waitExposed(w)
        return w

    yield make
    for w in made:
        w.shutdown()


# -- CSV names and labels -------------------------------------------------------------------------
def test_csv_names_and_labels_are_shown_as_written(qtbot, window, tmp_path):
    config = csv_config(html_csv(tmp_path / "names.csv"))
    build(qtbot, window, config)
    ds = window.session.dataset
    assert tuple(ds.feature_names) == NAMES and set(ds.class_names) == set(NAMES)
    view = window.views["boundary"]
    bottom, left = view.plot.getAxis("bottom"), view.plot.getAxis("left")
    assert bottom.labelText.startswith(escape(IMG)) and "&lt;img" in bottom.labelText
    assert bottom.label.toPlainText().startswith(IMG) and left.label.toPlainText().startswith(BOLD)
    legend = {label.item.toPlainText() for _, label in view.legend.items}
    assert legend == set(NAMES)
    assert {label.text for _, label in view.legend.items} == {escape(name) for name in NAMES}
    combo = window.data_panel.feature_x  # combo boxes are plain text: the names as they are
    assert tuple(combo.itemText(i) for i in range(combo.count())) == NAMES
    window.step_epoch()
    qtbot.waitUntil(lambda: window.shown is not None and window.shown.epoch >= 1, timeout=10_000)
    assert_nothing_is_markup(window)

    other = csv_config(tmp_path / "names.csv", features=(2, 1))  # "a & b" on the horizontal axis
    build(qtbot, window, other)
    assert bottom.labelText.startswith("a &amp; b") and bottom.label.toPlainText().startswith(AMP)
    assert_nothing_is_markup(window)


def test_errors_quoting_a_csv_cell_or_a_file_name_are_shown_as_written(qtbot, window, tmp_path, monkeypatch):
    # a cell of the column named <img …>: the error line quotes the header and the cell
    bad = html_csv(tmp_path / "bad.csv", bad_cell=BOLD)
    window.rebuild(csv_config(bad))
    qtbot.waitUntil(lambda: "bad.csv" in window.error_label.text(), timeout=10_000)
    message = window.error_label.text()
    assert IMG in message and BOLD in message and window.error_label.textFormat() == Qt.PlainText

    # a configuration file whose name is markup, pointing at a CSV file that is not there
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warnings.append(text))
    named = tmp_path / "<img src=zero>.json"
    raw = {"data": {"name": "csv", "path": str(tmp_path / "<b>gone</b>.csv")}, "model": SMALL_MODEL,
           "train": SMALL_TRAIN}
    named.write_text(json.dumps(raw), encoding="utf-8")
    assert not window.open_config(str(named))
    assert len(warnings) == 1
    assert "<img src=zero>.json" in shown(warnings[0]) and "<b>gone</b>.csv" in shown(warnings[0])

    # a good configuration file with such a name: the recent files list shows the name as written
    good = tmp_path / "<img src=zero> & co.json"
    good.write_text(window.session.config.to_json(), encoding="utf-8")
    assert window.open_config(str(good))
    entry = window.recent_menu.actions()[0]
    assert entry.text() == menu_text(good.name) and entry.iconText() == good.name
    assert str(good.resolve()) in shown(entry.toolTip())
    assert_nothing_is_markup(window)


def test_plain_text_helpers():
    assert escape(IMG) == "&lt;img src=&quot;/dev/zero&quot;&gt;"
    assert auto_text("plain & simple") == "plain & simple"  # Qt shows this as it is
    for text in (IMG, f"{BOLD}\nsecond line", "x.csv: <b>"):
        assert shown(auto_text(text)) == text
    assert menu_text(AMP) == "a && b"


# -- lessons ------------------------------------------------------------------------------------
LESSON_TEXT = (f'<p>Before {IMG} after.</p><p><a href="file:///etc/passwd">x</a></p>'
               '<script>alert("gone")</script><style>p { color: red }</style><p>end &amp; done</p>')
BROKEN = {
    "a_null.json": '{"title": "t", "text": "x", "config": {}, "experiment": null}',
    "b_huge.json": '{"title": "t", "text": "x", "config": {}, "experiment": 1e999}',
    "c_string.json": '"just text"',
    "d_nested.json": "[" * 100000,
    "e_closed.json": "[" * 100000 + "]" * 100000,
    "f_config.json": '{"title": "t", "text": "x", "config": {"train": {"lr": 1' + "0" * 400 + "}}}",
    "<img src=zero>.json": '{"title": 5, "text": "x", "config": {}}',
    "j_this & that.json": '{"title": "t", "text": "x"}',
}
REASONS = {
    "a_null.json": "a_null.json: experiment: must be a whole number",
    "b_huge.json": "b_huge.json: experiment: must be a finite number, got 1e999 (too large: it overflows to infinity)",
    "c_string.json": "c_string.json: must be a JSON object",
    "d_nested.json": "d_nested.json: is nested deeper than 64 levels",
    "e_closed.json": "e_closed.json: is nested deeper than 64 levels",
    "f_config.json": "f_config.json: config",
    "<img src=zero>.json": "<img src=zero>.json: title: must be text",
    "j_this & that.json": "j_this & that.json: config: is required",
    "g_zero.json": "g_zero.json: is not a regular file",
    "h_pipe.json": "h_pipe.json: is not a regular file",
    "i_large.json": "i_large.json: is larger than",
}


def write_lessons(folder):
    good = {"title": f"{IMG} & {BOLD}", "experiment": 3, "text": LESSON_TEXT,
            "config": {"data": {"name": "moons", "n_samples": 100}, "model": SMALL_MODEL, "train": SMALL_TRAIN}}
    (folder / "01_good.json").write_text(json.dumps(good), encoding="utf-8")
    for name, body in BROKEN.items():
        (folder / name).write_text(body, encoding="utf-8")
    (folder / "g_zero.json").symlink_to("/dev/zero")  # read whole, it would never end
    os.mkfifo(folder / "h_pipe.json")  # opened, it would wait for a writer for ever
    (folder / "i_large.json").write_text('{"title": "t", "text": "' + "x" * MAX_LESSON_BYTES + '", "config": {}}')


def test_lesson_title_is_text_and_its_text_is_sanitised(qtbot, lesson_folder, new_window):
    write_lessons(lesson_folder)
    window = new_window()
    assert [lesson.title for lesson in window.lessons] == [f"{IMG} & {BOLD}"]
    lessons_menu = window.menuBar().findChild(QMenu, "lessonsMenu")
    entry = next(a for a in lessons_menu.actions() if a.toolTip().endswith("(01_good.json)"))
    assert entry.iconText() == f"{IMG} & {BOLD}"  # shown as written: "&" marks no shortcut
    window.open_lesson(window.lessons[0])
    text = window.lesson_view.browser
    assert isinstance(text.document(), ClosedDocument)
    plain = text.toPlainText()
    assert plain.startswith(f"{IMG} & {BOLD}")  # the title, literally
    words = " ".join(plain.split())
    assert "Before after. x end & done" in words  # the text, without its tags
    assert "alert" not in plain and "color" not in plain  # a script's or a style's content is gone
    html = text.toHtml().lower()
    assert "<img" not in html and "href" not in html and "passwd" not in html
    assert text.document().refused == []  # nothing was even asked for
    assert window.session.config == window.lessons[0].config
    assert_nothing_is_markup(window)


def test_a_closed_document_loads_nothing(qtbot):
    text = LessonText()
    qtbot.addWidget(text)
    text.setHtml(f'<p>x</p>{IMG}<img src="file:///etc/passwd">')
    text.resize(300, 300)
    text.grab()  # laid out and painted: the images were asked for, and refused
    assert {"/dev/zero", "file:///etc/passwd"} <= set(text.document().refused)
    assert text.document().size().height() < 100  # no picture was read into the page


def test_broken_lesson_files_are_listed_and_the_window_starts(qtbot, lesson_folder, new_window, caplog):
    write_lessons(lesson_folder)
    with caplog.at_level(logging.WARNING):
        window = new_window()
    assert window.session is not None and len(window.lessons) == 1
    skipped = {entry.file: entry.reason for entry in window.lessons.skipped}
    assert set(skipped) == set(REASONS)
    for name, start in REASONS.items():
        assert skipped[name].startswith(start), skipped[name]
        assert f"lesson {name} skipped" in caplog.text
    sub = window.menuBar().findChild(QMenu, "skippedLessonsMenu")
    assert sub is not None and sub.title() == f"Skipped lesson files ({len(REASONS)})"
    entries = sub.actions()
    assert all(not action.isEnabled() for action in entries)
    assert sorted(action.iconText().split(":")[0] for action in entries) == sorted(REASONS)
    for action in entries:  # the tooltip holds the whole reason, shown as written
        assert shown(action.toolTip()) in skipped.values()
    assert "lesson files were skipped" in window.statusBar().currentMessage()
    assert_nothing_is_markup(window)


@pytest.mark.parametrize(("given", "want"), [
    ("<b><i>x</b></i>", "<b><i>x</i></b>"),  # misnested: closed in order
    ("<b>open <i>never closed", "<b>open <i>never closed</i></b>"),
    ("<p>a<p>b<ul><li>c<li>d</ul>", "<p>a</p><p>b<ul><li>c</li><li>d</li></ul></p>"),
    ("</b></p>stray ends", "stray ends"),
    ("<B onclick='x' style='background:url(/dev/zero)'>y</B>", "<b>y</b>"),  # no attribute survives
    (IMG + "<br/>", "<br>"),
    ('<a href="file:///etc/passwd">x</a>', "x"),
    ("<script>alert(1)</script><style>p{}</style>after", "after"),
    ("<script>never closed", ""),
    ("<object><object>a</object>b</object>c", "c"),
    ("<svg><image href='/dev/zero'/></svg>ok", "ok"),
    ("<!-- note --><!DOCTYPE html>t", "t"),
    ("&lt;b&gt; &amp; &nbsp; &#8594; &#x2192;", "&lt;b&gt; &amp; &nbsp; &#8594; &#8594;"),  # kept as written
    ("a & b < c > d", "a &amp; b &lt; c &gt; d"),  # stray characters become text
    ("&bogus; &#0; &#xD800;", "&amp;bogus; \N{REPLACEMENT CHARACTER} \N{REPLACEMENT CHARACTER}"),
    ("&Rarr;", "\u21a0"),  # an HTML5-only name: its character
    ('<img src="/dev/zero"', '&lt;img src="/dev/zero"'),  # an unfinished tag is text
])
def test_sanitize(given, want):
    assert sanitize(given) == want


def test_sanitize_stops_nesting_at_the_depth_limit():
    out = sanitize("<b>" * 10_000 + "deep" + "</b>" * 10_000)
    assert out == "<b>" * MAX_DEPTH + "deep" + "</b>" * MAX_DEPTH
    mixed = sanitize("<i><u>" * 500 + "deep")
    assert mixed.count("<i>") + mixed.count("<u>") == MAX_DEPTH and mixed.endswith("</u></i>")
    assert mixed.count("<i>") == mixed.count("</i>") and mixed.count("<u>") == mixed.count("</u>")


# -- settings -------------------------------------------------------------------------------------
def test_settings_nested_too_deeply_start_with_the_defaults(qtbot, tmp_path, caplog):
    from gui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "deep.ini"), QSettings.IniFormat)
    settings.setValue("session/config", "[" * 100000)
    store = Store(settings)
    with caplog.at_level(logging.WARNING):
        assert store.last_config() is None
        w = MainWindow(store=store)
        qtbot.addWidget(w)
    try:
        assert w.session is not None and w.session.config == Config.from_dict(DEFAULT_CONFIG)
        assert "session/config: is nested deeper than 64 levels" in caplog.text
    finally:
        w.shutdown()


@pytest.mark.parametrize("where", ["read-only folder", "a file where the folder should be"])
def test_a_settings_write_that_fails_names_the_file(tmp_path, where):
    if where == "read-only folder":
        if os.geteuid() == 0:
            pytest.skip("root writes into a read-only folder")
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o555)
    else:
        folder = tmp_path / "not-a-folder"
        folder.write_text("a file", encoding="utf-8")
    path = folder / "settings.ini"
    try:
        store = Store(QSettings(str(path), QSettings.IniFormat))
        store.save_config(Config.from_dict(DEFAULT_CONFIG))
        message = store.sync()
    finally:
        if folder.is_dir():
            folder.chmod(0o755)
    assert message is not None and str(path) in message and "cannot be written" in message
