# SPDX-License-Identifier: BSD-3-Clause
"""Eligibility traces (eqs. 5–6): e_l ← γ_e · e_l + post_l ⊗ pre_l.

The rule decides the post-synaptic factor:

- NRL:  post_l = ρ_t · ξ_l / ‖ξ‖²  (= ρ_t ξ̄_l; ‖ξ‖² over all layers, or over layer l alone)
- RMHL: post_l = ξ_l               (raw noise, no ρ, no normalisation)
- BP:   post_l = ∂ log π(a_t) / ∂a_l  (backpropagated; float only)

and the pre-synaptic factor is the noisy activity x̃_{l−1} or the clean x_{l−1}.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.extending import register_jitable

from lava_nrl.numerics import FloatArith
from lava_nrl.numerics import arith as ar

__all__ = ["nrl_post_factor", "output_grad", "bp_post_factors", "trace_update", "nrl_post_row", "output_grad_row",
           "bp_post_row", "trace_row"]


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
        for j in range(w.shape[1]):
            acc = w[0, j] * post[above]
            for i in range(1, w.shape[0]):
                acc += w[i, j] * post[above + i]
            g, c = ar.to_message(k, acc)
            post[here + j] = ar.leaky_relu_grad(k, g, a[here + j])
            clipped += c
    sat[ar.MESSAGE] += clipped


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


def trace_update(arith, e: np.ndarray, decay: float, post: np.ndarray, pre: np.ndarray) -> np.ndarray:
    """e ← γ_e e + post ⊗ pre, for e (B, n_post, n_pre); updates ``e`` in place and returns it."""
    _trace_update(arith.constants(decay=decay), arith.counts, e, np.ascontiguousarray(post, dtype=arith.dtype),
                  np.ascontiguousarray(pre, dtype=arith.dtype))
    return e
