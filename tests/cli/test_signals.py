# SPDX-License-Identifier: BSD-3-Clause
"""Signals sent to real runs: SIGTERM is handled like Ctrl-C, Ctrl-C stops a ``reproduce --jobs 2``
within seconds, and even SIGKILL of the main process leaves no Lava or pool worker behind. After
every signal the processes the run had started are counted."""

import contextlib
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest

from lava_nrl.reproduce import LONGEST_FIRST
from tests.helpers.checks import wait_for

LONG_TRAIN = ["--env", "CartPole-v1", "--rule", "nrl-b", "--episodes", "100000", "--seeds", "42,101",
              "--hidden", "8", "--no-progress"]


def _parents() -> dict[int, int]:
    """Parent of every live (non-zombie) process."""
    parents = {}
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # it ended while we looked
        if fields[0] != "Z":
            parents[int(stat.parent.name)] = int(fields[1])
    return parents


def descendants(pid: int) -> set[int]:
    """Live processes below ``pid`` (children, their children …), Python's resource tracker aside."""
    parents, found, frontier = _parents(), set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return {p for p in found if b"resource_tracker" not in _cmdline(p)}


def _cmdline(pid: int) -> bytes:
    try:
        return pathlib.Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def alive(pids) -> set[int]:
    parents = _parents()
    return {p for p in pids if p in parents}


def start(*args) -> subprocess.Popen:
    """The CLI in its own session (so that a test can send a terminal's Ctrl-C to its group)."""
    return subprocess.Popen([sys.executable, "-m", "lava_nrl.cli", *args], stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def cpu_seconds(pid: int) -> float:
    try:
        fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def workers_of(proc: subprocess.Popen) -> set[int]:
    """The processes a run started, once they are all up and training has begun. jobs: a manager and
    two workers; lava: two model workers, a runtime service and a shared-memory server."""
    wait_for(lambda: len(descendants(proc.pid)) >= 3, 60, "the workers")
    time.sleep(1.0)
    return descendants(proc.pid)


@contextlib.contextmanager
def training_with_workers(tmp_path, *extra):
    """A long ``train`` run into ``tmp_path`` and its workers, once they run; whatever happens, neither
    outlives the test."""
    proc = start("train", *LONG_TRAIN, *extra, "--out", str(tmp_path))
    workers = set()
    try:
        workers = workers_of(proc)
        yield proc, workers
    finally:
        proc.kill()
        kill_all(workers)


def kill_all(pids) -> None:
    for pid in alive(pids):
        os.kill(pid, signal.SIGKILL)


@pytest.mark.timeout(120)
def test_sigterm_to_an_engine_run_checkpoints_like_ctrl_c(tmp_path):
    proc = start("train", *LONG_TRAIN, "--checkpoint-every", "20", "--out", str(tmp_path))
    try:
        wait_for((tmp_path / "checkpoint.pkl").exists, 60, "the first checkpoint")
        written = (tmp_path / "checkpoint.pkl").stat().st_mtime_ns
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
        assert proc.returncode == 143, stderr
        assert stderr.strip() == (f"terminated: checkpoint in {tmp_path / 'checkpoint.pkl'}; "
                                  f"continue with: lava-nrl train --resume {tmp_path}")
        assert (tmp_path / "checkpoint.pkl").stat().st_mtime_ns > written  # written again on the signal
    finally:
        proc.kill()


@pytest.mark.timeout(120)
@pytest.mark.parametrize("backend", ["jobs", "lava"])
def test_sigterm_stops_the_run_like_ctrl_c_with_no_worker_left(tmp_path, backend):
    extra = ["--jobs", "2"] if backend == "jobs" else ["--backend", "lava"]
    with training_with_workers(tmp_path, *extra) as (proc, workers):
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
        assert proc.returncode == 143, stderr
        assert stderr.startswith("terminated") and "Traceback" not in stderr
        if backend == "lava":  # no seed had finished: nothing to resume from, and it says so
            assert "no seed had finished, so there is no checkpoint" in stderr
            assert not (tmp_path / "checkpoint.pkl").exists()
        assert alive(workers) == set()


@pytest.mark.timeout(120)
def test_ctrl_c_in_a_terminal_stops_a_lava_run_without_worker_tracebacks(tmp_path):
    """A terminal sends SIGINT to every process of the group, Lava's workers included: they leave it
    to the main process, which kills them."""
    with training_with_workers(tmp_path, "--backend", "lava") as (proc, workers):
        os.killpg(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
        assert proc.returncode == 130, stderr
        assert stderr.strip() == "interrupted: no seed had finished, so there is no checkpoint; start again"
        assert alive(workers) == set()


@pytest.mark.timeout(120)
@pytest.mark.parametrize("backend", ["jobs", "lava"])
def test_sigkill_of_the_main_process_leaves_no_worker(tmp_path, backend):
    extra = ["--jobs", "2"] if backend == "jobs" else ["--backend", "lava"]
    with training_with_workers(tmp_path, *extra) as (proc, workers):
        proc.kill()
        proc.wait(timeout=10)
        # the kernel kills them with their parent (PR_SET_PDEATHSIG); give it a moment to reap them
        wait_for(lambda: not alive(workers), 5, f"workers {alive(workers)} to die with their parent")


@pytest.fixture(scope="module")
def compiled_kernels():
    """The kernels in numba's cache for both precisions, so that a worker's CPU time past a few
    seconds is training (an interrupt while compiling rightly leaves no checkpoint)."""
    from lava_nrl.engine import TrainConfig, train
    from lava_nrl.engine.config import REACHING

    for env in (REACHING, "CartPole-v1"):
        for precision in ("float", "fixed"):
            train(TrainConfig(env=env, precision=precision, episodes=1, seeds=(0,), hidden=4))


@pytest.mark.timeout(300)
@pytest.mark.parametrize("sender", ["ctrl-c", "sigterm"])
def test_interrupting_reproduce_checkpoints_every_cohort_and_exits_within_seconds(tmp_path, sender,
                                                                                   compiled_kernels):
    proc = start("reproduce", "--jobs", "2", "--out", str(tmp_path))
    workers = set()
    try:
        def two_workers_training():
            found = {p for p in descendants(proc.pid) if b"spawn_main" in _cmdline(p)}
            return found if len(found) == 2 and all(cpu_seconds(p) > 6 for p in found) else None

        workers = wait_for(two_workers_training, 120, "two workers inside their cohort's training")
        if sender == "ctrl-c":  # a terminal sends SIGINT to the whole foreground group
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGTERM)
        interrupted = time.time()
        _, stderr = proc.communicate(timeout=60)
        assert time.time() - interrupted < 15
        assert proc.returncode == (130 if sender == "ctrl-c" else 143), stderr
        assert alive(workers) == set()
        checkpoints = sorted(p.name for p in (tmp_path / "cohorts").iterdir())
        assert checkpoints == sorted(f"{c}.ckpt" for c in LONGEST_FIRST[:2])  # the two cohorts under way
        written = {p: p.stat().st_mtime_ns for p in (tmp_path / "cohorts").iterdir()}
        time.sleep(2.0)
        assert {p: p.stat().st_mtime_ns for p in (tmp_path / "cohorts").iterdir()} == written
    finally:
        proc.kill()
        kill_all(workers)


_INTERRUPT_IN_A_CALLBACK = """
import ctypes, sys, time
from lava_nrl.workers import keep_interrupts_from_callbacks
if sys.argv[1] == "kept":
    keep_interrupts_from_callbacks()
    keep_interrupts_from_callbacks()  # idempotent: one hook, one delivery

def ctrl_c_lands_here():  # as in llvmlite's object-cache callback while numba compiles
    raise KeyboardInterrupt

try:
    ctypes.CFUNCTYPE(None)(ctrl_c_lands_here)()
    time.sleep(1)  # compiling goes on
    print("went on")
except KeyboardInterrupt:
    print("interrupted")
"""


@pytest.mark.timeout(60)
@pytest.mark.parametrize("hook", ["kept", "python's own"])
def test_an_interrupt_landing_in_a_ctypes_callback_is_delivered_not_lost(hook):
    done = subprocess.run([sys.executable, "-c", _INTERRUPT_IN_A_CALLBACK, hook], capture_output=True,
                          text=True, timeout=50)
    if hook == "kept":
        assert (done.stdout, done.stderr) == ("interrupted\n", "")
    else:  # what Ctrl-C during a compilation used to do: a traceback, and the run went on
        assert done.stdout == "went on\n" and "Exception ignored on calling ctypes callback" in done.stderr
