# SPDX-License-Identifier: BSD-3-Clause
"""Tests of env_bridge.envs.reaching1d: hand-derived dynamics, gymnasium API, vector ≡ N single envs."""

import doctest

import gymnasium as gym
import numpy as np

import pytest
from gymnasium.utils import seeding
from gymnasium.utils.env_checker import data_equivalence
from gymnasium.vector import AutoresetMode, SyncVectorEnv

import env_bridge  # noqa: F401  (registers env_bridge/Reaching1D-v0)
from env_bridge.envs import reaching1d
from env_bridge.envs.reaching1d import (
    Reaching1DEnv,
    Reaching1DVectorEnv,
    circular_distance,
    move,
    observe,
    reward,
)
from lava_nrl.errors import ConfigError, ShapeError
from tests.helpers.checks import assert_env_checks_clean

TWO_PI = 2 * np.pi
# cos(2*pi*i/16) for i = 0..15, written out: the target units of a target at angle 0.
COS_16 = np.array(
    [1, 0.92387953, 0.70710678, 0.38268343, 0, -0.38268343, -0.70710678, -0.92387953,
     -1, -0.92387953, -0.70710678, -0.38268343, 0, 0.38268343, 0.70710678, 0.92387953]
)  # fmt: skip


def test_check_env_passes_without_unexpected_warnings():
    env = gym.make("env_bridge/Reaching1D-v0")
    assert_env_checks_clean(env)


def test_reward_is_one_on_target_and_floor_far_away():
    np.testing.assert_array_equal(reward(np.array([1.3]), np.array([1.3])), [1.0])
    np.testing.assert_allclose(reward(np.array([1.0]), np.array([1.5])), [0.5])
    # Distance pi (opposite side) and 1.2 rad are both past the 1.1 rad where 1 - d meets the floor.
    np.testing.assert_array_equal(reward(np.array([np.pi, 0.0]), np.array([0.0, 1.2])), [-0.1, -0.1])


def test_circular_distance_wraps_across_zero():
    np.testing.assert_allclose(circular_distance(0.1, TWO_PI - 0.1), 0.2)
    np.testing.assert_allclose(circular_distance(TWO_PI - 0.1, 0.1), 0.2)
    np.testing.assert_allclose(circular_distance(0.0, np.pi), np.pi)
    np.testing.assert_allclose(reward(np.array([0.05]), np.array([TWO_PI - 0.05])), [0.9])


def test_observe_is_target_then_self_population_code():
    obs = observe(np.array([0.0]), np.array([np.pi]), 16)
    assert obs.shape == (1, 32) and obs.dtype == np.float32
    np.testing.assert_allclose(obs[0, :16], COS_16, atol=1e-7)
    np.testing.assert_allclose(obs[0, 16:], -COS_16, atol=1e-7)


def test_move_steps_and_wraps():
    np.testing.assert_allclose(move(np.array([1.0, 1.0, 1.0]), np.array([0, 1, 2]), 0.05), [1.0, 1.05, 0.95])
    np.testing.assert_allclose(move(np.array([TWO_PI - 0.03]), [1], 0.05), [0.02])
    np.testing.assert_allclose(move(np.array([0.02]), [2], 0.05), [TWO_PI - 0.03])


def test_compiled_dynamics_equal_their_numpy_formulas_bit_for_bit():
    # observe, move, reward and circular_distance are compiled; they must give exactly what the formulas of their
    # docstrings give in numpy, wrapping at 0 and 2*pi included.
    rng = np.random.default_rng(7)
    hand = np.concatenate([rng.uniform(-20, 20, 5000), np.arange(-4, 5) * np.pi, [0.0, -0.0, TWO_PI - 1e-15]])
    target = rng.uniform(0, TWO_PI, hand.size)
    action = rng.integers(0, 3, hand.size)
    theta = reaching1d.preferred_angles(16)
    expected_obs = np.concatenate([np.cos(theta[None] - target[:, None]), np.cos(theta[None] - hand[:, None])], axis=1)
    np.testing.assert_array_equal(observe(target, hand, 16), expected_obs.astype(np.float32))
    wrapped = np.mod(hand - target, TWO_PI)
    distance = np.minimum(wrapped, TWO_PI - wrapped)
    np.testing.assert_array_equal(circular_distance(hand, target), distance)
    np.testing.assert_array_equal(reward(hand, target), np.maximum(1.0 - distance, -0.1))
    direction = np.array([0.0, 1.0, -1.0])[action]
    np.testing.assert_array_equal(move(hand, action, 0.05), np.mod(hand + 0.05 * direction, TWO_PI))


@pytest.mark.parametrize("bad_action", [3, -1, 1.0])
def test_move_rejects_invalid_actions(bad_action):
    with pytest.raises(ConfigError, match="actions"):
        move(np.array([1.0]), [bad_action], 0.05)
    env = Reaching1DEnv()
    env.reset(seed=0)
    with pytest.raises(ConfigError, match="actions"):
        env.step(bad_action)


def test_move_rejects_an_action_count_unlike_the_hand_count():
    with pytest.raises(ShapeError):
        move(np.array([1.0, 2.0]), [1], 0.05)


def test_reset_puts_hand_at_pi_and_draws_target_from_np_random():
    env = Reaching1DEnv()
    obs, info = env.reset(seed=7)
    expected_target = seeding.np_random(7)[0].uniform(0.0, TWO_PI)
    theta = TWO_PI * np.arange(16) / 16
    np.testing.assert_array_equal(obs[:16], np.cos(theta - expected_target).astype(np.float32))
    np.testing.assert_array_equal(obs[16:], np.cos(theta - np.pi).astype(np.float32))
    assert info == {}


def test_reward_and_self_units_use_the_hand_after_the_move():
    env = Reaching1DEnv()
    env.reset(seed=3)
    target = seeding.np_random(3)[0].uniform(0.0, TWO_PI)
    theta = TWO_PI * np.arange(16) / 16
    hand = np.pi
    for action, direction in [(1, 1), (1, 1), (2, -1), (0, 0)]:
        hand = hand + 0.05 * direction
        obs, step_reward, terminated, truncated, _ = env.step(action)
        d = min(abs(hand - target), TWO_PI - abs(hand - target))
        assert step_reward == pytest.approx(max(1 - d, -0.1), abs=1e-12)
        np.testing.assert_allclose(obs[16:], np.cos(theta - hand), atol=1e-6)
        assert terminated is False and truncated is False


def test_walking_onto_the_target_earns_nearly_one_and_staying_keeps_it():
    env = Reaching1DEnv(step_size=0.05)
    env.reset(seed=11)
    target = seeding.np_random(11)[0].uniform(0.0, TWO_PI)
    hand, rewards = np.pi, []
    for _ in range(80):
        gap = np.mod(target - hand, TWO_PI)  # counter-clockwise distance to the target
        action = 0 if min(gap, TWO_PI - gap) <= 0.025 else (1 if gap < np.pi else 2)
        hand = np.mod(hand + 0.05 * [0, 1, -1][action], TWO_PI)
        rewards.append(env.step(action)[1])
    # Walking the shortest way round stops within half a step of the target.
    assert rewards[-1] >= 1 - 0.025
    assert rewards[-1] == rewards[-2]


def test_episode_is_truncated_at_trial_steps_and_never_terminated():
    env = Reaching1DEnv()
    env.reset(seed=0)
    flags = [env.step(1)[2:4] for _ in range(300)]
    assert all(terminated is False for terminated, _ in flags)
    assert [truncated for _, truncated in flags] == [False] * 299 + [True]


def test_arguments_change_the_task():
    env = Reaching1DEnv(trial_steps=4, step_size=0.5, n_units=8)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (16,) and env.observation_space.shape == (16,)
    obs, _, _, _, _ = env.step(1)
    np.testing.assert_allclose(obs[8:], np.cos(TWO_PI * np.arange(8) / 8 - (np.pi + 0.5)), atol=1e-6)
    assert [env.step(0)[3] for _ in range(3)] == [False, False, True]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"trial_steps": 0},
        {"trial_steps": 2.5},
        {"trial_steps": True},
        {"step_size": 0.0},
        {"step_size": -0.05},
        {"step_size": float("nan")},
        {"step_size": "0.05"},
        {"n_units": 0},
    ],
)
def test_bad_arguments_raise_config_error(kwargs):
    name = next(iter(kwargs))
    with pytest.raises(ConfigError, match=f"`{name}`"):
        Reaching1DEnv(**kwargs)
    with pytest.raises(ConfigError, match=f"`{name}`"):
        Reaching1DVectorEnv(num_envs=2, **kwargs)


def test_vector_env_rejects_bad_num_envs_seeds_and_action_shapes():
    with pytest.raises(ConfigError, match="`num_envs`"):
        Reaching1DVectorEnv(num_envs=0)
    envs = Reaching1DVectorEnv(num_envs=3)
    with pytest.raises(ConfigError, match="one seed per sub-environment"):
        envs.reset(seed=[1, 2])
    envs.reset(seed=0)
    with pytest.raises(ShapeError):
        envs.step(np.array([0, 1]))


def test_step_before_reset_raises():
    with pytest.raises(gym.error.ResetNeeded):
        Reaching1DEnv().step(0)
    with pytest.raises(gym.error.ResetNeeded):
        Reaching1DVectorEnv(num_envs=2).step(np.array([0, 0]))


def _run_single_envs(seeds, actions, trial_steps):
    """Step one Reaching1DEnv per seed; reset() without a seed at each episode end (SAME_STEP order)."""
    results = []
    for env_index, seed in enumerate(seeds):
        env = Reaching1DEnv(trial_steps=trial_steps)
        first_obs, _ = env.reset(seed=seed)
        trace = {"obs": [], "reward": [], "truncated": [], "final_obs": []}
        for action in actions[:, env_index]:
            obs, step_reward, terminated, truncated, _ = env.step(action)
            assert terminated is False
            trace["final_obs"].append(obs if truncated else None)
            if truncated:
                obs, _ = env.reset()
            trace["obs"].append(obs)
            trace["reward"].append(step_reward)
            trace["truncated"].append(truncated)
        results.append((first_obs, trace))
    return results


def test_vector_env_equals_single_envs_bit_for_bit_over_several_episodes():
    seeds, trial_steps, num_steps = [5, 17, 123, 2024], 300, 3 * 300 + 41
    actions = np.random.default_rng(0).integers(0, 3, size=(num_steps, len(seeds)))
    singles = _run_single_envs(seeds, actions, trial_steps)

    envs = Reaching1DVectorEnv(num_envs=len(seeds), trial_steps=trial_steps)
    obs, info = envs.reset(seed=seeds)
    assert info == {}
    np.testing.assert_array_equal(obs, np.stack([first for first, _ in singles]))
    for t in range(num_steps):
        obs, rewards, terminations, truncations, info = envs.step(actions[t])
        for i, (_, trace) in enumerate(singles):
            np.testing.assert_array_equal(obs[i], trace["obs"][t])
            assert rewards[i] == trace["reward"][t]  # exact
            assert truncations[i] == trace["truncated"][t]
            if trace["final_obs"][t] is not None:
                np.testing.assert_array_equal(info["final_obs"][i], trace["final_obs"][t])
        assert not terminations.any()
    assert sum(singles[0][1]["truncated"]) == 3


def test_vector_env_int_seed_and_none_seed_follow_single_env_semantics():
    envs = Reaching1DVectorEnv(num_envs=3, trial_steps=5)
    obs_int, _ = envs.reset(seed=40)
    obs_list, _ = Reaching1DVectorEnv(num_envs=3, trial_steps=5).reset(seed=[40, 41, 42])
    np.testing.assert_array_equal(obs_int, obs_list)

    # A None seed keeps the sub-environment's generator, as Reaching1DEnv.reset() does.
    single = Reaching1DEnv(trial_steps=5)
    single.reset(seed=41)
    obs_next, _ = envs.reset(seed=[7, None, 9])
    np.testing.assert_array_equal(obs_next[1], single.reset()[0])
    np.testing.assert_array_equal(obs_next[0], Reaching1DEnv().reset(seed=7)[0])
    assert envs.np_random_seed == (7, 41, 9)


def test_vector_env_matches_gymnasium_sync_vector_env_in_same_step_mode():
    """Same observations, rewards, flags and info layout (final_obs, final_info and masks) as gymnasium."""
    num_envs, trial_steps = 3, 6
    ours = Reaching1DVectorEnv(num_envs=num_envs, trial_steps=trial_steps)
    reference = SyncVectorEnv(
        [lambda: Reaching1DEnv(trial_steps=trial_steps)] * num_envs, autoreset_mode=AutoresetMode.SAME_STEP
    )
    assert data_equivalence(ours.reset(seed=[3, 1, 4]), reference.reset(seed=[3, 1, 4]), exact=True)
    actions = np.random.default_rng(1).integers(0, 3, size=(2 * trial_steps + 2, num_envs))
    for step_actions in actions:
        assert data_equivalence(ours.step(step_actions), reference.step(step_actions), exact=True)


def test_make_vec_uses_the_vector_entry_point_with_kwargs():
    envs = gym.make_vec("env_bridge/Reaching1D-v0", num_envs=2, trial_steps=2)
    assert isinstance(envs.unwrapped, Reaching1DVectorEnv)
    assert envs.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP
    envs.reset(seed=0)
    assert envs.step(np.array([0, 1]))[3].tolist() == [False, False]
    assert envs.step(np.array([0, 1]))[3].tolist() == [True, True]


def test_docstring_examples_run():
    result = doctest.testmod(reaching1d, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
