# SPDX-License-Identifier: BSD-3-Clause
"""``lava-nrl reproduce``: the paper's comparison, every cell on the engine, one command.

Cells: rules nrl, nrl-b, rmhl, bp, srl (Sign and Relevance Learning) and nrl-fast (node perturbation
with the exact output eligibility and a sign step), the last two beside the paper's rules, × tasks
Reaching1D (immediate reward, per-step updates), Acrobot-v1, CartPole-v1 (episodic reward), float; nrl
and nrl-b again in fixed point; and the depth study, CartPole with L = 1, 2, 3 hidden layers for every
rule. Five seeds each.

Cells run in five cohorts (Reaching1D, Acrobot, CartPole, CartPole with L = 2, with L = 3): the cells
of a cohort share one engine loop and one batch of environments (each computes what it computes
alone), and the cohorts run side by side in ``jobs`` processes, the longest first — or, with ``ray``,
as tasks on a Ray cluster, where the cohorts are split into cells or seeds when the cluster has more
CPUs than there are cohorts (:mod:`lava_nrl.cells`). A cell already finished (its ``summary.json``
exists and records the hash of the configuration asked for) is not run again, and a unit checkpoints
itself every few thousand episodes, so an interrupted reproduction resumes where it stopped when
rerun on its folder. A finished cell or a cohort checkpoint of another configuration (a ``--quick``
folder given to the full run, say) is refused, never mixed in.

Budgets: the reference's. Reaching1D: 16,667 trials of 300 steps (5·10⁶ steps; it has no threshold,
so every seed runs the whole budget); Acrobot: 8,000 episodes; CartPole: 20,000. A seed of Acrobot or
CartPole stops once its 100-episode mean has held the task's threshold for 500 episodes
(``--stop-after-threshold 500``).

Learning rates (fixed before the runs, not tuned per cell): bp 0.02, nrl-b 0.01, nrl 0.1,
rmhl 0.05 (the reference code's default), srl 0.03 and nrl-fast 0.01 (each chosen by a coarse search on
CartPole, L = 1, on these same reference seeds, before any of its cells ran: docs/results.md).
"""

from __future__ import annotations

import json
import pathlib
import typing as ty

import numpy as np

from lava_nrl.cells import CELL_FILES, CHECKPOINT_EVERY, Cell, Progress, run_cells
from lava_nrl.engine import TrainConfig
from lava_nrl.engine.config import REACHING, TASKS
from lava_nrl.numerics import FixedFormat
from lava_nrl.runs import WINDOW, curves_to_end, seed_band, writing_into

__all__ = ["Cell", "cells", "reproduce", "read_returns"]

SEEDS = (42, 101, 300, 482, 708)
RULES = ("nrl", "nrl-b", "rmhl", "bp", "srl", "nrl-fast")
LR = {"bp": 0.02, "nrl-b": 0.01, "nrl": 0.1, "rmhl": 0.05, "srl": 0.03, "nrl-fast": 0.01}
HOLD = 500
# Cohorts by their measured wall time (docs/results.md), longest first: with two workers, Reaching
# takes one and the four others follow one another on the second, the shortest last.
LONGEST_FIRST = ("Reaching1D-v0", "CartPole-v1-L3", "Acrobot-v1", "CartPole-v1-L2", "CartPole-v1")
# What a reproduction writes into its folder (glob patterns).
REPRODUCTION_FILES = (*CELL_FILES, "results.md", "results.json", "*.png")


def cells(quick: bool = False) -> list[Cell]:
    """Every cell; ``quick`` shrinks budgets, seeds and widths to a smoke test of minutes."""
    seeds, hidden = ((42, 101), 16) if quick else (SEEDS, 128)

    def config(env, rule, precision="float", layers=1):
        episodes = (1 if env == REACHING else 8) if quick else TASKS[env].episodes
        # The table's fixed-point rows keep the paper-era format they were published in (16-bit weights,
        # 32-bit traces); the Loihi-honest default is studied by `lava-nrl precision-study`.
        return TrainConfig(env=env, rule=rule, precision=precision, lr=LR[rule], episodes=episodes, seeds=seeds,
                           hidden=hidden, layers=layers, stop_after_threshold=HOLD, fixed_format=FixedFormat.paper())

    out = []
    for env in (REACHING, "Acrobot-v1", "CartPole-v1"):
        task = env.split("/")[-1]
        out += [Cell(f"{task}-{rule}-float", "tasks", config(env, rule), task) for rule in RULES]
        out += [Cell(f"{task}-{rule}-fixed", "tasks", config(env, rule, "fixed"), task) for rule in ("nrl", "nrl-b")]
    out += [Cell(f"CartPole-v1-{rule}-L{layers}", "depth", config("CartPole-v1", rule, layers=layers),
                 f"CartPole-v1-L{layers}") for layers in (2, 3) for rule in RULES]
    return out


def summarise(cell: Cell, summary: dict) -> dict:
    """One row: episodes and env steps to threshold over the seeds that got there, final mean."""
    reached = [s["episodes_to_threshold"] for s in summary["seeds"].values() if s["episodes_to_threshold"]]
    steps = [s["env_steps_to_threshold"] for s in summary["seeds"].values() if s["episodes_to_threshold"]]
    finals = [s["final_mean_return"] for s in summary["seeds"].values()]
    cfg = cell.config
    return dict(cell=cell.name, group=cell.group, env=cfg.env, rule=cfg.rule, precision=cfg.precision,
                layers=cfg.layers, seeds=len(cfg.seeds), reached=len(reached),
                episodes_to_threshold=_mean_std(reached), env_steps_to_threshold=_mean_std(steps),
                final_mean_return=_mean_std(finals),
                wall_seconds=max(s["wall_seconds"] for s in summary["seeds"].values()))


def _mean_std(values) -> list | None:
    return [float(np.mean(values)), float(np.std(values))] if len(values) else None


def read_returns(cell_dir: pathlib.Path) -> dict:
    import csv

    out: dict = {}
    with open(cell_dir / "returns.csv") as f:
        for row in csv.DictReader(f):
            seed = out.setdefault(row["seed"], {"returns": [], "lengths": []})
            seed["returns"].append(float(row["return"]))
            seed["lengths"].append(int(row["length"]))
    return out


def reproduce(out_dir, quick: bool = False, on_cell: ty.Callable[[str, bool, Progress], None] | None = None,
              jobs: int = 1, overwrite: bool = False, ray: str | None = None, grain: str = "auto",
              checkpoint_every: int = CHECKPOINT_EVERY) -> list[dict]:
    """Run (or reuse) every cell under ``out_dir/cells``, in ``jobs`` processes or on the Ray cluster at
    ``ray`` (``"local"``: a Ray instance of its own), in units of ``grain`` (see :mod:`lava_nrl.cells`);
    write results.json, results.md and a PNG per task. ``on_cell(name, reused, progress)`` reports each
    cell done.

    ``out_dir`` is locked meanwhile; ``overwrite`` removes a previous reproduction's files first, and
    without it a finished cell or cohort checkpoint of another configuration raises OutputError."""
    with writing_into(out_dir, REPRODUCTION_FILES, overwrite=overwrite, resume=True) as out:
        return _reproduce(out, quick, on_cell, jobs, ray, grain, checkpoint_every)


def _reproduce(out: pathlib.Path, quick: bool, on_cell, jobs: int, ray, grain: str,
               checkpoint_every: int) -> list[dict]:
    every = cells(quick)
    run_cells(out, every, jobs=jobs, ray=ray, grain=grain, checkpoint_every=checkpoint_every, on_cell=on_cell,
              longest_first=lambda cell: LONGEST_FIRST.index(cell.cohort))
    rows, curves = [], {}
    for cell in every:
        cell_dir = out / "cells" / cell.name
        summary = json.loads((cell_dir / "summary.json").read_text())
        returns = read_returns(cell_dir)
        rows.append(summarise(cell, summary))
        curves[cell.name] = [r["returns"] for r in returns.values()]
    (out / "results.json").write_text(json.dumps(rows, indent=2))
    (out / "results.md").write_text(results_table(rows, quick))
    for env in (REACHING, "Acrobot-v1", "CartPole-v1"):
        _plot([r for r in rows if r["group"] == "tasks" and r["env"] == env], curves,
              out / f"{env.split('/')[-1]}.png", label=lambda r: f"{r['rule']} ({r['precision']})",
              dashes=lambda r: "-" if r["precision"] == "float" else "--")
    depth = [r for r in rows if r["env"] == "CartPole-v1" and r["precision"] == "float"]  # L = 1 is a task cell
    _plot(sorted(depth, key=lambda r: (r["rule"], r["layers"])), curves, out / "CartPole-v1-depth.png",
          label=lambda r: f"{r['rule']} L={r['layers']}", dashes=lambda r: {1: "-", 2: "--", 3: ":"}[r["layers"]])
    return rows


def _fmt(pair, digits=0) -> str:
    return "—" if pair is None else f"{pair[0]:,.{digits}f} ± {pair[1]:,.{digits}f}"


def results_table(rows: list[dict], quick: bool) -> str:
    lines = ["# Results" + (" (--quick smoke run: not results)" if quick else ""), "",
             f"Threshold: the env's `reward_threshold` for the mean of the last {WINDOW} returns "
             f"(CartPole 475, Acrobot −100; Reaching1D has none). Mean ± std over the seeds that reached it.", "",
             "| cell | seeds reached | episodes to threshold | env steps to threshold | final mean return "
             "(last 100) | wall s (its cohort's) |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['cell']} | {r['reached']}/{r['seeds']} | {_fmt(r['episodes_to_threshold'])} | "
                     f"{_fmt(r['env_steps_to_threshold'])} | {_fmt(r['final_mean_return'], 1)} | "
                     f"{r['wall_seconds']:.0f} |")
    lines += ["", "Float and fixed point side by side (seeds reached; episodes to threshold; final mean return):", "",
              "| task | rule | float | fixed |", "|---|---|---|---|"]
    by_cell = {(r["env"], r["rule"], r["precision"], r["layers"]): r for r in rows}
    for (env, rule, precision, layers), r in by_cell.items():
        fixed = by_cell.get((env, rule, "fixed", layers))
        if precision == "float" and fixed is not None:
            lines.append(f"| {env.split('/')[-1]} | {rule} | " + " | ".join(
                f"{x['reached']}/{x['seeds']}; {_fmt(x['episodes_to_threshold'])}; {_fmt(x['final_mean_return'], 1)}"
                for x in (r, fixed)) + " |")
    return "\n".join(lines) + "\n"


_COLOURS = {"nrl": "tab:blue", "nrl-b": "tab:orange", "rmhl": "tab:green", "bp": "tab:red", "srl": "tab:purple",
            "nrl-fast": "tab:brown"}


def _plot(rows: list[dict], curves: dict, path: pathlib.Path, label: ty.Callable[[dict], str],
          dashes: ty.Callable[[dict], str]) -> None:
    """Mean ± std over seeds of the running mean (``curves``: each cell's returns per seed); colour by
    rule, line style by ``dashes(row)``. A seed that stopped early (its mean held the threshold) is
    drawn at its last value to the longest run; a band stays within the returns seen."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for r in rows:
        stack = curves_to_end(curves[r["cell"]])
        mean, low, high = seed_band(stack, curves[r["cell"]])
        x = np.arange(1, stack.shape[1] + 1)
        colour = _COLOURS[r["rule"]]
        ax.plot(x, mean, label=label(r), color=colour, ls=dashes(r), lw=1.2)
        ax.fill_between(x, low, high, color=colour, alpha=0.1)
    ax.set(xlabel="episode", ylabel=f"return (mean of last {WINDOW})", title=f"{path.stem} (bands: ± 1 std over seeds)")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
