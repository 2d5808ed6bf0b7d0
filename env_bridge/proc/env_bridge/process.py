# SPDX-License-Identifier: BSD-3-Clause
"""EnvBridge: a gymnasium environment inside a Lava graph."""

from __future__ import annotations

import multiprocessing as mp
import typing as ty

import gymnasium as gym
import lava.magma.runtime.message_infrastructure.multiprocessing  # noqa: F401  (see below)
import numpy as np
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import LogConfig
from lava.magma.core.process.variable import Var

from env_bridge.batch import make_batch
from env_bridge.schedules import RewardSchedule
from lava_nrl import widths
from lava_nrl.errors import ConfigError
from lava_nrl.numerics import FixedFormat

from lava_nrl.messages import RewardMessage
from lava_nrl.model_support import ValidatedProcess, copy_rows, saturation_var

__all__ = ["EnvBridge"]

EPISODE_FIELDS = 4  # of the episode log: return, length, environment, env steps at its end


class EnvBridge(ValidatedProcess):
    """Owns a gymnasium environment — or K of them, stepped in the same tick — and streams it through
    ports: observations and (scheduled) rewards out, actions in.

    Tick cycle (``T = cycle_ticks``; phase = (tick − 1) mod T)::

        every tick   obs_out    ← the current observation s_t (held for the whole cycle)
                     action_in  → received (every tick, as Lava requires of a connected port)
        phase 0      reward_out ← the RewardMessage (R, event, episode_end) of the step that led to s_t,
                     zeros otherwise
        phase T − 1  the action is decoded and the environment steps: s_{t+1} is sent from the next tick

    With ``T = 1`` a policy Process that receives ``obs_out`` and sends on ``action_in`` in the same
    tick closes the loop at one environment step per tick.

    With ``num_envs = K > 1`` every port carries a row per environment — ``obs_out`` (K, n_obs),
    ``reward_out`` (K, 3), ``action_in`` (K,) (or (K, n_actions) for ``argmax``) — and each environment
    has its own seed (:func:`lava_nrl.numerics.rng.env_seeds`: the first is ``seed``) and reward schedule
    state. ``max_episodes`` then counts the episodes of all K together, and an environment stops once the
    budget is all started or the threshold held (:mod:`env_bridge.episodes`, the engine's bookkeeping): it
    no longer steps, its action is ignored and it delivers no reward event. K = 1 is the single
    environment, with ports of shapes (n_obs,), (3,) and (1,). A graph whose action lags the observation
    by d ticks (each ``Dense`` adds one) needs ``T ≥ d + 1``.

    Rewards follow ``reward`` (``env_bridge.schedules``, shared with the engine): R is what the
    schedule delivers on that step (the episode return for ``episodic``), ``event`` is 1 where it
    delivers, ``episode_end`` is 1 where the step ended the episode (gymnasium's
    ``terminated or truncated``); the observation sent with it is then the next episode's first.
    Nothing is delivered on the very first cycle.

    In ``fixed_pt``, observations are sent as ``round(s · 2^obs_frac_bits)`` (int32, saturated to
    ``fixed_format.msg_bits``) and R as ``round(R · 2^obs_frac_bits)`` (saturated to
    ``fixed_format.reward_bits``); ``floating_pt`` sends the values themselves.

    Parameters
    ----------
    env : str, gymnasium.Env or callable
        A gymnasium id, an environment instance, or a function making one. Observation space Box
        (flattened) or Discrete (one-hot); action space Discrete(n).
    reward : str
        Reward schedule: ``immediate``, ``episodic`` (default), ``delay:K``, ``every:K``.
    seed : int
        Seeds the environment's first reset (later resets continue its generator).
    num_envs : int
        K, environments stepped together (default 1).
    cycle_ticks : int
        T, ticks per environment step (default 1).
    action_encoding : str
        ``"index"`` (default): ``action_in`` has shape (1,) and carries the action number, read on
        the cycle's last tick. ``"argmax"``: ``action_in`` has shape (n_actions,); its inputs are
        summed over the cycle and the action is their argmax (the lowest on ties), as for the
        spikes of one output neuron per action.
    obs_frac_bits : int or None
        Fraction bits of the fixed-point observations. None derives it from the observation space:
        ``fixed_format.frac_bits``, lowered until the space's finite bounds fit the message width.
    fixed_format : FixedFormat or None
        Widths of the fixed-point messages (default ``FixedFormat()``, the engine's).
    log_capacity : int or None
        Episodes the return/length log (readable during and after a run) holds. None (default):
        ``max_episodes``, else 100,000. Nothing is ever dropped: a capacity below ``max_episodes``
        is a ConfigError here, and an episode past a full log stops the run with a ConfigError.
    max_episodes : int or None
        End the run (a pause requested by the model) on the tick that delivers the reward message
        of the last step of the last episode (of all K environments together), so a downstream learner
        has seen its last reward. Later ``run`` calls tick on with every environment stopped (the last
        observation held, no reward). None (default): run for the ticks asked.
    stop_after_threshold : int
        End the run the same way once the mean return of the last 100 episodes has held the
        environment's ``reward_threshold`` for this many episodes, as the engine stops a seed
        (``TrainConfig.stop_after_threshold``). 0 (default), or an environment without a threshold:
        never.
    """

    def __init__(
        self,
        *,
        env: str | gym.Env | ty.Callable[[], gym.Env],
        reward: str = "episodic",
        seed: int = 0,
        num_envs: int = 1,
        cycle_ticks: int = 1,
        action_encoding: str = "index",
        obs_frac_bits: int | None = None,
        fixed_format: FixedFormat | None = None,
        log_capacity: int | None = None,
        max_episodes: int | None = None,
        stop_after_threshold: int = 0,
        name: str | None = None,
        log_config: LogConfig | None = None,
    ) -> None:
        schedule = RewardSchedule.parse(reward)
        self._validate_int("seed", seed, 0)
        self._validate_int("num_envs", num_envs, 1)
        self._validate_int("cycle_ticks", cycle_ticks, 1)
        if max_episodes is not None:
            self._validate_int("max_episodes", max_episodes, 1)
        if log_capacity is None:
            log_capacity = max_episodes or 100_000
        self._validate_int("log_capacity", log_capacity, 1)
        if max_episodes is not None and log_capacity < max_episodes:
            raise ConfigError(f"EnvBridge: log_capacity={log_capacity} holds fewer episodes than "
                              f"max_episodes={max_episodes}")
        self._validate_int("stop_after_threshold", stop_after_threshold, 0)
        if action_encoding not in ("index", "argmax"):
            raise ConfigError(f"action_encoding must be 'index' or 'argmax', got {action_encoding!r}")
        fixed_format = fixed_format or FixedFormat()
        probe = make_batch(env, [seed])  # validates the spaces before any worker starts
        n_obs, n_actions = probe.n_obs, probe.n_actions
        if obs_frac_bits is None:
            obs_frac_bits = self._derive_frac_bits(probe.observation_space, fixed_format)
        self._validate_int("obs_frac_bits", obs_frac_bits, 0, fixed_format.msg_bits - 2)
        if isinstance(env, str):
            probe.close()
        # Shared with the forked worker: (return, length, environment, env steps) per episode, and the
        # number recorded.
        # Lava sets the 'fork' start method when its multiprocessing module is first imported and
        # fails if anything chose a context before (lava-notes P3); it is imported above, so these
        # shared arrays cannot be first.
        episode_log = mp.RawArray("d", EPISODE_FIELDS * log_capacity)
        episode_count = mp.RawValue("q", 0)
        super().__init__(
            env=env, reward=str(schedule), seed=seed, num_envs=num_envs, cycle_ticks=cycle_ticks,
            action_encoding=action_encoding, obs_frac_bits=obs_frac_bits, fixed_format=fixed_format,
            episode_log=episode_log, episode_count=episode_count, max_episodes=max_episodes,
            stop_after_threshold=stop_after_threshold, reward_threshold=probe.reward_threshold,
            name=name, log_config=log_config,
        )
        self.n_obs, self.n_actions, self.num_envs = n_obs, n_actions, num_envs
        self.reward_threshold = probe.reward_threshold
        self.max_episode_steps = probe.max_episode_steps
        self.obs_out = OutPort(shape=copy_rows(num_envs, n_obs))
        self.reward_out = OutPort(shape=copy_rows(num_envs, RewardMessage.size()))
        self.action_in = InPort(shape=(num_envs,) if action_encoding == "index" else copy_rows(num_envs, n_actions))
        self.env_steps = Var(shape=(1,), init=0)
        self.saturations = saturation_var()  # fixed point: clipped values by kind
        self._episode_log, self._episode_count = episode_log, episode_count

    def fixed_widths(self) -> dict:
        """The :class:`~lava_nrl.widths.Width` of each Var and port in ``fixed_pt``, from the format."""
        fmt = self.proc_params["fixed_format"]
        index = self.proc_params["action_encoding"] == "index"
        return dict(obs_out=widths.message(fmt), reward_out=RewardMessage.widths(fmt),
                    action_in=widths.action(self.n_actions) if index else widths.message(fmt),
                    env_steps=widths.COUNTER, saturations=widths.COUNTER)

    @staticmethod
    def _validate_int(name: str, value, low: int, high: int | None = None) -> None:
        if not isinstance(value, (int, np.integer)) or value < low or (high is not None and value > high):
            bounds = f"[{low}, {high}]" if high is not None else f"≥ {low}"
            raise ConfigError(f"EnvBridge: {name} must be an integer {bounds}, got {value!r}")

    @staticmethod
    def _derive_frac_bits(space: gym.Space, fmt: FixedFormat) -> int:
        bounds = np.abs(np.concatenate([np.ravel(getattr(space, "low", 0)), np.ravel(getattr(space, "high", 1))]))
        finite = bounds[np.isfinite(bounds)]
        largest = float(finite.max()) if finite.size else 1.0
        frac = fmt.frac_bits
        while frac > 0 and largest * 2.0**frac >= 2.0 ** (fmt.msg_bits - 1):
            frac -= 1
        return frac

    def _episodes(self) -> np.ndarray:
        log = np.frombuffer(self._episode_log, dtype=np.float64).reshape(-1, EPISODE_FIELDS)
        return log[: self._episode_count.value].copy()

    @property
    def episode_returns(self) -> np.ndarray:
        """Returns of the episodes finished so far; readable while running."""
        return self._episodes()[:, 0]

    @property
    def episode_lengths(self) -> np.ndarray:
        """Lengths (env steps) of the episodes finished so far; readable while running."""
        return self._episodes()[:, 1].astype(np.int64)

    @property
    def episode_envs(self) -> np.ndarray:
        """The environment (0 … K − 1) of each episode finished so far."""
        return self._episodes()[:, 2].astype(np.int64)

    @property
    def episode_env_steps(self) -> np.ndarray:
        """Env steps of all K environments together at each finished episode's end."""
        return self._episodes()[:, 3].astype(np.int64)
