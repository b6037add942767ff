"""The shipped lessons as checked experiments: every claim holds over 10 seeds, on its step's
configuration, and quotes the text of one of the lesson's steps; every "Try:" is checked."""

import math
import re
from pathlib import Path

import pytest

from engine import lessons
from engine.claims import MEASURES, Claim, check_lesson, claim_config, plain_text
from engine.config import Config, ConfigError

LESSONS = sorted((Path(__file__).resolve().parents[2] / "resources" / "lessons").glob("*.json"))
SEEDS = range(10)


def test_lessons_are_shipped_for_every_classic_experiment():
    specs = [lessons.load(path) for path in LESSONS]
    assert len(specs) >= 11
    assert {1, 2, 3, 4, 5} <= {spec.experiment for spec in specs}
    for spec in specs:
        assert 2 <= len(spec.steps) <= 6, spec.title  # short steps, not one page of text
        assert spec.claims, "a lesson states outcomes, so it has claims"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_a_lesson_file_loads_with_every_variant(path):
    spec = lessons.load(path)
    assert lessons.parse(lessons.to_dict(spec)) == spec
    for step, claim in lessons.step_claims(spec):
        base = spec.config if step is None else lessons.step_config(spec, step)
        config = claim_config(base, claim, 0)
        assert Config.from_dict(config.to_dict()) == config
        for section, changes in claim.variant.items():
            for key, value in changes.items():
                got = getattr(getattr(config, section), key)
                assert got == (tuple(value) if isinstance(value, list) else value), (section, key)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_claim_quotes_a_step_and_every_try_is_checked(path):
    spec = lessons.load(path)
    texts = [plain_text(step.text) for step in spec.steps]
    claims = [claim for _, claim in lessons.step_claims(spec)]
    for claim in claims:
        assert any(claim.says in text for text in texts), f"not in a step of {path.name}: {claim.says!r}"
        if not claim.every_seed:
            assert re.search(r"\b\d+ of 10\b", claim.says), f"says how often in 10 seeds: {claim.says!r}"
    for i, text in enumerate(texts):
        if "Try:" in text:
            assert any(claim.variant and claim.says in text for claim in claims), \
                f"the Try: of step {i} of {path.name} is backed by a claim with a variant"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_claim_of_a_lesson_holds_over_ten_seeds(path):
    results = lessons.check(lessons.load(path), SEEDS)
    failing = [str(r) for r in results if not r.ok]
    assert not failing, "\n".join(failing)
    for r in results:
        assert r.runs >= 10 or isinstance(r.claim.seeds, tuple)
        assert math.isfinite(r.low) and math.isfinite(r.high) and r.low <= r.high


def test_a_step_claim_is_checked_on_its_steps_configuration():
    """A claim naming a step runs that step's configuration (the lesson's, with the changes up to
    it); without a step, the lesson's own."""
    dead = {"model": {"activation": "relu", "init": "he", "bias_init": "constant", "bias_value": -50.0}}
    check = {"measure": "dead_units", "at": "start", "layer": 1, "equals": 3}
    raw = {"format": lessons.FORMAT, "version": 2, "title": "t", "config": TINY,
           "steps": [{"text": "<p>one a</p>"}, {"text": "<p>two b</p>", "config": dead}, {"text": "<p>three</p>"}],
           "claims": [{"says": "two b", "step": 2, "check": check}, {"says": "two b", "check": check}]}
    spec = lessons.parse(raw)
    on_step, on_lesson = lessons.check(spec, range(2))
    assert on_step.ok and (on_step.low, on_step.high) == (3, 3)  # every ReLU unit dead, as step 1 set up
    assert not on_lesson.ok and math.isnan(on_lesson.low)  # the lesson's tanh units cannot die
    assert lessons.step_config(spec, 2).model.bias_value == -50.0
    assert lessons.step_config(spec, 0) == Config.from_dict(TINY)


# -- the checker itself, on a tiny configuration ------------------------------------------------------
TINY = {"data": {"name": "linear", "n_samples": 60, "val_fraction": 0.25, "seed": 0},
        "model": {"hidden": [3], "activation": "tanh", "init": "normal", "init_param": 5.0},
        "train": {"optimizer": "gd", "lr": 0.5, "epochs": 3, "seed": 0}}


def lesson(*claims, text="x"):
    return {"title": "t", "experiment": 0, "text": text, "config": TINY, "claims": list(claims)}


def test_a_new_initialiser_takes_its_own_default_as_the_panel_does():
    base = Config.from_dict(TINY)
    xavier = Claim.from_dict({"says": "s", "variant": {"model": {"init": "xavier"}},
                              "check": {"measure": "val_accuracy", "at_least": 0}})
    assert claim_config(base, xavier).model.init_param is None
    small = Claim.from_dict({"says": "s", "variant": {"model": {"init": "small_normal", "init_param": 0.5}},
                             "check": {"measure": "val_accuracy", "at_least": 0}})
    assert claim_config(base, small, 7).model.init_param == 0.5
    assert claim_config(base, small, 7).train.seed == 7
    data = Claim.from_dict({"says": "s", "seeds": "data", "check": {"measure": "val_accuracy", "at_least": 0}})
    assert claim_config(base, data, 3).data.seed == 3 and claim_config(base, data, 3).train.seed == 0


def test_counts_ranges_and_comparisons():
    always = {"says": "a", "check": {"measure": "saturated_fraction", "at": "start", "layer": 1, "at_least": 0}}
    never = {"says": "b", "holds": {"at_most": 0},
             "check": {"measure": "val_accuracy", "at_least": 2}}
    same = {"says": "c", "variant": {"model": {"activation": "tanh"}},
            "check": {"measure": "val_accuracy", "versus": "lesson", "equals": 0}}
    moved = {"says": "d", "check": {"measure": "weight_change", "layer": "hidden", "at_least": 0}}
    fixed = {"says": "e", "seeds": [5, 6], "check": {"measure": "dead_units", "at": "start", "layer": 1,
                                                     "at_most": 0}}
    a, b, c, d, e = check_lesson(lesson(always, never, same, moved, fixed), range(3))
    assert (a.held, a.runs, a.ok) == (3, 3, True) and 0 <= a.low <= a.high <= 1
    assert (b.held, b.ok, b.failed_seeds) == (0, True, (0, 1, 2))  # held in none, as it says
    assert (c.held, c.low, c.high) == (3, 0.0, 0.0)
    assert d.low > 0  # three full-batch steps move the weights
    assert e.runs == 2 and math.isnan(e.low)  # tanh units cannot die: NaN passes no bound
    assert not e.ok and e.failed_seeds == (5, 6)


def test_a_probe_claim_runs_the_command_lines_experiment():
    deep = dict(TINY, model={"hidden": [50, 50], "activation": "sigmoid", "init": "normal"})
    claim = {"says": "p", "check": {"measure": "z_std", "at": "probe", "probe": {"input_dim": 100, "samples": 200},
                                    "layer": 1, "at_least": 8, "at_most": 12}}
    (r,) = check_lesson(dict(lesson(claim), config=deep), range(2))
    assert r.ok, str(r)


@pytest.mark.parametrize("bad, message", [
    ({"says": "s", "check": {"measure": "accuracy", "at_least": 1}}, "unknown|valid|must be one of"),
    ({"says": "s", "check": {"measure": "dead_units", "at_least": 1}}, "needs a layer"),
    ({"says": "s", "check": {"measure": "val_accuracy", "layer": 1, "at_least": 1}}, "takes no layer"),
    ({"says": "s", "check": {"measure": "val_accuracy"}}, "needs a bound"),
    ({"says": "s", "check": {"measure": "val_accuracy", "at_least": 1, "when": 2}}, "unknown key"),
    ({"says": "s", "holds": "most", "check": {"measure": "val_accuracy", "at_least": 1}}, "holds"),
    ({"says": "", "check": {"measure": "val_accuracy", "at_least": 1}}, "says"),
    ({"says": "s", "seeds": "weights", "check": {"measure": "val_accuracy", "at_least": 1}}, "seeds"),
    ({"says": "s", "check": {"measure": "val_accuracy", "at": "start", "versus": "start", "at_least": 1}},
     "at must be"),
])
def test_a_broken_claim_is_refused_with_the_key_it_breaks(bad, message):
    with pytest.raises(ConfigError, match=message):
        Claim.from_dict(bad)


def test_an_unknown_measure_lists_the_valid_ones():
    with pytest.raises(ConfigError) as err:
        Claim.from_dict({"says": "s", "check": {"measure": "accuracy", "at_least": 1}})
    assert all(name in str(err.value) for name in MEASURES)


def test_plain_text_is_what_the_student_reads():
    assert plain_text("<p>One <b>two</b>&nbsp;three.</p><p>f′(z) &lt; 1 for <i>Pre</i>-activations</p>") == \
        "One two three. f′(z) < 1 for Pre-activations"
