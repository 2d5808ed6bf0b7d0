# SPDX-License-Identifier: BSD-3-Clause
"""Tests of env_bridge.wrappers over CartPole-v1 and Reaching1D, single and vector, both autoreset modes."""

import doctest

import gymnasium as gym
import numpy as np

import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv
from gymnasium.wrappers.vector import RecordEpisodeStatistics

import env_bridge  # noqa: F401  (registers env_bridge/Reaching1D-v0)
from env_bridge import wrappers
from env_bridge.envs.reaching1d import Reaching1DEnv, Reaching1DVectorEnv
from env_bridge.schedules import RewardSchedule
from env_bridge.wrappers import ScheduledReward, ScheduledRewardVector
from lava_nrl.errors import ConfigError
from tests.helpers.checks import assert_env_checks_clean

SPECS = ["immediate", "episodic", "delay:1", "delay:4", "every:1", "every:3", "every:50"]


@pytest.mark.parametrize("spec", ["episodic", "delay:3", "every:2"])
def test_check_env_passes_on_scheduled_reaching1d(spec):
    env = ScheduledReward(gym.make("env_bridge/Reaching1D-v0"), spec)
    assert_env_checks_clean(env)


def test_wrapper_is_recorded_in_the_spec_and_remade_from_it():
    env = ScheduledReward(gym.make("CartPole-v1"), RewardSchedule("delay", 3))
    assert env.spec.additional_wrappers[-1].kwargs == {"schedule": "delay:3"}
    remade = gym.make(env.spec)
    assert isinstance(remade, ScheduledReward) and remade.schedule == RewardSchedule("delay", 3)


@pytest.mark.parametrize("schedule", ["delay:0", "hourly", 3])
def test_bad_schedule_raises_config_error(schedule):
    with pytest.raises(ConfigError):
        ScheduledReward(gym.make("CartPole-v1"), schedule)
    with pytest.raises(ConfigError):
        ScheduledRewardVector(gym.make_vec("CartPole-v1", 2, vectorization_mode="sync"), schedule)


@pytest.mark.parametrize("spec", SPECS)
def test_single_cartpole_earns_as_unwrapped_and_delivers_each_episode_return(spec):
    plain = gym.make("CartPole-v1")
    wrapped = ScheduledReward(gym.make("CartPole-v1"), spec)
    actions = np.random.default_rng(4).integers(0, 2, size=600)
    plain.reset(seed=9)
    wrapped.reset(seed=9)
    episode_delivered = episode_return = 0.0
    returns = []
    for action in actions:
        _, plain_reward, plain_term, plain_trunc, _ = plain.step(action)
        _, delivered, terminated, truncated, info = wrapped.step(action)
        assert (terminated, truncated) == (plain_term, plain_trunc)
        assert info["earned_reward"] == plain_reward
        assert isinstance(info["reward_event"], bool)
        assert delivered == 0.0 or info["reward_event"]
        if spec == "immediate":
            assert delivered == plain_reward
        episode_delivered += delivered
        episode_return += plain_reward
        if terminated or truncated:
            assert episode_delivered == episode_return
            returns.append(episode_return)
            episode_delivered = episode_return = 0.0
            plain.reset()
            wrapped.reset()
    assert len(returns) >= 10


@pytest.mark.parametrize("vectorization_mode", ["sync", "vector_entry_point"])
@pytest.mark.parametrize("spec", SPECS)
def test_vector_cartpole_next_step_delivers_each_episode_return(spec, vectorization_mode):
    inner = RecordEpisodeStatistics(gym.make_vec("CartPole-v1", 3, vectorization_mode=vectorization_mode))
    assert inner.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    envs = ScheduledRewardVector(inner, spec)
    envs.reset(seed=21)
    actions = np.random.default_rng(2).integers(0, 2, size=(400, 3))
    episode_delivered = np.zeros(3)
    previous_done = np.zeros(3, dtype=bool)
    episodes_checked = 0
    for step_actions in actions:
        _, delivered, terminations, truncations, info = envs.step(step_actions)
        # The step after an episode's end only resets: nothing earned, delivered or counted.
        np.testing.assert_array_equal(info["_reward_event"], ~previous_done)
        np.testing.assert_array_equal(info["_earned_reward"], ~previous_done)
        assert not info["reward_event"][previous_done].any()
        np.testing.assert_array_equal(delivered[previous_done], 0.0)
        assert not delivered[~info["reward_event"]].any()
        episode_delivered += delivered
        done = terminations | truncations
        if done.any():
            np.testing.assert_array_equal(episode_delivered[done], info["episode"]["r"][done])
            episodes_checked += done.sum()
            episode_delivered[done] = 0.0
        previous_done = done
    assert episodes_checked >= 20


@pytest.mark.parametrize("spec", ["immediate", "episodic", "delay:4", "every:3"])
def test_vector_reaching_same_step_equals_single_wrapped_envs(spec):
    """ScheduledRewardVector over Reaching1DVectorEnv ≡ one ScheduledReward(Reaching1DEnv) per seed."""
    seeds, trial_steps = [8, 13, 21], 7
    actions = np.random.default_rng(5).integers(0, 3, size=(3 * trial_steps + 3, len(seeds)))
    envs = ScheduledRewardVector(Reaching1DVectorEnv(num_envs=len(seeds), trial_steps=trial_steps), spec)
    singles = [ScheduledReward(Reaching1DEnv(trial_steps=trial_steps), spec) for _ in seeds]
    envs.reset(seed=seeds)
    for env, seed in zip(singles, seeds):
        env.reset(seed=seed)
    episode_delivered, episode_earned = np.zeros(len(seeds)), np.zeros(len(seeds))
    for step_actions in actions:
        observations, delivered, _, truncations, info = envs.step(step_actions)
        assert info["_reward_event"].all() and info["_earned_reward"].all()
        for i, env in enumerate(singles):
            obs, single_delivered, _, truncated, single_info = env.step(step_actions[i])
            if truncated:
                obs, _ = env.reset()
            np.testing.assert_array_equal(observations[i], obs)
            assert delivered[i] == single_delivered
            assert info["reward_event"][i] == single_info["reward_event"]
            assert info["earned_reward"][i] == single_info["earned_reward"]
        episode_delivered += delivered
        episode_earned += info["earned_reward"]
        if truncations.any():
            np.testing.assert_allclose(episode_delivered, episode_earned, rtol=1e-12)
            episode_delivered[:] = episode_earned[:] = 0.0


def test_vector_wrapper_rejects_unsupported_autoreset_modes_and_reset_mask():
    disabled = SyncVectorEnv([lambda: gym.make("CartPole-v1")] * 2, autoreset_mode=AutoresetMode.DISABLED)
    with pytest.raises(ConfigError, match="autoreset_mode"):
        ScheduledRewardVector(disabled, "episodic")
    undeclared = gym.make_vec("CartPole-v1", 2, vectorization_mode="sync")
    undeclared.metadata = {key: value for key, value in undeclared.metadata.items() if key != "autoreset_mode"}
    with pytest.raises(ConfigError, match="autoreset_mode"):
        ScheduledRewardVector(undeclared, "episodic")
    envs = ScheduledRewardVector(gym.make_vec("CartPole-v1", 2, vectorization_mode="sync"), "episodic")
    with pytest.raises(ConfigError, match="reset_mask"):
        envs.reset(options={"reset_mask": np.array([True, False])})


def test_reset_restarts_the_schedule():
    env = ScheduledReward(gym.make("CartPole-v1"), "episodic")
    env.reset(seed=0)
    env.step(0)
    env.step(0)
    env.reset(seed=1)
    rewards = []
    while True:
        _, delivered, terminated, truncated, _ = env.step(0)
        rewards.append(delivered)
        if terminated or truncated:
            break
    # The two steps before the reset are not part of this episode's return.
    assert rewards[-1] == len(rewards)


def test_docstring_examples_run():
    result = doctest.testmod(wrappers)
    assert result.attempted > 0 and result.failed == 0
