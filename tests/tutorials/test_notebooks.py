# SPDX-License-Identifier: BSD-3-Clause
"""The tutorials cannot rot: each runs top to bottom in a fresh kernel (nbclient, from a temporary copy;
the committed notebooks are never rewritten here), its own asserting cells check its claims, and no
kernel or Lava worker outlives it — also when it hangs. The committed notebooks carry their executed
outputs with small images, and the index lists every one of them.

A new tutorial is found by its name (``tutorials/NN_name.ipynb``); nothing here lists them.
"""

import base64
import importlib.util
import json
import os
import pathlib
import shutil

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

ROOT = pathlib.Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("tutorials_run", ROOT / "tutorials" / "run.py")
run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run)

NOTEBOOKS = run.notebooks()
MAX_IMAGE_BYTES = 200_000


def by_name(path):
    return path.stem


@pytest.mark.lava
@pytest.mark.timeout(run.NOTEBOOK_TIMEOUT + 60)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=by_name)
def test_tutorial_runs_top_to_bottom_and_stops_its_workers(path, tmp_path):
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    before = path.read_bytes()
    notebook, seconds, leftover = run.execute(copy, tmp_path)  # a failing cell raises CellExecutionError
    assert leftover == [], f"{path.name} left Lava workers running: {leftover}"
    assert all(not c.get("outputs") or all(o.output_type != "error" for o in c.outputs) for c in notebook.cells)
    assert path.read_bytes() == before


def alive(pid: int) -> bool:
    try:
        state = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


START_LAVA = """
import json, multiprocessing, os
from lava.magma.core.run_conditions import {condition}
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.proc.lif.process import LIF
lif = LIF(shape=(1,))
lif.run(condition={condition}({arguments}), run_cfg=Loihi2SimCfg())
pids = [os.getpid()] + [child.pid for child in multiprocessing.active_children()]
json.dump(pids, open("pids.json", "w"))
"""


def write_notebook(path, *sources):
    nbformat.write(new_notebook(cells=[new_code_cell(s) for s in sources]), path)


@pytest.mark.lava
@pytest.mark.timeout(180)
def test_a_hung_notebook_is_stopped_and_its_kernel_and_lava_workers_killed(tmp_path):
    """A cell that never returns while a Lava graph runs on: past the timeout the notebook raises, and
    the kernel and every Lava worker are gone (plain Lava: no lava-nrl fork hook kills them)."""
    path = tmp_path / "hung.ipynb"
    write_notebook(path, START_LAVA.format(condition="RunContinuous", arguments=""), "import time\ntime.sleep(600)")
    with pytest.raises(TimeoutError, match="did not finish within 30 s"):
        run.execute(path, tmp_path, timeout=30)
    pids = json.loads((tmp_path / "pids.json").read_text())
    assert len(pids) >= 3  # the kernel, the LIF's worker, Lava's runtime service
    assert [pid for pid in pids if alive(pid)] == []


@pytest.mark.lava
@pytest.mark.timeout(120)
def test_workers_a_notebook_leaves_running_are_reported_and_killed(tmp_path):
    path = tmp_path / "unstopped.ipynb"
    write_notebook(path, START_LAVA.format(condition="RunSteps", arguments="num_steps=5"))
    notebook, seconds, leftover = run.execute(path, tmp_path)
    pids = json.loads((tmp_path / "pids.json").read_text())
    assert leftover and set(leftover) <= set(pids[1:])
    assert [pid for pid in pids if alive(pid)] == []


@pytest.mark.lava
@pytest.mark.timeout(120)
def test_a_failing_claim_fails_the_run_and_its_workers_are_killed(tmp_path):
    from nbclient.exceptions import CellExecutionError

    path = tmp_path / "regressed.ipynb"
    write_notebook(path, START_LAVA.format(condition="RunSteps", arguments="num_steps=5"),
                   "assert 1 == 2, 'a claim that no longer holds'")
    with pytest.raises(CellExecutionError, match="a claim that no longer holds"):
        run.execute(path, tmp_path)
    assert [pid for pid in json.loads((tmp_path / "pids.json").read_text()) if alive(pid)] == []


def test_a_kernel_group_that_is_ours_is_never_killed():
    with pytest.raises(RuntimeError, match="own process group"):
        run.kill_group(os.getpgid(0))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=by_name)
def test_committed_tutorial_holds_its_outputs_with_small_images(path):
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1)), "run it: python tutorials/run.py"
    outputs = [output for cell in code for output in cell.outputs]
    assert all(output.output_type != "error" for output in outputs)
    images = [base64.b64decode(o.data["image/png"]) for o in outputs if "image/png" in o.get("data", {})]
    assert images, "a tutorial shows pictures"
    assert max(len(image) for image in images) <= MAX_IMAGE_BYTES
    assert run.run_time_of(notebook)  # the first cell states the run time


def test_the_index_lists_every_tutorial_and_the_readme_links_it():
    assert NOTEBOOKS
    assert run.index_table(NOTEBOOKS) in run.INDEX.read_text(), "regenerate it: python tutorials/run.py"
    assert "(tutorials/README.md)" in (ROOT / "README.md").read_text()
