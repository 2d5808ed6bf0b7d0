# SPDX-License-Identifier: BSD-3-Clause
"""``--max-episode-steps`` and ``--env-kwargs``: environments whose episodes never end, and
environments with options."""

import csv
import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.timeout(180)


def _train(out, *args):
    return subprocess.run([sys.executable, "-m", "lava_nrl.cli", "train", "--no-progress", "--hidden", "4",
                           "--seeds", "3", "--out", str(out), *args], capture_output=True, text=True, timeout=150)


def _rows(out):
    return list(csv.DictReader(open(out / "returns.csv")))


def test_max_episode_steps_ends_the_episodes_of_an_endless_env(tmp_path):
    proc = _train(tmp_path, "--env", "tests.helpers.envs:EndlessCartPole-v0", "--max-episode-steps", "20",
                  "--episodes", "3")
    assert proc.returncode == 0, proc.stderr
    assert [int(r["length"]) for r in _rows(tmp_path)] == [20, 20, 20]
    assert "warning" not in proc.stderr
    assert json.loads((tmp_path / "summary.json").read_text())["config"]["max_episode_steps"] == 20


def test_an_env_without_a_step_limit_is_warned_about(tmp_path):
    proc = _train(tmp_path, "--env", "tests.helpers.envs:UnlimitedCartPole-v0", "--episodes", "2")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == ("warning: tests.helpers.envs:UnlimitedCartPole-v0 has no step limit; if its "
                                   "episodes never end, neither does the run (set --max-episode-steps N)")


def test_env_kwargs_reach_the_environment(tmp_path):
    proc = _train(tmp_path / "sutton", "--env-kwargs", "sutton_barto_reward=True", "--episodes", "3")
    assert proc.returncode == 0, proc.stderr
    rows = _rows(tmp_path / "sutton")
    assert all(float(r["return"]) == -1.0 and int(r["length"]) > 1 for r in rows)  # 0 per step, −1 at the fall
    config = json.loads((tmp_path / "sutton" / "summary.json").read_text())["config"]
    assert config["env_kwargs"] == {"sutton_barto_reward": True}


def test_env_kwargs_off_the_fast_path_give_the_same_run(tmp_path):
    """Any env keyword turns CartPole's fast path off; with the default value the run is unchanged."""
    plain = _train(tmp_path / "plain", "--episodes", "4")
    explicit = _train(tmp_path / "explicit", "--episodes", "4", "--env-kwargs", "sutton_barto_reward=False")
    assert plain.returncode == explicit.returncode == 0, explicit.stderr
    assert _rows(tmp_path / "plain") == _rows(tmp_path / "explicit")


def test_bad_env_kwargs_are_one_line(tmp_path):
    proc = _train(tmp_path, "--env-kwargs", "g", "--episodes", "2")
    assert proc.returncode == 2 and proc.stderr.startswith("error: ")
    assert "env-kwargs must be 'key=value,…'" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.lava
@pytest.mark.usefixtures("no_lava_workers_left")
def test_the_lava_backend_honours_the_env_options(tmp_path):
    common = ["--env", "tests.helpers.envs:EndlessCartPole-v0", "--max-episode-steps", "15", "--episodes", "2",
              "--precision", "fixed"]
    engine, lava = _train(tmp_path / "numpy", *common), _train(tmp_path / "lava", *common, "--backend", "lava")
    assert engine.returncode == lava.returncode == 0, lava.stderr
    assert _rows(tmp_path / "lava") == _rows(tmp_path / "numpy") and _rows(tmp_path / "lava")[0]["length"] == "15"
