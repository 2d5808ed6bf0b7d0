# SPDX-License-Identifier: BSD-3-Clause
"""``lava-nrl reproduce --quick``: every cell runs, the files are written, a second run reuses them, and
a folder of another configuration is refused rather than mixed in."""

import json

import pytest

from lava_nrl.engine.train import save_checkpoint, start_run
from lava_nrl.errors import OutputError
from lava_nrl.reproduce import cells, reproduce
from lava_nrl.runs import config_hash


def _plant_cell(out, cell) -> None:
    """A finished cell of ``cell``'s configuration under ``out``, as far as reproduce reads it first."""
    (out / "cells" / cell.name).mkdir(parents=True)
    (out / "cells" / cell.name / "summary.json").write_text(json.dumps({"config_hash": config_hash(cell.config)}))


@pytest.mark.timeout(600)
def test_quick_reproduction_writes_table_json_plots_and_resumes(tmp_path):
    _plant_cell(tmp_path, cells(quick=False)[0])  # a full run's cell: --overwrite removes it
    seen = []
    rows = reproduce(tmp_path, quick=True, on_cell=lambda name, reused, progress: seen.append(reused), jobs=2,
                     overwrite=True)
    names = [c.name for c in cells(quick=True)]
    assert len(rows) == len(names) == 36 and not any(seen)
    assert [r["cell"] for r in json.loads((tmp_path / "results.json").read_text())] == names
    table = (tmp_path / "results.md").read_text()
    assert table.splitlines()[0] == "# Results (--quick smoke run: not results)"
    assert all(f"| {name} |" in table for name in names)
    for png in ("Reaching1D-v0", "Acrobot-v1", "CartPole-v1", "CartPole-v1-depth"):
        assert (tmp_path / f"{png}.png").read_bytes()[:4] == b"\x89PNG"
    cartpole_bp = next(r for r in rows if r["cell"] == "CartPole-v1-bp-float")
    assert cartpole_bp["seeds"] == 2 and cartpole_bp["final_mean_return"][0] > 0
    seen.clear()
    again = reproduce(tmp_path, quick=True, on_cell=lambda name, reused, progress: seen.append(reused))
    assert all(seen) and again == rows  # nothing re-run, same numbers
    assert not list((tmp_path / "cohorts").iterdir())  # finished cohorts leave no checkpoint
    with pytest.raises(OutputError, match="cell Reaching1D-v0-nrl-float there was run with another configuration"):
        reproduce(tmp_path)  # the full run into the smoke run's folder


def test_a_finished_cell_of_another_configuration_is_refused(tmp_path):
    quick = cells(quick=True)[3]
    _plant_cell(tmp_path, quick)
    with pytest.raises(OutputError) as refused:
        reproduce(tmp_path, quick=False)
    assert str(refused.value) == (f"--out {tmp_path}: cell {quick.name} there was run with another configuration "
                                  "(--quick or not, or by an older lava-nrl); use a fresh --out or --overwrite")
    assert not (tmp_path / "results.md").exists()


def test_a_cohort_checkpoint_of_another_configuration_is_refused(tmp_path):
    cartpole = [c.config for c in cells(quick=True) if c.cohort == "CartPole-v1"]
    (tmp_path / "cohorts").mkdir()
    save_checkpoint(start_run(cartpole), tmp_path / "cohorts" / "CartPole-v1.ckpt")
    with pytest.raises(OutputError, match=r"cohorts/CartPole-v1.ckpt trains another configuration \(--quick or not\)"):
        reproduce(tmp_path, quick=False)


def test_reproduce_jobs_0_is_refused_like_train(tmp_path, capsys):
    from lava_nrl.cli import main

    assert main(["reproduce", "--out", str(tmp_path), "--jobs", "0"]) == 2
    assert capsys.readouterr().err.strip() == "error: --jobs must be ≥ 1; got 0"


def test_quick_lines_say_it_is_a_smoke_run(tmp_path, capsys, monkeypatch):
    from lava_nrl.cli import main

    from lava_nrl.cells import Progress

    def two_cells(out, quick, on_cell, **options):
        on_cell("Acrobot-v1-bp-float", False, Progress(1, 26, 250.0))
        on_cell("Acrobot-v1-nrl-float", True, Progress(2, 26, None))
        return [{}, {}]

    monkeypatch.setattr("lava_nrl.reproduce.reproduce", two_cells)
    assert main(["reproduce", "--out", str(tmp_path), "--quick"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("] Acrobot-v1-bp-float (smoke run) · 1/26 cells · ETA 4 min")
    assert lines[1].endswith("] Acrobot-v1-nrl-float (done before) (smoke run) · 2/26 cells")
    assert lines[2].startswith("2 cells of a --quick smoke run (not results) in ")
