# SPDX-License-Identifier: BSD-3-Clause
"""Weight update at a reward event (eq. 9): W_l ← W_l + η · [N_l] · δ · e_l.

N_l (the number of post-synaptic units, variant B) is 1 for variant A. In fixed point the product is
cut to the weight's LSB by stochastic rounding, from the layer's rounding stream indexed by synapse
and drawn at the update's counter.
"""

from __future__ import annotations

import numpy as np

__all__ = ["weight_update"]


def weight_update(arith, weights: np.ndarray, trace: np.ndarray, lr: float, n_post: int,
                  delta: np.ndarray, key: np.ndarray, counter: np.ndarray) -> np.ndarray:
    """W + η·n_post·δ·e for weights and trace (B, n_post, n_pre), δ, key and counter (B,)."""
    return arith.weight_update(weights, arith.gain(lr, n_post, delta), trace, key, counter)
