"""engine.cli writes only through the writers it is given: nothing reaches the terminal by itself."""

import json

from engine.cli import main


def test_results_progress_and_help_go_to_the_given_writers(tmp_path, write, capsys):
    from cli_helpers import SMALL

    out, err = [], []
    assert main(["probe", "--depth", "2", "--width", "8", "--samples", "50", "--json"],
                out=out.append, err=err.append) == 0
    assert json.loads("\n".join(out))["layers"][0]["index"] == 1
    out.clear()
    assert main(["sweep", str(write(SMALL)), "--vary", "model.activation=tanh,relu", "--seeds", "0",
                 "--out", str(tmp_path / "r.csv"), "--jobs", "1"], out=out.append, err=err.append) == 0
    assert out[0].startswith("validation accuracy over 1 seed (2 runs")
    assert any(line.startswith("[2/2]") for line in err)
    out.clear()
    assert main(["run", "--help"], out=out.append, err=err.append) == 0
    assert "--out" in "\n".join(out)
    err.clear()
    assert main(["run", str(write("{")), "--out", str(tmp_path / "r.json")], out=out.append, err=err.append) == 2
    assert len(err) == 1 and err[0].startswith("error: ")
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
