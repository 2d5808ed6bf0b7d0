# SPDX-License-Identifier: BSD-3-Clause
"""Train one agent per seed, side by side, with NRL, RMHL or BP (nrl-algorithm.md).

Reads top to bottom: set-up, then one loop — act, environment, learn, bookkeeping. Every agent is
independent (its own weights, traces, baseline, environment and random streams), so agent i of a
batch computes exactly what a run with ``seeds=[seeds[i]]`` computes. All arithmetic is in
:mod:`lava_nrl.kernels` (``act`` and ``learn`` are the Lava NRLAgent's too); this file only moves
arrays.
"""

from __future__ import annotations

import contextlib
import dataclasses
import pickle
import signal
import threading
import time
import typing as ty

import numpy as np

from env_bridge.batch import EnvBatch
from env_bridge.schedules import RewardSchedule, initial_state, schedule_step
from lava_nrl.kernels.agent import AgentSpec, AgentState, act, init_agents, learn
from lava_nrl.kernels.rules import get_rule
from lava_nrl.runs import WINDOW, atomic_write

from .config import TrainConfig

__all__ = ["train", "TrainResult", "Run", "start_run", "save_checkpoint", "load_checkpoint", "agent_spec"]


class TrainResult(ty.NamedTuple):
    config: TrainConfig
    returns: list  # per agent, the list of episode returns
    lengths: list  # per agent, the list of episode lengths
    weights: list  # per agent, the list of float64 weight matrices W_0..W_L
    env_steps: np.ndarray  # per agent, env steps within its episode budget
    wall_seconds: float
    reward_threshold: float | None
    saturations: dict  # fixed point: values clipped to their width, by kind (never silent)


def agent_spec(config: TrainConfig, n_obs: int, n_actions: int) -> AgentSpec:
    """The kernels' view of a run's configuration."""
    return AgentSpec(sizes=tuple(config.sizes(n_obs, n_actions)), rule=get_rule(config.rule),
                     modulation=config.modulation, lr=config.lr, sigma=config.sigma,
                     precision=config.precision, fixed_format=config.fixed_format)


@dataclasses.dataclass
class Run:
    """Everything a training run holds between two steps; a checkpoint is this object, pickled."""

    config: TrainConfig
    envs: EnvBatch
    spec: AgentSpec
    state: AgentState
    schedule_state: ty.Any
    obs: np.ndarray
    returns: list  # per agent, episode returns so far
    lengths: list
    episode_return: np.ndarray  # of the episode under way, per agent
    episode_length: np.ndarray
    env_steps: np.ndarray  # within the budget, per agent
    active: np.ndarray  # still learning: within its budget and not stopped at the threshold
    held: np.ndarray  # consecutive episodes with the running mean ≥ threshold
    wall_seconds: float = 0.0


def start_run(config: TrainConfig) -> Run:
    """A run at its first step: environments reset, agents initialised from their seeds."""
    seeds = list(config.seeds)
    envs = EnvBatch(config.env, seeds)
    spec = agent_spec(config, envs.n_obs, envs.n_actions)
    n = len(seeds)
    return Run(config=config, envs=envs, spec=spec, state=init_agents(spec, seeds),
               schedule_state=initial_state(RewardSchedule.parse(config.reward_schedule), n), obs=envs.reset(),
               returns=[[] for _ in seeds], lengths=[[] for _ in seeds], episode_return=np.zeros(n),
               episode_length=np.zeros(n, dtype=np.int64), env_steps=np.zeros(n, dtype=np.int64),
               active=np.ones(n, dtype=bool), held=np.zeros(n, dtype=np.int64))


def save_checkpoint(run: Run, path) -> None:
    """Write ``run`` atomically: a crash mid-write leaves the previous checkpoint intact."""

    def dump(tmp) -> None:
        with open(tmp, "wb") as f:
            pickle.dump(run, f, protocol=pickle.HIGHEST_PROTOCOL)

    atomic_write(path, dump)


def load_checkpoint(path) -> Run:
    """The run a :func:`save_checkpoint` wrote (trusted files only: it is a pickle)."""
    with open(path, "rb") as f:
        return pickle.load(f)


@contextlib.contextmanager
def _interrupts_between_steps():
    """Defer SIGINT to the next step boundary (in the main thread; elsewhere nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return
    received = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield lambda: bool(received)
    finally:
        signal.signal(signal.SIGINT, previous)


def train(config: TrainConfig | Run, on_episodes: ty.Callable[[int], None] | None = None,
          checkpoint=None, checkpoint_every: int = 0) -> TrainResult:
    """Run ``config`` (or continue a :class:`Run` from a checkpoint) to the end of its budget.

    ``on_episodes(k)``: called whenever k more episodes (over all agents) ended. ``checkpoint``: a
    path written every ``checkpoint_every`` finished episodes (0: never) and on Ctrl-C, after which
    the KeyboardInterrupt goes on; continuing from it gives the uninterrupted run's result, bit for
    bit."""
    run = config if isinstance(config, Run) else start_run(config)
    config, envs, spec, state = run.config, run.envs, run.spec, run.state
    arith, schedule, budget = spec.arith, RewardSchedule.parse(config.reward_schedule), config.num_episodes
    threshold = envs.reward_threshold if config.stop_after_threshold else None
    started, since_checkpoint = time.perf_counter() - run.wall_seconds, 0
    with _interrupts_between_steps() as interrupted:
        while run.active.any():
            if interrupted():  # Ctrl-C: stop between two whole steps, so the checkpoint is consistent
                if checkpoint is not None:
                    run.wall_seconds = time.perf_counter() - started
                    save_checkpoint(run, checkpoint)
                raise KeyboardInterrupt
            # ACT: noise, clean and noisy pass, readout, trace
            action = act(spec, state, arith.encode(run.obs))

            # ENVIRONMENT AND REWARD SCHEDULE
            run.obs, reward, terminated, truncated = envs.step(action)
            done = terminated | truncated
            delivered, event, run.schedule_state = schedule_step(schedule, run.schedule_state, reward, done)

            # LEARN at reward events: RPE, update, baseline
            learn(spec, state, arith.encode_reward(delivered), event, done, run.active)

            # EPISODE BOOKKEEPING
            run.episode_return += reward
            run.episode_length += 1
            run.env_steps += run.active
            finished = np.flatnonzero(done & run.active)
            for i in finished:
                run.returns[i].append(float(run.episode_return[i]))
                run.lengths[i].append(int(run.episode_length[i]))
                if threshold is not None and len(run.returns[i]) >= WINDOW:
                    run.held[i] = run.held[i] + 1 if np.mean(run.returns[i][-WINDOW:]) >= threshold else 0
                run.active[i] = len(run.returns[i]) < budget and not (
                    threshold is not None and run.held[i] >= config.stop_after_threshold)
            run.episode_return[done] = 0.0
            run.episode_length[done] = 0
            if finished.size:
                if on_episodes is not None:
                    skipped = sum(budget - len(run.returns[i]) for i in finished if not run.active[i])
                    on_episodes(int(finished.size) + skipped)
                since_checkpoint += finished.size
                if checkpoint is not None and checkpoint_every and since_checkpoint >= checkpoint_every:
                    run.wall_seconds = time.perf_counter() - started
                    save_checkpoint(run, checkpoint)
                    since_checkpoint = 0

    envs.close()
    final = [[arith.decode_weights(w[i]) for w in state.weights] for i in range(len(config.seeds))]
    return TrainResult(config, run.returns, run.lengths, final, run.env_steps, time.perf_counter() - started,
                       envs.reward_threshold, dict(arith.saturations))
