# SPDX-License-Identifier: BSD-3-Clause
"""Results of a training run on disk, the same for every backend.

``returns.csv`` (seed, episode, return, length), ``summary.json`` (config, fixed-point saturation
counts by kind, and per seed ``episodes_to_threshold``, ``final_mean_return``, ``env_steps``,
``wall_seconds``),
``weights-seed{S}.npz`` (the agent file of :mod:`lava_nrl.agent_file`: ``W0..WL``, float64, and the
parameters that made them, which ``NRLAgent.load`` and ``lava_nrl.policy.load_policy`` read) and
``curve.png`` (mean ± std over seeds of the 100-episode running mean).
"""

from __future__ import annotations

import csv
import json
import os
import pathlib

import numpy as np

from lava_nrl.agent_file import run_params, write_agent_file

__all__ = ["WINDOW", "add_counts", "atomic_write", "episodes_to_threshold", "running_mean", "write_results"]

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
        sizes = [weights[0].shape[1]] + [w.shape[0] for w in weights]
        atomic_write(out / f"weights-seed{seed}.npz",
                     lambda p, ws=weights, params=run_params(config, seed, sizes): write_agent_file(p, params, ws))
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


def plot_curve(result, path) -> None:
    """Mean ± std over seeds of each seed's running mean, against episodes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = min(len(r) for r in result.returns)
    curves = np.stack([running_mean(r)[:n] for r in result.returns])
    mean, std = curves.mean(axis=0), curves.std(axis=0)
    episodes = np.arange(1, n + 1)
    cfg = result.config
    fig, ax = plt.subplots(figsize=(7, 4))
    n_seeds = len(cfg.seeds)
    ax.plot(episodes, mean, label=f"{cfg.rule} ({cfg.precision}), {n_seeds} seed{'s' if n_seeds > 1 else ''}")
    ax.fill_between(episodes, mean - std, mean + std, alpha=0.25)
    if result.reward_threshold is not None:
        ax.axhline(result.reward_threshold, color="grey", ls="--", lw=1, label="threshold")
    ax.set(xlabel="episode", ylabel=f"return (mean of last {WINDOW})", title=cfg.env)
    ax.legend(loc="best")
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=100)
    plt.close(fig)
