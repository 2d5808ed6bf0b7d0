# SPDX-License-Identifier: BSD-3-Clause
"""Runner equivalence: EnvBridge + NRLAgent (fused and decomposed) on Lava's simulator ≡ the engine.

fixed_pt: identical weights (array_equal) and returns; floating_pt: the same, bit for bit (both run
the same float64 kernels in the same order), which is stricter than agreeing to 1e-9."""

import numpy as np
import pytest
from lava.magma.core.run_configs import Loihi2SimCfg

from env_bridge.proc.env_bridge.process import EnvBridge
from lava_nrl.engine import TrainConfig, train
from lava_nrl.graph import connect
from lava_nrl.guarded import run_guarded
from lava_nrl.model_support import TAGS as TAG
from lava_nrl.proc.nrl_agent.process import NRLAgent

pytestmark = [pytest.mark.lava, pytest.mark.timeout(300), pytest.mark.usefixtures("no_lava_workers_left")]


def run_lava(config: TrainConfig, ticks: int, decomposed: bool):
    """The config's one seed on the Lava graph; the bridge ends the run at the budget (within ``ticks``)."""
    seed = config.seeds[0]
    bridge = EnvBridge(env=config.env, seed=seed, num_envs=config.envs, reward=config.reward_schedule,
                       max_episodes=config.num_episodes)
    agent = NRLAgent(sizes=config.sizes(bridge.n_obs, bridge.n_actions), rule=config.rule, lr=config.lr,
                     sigma=config.sigma, precision=config.precision, seed=seed, num_envs=config.envs,
                     modulation=config.modulation)
    connect(bridge, agent)
    try:
        cfg = Loihi2SimCfg(select_tag=TAG[config.precision], select_sub_proc_model=decomposed)
        run_guarded(bridge, ticks, cfg, timeout=240)
        assert agent.procs.is_empty() != decomposed  # the run config chose the implementation asked for
        return (agent.layer_weights(), list(bridge.episode_returns), list(bridge.episode_envs),
                int(bridge.env_steps.get()[0]))
    finally:
        bridge.stop()


def assert_lava_equals_engine(config: TrainConfig, decomposed: bool):
    """Run ``config`` (one seed) on the engine and on the Lava graph: the same episodes (returns, and the
    environment each was played in), env steps and weights, bit for bit. Returns the engine's result."""
    engine = train(config)
    # The last episode's reward reaches the agent one tick after the episode's last step.
    weights, returns, envs, env_steps = run_lava(config, sum(engine.lengths[0]) + 2, decomposed)
    np.testing.assert_array_equal(returns, engine.returns[0])
    np.testing.assert_array_equal(envs, engine.episode_envs[0])
    assert env_steps == engine.env_steps[0]
    for lava_w, engine_w in zip(weights, engine.weights[0]):
        np.testing.assert_array_equal(lava_w, engine_w)
    return engine


@pytest.mark.parametrize("decomposed", [False, True], ids=["fused", "decomposed"])
@pytest.mark.parametrize("precision", ["fixed", "float"])
@pytest.mark.parametrize("rule", ["nrl", "nrl-b", "rmhl"])
def test_cartpole_20_episodes(rule, precision, decomposed):
    config = TrainConfig(env="CartPole-v1", rule=rule, precision=precision, lr=0.05, episodes=20, seeds=(42,))
    assert_lava_equals_engine(config, decomposed)


@pytest.mark.parametrize("decomposed", [False, True], ids=["fused", "decomposed"])
@pytest.mark.parametrize("precision", ["fixed", "float"])
@pytest.mark.parametrize("rule", ["nrl", "nrl-b", "rmhl", "nrl-fast"])
def test_reaching_600_steps(rule, precision, decomposed):
    """Reaching's reward at every step (the immediate path; nrl-fast takes its plain step there)."""
    config = TrainConfig(env="env_bridge/Reaching1D-v0", rule=rule, precision=precision, lr=0.05,
                         episodes=2, seeds=(101,))
    engine = assert_lava_equals_engine(config, decomposed)
    assert sum(engine.lengths[0]) == 600


@pytest.mark.parametrize("decomposed", [False, True], ids=["fused", "decomposed"])
@pytest.mark.parametrize("precision", ["fixed", "float"])
@pytest.mark.parametrize("rule", ["nrl-b", "nrl-fast", "srl"])
def test_four_environments_sharing_one_agent(rule, precision, decomposed):
    """K = 4 copies: episodes end at different ticks in different copies, several copies' reward events
    reach the shared weights in one tick, copies stop one by one as the budget is all started."""
    config = TrainConfig(env="CartPole-v1", rule=rule, precision=precision, lr=0.05, episodes=14, seeds=(7,),
                         envs=4)
    engine = assert_lava_equals_engine(config, decomposed)
    assert sorted(set(engine.episode_envs[0])) == [0, 1, 2, 3]
    assert engine.episode_envs[0] != sorted(engine.episode_envs[0])  # copies finish interleaved
    assert engine.env_steps[0] == sum(engine.lengths[0])  # every episode started was played to its end


@pytest.mark.parametrize("decomposed", [False, True], ids=["fused", "decomposed"])
@pytest.mark.parametrize("precision", ["fixed", "float"])
def test_two_hidden_layers(precision, decomposed):
    config = TrainConfig(env="CartPole-v1", rule="nrl-b", precision=precision, lr=0.05, episodes=5, seeds=(3,),
                         hidden=32, layers=2)
    assert_lava_equals_engine(config, decomposed)


# Each option reaches a different branch of the rule's rows (γ_e's multiplication, the layer's own ‖ξ_l‖²
# on the episodic path, reward events in the middle of an episode).
OPTIONS = {
    "trace_decay=0.9": dict(trace_decay=0.9),
    "xi_norm=layer": dict(xi_norm="layer"),
    "reward=delay:3": dict(reward="delay:3"),
    "reward=every:7": dict(reward="every:7"),
}


@pytest.mark.parametrize("decomposed", [False, True], ids=["fused", "decomposed"])
@pytest.mark.parametrize("precision", ["fixed", "float"])
@pytest.mark.parametrize("option", OPTIONS)
def test_options(option, precision, decomposed):
    config = TrainConfig(env="CartPole-v1", rule="nrl-b", precision=precision, lr=0.05, episodes=8, seeds=(7,),
                         hidden=16, **OPTIONS[option])
    assert_lava_equals_engine(config, decomposed)


@pytest.mark.parametrize("decomposed", [False, True], ids=["fused", "decomposed"])
@pytest.mark.parametrize("precision", ["fixed", "float"])
def test_nrl_fast(precision, decomposed):
    """nrl-fast (exact output eligibility, fed back from the readout in the decomposed graph; sign
    step) on Lava ≡ the engine, bit for bit."""
    config = TrainConfig(env="CartPole-v1", rule="nrl-fast", precision=precision, episodes=15, seeds=(11,), hidden=16)
    engine = assert_lava_equals_engine(config, decomposed)
    assert not np.array_equal(engine.weights[0][1], train(TrainConfig(**{**config.__dict__, "lr": 1e-9})).weights[0][1])


@pytest.mark.parametrize("decomposed", [False, True], ids=["fused", "decomposed"])
@pytest.mark.parametrize("rule", ["nrl-fast:step=plain", "nrl-fast:step=capped,cap_shift=1"])
def test_a_rule_with_a_block_switched_off(rule, decomposed):
    """A variant's rule name (nrl-fast with the plain step, or the capped one) runs on Lava as on the
    engine, bit for bit."""
    config = TrainConfig(env="CartPole-v1", rule=rule, precision="fixed", lr=0.05, episodes=8,
                         seeds=(7,), hidden=16)
    assert_lava_equals_engine(config, decomposed)


SRL_CASES = {"L=2": dict(layers=2), "L=0, reward=every:7": dict(layers=0, reward="every:7")}


@pytest.mark.parametrize("decomposed", [False, True], ids=["fused", "decomposed"])
@pytest.mark.parametrize("precision", ["fixed", "float"])
@pytest.mark.parametrize("case", SRL_CASES)
def test_srl(case, precision, decomposed):
    """srl on Lava ≡ the engine, bit for bit: in the decomposed graph the signs go down a SignNeuron per
    layer (the output's from the readout's 1[a = k] − π_k, the hidden layers' through W_{l+1}ᵀ) in the
    tick the trace needs them."""
    config = TrainConfig(env="CartPole-v1", rule="srl", precision=precision, episodes=12, seeds=(13,), hidden=16,
                         **SRL_CASES[case])
    engine = assert_lava_equals_engine(config, decomposed)
    unchanged = train(TrainConfig(**{**config.__dict__, "lr": 1e-9})).weights[0]
    assert all(not np.array_equal(w, u) for w, u in zip(engine.weights[0], unchanged))  # every layer learned
