"""Lesson bundles: several lessons in one file to hand out, read back whole or refused by entry and rule."""

import json

import pytest

from engine import lessonbundle, lessons
from engine.config import Config
from engine.lessons import LessonError, LessonSpec, Step

CONFIG = Config.from_dict({"data": {"name": "moons", "n_samples": 120}, "model": {"hidden": [4]},
                           "train": {"epochs": 30}})


def spec(title: str, text: str = "Watch the loss fall.") -> LessonSpec:
    return LessonSpec(title, CONFIG, (Step(text, watch=("loss",), question="Why?", answer="Because."),
                                      Step("<p>Now <b>He</b>.</p>", config={"model": {"init": "he"}})),
                      experiment=2, locked=("initCombo",), hidden=("view:parameters", "l2Spin"),
                      teacher=lessons.make_teacher("owl", salt=b"12345678"))


def test_a_bundle_round_trips_every_lesson_and_its_file_name(tmp_path):
    entries = [("one.json", spec("One")), ("two.json", spec("Two", "Another text."))]
    path = tmp_path / f"class{lessonbundle.SUFFIX}"
    lessonbundle.write_bundle(entries, path)
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["format"] == lessonbundle.BUNDLE_FORMAT and raw["version"] == 1
    assert [item["file"] for item in raw["lessons"]] == ["one.json", "two.json"]
    assert lessonbundle.read_bundle(path) == entries


def test_two_lessons_of_one_file_name_are_kept_apart(tmp_path):
    path = tmp_path / "b.alab-lessons.json"
    lessonbundle.write_bundle([("x.json", spec("A")), ("x.json", spec("B"))], path)
    assert [name for name, _ in lessonbundle.read_bundle(path)] == ["x.json", "x-2.json"]


def test_import_writes_into_the_folder_and_a_taken_name_gets_a_suffix(tmp_path):
    bundle = tmp_path / "b.alab-lessons.json"
    lessonbundle.write_bundle([("one.json", spec("One")), ("two.json", spec("Two"))], bundle)
    folder = tmp_path / "lessons"
    folder.mkdir()
    lessons.save(spec("Someone else's"), folder / "one.json")  # a different lesson under the same name
    done = lessonbundle.import_bundle(bundle, folder)
    assert [(p.name, same) for p, same in done] == [("one-2.json", False), ("two.json", False)]
    assert lessons.load(folder / "one-2.json") == spec("One")
    assert lessons.load(folder / "one.json").title == "Someone else's"  # untouched
    again = lessonbundle.import_bundle(bundle, folder)  # the same lessons: nothing new written
    assert [(p.name, same) for p, same in again] == [("one-2.json", True), ("two.json", True)]
    assert sorted(p.name for p in folder.iterdir()) == ["one-2.json", "one.json", "two.json"]


@pytest.mark.parametrize(("change", "field", "rule"), [
    (lambda raw: raw.update(format="activation-lab-lesson"), "format", "must be \"activation-lab-lesson-bundle\""),
    (lambda raw: raw.update(lessons=[]), "lessons", "at least one lesson"),
    (lambda raw: raw["lessons"][1].update(file="../escape.json"), "lessons[1].file", "plain file name"),
    (lambda raw: raw["lessons"][1].update(file="one.json"), "lessons[1].file", "in the bundle twice"),
    (lambda raw: raw["lessons"][1]["lesson"]["steps"][0].update(text=" "), "lessons[1].lesson.steps[0].text",
     "must not be empty"),
    (lambda raw: raw["lessons"][0]["lesson"].update(colour="red"), "lessons[0].lesson.colour", "unknown key"),
    (lambda raw: raw["lessons"][0].update(extra=1), "lessons[0]", "nothing else"),
])
def test_a_malformed_bundle_is_refused_naming_the_entry_and_the_rule(tmp_path, change, field, rule):
    good = tmp_path / "good.alab-lessons.json"
    lessonbundle.write_bundle([("one.json", spec("One")), ("two.json", spec("Two"))], good)
    raw = json.loads(good.read_text(encoding="utf-8"))
    change(raw)
    bad = tmp_path / "bad.alab-lessons.json"
    bad.write_text(json.dumps(raw), encoding="utf-8")
    folder = tmp_path / "lessons"
    with pytest.raises(LessonError) as caught:
        lessonbundle.import_bundle(bad, folder)
    assert caught.value.field == f"bad.alab-lessons.json: {field}" and rule in caught.value.rule
    assert not folder.exists() or not any(folder.iterdir())  # nothing of a bad bundle is written


def test_a_file_that_is_not_json_is_refused_with_its_name(tmp_path):
    bad = tmp_path / "notes.alab-lessons.json"
    bad.write_text("lessons: one, two", encoding="utf-8")
    with pytest.raises(LessonError, match="notes.alab-lessons.json"):
        lessonbundle.read_bundle(bad)
