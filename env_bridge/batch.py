# SPDX-License-Identifier: BSD-3-Clause
"""A batch of independent gymnasium environments, one per agent, stepped together.

Environment ``i`` behaves exactly like ``gymnasium.make(env_id)`` reset with ``seed=seeds[i]`` and
then ``reset()`` at every episode end, whatever else is in the batch: a seed names a run, and a batch
of agents is N single runs at once. Episodes reset in the same step (gymnasium's ``SAME_STEP``
autoreset): where an episode ends, the returned observation is the next episode's first.

:func:`make_batch` picks a backend from the environment's spec; every backend keeps one contract
(gymnasium's ``VectorEnv`` is the model):

- ``reset()`` → the first observations (num_envs, n_obs), float64;
- ``step(actions, active=None)`` → (obs, reward, terminated, truncated): environment ``i`` steps
  where ``active[i]`` (default: all). An environment that is not active does not step (or, in
  ``ReachingBatch``, is put back as it was): its state stays, and it reports a zero observation and
  reward and no episode end;
- ``get_state()`` / ``set_state()``: what the backend needs to continue, as arrays and generator
  states. A pickled batch is its configuration and that state, so a checkpoint holds no environment
  object (but :class:`GymBatch`'s, whose environments are arbitrary and are pickled as they are).

The backends:

- :class:`CartPoleBatch`: gymnasium's ``CartPoleVectorEnv`` holds the state and the physical
  constants, :func:`~env_bridge.envs.cartpole.cartpole_step` advances it, and sub-environments reset
  from per-environment generators; about 20× faster than separate ``CartPoleEnv``\\ s for 64.
- :class:`AcrobotBatch`: :func:`~env_bridge.envs.acrobot.acrobot_step` on the default dynamics with a
  step limit; about 50× faster than gymnasium's.
- :class:`ReachingBatch`: ``Reaching1DVectorEnv``, seeded per sub-environment.
- :class:`GymBatch`: a list of ``gymnasium.make`` instances (every other environment).

Each fast path is identical, bit for bit, to separate gymnasium environments (tested).
"""

from __future__ import annotations

import typing as ty

import gymnasium as gym
import numpy as np

from lava_nrl.errors import ConfigError, ShapeError, SpaceError
from .envs import acrobot, cartpole
from .validation import action_count, check_finite, encode_observation, observation_size

__all__ = ["make_env", "make_batch", "EnvBatch", "CartPoleBatch", "AcrobotBatch", "ReachingBatch", "GymBatch"]

_REACHING_VECTOR = "env_bridge.envs.reaching1d:Reaching1DVectorEnv"


def make_env(env_id: str, **kwargs) -> gym.Env:
    """``gymnasium.make`` with the project's errors: an unknown id names itself."""
    if env_id.startswith("env_bridge/"):
        import env_bridge  # noqa: F401  (registers the project's environments)
    try:
        return gym.make(env_id, **kwargs)
    except gym.error.Error as err:
        raise ConfigError(f"unknown or unavailable environment {env_id!r}: {err}") from None


def make_batch(env: str | gym.Env | ty.Callable[[], gym.Env], seeds: ty.Sequence[int]) -> "EnvBatch":
    """``len(seeds)`` independent copies of ``env``, on the fastest backend that equals it.

    Parameters
    ----------
    env : str, gymnasium.Env or callable
        A registered gymnasium id (``CartPole-v1``, ``Acrobot-v1``, ``env_bridge/Reaching1D-v0`` …),
        a function that makes a fresh environment (picklable, e.g. a ``functools.partial``, if the
        batch is to be checkpointed), or one environment instance (then one seed, stepped as it is).
    seeds : sequence of int
        One seed per environment.
    """
    if len(seeds) == 0:
        raise ConfigError("an environment batch needs at least one seed")
    if isinstance(env, str):
        make = lambda: make_env(env)  # noqa: E731
    elif isinstance(env, gym.Env):
        if len(seeds) != 1:
            raise ConfigError(f"an environment instance serves one seed, got {len(seeds)}; pass an id or a factory")
        make = lambda: env  # noqa: E731
    elif callable(env):
        make = env
    else:
        raise ConfigError(f"env must be a gymnasium id, an Env or a factory, got {type(env).__name__}")
    probe = make()
    spec = probe.spec
    # The fast paths copy the registered dynamics: environment keyword arguments (spec.kwargs, e.g. from
    # ``functools.partial(make_env, id, **kwargs)``) turn them off; a step limit is honoured by all but
    # Reaching's vector env.
    # An instance is the user's: it is stepped, never replaced by a fast path's copy.
    registered = spec is not None and not spec.kwargs and not isinstance(env, gym.Env)
    if registered and spec.vector_entry_point == cartpole.VECTOR_ENTRY_POINT:
        backend = CartPoleBatch
    elif registered and spec.entry_point == acrobot.ENTRY_POINT and acrobot.has_default_dynamics(probe):
        backend = AcrobotBatch
    elif registered and spec.vector_entry_point == _REACHING_VECTOR and spec.max_episode_steps is None:
        backend = ReachingBatch
    else:
        backend = GymBatch
    return backend(env, [int(s) for s in seeds], probe, make)


def _restore(env, seeds, state) -> "EnvBatch":
    """Unpickle a batch: a new one of the same environment and seeds, continued from ``state``."""
    batch = make_batch(env, seeds)
    batch.set_state(state)
    return batch


def _generator_states(generators: list) -> list:
    return [g.bit_generator.state for g in generators]


def _set_generator_states(generators: list, states: list) -> None:
    for generator, state in zip(generators, states):
        generator.bit_generator.state = state


class EnvBatch:
    """The contract every backend keeps (see the module docstring); made by :func:`make_batch`.

    A backend implements ``_reset()``, ``_step(actions, active)`` (``active`` a bool array; the arrays
    it returns are zero where it is False), ``get_state()``, ``set_state()`` and, if it holds
    resources, ``close()``.
    """

    def __init__(self, env, seeds: list[int], probe: gym.Env, make: ty.Callable[[], gym.Env]) -> None:
        self.env = env  # as given: what a pickled batch is rebuilt from
        self.seeds = seeds
        self.observation_space = probe.observation_space
        self.action_space = probe.action_space
        self.n_obs = observation_size(self.observation_space)
        self.n_actions = action_count(self.action_space)
        self.reward_threshold = probe.spec.reward_threshold if probe.spec else None
        self.max_episode_steps = probe.spec.max_episode_steps if probe.spec else None

    @property
    def num_envs(self) -> int:
        return len(self.seeds)

    def reset(self) -> np.ndarray:
        """First observations (num_envs, n_obs), float64."""
        obs = self._reset()
        check_finite(obs, "observation", self.seeds)
        return obs

    def step(self, actions: np.ndarray, active: np.ndarray | None = None):
        """Step every environment where ``active`` (default all); returns (obs, reward, terminated,
        truncated), obs float64 with the next episode's first observation where an episode ended, and
        zeros where an environment is not active."""
        actions = np.asarray(actions)
        if actions.shape != (self.num_envs,):
            raise ShapeError(f"expected {self.num_envs} actions, got shape {actions.shape}")
        active = np.ones(self.num_envs, dtype=bool) if active is None else np.asarray(active, dtype=bool)
        if active.shape != (self.num_envs,):
            raise ShapeError(f"expected {self.num_envs} active flags, got shape {active.shape}")
        obs, reward, terminated, truncated = self._step(actions, active)
        check_finite(obs, "observation", self.seeds)
        check_finite(reward, "reward", self.seeds)
        return obs, reward, terminated, truncated

    def _check_actions(self, actions: np.ndarray, active: np.ndarray, name: str) -> None:
        """The compiled backends index with actions: out of range is an error, not a wrong step."""
        valid = (actions >= 0) & (actions < self.n_actions)
        if actions.dtype.kind not in "iu":  # integer actions (the engine's) are whole already
            valid &= actions == np.round(actions)
        if not valid[active].all():
            raise SpaceError(f"{name} actions must be integers in [0, {self.n_actions}), got {actions[active]}")

    def _outputs(self):
        """Zeroed (obs, reward, terminated, truncated) for this batch."""
        n = self.num_envs
        return np.zeros((n, self.n_obs)), np.zeros(n), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)

    def close(self) -> None:
        """Release what the backend holds (nothing, unless it says otherwise)."""

    def __reduce__(self):
        return _restore, (self.env, self.seeds, self.get_state())


class CartPoleBatch(EnvBatch):
    """CartPole on a ``CartPoleVectorEnv``'s state, stepped by a compiled copy of its Euler step;
    sub-environment i is reset from its own generator (= ``CartPoleEnv``'s ``np_random``)."""

    def __init__(self, env, seeds, probe, make) -> None:
        super().__init__(env, seeds, probe, make)
        from gymnasium.envs.classic_control.cartpole import CartPoleVectorEnv

        probe.close()
        vec = CartPoleVectorEnv(num_envs=len(seeds), max_episode_steps=self.max_episode_steps)
        if vec.kinematics_integrator != "euler":
            raise ConfigError("the CartPole batch implements the Euler integrator only")
        self._vector = vec
        self._constants = (vec.gravity, vec.total_mass, vec.length, vec.masspole, vec.polemass_length,
                           vec.force_mag, vec.tau, vec.x_threshold, vec.theta_threshold_radians,
                           bool(vec._sutton_barto_reward))
        self._generators = [np.random.default_rng(s) for s in self.seeds]

    def _reset_some(self, index: np.ndarray) -> None:
        vec = self._vector
        for i in index:
            vec.state[:, i] = self._generators[i].uniform(vec.low, vec.high, size=4)
        vec.steps[index] = 0
        vec.prev_done[:] = False  # its own NEXT_STEP autoreset would draw from a shared generator

    def _reset(self) -> np.ndarray:
        self._vector.reset(seed=0)
        self._reset_some(np.arange(self.num_envs))
        return self._vector.state.T.astype(np.float32).astype(np.float64)

    def _step(self, actions, active):
        self._check_actions(actions, active, "CartPole")
        vec = self._vector
        obs, reward, terminated, truncated = self._outputs()
        cartpole.cartpole_step(vec.state, actions.astype(np.int64), active, vec.steps, vec.max_episode_steps,
                               self._constants, obs, reward, terminated, truncated)
        done = np.flatnonzero(terminated | truncated)
        if len(done):
            self._reset_some(done)
            obs[done] = vec.state[:, done].T.astype(np.float32)
        return obs, reward, terminated, truncated

    def get_state(self) -> dict:
        return dict(state=self._vector.state.copy(), steps=self._vector.steps.copy(),
                    generators=_generator_states(self._generators))

    def set_state(self, state: dict) -> None:
        self._vector.state = np.array(state["state"], dtype=np.float64)
        self._vector.steps = np.array(state["steps"], dtype=self._vector.steps.dtype)
        self._vector.prev_done[:] = False
        _set_generator_states(self._generators, state["generators"])

    def close(self) -> None:
        self._vector.close()


class AcrobotBatch(EnvBatch):
    """Acrobot (default dynamics, with a step limit) stepped by a compiled copy of ``AcrobotEnv.step``;
    sub-environment i is reset from its own generator (= ``AcrobotEnv``'s ``np_random``)."""

    def __init__(self, env, seeds, probe, make) -> None:
        super().__init__(env, seeds, probe, make)
        dynamics = probe.unwrapped
        self._state, self._steps = np.zeros((len(seeds), 4)), np.zeros(len(seeds), dtype=np.int64)
        self._torques = np.array(dynamics.AVAIL_TORQUE, dtype=np.float64)
        self._dt, self._max_vel = float(dynamics.dt), (float(dynamics.MAX_VEL_1), float(dynamics.MAX_VEL_2))
        self._constants = (dynamics.LINK_MASS_1, dynamics.LINK_MASS_2, dynamics.LINK_LENGTH_1,
                           dynamics.LINK_COM_POS_1, dynamics.LINK_COM_POS_2, dynamics.LINK_MOI, dynamics.LINK_MOI,
                           2.0)
        probe.close()
        self._generators = [np.random.default_rng(s) for s in self.seeds]

    def _reset_some(self, index: np.ndarray) -> np.ndarray:
        """Reset sub-environments ``index`` as ``AcrobotEnv.reset`` does; returns their observations
        (computed from the float32 state, as ``AcrobotEnv._get_ob`` computes them after a reset)."""
        obs = []
        for i in index:
            s = self._generators[i].uniform(low=-0.1, high=0.1, size=(4,)).astype(np.float32)
            self._state[i] = s
            obs.append(np.array([np.cos(s[0]), np.sin(s[0]), np.cos(s[1]), np.sin(s[1]), s[2], s[3]],
                                dtype=np.float32))
        self._steps[index] = 0
        return np.array(obs, dtype=np.float64)

    def _reset(self) -> np.ndarray:
        return self._reset_some(np.arange(self.num_envs))

    def _step(self, actions, active):
        self._check_actions(actions, active, "Acrobot")
        obs, reward, terminated, truncated = self._outputs()
        acrobot.acrobot_step(self._state, actions.astype(np.int64), active, self._steps, self.max_episode_steps,
                             self._torques, self._dt, *self._max_vel, self._constants, obs, reward, terminated,
                             truncated)
        done = np.flatnonzero(terminated | truncated)
        if len(done):
            obs[done] = self._reset_some(done)
        return obs, reward, terminated, truncated

    def get_state(self) -> dict:
        return dict(state=self._state.copy(), steps=self._steps.copy(), generators=_generator_states(self._generators))

    def set_state(self, state: dict) -> None:
        self._state = np.array(state["state"], dtype=np.float64)
        self._steps = np.array(state["steps"], dtype=np.int64)
        _set_generator_states(self._generators, state["generators"])


class ReachingBatch(EnvBatch):
    """Reaching1D on its vector env, sub-environment i seeded with ``seeds[i]``."""

    def __init__(self, env, seeds, probe, make) -> None:
        super().__init__(env, seeds, probe, make)
        from env_bridge.envs.reaching1d import Reaching1DVectorEnv

        task = probe.unwrapped
        self._vector = Reaching1DVectorEnv(num_envs=len(seeds), trial_steps=task.trial_steps,
                                           step_size=task.step_size, n_units=task.n_units)
        probe.close()

    def _reset(self) -> np.ndarray:
        return self._vector.reset(seed=self.seeds)[0].astype(np.float64)

    def _step(self, actions, active):
        self._check_actions(actions, active, "Reaching1D")
        obs, reward, terminated, truncated = self._outputs()
        self._vector.step_active(actions.astype(np.int64), active, obs, reward, truncated)
        return obs, reward, terminated, truncated

    def get_state(self) -> dict:
        return self._vector.get_state()

    def set_state(self, state: dict) -> None:
        self._vector.set_state(state)

    def close(self) -> None:
        self._vector.close()


class GymBatch(EnvBatch):
    """A list of ``gymnasium.make`` instances, stepped one after another."""

    def __init__(self, env, seeds, probe, make) -> None:
        super().__init__(env, seeds, probe, make)
        self._envs = [probe] + [make() for _ in self.seeds[1:]]

    def _reset(self) -> np.ndarray:
        return np.stack([encode_observation(self.observation_space, env.reset(seed=s)[0])
                         for env, s in zip(self._envs, self.seeds)])

    def _step(self, actions, active):
        obs, reward, terminated, truncated = self._outputs()
        for i in np.flatnonzero(active):
            env = self._envs[i]
            o, reward[i], terminated[i], truncated[i], _ = env.step(int(actions[i]))
            if terminated[i] or truncated[i]:
                o, _ = env.reset()
            obs[i] = encode_observation(self.observation_space, o)
        return obs, reward, terminated, truncated

    def get_state(self) -> dict:
        return dict(envs=self._envs)  # arbitrary environments: pickled as they are

    def set_state(self, state: dict) -> None:
        self.close()
        self._envs = list(state["envs"])

    def close(self) -> None:
        for env in self._envs:
            env.close()
