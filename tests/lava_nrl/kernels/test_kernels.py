# SPDX-License-Identifier: BSD-3-Clause
"""Layer 2: the kernels — golden values, float ≡ fixed within quantisation, and NRL ≈ BP in expectation."""

import numpy as np
import pytest

from lava_nrl import kernels
from lava_nrl.errors import ConfigError
from lava_nrl.kernels.layer import LEAKY_SLOPE
from lava_nrl.numerics import FixedArith, FixedFormat, FloatArith, rng

FLOAT, FIXED = FloatArith(), FixedArith()


def _network(batch, sizes=(4, 16, 3), seed=0):
    weights = [np.repeat(w[None], batch, axis=0) for w in kernels.xavier_normal(list(sizes), seed)]
    s = np.repeat(np.random.default_rng(seed + 1).normal(size=(1, sizes[0])), batch, axis=0)
    return weights, s


def _log_softmax(z):
    """log π of logits z (B, n), from the readout kernel."""
    return kernels.policy_readout(FLOAT, z, z, np.zeros(len(z), dtype=np.uint32), False)[2]


def test_golden_forward_readout_trace_update():
    w = [np.array([[[1.0, -2.0]]]), np.array([[[0.5], [-1.0]]])]  # 2 → 1 → 2
    s = np.array([[1.0, 1.0]])
    xis = [np.array([[0.1]]), np.array([[0.0, 0.2]])]
    act = kernels.network_forward(FLOAT, w, s, xis, LEAKY_SLOPE)
    # a1 = −1 → x1 = −0.1; ã1 = −0.9 → x̃1 = −0.09; logits (−0.05, 0.1); noisy (−0.045, 0.29)
    np.testing.assert_allclose(act.x[1], [[-0.1]])
    np.testing.assert_allclose(act.x_noisy[1], [[-0.09]])
    np.testing.assert_allclose(act.a[-1], [[-0.05, 0.1]])
    np.testing.assert_allclose(act.a_noisy[-1], [[-0.045, 0.29]])
    action, rho, logp, logp_noisy = kernels.policy_readout(FLOAT, act.a[-1], act.a_noisy[-1],
                                                            np.array([0], dtype=np.uint32), False)
    assert action[0] == 0  # u = 0 picks the first action
    expected_rho = (-0.045 - np.logaddexp(-0.045, 0.29)) - (-0.05 - np.logaddexp(-0.05, 0.1))
    np.testing.assert_allclose(rho, [expected_rho])
    xi_sq = kernels.sum_sq(xis[0]) + kernels.sum_sq(xis[1])  # 0.05
    post = kernels.nrl_post_factor(FLOAT, rho, xis[1], xi_sq)
    np.testing.assert_allclose(post, [[0.0, expected_rho * 0.2 / 0.05]])
    e = kernels.trace_update(FLOAT, np.zeros((1, 2, 1)), 1.0, post, act.x_noisy[1])
    np.testing.assert_allclose(e[0, :, 0], [0.0, expected_rho * 4.0 * -0.09])
    w_new = kernels.weight_update(FLOAT, w[1], e, 0.5, 2, np.array([0.25]), None, None)
    np.testing.assert_allclose(w_new - w[1], 0.5 * 2 * 0.25 * e)


def test_rpe_starts_at_zero_and_baseline_moves_by_lambda():
    has = np.array([False])
    assert kernels.rpe(FLOAT, np.array([20.0]), np.array([0.0]), has, True)[0] == 0.0
    baseline = kernels.update_baseline(FLOAT, np.array([20.0]), np.array([0.0]), has, 0.66)
    np.testing.assert_allclose(baseline, [20.0])
    delta = kernels.rpe(FLOAT, np.array([30.0]), baseline, ~has, True)
    np.testing.assert_allclose(delta, [(30 - 20) / 30])
    np.testing.assert_allclose(kernels.update_baseline(FLOAT, np.array([30.0]), baseline, ~has, 0.66), [26.6])
    np.testing.assert_allclose(kernels.rpe(FLOAT, np.array([30.0]), baseline, ~has, False), [10.0])


def test_fixed_kernels_match_float_within_quantisation():
    batch = 64
    weights, s = _network(batch)
    keys = np.array([rng.derive_key(i, rng.NOISE) for i in range(batch)])
    step = np.zeros(batch, dtype=np.uint64)
    sigma = 1e-2
    xis_q = np.split(kernels.noise(FIXED, keys, step, 0, 19, sigma), [16], axis=1)
    xis_f = [FIXED.decode(x) for x in xis_q]  # the same noise in both flavours
    wq = [FIXED.encode_weights(w) for w in weights]
    wf = [FIXED.decode_weights(w) for w in wq]
    act_f = kernels.network_forward(FLOAT, wf, FIXED.decode(FIXED.encode(s)), xis_f)
    act_q = kernels.network_forward(FIXED, wq, FIXED.encode(s), xis_q)
    lsb = 2.0**-FIXED.F
    for got, want in zip(act_q.a + act_q.a_noisy, act_f.a + act_f.a_noisy):
        np.testing.assert_allclose(FIXED.decode(got), want, atol=4 * lsb)
    u32 = rng.random_u32(7, np.arange(batch), 0)
    a_f, rho_f, logp_f, _ = kernels.policy_readout(FLOAT, act_f.a[-1], act_f.a_noisy[-1], u32, False)
    a_q, rho_q, logp_q, _ = kernels.policy_readout(FIXED, act_q.a[-1], act_q.a_noisy[-1], u32, False)
    np.testing.assert_allclose(FIXED.decode(logp_q), logp_f, atol=6 * lsb)
    np.testing.assert_allclose(FIXED.decode(rho_q), rho_f, atol=12 * lsb)
    assert (a_f == a_q).mean() > 0.95  # they differ only where u falls within an LSB of a CDF step
    # trace: ρ ξ/‖ξ‖² ⊗ x̃ within the rounding of ρ (relative) and one trace LSB
    sq_q = kernels.sum_sq(xis_q[0]) + kernels.sum_sq(xis_q[1])
    sq_f = kernels.sum_sq(xis_f[0]) + kernels.sum_sq(xis_f[1])
    post_q = kernels.nrl_post_factor(FIXED, rho_q, xis_q[1], sq_q)
    post_f = kernels.nrl_post_factor(FLOAT, FIXED.decode(rho_q), xis_f[1], sq_f)
    np.testing.assert_allclose(FIXED.decode(post_q), post_f, atol=lsb)


def test_nrl_update_is_reinforce_in_expectation():
    """E[ρ ξ_l ⊗ x̃ / ‖ξ‖²] = ∂ log π(a)/∂W_l / N to first order in σ (nrl-algorithm.md, "Why it works").

    8,192 noise samples of one network state; the estimate's direction must match the gradient's
    (cosine > 0.97) and its size must match within 10 % after multiplying by N = 19 noisy units."""
    batch, sizes = 8192, (4, 16, 3)
    weights, s = _network(batch, sizes)
    clean = kernels.network_forward(FLOAT, weights, s, [np.zeros((batch, n)) for n in sizes[1:]])
    action = np.zeros(batch, dtype=np.int64)  # condition on one action
    grads = kernels.bp_post_factors(weights, clean.a, _log_softmax(clean.a[-1]), action, LEAKY_SLOPE)
    keys = np.array([rng.derive_key(i, rng.NOISE) for i in range(batch)])
    xis = np.split(kernels.noise(FLOAT, keys, np.zeros(batch, dtype=np.uint64), 0, 19, 1e-3), [16], axis=1)
    noisy = kernels.network_forward(FLOAT, weights, s, xis)
    logp, logp_noisy = _log_softmax(noisy.a[-1]), _log_softmax(noisy.a_noisy[-1])
    rho = logp_noisy[:, 0] - logp[:, 0]
    xi_sq = kernels.sum_sq(xis[0]) + kernels.sum_sq(xis[1])
    n_units = sum(sizes[1:])
    for l in range(2):
        post = kernels.nrl_post_factor(FLOAT, rho, xis[l], xi_sq)
        estimate = n_units * np.einsum("bi,bj->ij", post, noisy.x_noisy[l]) / batch
        exact = np.outer(grads[l][0], clean.x[l][0])
        cosine = (estimate * exact).sum() / np.linalg.norm(estimate) / np.linalg.norm(exact)
        assert cosine > 0.97, (l, cosine)
        assert abs(np.linalg.norm(estimate) / np.linalg.norm(exact) - 1) < 0.10


def test_fixed_stochastic_update_is_unbiased():
    paper = FixedArith(FixedFormat.paper())  # a Q.16 trace into Q.12 weights
    e = np.full((4000, 2, 3), 123_457, dtype=np.int64)  # a trace of ≈1.884 (Q.16)
    w = np.zeros((4000, 2, 3), dtype=np.int64)
    delta = np.full(4000, paper.encode(0.37))
    keys = np.array([rng.derive_key(i, rng.ROUNDING, 0) for i in range(4000)], dtype=np.uint32)
    w_new = kernels.weight_update(paper, w, e, 1e-3, 1, delta, keys, np.zeros(4000, dtype=np.uint64))
    step = paper.decode_weights(w_new).mean()
    expected = 1e-3 * 0.37 * 123_457 / 2**16
    lsb = 2.0**-paper.fmt.weight_frac_bits
    assert abs(step - expected) < 0.02 * lsb + 1e-3 * expected


def test_unknown_rule_lists_the_valid_ones():
    with pytest.raises(ConfigError, match="nrl, nrl-b, rmhl, bp"):
        kernels.get_rule("hebb")
