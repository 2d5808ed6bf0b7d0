# SPDX-License-Identifier: BSD-3-Clause
"""Results of a training run on disk, the same for every backend.

``returns.csv`` (seed, episode, return, length), ``summary.json`` (config, fixed-point saturation
counts by kind, and per seed ``episodes_to_threshold``, ``final_mean_return``, ``env_steps``,
``wall_seconds``),
``weights-seed{S}.npz`` (arrays ``W0..WL``, float64) and ``curve.png`` (mean ± std over seeds of the
100-episode running mean, against episodes and against env steps, every seed drawn to the end).
"""

from __future__ import annotations

import csv
import json
import os
import pathlib

import numpy as np

__all__ = ["WINDOW", "add_counts", "atomic_write", "episodes_to_threshold", "running_mean", "write_results",
           "curves_to_end", "curves_over_steps", "seed_band", "plot_curve"]

WINDOW = 100  # episodes in the running mean that is compared with the threshold


def add_counts(total: dict, counts: dict) -> dict:
    """Add ``counts`` (e.g. saturations by kind) into ``total``, kind by kind; returns ``total``."""
    for kind, count in counts.items():
        total[kind] = total.get(kind, 0) + count
    return total


def running_mean(returns, window: int = WINDOW) -> np.ndarray:
    """Mean of the last ``window`` returns at each episode (of all so far while fewer)."""
    r = np.asarray(returns, dtype=np.float64)
    c = np.concatenate([[0.0], np.cumsum(r)])
    idx = np.arange(1, len(r) + 1)
    lo = np.maximum(idx - window, 0)
    return (c[idx] - c[lo]) / (idx - lo)


def episodes_to_threshold(returns, threshold: float | None, window: int = WINDOW) -> int | None:
    """First episode (1-based) at which the mean of the last ``window`` returns reaches ``threshold``."""
    if threshold is None or len(returns) < window:
        return None
    hits = np.flatnonzero(running_mean(returns, window)[window - 1 :] >= threshold)
    return int(hits[0] + window) if hits.size else None


def atomic_write(path, write) -> None:
    """``write(tmp_path)``, flush it to disk, then rename over ``path``: a crash mid-write leaves
    the previous file intact."""
    path = pathlib.Path(path)
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _save_npz(path, arrays: dict) -> None:
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def write_results(result, out_dir, plot: bool = True) -> dict:
    """Write a :class:`~lava_nrl.engine.TrainResult` into ``out_dir``; returns the summary."""
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    config = result.config
    seeds = list(config.seeds)

    def write_csv(path):
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["seed", "episode", "return", "length"])
            for seed, rets, lens in zip(seeds, result.returns, result.lengths):
                for k, (r, n) in enumerate(zip(rets, lens), start=1):
                    w.writerow([seed, k, repr(float(r)), n])

    atomic_write(out / "returns.csv", write_csv)
    for seed, weights in zip(seeds, result.weights):
        atomic_write(out / f"weights-seed{seed}.npz",
                     lambda p, ws=weights: _save_npz(p, {f"W{l}": w for l, w in enumerate(ws)}))
    per_seed = {
        str(seed): {
            "episodes_to_threshold": episodes_to_threshold(rets, result.reward_threshold),
            "final_mean_return": float(np.mean(rets[-WINDOW:])) if rets else None,
            "episodes": len(rets),
            "env_steps": int(steps),
            "wall_seconds": round(result.wall_seconds, 3),
        }
        for seed, rets, steps in zip(seeds, result.returns, result.env_steps)
    }
    summary = {"config": config.to_dict(), "reward_threshold": result.reward_threshold,
               "saturations": result.saturations, "seeds": per_seed}
    atomic_write(out / "summary.json", lambda p: p.write_text(json.dumps(summary, indent=2, default=str)))
    if plot:
        atomic_write(out / "curve.png", lambda p: plot_curve(result, p))
    return summary


def curves_to_end(returns: list) -> np.ndarray:
    """Each seed's running mean (seeds × the longest run's episodes); a seed that stopped early (its
    mean held the threshold, or a shorter budget) stays at its last value, so no seed drops out."""
    curves = [running_mean(r) for r in returns]
    n = max(len(c) for c in curves)
    return np.stack([np.pad(c, (0, n - len(c)), mode="edge") for c in curves])


def curves_over_steps(returns: list, lengths: list, points: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """Each seed's running mean against env steps on a common grid: at grid step g, the value after
    the last episode that ended by g (NaN before a seed's first episode ends; a seed that stopped
    early stays at its last value). Returns (grid, seeds × grid)."""
    ends = [np.cumsum(n) for n in lengths]
    grid = np.linspace(0, max(int(e[-1]) for e in ends if len(e)), points)
    stack = np.full((len(returns), points), np.nan)
    for i, (r, e) in enumerate(zip(returns, ends)):
        done = np.searchsorted(e, grid, side="right")  # episodes ended by each grid step
        stack[i, done > 0] = running_mean(r)[done[done > 0] - 1]
    return grid, stack


def seed_band(stack: np.ndarray, returns: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, low, high) over seeds: mean ± one standard deviation, clipped to the range of the
    returns seen (a running mean cannot leave it)."""
    seen = np.concatenate([np.asarray(r, dtype=np.float64) for r in returns])
    mean, std = np.nanmean(stack, axis=0), np.nanstd(stack, axis=0)
    return mean, np.clip(mean - std, seen.min(), seen.max()), np.clip(mean + std, seen.min(), seen.max())


def plot_curve(result, path) -> None:
    """Mean ± std over seeds of each seed's running mean, against episodes and against env steps;
    every seed is drawn to the end of the longest run."""
    import matplotlib

    matplotlib.use("Agg")
    import warnings

    import matplotlib.pyplot as plt

    cfg, returns = result.config, [r for r in result.returns if len(r)]
    lengths = [n for r, n in zip(result.returns, result.lengths) if len(r)]
    n_seeds = len(returns)
    label = f"{cfg.rule} ({cfg.precision}), {n_seeds} seed{'s' if n_seeds != 1 else ''}"
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    with warnings.catch_warnings():  # all-NaN grid points before the first episode ends
        warnings.simplefilter("ignore", RuntimeWarning)
        panels = ((np.arange(1, len(curves_to_end(returns)[0]) + 1), curves_to_end(returns), "episode"),
                  (*curves_over_steps(returns, lengths), "env steps (per agent)"))
        for ax, (x, stack, xlabel) in zip(axes, panels):
            mean, low, high = seed_band(stack, returns)
            ax.plot(x, mean, label=label)
            ax.fill_between(x, low, high, alpha=0.25, label="± 1 std over seeds")
            if result.reward_threshold is not None:
                ax.axhline(result.reward_threshold, color="grey", ls="--", lw=1, label="threshold")
            ax.set(xlabel=xlabel)
    axes[0].set(ylabel=f"return (mean of last {WINDOW})")
    axes[0].legend(loc="best", fontsize=8)
    fig.suptitle(cfg.env)
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=100)
    plt.close(fig)
