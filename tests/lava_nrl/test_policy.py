# SPDX-License-Identifier: BSD-3-Clause
"""A trained agent as a plain policy: greedy is the clean network's argmax in the agent's precision,
sampled draws as the agent does, and neither needs Lava."""

import subprocess
import sys

import numpy as np
import pytest

from lava_nrl.engine import TrainConfig
from lava_nrl.engine.train import agent_spec, train
from lava_nrl.errors import ConfigError, ShapeError
from lava_nrl.kernels.agent import act, init_agents
from lava_nrl.kernels.layer import LEAKY_SLOPE, network_forward
from lava_nrl.policy import load_policy
from lava_nrl.runs import write_results

pytestmark = pytest.mark.timeout(120)

OBSERVATIONS = np.random.default_rng(0).normal(0.0, 1.5, size=(200, 4))


@pytest.fixture(scope="module", params=["float", "fixed"])
def run(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(request.param)
    config = TrainConfig(episodes=5, seeds=(11,), hidden=16, layers=2, precision=request.param, lr=0.05)
    result = train(config)
    write_results(result, out, plot=False)
    return out / "weights-seed11.npz", config, result.weights[0]


def test_greedy_is_the_argmax_of_the_clean_pass_in_the_runs_precision(run):
    path, config, weights = run
    policy = load_policy(path, mode="greedy")
    arith = agent_spec(config, 4, 2).arith
    encoded = [arith.encode_weights(w[None]) for w in weights]
    expected = []
    for s in OBSERVATIONS:
        x = arith.encode(s[None])
        acts = network_forward(arith, encoded, x, [np.zeros((1, w.shape[0]), arith.dtype) for w in weights])
        expected.append(int(np.argmax(acts.a[-1][0])))
    assert [policy(s) for s in OBSERVATIONS] == expected
    assert len(set(expected)) == 2  # both actions occur: the comparison means something
    if config.precision == "float":  # and in float, the textbook forward pass
        hidden = OBSERVATIONS.T
        for w in weights[:-1]:
            hidden = w @ hidden
            hidden = np.where(hidden > 0, hidden, LEAKY_SLOPE * hidden)
        assert expected == list(np.argmax(weights[-1] @ hidden, axis=0))


def test_sampled_draws_the_agents_actions_from_its_streams(run):
    path, config, weights = run
    spec = agent_spec(config, 4, 2)
    state = init_agents(spec, [5])
    state.weights[:] = [spec.arith.encode_weights(w[None]) for w in weights]
    expected = [int(act(spec, state, spec.arith.encode(s[None]))[0]) for s in OBSERVATIONS]
    policy = load_policy(path, mode="sampled", seed=5)
    assert [policy(s) for s in OBSERVATIONS] == expected
    assert [load_policy(path, mode="sampled", seed=6)(s) for s in OBSERVATIONS] != expected


def test_a_policy_runs_a_gymnasium_loop_without_lava(run, tmp_path):
    path = run[0]
    script = f"""
import sys, gymnasium as gym
from lava_nrl.policy import load_policy
policy = load_policy({str(path)!r}, mode="sampled")
env = gym.make("CartPole-v1")
obs, _ = env.reset(seed=0)
done, steps = False, 0
while not done:
    obs, reward, terminated, truncated, _ = env.step(policy(obs))
    done, steps = terminated or truncated, steps + 1
assert steps > 1
assert not any(name.startswith("lava.") for name in sys.modules), "Lava was imported"
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=100)
    assert proc.returncode == 0, proc.stderr


def test_bad_calls_are_one_line_errors(run):
    path = run[0]
    with pytest.raises(ConfigError, match="policy mode must be one of greedy, sampled, got 'best'"):
        load_policy(path, mode="best")
    with pytest.raises(ShapeError, match="the policy takes 4 observation values, got 3"):
        load_policy(path)(np.zeros(3))
