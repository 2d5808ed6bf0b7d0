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

__all__ = ["policy_readout"]


def policy_readout(arith, logits: np.ndarray, logits_noisy: np.ndarray, u32: np.ndarray, act_noisy: bool):
    """Returns (action (B,) int64, ρ (B,), log π (B, n), log π̃ (B, n))."""
    logp = arith.log_softmax(logits)
    logp_noisy = arith.log_softmax(logits_noisy)
    cdf = np.cumsum(arith.probs(logp_noisy if act_noisy else logp), axis=-1)
    u = arith.uniform(u32)
    action = np.minimum((cdf <= u[:, None]).sum(axis=-1), logits.shape[-1] - 1)
    rows = np.arange(len(action))
    rho = logp_noisy[rows, action] - logp[rows, action]
    return action, rho, logp, logp_noisy
