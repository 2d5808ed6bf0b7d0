# SPDX-License-Identifier: BSD-3-Clause
"""NRLAgent inside a larger Lava graph: observations through Lava's RingBuffer and Dense, rewards
from a RingBuffer, actions into a sink RingBuffer; the actions are the kernels'."""

import numpy as np
import pytest
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.proc.dense.process import Dense
from lava.proc.io.sink import RingBuffer as Sink
from lava.proc.io.source import RingBuffer as Source

from lava_nrl.graph import connect
from lava_nrl.guarded import run_guarded
from lava_nrl.kernels.agent import act, init_agents, learn
from lava_nrl.proc.nrl_agent.process import NRLAgent

pytestmark = [pytest.mark.lava, pytest.mark.timeout(120), pytest.mark.usefixtures("no_lava_workers_left")]
TAGS = {"float": "floating_pt", "fixed": "fixed_pt"}


@pytest.mark.parametrize("decomposed", [False, True], ids=["fused", "decomposed"])
@pytest.mark.parametrize("precision", TAGS)
def test_agent_between_standard_sources_dense_and_sink(precision, decomposed):
    ticks, n_obs = 40, 4
    agent = NRLAgent(sizes=(n_obs, 16, 3), rule="nrl-b", lr=0.5, sigma=0.05, precision=precision, seed=11)
    arith = agent.spec.arith
    g = np.random.default_rng(0)
    obs = arith.encode(g.normal(0, 1, (n_obs, ticks)))
    events = (np.arange(ticks) % 7 == 6).astype(np.int64)  # a reward event every 7th tick
    rewards = np.stack([arith.encode_reward(g.uniform(0, 5, ticks)) * events, events, events])
    source, relay = Source(data=obs), Dense(weights=np.eye(n_obs, dtype=int), num_message_bits=24)
    sink = Sink(shape=(1,), buffer=ticks)
    source.s_out.connect(relay.s_in)
    relay.a_out.connect(agent.obs_in)
    Source(data=rewards).s_out.connect(agent.reward_in)
    agent.action_out.connect(sink.a_in)
    try:
        run_guarded(agent, ticks, Loihi2SimCfg(select_tag=TAGS[precision], select_sub_proc_model=decomposed),
                    timeout=60)
        actions = sink.data.get()[0]
        weights = agent.layer_weights()
    finally:
        agent.stop()
    # The kernels on the same inputs: Dense delivers observation t on tick t + 1 (zeros on tick 1).
    state = init_agents(agent.spec, [11])
    delayed = np.concatenate([np.zeros((n_obs, 1), dtype=obs.dtype), obs[:, :-1]], axis=1)
    expected = []
    for t in range(ticks):
        learn(agent.spec, state, rewards[0, t : t + 1], rewards[1, t : t + 1] != 0, rewards[2, t : t + 1] != 0)
        expected.append(act(agent.spec, state, delayed[None, :, t])[0])
    np.testing.assert_array_equal(actions, expected)
    for got, w in zip(weights, state.weights):
        np.testing.assert_array_equal(got, arith.decode_weights(w[0]))
    assert len(set(expected)) > 1


def test_save_and_load_a_trained_agent(tmp_path):
    from env_bridge.proc.env_bridge.process import EnvBridge

    def closed_loop(agent):
        bridge = EnvBridge(env="CartPole-v1", seed=8)
        connect(bridge, agent)
        return bridge

    agent = NRLAgent(sizes=(4, 16, 2), rule="nrl-b", lr=0.05, precision="fixed", seed=8)
    bridge = closed_loop(agent)
    try:
        run_guarded(bridge, 300, Loihi2SimCfg(select_tag="fixed_pt"), timeout=60)
        trained = agent.layer_weights()
        agent.save(tmp_path / "agent.npz")
    finally:
        bridge.stop()
    loaded = NRLAgent.load(tmp_path / "agent.npz")
    assert loaded.spec == agent.spec
    bridge = closed_loop(loaded)
    try:
        run_guarded(bridge, 1, Loihi2SimCfg(select_tag="fixed_pt"), timeout=60)
        for got, want in zip(loaded.layer_weights(), trained):
            np.testing.assert_array_equal(got, want)
    finally:
        bridge.stop()
    assert not np.array_equal(trained[0], agent.proc_params["layer_weights"][0])  # it learned before saving
