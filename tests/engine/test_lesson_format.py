"""The lesson file (engine/lessons.py): format 2 with steps, format 1 still read, and every
malformed file refused with the field path and the rule."""

import copy
import json

import pytest

from engine import lessons
from engine.config import Config, ConfigError
from engine.lessons import Checkpoint, LessonError, Step, Teacher

CONFIG = {"data": {"name": "moons", "n_samples": 100, "seed": 0},
          "model": {"hidden": [4], "activation": "tanh", "init": "normal", "init_param": 3.0},
          "train": {"optimizer": "adam", "lr": 0.01, "epochs": 60, "seed": 0}}


def lesson(**changes):
    raw = {"format": "activation-lab-lesson", "version": 2, "title": "Symmetry", "experiment": 1, "config": CONFIG,
           "locked": ["initCombo"], "hidden": ["l2Spin", "view:parameters"],
           "steps": [
               {"text": "<p>Watch the <b>loss</b>.</p>", "watch": ["loss"], "checkpoint": {"until_epoch": 50}},
               {"text": "<p>Now Xavier.</p>", "config": {"model": {"init": "xavier"}}, "watch": ["diagnostics", "loss"],
                "question": "Why?", "answer": "Because.", "checkpoint": {"pin": True}},
               {"text": "<p>Wider.</p>", "config": {"model": {"hidden": [8]}, "train": {"epochs": 30}}},
           ],
           "claims": [{"says": "Now Xavier.", "step": 1,
                       "check": {"measure": "identical", "at": "start", "layer": 1, "equals": 0}}]}
    raw.update(changes)
    return raw


def test_a_lesson_reads_into_steps_and_round_trips():
    spec = lessons.parse(lesson(), "x.json")
    assert spec.title == "Symmetry" and spec.experiment == 1 and spec.source == "x.json"
    assert spec.locked == ("initCombo",) and spec.hidden == ("l2Spin", "view:parameters")
    first, second, third = spec.steps
    assert first == Step("<p>Watch the <b>loss</b>.</p>", None, ("loss",), None, None, Checkpoint(until_epoch=50))
    assert second.config == {"model": {"init": "xavier"}} and second.checkpoint == Checkpoint(pin=True)
    assert (second.question, second.answer) == ("Why?", "Because.")
    assert third.checkpoint is None and third.watch == ()
    again = lessons.parse(json.loads(json.dumps(lessons.to_dict(spec))))
    assert again == spec  # the source is where it came from, not part of what it says
    assert lessons.to_dict(again) == lessons.to_dict(spec)
    assert "Watch the loss." in lessons.full_text(spec) and "Now Xavier." in lessons.full_text(spec)


def test_step_configs_merge_in_order_and_a_new_initialiser_takes_its_default():
    spec = lessons.parse(lesson())
    base = Config.from_dict(CONFIG)
    assert lessons.step_config(spec, 0) == base
    second = lessons.step_config(spec, 1)
    assert second.model.init == "xavier" and second.model.init_param is None  # not normal's 3.0
    third = lessons.step_config(spec, 2)
    assert third.model.init == "xavier" and third.model.hidden == (8,) and third.train.epochs == 30
    assert third.data == base.data and third.train.lr == base.train.lr
    with pytest.raises(IndexError):
        lessons.step_config(spec, 3)


def test_a_format_1_file_is_one_step():
    raw = {"title": "Old", "experiment": 2, "text": "<p>All of it.</p>", "config": CONFIG,
           "claims": [{"says": "All of it.", "check": {"measure": "val_accuracy", "at_least": 0}}]}
    spec = lessons.parse(raw)
    assert spec.steps == (Step("<p>All of it.</p>"),) and spec.experiment == 2 and len(spec.claims) == 1
    assert lessons.step_config(spec, 0) == Config.from_dict(CONFIG)
    written = lessons.to_dict(spec)
    assert written["version"] == 2 and lessons.parse(written) == spec
    assert lessons.parse({"title": "No number", "text": "x", "config": CONFIG}).experiment is None


def _without(raw, *path):
    raw = copy.deepcopy(raw)
    target = raw
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return raw


def _with(raw, value, *path):
    raw = copy.deepcopy(raw)
    target = raw
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return raw


BASE = lesson()
BROKEN = [
    (_with(BASE, 1, "colour"), "colour", "unknown key"),
    (_with(BASE, "x", "steps", 0, "hint"), "steps[0].hint", "unknown key; valid keys: text, config, watch"),
    (_with(BASE, 1, "steps", 0, "checkpoint", "at"), "steps[0].checkpoint.at", "unknown key"),
    (_with(BASE, [], "steps"), "steps", "must hold at least one step"),
    (_with(BASE, "one", "steps"), "steps", "must be a list"),
    (_without(BASE, "steps"), "steps", "is required"),
    (_without(BASE, "steps", 1, "text"), "steps[1].text", "is required in a step"),
    (_with(BASE, "  ", "steps", 1, "text"), "steps[1].text", "must not be empty"),
    (_with(BASE, ["loss", "histogram"], "steps", 1, "watch"), "steps[1].watch[1]", "must be a view key: loss,"),
    (_with(BASE, ["loss", "loss"], "steps", 1, "watch"), "steps[1].watch[1]", "listed twice"),
    (_with(BASE, ["parameters"], "steps", 1, "watch"), "steps[1].watch[0]", "the lesson hides the view"),
    (_with(BASE, "loss", "steps", 1, "watch"), "steps[1].watch", "must be a list of view keys"),
    (_without(BASE, "steps", 1, "answer"), "steps[1].answer", "is required when the step asks a question"),
    (_without(BASE, "steps", 1, "question"), "steps[1].answer", "answers no question"),
    (_with(BASE, {"until_epoch": -3}, "steps", 0, "checkpoint"), "steps[0].checkpoint.until_epoch",
     "must be a positive integer, got -3"),
    (_with(BASE, {"until_epoch": 2.5}, "steps", 0, "checkpoint"), "steps[0].checkpoint.until_epoch",
     "must be a positive integer"),
    (_with(BASE, {"until_epoch": 61}, "steps", 0, "checkpoint"), "steps[0].checkpoint.until_epoch",
     "must be at most the step's 60 epochs"),
    (_with(BASE, {"until_epoch": 40}, "steps", 2, "checkpoint"), "steps[2].checkpoint.until_epoch",
     "must be at most the step's 30 epochs"),  # its own step's epochs, after its changes
    (_with(BASE, {"pin": False}, "steps", 0, "checkpoint"), "steps[0].checkpoint.pin", "must be true"),
    (_with(BASE, {}, "steps", 0, "checkpoint"), "steps[0].checkpoint", "needs exactly one of"),
    (_with(BASE, {"pin": True, "until_epoch": 3}, "steps", 0, "checkpoint"), "steps[0].checkpoint",
     "needs exactly one of"),
    (_with(BASE, {"model": {"activation": "swoosh"}}, "steps", 2, "config"), "steps[2].config.model.activation",
     "must be one of"),
    (_with(BASE, {"train": {"lr": -1}}, "steps", 1, "config"), "steps[1].config.train.lr", ""),
    (_with(BASE, {"optimiser": {}}, "steps", 1, "config"), "steps[1].config.optimiser", "unknown key"),
    (_with(BASE, {"model": "relu"}, "steps", 1, "config"), "steps[1].config", "must map data, model or train"),
    (_with(BASE, {"train": {"epochs": 0}}, "config"), "config.train.epochs", ""),
    (_with(BASE, "v2", "format"), "format", 'must be "activation-lab-lesson"'),
    (_with(BASE, 3, "version"), "version", "must be 2 (this app reads lesson versions 1 and 2), got 3"),
    (_without(BASE, "format"), "format", "is required"),
    (_with(BASE, 5, "title"), "title", "must be text"),
    (_with(BASE, None, "experiment"), "experiment", "must be a whole number"),
    (_with(BASE, ["view:loss"], "locked"), "locked[0]", "a view cannot be locked"),
    (_with(BASE, ["view:histo"], "hidden"), "hidden[0]", "names no view"),
    (_with(BASE, ["init Combo"], "locked"), "locked[0]", "must be a control's objectName"),
    (_with(BASE, ["a", "a"], "hidden"), "hidden[1]", "listed twice"),
    (_with(BASE, {"salt": "00"}, "teacher"), "teacher.sha256", "is required"),
    (_with(BASE, {"salt": "zz" * 8, "sha256": "0" * 64}, "teacher"), "teacher.salt", "must be hexadecimal"),
    (_with(BASE, {"salt": "ab" * 8, "sha256": "0" * 10}, "teacher"), "teacher.sha256", "must be 64"),
    (_with(BASE, 4, "steps", 0, "question"), "steps[0].question", "must be text"),
    (_with(BASE, [{"says": "Not in any step.", "check": {"measure": "val_accuracy", "at_least": 0}}], "claims"),
     "claims[0].says", "must appear word for word in the text of a step"),
    (_with(BASE, [{"says": "Now Xavier.", "step": 3, "check": {"measure": "val_accuracy", "at_least": 0}}],
           "claims"), "claims[0].step", "must be a step's index, 0 to 2, got 3"),
    (_with(BASE, [{"says": "Now Xavier.", "check": {"measure": "accuracy", "at_least": 0}}], "claims"),
     "claims[0].check.measure", "must be one of"),
    ({"title": "Old", "text": "x", "config": CONFIG, "steps_": 1}, "steps_", "unknown key"),
    ({"title": "Old", "config": CONFIG}, "text", "is required"),
    ("a list", "lesson", "must be a JSON object"),
]


@pytest.mark.parametrize(("raw", "field", "rule"), BROKEN, ids=[f"{i}-{b[1]}" for i, b in enumerate(BROKEN)])
def test_a_malformed_lesson_names_the_field_and_the_rule(raw, field, rule):
    with pytest.raises(LessonError) as err:
        lessons.parse(raw)
    assert isinstance(err.value, ConfigError)
    assert err.value.field == field, str(err.value)
    assert rule in err.value.rule, str(err.value)


def test_load_names_the_file_and_save_writes_what_loads(tmp_path):
    path = tmp_path / "mine.json"
    spec = lessons.parse(lesson())
    lessons.save(spec, path)
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n") and '\n "steps": [' in text  # indented, for a teacher to read
    assert lessons.load(path) == spec and lessons.load(path).source == str(path)
    path.write_text(json.dumps(_with(BASE, [], "steps")), encoding="utf-8")
    with pytest.raises(LessonError, match=r"^mine\.json: steps: must hold at least one step$"):
        lessons.load(path)
    path.write_text('{"title": ', encoding="utf-8")
    with pytest.raises(LessonError, match=r"^mine\.json: is not valid JSON"):
        lessons.load(path)
    with pytest.raises(LessonError, match="file not found"):
        lessons.load(tmp_path / "none.json")


def test_save_refuses_a_lesson_that_would_not_load_and_leaves_the_file(tmp_path):
    path = tmp_path / "mine.json"
    spec = lessons.parse(lesson())
    lessons.save(spec, path)
    before = path.read_bytes()
    bad = type(spec)(spec.title, spec.config, (Step("x", watch=("nowhere",)),))
    with pytest.raises(LessonError, match=r"steps\[0\]\.watch\[0\]"):
        lessons.save(bad, path)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["mine.json"]


def test_a_passphrase_is_stored_salted_and_hashed():
    teacher = lessons.make_teacher("owl tree")
    assert isinstance(teacher, Teacher) and len(teacher.salt) == 32 and len(teacher.sha256) == 64
    assert "owl" not in teacher.salt + teacher.sha256
    assert lessons.check_passphrase(teacher, "owl tree")
    assert not lessons.check_passphrase(teacher, "owl  tree") and not lessons.check_passphrase(teacher, "")
    again = lessons.make_teacher("owl tree")
    assert again.salt != teacher.salt and again.sha256 != teacher.sha256  # a fresh salt each time
    fixed = lessons.make_teacher("é", salt=bytes(range(16)))
    assert fixed == lessons.make_teacher("é", salt=bytes(range(16)))
    spec = lessons.parse(_with(BASE, {"salt": fixed.salt, "sha256": fixed.sha256.upper()}, "teacher"))
    assert lessons.check_passphrase(spec.teacher, "é")  # hex in either case
    assert lessons.parse(lessons.to_dict(spec)) == spec
    with pytest.raises(LessonError):
        lessons.make_teacher("")


def test_the_view_keys_are_the_windows():
    """engine/lessons.py cannot import the GUI: its list of view keys is kept equal to gui/plots
    VIEWS by tests/gui/test_lesson_steps.py; here, that it names no view twice."""
    assert len(set(lessons.VIEW_KEYS)) == len(lessons.VIEW_KEYS) >= 6
