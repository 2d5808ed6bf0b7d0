# SPDX-License-Identifier: BSD-3-Clause
"""Results of a training run on disk, the same for every backend, and the folder that holds them.

``returns.csv`` (one row per finished episode: seed, env, episode, return, length, env_steps — see
:class:`Episode`; a live log while the run goes on), ``summary.json`` (config and its hash, fixed-point
saturation counts by kind, per seed ``episodes_to_threshold``, ``final_mean_return``, ``env_steps``,
``wall_seconds``, and where the run came from: package version, command line, git commit, machine),
``weights-seed{S}.npz`` (the agent file of :mod:`lava_nrl.agent_file`: ``W0..WL``, float64, and the
parameters that made them, which ``NRLAgent.load`` and ``lava_nrl.policy.load_policy`` read) and
``curve.png`` (mean ± std over seeds of the 100-episode running mean, against episodes and against env
steps, every seed drawn to the end).

A run holds its folder with :func:`writing_into`: one run at a time, never over another run's results
unless asked to, and only a folder it can write.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import json
import os
import pathlib
import platform
import shlex
import shutil
import subprocess
import sys
import typing as ty

import numpy as np

from lava_nrl.agent_file import run_params, write_agent_file
from lava_nrl.errors import OutputError
from lava_nrl.kernels.rules import get_rule

__all__ = ["WINDOW", "RUN_FILES", "add_counts", "atomic_write", "config_hash", "episodes_to_threshold",
           "git_commit", "machine", "plural", "running_mean", "write_results", "writing_into", "Episode", "episodes_of",
           "result_episodes",
           "EpisodeLog", "RETURNS_HEADER", "curves_to_end",
           "curves_over_steps", "seed_band", "plot_curve"]

# What a training run writes into its folder (glob patterns); ``*.tmp``: an atomic write cut short.
RUN_FILES = ("returns.csv", "summary.json", "curve.png", "checkpoint.pkl", "weights-seed*.npz", "tensorboard",
             "*.tmp")

WINDOW = 100  # episodes in the running mean that is compared with the threshold


def plural(count: int, noun: str) -> str:
    """``1 seed``, ``2 seeds``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


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
    try:
        write(tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:  # a full disk, Ctrl-C …: no half-written temporary stays behind
        with contextlib.suppress(OSError):  # none was created (a read-only folder): the first error stands
            tmp.unlink()
        raise


def config_hash(config) -> str:
    """First 16 hex digits of the sha256 of ``config.to_dict()`` and its rule's building blocks as
    canonical JSON: equal for two :class:`~lava_nrl.engine.TrainConfig` that train the same, different
    otherwise (a preset whose blocks changed between versions included, so no result of the old one is
    taken for the new one's)."""
    canonical = json.dumps({**config.to_dict(), "rule_blocks": get_rule(config.rule).blocks()}, sort_keys=True,
                           default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def git_commit(package_dir) -> str | None:
    """The commit checked out where ``package_dir`` is the package folder at the top of a git work tree;
    None elsewhere (an installed copy, no git)."""
    package_dir = pathlib.Path(package_dir).resolve()
    try:
        found = subprocess.run(["git", "rev-parse", "--show-toplevel", "HEAD"], cwd=package_dir,
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = found.stdout.splitlines()
    # A venv inside somebody else's repository is not this package's commit.
    if found.returncode or len(lines) != 2 or pathlib.Path(lines[0]).resolve() != package_dir.parent:
        return None
    return lines[1]


def machine() -> dict:
    """This machine, as far as it decides a float run's last bits: the CPU and the target numba compiles
    the kernels for (its name and the features it uses: vector width, FMA …), the C library whose
    ``exp``/``log`` the kernels call, numpy's version; and the platform, CPU count and Python."""
    import llvmlite.binding as llvm
    import numba.core.config

    model = None
    with contextlib.suppress(OSError):
        model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
                     None)
    features = numba.core.config.CPU_FEATURES or ",".join(
        f for f in llvm.get_host_cpu_features().flatten().split(",") if f.startswith("+"))
    return {"platform": platform.platform(), "cpu_count": os.cpu_count(), "python": platform.python_version(),
            "cpu": model or platform.processor() or None,
            "numba_target": numba.core.config.CPU_NAME or llvm.get_host_cpu_name(), "numba_features": features,
            "libc": " ".join(platform.libc_ver()) or None, "numpy": np.__version__}


def _provenance(command: str, where_computed: dict | None) -> dict:
    """Where a run came from: package version, command line, git commit (when there is one), and the
    machine that computed it (``where_computed``; default: this one)."""
    import lava_nrl

    where = {"lava_nrl_version": lava_nrl.__version__, "command": command}
    commit = git_commit(pathlib.Path(lava_nrl.__file__).parent)
    if commit is not None:
        where["git_commit"] = commit
    where["machine"] = where_computed or machine()
    return where


@contextlib.contextmanager
def writing_into(out, own: ty.Sequence[str] = RUN_FILES, overwrite: bool = False,
                 resume: bool = False) -> ty.Iterator[pathlib.Path]:
    """Hold the folder ``out`` while a run writes into it.

    Parameters
    ----------
    out : path
        The folder (created if missing).
    own : sequence of str
        Glob patterns of the files (or folders) a run writes there.
    overwrite : bool
        Remove what matches ``own`` first.
    resume : bool
        What matches ``own`` is the run being continued: keep it.

    Raises
    ------
    OutputError
        ``out`` is a file, another process holds it, it holds another run's files (and neither
        ``overwrite`` nor ``resume``), or it cannot be written (a probe file is created and removed
        before anything else happens).
    """
    out = pathlib.Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out}: is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        held = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as err:
        raise OutputError(f"--out {out}: cannot create or open it ({err.strerror})") from None
    try:
        try:  # on the folder itself: no lock file to leave behind; released when ``held`` closes
            fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(f"--out {out}: another lava-nrl run is writing there") from None
        probe = out / ".lava-nrl-write-probe"
        try:
            atomic_write(probe, lambda p: p.write_bytes(b"\0" * 4096))
            probe.unlink()
        except OSError as err:
            raise OutputError(f"--out {out}: cannot write there ({err.strerror})") from None
        previous = sorted({p for pattern in own for p in out.glob(pattern)})
        if previous and overwrite:
            for path in previous:
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink()
        elif previous and not resume:
            names = ", ".join(p.name for p in previous[:3]) + (", …" if len(previous) > 3 else "")
            also = f" or continue it with --resume {out}" if (out / "checkpoint.pkl") in previous else ""
            raise OutputError(f"--out {out}: holds another run ({names}); pass --overwrite to replace it{also}")
        yield out
    finally:
        os.close(held)


class Episode(ty.NamedTuple):
    """One finished episode: a row of ``returns.csv`` (the same for every backend)."""

    seed: int
    env: int  # the environment's index within the agent (an agent has one environment: 0)
    episode: int  # 1-based, per agent over all its environments, in the order they finish
    episode_return: float
    length: int  # env steps of this episode
    env_steps: int  # the agent's env steps up to this episode's end, all its environments together

    def row(self) -> list:
        return [self.seed, self.env, self.episode, repr(float(self.episode_return)), self.length, self.env_steps]


RETURNS_HEADER = ("seed", "env", "episode", "return", "length", "env_steps")


def episodes_of(seed: int, returns, lengths, first: int = 1, steps_before: int = 0, envs=None,
                env_steps=None) -> list[Episode]:
    """The :class:`Episode` rows of one agent from its returns and lengths (``first``: the number of the
    first of them; ``envs``: the environment of each, default 0; ``env_steps``: the agent's env steps at
    each one's end, default ``steps_before`` plus the lengths so far, as for one environment)."""
    if env_steps is None:
        env_steps = steps_before + np.cumsum(np.asarray(lengths, dtype=np.int64))
    envs = [0] * len(returns) if envs is None else envs
    return [Episode(int(seed), int(e), first + k, float(r), int(n), int(t))
            for k, (r, n, e, t) in enumerate(zip(returns, lengths, envs, env_steps))]


def result_episodes(result) -> list[Episode]:
    """Every :class:`Episode` row of a :class:`~lava_nrl.engine.TrainResult` (or of the agents of a
    run so far): the run's seed order, then by episode."""
    n = len(result.returns)
    envs = result.episode_envs or [None] * n
    steps = result.episode_env_steps or [None] * n
    return [e for seed, rets, lens, env, step in zip(result.config.seeds, result.returns, result.lengths, envs, steps)
            for e in episodes_of(seed, rets, lens, envs=env, env_steps=step)]


def _write_returns(path, episodes) -> None:
    with open(path, "w", newline="") as f:
        rows = csv.writer(f)
        rows.writerow(RETURNS_HEADER)
        rows.writerows(e.row() for e in episodes)


class EpisodeLog:
    """``returns.csv`` as a live log: a row appended (and flushed) as each episode finishes, so a run
    can be watched while it goes on (``tail -f``); with ``tensorboardX`` installed, also the scalars
    ``return/seed{S}`` and ``length/seed{S}`` against the episode, in ``OUT/tensorboard``.
    :func:`write_results` rewrites the file at the end, ordered by seed (the run's order) and episode,
    so that every backend writes the same bytes.

    Parameters
    ----------
    out : path
        The run's folder.
    episodes : sequence of Episode
        What a resumed run already holds (a live log may have gone past its checkpoint: rewritten).
    """

    def __init__(self, out, episodes: ty.Sequence[Episode] = ()) -> None:
        out = pathlib.Path(out)
        self._file = open(out / "returns.csv", "w", newline="")
        self._rows = csv.writer(self._file)
        self._rows.writerow(RETURNS_HEADER)
        self._tensorboard = _tensorboard_writer(out / "tensorboard")
        self(list(episodes))

    def __call__(self, episodes: ty.Sequence[Episode]) -> None:
        """Append ``episodes``."""
        self._rows.writerows(e.row() for e in episodes)
        self._file.flush()
        if self._tensorboard is not None:
            for e in episodes:
                self._tensorboard.add_scalar(f"return/seed{e.seed}", e.episode_return, e.episode)
                self._tensorboard.add_scalar(f"length/seed{e.seed}", e.length, e.episode)

    def close(self) -> None:
        self._file.close()
        if self._tensorboard is not None:
            self._tensorboard.close()

    def __enter__(self) -> "EpisodeLog":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _tensorboard_writer(folder):
    """tensorboardX's SummaryWriter into ``folder``, or None when tensorboardX is not installed."""
    try:
        from tensorboardX import SummaryWriter
    except ImportError:
        return None
    return SummaryWriter(str(folder))


def write_results(result, out_dir, plot: bool = True, command: str | None = None, backend: str = "engine",
                  computed_on: dict | None = None) -> dict:
    """Write a :class:`~lava_nrl.engine.TrainResult` into ``out_dir``; returns the summary. ``command``: the
    command line that ran it (default: this process's); ``backend``: ``engine`` or ``lava``;
    ``computed_on``: the :func:`machine` that computed it (default: this one; a Ray task's is its node's)."""
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    config = result.config
    seeds = list(config.seeds)

    episodes = result_episodes(result)
    atomic_write(out / "returns.csv", lambda path: _write_returns(path, episodes))
    for seed, weights in zip(seeds, result.weights):
        sizes = [weights[0].shape[1]] + [w.shape[0] for w in weights]
        atomic_write(out / f"weights-seed{seed}.npz",
                     lambda p, ws=weights, params=run_params(config, seed, sizes): write_agent_file(p, params, ws))
    steps_at = {}  # per seed, its env steps (all its environments) at each episode's end
    for e in episodes:
        steps_at.setdefault(e.seed, []).append(e.env_steps)
    per_seed = {}
    for seed, rets, steps in zip(seeds, result.returns, result.env_steps):
        reached = episodes_to_threshold(rets, result.reward_threshold)
        per_seed[str(seed)] = {
            "episodes_to_threshold": reached,
            "env_steps_to_threshold": steps_at[seed][reached - 1] if reached else None,
            "final_mean_return": float(np.mean(rets[-WINDOW:])) if rets else None,
            "best_mean_return": float(running_mean(rets).max()) if rets else None,
            "episodes": len(rets),
            "env_steps": int(steps),
            "wall_seconds": round(result.wall_seconds, 3),
        }
    summary = {"config": config.to_dict(), "config_hash": config_hash(config), "backend": backend,
               **_provenance(command or shlex.join(sys.argv), computed_on),
               "reward_threshold": result.reward_threshold, "saturations": result.saturations, "seeds": per_seed}
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
    label = f"{cfg.rule} ({cfg.precision}), {plural(len(returns), 'seed')}"
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    with warnings.catch_warnings():  # all-NaN grid points before the first episode ends
        warnings.simplefilter("ignore", RuntimeWarning)
        by_episode = curves_to_end(returns)
        panels = ((np.arange(1, by_episode.shape[1] + 1), by_episode, "episode"),
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
