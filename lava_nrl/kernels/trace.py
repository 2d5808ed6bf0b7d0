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

__all__ = ["nrl_post_factor", "bp_post_factors", "trace_update"]


def nrl_post_factor(arith, rho: np.ndarray, xi: np.ndarray, xi_sq: np.ndarray) -> np.ndarray:
    """ρ ξ / ‖ξ‖² for ρ (B,), ξ (B, n), ‖ξ‖² (B,)."""
    return arith.mul_div(rho[:, None], xi, xi_sq[:, None])


def bp_post_factors(weights: list, pre_acts: list, logp: np.ndarray, action: np.ndarray, slope: float) -> list:
    """∂ log π(a_t)/∂a_l for every layer (float): g_L = onehot(a_t) − π, g_l = (W_{l+1}ᵀ g_{l+1}) ⊙ f′(a_l)."""
    g = -np.exp(logp)
    g[np.arange(len(action)), action] += 1.0
    grads = [g]
    for w, a in zip(weights[:0:-1], pre_acts[-2::-1]):
        g = np.einsum("aij,ai->aj", w, g) * np.where(a >= 0, 1.0, slope)
        grads.append(g)
    return grads[::-1]


def trace_update(arith, e: np.ndarray, decay: float, post: np.ndarray, pre: np.ndarray) -> np.ndarray:
    """e ← γ_e e + post ⊗ pre, for e (B, n_post, n_pre); updates ``e`` in place and returns it."""
    return arith.trace_add(e, decay, post, pre)
