# SPDX-License-Identifier: BSD-3-Clause
"""Entry point: ``lava-nrl train`` as a user runs it (a subprocess), its files and its errors."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from lava_nrl.runs import WINDOW


def _run(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "lava_nrl.cli", "train", "--no-progress", *args],
                          capture_output=True, text=True, timeout=timeout)


def test_train_writes_every_result_file(tmp_path):
    out = tmp_path / "run"
    proc = _run("--episodes", "3", "--seeds", "42,101", "--hidden", "8", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(open(out / "returns.csv")))
    assert [r["seed"] for r in rows] == ["42"] * 3 + ["101"] * 3
    assert all(float(r["return"]) == float(r["length"]) for r in rows)  # CartPole pays 1 per step
    summary = json.loads((out / "summary.json").read_text())
    assert summary["config"]["rule"] == "nrl-b" and summary["reward_threshold"] == 475.0
    assert set(summary["seeds"]) == {"42", "101"}
    assert summary["seeds"]["42"]["env_steps"] == sum(int(r["length"]) for r in rows[:3])
    w = np.load(out / "weights-seed42.npz")
    assert sorted(w.files) == ["W0", "W1"] and w["W0"].shape == (8, 4) and w["W1"].shape == (2, 8)
    assert (out / "curve.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("args,cause", [
    (["--env", "NoSuchEnv-v0"], "unknown or unavailable environment 'NoSuchEnv-v0'"),
    (["--env", "Pendulum-v1"], "action space Box"),
    (["--episodes", "0"], "episodes must be a positive integer"),
    (["--seeds", "42,abc"], "seeds must be comma-separated integers"),
    (["--lr", "inf"], "lr must be a finite number"),
    (["--reward", "delay:0"], "delay:0"),
    (["--env", "tests.helpers.envs:NaNCartPole-v0"], "observation of the agent with seed 42 is not finite"),
])
def test_bad_input_is_one_clear_line(tmp_path, args, cause):
    proc = _run("--episodes", "2", "--seeds", "42", "--out", str(tmp_path), *args)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and cause in lines[0], proc.stderr


@pytest.mark.lava
@pytest.mark.timeout(180)
def test_lava_backend_writes_the_engines_results(tmp_path):
    common = ["--episodes", "4", "--seeds", "42,7", "--hidden", "16", "--precision", "fixed", "--lr", "0.05"]
    engine = _run(*common, "--out", str(tmp_path / "numpy"))
    lava = _run(*common, "--backend", "lava", "--out", str(tmp_path / "lava"))
    assert engine.returncode == 0 and lava.returncode == 0, lava.stderr
    assert (tmp_path / "lava" / "returns.csv").read_text() == (tmp_path / "numpy" / "returns.csv").read_text()
    for seed in (42, 7):
        a, b = (np.load(tmp_path / run / f"weights-seed{seed}.npz") for run in ("lava", "numpy"))
        for key in a.files:
            np.testing.assert_array_equal(a[key], b[key])


@pytest.mark.lava
@pytest.mark.timeout(180)
def test_lava_backend_stops_a_seed_at_the_threshold_as_the_engine_does(tmp_path):
    """EasyCartPole's threshold (15) is held from about episode 100: both backends stop there, with the
    same returns and weights."""
    common = ["--env", "tests.helpers.envs:EasyCartPole-v0", "--episodes", "400", "--stop-after-threshold", "5",
              "--seeds", "42,7", "--hidden", "8", "--precision", "fixed", "--lr", "0.05"]
    engine = _run(*common, "--out", str(tmp_path / "numpy"))
    lava = _run(*common, "--backend", "lava", "--out", str(tmp_path / "lava"))
    assert engine.returncode == 0 and lava.returncode == 0, lava.stderr
    returns = (tmp_path / "lava" / "returns.csv").read_text()
    assert returns == (tmp_path / "numpy" / "returns.csv").read_text()
    episodes = json.loads((tmp_path / "lava" / "summary.json").read_text())["seeds"]
    assert all(WINDOW + 4 <= s["episodes"] < 400 for s in episodes.values()), episodes
    for seed in (42, 7):
        a, b = (np.load(tmp_path / run / f"weights-seed{seed}.npz") for run in ("lava", "numpy"))
        for key in a.files:
            np.testing.assert_array_equal(a[key], b[key])
