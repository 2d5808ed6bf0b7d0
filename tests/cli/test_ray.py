# SPDX-License-Identifier: BSD-3-Clause
"""The commands on a real Ray cluster of this machine (a head on 127.0.0.1 with 2 CPUs, and a second
node for one test): their files equal the local run's bit for bit, after a worker killed mid-unit, a
driver interrupted and rerun, and a node lost too. No Ray or lava-nrl process outlives a test: each
command runs in a session of its own, which must be empty when it ends, and the nodes' sessions are
killed in a ``finally``. Skipped where Ray is not installed."""

import contextlib
import json
import os
import pathlib
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

from tests.helpers.ray_nodes import (
    cmdline, needs_ray, ray_environment, ray_head, second_node, session_processes, stop_session, task_workers,
)
from tests.helpers.checks import wait_for

pytestmark = needs_ray

# Three units of Reaching1D (fixed 300-step trials, so each lasts the same) that checkpoint every few
# episodes: long enough (a few seconds each) to be interrupted after a checkpoint and before their end.
LONG = ["--env", "env_bridge/Reaching1D-v0", "--rule", "nrl", "--episodes", "120", "--seeds", "1", "--hidden", "16",
        "--grid", "lr=0.05,0.1,0.2", "--checkpoint-every", "4", "--grain", "cell"]
SMALL = ["--env", "CartPole-v1", "--episodes", "30", "--seeds", "1,2", "--hidden", "8"]


@pytest.fixture(scope="module")
def head():
    with ray_head(cpus=2) as (node, env):
        yield node, env


def _start(env: dict, *args) -> subprocess.Popen:
    """``lava-nrl ARGS`` in a session of its own."""
    return subprocess.Popen([sys.executable, "-m", "lava_nrl.cli", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def _finish(proc: subprocess.Popen, timeout: float = 300) -> tuple[str, str]:
    """Its output once it ended; no process of its session may outlive it by more than a few seconds
    (Python's resource tracker takes a moment to see its parent gone); they are killed if one does."""
    try:
        out, err = proc.communicate(timeout=timeout)
        deadline = time.time() + 10
        while session_processes(proc.pid) and time.time() < deadline:
            time.sleep(0.1)
    finally:
        left = {pid: cmdline(pid) for pid in session_processes(proc.pid)}
        stop_session(proc.pid)
    assert left == {}, f"processes left behind: {left}"
    return out, err


@contextlib.contextmanager
def _running(env: dict, *args):
    """``lava-nrl ARGS`` in a session of its own, which is killed if the block fails."""
    proc = _start(env, *args)
    try:
        yield proc
    except BaseException:
        stop_session(proc.pid)
        raise


def _lava_nrl(env: dict, *args) -> tuple[str, str]:
    proc = _start(env, *args)
    out, err = _finish(proc)
    assert proc.returncode == 0, err
    return out, err


def _provenance_free(summary: pathlib.Path) -> dict:
    """A summary.json without what differs between two runs of the same numbers (when, where, how long)."""
    s = json.loads(summary.read_text())
    for key in ("command", "machine", "git_commit"):
        s.pop(key, None)
    for seed in s["seeds"].values():
        seed.pop("wall_seconds")
    return s


def _files(folder: pathlib.Path) -> list:
    """A run's files (TensorBoard's event files are named after the time they were written)."""
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file() and "tensorboard" not in p.parts)


def assert_same_files(got: pathlib.Path, want: pathlib.Path) -> None:
    """Two runs' folders hold the same files, byte for byte; summary.json but for time and place."""
    names = _files(want)
    assert names == _files(got)
    for name in names:
        if name.name == "summary.json":
            assert _provenance_free(got / name) == _provenance_free(want / name), name
        else:
            assert (got / name).read_bytes() == (want / name).read_bytes(), name


def _rows_without_wall(path: pathlib.Path) -> list:
    """results.json's rows without their wall time."""
    return [{k: v for k, v in row.items() if k != "wall_seconds"} for row in json.loads(path.read_text())]


def _csv_without_wall(path: pathlib.Path) -> list:
    """sweep.csv's lines without their last column, the wall time."""
    return [line.rsplit(",", 1)[0] for line in path.read_text().splitlines()]


@pytest.mark.timeout(420)
def test_reproduce_quick_on_a_ray_head_equals_the_local_run(head, tmp_path):
    from lava_nrl.reproduce import cells, reproduce

    node, env = head
    out, _ = _lava_nrl(env, "reproduce", "--quick", "--ray", node.address, "--out", str(tmp_path / "ray"))
    lines, n = out.splitlines(), len(cells(quick=True))
    assert f"(smoke run) · 1/{n} cells" in lines[0] and f"(smoke run) · {n}/{n} cells" in lines[-2]
    assert all(" · ETA " in line for line in lines[:-1])
    reproduce(tmp_path / "local", quick=True, jobs=2)
    assert_same_files(tmp_path / "ray" / "cells", tmp_path / "local" / "cells")
    assert _rows_without_wall(tmp_path / "ray" / "results.json") == \
        _rows_without_wall(tmp_path / "local" / "results.json")
    assert not list((tmp_path / "ray" / "cohorts").iterdir())


@pytest.mark.timeout(300)
def test_a_sweep_by_seed_and_a_train_run_on_ray_equal_the_local_runs(head, tmp_path):
    node, env = head
    grid = ["--grid", "lr=0.01,0.05 sigma=1e-3,1e-2"]
    _lava_nrl(env, "sweep", *SMALL, *grid, "--ray", node.address, "--grain", "seed", "--out", str(tmp_path / "ray"))
    _lava_nrl(env, "sweep", *SMALL, *grid, "--out", str(tmp_path / "local"))  # 2 processes, a unit per cell
    assert_same_files(tmp_path / "ray" / "cells", tmp_path / "local" / "cells")
    assert _csv_without_wall(tmp_path / "ray" / "sweep.csv") == _csv_without_wall(tmp_path / "local" / "sweep.csv")
    _lava_nrl(env, "train", *SMALL, "--ray", node.address, "--no-progress", "--out", str(tmp_path / "train-ray"))
    _lava_nrl(env, "train", *SMALL, "--no-progress", "--out", str(tmp_path / "train-local"))
    assert_same_files(tmp_path / "train-ray", tmp_path / "train-local")
    assert len((tmp_path / "train-ray" / "returns.csv").read_text().splitlines()) == 1 + 2 * 30


@pytest.fixture(scope="module")
def long_sweep_here(tmp_path_factory):
    """The LONG sweep run locally: what every fault on Ray must still give."""
    out = tmp_path_factory.mktemp("long-local")
    _lava_nrl(dict(os.environ), "sweep", *LONG, "--out", str(out))
    return out


def _when_checkpointed(out: pathlib.Path, units: int = 1):
    return lambda: len(list((out / "cohorts").glob("*.ckpt"))) >= units


def _mid_units(out: pathlib.Path, units: int):
    """``units`` units have checkpointed and none has ended, so every task under way is one of them
    (a unit still waiting starts only when one ends)."""
    return lambda: _when_checkpointed(out, units)() and not list((out / "cells").glob("*"))


@pytest.mark.timeout(300)
def test_a_worker_killed_mid_unit_is_run_again_from_its_checkpoint(head, tmp_path, long_sweep_here):
    node, env = head
    with _running(env, "sweep", *LONG, "--ray", node.address, "--out", str(tmp_path)) as proc:
        # Both units running on the 2 CPUs have checkpointed, so whichever worker dies has a checkpoint.
        wait_for(_mid_units(tmp_path, 2), 120, "the running units' first checkpoints")
        worker = min(wait_for(lambda: task_workers(node.session), 30, "a worker inside its unit"))
        assert _mid_units(tmp_path, 2)(), "a unit ended before a worker could be killed: make LONG longer"
        os.kill(worker, signal.SIGKILL)
    _, err = _finish(proc)
    assert proc.returncode == 0, err
    assert "a worker or node was lost; running it again from its checkpoint at" in err, err
    assert_same_files(tmp_path / "cells", long_sweep_here / "cells")


@pytest.mark.timeout(300)
def test_an_interrupted_driver_keeps_its_checkpoints_and_a_rerun_finishes(head, tmp_path, long_sweep_here):
    node, env = head
    with _running(env, "sweep", *LONG, "--ray", node.address, "--out", str(tmp_path)) as proc:
        wait_for(_when_checkpointed(tmp_path, 2), 120, "both units' first checkpoints")
        proc.send_signal(signal.SIGINT)
    _, err = _finish(proc, timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err, err
    kept = {p.name for p in (tmp_path / "cohorts").glob("*.ckpt")}
    assert len(kept) >= 2 and not (tmp_path / "sweep.csv").exists()
    out, _ = _lava_nrl(env, "sweep", *LONG, "--ray", node.address, "--out", str(tmp_path))
    assert_same_files(tmp_path / "cells", long_sweep_here / "cells")
    assert not list((tmp_path / "cohorts").iterdir())


@pytest.mark.timeout(300)
def test_the_units_of_a_lost_node_run_again_elsewhere(head, tmp_path, long_sweep_here):
    node, env = head
    with second_node(node, env, cpus=1) as extra, \
            _running(env, "sweep", *LONG, "--ray", node.address, "--out", str(tmp_path)) as proc:
        wait_for(lambda: task_workers(extra.session), 120, "a unit on the second node")
        wait_for(_mid_units(tmp_path, 3), 120, "the three units' first checkpoints")
        stop_session(extra.session)  # the node is lost: its raylet and workers killed
        _, err = _finish(proc)
    assert proc.returncode == 0, err
    assert "a worker or node was lost; running it again from its checkpoint at" in err, err
    assert_same_files(tmp_path / "cells", long_sweep_here / "cells")


@pytest.mark.timeout(300)
def test_train_on_a_ray_instance_of_its_own_equals_a_local_run(tmp_path):
    """``--ray`` without an address starts a Ray instance for the command, which stops with it."""
    token_file = pathlib.Path.home() / ".ray" / "auth_token"
    had_token = token_file.exists()
    temp = tempfile.mkdtemp(prefix="lnr-ray-", dir="/tmp")
    env = {k: v for k, v in ray_environment(secrets.token_hex(8)).items() if not k.startswith("RAY_AUTH")}
    try:
        _lava_nrl({**env, "RAY_TMPDIR": temp}, "train", *SMALL, "--ray", "--no-progress",
                  "--out", str(tmp_path / "ray"))
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    _lava_nrl(env, "train", *SMALL, "--no-progress", "--out", str(tmp_path / "local"))
    assert_same_files(tmp_path / "ray", tmp_path / "local")
    assert token_file.exists() == had_token  # its token lived in its environment only


@pytest.mark.timeout(60)
def test_an_address_where_no_head_answers_is_one_line_at_once(tmp_path, capsys):
    from lava_nrl.cli import main

    with socket.socket() as unused:  # a port nothing listens on
        unused.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{unused.getsockname()[1]}"
    assert main(["sweep", "--grid", "lr=0.1", "--ray", address, *SMALL, "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == f"error: --ray {address}: no Ray head answers there (Connection refused)"
    assert main(["train", "--ray", "ray://head:10001", *SMALL, "--out", str(tmp_path / "train")]) == 2
    assert "not HOST:PORT" in capsys.readouterr().err
