# SPDX-License-Identifier: BSD-3-Clause
"""``lava-nrl sweep``: every configuration of a grid of train options, each over the same seeds.

Each configuration is a cell of :mod:`lava_nrl.cells` (``OUT/cells/KEY=V,KEY=V/`` holds its
``returns.csv``, ``summary.json`` and weights, as ``lava-nrl train`` writes them), run on local
processes or on a Ray cluster and resumed when rerun on its folder. ``sweep.csv`` has a row per
configuration; ``sweep.png`` plots one swept key, ``sweep-A-B.png`` a heat map per pair of swept keys.

The measure plotted: the median over seeds of the episodes to the threshold, a seed that never reached
it counting as never (so a configuration that fails on half its seeds or more has none); for an env
without a threshold (Reaching1D), the final mean return. With more than two swept keys, a heat map
shows for each pair of values the best over the other keys.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import pathlib
import typing as ty

import numpy as np

from lava_nrl.cells import CELL_FILES, CHECKPOINT_EVERY, Cell, Progress, run_cells
from lava_nrl.engine import TrainConfig
from lava_nrl.runs import writing_into

__all__ = ["Point", "sweep", "SWEEP_FILES"]

# What a sweep writes into its folder (glob patterns).
SWEEP_FILES = (*CELL_FILES, "sweep.csv", "sweep*.png")


class Point(ty.NamedTuple):
    """One configuration of the grid: the swept keys' values (as given) and the config they make."""

    values: dict  # key → value, in the grid's order
    config: TrainConfig

    @property
    def name(self) -> str:
        """``lr=0.01,sigma=0.001``: its folder under ``OUT/cells`` (a ``/`` becomes ``-``)."""
        return ",".join(f"{key}={value}" for key, value in self.values.items()).replace("/", "-")


def _cohort(config: TrainConfig) -> str:
    """What configurations must share to step their environments together in one engine loop."""
    return f"{config.env}|{config.reward_schedule}|{sorted(config.make_kwargs.items())}"


def sweep(out_dir, points: ty.Sequence[Point], jobs: int = 1, ray: str | None = None, grain: str = "auto",
          checkpoint_every: int = CHECKPOINT_EVERY, overwrite: bool = False,
          on_cell: ty.Callable[[str, bool, Progress], None] | None = None) -> list[dict]:
    """Train (or reuse) every point into ``out_dir/cells`` (``jobs``, ``ray``, ``grain``,
    ``checkpoint_every`` and ``on_cell`` as for :func:`~lava_nrl.cells.run_cells`); write sweep.csv and
    the plots; returns sweep.csv's rows. ``out_dir`` is locked meanwhile; ``overwrite`` removes a
    previous sweep's files first, and without it a finished configuration of another sweep raises
    OutputError."""
    cohorts: dict[str, str] = {}
    every = [Cell(p.name, "sweep", p.config, cohorts.setdefault(_cohort(p.config), f"cohort{len(cohorts) + 1}"))
             for p in points]
    with writing_into(out_dir, SWEEP_FILES, overwrite=overwrite, resume=True) as out:
        run_cells(out, every, jobs=jobs, ray=ray, grain=grain, checkpoint_every=checkpoint_every, on_cell=on_cell)
        rows = [_row(p, out / "cells" / p.name) for p in points]
        _write_csv(rows, points, out / "sweep.csv")
        keys = list(points[0].values)
        if len(keys) == 1:
            _line_plot(rows, points, keys[0], out / "sweep.png")
        for a, b in itertools.combinations(keys, 2):
            _heat_map(rows, points, a, b, out / f"sweep-{a}-{b}.png")
    return rows


def _row(point: Point, cell_dir: pathlib.Path) -> dict:
    summary = json.loads((cell_dir / "summary.json").read_text())
    seeds = summary["seeds"]
    reached = {seed: s["episodes_to_threshold"] for seed, s in seeds.items()}
    never = [math.inf if e is None else e for e in reached.values()]
    median = float(np.median(never))
    return {"name": point.name, **point.values, "seeds": len(seeds),
            "reached": sum(e is not None for e in reached.values()),
            **{f"episodes_to_threshold_seed{seed}": e for seed, e in reached.items()},
            "median_episodes_to_threshold": None if math.isinf(median) or summary["reward_threshold"] is None
            else median,
            "final_mean_return": float(np.mean([s["final_mean_return"] for s in seeds.values()])),
            "env_steps": sum(s["env_steps"] for s in seeds.values()),
            "wall_seconds": max(s["wall_seconds"] for s in seeds.values()),
            "threshold": summary["reward_threshold"]}


def _write_csv(rows: list[dict], points: ty.Sequence[Point], path: pathlib.Path) -> None:
    """One row per configuration; a seed that never reached the threshold has an empty cell."""
    columns = [c for c in rows[0] if c != "threshold"]
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        writer.writerows([("" if r[c] is None else r[c]) for c in columns] for r in rows)


def _measure(rows: list[dict]) -> tuple[str, list, bool]:
    """(its label, the value per row, whether lower is better)."""
    if rows[0]["threshold"] is not None:
        return ("median episodes to threshold", [r["median_episodes_to_threshold"] for r in rows], True)
    return ("final mean return", [r["final_mean_return"] for r in rows], False)


def _axis(values: list) -> list:
    """The distinct values of a key, in the grid's order."""
    return list(dict.fromkeys(values))


def _heat_map(rows: list[dict], points: ty.Sequence[Point], a: str, b: str, path: pathlib.Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    label, measure, lower = _measure(rows)
    xs, ys = _axis([p.values[a] for p in points]), _axis([p.values[b] for p in points])
    grid = np.full((len(ys), len(xs)), np.nan)
    for p, value in zip(points, measure):
        i, j = ys.index(p.values[b]), xs.index(p.values[a])
        if value is not None and (np.isnan(grid[i, j]) or (value < grid[i, j] if lower else value > grid[i, j])):
            grid[i, j] = value  # the best over the other keys
    fig, ax = plt.subplots(figsize=(1.2 * len(xs) + 3, 0.8 * len(ys) + 2))
    image = ax.imshow(grid, cmap="viridis_r" if lower else "viridis", aspect="auto")
    for (i, j), value in np.ndenumerate(grid):
        ax.text(j, i, "never" if np.isnan(value) else f"{value:,.0f}", ha="center", va="center", fontsize=8,
                color="grey" if np.isnan(value) else "white")
    ax.set_xticks(range(len(xs)), [str(x) for x in xs])
    ax.set_yticks(range(len(ys)), [str(y) for y in ys])
    others = [k for k in points[0].values if k not in (a, b)]
    ax.set(xlabel=a, ylabel=b, title=label + (f" (best over {', '.join(others)})" if others else ""))
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _line_plot(rows: list[dict], points: ty.Sequence[Point], key: str, path: pathlib.Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    label, measure, _ = _measure(rows)
    xs = [p.values[key] for p in points]
    numeric = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in xs)
    positions = xs if numeric else list(range(len(xs)))
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(positions, [np.nan if v is None else v for v in measure], "o-")
    if numeric and min(xs) > 0 and max(xs) / min(xs) >= 10:
        ax.set_xscale("log")
    if not numeric:
        ax.set_xticks(positions, [str(x) for x in xs])
    ax.set(xlabel=key, ylabel=label, title=f"{label} (a point missing: not reached)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
