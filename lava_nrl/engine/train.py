# SPDX-License-Identifier: BSD-3-Clause
"""Train one agent per seed, side by side, with NRL, RMHL or BP (nrl-algorithm.md).

Reads top to bottom: set-up, then one loop whose phases carry the algorithm's names. Every agent is
independent (its own weights, traces, baseline, environment and random streams), so agent i of a
batch computes exactly what a run with ``seeds=[seeds[i]]`` computes. All arithmetic is in
:mod:`lava_nrl.kernels`; this file only moves arrays.
"""

from __future__ import annotations

import time
import typing as ty

import numpy as np

from env_bridge.batch import EnvBatch
from env_bridge.schedules import RewardSchedule, initial_state, schedule_step
from env_bridge.validation import check_finite
from lava_nrl import kernels
from lava_nrl.kernels.layer import LEAKY_SLOPE
from lava_nrl.numerics import make_arith, rng

from .config import TrainConfig

__all__ = ["train", "TrainResult", "AgentState", "init_state"]


class AgentState(ty.NamedTuple):
    """Everything a batch of agents learns or counts; leading axis = agent."""

    weights: list  # W_l, (A, n_post, n_pre)
    traces: list  # e_l, same shapes
    baseline: np.ndarray  # R̄, (A,)
    has_baseline: np.ndarray  # (A,) bool: R̄ has been set
    step: np.ndarray  # (A,) uint64: env steps taken = draw counter of the noise and action streams
    updates: np.ndarray  # (A,) uint64: reward events = draw counter of the rounding streams


class TrainResult(ty.NamedTuple):
    config: TrainConfig
    returns: list  # per agent, the list of episode returns
    lengths: list  # per agent, the list of episode lengths
    weights: list  # per agent, the list of float64 weight matrices W_0..W_L
    env_steps: np.ndarray  # per agent, env steps within its episode budget
    wall_seconds: float
    reward_threshold: float | None


def init_state(arith, sizes: list[int], seeds: ty.Sequence[int]) -> AgentState:
    """Xavier-normal weights from each seed (quantised in fixed point), zero traces, no baseline."""
    per_agent = [kernels.xavier_normal(sizes, s) for s in seeds]
    weights = [arith.encode_weights(np.stack([w[l] for w in per_agent])) for l in range(len(sizes) - 1)]
    n = len(seeds)
    return AgentState(
        weights=weights,
        traces=[np.zeros_like(w) for w in weights],
        baseline=arith.encode_reward(np.zeros(n)),
        has_baseline=np.zeros(n, dtype=bool),
        step=np.zeros(n, dtype=np.uint64),
        updates=np.zeros(n, dtype=np.uint64),
    )


def train(config: TrainConfig, on_episodes: ty.Callable[[int], None] | None = None) -> TrainResult:
    """Run ``config``; ``on_episodes(k)`` is called whenever k more episodes (over all agents) ended."""
    started = time.perf_counter()
    rule = kernels.get_rule(config.rule)
    modulation = config.modulation
    schedule = RewardSchedule.parse(config.reward_schedule)
    arith = make_arith(config.precision, config.fixed_format)
    seeds = list(config.seeds)
    n_agents, budget = len(seeds), config.num_episodes

    envs = EnvBatch(config.env, seeds)
    sizes = config.sizes(envs.n_obs, envs.n_actions)
    n_layers = len(sizes) - 1
    state = init_state(arith, sizes, seeds)
    weights, traces = state.weights, state.traces
    baseline, has_baseline, step, updates = state.baseline, state.has_baseline, state.step, state.updates
    noise_keys = np.array([rng.derive_key(s, rng.NOISE) for s in seeds])
    neuron_index = np.arange(sum(sizes[1:]), dtype=np.uint32)  # one stream per neuron, all layers
    layer_ends = np.cumsum(sizes[1:])[:-1]
    rounding_keys = [np.array([rng.derive_key(s, rng.ROUNDING, l) for s in seeds]) for l in range(n_layers)]
    action_keys = np.array([rng.derive_key(s, rng.ACTION) for s in seeds])
    n_post = [sizes[l + 1] if rule.scale_by_n_post else 1 for l in range(n_layers)]
    pre_noisy = modulation.pre_noisy if rule.pre_noisy is None else rule.pre_noisy

    sched = initial_state(schedule, n_agents)
    returns = [[] for _ in seeds]
    lengths = [[] for _ in seeds]
    episode_return = np.zeros(n_agents)
    episode_length = np.zeros(n_agents, dtype=np.int64)
    env_steps = np.zeros(n_agents, dtype=np.int64)
    active = np.ones(n_agents, dtype=bool)  # still within its episode budget
    obs = envs.reset()

    while active.any():
        # CLEAN AND NOISY PASS
        s = arith.encode(obs)
        xis = np.split(arith.noise(noise_keys, step, neuron_index, config.sigma), layer_ends, axis=1)
        act = kernels.network_forward(arith, weights, s, xis, LEAKY_SLOPE)

        # READOUT: ACTION, RHO
        u32 = rng.random_u32(action_keys, step, 0)
        action, rho, logp, _ = kernels.policy_readout(arith, act.a[-1], act.a_noisy[-1], u32, rule.act_noisy)

        # TRACE: e ← γ_e e + post ⊗ pre
        if rule.trace == "nrl":
            xi_sq = [arith.sum_sq(xi) for xi in xis]
            if modulation.xi_norm == "network":
                xi_sq = [sum(xi_sq)] * n_layers
            posts = [kernels.nrl_post_factor(arith, rho, xi, sq) for xi, sq in zip(xis, xi_sq)]
        elif rule.trace == "rmhl":
            posts = xis
        else:
            posts = kernels.bp_post_factors(weights, act.a, logp, action, LEAKY_SLOPE)
        pres = act.x_noisy if pre_noisy else act.x
        for e, post, pre in zip(traces, posts, pres):
            kernels.trace_update(arith, e, modulation.trace_decay, post, pre)

        # ENVIRONMENT
        obs, reward, terminated, truncated = envs.step(action)
        done = terminated | truncated
        step += np.uint64(1)
        delivered, event, sched = schedule_step(schedule, sched, reward, done)

        # REWARD EVENT: RPE, UPDATE
        learners = np.flatnonzero(event & active)
        if learners.size:
            r = arith.encode_reward(delivered[learners])
            delta = kernels.rpe(arith, r, baseline[learners], has_baseline[learners], modulation.normalise_rpe)
            for l in range(n_layers):
                weights[l][learners] = kernels.weight_update(
                    arith, weights[l][learners], traces[l][learners], config.lr, n_post[l], delta,
                    rounding_keys[l][learners], updates[learners])
                if arith.precision == "float":
                    check_finite(weights[l][learners], f"weights of layer {l}", [seeds[i] for i in learners])
            baseline[learners] = kernels.update_baseline(arith, r, baseline[learners], has_baseline[learners],
                                                         modulation.baseline_rate)
            has_baseline[learners] = True
            updates[learners] += np.uint64(1)
        for e in traces:
            e[event] = 0

        # EPISODE BOOKKEEPING
        episode_return += reward
        episode_length += 1
        env_steps += active
        finished = np.flatnonzero(done & active)
        for i in finished:
            returns[i].append(float(episode_return[i]))
            lengths[i].append(int(episode_length[i]))
            active[i] = len(returns[i]) < budget
        if modulation.reset_baseline_each_episode:
            has_baseline[done] = False
        episode_return[done] = 0.0
        episode_length[done] = 0
        if on_episodes is not None and finished.size:
            on_episodes(int(finished.size))

    envs.close()
    final = [[arith.decode_weights(w[i]) for w in weights] for i in range(n_agents)]
    return TrainResult(config, returns, lengths, final, env_steps, time.perf_counter() - started,
                       envs.reward_threshold)
