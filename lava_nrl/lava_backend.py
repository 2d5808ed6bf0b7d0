# SPDX-License-Identifier: BSD-3-Clause
"""``lava-nrl train --backend lava``: each seed's agent as EnvBridge + NRLAgent on Lava's CPU simulator.

The graph of one seed is two Processes: ``EnvBridge → (obs, reward) → NRLAgent → action → EnvBridge``,
one environment step per tick — of each of the agent's ``envs`` environments. Seeds run one after the
other. The results equal the engine's for the same configuration (bit for bit; tests/equivalence).

Checkpoints are per seed: a :class:`LavaRun` holds the results of the seeds already finished and is
written after each one; continuing it reruns the interrupted seed from its start, which gives the
uninterrupted run's result (a seed's run is deterministic), so Ctrl-C or ``kill -9`` loses at most
the episodes of the seed under way.

Lava sets the 'fork' start method when it is imported: :func:`lava_nrl.workers.import_lava_runtime`
lets it even after a progress bar's lock chose a context.
"""

from __future__ import annotations

import dataclasses
import functools
import time
import typing as ty

import numpy as np

from lava_nrl.workers import import_lava_runtime

import_lava_runtime()  # before any Lava module (see lava_nrl.workers)
from lava.magma.core.run_configs import Loihi2SimCfg  # noqa: E402

from env_bridge.batch import make_env
from env_bridge.proc.env_bridge.process import EnvBridge
from lava_nrl.engine.config import TrainConfig
from lava_nrl.engine.train import TrainResult, save_checkpoint
from lava_nrl.graph import connect
from lava_nrl.guarded import run_guarded
from lava_nrl.kernels.rules import lava_rule
from lava_nrl.model_support import TAGS, collect_saturations
from lava_nrl.proc.nrl_agent.process import NRLAgent
from lava_nrl.runs import add_counts, episodes_of

__all__ = ["train_lava", "LavaRun"]


@dataclasses.dataclass
class LavaRun:
    """A ``--backend lava`` run between two seeds; a checkpoint is this object, pickled."""

    config: TrainConfig
    returns: list = dataclasses.field(default_factory=list)  # per finished seed
    lengths: list = dataclasses.field(default_factory=list)
    weights: list = dataclasses.field(default_factory=list)
    env_steps: list = dataclasses.field(default_factory=list)
    episode_envs: list = dataclasses.field(default_factory=list)  # per finished seed, each episode's environment
    episode_env_steps: list = dataclasses.field(default_factory=list)  # … and the seed's env steps at its end
    saturations: dict = dataclasses.field(default_factory=dict)
    reward_threshold: float | None = None
    wall_seconds: float = 0.0


def train_lava(config: TrainConfig | LavaRun, on_episodes: ty.Callable[[list, int], None] | None = None,
               checkpoint=None) -> TrainResult:
    """Train each seed of ``config`` (or the seeds a :class:`LavaRun` has not finished) in its own Lava
    graph; same result type and ``on_episodes`` as the engine's ``train``. ``checkpoint``: a path written
    after each seed."""
    run = config if isinstance(config, LavaRun) else LavaRun(config)
    config = run.config
    lava_rule(config.rule)
    started = time.perf_counter() - run.wall_seconds
    budget = config.num_episodes
    for seed in config.seeds[len(run.returns):]:
        # The agent reads observations in Q.frac_bits, as the engine encodes them (saturating).
        env = functools.partial(make_env, config.env, **config.make_kwargs) if config.make_kwargs else config.env
        # The bridge ends the run where the engine stops the seed: budget spent or threshold held.
        bridge = EnvBridge(env=env, seed=seed, num_envs=config.envs, reward=config.reward_schedule, max_episodes=budget,
                           stop_after_threshold=config.stop_after_threshold,
                           obs_frac_bits=config.fixed_format.frac_bits, fixed_format=config.fixed_format)
        agent = NRLAgent(sizes=config.sizes(bridge.n_obs, bridge.n_actions), rule=config.rule, lr=config.lr,
                         sigma=config.sigma, precision=config.precision, seed=seed, num_envs=config.envs,
                         modulation=config.modulation, fixed_format=config.fixed_format)
        connect(bridge, agent)
        reported = 0

        def report() -> None:
            nonlocal reported
            returns = bridge.episode_returns[reported:]
            if on_episodes is not None and len(returns):
                on_episodes(episodes_of(seed, returns, bridge.episode_lengths[reported:], reported + 1,
                                        envs=bridge.episode_envs[reported:],
                                        env_steps=bridge.episode_env_steps[reported:]), 0)
            reported += len(returns)

        ticks = budget * (bridge.max_episode_steps or 10**6) + 2  # an upper bound: max_episodes ends it (K ≥ 1)
        try:
            run_guarded(bridge, ticks, Loihi2SimCfg(select_tag=TAGS[config.precision]), timeout=None,
                        on_poll=report)
            report()
            if on_episodes is not None and budget > reported:  # stopped at the threshold: the rest is skipped
                on_episodes([], budget - reported)
            run.returns.append([float(r) for r in bridge.episode_returns])
            run.lengths.append([int(n) for n in bridge.episode_lengths])
            run.weights.append(agent.layer_weights())
            run.episode_envs.append([int(e) for e in bridge.episode_envs])
            run.episode_env_steps.append([int(t) for t in bridge.episode_env_steps])
            run.env_steps.append(int(bridge.env_steps.get()[0]))
            run.reward_threshold = bridge.reward_threshold
            for counts in (agent.saturation_counts(), collect_saturations(bridge)):
                add_counts(run.saturations, counts)
        finally:
            bridge.stop()
        run.wall_seconds = time.perf_counter() - started
        if checkpoint is not None:
            save_checkpoint(run, checkpoint)
    return TrainResult(config, run.returns, run.lengths, run.weights, np.array(run.env_steps),
                       time.perf_counter() - started, run.reward_threshold, run.saturations, run.episode_envs,
                       run.episode_env_steps)

