# SPDX-License-Identifier: BSD-3-Clause
"""Interrupt and resume: SIGINT a run mid-way, resume it, and get the uninterrupted run's result."""

import json
import pathlib
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

ARGS = ["--env", "CartPole-v1", "--rule", "nrl-b", "--precision", "fixed", "--lr", "0.05",
        "--episodes", "150", "--seeds", "42,101", "--hidden", "8", "--no-progress"]


def _train(*args):
    return subprocess.run([sys.executable, "-m", "lava_nrl.cli", "train", *args],
                          capture_output=True, text=True, timeout=300)


def _assert_same_results(got, want, seeds=(42, 101)) -> None:
    """Two output directories hold the same returns and, bit for bit, the same weights."""
    assert (got / "returns.csv").read_text() == (want / "returns.csv").read_text()
    for seed in seeds:
        a, b = np.load(got / f"weights-seed{seed}.npz"), np.load(want / f"weights-seed{seed}.npz")
        for key in a.files:
            np.testing.assert_array_equal(a[key], b[key])


@pytest.mark.timeout(400)
def test_sigint_then_resume_equals_an_uninterrupted_run(tmp_path):
    whole, part = tmp_path / "whole", tmp_path / "part"
    assert _train(*ARGS, "--out", str(whole)).returncode == 0
    proc = subprocess.Popen([sys.executable, "-m", "lava_nrl.cli", "train", *ARGS, "--out", str(part),
                             "--checkpoint-every", "20"], stderr=subprocess.PIPE, text=True)
    checkpoint = part / "checkpoint.pkl"
    deadline = time.time() + 120
    while not checkpoint.exists() and time.time() < deadline:  # mid-way: after the first checkpoint
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "--resume" in stderr and "Traceback" not in stderr
    assert not (part / "summary.json").exists()
    resumed = _train("--resume", str(part), "--no-progress")
    assert resumed.returncode == 0, resumed.stderr
    _assert_same_results(part, whole)
    assert not checkpoint.exists()
    assert json.loads((part / "summary.json").read_text())["config"] == json.loads(
        (whole / "summary.json").read_text())["config"]


def _processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line contains ``text`` (Lava's workers are forks of the CLI)."""
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and text in (entry / "cmdline").read_bytes().decode(errors="replace"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.lava
@pytest.mark.timeout(400)
def test_lava_backend_sigint_then_resume_equals_the_engine(tmp_path):
    """--backend lava checkpoints after each seed: Ctrl-C during the second seed keeps the first, leaves
    no Lava worker behind, and --resume finishes with the uninterrupted (engine's) result."""
    args = ["--env", "CartPole-v1", "--rule", "nrl-b", "--precision", "fixed", "--lr", "0.05", "--episodes", "40",
            "--seeds", "42,101", "--hidden", "8", "--no-progress"]
    engine, part = tmp_path / "engine", tmp_path / "lava"
    assert _train(*args, "--out", str(engine)).returncode == 0
    proc = subprocess.Popen([sys.executable, "-m", "lava_nrl.cli", "train", *args, "--backend", "lava",
                             "--out", str(part)], stderr=subprocess.PIPE, text=True)
    checkpoint = part / "checkpoint.pkl"
    deadline = time.time() + 200
    while not checkpoint.exists() and time.time() < deadline:  # the first seed is done
        time.sleep(0.05)
    time.sleep(1.0)  # the second seed's graph is running
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "--resume" in stderr and "Traceback" not in stderr
    assert _processes_mentioning(str(part)) == []
    resumed = _train("--resume", str(part))
    assert resumed.returncode == 0, resumed.stderr
    _assert_same_results(part, engine)
    assert not checkpoint.exists()


def test_resume_without_a_checkpoint_is_a_clear_error(tmp_path):
    proc = _train("--resume", str(tmp_path), "--no-progress")
    assert proc.returncode == 2 and proc.stderr.strip() == f"error: --resume {tmp_path}: no checkpoint.pkl there"
