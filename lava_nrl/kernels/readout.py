# SPDX-License-Identifier: BSD-3-Clause
"""Policy readout: softmax policy, action sampling and the perturbation impact ρ (eqs. 3–4).

    log π = log_softmax(a_L)     log π̃ = log_softmax(ã_L)      (max-subtracted: never NaN)
    a_t ~ π  (NRL, BP)  or  a_t ~ π̃  (RMHL: the noisy network acts)
    ρ_t = log π̃(a_t) − log π(a_t)

Sampling is by inverse CDF: a_t is the first action whose cumulative probability exceeds u,
u uniform in [0, 1) from one 32-bit draw of the readout's stream.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.extending import register_jitable

from lava_nrl.numerics import arith as ar

__all__ = ["policy_readout", "readout_row"]


@register_jitable
def readout_row(k, logits, logits_noisy, random, act_noisy, logp, logp_noisy):
    """One agent: log π and log π̃ into ``logp``, ``logp_noisy``; returns (action, ρ)."""
    ar.log_softmax(k, logits, logp)
    ar.log_softmax(k, logits_noisy, logp_noisy)
    acting = logp_noisy if act_noisy else logp
    u = ar.uniform(k, random)
    action = logits.shape[0] - 1
    cdf = ar.prob(k, acting[0])
    for i in range(logits.shape[0] - 1):
        if cdf > u:
            action = i
            break
        cdf += ar.prob(k, acting[i + 1])
    return action, logp_noisy[action] - logp[action]


@njit(cache=True)
def _policy_readout(k, logits, logits_noisy, random, act_noisy, action, rho, logp, logp_noisy):
    for b in range(logits.shape[0]):
        action[b], rho[b] = readout_row(k, logits[b], logits_noisy[b], random[b], act_noisy, logp[b],
                                        logp_noisy[b])


def policy_readout(arith, logits: np.ndarray, logits_noisy: np.ndarray, u32: np.ndarray, act_noisy: bool):
    """Returns (action (B,) int64, ρ (B,), log π (B, n), log π̃ (B, n))."""
    logits = np.ascontiguousarray(logits, dtype=arith.dtype)
    logp, logp_noisy = np.empty_like(logits), np.empty_like(logits)
    action, rho = np.empty(len(logits), np.int64), np.empty(len(logits), arith.dtype)
    _policy_readout(arith.constants(), logits, np.ascontiguousarray(logits_noisy, dtype=arith.dtype),
                    np.asarray(u32, dtype=np.uint64).reshape(-1), act_noisy, action, rho, logp, logp_noisy)
    return action, rho, logp, logp_noisy
