# SPDX-License-Identifier: BSD-3-Clause
"""``lava-nrl reproduce --quick``: every cell runs, the files are written, and a second run reuses them."""

import json

import pytest

from lava_nrl.reproduce import cells, reproduce


@pytest.mark.timeout(600)
def test_quick_reproduction_writes_table_json_plots_and_resumes(tmp_path):
    seen = []
    rows = reproduce(tmp_path, quick=True, on_cell=lambda name, reused: seen.append(reused), jobs=2)
    names = [c.name for c in cells(quick=True)]
    assert len(rows) == len(names) == 26 and not any(seen)
    assert [r["cell"] for r in json.loads((tmp_path / "results.json").read_text())] == names
    table = (tmp_path / "results.md").read_text()
    assert all(f"| {name} |" in table for name in names)
    for png in ("Reaching1D-v0", "Acrobot-v1", "CartPole-v1", "CartPole-v1-depth"):
        assert (tmp_path / f"{png}.png").read_bytes()[:4] == b"\x89PNG"
    cartpole_bp = next(r for r in rows if r["cell"] == "CartPole-v1-bp-float")
    assert cartpole_bp["seeds"] == 2 and cartpole_bp["final_mean_return"][0] > 0
    seen.clear()
    again = reproduce(tmp_path, quick=True, on_cell=lambda name, reused: seen.append(reused))
    assert all(seen) and again == rows  # nothing re-run, same numbers
    assert not list((tmp_path / "cohorts").iterdir())  # finished cohorts leave no checkpoint
