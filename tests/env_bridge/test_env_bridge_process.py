# SPDX-License-Identifier: BSD-3-Clause
"""EnvBridge on Lava's CPU simulator: equivalence with a plain gymnasium loop, reward schedules,
composition with Lava's standard Processes, and errors before and during a run."""

import time

import gymnasium as gym
import numpy as np
import pytest
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.proc.dense.process import Dense
from lava.proc.io.sink import RingBuffer as Sink
from lava.proc.lif.process import LIF

from env_bridge.proc.env_bridge.process import EnvBridge
from env_bridge.schedules import RewardSchedule, initial_state, schedule_step
from lava_nrl.errors import ConfigError, NonFiniteError, SpaceError
from lava_nrl.graph import connect
from lava_nrl.guarded import run_guarded
from lava_nrl.messages import RewardMessage
from tests.helpers.proc.pole_policy.process import PolePolicy, pole_action

pytestmark = [pytest.mark.lava, pytest.mark.timeout(120), pytest.mark.usefixtures("no_lava_workers_left")]
TAGS = ["floating_pt", "fixed_pt"]
REWARD_VALUE, REWARD_EVENT, EPISODE_END = map(RewardMessage.field, ("reward", "event", "episode_end"))


def plain_loop(seed: int, steps: int, schedule: str):
    """The same policy in a plain gymnasium loop: per step (delivered R, event, done), episode returns."""
    env = gym.make("CartPole-v1")
    obs, _ = env.reset(seed=seed)
    spec = RewardSchedule.parse(schedule)
    state = initial_state(spec, 1)
    messages, returns, total = [], [], 0.0
    for _ in range(steps):
        obs, r, term, trunc, _ = env.step(pole_action(obs[2]))
        done = term or trunc
        delivered, event, state = schedule_step(spec, state, np.array([r]), np.array([done]))
        messages.append((delivered[0], event[0], done))
        total += r
        if done:
            returns.append(total)
            total = 0.0
            obs, _ = env.reset()
    return np.array(messages, dtype=np.float64), returns


def run_bridge(tag, ticks, reward="episodic", cycle_ticks=1, seed=3):
    bridge = EnvBridge(env="CartPole-v1", seed=seed, reward=reward, cycle_ticks=cycle_ticks)
    policy = PolePolicy()
    sink = Sink(shape=(RewardMessage.size(),), buffer=ticks)
    connect(bridge, policy)
    bridge.reward_out.connect(sink.a_in)
    try:
        run_guarded(bridge, ticks, Loihi2SimCfg(select_tag=tag), timeout=60)
        return bridge, sink.data.get().T, int(bridge.env_steps.get()[0])
    finally:
        bridge.stop()


@pytest.mark.parametrize("tag", TAGS)
@pytest.mark.parametrize("reward", ["immediate", "episodic", "delay:3", "every:4"])
def test_bridge_reproduces_the_plain_loop_tick_for_tick(tag, reward):
    ticks = 400
    bridge, received, steps = run_bridge(tag, ticks, reward)
    assert steps == ticks
    expected, returns = plain_loop(3, ticks, reward)
    assert len(returns) >= 5
    np.testing.assert_array_equal(bridge.episode_returns, returns)
    # The message of env step k (1-based) arrives on tick k + 1; the first tick carries nothing.
    np.testing.assert_array_equal(received[0], [0, 0, 0])
    scale = 2.0**bridge.proc_params["obs_frac_bits"] if tag == "fixed_pt" else 1.0
    got = received[1:].copy()
    got[:, REWARD_VALUE] /= scale
    np.testing.assert_array_equal(got, expected[:-1])
    # Conservation: everything paid in finished episodes has been delivered by their last step.
    last_end = np.flatnonzero(expected[:, 2])[-1]
    assert got[: last_end + 1, REWARD_VALUE].sum() == sum(returns)


@pytest.mark.parametrize("tag", TAGS)
def test_cycle_of_three_ticks_steps_every_third_tick(tag):
    ticks = 300
    bridge, received, steps = run_bridge(tag, ticks, "immediate", cycle_ticks=3)
    assert steps == ticks // 3
    expected, returns = plain_loop(3, steps, "immediate")
    np.testing.assert_array_equal(bridge.episode_returns, returns)
    phase0 = received[3::3]  # tick 3k + 1 carries env step k
    np.testing.assert_array_equal(phase0[:, EPISODE_END], expected[:-1, 2])
    off_phase = np.delete(received, np.arange(0, ticks, 3), axis=0)
    assert not off_phase.any()  # rewards are events: sent once, never held


@pytest.mark.parametrize("tag", TAGS)
def test_bridge_composes_with_dense_lif_and_sinks(tag):
    """obs → Dense → LIF → Dense → LIF(2 actions) → action_in (argmax of spikes over the cycle)."""
    rng = np.random.default_rng(0)
    fixed = tag == "fixed_pt"
    bridge = EnvBridge(env="CartPole-v1", seed=1, cycle_ticks=4, action_encoding="argmax", reward="immediate")
    w1 = rng.integers(-60, 60, (16, 4)) if fixed else rng.normal(0, 1, (16, 4))
    w2 = rng.integers(-60, 60, (2, 16)) if fixed else rng.normal(0, 1, (2, 16))
    dense1 = Dense(weights=w1, num_message_bits=24 if fixed else 0)
    hidden = LIF(shape=(16,), du=4095 if fixed else 1.0, dv=0, vth=1 << 10 if fixed else 0.01)
    dense2 = Dense(weights=w2)
    out = LIF(shape=(2,), du=4095 if fixed else 1.0, dv=0, vth=10 if fixed else 0.01)
    sink = Sink(shape=(RewardMessage.size(),), buffer=200)
    bridge.obs_out.connect(dense1.s_in)
    dense1.a_out.connect(hidden.a_in)
    hidden.s_out.connect(dense2.s_in)
    dense2.a_out.connect(out.a_in)
    out.s_out.connect(bridge.action_in)
    bridge.reward_out.connect(sink.a_in)
    try:
        run_guarded(bridge, 200, Loihi2SimCfg(select_tag=tag), timeout=60)
        steps = int(bridge.env_steps.get()[0])
        rewards = sink.data.get()[REWARD_EVENT]
    finally:
        bridge.stop()
    assert steps == 50
    assert rewards.sum() == 49  # every env step's reward event but the last (sent on tick 201)


def test_unsupported_spaces_fail_before_any_worker_starts():
    with pytest.raises(SpaceError, match="action space Box"):
        EnvBridge(env="Pendulum-v1")
    with pytest.raises(ConfigError, match="cycle_ticks"):
        EnvBridge(env="CartPole-v1", cycle_ticks=0)
    with pytest.raises(ConfigError, match="delay:x"):
        EnvBridge(env="CartPole-v1", reward="delay:x")


def test_shape_mismatch_with_the_connected_port_fails_at_connect():
    bridge = EnvBridge(env="CartPole-v1")
    with pytest.raises(AssertionError, match=r"Shapes \(4,\) and \(5,\) are incompatible"):
        bridge.obs_out.connect(Dense(weights=np.ones((3, 5))).s_in)


@pytest.mark.parametrize("tag", TAGS)
def test_nan_observation_stops_the_run_with_a_clear_error(tag):
    bridge = EnvBridge(env="tests.helpers.envs:NaNCartPole-v0", seed=0)
    policy = PolePolicy()
    connect(bridge, policy)
    with pytest.raises(NonFiniteError, match="observation of the agent with seed 0 is not finite"):
        run_guarded(bridge, 100, Loihi2SimCfg(select_tag=tag), timeout=30)
    bridge.stop()  # a no-op after the failure: must not hang or crash


@pytest.mark.parametrize("tag", TAGS)
def test_episode_log_is_readable_during_a_run(tag):
    from lava.magma.core.run_conditions import RunSteps

    bridge = EnvBridge(env="CartPole-v1", seed=5)
    policy = PolePolicy()
    connect(bridge, policy)
    try:
        run_guarded(bridge, 1, Loihi2SimCfg(select_tag=tag))  # compile and start the workers
        bridge.run(condition=RunSteps(num_steps=3000, blocking=False))
        seen_while_running = 0
        for _ in range(2000):
            seen_while_running = len(bridge.episode_returns)
            if seen_while_running:
                break
            time.sleep(0.005)
        bridge.wait()
        assert 0 < seen_while_running < len(bridge.episode_returns)
        assert bridge.episode_lengths.sum() <= 3001
    finally:
        bridge.stop()


def test_discrete_observations_arrive_one_hot():
    bridge = EnvBridge(env="FrozenLake-v1", seed=0)
    sink = Sink(shape=(16,), buffer=1)
    bridge.obs_out.connect(sink.a_in)
    try:
        run_guarded(bridge, 1, Loihi2SimCfg(select_tag="floating_pt"))
        first = sink.data.get()[:, 0]
    finally:
        bridge.stop()
    np.testing.assert_array_equal(first, np.eye(16)[0])  # FrozenLake starts in state 0


def test_max_episodes_ends_the_run_after_the_last_reward_and_later_runs_step_no_environment():
    bridge = EnvBridge(env="CartPole-v1", seed=3, max_episodes=3)
    policy = PolePolicy()
    sink = Sink(shape=(RewardMessage.size(),), buffer=1)
    connect(bridge, policy)
    bridge.reward_out.connect(sink.a_in)
    try:
        run_guarded(bridge, 100_000, Loihi2SimCfg(select_tag="floating_pt"), timeout=60)
        lengths = bridge.episode_lengths
        assert len(lengths) == 3
        assert int(bridge.env_steps.get()[0]) == lengths.sum()  # no step beyond the budget
        np.testing.assert_array_equal(sink.data.get()[:, 0][[REWARD_EVENT, EPISODE_END]], [1, 1])
        run_guarded(bridge, 10, Loihi2SimCfg(select_tag="floating_pt"), timeout=60)
        assert int(bridge.env_steps.get()[0]) == lengths.sum()
        assert len(bridge.episode_lengths) == 3
        np.testing.assert_array_equal(sink.data.get()[:, 0][[REWARD_EVENT, EPISODE_END]], [0, 0])
    finally:
        bridge.stop()
