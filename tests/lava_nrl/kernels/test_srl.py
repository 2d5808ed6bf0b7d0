# SPDX-License-Identifier: BSD-3-Clause
"""Sign and Relevance Learning (srl) and its comparison srl-bp, against their stated formulas: the sign
of SRL's update is backprop's at every synapse of a network without hidden layers; the hidden layers'
signs come down the sign pathway s_l = sgn(W_{l+1}ᵀ s_{l+1}); the trace sums signed terms between reward
events; the relevance |δ| sets the step."""

import numpy as np
import pytest

from lava_nrl.errors import ConfigError
from lava_nrl.numerics import FixedFormat
from lava_nrl.kernels.agent import AgentSpec, act, init_agents, learn
from lava_nrl.kernels.plasticity import POST_BP_SIGN, POST_SIGN, STEP_PLAIN
from lava_nrl.kernels.rules import Modulation, get_rule, lava_rule

SEEDS = list(range(40))


def spec_of(rule, sizes, precision="float", lr=0.01):
    """The formulas are checked at the paper-era widths (16-bit weights, 32-bit traces), where nothing
    clips; how the Loihi-honest default's 9-bit trace clips is the precision study's subject."""
    return AgentSpec(sizes=sizes, rule=get_rule(rule), modulation=Modulation(), lr=lr, sigma=1e-2,
                     precision=precision, fixed_format=FixedFormat.paper())


def observations(spec, n, seed=0):
    return spec.arith.encode(np.random.default_rng(seed).normal(0, 1, size=(n, spec.sizes[0])))


def reward_event(spec, state, reward):
    """A reward event at every agent with R̄ = 1: δ = (R − 1)/|R|; returns each layer's weight change."""
    n = len(state.baseline)
    state.baseline[:] = spec.arith.encode_reward(np.ones(n))
    state.has_baseline[:] = True
    before = [w.copy() for w in state.weights]
    learn(spec, state, spec.arith.encode_reward(np.full(n, reward)), np.ones(n, bool), np.zeros(n, bool))
    return [w - b for w, b in zip(state.weights, before)]


def forward(weights, obs, slope):
    """Pre-activations and activities of each layer (LeakyReLU below the output), in numpy."""
    x, pre, xs = obs, [], [obs]
    for l, w in enumerate(weights):
        a = w @ x
        x = a if l == len(weights) - 1 else np.where(a >= 0, a, slope * a)
        pre.append(a)
        xs.append(x)
    return pre, xs


def test_srl_resolves_to_signs_with_a_plain_step_on_the_clean_network():
    for rule, kind in (("srl", POST_SIGN), ("srl-bp", POST_BP_SIGN)):
        layers = spec_of(rule, (4, 8, 8, 2)).layers
        assert [l.post for l in layers] == [kind] * 3
        assert all(l.step == STEP_PLAIN and l.update_scale == 1 and not l.pre_noisy for l in layers)
    assert get_rule("srl").fixed_point and not get_rule("srl-bp").fixed_point
    with pytest.raises(ConfigError, match="rule 'srl-bp' runs only in the engine, not on Lava: it takes the sign of "
                                          "the exact backprop error.*not sign-only.*; use nrl, .*srl$"):
        lava_rule("srl-bp")


@pytest.mark.parametrize("reward", [3.0, 0.5], ids=["δ > 0", "δ < 0"])
def test_without_a_hidden_layer_every_synapse_moves_with_the_backprop_gradients_sign(reward):
    """L = 0: one step, then a reward event. bp's change is η·δ·(1[a = k] − π_k)·x_j, the REINFORCE
    gradient; srl's is η·|δ|·sgn(δ·(1[a = k] − π_k))·x_j. Their signs agree at every synapse, for
    either sign of δ, and srl's size is η·|δ|·|x_j| wherever π_k is not 0 or 1."""
    sizes = (4, 3)
    srl, bp = spec_of("srl", sizes), spec_of("bp", sizes)
    s_srl, s_bp = init_agents(srl, SEEDS), init_agents(bp, SEEDS)
    obs = observations(srl, len(SEEDS))
    np.testing.assert_array_equal(act(srl, s_srl, obs), act(bp, s_bp, obs))  # the clean policy acts in both
    change_srl, change_bp = reward_event(srl, s_srl, reward)[0], reward_event(bp, s_bp, reward)[0]
    assert (change_bp != 0).all()
    np.testing.assert_array_equal(np.sign(change_srl), np.sign(change_bp))
    delta = (reward - 1) / reward
    np.testing.assert_allclose(np.abs(change_srl), np.broadcast_to(0.01 * abs(delta) * np.abs(obs)[:, None, :],
                                                                   change_srl.shape), rtol=1e-12)


def test_in_fixed_point_no_synapse_moves_against_the_backprop_gradient():
    """The same in fixed point (stochastic rounding to the weight's LSB may round a step to 0, never
    across it), against the float gradient at the same quantised weights and observations."""
    sizes = (4, 3)
    srl = spec_of("srl", sizes, precision="fixed", lr=0.05)
    bp = spec_of("bp", sizes, lr=0.05)
    s_srl, s_bp = init_agents(srl, SEEDS), init_agents(bp, SEEDS)
    s_bp.weights[0][:] = srl.arith.decode_weights(s_srl.weights[0])
    obs = observations(srl, len(SEEDS))
    np.testing.assert_array_equal(act(srl, s_srl, obs), act(bp, s_bp, srl.arith.decode(obs)))
    change_srl, change_bp = reward_event(srl, s_srl, 3.0)[0], reward_event(bp, s_bp, 3.0)[0]
    assert (np.sign(change_srl) * np.sign(change_bp) >= 0).all()
    assert (change_srl != 0).mean() > 0.95  # η·|δ|·|x| is many LSBs for all but the smallest |x_j|


@pytest.mark.parametrize("precision", ["float", "fixed"])
def test_hidden_signs_come_down_the_sign_pathway_and_the_trace_sums_them(precision):
    """L = 2, three steps, then a reward event: s_L = sgn(1[a = k] − π_k), s_l = sgn(W_{l+1}ᵀ s_{l+1}),
    e_l = Σ_t s_l,t ⊗ x_l−1,t over the steps (the eligibility that a delayed reward needs) and ΔW_l =
    η·δ·e_l, computed here in numpy from the weights, observations and actions."""
    sizes = (4, 8, 6, 3)
    spec = spec_of("srl", sizes, precision=precision)
    state = init_agents(spec, SEEDS[:6])
    weights = [spec.arith.decode_weights(w) for w in state.weights]
    slope = 0.1 if precision == "float" else spec.constants.slope / 2**spec.fixed_format.slope_frac_bits
    expected = [np.zeros(w.shape) for w in weights]
    for t in range(3):
        obs = observations(spec, 6, seed=t)
        actions = act(spec, state, obs)
        for b in range(6):
            pre, xs = forward([w[b] for w in weights], spec.arith.decode(obs[b]), slope)
            pi = np.exp(pre[-1] - pre[-1].max()) / np.exp(pre[-1] - pre[-1].max()).sum()
            s = np.sign(np.eye(3)[actions[b]] - pi)
            for l in range(2, -1, -1):
                expected[l][b] += np.outer(s, xs[l])
                s = np.sign(weights[l][b].T @ s)
    atol = 0 if precision == "float" else 3 * 2.0 ** -16 * 4  # fixed: x_j within 4 Q.16 LSBs at each step
    for e, want in zip(state.traces, expected):
        np.testing.assert_allclose(spec.arith.decode_trace(e), want, atol=atol, rtol=1e-12)
    traces = [spec.arith.decode_trace(e.copy()) for e in state.traces]
    changes = reward_event(spec, state, 3.0)  # δ = 2/3
    for change, e in zip(changes, traces):
        lsb = 0 if precision == "float" else 2.0 ** -spec.fixed_format.weight_frac_bits
        np.testing.assert_allclose(spec.arith.decode_weights(change), 0.01 * (2 / 3) * e, atol=lsb, rtol=1e-10)


def test_srl_bp_takes_the_sign_of_the_exact_backprop_error():
    """srl-bp's trace is sgn(bp's post) ⊗ x at every layer; at the output it equals srl's, and below it
    differs from srl's where sgn(W_{l+1}ᵀ s_{l+1}) ≠ sgn(W_{l+1}ᵀ g_{l+1})."""
    sizes = (4, 16, 16, 3)
    states = {rule: init_agents(spec_of(rule, sizes), SEEDS) for rule in ("srl", "srl-bp", "bp")}
    obs = observations(spec_of("bp", sizes), len(SEEDS))
    actions = [act(spec_of(rule, sizes), state, obs) for rule, state in states.items()]
    np.testing.assert_array_equal(actions[0], actions[1])
    np.testing.assert_array_equal(actions[0], actions[2])
    for l in range(3):
        pre = np.abs(obs) if l == 0 else None
        signs_bp = np.sign(states["bp"].traces[l])  # g_l ⊗ x: the signs of g_l times those of x
        np.testing.assert_array_equal(np.sign(states["srl-bp"].traces[l]), signs_bp)
        np.testing.assert_array_equal(np.abs(states["srl-bp"].traces[l]), np.abs(states["srl"].traces[l]))
        if pre is not None:
            np.testing.assert_array_equal(np.abs(states["srl"].traces[l]),
                                          np.broadcast_to(pre[:, None, :], (len(SEEDS), 16, 4)))
    np.testing.assert_array_equal(states["srl"].traces[2], states["srl-bp"].traces[2])
    assert not np.array_equal(states["srl"].traces[0], states["srl-bp"].traces[0])  # only signs travel in srl
