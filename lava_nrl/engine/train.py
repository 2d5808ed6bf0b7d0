# SPDX-License-Identifier: BSD-3-Clause
"""Train one agent per seed, side by side, with NRL, RMHL or BP (nrl-algorithm.md).

Reads top to bottom: set-up, then one loop — act, environment, learn, bookkeeping. Every agent is
independent (its own weights, traces, baseline, environment and random streams), so agent i of a
batch computes exactly what a run with ``seeds=[seeds[i]]`` computes. All arithmetic is in
:mod:`lava_nrl.kernels` (``act`` and ``learn`` are the Lava NRLAgent's too); this file only moves
arrays.
"""

from __future__ import annotations

import time
import typing as ty

import numpy as np

from env_bridge.batch import EnvBatch
from env_bridge.schedules import RewardSchedule, initial_state, schedule_step
from lava_nrl.kernels.agent import AgentSpec, act, init_agents, learn
from lava_nrl.kernels.rules import get_rule
from lava_nrl.runs import WINDOW

from .config import TrainConfig

__all__ = ["train", "TrainResult", "agent_spec"]


class TrainResult(ty.NamedTuple):
    config: TrainConfig
    returns: list  # per agent, the list of episode returns
    lengths: list  # per agent, the list of episode lengths
    weights: list  # per agent, the list of float64 weight matrices W_0..W_L
    env_steps: np.ndarray  # per agent, env steps within its episode budget
    wall_seconds: float
    reward_threshold: float | None


def agent_spec(config: TrainConfig, n_obs: int, n_actions: int) -> AgentSpec:
    """The kernels' view of a run's configuration."""
    return AgentSpec(sizes=tuple(config.sizes(n_obs, n_actions)), rule=get_rule(config.rule),
                     modulation=config.modulation, lr=config.lr, sigma=config.sigma,
                     precision=config.precision, fixed_format=config.fixed_format)


def train(config: TrainConfig, on_episodes: ty.Callable[[int], None] | None = None) -> TrainResult:
    """Run ``config``; ``on_episodes(k)`` is called whenever k more episodes (over all agents) ended."""
    started = time.perf_counter()
    schedule = RewardSchedule.parse(config.reward_schedule)
    seeds = list(config.seeds)
    n_agents, budget = len(seeds), config.num_episodes
    envs = EnvBatch(config.env, seeds)
    spec = agent_spec(config, envs.n_obs, envs.n_actions)
    arith = spec.arith
    state = init_agents(spec, seeds)

    sched = initial_state(schedule, n_agents)
    returns = [[] for _ in seeds]
    lengths = [[] for _ in seeds]
    episode_return = np.zeros(n_agents)
    episode_length = np.zeros(n_agents, dtype=np.int64)
    env_steps = np.zeros(n_agents, dtype=np.int64)
    active = np.ones(n_agents, dtype=bool)  # still within its episode budget
    held = np.zeros(n_agents, dtype=np.int64)  # consecutive episodes with the running mean ≥ threshold
    threshold = envs.reward_threshold if config.stop_after_threshold else None
    obs = envs.reset()

    while active.any():
        # ACT: noise, clean and noisy pass, readout, trace
        action = act(spec, state, arith.encode(obs))

        # ENVIRONMENT AND REWARD SCHEDULE
        obs, reward, terminated, truncated = envs.step(action)
        done = terminated | truncated
        delivered, event, sched = schedule_step(schedule, sched, reward, done)

        # LEARN at reward events: RPE, update, baseline
        learn(spec, state, arith.encode_reward(delivered), event, done, active)

        # EPISODE BOOKKEEPING
        episode_return += reward
        episode_length += 1
        env_steps += active
        finished = np.flatnonzero(done & active)
        for i in finished:
            returns[i].append(float(episode_return[i]))
            lengths[i].append(int(episode_length[i]))
            if threshold is not None and len(returns[i]) >= WINDOW:
                held[i] = held[i] + 1 if np.mean(returns[i][-WINDOW:]) >= threshold else 0
            active[i] = len(returns[i]) < budget and not (threshold is not None
                                                          and held[i] >= config.stop_after_threshold)
        episode_return[done] = 0.0
        episode_length[done] = 0
        if on_episodes is not None and finished.size:
            on_episodes(int(finished.size) + sum(budget - len(returns[i]) for i in finished if not active[i]))

    envs.close()
    final = [[arith.decode_weights(w[i]) for w in state.weights] for i in range(n_agents)]
    return TrainResult(config, returns, lengths, final, env_steps, time.perf_counter() - started,
                       envs.reward_threshold)
