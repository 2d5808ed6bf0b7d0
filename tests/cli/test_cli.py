# SPDX-License-Identifier: BSD-3-Clause
"""Entry point: ``lava-nrl train`` as a user runs it (a subprocess), its files and its errors."""

import argparse
import csv
import json
import os
import pathlib
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
    assert list(rows[0]) == ["seed", "env", "episode", "return", "length", "env_steps"]
    assert [r["seed"] for r in rows] == ["42"] * 3 + ["101"] * 3
    assert [r["episode"] for r in rows] == ["1", "2", "3"] * 2 and {r["env"] for r in rows} == {"0"}
    assert all(float(r["return"]) == float(r["length"]) for r in rows)  # CartPole pays 1 per step
    for seed in ("42", "101"):
        lengths = [int(r["length"]) for r in rows if r["seed"] == seed]
        assert [int(r["env_steps"]) for r in rows if r["seed"] == seed] == list(np.cumsum(lengths))
    summary = json.loads((out / "summary.json").read_text())
    assert summary["config"]["rule"] == "nrl-b" and summary["reward_threshold"] == 475.0
    assert set(summary["seeds"]) == {"42", "101"}
    assert summary["seeds"]["42"]["env_steps"] == sum(int(r["length"]) for r in rows[:3])
    w = np.load(out / "weights-seed42.npz")
    assert sorted(w.files) == ["W0", "W1", "params"] and w["W0"].shape == (8, 4) and w["W1"].shape == (2, 8)
    assert (out / "curve.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("args,cause", [
    (["--env", "NoSuchEnv-v0"], "unknown or unavailable environment 'NoSuchEnv-v0'"),
    (["--env", "Pendulum-v1"], "action space Box"),
    (["--episodes", "0"], "episodes must be a positive integer"),
    (["--seeds", "42,abc"], "seeds must be comma-separated integers"),
    (["--lr", "inf"], "lr must be a finite number"),
    (["--reward", "delay:0"], "delay:0"),
    (["--env", "tests.helpers.envs:NaNCartPole-v0"], "observation of the agent with seed 42 is not finite"),
    (["--rule", "srl-bp", "--precision", "fixed"], "rule 'srl-bp' has no fixed-point flavour"),
    (["--rule", "hebb"], "argument --rule: unknown rule 'hebb'; choose one of nrl, nrl-b"),
    (["--rule", "nrl-fast:stp=plain"], "argument --rule: rule 'nrl-fast:stp=plain': after the colon give each of"),
    (["--rule", "srl-bp", "--backend", "lava"], "rule 'srl-bp' runs only in the engine, not on Lava: it takes the sign "
                                                "of the exact backprop error"),
])
def test_bad_input_is_one_clear_line(tmp_path, args, cause):
    proc = _run("--episodes", "2", "--seeds", "42", "--out", str(tmp_path), *args)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and cause in lines[0], proc.stderr


@pytest.mark.lava
@pytest.mark.timeout(180)
@pytest.mark.parametrize("rule", ["nrl-b", "srl"])
def test_lava_backend_writes_the_engines_results(tmp_path, rule):
    common = ["--episodes", "4", "--seeds", "42,7", "--hidden", "16", "--precision", "fixed", "--lr", "0.05",
              "--rule", rule]
    engine = _run(*common, "--out", str(tmp_path / "numpy"))
    lava = _run(*common, "--backend", "lava", "--out", str(tmp_path / "lava"))
    assert engine.returncode == 0 and lava.returncode == 0, lava.stderr
    assert (tmp_path / "lava" / "returns.csv").read_text() == (tmp_path / "numpy" / "returns.csv").read_text()
    for seed in (42, 7):
        a, b = (np.load(tmp_path / run / f"weights-seed{seed}.npz") for run in ("lava", "numpy"))
        for key in a.files:
            np.testing.assert_array_equal(a[key], b[key])


def test_summary_records_where_the_run_came_from(tmp_path, capsys):
    import platform
    import subprocess

    import lava_nrl
    from lava_nrl.cli import main
    from lava_nrl.engine import TrainConfig
    from lava_nrl.runs import config_hash

    args = ["--episodes", "2", "--seeds", "42", "--hidden", "8", "--no-progress"]
    for precision in ("float", "fixed"):
        assert main(["train", *args, "--precision", precision, "--out", str(tmp_path / precision)]) == 0
    summary = json.loads((tmp_path / "float" / "summary.json").read_text())
    assert summary["lava_nrl_version"] == lava_nrl.__version__
    assert summary["command"] == " ".join(["lava-nrl", "train", *args, "--precision", "float", "--out",
                                           str(tmp_path / "float")])
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=pathlib.Path(lava_nrl.__file__).parent,
                          capture_output=True, text=True)
    assert summary.get("git_commit") == (head.stdout.strip() if head.returncode == 0 else None)
    machine = summary["machine"]
    assert {k: machine[k] for k in ("platform", "cpu_count", "python")} == {
        "platform": platform.platform(), "cpu_count": os.cpu_count(), "python": platform.python_version()}
    import numba.core.config
    from llvmlite.binding import get_host_cpu_name

    # what decides a float run's last bits (docs/scaling.md): numba's compile target and its features, libc
    assert machine["numba_target"] == (numba.core.config.CPU_NAME or get_host_cpu_name())
    assert "+sse2" in machine["numba_features"].split(",") or platform.machine() != "x86_64"
    assert machine["libc"] == " ".join(platform.libc_ver()) and machine["numpy"] == np.__version__
    assert "fixed_format" not in summary["config"]
    assert summary["config_hash"] == config_hash(TrainConfig(episodes=2, seeds=(42,), hidden=8))
    fixed = json.loads((tmp_path / "fixed" / "summary.json").read_text())
    assert fixed["config"]["fixed_format"]["weight_bits"] == 9 and fixed["config_hash"] != summary["config_hash"]


def test_git_commit_is_absent_outside_a_repository(tmp_path):
    from lava_nrl.runs import git_commit

    (tmp_path / "lava_nrl").mkdir()
    assert git_commit(tmp_path / "lava_nrl") is None


def test_printed_lines_say_1_seed_and_the_saturations(tmp_path, capsys):
    from lava_nrl.cli import main

    common = ["--episodes", "10", "--seeds", "1", "--hidden", "8", "--precision", "fixed", "--no-progress"]
    paper = ["--weight-bits", "16", "--weight-frac-bits", "12", "--trace-bits", "32", "--trace-frac-bits", "16"]
    assert main(["train", *common, *paper, "--lr", "0.5", "--out", str(tmp_path / "calm")]) == 0  # nothing clips
    calm = capsys.readouterr().out
    assert " · 1 seed · " in calm and "saturated" not in calm
    assert main(["train", *common, "--lr", "1000", "--out", str(tmp_path / "wild")]) == 0  # η drives weights out
    saturations = json.loads((tmp_path / "wild" / "summary.json").read_text())["saturations"]
    line = next(l for l in capsys.readouterr().out.splitlines() if "saturated" in l)
    assert line == "  fixed point saturated (clipped to its width): " + ", ".join(
        f"{kind} {count:,}" for kind, count in saturations.items() if count)
    assert saturations["weight"] > 0


def test_version_flag():
    import lava_nrl

    proc = subprocess.run([sys.executable, "-m", "lava_nrl.cli", "--version"], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == f"lava-nrl {lava_nrl.__version__}"


def test_a_network_beyond_memory_is_refused_before_allocating(tmp_path, capsys):
    """10⁶ × 10⁶ synapses (16 TB of weights and traces): refused in one line, where allocating them would
    have raised numpy's MemoryError with a traceback."""
    from lava_nrl.cli import main

    assert main(["train", "--episodes", "2", "--seeds", "42", "--hidden", "1000000", "--layers", "2",
                 "--out", str(tmp_path), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: weights and traces of 1 agent of sizes 4-1000000-1000000-2 need 14,901.") \
        and "GiB is available; lower --hidden, --layers, --envs or the number of seeds" in err, err


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


def test_the_readme_option_table_lists_exactly_the_train_options():
    """The README's table and `lava-nrl train --help` (generated from the config) name the same options."""
    import re

    from lava_nrl.cli import _build_parser

    readme = (pathlib.Path(__file__).parents[2] / "README.md").read_text()
    table = readme.split("| option | meaning (default) |", 1)[1].split("\n\n", 1)[0]
    documented = {flag for row in table.splitlines() if row.startswith("| `--")
                  for flag in re.findall(r"`(--[a-z-]+)", row.split(" | ")[0])}
    train = next(a for a in _build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices["train"]
    options = {flag for action in train._actions for flag in action.option_strings} - {"-h", "--help"}
    assert documented == options


def test_help_explains_each_option_and_flat_widths_reach_the_fixed_format(tmp_path):
    from lava_nrl.cli import _build_parser, _config_from

    parser = _build_parser()
    args = parser.parse_args(["train", "--precision", "fixed", "--weight-bits", "9", "--weight-frac-bits", "6",
                              "--trace-bits", "12", "--trace-frac-bits", "8", "--rule", "nrl", "--out", str(tmp_path)])
    config = _config_from(args)
    assert (config.fixed_format.weight_bits, config.fixed_format.trace_bits) == (9, 12)
    assert config.lr == 0.1  # nrl's stable rate, as --help says
    assert _config_from(parser.parse_args(["train", "--lr", "0.3", "--out", str(tmp_path)])).lr == 0.3
    train_help = subprocess.run([sys.executable, "-m", "lava_nrl.cli", "train", "--help"], capture_output=True,
                                text=True, timeout=60).stdout
    for text in ("λ in (0, 1]", "γ_e in (0, 1]", "η > 0", "σ > 0", "Stable η of each: nrl 0.1, nrl-b 0.01",
                 "--weight-bits", "Signed width of a weight W. Default 9"):
        assert text in " ".join(train_help.split()), text


def test_backend_numpy_still_works_with_a_deprecation_warning(tmp_path):
    proc = _run("--episodes", "2", "--seeds", "42", "--hidden", "4", "--backend", "numpy", "--out", str(tmp_path))
    assert proc.returncode == 0 and "--backend numpy is deprecated" in proc.stderr
    assert " · engine · " in proc.stdout
    assert json.loads((tmp_path / "summary.json").read_text())["backend"] == "engine"
