# SPDX-License-Identifier: BSD-3-Clause
"""One agent file for the CLI and NRLAgent: a run's weights load as an agent that learns on or, frozen,
only acts; bp runs are engine-only; weight files of lava-nrl 0.1.0 still load."""

import json

import numpy as np
import pytest
from lava.magma.core.run_configs import Loihi2SimCfg

from env_bridge.proc.env_bridge.process import EnvBridge
from lava_nrl import __version__
from lava_nrl.agent_file import read_agent_file
from lava_nrl.engine import TrainConfig
from lava_nrl.engine.train import agent_spec, train
from lava_nrl.errors import ConfigError
from lava_nrl.guarded import run_guarded
from lava_nrl.proc.nrl_agent.process import NRLAgent
from lava_nrl.runs import write_results

pytestmark = [pytest.mark.timeout(120), pytest.mark.usefixtures("no_lava_workers_left")]


@pytest.fixture(scope="module")
def fixed_run(tmp_path_factory):
    """A short fixed-point CartPole run on disk, as ``lava-nrl train`` writes it."""
    out = tmp_path_factory.mktemp("run")
    config = TrainConfig(episodes=5, seeds=(42, 7), hidden=8, precision="fixed", lr=0.05)
    result = train(config)
    write_results(result, out, plot=False)
    return out, config, result


def closed_loop(agent, seed=3):
    bridge = EnvBridge(env="CartPole-v1", seed=seed, obs_frac_bits=agent.spec.fixed_format.frac_bits)
    bridge.obs_out.connect(agent.obs_in)
    bridge.reward_out.connect(agent.reward_in)
    agent.action_out.connect(bridge.action_in)
    return bridge


def test_a_runs_weight_file_holds_the_weights_and_what_made_them(fixed_run):
    out, config, result = fixed_run
    params, weights = read_agent_file(out / "weights-seed7.npz")
    assert params["version"] == __version__ and params["seed"] == 7 and params["sizes"] == [4, 8, 2]
    assert params["config"] == json.loads(json.dumps(config.to_dict()))
    for got, want in zip(weights, result.weights[1]):
        np.testing.assert_array_equal(got, want)


@pytest.mark.lava
def test_a_runs_frozen_agent_only_acts_and_a_learning_one_goes_on_learning(fixed_run):
    out, config, result = fixed_run
    for learning in (False, True):
        agent = NRLAgent.load(out / "weights-seed42.npz", learning=learning)
        assert agent.spec == agent_spec(config, 4, 2) if learning else agent.spec.lr == 0.0
        bridge = closed_loop(agent)
        try:
            run_guarded(bridge, 300, Loihi2SimCfg(select_tag="fixed_pt"), timeout=60)
            weights = agent.layer_weights()
        finally:
            bridge.stop()
        unchanged = all(np.array_equal(w, w0) for w, w0 in zip(weights, result.weights[0]))
        assert unchanged == (not learning)


@pytest.mark.lava
def test_a_frozen_agent_saves_its_learning_rate(tmp_path):
    agent = NRLAgent(sizes=(4, 8, 2), lr=0.2, seed=5, learning=False)
    bridge = closed_loop(agent)
    try:
        run_guarded(bridge, 1, Loihi2SimCfg(select_tag="floating_pt"), timeout=60)
        agent.save(tmp_path / "agent.npz")
    finally:
        bridge.stop()
    assert NRLAgent.load(tmp_path / "agent.npz").spec.lr == 0.2


def test_a_bp_run_is_engine_only(tmp_path):
    config = TrainConfig(rule="bp", episodes=2, seeds=(1,), hidden=4)
    write_results(train(config), tmp_path, plot=False)
    with pytest.raises(ConfigError, match=r"weights-seed1.npz: a 'bp' run is engine-only and cannot be an NRLAgent"):
        NRLAgent.load(tmp_path / "weights-seed1.npz")


def test_weight_files_of_lava_nrl_0_1_0_load_with_their_runs_summary(fixed_run, tmp_path):
    out, config, result = fixed_run
    with np.load(out / "weights-seed7.npz") as data:  # 0.1.0 wrote the weights alone
        np.savez(tmp_path / "weights-seed7.npz", **{k: data[k] for k in data.files if k != "params"})
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "weights-seed7.npz").write_bytes((tmp_path / "weights-seed7.npz").read_bytes())
    (tmp_path / "summary.json").write_text((out / "summary.json").read_text())
    agent = NRLAgent.load(tmp_path / "weights-seed7.npz")
    assert agent.spec == agent_spec(config, 4, 2) and agent.proc_params["seed"] == 7
    np.testing.assert_array_equal(agent.proc_params["layer_weights"][0], result.weights[1][0])
    with pytest.raises(ConfigError, match="holds weights without parameters and no run's summary.json is beside it"):
        NRLAgent.load(alone / "weights-seed7.npz")


def test_a_file_that_is_not_an_agent_is_a_one_line_error(tmp_path):
    (tmp_path / "x.npz").write_text("not a zip")
    with pytest.raises(ConfigError, match="x.npz: not a lava-nrl agent file"):
        NRLAgent.load(tmp_path / "x.npz")
