# SPDX-License-Identifier: BSD-3-Clause
"""``lava-nrl sweep`` on local processes: the grid names train options (fixed-point widths included) and
parses their values as they do, each configuration equals a ``lava-nrl train`` run of its options bit for
bit (at every grain), sweep.csv and the plots are written, and a rerun reuses what is done."""

import csv
import json

import numpy as np
import pytest

from lava_nrl.cli import main

TINY = ["--episodes", "12", "--seeds", "1,2", "--hidden", "8", "--env", "CartPole-v1"]


@pytest.mark.parametrize("grid, message", [
    ("lr=0.1 colour=red", "--grid: 'colour=red' is not KEY=V,V… with KEY a train option without its dashes "
                          "(env, rule"),
    ("lr=fast", "--grid lr: 'fast' is not a valid lr"),
    ("rule=nrl,hebb", "--grid rule: unknown rule 'hebb'; choose one of nrl, nrl-b, rmhl, bp, nrl-fast"),
    ("rule=nrl-fast:step=momentum", "--grid rule: Rule 'nrl-fast:step=momentum': step must be one of plain, sign, "
                                    "relevance, capped, adam"),
    ("seeds=1,2", "--grid seeds: seeds are every configuration's replicates: give them with --seeds"),
    ("lr=0.1,0.1", "--grid lr: a value is given twice"),
    ("lr=0.1 lr=0.2", "--grid: lr is given twice"),
    ("lr=-1", "--grid lr=-1.0: lr must be"),
    ("", "--grid: no KEY=V,V… given"),
])
def test_a_bad_grid_is_a_one_line_error(tmp_path, capsys, grid, message):
    assert main(["sweep", "--out", str(tmp_path), "--grid", grid, *TINY]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: " + message) and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "cells").exists()


def test_an_option_both_given_and_swept_is_refused(tmp_path, capsys):
    assert main(["sweep", "--out", str(tmp_path), "--grid", "weight-bits=12,16", "--weight-bits", "14", *TINY]) == 2
    assert capsys.readouterr().err.strip() == ("error: --weight-bits: given as an option and swept by --grid; "
                                               "give it once")


def _same_run(got, want, seeds=(1, 2)) -> None:
    assert (got / "returns.csv").read_bytes() == (want / "returns.csv").read_bytes()
    for seed in seeds:
        assert (got / f"weights-seed{seed}.npz").read_bytes() == (want / f"weights-seed{seed}.npz").read_bytes()


@pytest.mark.timeout(300)
def test_a_sweep_of_widths_equals_train_runs_and_writes_its_csv_plot_and_resumes(tmp_path, capsys):
    args = ["sweep", "--out", str(tmp_path / "sweep"), "--grid", "weight_bits=12,16", "--precision", "fixed",
            "--rule", "nrl-b", *TINY]
    assert main(args) == 0
    out = capsys.readouterr().out.splitlines()
    done = [line.split("] ", 1)[1].split(" · ")[:2] for line in out[:2]]  # in the order the processes end them
    assert sorted(name for name, _ in done) == ["weight_bits=12", "weight_bits=16"]
    assert [count for _, count in done] == ["1/2 cells", "2/2 cells"]
    assert out[2].startswith("2 configurations × 2 seeds in ")
    assert main(["train", "--out", str(tmp_path / "train"), "--weight-bits", "12", "--precision", "fixed",
                 "--rule", "nrl-b", "--no-progress", *TINY]) == 0
    _same_run(tmp_path / "sweep" / "cells" / "weight_bits=12", tmp_path / "train")
    with open(tmp_path / "sweep" / "sweep.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["weight_bits"] for r in rows] == ["12", "16"]
    summary = json.loads((tmp_path / "train" / "summary.json").read_text())
    assert rows[0]["env_steps"] == str(sum(s["env_steps"] for s in summary["seeds"].values()))
    assert rows[0]["reached"] == "0" and rows[0]["episodes_to_threshold_seed1"] == ""
    assert rows[0]["median_episodes_to_threshold"] == ""  # never reached: no median
    assert float(rows[0]["final_mean_return"]) == pytest.approx(
        np.mean([s["final_mean_return"] for s in summary["seeds"].values()]))
    assert (tmp_path / "sweep" / "sweep.png").read_bytes()[:4] == b"\x89PNG"
    capsys.readouterr()
    assert main(args) == 0  # rerun: both reused
    assert all("(done before)" in line for line in capsys.readouterr().out.splitlines()[:2])


@pytest.mark.timeout(300)
@pytest.mark.parametrize("grain", ["seed", "cohort"])
def test_every_grain_computes_what_train_does(tmp_path, grain):
    assert main(["sweep", "--out", str(tmp_path / "sweep"), "--grid", "lr=0.01,0.05 sigma=1e-3,1e-2", "--grain", grain,
                 "--jobs", "1", *TINY]) == 0
    assert main(["train", "--out", str(tmp_path / "train"), "--lr", "0.05", "--sigma", "0.01", "--no-progress",
                 *TINY]) == 0
    _same_run(tmp_path / "sweep" / "cells" / "lr=0.05,sigma=0.01", tmp_path / "train")
    assert (tmp_path / "sweep" / "sweep-lr-sigma.png").read_bytes()[:4] == b"\x89PNG"
    assert not list((tmp_path / "sweep" / "cohorts").iterdir())  # no checkpoint or seed's part left


def test_ray_without_ray_installed_is_a_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "ray", None)  # import ray raises ImportError
    assert main(["sweep", "--out", str(tmp_path), "--grid", "lr=0.1", "--ray", *TINY]) == 2
    assert capsys.readouterr().err.strip() == "error: --ray needs Ray: pip install 'lava-nrl[ray]'"


@pytest.mark.parametrize("extra", [["--jobs", "2"], ["--backend", "lava"]])
def test_train_ray_refuses_what_it_cannot_do(tmp_path, capsys, extra):
    assert main(["train", "--out", str(tmp_path), "--ray", *extra, *TINY]) == 2
    assert capsys.readouterr().err.strip() == ("error: --ray splits the seeds over the cluster's CPUs: not with "
                                               "--resume, --jobs or --backend lava")
