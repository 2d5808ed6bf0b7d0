# SPDX-License-Identifier: BSD-3-Clause
"""gymnasium wrappers that deliver an environment's reward on a reward schedule.

* :class:`ScheduledReward` - for a single environment.
* :class:`ScheduledRewardVector` - for a vector environment (``NEXT_STEP`` or ``SAME_STEP`` autoreset).

Both call :func:`env_bridge.schedules.schedule_step`; the schedules and the step at which each reward
is delivered are documented in :mod:`env_bridge.schedules`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

import gymnasium as gym
from gymnasium.core import ActType, ObsType
from gymnasium.vector import AutoresetMode, VectorEnv, VectorWrapper

from env_bridge.schedules import RewardSchedule, initial_state, schedule_step
from lava_nrl.errors import ConfigError

__all__ = ["ScheduledReward", "ScheduledRewardVector"]


def _as_schedule(schedule: RewardSchedule | str) -> RewardSchedule:
    """Accept a :class:`RewardSchedule` or its spec string."""
    if isinstance(schedule, RewardSchedule):
        return schedule
    if isinstance(schedule, str):
        return RewardSchedule.parse(schedule)
    raise ConfigError(f"Expect `schedule` to be a RewardSchedule or a spec string, actually: {schedule!r}")


class ScheduledReward(gym.Wrapper[ObsType, ActType, ObsType, ActType], gym.utils.RecordConstructorArgs):
    """Deliver the wrapped environment's reward on a reward schedule.

    :meth:`step` returns the reward *delivered* at this step as its reward, and adds to ``info``:

    * ``"reward_event"`` (bool): a reward is delivered at this step;
    * ``"earned_reward"`` (float): the reward the wrapped environment returned at this step.

    :meth:`reset` starts the schedule afresh: rewards still pending from an episode that did not end
    (no ``terminated`` or ``truncated``) are dropped with it.

    Example:
        >>> import gymnasium as gym
        >>> from env_bridge.wrappers import ScheduledReward
        >>> env = ScheduledReward(gym.make("CartPole-v1"), "every:3")
        >>> _ = env.reset(seed=0)
        >>> for _ in range(3):
        ...     _, reward, terminated, truncated, info = env.step(0)
        ...     print(reward, info["reward_event"], info["earned_reward"])
        0.0 False 1.0
        0.0 False 1.0
        3.0 True 1.0

    Args:
        env: The environment to wrap.
        schedule: A :class:`~env_bridge.schedules.RewardSchedule` or its spec (``"immediate"``,
            ``"episodic"``, ``"delay:K"``, ``"every:K"``); a bad spec raises ``ConfigError``.

    Change logs:
        * v0.1.0 - Initially added.
    """

    def __init__(self, env: gym.Env[ObsType, ActType], schedule: RewardSchedule | str):
        self.schedule = _as_schedule(schedule)
        # Recorded as the spec string so that the wrapper stack in ``env.spec`` stays plain data.
        gym.utils.RecordConstructorArgs.__init__(self, schedule=str(self.schedule))
        gym.Wrapper.__init__(self, env)
        self._state = initial_state(self.schedule, 1)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[ObsType, dict[str, Any]]:
        """Reset the environment and the schedule."""
        self._state = initial_state(self.schedule, 1)
        return self.env.reset(seed=seed, options=options)

    def step(self, action: ActType) -> tuple[ObsType, float, bool, bool, dict[str, Any]]:
        """Step the environment; return the delivered reward and the info keys above."""
        observation, earned, terminated, truncated, info = self.env.step(action)
        delivered, event, self._state = schedule_step(
            self.schedule, self._state, np.array([earned], dtype=np.float64), np.array([terminated or truncated])
        )
        info = {**info, "reward_event": bool(event[0]), "earned_reward": float(earned)}
        return observation, float(delivered[0]), terminated, truncated, info


class ScheduledRewardVector(VectorWrapper):
    """Deliver a vector environment's rewards on a reward schedule, per sub-environment.

    :meth:`step` returns the rewards *delivered* at this step, and adds to ``info``, as arrays over the
    sub-environments:

    * ``"reward_event"`` (bool): a reward is delivered at this step;
    * ``"earned_reward"`` (float64): the reward the vector environment returned at this step;
    * ``"_reward_event"``, ``"_earned_reward"`` (bool): gymnasium's masks, True where the
      sub-environment took a transition this step.

    Autoreset modes (``env.metadata["autoreset_mode"]``):

    * ``NEXT_STEP``: the step after an episode's last step only resets that sub-environment; it earns
      nothing, delivers nothing, has no event and does not advance the schedule (its masks are False).
    * ``SAME_STEP``: every step is a transition; the step that ends an episode delivers what is left.
    * Any other mode, or none declared, raises ``ConfigError``.

    :meth:`reset` restarts every sub-environment's schedule (``options["reset_mask"]`` is not
    supported and raises ``ConfigError``).

    Example:
        >>> import gymnasium as gym
        >>> import numpy as np
        >>> from env_bridge.wrappers import ScheduledRewardVector
        >>> envs = ScheduledRewardVector(gym.make_vec("CartPole-v1", 2, vectorization_mode="sync"), "delay:2")
        >>> _ = envs.reset(seed=0)
        >>> for _ in range(3):
        ...     _, rewards, terminations, truncations, info = envs.step(np.array([0, 1]))
        ...     print(rewards, info["reward_event"], info["earned_reward"])
        [0. 0.] [False False] [1. 1.]
        [0. 0.] [False False] [1. 1.]
        [1. 1.] [ True  True] [1. 1.]

    Args:
        env: The vector environment to wrap.
        schedule: A :class:`~env_bridge.schedules.RewardSchedule` or its spec string.

    Change logs:
        * v0.1.0 - Initially added.
    """

    def __init__(self, env: VectorEnv, schedule: RewardSchedule | str):
        super().__init__(env)
        self.schedule = _as_schedule(schedule)
        autoreset_mode = env.metadata.get("autoreset_mode")
        if autoreset_mode not in (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP):
            raise ConfigError(
                "Expect env.metadata['autoreset_mode'] to be AutoresetMode.NEXT_STEP or AutoresetMode.SAME_STEP, "
                f"actually: {autoreset_mode!r}"
            )
        self.autoreset_mode = autoreset_mode
        self._state = initial_state(self.schedule, self.num_envs)
        self._resets_next_step = np.zeros(self.num_envs, dtype=bool)

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[ObsType, dict[str, Any]]:
        """Reset every sub-environment and its schedule."""
        if options is not None and "reset_mask" in options:
            raise ConfigError(
                "ScheduledRewardVector does not support options['reset_mask']; reset all sub-environments"
            )
        self._state = initial_state(self.schedule, self.num_envs)
        self._resets_next_step = np.zeros(self.num_envs, dtype=bool)
        return self.env.reset(seed=seed, options=options)

    def step(
        self, actions: ActType
    ) -> tuple[ObsType, npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.bool_], dict[str, Any]]:
        """Step the sub-environments; return the delivered rewards and the info keys above."""
        observations, earned, terminations, truncations, infos = self.env.step(actions)
        done = np.logical_or(terminations, truncations)
        transition = ~self._resets_next_step
        delivered, event, self._state = schedule_step(self.schedule, self._state, earned, done, active=transition)
        if self.autoreset_mode == AutoresetMode.NEXT_STEP:
            self._resets_next_step = done
        infos = {
            **infos,
            "reward_event": event,
            "_reward_event": transition.copy(),
            "earned_reward": np.asarray(earned, dtype=np.float64),
            "_earned_reward": transition.copy(),
        }
        return observations, delivered, terminations, truncations, infos
