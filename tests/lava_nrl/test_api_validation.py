# SPDX-License-Identifier: BSD-3-Clause
"""The Python API's parameters: numpy numbers are numbers, nothing is truncated or clipped silently,
and errors name the parameter (not a command-line option)."""

import json

import numpy as np
import pytest

from lava_nrl.engine import TrainConfig
from lava_nrl.errors import ConfigError
from lava_nrl.numerics import FixedFormat
from lava_nrl.proc.nrl_agent.process import NRLAgent

pytestmark = pytest.mark.timeout(60)


def test_numpy_numbers_are_valid_and_stored_as_python_numbers():
    config = TrainConfig(episodes=np.int64(50), seeds=(np.int32(1), 2), hidden=np.int64(8), layers=np.int16(2),
                         lr=np.float32(0.25), sigma=np.float64(1e-3), stop_after_threshold=np.uint8(3))
    assert (config.episodes, config.seeds, config.hidden, config.layers, config.lr) == (50, (1, 2), 8, 2, 0.25)
    assert type(config.episodes) is int and type(config.lr) is float and type(config.seeds[0]) is int
    json.dumps(config.to_dict(), default=str)  # plain numbers
    assert TrainConfig(lr=np.float64(0.05)) == TrainConfig(lr=0.05)  # the same run


@pytest.mark.parametrize("kwargs,cause", [
    (dict(episodes=True), "episodes must be a positive integer, got True"),
    (dict(episodes=2.5), "episodes must be a positive integer, got 2.5"),
    (dict(hidden=12.7), "hidden must be a positive integer, got 12.7"),
    (dict(layers=-1), "layers must be an integer ≥ 0"),
    (dict(seeds="42"), "seeds must be non-negative integers"),
    (dict(seeds=(1, True)), "seeds must be non-negative integers"),
    (dict(lr=True), "lr must be a finite number > 0"),
    (dict(lr=np.nan), "lr must be a finite number > 0"),
    (dict(max_episode_steps=0), "max_episode_steps must be a positive integer"),
    (dict(env_kwargs="g=9"), "env_kwargs must be a dict"),
    (dict(rule="bp", precision="fixed"), "use precision 'float'"),
])
def test_train_config_rejects_what_it_would_otherwise_truncate_or_misread(kwargs, cause):
    with pytest.raises(ConfigError) as err:
        TrainConfig(**kwargs)
    message = str(err.value)
    assert cause in message and "--" not in message and "\n" not in message


@pytest.mark.parametrize("sizes", [(4, 128.7, 2), "432", (4, True, 2), 4, (4,)])
def test_nrl_agent_sizes_are_integers_never_truncated(sizes):
    with pytest.raises(ConfigError, match="NRLAgent: sizes"):
        NRLAgent(sizes=sizes)


def test_nrl_agent_accepts_numpy_numbers():
    agent = NRLAgent(sizes=np.array([4, 8, 2]), lr=np.float32(0.5), sigma=np.float64(1e-3), seed=np.int64(3))
    assert agent.spec.sizes == (4, 8, 2) and agent.spec.lr == 0.5 and agent.proc_params["seed"] == 3


def test_nrl_agent_rejects_nan_initial_weights():
    weights = [np.zeros((3, 4)), np.zeros((2, 3))]
    weights[1][0, 2] = np.nan
    with pytest.raises(ConfigError, match="weights of layer 1 must be finite, got 1 NaN or infinite"):
        NRLAgent(sizes=(4, 3, 2), weights=weights)


def test_fixed_point_initial_weights_beyond_the_format_are_an_error_naming_the_limit():
    narrow = FixedFormat(weight_bits=6, weight_frac_bits=4)  # −2 … 1.9375
    inside = [np.full((3, 4), 1.9375), np.full((2, 3), -2.0)]
    agent = NRLAgent(sizes=(4, 3, 2), precision="fixed", fixed_format=narrow, weights=inside)
    np.testing.assert_array_equal(agent.proc_params["layer_weights"][0], inside[0])
    beyond = [inside[0], np.full((2, 3), -2.5)]
    with pytest.raises(ConfigError, match=r"weights of layer 1 must lie in \[-2, 1.9375\] \(FixedFormat "
                                          r"weight_bits=6, weight_frac_bits=4\), got -2.5"):
        NRLAgent(sizes=(4, 3, 2), precision="fixed", fixed_format=narrow, weights=beyond)


def test_lr_zero_points_to_the_frozen_mode():
    with pytest.raises(ConfigError, match="NRLAgent: lr must be > 0, got 0; .* pass learning=False"):
        NRLAgent(sizes=(4, 2), lr=0)


def test_learning_rate_advice_names_the_parameter_not_an_option():
    from lava_nrl.errors import NonFiniteError
    from lava_nrl.kernels.agent import AgentSpec, init_agents, learn
    from lava_nrl.kernels.rules import Modulation, get_rule

    spec = AgentSpec(sizes=(2, 3, 2), rule=get_rule("nrl-b"), modulation=Modulation(), lr=0.1, sigma=1e-3)
    state = init_agents(spec, [0])
    state.traces[0][...] = np.inf
    with pytest.raises(NonFiniteError, match="lower the learning rate lr") as err:
        learn(spec, state, np.array([3.0]), np.array([True]), np.array([True]))
    assert "--" not in str(err.value)
