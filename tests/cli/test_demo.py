# SPDX-License-Identifier: BSD-3-Clause
"""`make demo`'s options, with a shorter budget: its result line comes from its own run."""

import pathlib
import re
import shlex
import subprocess
import sys

import numpy as np
import pytest

from lava_nrl.runs import running_mean

ROOT = pathlib.Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.lava, pytest.mark.timeout(300), pytest.mark.usefixtures("no_lava_workers_left")]


def demo_options() -> list[str]:
    line = next(line for line in (ROOT / "Makefile").read_text().splitlines() if line.startswith("DEMO :="))
    return shlex.split(line.split(":=", 1)[1])


def test_a_shortened_demo_prints_its_own_result(tmp_path):
    options = demo_options()
    assert options[options.index("--backend") + 1] == "lava" and "--envs" in options
    done = subprocess.run([sys.executable, "-m", "lava_nrl.cli", "train", *options, "--episodes", "48",
                           "--out", str(tmp_path), "--no-progress"], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    returns = np.loadtxt(tmp_path / "returns.csv", delimiter=",", skiprows=1, usecols=3)
    envs = np.loadtxt(tmp_path / "returns.csv", delimiter=",", skiprows=1, usecols=1)
    assert len(returns) == 48 and set(envs) == set(range(16))  # the budget counts every environment's episodes
    best = running_mean(returns).max()
    assert re.search(rf"seed 42: not solved in 48 episodes; best 100-episode mean {best:.1f} \(threshold 475\)",
                     done.stdout), done.stdout
