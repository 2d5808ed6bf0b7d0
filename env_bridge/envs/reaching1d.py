# SPDX-License-Identifier: BSD-3-Clause
"""Reaching1D: move a hand on a circle onto a target angle, rewarded at every step.

This is the immediate-reward task of NRL (arXiv 2503.23972), re-implemented as a gymnasium environment
with the semantics of neurogym's ``Reaching1D`` as the NRL authors configured it
(``jesusgf96/noise-based-reward-modulated-learning``, ``training.py::training_neurogym``:
``dt=10``, ``timing={"fixation": 0, "reach": 3000}``, i.e. 300-step trials with no fixation period).

SOURCE: neurogym 2.3.1, ``neurogym/envs/native/reaching.py`` (class ``Reaching1D``) and
``neurogym/core.py`` (``TrialEnv.step``/``reset``). Where neurogym and the project's task table
(``nrl-algorithm.md``) disagree, the table wins; the differences are listed in the class docstring.

The dynamics are written once, as compiled rows of one environment (the move, the reward, the
population code) that batch-first functions over a leading axis of environments call (:func:`observe`,
:func:`move`, :func:`reward`, and :func:`step_batch`, a whole step; :func:`draw_target`).
:class:`Reaching1DEnv` calls them with a batch of one and :class:`Reaching1DVectorEnv` with a batch
of ``num_envs``, so the two agree bit for bit.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit, vectorize
from numba.extending import register_jitable

import gymnasium as gym
from gymnasium import spaces
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from lava_nrl.errors import ConfigError, ShapeError

__all__ = [
    "HAND_START",
    "REWARD_MAX",
    "REWARD_FLOOR",
    "preferred_angles",
    "circular_distance",
    "observe",
    "move",
    "reward",
    "draw_target",
    "step_batch",
    "Reaching1DEnv",
    "Reaching1DVectorEnv",
]

TWO_PI = 2.0 * np.pi
HAND_START = np.pi  #: [rad] hand angle at the start of every trial (neurogym ``self.state = np.pi``)
REWARD_MAX = 1.0  #: reward with the hand exactly on the target (neurogym ``rewards["correct"]``)
REWARD_FLOOR = -0.1  #: lowest reward, reached at a distance of 1.1 rad or more (neurogym ``rewards["fail"]``)

# Action index -> direction of the hand's move: 0 stay, 1 counter-clockwise (+), 2 clockwise (-).
_DIRECTION = np.array([0.0, 1.0, -1.0])


def preferred_angles(n_units: int) -> npt.NDArray[np.float64]:
    """Preferred angles of the ring units, ``theta_i = 2*pi*i / n_units`` for ``i = 0 .. n_units-1``."""
    return TWO_PI * np.arange(n_units) / n_units


@vectorize(["float64(float64, float64)"], cache=True)
def circular_distance(angle_a, angle_b):
    """Shortest distance on the circle between two angles, in [0, pi] (a ufunc: broadcasts, and the
    compiled :func:`reward` calls it too).

    ``d(a, b) = min(x, 2*pi - x)`` with ``x = (a - b) mod 2*pi`` (neurogym ``tasktools.circular_dist``).
    """
    wrapped = np.mod(angle_a - angle_b, TWO_PI)
    return min(wrapped, TWO_PI - wrapped)


def observe(
    theta_target: npt.NDArray[np.float64], hand: npt.NDArray[np.float64], n_units: int
) -> npt.NDArray[np.float32]:
    """Population code of target and hand: ``[cos(theta_i - theta_target), cos(theta_i - hand)]``.

    Parameters
    ----------
    theta_target, hand : ndarray of shape (n,)
        Target and hand angles [rad] of ``n`` environments.
    n_units : int
        Units per ring.

    Returns
    -------
    ndarray of shape (n, 2 * n_units), float32
        Target units first, then self (hand) units.
    """
    out = np.empty((len(hand), 2 * n_units), dtype=np.float32)
    _observe(np.asarray(theta_target, dtype=np.float64), np.asarray(hand, dtype=np.float64),
             preferred_angles(n_units), out)
    return out


@register_jitable
def _observe_row(theta, theta_target, hand, out):
    # Compiled (it runs at every step): float64 cos, then rounded to float32, as numpy's
    # ``np.cos(theta - angle).astype(np.float32)`` (``out`` may be float64: it then holds the float32).
    n_units = theta.shape[0]
    for i in range(n_units):
        out[i] = np.float32(np.cos(theta[i] - theta_target))
        out[n_units + i] = np.float32(np.cos(theta[i] - hand))


@njit(cache=True)
def _observe(theta_target, hand, theta, out):
    for b in range(out.shape[0]):
        _observe_row(theta, theta_target[b], hand[b], out[b])


def move(hand: npt.NDArray[np.float64], action: npt.ArrayLike, step_size: float) -> npt.NDArray[np.float64]:
    """Hand angle after one action: ``(hand + step_size * direction[action]) mod 2*pi``.

    Raises
    ------
    ShapeError
        If ``action`` does not have the shape of ``hand`` (one action per environment).
    ConfigError
        If an action is not an integer in {0, 1, 2}.
    """
    return _move(hand, _valid_actions(action, hand.shape), float(step_size))


def _valid_actions(action: npt.ArrayLike, shape: tuple) -> npt.NDArray[np.int64]:
    """``action`` as int64, one per environment (``shape``), each in {0, 1, 2}; else the errors of :func:`move`."""
    action = np.asarray(action)
    if action.shape != shape:
        raise ShapeError(f"Expect one action per environment, shape {shape}, actually: {action.shape}")
    if not np.issubdtype(action.dtype, np.integer) or np.any((action < 0) | (action > 2)):
        raise ConfigError(f"Expect actions to be integers in {{0, 1, 2}}, actually: {action!r}")
    return action.astype(np.int64)


@register_jitable
def _moved(hand, action, step_size):
    return np.mod(hand + step_size * _DIRECTION[action], TWO_PI)


@njit(cache=True)
def _move(hand, action, step_size):
    out = np.empty_like(hand)
    for b in range(hand.shape[0]):
        out[b] = _moved(hand[b], action[b], step_size)
    return out


def reward(hand: npt.NDArray[np.float64], theta_target: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Reward of a hand position: ``max(1 - d(hand, theta_target), -0.1)``, d = :func:`circular_distance`."""
    return _reward(np.asarray(hand, dtype=np.float64), np.asarray(theta_target, dtype=np.float64))


@register_jitable
def _reward_at(hand, theta_target):
    return max(REWARD_MAX - circular_distance(hand, theta_target), REWARD_FLOOR)


@njit(cache=True)
def _reward(hand, theta_target):
    out = np.empty_like(hand)
    for b in range(hand.shape[0]):
        out[b] = _reward_at(hand[b], theta_target[b])
    return out


@njit(cache=True)
def step_batch(hand, theta_target, steps, actions, active, step_size, trial_steps, theta, obs, rewards, truncated):
    """One step of every environment b with ``active[b]``, in place: :func:`move` the hand, its
    :func:`reward`, count the step, truncate at ``trial_steps``, :func:`observe` (preferred angles
    ``theta``) into ``obs[b]`` (float32 values, in ``obs``'s dtype). Environments not active are left
    as they are, and so are their rows of the outputs. Actions must be valid (unchecked)."""
    for b in range(hand.shape[0]):
        if active[b]:
            hand[b] = _moved(hand[b], actions[b], step_size)
            rewards[b] = _reward_at(hand[b], theta_target[b])
            steps[b] += 1
            truncated[b] = steps[b] >= trial_steps
            _observe_row(theta, theta_target[b], hand[b], obs[b])


def draw_target(rng: np.random.Generator) -> float:
    """Draw one target angle ``theta_target ~ U[0, 2*pi)`` from ``rng`` (one draw per trial)."""
    return rng.uniform(0.0, TWO_PI)


def _check_arguments(trial_steps: int, step_size: float, n_units: int) -> None:
    """Raise :class:`ConfigError` for a constructor argument out of range."""
    for name, value in (("trial_steps", trial_steps), ("n_units", n_units)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ConfigError(f"Expect `{name}` to be a positive integer, actually: {value!r}")
    if isinstance(step_size, bool) or not isinstance(step_size, (int, float, np.number)) or not (
        math.isfinite(step_size) and step_size > 0
    ):
        raise ConfigError(f"Expect `step_size` to be a positive finite number of radians, actually: {step_size!r}")


def _observation_space(n_units: int) -> spaces.Box:
    """Observation space of one environment: 2 * n_units population units in [-1, 1]."""
    return spaces.Box(-1.0, 1.0, shape=(2 * n_units,), dtype=np.float32)


class Reaching1DEnv(gym.Env[npt.NDArray[np.float32], np.int64]):
    """
    ## Description

    A hand moves on a circle and must reach a target angle, as in neurogym's ``Reaching1D`` (after
    Georgopoulos et al. 1986, "Neuronal population coding of movement direction",
    https://science.sciencemag.org/content/233/4771/1416).
    Both angles are given as population codes: 16 units with preferred angles
    ``theta_i = 2*pi*i/16`` respond ``cos(theta_i - angle)``. The agent is rewarded at every step for
    being close to the target, so this is the immediate-reward task of NRL (arXiv 2503.23972).

    ## Action Space

    The action is an integer in ``{0, 1, 2}``:

    - 0: stay
    - 1: move the hand by ``+step_size`` rad (counter-clockwise)
    - 2: move the hand by ``-step_size`` rad (clockwise)

    ## Observation Space

    The observation is a float32 `ndarray` of shape ``(2 * n_units,)`` = ``(32,)``:

    | Num          | Observation                                     | Min | Max |
    |--------------|-------------------------------------------------|-----|-----|
    | 0 .. 15      | target unit i: ``cos(theta_i - theta_target)``  | -1  | 1   |
    | 16 .. 31     | self unit i: ``cos(theta_i - hand)``            | -1  | 1   |

    After a step the self units show the hand *after* the move.

    ## Rewards

    Every step: ``max(1 - d(hand, theta_target), -0.1)``, with ``hand`` the angle *after* this step's
    move and ``d`` the circular distance (in [0, pi]). The reward is 1 with the hand on the target and
    -0.1 (the floor) at a distance of 1.1 rad or more. No reward threshold is set: the task has no
    published "solved" level.

    ## Starting State

    At every reset the hand is at ``pi`` and the target is drawn from ``U[0, 2*pi)`` with the
    environment's ``np_random``.

    ## Episode End

    One episode is one trial of ``trial_steps`` steps (default 300: 3,000 ms at dt = 10 ms, the authors'
    setting). Truncation: the step count reaches ``trial_steps``. The episode never terminates.

    ## Differences from neurogym

    Checked against neurogym 2.3.1 (``envs/native/reaching.py``, ``core.py``):

    1. neurogym stores the ground truth in an array of the action space's integer dtype, so its reward
       measures the distance to ``floor(theta_target)`` while its target units show ``theta_target``.
       Here the reward uses ``theta_target`` itself, as the project's task table specifies.
    2. neurogym's ``reset()`` takes one hidden step with a sampled action, so the first trial after a
       reset has 299 agent steps. Here every episode has exactly ``trial_steps`` agent steps.
    3. neurogym runs trials back to back in one endless episode and flags ``info["new_trial"]``; here a
       trial is an episode, ended by ``truncated=True``.
    4. The observation bounds are [-1, 1] instead of (-inf, inf).

    As in neurogym 2.x, the reward and the self units both use the hand after the move (neurogym
    versions before ``post_step`` wrote the self units before the move, a one-step lag).

    ## Arguments

    ```python
    >>> import gymnasium as gym
    >>> import env_bridge
    >>> env = gym.make("env_bridge/Reaching1D-v0")
    >>> env
    <OrderEnforcing<PassiveEnvChecker<Reaching1DEnv<env_bridge/Reaching1D-v0>>>>
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape, obs.dtype
    ((32,), dtype('float32'))
    >>> obs[16:20]  # self units, hand at pi
    array([-1.        , -0.9238795 , -0.70710677, -0.38268343], dtype=float32)
    >>> obs, reward, terminated, truncated, info = env.step(1)
    >>> round(reward, 6), terminated, truncated
    (0.189444, False, False)

    ```

    | Parameter     | Type      | Default | Description                                    |
    |---------------|-----------|---------|------------------------------------------------|
    | `trial_steps` | **int**   | `300`   | steps per trial (= episode)                    |
    | `step_size`   | **float** | `0.05`  | [rad] distance the hand moves per action       |
    | `n_units`     | **int**   | `16`    | units per ring (observation has 2 × n_units)   |

    ## Vectorized environment

    :class:`Reaching1DVectorEnv` steps ``num_envs`` copies with array operations and autoresets in the
    same step (``AutoresetMode.SAME_STEP``):

    ```python
    >>> envs = gym.make_vec("env_bridge/Reaching1D-v0", num_envs=3)
    >>> envs
    Reaching1DVectorEnv(env_bridge/Reaching1D-v0, num_envs=3)

    ```

    ## Version History

    * v0: Initial version (neurogym ``Reaching1D`` semantics with the differences listed above).
    """

    metadata: dict[str, Any] = {"render_modes": []}

    def __init__(self, *, trial_steps: int = 300, step_size: float = 0.05, n_units: int = 16):
        _check_arguments(trial_steps, step_size, n_units)
        self.trial_steps = int(trial_steps)
        self.step_size = float(step_size)
        self.n_units = int(n_units)

        self.action_space = spaces.Discrete(3)
        self.observation_space = _observation_space(self.n_units)

        # Batches of one, so that this class calls the same functions as the vector env.
        self._hand: npt.NDArray[np.float64] | None = None
        self._target: npt.NDArray[np.float64] | None = None
        self._steps = 0

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[npt.NDArray[np.float32], dict[str, Any]]:
        """Start a trial: hand at pi, a new target. ``options`` is accepted for the API and unused."""
        super().reset(seed=seed)
        self._hand = np.array([HAND_START])
        self._target = np.array([draw_target(self.np_random)])
        self._steps = 0
        return observe(self._target, self._hand, self.n_units)[0], {}

    def step(self, action: int) -> tuple[npt.NDArray[np.float32], float, bool, bool, dict[str, Any]]:
        """Move the hand, then reward its new position; truncate after ``trial_steps`` steps."""
        if self._hand is None:
            raise gym.error.ResetNeeded("Call reset before using step method.")
        self._hand = move(self._hand, np.reshape(action, -1), self.step_size)
        step_reward = float(reward(self._hand, self._target)[0])
        self._steps += 1
        truncated = self._steps >= self.trial_steps
        return observe(self._target, self._hand, self.n_units)[0], step_reward, False, truncated, {}


class Reaching1DVectorEnv(VectorEnv[npt.NDArray[np.float32], npt.NDArray[np.int64], npt.NDArray[np.float64]]):
    """``num_envs`` independent :class:`Reaching1DEnv` trials stepped with array operations.

    Each sub-environment ``i`` owns its random generator, so its trajectory under any actions equals,
    bit for bit, that of a :class:`Reaching1DEnv` reset with ``seed=seeds[i]`` and then reset without a
    seed at each episode end.

    Autoreset is ``AutoresetMode.SAME_STEP``: a sub-environment whose trial ends is reset inside
    :meth:`step`; the returned observation is the first one of its new trial, and the last observation
    of the ended trial is in ``info["final_obs"]`` (an object array, ``None`` elsewhere), with
    ``info["_final_obs"]`` marking the sub-environments that ended, as gymnasium's ``SyncVectorEnv``
    does. ``info["final_info"]`` is ``{}`` (the single environment's info is empty).

    Parameters
    ----------
    num_envs : int, optional
        Number of sub-environments. Default 1.
    trial_steps, step_size, n_units
        As for :class:`Reaching1DEnv`.
    """

    metadata: dict[str, Any] = {"render_modes": [], "autoreset_mode": AutoresetMode.SAME_STEP}

    def __init__(self, *, num_envs: int = 1, trial_steps: int = 300, step_size: float = 0.05, n_units: int = 16):
        if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)) or num_envs < 1:
            raise ConfigError(f"Expect `num_envs` to be a positive integer, actually: {num_envs!r}")
        _check_arguments(trial_steps, step_size, n_units)
        self.num_envs = int(num_envs)
        self.trial_steps = int(trial_steps)
        self.step_size = float(step_size)
        self.n_units = int(n_units)
        self._theta = preferred_angles(self.n_units)

        self.single_action_space = spaces.Discrete(3)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.single_observation_space = _observation_space(self.n_units)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)

        self._generators: list[np.random.Generator | None] = [None] * self.num_envs
        self._generator_seeds: list[int | None] = [None] * self.num_envs
        self._hand: npt.NDArray[np.float64] | None = None
        self._target = np.zeros(self.num_envs)
        self._steps = np.zeros(self.num_envs, dtype=np.int64)

    @property
    def np_random(self) -> tuple[np.random.Generator, ...]:
        """The sub-environments' generators; one never seeded is created unseeded, as ``Env.np_random`` does."""
        return tuple(self._generator(i) for i in range(self.num_envs))

    @property
    def np_random_seed(self) -> tuple[int | None, ...]:
        """The seed each sub-environment's generator was made from; ``None`` for one not created yet."""
        return tuple(self._generator_seeds)

    def get_state(self) -> dict[str, Any]:
        """Everything :meth:`step` depends on, as arrays and generator states (for checkpoints)."""
        return {
            "hand": None if self._hand is None else self._hand.copy(),
            "target": self._target.copy(),
            "steps": self._steps.copy(),
            "generators": [None if g is None else g.bit_generator.state for g in self._generators],
            "generator_seeds": list(self._generator_seeds),
        }

    def set_state(self, state: dict[str, Any]) -> None:
        """Continue from what :meth:`get_state` returned (of an env with the same ``num_envs``)."""
        self._hand = None if state["hand"] is None else np.array(state["hand"], dtype=np.float64)
        self._target = np.array(state["target"], dtype=np.float64)
        self._steps = np.array(state["steps"], dtype=np.int64)
        self._generators = [None if g is None else np.random.Generator(getattr(np.random, g["bit_generator"])())
                            for g in state["generators"]]
        for generator, saved in zip(self._generators, state["generators"]):
            if generator is not None:
                generator.bit_generator.state = saved
        self._generator_seeds = list(state["generator_seeds"])

    def _generator(self, index: int) -> np.random.Generator:
        if self._generators[index] is None:
            self._generators[index], self._generator_seeds[index] = seeding.np_random()
        return self._generators[index]

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[npt.NDArray[np.float32], dict[str, Any]]:
        """Start a trial in every sub-environment.

        ``seed``: ``None`` keeps every generator; an int ``s`` seeds sub-environment ``i`` with ``s + i``;
        a list seeds sub-environment ``i`` with ``seed[i]`` (``None`` keeps that generator).
        ``options`` is accepted for the API and unused.
        """
        if seed is None:
            seeds: list[int | None] = [None] * self.num_envs
        elif isinstance(seed, (int, np.integer)):
            seeds = [int(seed) + i for i in range(self.num_envs)]
        else:
            seeds = list(seed)
            if len(seeds) != self.num_envs:
                raise ConfigError(f"Expect one seed per sub-environment ({self.num_envs}), actually: {len(seeds)}")
        for index, env_seed in enumerate(seeds):
            if env_seed is not None:
                self._generators[index], self._generator_seeds[index] = seeding.np_random(env_seed)

        self._hand = np.empty(self.num_envs)
        self._start_trials(np.ones(self.num_envs, dtype=bool))
        return observe(self._target, self._hand, self.n_units), {}

    def _start_trials(self, starting: npt.NDArray[np.bool_]) -> None:
        """Hand at pi, a new target and a zero step count for the sub-environments in ``starting``."""
        for index in np.flatnonzero(starting):
            self._target[index] = draw_target(self._generator(index))
        self._hand[starting] = HAND_START
        self._steps[starting] = 0

    def step(
        self, actions: npt.ArrayLike
    ) -> tuple[
        npt.NDArray[np.float32], npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.bool_], dict[str, Any]
    ]:
        """Step every sub-environment; reset those whose trial ends (``SAME_STEP``)."""
        if self._hand is None:
            raise gym.error.ResetNeeded("Call reset before using step method.")
        observations = np.empty((self.num_envs, 2 * self.n_units), dtype=np.float32)
        rewards, truncated = np.empty(self.num_envs), np.empty(self.num_envs, bool)
        terminated = np.zeros(self.num_envs, bool)  # a trial never terminates
        self.step_active(_valid_actions(actions, self._hand.shape), np.ones(self.num_envs, bool), observations, rewards,
                         truncated, restart=False)

        infos: dict[str, Any] = {}
        if truncated.any():
            final_obs = np.full(self.num_envs, None, dtype=object)
            for index in np.flatnonzero(truncated):
                final_obs[index] = observations[index].copy()
            infos = {
                "final_obs": final_obs,
                "_final_obs": truncated.copy(),
                "final_info": {},
                "_final_info": truncated.copy(),
            }
            self._restart(truncated, observations)
        return observations, rewards, terminated, truncated, infos

    def step_active(self, actions: npt.NDArray[np.int64], active: npt.NDArray[np.bool_], observations: npt.NDArray,
                    rewards: npt.NDArray[np.float64], truncated: npt.NDArray[np.bool_], restart: bool = True) -> None:
        """:meth:`step` for the sub-environments where ``active`` (valid int64 actions, unchecked), into
        the given arrays (``observations`` float32 or float64); the others keep their state and their
        rows of the arrays. With ``restart``, a trial that ends starts the next one in the same step
        and its row of ``observations`` is the new trial's first observation (``SAME_STEP``)."""
        if self._hand is None:
            raise gym.error.ResetNeeded("Call reset before using step method.")
        step_batch(self._hand, self._target, self._steps, actions, active, self.step_size, self.trial_steps,
                   self._theta, observations, rewards, truncated)
        if restart and truncated.any():
            self._restart(truncated, observations)

    def _restart(self, ending: npt.NDArray[np.bool_], observations: npt.NDArray) -> None:
        """Start the next trial of the sub-environments in ``ending``; their first observations into
        their rows of ``observations``."""
        self._start_trials(ending)
        observations[ending] = observe(self._target[ending], self._hand[ending], self.n_units)
