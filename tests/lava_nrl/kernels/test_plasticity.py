# SPDX-License-Identifier: BSD-3-Clause
"""The rule's building blocks, each against its stated formula: the exact output eligibility, the
sign step, the layer gains."""

import dataclasses

import numpy as np
import pytest

from lava_nrl.kernels.agent import AgentSpec, act, init_agents, learn
from lava_nrl.kernels.plasticity import POST_EXACT, POST_NRL, STEP_PLAIN, STEP_SIGN, layer_rules
from lava_nrl.kernels.rules import Modulation, Rule, get_rule

SIZES = (4, 16, 3)
EXACT = Rule("exact-output", trace="nrl", gain="n_post", output_post="exact")
SIGN = Rule("sign-step", trace="nrl", output_post="exact", step="sign")


def spec_of(rule, precision="float", lr=0.01, sizes=SIZES):
    return AgentSpec(sizes=sizes, rule=rule, modulation=Modulation(), lr=lr, sigma=1e-2, precision=precision)


def test_each_layer_resolves_its_choices():
    layers = spec_of(EXACT).layers
    assert [l.post for l in layers] == [POST_NRL, POST_EXACT]
    assert [l.pre_noisy for l in layers] == [True, False]  # the exact eligibility is the clean policy's
    assert [l.update_scale for l in layers] == [16, 3]  # N_l
    assert [l.update_scale for l in spec_of(dataclasses.replace(EXACT, gain="network")).layers] == [19, 19]
    assert [l.update_scale for l in spec_of(get_rule("nrl")).layers] == [1, 1]
    assert [l.step for l in spec_of(SIGN).layers] == [STEP_SIGN, STEP_SIGN]
    with pytest.raises(Exception, match="step must be one of plain, sign"):
        Rule("bad", trace="nrl", step="momentum")


def test_the_exact_output_eligibility_is_the_backprop_gradient_at_the_output():
    """One step of the exact-output rule and of BP from the same state: the same action (the clean
    policy acts in both), and the output layer's trace (1[a = k] − π_k) ⊗ x equals BP's bit for bit
    and the formula computed here."""
    obs = np.random.default_rng(0).normal(size=(3, 4))
    exact, bp = spec_of(EXACT), spec_of(get_rule("bp"))
    s_exact, s_bp = init_agents(exact, [1, 2, 3]), init_agents(bp, [1, 2, 3])
    a_exact, a_bp = act(exact, s_exact, obs), act(bp, s_bp, obs)
    np.testing.assert_array_equal(a_exact, a_bp)
    np.testing.assert_array_equal(s_exact.traces[1], s_bp.traces[1])
    for b in range(3):
        w0, w1 = (w[b] for w in init_agents(exact, [1, 2, 3]).weights)
        hidden = w0 @ obs[b]
        x = np.where(hidden >= 0, hidden, 0.1 * hidden)
        logits = w1 @ x
        pi = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
        expected = np.outer(np.eye(3)[a_exact[b]] - pi, x)
        np.testing.assert_allclose(s_exact.traces[1][b], expected, rtol=1e-12, atol=1e-15)
    assert not np.array_equal(s_exact.traces[0], s_bp.traces[0])  # the hidden layer keeps the noise


def _event(spec, state, trace_values, reward=10.0, baseline=5.0):
    for l, e in enumerate(state.traces):
        e[...] = trace_values[l]
    state.baseline[:] = spec.arith.encode_reward(np.full(len(state.baseline), baseline))
    state.has_baseline[:] = True
    before = [w.copy() for w in state.weights]
    n = len(state.baseline)
    learn(spec, state, spec.arith.encode_reward(np.full(n, reward)), np.ones(n, bool), np.zeros(n, bool))
    return [w - b for w, b in zip(state.weights, before)]


STEP_SIZE = {"sign": lambda delta: 1.0, "relevance": abs, "capped": lambda delta: min(1.0, 4 * abs(delta))}


@pytest.mark.parametrize("step", ["sign", "relevance", "capped"])
def test_the_sign_steps_move_every_synapse_by_eta_times_the_sign_of_delta_e(step):
    """sign: η·sign(δ·e); relevance: η·|δ|·sign(δ·e); capped: η·min(1, |δ|/θ)·sign(δ·e) with θ = 1/4 (the
    default cap_shift 2); δ = (R − R̄)/|R|; nothing where e = 0."""
    spec = spec_of(dataclasses.replace(SIGN, step=step), lr=0.01)
    state = init_agents(spec, [5])
    g = np.random.default_rng(1)
    traces = [g.normal(size=w.shape) * (g.random(w.shape) > 0.3) for w in state.weights]  # some zero
    for reward, delta in ((10.0, 0.5), (4.0, -0.25), (5.5, 0.5 / 5.5)):  # R̄ = 5; δ < 0: the other way
        size = 0.01 * STEP_SIZE[step](delta)  # capped: 1, 1, then 4·0.0909 = 0.364 below θ
        for change, e in zip(_event(spec, state, traces, reward=reward, baseline=5.0), traces):
            np.testing.assert_allclose(change, size * np.sign(delta) * np.sign(e), rtol=1e-12)


@pytest.mark.parametrize("blocks,size", [({"step": "sign"}, 1.0), ({"step": "relevance"}, 0.5),
                                         ({"step": "capped", "cap_shift": 1}, 1.0),
                                         ({"step": "capped", "cap_shift": 0}, 0.5)])
def test_the_fixed_point_sign_steps_are_eta_in_weight_lsbs_rounded_stochastically(blocks, size):
    """The step (η, η·|δ| with δ = 0.5, or η·min(1, |δ|/θ) with θ = 1/2 and 1) in weight LSBs, 1.28 or
    0.64 in Q.7: its floor or its ceiling, unbiased."""
    spec = spec_of(dataclasses.replace(SIGN, **blocks), precision="fixed", lr=0.01)
    state = init_agents(spec, list(range(200)))
    traces = [np.where(np.arange(w.size).reshape(w.shape) % 2, 1000, -1000).astype(np.int64) for w in state.weights]
    changes = _event(spec, state, traces)
    lsbs = 0.01 * size * 2 ** spec.fixed_format.weight_frac_bits
    for change, e in zip(changes, traces):
        magnitude = np.abs(change)
        assert set(np.unique(magnitude)) <= {np.floor(lsbs), np.ceil(lsbs)}
        np.testing.assert_array_equal(np.sign(change)[magnitude > 0], np.sign(e)[magnitude > 0])
        assert abs(magnitude.mean() - lsbs) < 0.05  # unbiased


def test_the_adam_step_is_adams_update_of_s_l_delta_e_at_each_synapse():
    """step="adam": g = s_l·δ·e; m ← 0.9 m + 0.1 g, v ← 0.999 v + 0.001 g²; W += η·(m/(1 − 0.9^t))/(√(v/(1 −
    0.999^t)) + 10⁻⁸) at the t-th reward event, every synapse (one with e = 0 too: its moments carry on),
    computed here in numpy over three events of different δ and traces."""
    spec = spec_of(dataclasses.replace(SIGN, step="adam", gain="n_post"), lr=0.01)
    state = init_agents(spec, [5])
    assert [m.shape for m in state.moments] == [(1, 2) + w.shape[1:] for w in state.weights]
    g = np.random.default_rng(2)
    expected = [w.copy() for w in state.weights]
    m, v = [np.zeros_like(w) for w in expected], [np.zeros_like(w) for w in expected]
    for t, (reward, delta) in enumerate(((10.0, 0.5), (4.0, -0.25), (5.5, 0.5 / 5.5)), start=1):
        traces = [g.normal(size=w.shape) * (g.random(w.shape) > 0.3) for w in state.weights]
        _event(spec, state, traces, reward=reward, baseline=5.0)
        for l, (e, n_post) in enumerate(zip(traces, SIZES[1:])):
            grad = n_post * delta * e
            m[l] = 0.9 * m[l] + 0.1 * grad
            v[l] = 0.999 * v[l] + 0.001 * grad**2
            expected[l] += 0.01 * (m[l] / (1 - 0.9**t)) / (np.sqrt(v[l] / (1 - 0.999**t)) + 1e-8)
            np.testing.assert_allclose(state.weights[l], expected[l], rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(state.moments[l][0], np.stack([m[l][0], v[l][0]]), rtol=1e-12, atol=1e-300)
    assert [m.shape for m in init_agents(spec_of(SIGN), [5, 6]).moments] == [(2, 2, 0, 0)] * 2  # none kept


def test_the_adam_step_runs_in_the_engine_and_in_float_only():
    from lava_nrl.engine import TrainConfig, train
    from lava_nrl.errors import ConfigError
    from lava_nrl.kernels.rules import lava_rule

    rule = get_rule("nrl-fast:step=adam")
    assert rule.engine_only.startswith("the Adam-style step keeps two moments per synapse") and not rule.fixed_point
    with pytest.raises(ConfigError, match="has no fixed-point flavour"):
        TrainConfig(rule="nrl-fast:step=adam", precision="fixed")
    with pytest.raises(ConfigError, match="has no fixed-point flavour: the Adam-style step"):
        spec_of(rule, precision="fixed")
    with pytest.raises(ConfigError, match="runs only in the engine, not on Lava: the Adam-style step"):
        lava_rule("nrl-fast:step=adam")
    result = train(TrainConfig(rule="nrl-fast:step=adam", episodes=4, seeds=(1, 2), hidden=8))
    assert len(result.returns[0]) == 4 and np.isfinite(result.weights[1][0]).all()


@pytest.mark.parametrize("blocks", [dict(passes=2, antithetic=True), dict(passes=4, antithetic=True), dict(passes=3)])
def test_noisy_passes_average_their_estimates_and_an_antithetic_pair_takes_rho_from_the_pair(blocks):
    """With M passes, one step adds to the hidden layer's trace the mean over the P estimates of ρ_q·ξ_q/‖ξ_q‖²
    ⊗ s, ξ_q being elements q·N … (q + 1)·N − 1 of the step's noise draw (N noisy units) and ρ_q = log π̃(a;
    ξ_q) − log π(a), or, for an antithetic pair, (log π̃(a; ξ_q) − log π̃(a; −ξ_q))/2 (no clean pass); the
    action and the exact output's trace are those of one pass. Computed here in numpy."""
    from lava_nrl.kernels.layer import noise

    spec, one = spec_of(dataclasses.replace(get_rule("nrl-fast"), **blocks)), spec_of(get_rule("nrl-fast"))
    obs = np.random.default_rng(3).normal(size=(2, 4))
    state, single = init_agents(spec, [1, 2]), init_agents(one, [1, 2])
    actions = act(spec, state, obs)
    np.testing.assert_array_equal(actions, act(one, single, obs))
    np.testing.assert_array_equal(state.traces[1], single.traces[1])
    n, estimates = sum(SIZES[1:]), blocks["passes"] // (2 if blocks.get("antithetic") else 1)
    draws = noise(spec.arith, state.noise_key, np.zeros(2, np.uint64), 0, n * blocks["passes"], spec.sigma)

    def log_pi(w0, w1, s, xi):
        hidden = w0 @ s + xi[:16]
        logits = w1 @ np.where(hidden >= 0, hidden, 0.1 * hidden) + xi[16:]
        return logits - logits.max() - np.log(np.exp(logits - logits.max()).sum())

    for b in range(2):
        w0, w1 = init_agents(spec, [1, 2]).weights[0][b], init_agents(spec, [1, 2]).weights[1][b]
        expected = np.zeros((16, 4))
        for q in range(estimates):
            xi = draws[b, q * n : (q + 1) * n]
            if blocks.get("antithetic"):
                rho = (log_pi(w0, w1, obs[b], xi)[actions[b]] - log_pi(w0, w1, obs[b], -xi)[actions[b]]) / 2
            else:
                rho = log_pi(w0, w1, obs[b], xi)[actions[b]] - log_pi(w0, w1, obs[b], np.zeros(n))[actions[b]]
            expected += np.outer(rho / estimates * xi[:16] / (xi @ xi), obs[b])
        np.testing.assert_allclose(state.traces[0][b], expected, rtol=1e-9, atol=1e-15)


def test_several_noisy_passes_run_in_the_engine_and_in_float_only():
    from lava_nrl.engine import TrainConfig, train
    from lava_nrl.errors import ConfigError
    from lava_nrl.kernels.rules import lava_rule

    rule = get_rule("nrl-fast:passes=2,antithetic=true")
    assert (rule.passes, rule.antithetic) == (2, True) and rule.engine_only.startswith("several noisy passes")
    for bad, says in (("nrl-fast:passes=3,antithetic=true", "true needs an even number of passes"),
                      ("nrl-fast:passes=0", "passes must be an integer in 1–64"),
                      ("nrl-fast:antithetic=yes", "antithetic must be true or false"),
                      ("srl:passes=2", "several noisy passes are an option of the nrl trace")):
        with pytest.raises(ConfigError, match=says):
            get_rule(bad)
    with pytest.raises(ConfigError, match="has no fixed-point flavour"):
        TrainConfig(rule="nrl-fast:passes=2", precision="fixed")
    with pytest.raises(ConfigError, match="runs only in the engine, not on Lava: several noisy passes"):
        lava_rule("nrl-fast:passes=2")
    with pytest.raises(ConfigError, match="needs γ_e = 1"):
        AgentSpec(sizes=SIZES, rule=get_rule("nrl-fast:passes=2"), modulation=Modulation(trace_decay=0.9), lr=0.01,
                  sigma=1e-2)
    result = train(TrainConfig(rule="nrl-fast:passes=4,antithetic=true", episodes=4, seeds=(1,), hidden=8))
    assert len(result.returns[0]) == 4 and np.isfinite(result.weights[0][0]).all()


def test_a_fixed_point_sign_step_needs_eta_at_least_as_fine_as_a_weight():
    from lava_nrl.numerics import FixedFormat

    narrow = FixedFormat(lr_frac_bits=8, trace_bits=32, trace_frac_bits=24, weight_bits=32, weight_frac_bits=30)
    with pytest.raises(Exception, match="sign step needs lr_frac_bits ≥ weight_frac_bits"):
        AgentSpec(sizes=SIZES, rule=SIGN, modulation=Modulation(), lr=0.01, sigma=1e-2, precision="fixed",
                  fixed_format=narrow)


def test_round_to_nearest_cuts_each_update_to_the_nearest_weight_lsb():
    """FixedFormat(rounding="nearest"): W + round(η·δ·e in weight LSBs), the same at every agent; the
    default rounds stochastically (unbiased, different agents differently). In the paper's format: Q.16
    traces into Q.12 weights."""
    import dataclasses

    from lava_nrl.numerics import FixedFormat

    plain = Rule("plain", trace="nrl")

    def spec(rounding):
        return AgentSpec(sizes=SIZES, rule=plain, modulation=Modulation(), lr=0.01, sigma=1e-2, precision="fixed",
                         fixed_format=dataclasses.replace(FixedFormat.paper(), rounding=rounding))

    nearest = spec("nearest")
    state = init_agents(nearest, list(range(50)))
    traces = [np.full(w.shape, 3 << 16, np.int64) for w in state.weights]  # e = 3.0
    changes = _event(nearest, state, traces)  # δ = 0.5: η·δ·e = 0.015 = 61.44 weight LSBs
    for change in changes:
        assert (change == 61).all()
    stochastic = spec("stochastic")
    state = init_agents(stochastic, list(range(50)))
    changes = _event(stochastic, state, traces)
    assert set(np.unique(changes[0])) == {61, 62} and abs(changes[0].mean() - 61.44) < 0.05
    with pytest.raises(Exception, match="rounding must be 'stochastic' or 'nearest'"):
        FixedFormat(rounding="up")


def test_a_rule_name_may_set_its_building_blocks_for_an_ablation():
    """``nrl-fast:step=plain`` is nrl-fast with the plain step, under that name and at nrl-fast's η; a
    config and its run take it as they take a registered name; a wrong block is a one-line error."""
    from lava_nrl.engine import TrainConfig, train
    from lava_nrl.errors import ConfigError

    variant = get_rule("nrl-fast:output_post=noise,step=plain")
    assert variant == dataclasses.replace(get_rule("nrl-fast"), name="nrl-fast:output_post=noise,step=plain",
                                          output_post="noise", step="plain")
    assert [l.post for l in spec_of(variant).layers] == [POST_NRL, POST_NRL]
    config = TrainConfig(rule="nrl-fast:step=plain", episodes=3, seeds=(1,), hidden=8)
    assert config.lr == get_rule("nrl-fast").stable_lr
    plain, sign = (train(dataclasses.replace(config, rule=r)) for r in ("nrl-fast:step=plain", "nrl-fast"))
    assert plain.returns[0][0] == sign.returns[0][0]  # the same first episode: weights change at its end
    assert not np.array_equal(plain.weights[0][0], sign.weights[0][0])
    assert get_rule("nrl-fast:step=capped,cap_shift=3").cap_shift == 3
    for bad, says in (("nrl-fast:step=momentum", "step must be one of plain, sign"),
                      ("nrl-fast:stpe=plain", "give each of gain, output_post, step, immediate_step, cap_shift, passes, "
                                              "antithetic at most"),
                      ("nrl-fast:immediate_step=adam", "immediate_step must be empty .* or one of plain, sign"),
                      ("nrl-fast:step=capped,cap_shift=x", "cap_shift must be an integer in 0–16"),
                      ("nrl-fast:cap_shift=17", "cap_shift must be an integer in 0–16"),
                      ("nrl-fats", "unknown rule 'nrl-fats'")):
        with pytest.raises(ConfigError, match=says):
            TrainConfig(rule=bad)


def test_nrl_fast_takes_the_sign_step_on_episodic_rewards_and_the_plain_step_on_per_step_rewards():
    """The preset's step follows the reward schedule (the modulation's ``reward_every_step``): sign on
    CartPole's one event per episode, plain on Reaching's event at every step, on every layer; a name
    sets either; a config hash covers the blocks, so a cell of a preset whose blocks changed is not
    taken for the new one's."""
    from lava_nrl.engine import TrainConfig
    from lava_nrl.kernels import rules
    from lava_nrl.runs import config_hash

    episodic, immediate = (TrainConfig(rule="nrl-fast", env=env).modulation
                           for env in ("CartPole-v1", "env_bridge/Reaching1D-v0"))
    assert not episodic.reward_every_step and immediate.reward_every_step
    for name, on_episodes, on_steps in (("nrl-fast", STEP_SIGN, STEP_PLAIN),
                                        ("nrl-fast:immediate_step=sign", STEP_SIGN, STEP_SIGN),
                                        ("nrl-fast:step=plain", STEP_PLAIN, STEP_PLAIN),
                                        ("nrl-b", STEP_PLAIN, STEP_PLAIN)):
        for modulation, step in ((episodic, on_episodes), (immediate, on_steps)):
            layers = layer_rules(get_rule(name), modulation, (2, 8, 8, 2))
            assert [l.step for l in layers] == [step] * 3, (name, modulation)
    reaching = TrainConfig(rule="nrl-fast", env="env_bridge/Reaching1D-v0", episodes=3, seeds=(1,))
    before = config_hash(reaching)
    redefined = dataclasses.replace(rules.RULES["nrl-fast"], immediate_step="")
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(rules.RULES, "nrl-fast", redefined)
        assert config_hash(reaching) != before
    assert config_hash(reaching) == before
