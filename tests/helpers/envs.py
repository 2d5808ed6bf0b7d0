# SPDX-License-Identifier: BSD-3-Clause
"""Faulty environments for tests, made with ``gymnasium.make("tests.helpers.envs:<id>")``."""

import gymnasium as gym
import numpy as np
from gymnasium.envs.classic_control.cartpole import CartPoleEnv
from gymnasium.envs.registration import register


class NaNAfterCartPole(CartPoleEnv):
    """CartPole whose observation turns NaN on step ``nan_step`` (a broken sensor)."""

    def __init__(self, nan_step: int = 5):
        super().__init__()
        self.nan_step, self.t = nan_step, 0

    def reset(self, **kwargs):
        self.t = 0
        return super().reset(**kwargs)

    def step(self, action):
        obs, reward, terminated, truncated, info = super().step(action)
        self.t += 1
        if self.t >= self.nan_step:
            obs = np.full_like(obs, np.nan)
        return obs, reward, terminated, truncated, info


if "NaNCartPole-v0" not in gym.registry:
    register(id="NaNCartPole-v0", entry_point=NaNAfterCartPole, max_episode_steps=500)

if "EasyCartPole-v0" not in gym.registry:
    register(id="EasyCartPole-v0", entry_point="gymnasium.envs.classic_control.cartpole:CartPoleEnv",
             max_episode_steps=500, reward_threshold=15.0)


class EndlessCartPole(CartPoleEnv):
    """CartPole whose episodes never end by themselves (registered without a step limit)."""

    def step(self, action):
        obs, reward, _, truncated, info = super().step(action)
        self.steps_beyond_terminated = None  # never warns about stepping a finished episode
        return obs, reward, False, truncated, info


if "EndlessCartPole-v0" not in gym.registry:
    register(id="EndlessCartPole-v0", entry_point=EndlessCartPole)

if "UnlimitedCartPole-v0" not in gym.registry:  # ends when the pole falls, but has no step limit
    register(id="UnlimitedCartPole-v0", entry_point="gymnasium.envs.classic_control.cartpole:CartPoleEnv")


class FramesCartPole(CartPoleEnv):
    """CartPole whose ``rgb_array`` frames are drawn without pygame: a bar at the cart's position."""

    def render(self):
        frame = np.zeros((8, 32, 3), dtype=np.uint8)
        frame[:, int(np.clip((self.state[0] + 2.4) / 4.8 * 31, 0, 31))] = 255
        return frame


if "FramesCartPole-v0" not in gym.registry:
    register(id="FramesCartPole-v0", entry_point=FramesCartPole, max_episode_steps=500)
