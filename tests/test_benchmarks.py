"""The benchmark script still runs (a smoke run, not a timing: rates are only checked to be positive)."""

import json

import pytest

from benchmarks import run, workloads


def test_every_workload_builds_a_session_that_trains():
    for key in workloads.WORKLOADS:
        session = workloads.build_session(key, "float32", epoch_diagnostics=False)
        step0 = session.step
        next(session.run())
        assert session.step > step0, key


def test_unknown_workload_names_the_choices():
    with pytest.raises(ValueError, match="blobs-2-2-4"):
        workloads.get("nope")


def test_a_tiny_run_writes_every_measurement(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert run.main(["--no-torch", "--workload", "blobs-2-2-4", "--blocks", "1", "--duration", "0.05",
                     "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert [(r["workload"], r["dtype"]) for r in report["rows"]] == [("blobs-2-2-4", "float64"),
                                                                    ("blobs-2-2-4", "float32")]
    for row in report["rows"]:
        for mode in ("off", "diag", "every"):
            assert row[f"{mode}_steps_per_second"] > 0
        assert row["torch_steps_per_second"] is None and row["verdict"] == "skipped"
    assert 0 < report["boundary_ms"]["float32"]["session_boundary"] < 1000
    assert "ratios skipped" in capsys.readouterr().out


def test_a_short_soak_reports_memory_and_frames(capsys):
    from benchmarks import soak

    rows = soak.soak(2, (1000, 700), minute_s=0.8)
    assert [r["minute"] for r in rows] == [1, 2]
    for r in rows:
        assert r["rss_mb"] > 0 and r["fps"] > 0 and r["steps_per_s"] > 0
    assert rows[1]["epoch"] > rows[0]["epoch"]
    assert "minute  2" in capsys.readouterr().out


def test_a_short_gui_rate_row_measures_the_window_the_worker_and_the_session():
    from benchmarks import gui_rate

    assert set(gui_rate.WORKLOADS) == {"default", "lesson7", "deep10", "deep20", "moons5000"}
    assert gui_rate.workload_config("lesson7").model.hidden == (100,) * 5
    row = gui_rate.measure("default", 0.5, (1000, 700))
    assert row["steps_per_second"] > 0 and row["headless_steps_per_second"] > 0 and row["worker_ratio"] > 0
    assert set(row["visible"]) == set(row["views"])  # all six views on screen
    lines = gui_rate.table([row])
    assert lines[2].startswith("| default | ") and lines[2].count("|") == 8


def test_responsive_reports_the_time_to_show_and_the_longest_gap(capsys):
    from benchmarks import responsive

    assert responsive.main(["points", "2000"]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith("points 2,000: shown after ") and "longest event-loop gap" in line and "2,000 points" in line


def test_a_tiny_classic_study_is_timed_from_run_to_the_last_cell(qapp):
    from benchmarks import grid

    try:
        row = grid.classic(epochs=2, seeds=1, workers=2)
    finally:
        for window in grid._WINDOW:
            window.grid.shutdown()
            window.shutdown()
        grid._WINDOW.clear()
    assert row["runs"] == row["total"] == 16 and row["status"].startswith("Done: 16 runs")
    assert row["seconds"] > 0 and row["ticks"] > 0 and 0 <= row["p95"] <= row["longest"]


def test_the_pinned_overlays_rate_is_measured_with_eight_pins(qapp):
    from benchmarks import pins

    runs = pins.pinned_runs(5)
    assert len(runs) == 8 and len({r.name for r in runs}) == 8
    frames, steps = pins.measure(runs, 0.3, (1000, 700))
    assert frames > 0 and steps > 0
