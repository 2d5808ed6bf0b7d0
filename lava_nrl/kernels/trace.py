# SPDX-License-Identifier: BSD-3-Clause
"""Eligibility traces (eqs. 5–6): e_l ← γ_e · e_l + post_l ⊗ pre_l.

The rule decides the post-synaptic factor:

- NRL:  post_l = ρ_t · ξ_l / ‖ξ‖²  (= ρ_t ξ̄_l; ‖ξ‖² over all layers, or over layer l alone)
- RMHL: post_l = ξ_l               (raw noise, no ρ, no normalisation)
- BP:   post_l = ∂ log π(a_t) / ∂a_l  (backpropagated; float only)
- SRL:  post_l = s_l, a ternary sign {−1, 0, +1} carried top-down (Sign and Relevance Learning):
        s_L = sgn(1[a_t = k] − π_k) at the output, s_l = sgn(W_{l+1}ᵀ s_{l+1}) below; or, for the
        comparison srl-bp, s_l = sgn(∂ log π(a_t) / ∂a_l) (the exact backprop error's sign)

and the pre-synaptic factor is the noisy activity x̃_{l−1} or the clean x_{l−1}.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.extending import register_jitable

from lava_nrl.numerics import FloatArith
from lava_nrl.numerics import arith as ar

__all__ = ["nrl_post_factor", "output_grad", "bp_post_factors", "signs", "trace_update", "nrl_post_row",
           "output_grad_row", "bp_post_row", "sign_row", "sign_back_row", "srl_post_row", "trace_row"]


@register_jitable
def nrl_post_row(k, sat, rho, xi, xi_sq, post):
    """post = ρ ξ / ‖ξ‖² for one agent."""
    clipped = 0
    for i in range(xi.shape[0]):
        post[i], c = ar.mul_div(k, rho, xi[i], xi_sq)
        clipped += c
    sat[ar.MESSAGE] += clipped


@register_jitable
def output_grad_row(k, logp, action, post):
    """∂ log π(a)/∂z_k = 1[a = k] − π_k at the logits z, into ``post`` (n_actions,): what an output
    neuron computes from its own probability and the action taken."""
    for i in range(logp.shape[0]):
        post[i] = -ar.prob(k, logp[i])
    post[action] += ar.one(k)


@register_jitable
def bp_post_row(k, sat, weights, b, a, first, logp, action, post):
    """∂ log π(a_t)/∂a_l of every layer into ``post`` (flat, layer l from ``first[l]``) for agent b:
    g_L = onehot(a_t) − π, g_l = (W_{l+1}ᵀ g_{l+1}) ⊙ f′(a_l)."""
    n_layers = len(weights)
    output_grad_row(k, logp, action, post[first[n_layers - 1] :])
    clipped = 0
    for l in range(n_layers - 2, -1, -1):
        w = weights[l + 1][b]
        above, here = first[l + 1], first[l]
        acc = transposed_product(w, post[above : above + w.shape[0]])
        for j in range(w.shape[1]):
            g, c = ar.to_message(k, acc[j])
            post[here + j] = ar.leaky_relu_grad(k, g, a[here + j])
            clipped += c
    sat[ar.MESSAGE] += clipped


@register_jitable
def transposed_product(w, g):
    """Wᵀ g for W (n_post × n_pre): acc_j = Σ_i W_ij g_i, each sum over i in order. Row by row, so
    that W is read as it is stored and the n_pre sums proceed side by side (the same additions in the
    same order as a sum per column, many times faster)."""
    acc = np.full(w.shape[1], w[0, 0] * g[0])  # of the products' type
    for j in range(w.shape[1]):
        acc[j] = w[0, j] * g[0]
    for i in range(1, w.shape[0]):
        for j in range(w.shape[1]):
            acc[j] += w[i, j] * g[i]
    return acc


@register_jitable
def sign_row(error, out):
    """out = sgn(error), ternary {−1, 0, +1} (sgn 0 = 0), in ``out``'s type: a sign neuron of SRL's
    top-down pathway. ``out`` may be ``error``."""
    for i in range(error.shape[0]):
        out[i] = (error[i] > 0) - (error[i] < 0)


@register_jitable
def sign_back_row(k, sat, w, s, back):
    """back_j = Σ_i W_ij s_i (i in order) for one agent's layer W (n_post × n_pre) and ternary signs s
    (n_post,) of its post-synaptic units: the sum the layer below's sign neurons take the sign of. In
    fixed point an integer in weight units, saturated to a message's width (which keeps its sign)."""
    clipped = 0
    acc = transposed_product(w, s)
    for j in range(w.shape[1]):
        back[j], c = ar.clip_message(k, acc[j])
        clipped += c
    sat[ar.MESSAGE] += clipped


@register_jitable
def srl_post_row(k, sat, weights, b, a, first, logp, action, from_backprop, post):
    """SRL's ternary signs of every layer into ``post`` (flat, layer l from ``first[l]``) for agent b:
    s_L = sgn(1[a_t = k] − π_k) at the output, then top-down s_l = sgn(W_{l+1}ᵀ s_{l+1}), the sign
    pathway (only signs travel); ``from_backprop`` (srl-bp): s_l = sgn(∂ log π(a_t)/∂a_l), the sign of
    the exact backprop error (graded errors travel: not sign-only). f′ > 0 (LeakyReLU), so it never
    changes a sign. The trace scales a sign to the precision's one (:func:`~.plasticity.trace_step_row`)."""
    n_layers = len(weights)
    if from_backprop:
        bp_post_row(k, sat, weights, b, a, first, logp, action, post)
        sign_row(post, post)
        return
    top = first[n_layers - 1]
    output_grad_row(k, logp, action, post[top:])
    sign_row(post[top:], post[top:])
    for l in range(n_layers - 2, -1, -1):
        here = post[first[l] : first[l + 1]]
        sign_back_row(k, sat, weights[l + 1][b], post[first[l + 1] : first[l + 2]], here)
        sign_row(here, here)


@register_jitable
def trace_row(k, sat, e, post, pre):
    """e ← γ_e e + post ⊗ pre for one agent, in place."""
    clipped = 0
    for i in range(e.shape[0]):
        for j in range(e.shape[1]):
            e[i, j], c = ar.trace_step(k, e[i, j], post[i], pre[j])
            clipped += c
    sat[ar.TRACE] += clipped


@njit(cache=True)
def _nrl_post_factor(k, sat, rho, xi, xi_sq, post):
    for b in range(xi.shape[0]):
        nrl_post_row(k, sat, rho[b], xi[b], xi_sq[b], post[b])


@njit(cache=True)
def _output_grad(k, logp, action, post):
    for b in range(logp.shape[0]):
        output_grad_row(k, logp[b], action[b], post[b])


@njit(cache=True)
def _bp_post_factors(k, sat, weights, a, first, logp, action, post):
    for b in range(a.shape[0]):
        bp_post_row(k, sat, weights, b, a[b], first, logp[b], action[b], post[b])


@njit(cache=True)
def _signs(error, out):
    for b in range(error.shape[0]):
        sign_row(error[b], out[b])


@njit(cache=True)
def _trace_update(k, sat, e, post, pre):
    for b in range(e.shape[0]):
        trace_row(k, sat, e[b], post[b], pre[b])


def nrl_post_factor(arith, rho: np.ndarray, xi: np.ndarray, xi_sq: np.ndarray) -> np.ndarray:
    """ρ ξ / ‖ξ‖² for ρ (B,), ξ (B, n), ‖ξ‖² (B,)."""
    xi = np.ascontiguousarray(xi, dtype=arith.dtype)
    post = np.empty_like(xi)
    _nrl_post_factor(arith.constants(), arith.counts, np.asarray(rho, dtype=arith.dtype).reshape(-1), xi,
                     np.asarray(xi_sq, dtype=arith.dtype).reshape(-1), post)
    return post


def output_grad(arith, logp: np.ndarray, action: np.ndarray) -> np.ndarray:
    """1[a = k] − π_k for log π (B, n) and actions (B,): the exact output eligibility."""
    logp = np.ascontiguousarray(logp, dtype=arith.dtype)
    post = np.empty_like(logp)
    _output_grad(arith.constants(), logp, np.asarray(action, dtype=np.int64).reshape(-1), post)
    return post


def bp_post_factors(weights: list, pre_acts: list, logp: np.ndarray, action: np.ndarray, slope: float) -> list:
    """∂ log π(a_t)/∂a_l for every layer (float): g_L = onehot(a_t) − π, g_l = (W_{l+1}ᵀ g_{l+1}) ⊙ f′(a_l)."""
    arith = FloatArith()
    sizes = [a.shape[1] for a in pre_acts]
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    a = np.ascontiguousarray(np.concatenate(pre_acts, axis=1), dtype=np.float64)
    post = np.empty_like(a)
    _bp_post_factors(arith.constants(slope=slope), arith.counts,
                     tuple(np.ascontiguousarray(w, dtype=np.float64) for w in weights), a, first,
                     np.ascontiguousarray(logp, dtype=np.float64), np.asarray(action, dtype=np.int64), post)
    return np.split(post, np.cumsum(sizes)[:-1], axis=1)


def signs(arith, error: np.ndarray) -> np.ndarray:
    """sgn(error) ∈ {−1, 0, +1} for error (B, n), in the precision's type: SRL's sign neurons."""
    error = np.ascontiguousarray(error, dtype=arith.dtype)
    out = np.empty_like(error)
    _signs(error, out)
    return out


def trace_update(arith, e: np.ndarray, decay: float, post: np.ndarray, pre: np.ndarray) -> np.ndarray:
    """e ← γ_e e + post ⊗ pre, for e (B, n_post, n_pre); updates ``e`` in place and returns it."""
    _trace_update(arith.constants(decay=decay), arith.counts, e, np.ascontiguousarray(post, dtype=arith.dtype),
                  np.ascontiguousarray(pre, dtype=arith.dtype))
    return e
