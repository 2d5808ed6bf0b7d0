# SPDX-License-Identifier: BSD-3-Clause
"""Weight update at a reward event (eq. 9): W_l ← W_l + η · [N_l] · δ · e_l.

N_l (the number of post-synaptic units, variant B) is 1 for variant A. In fixed point the product is
cut to the weight's LSB by stochastic rounding, from the layer's rounding stream indexed by synapse
and drawn at the update's counter.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.extending import register_jitable

from lava_nrl.numerics import arith as ar
from lava_nrl.numerics import rng

__all__ = ["weight_update", "update_row", "sign_update_row", "adam_update_row", "update_is_finite"]


@register_jitable
def update_is_finite(k, w, e, gain):
    """Whether W + gain·e stays finite for one agent's layer (always, in fixed point)."""
    non_finite = 0  # counted, not returned at the first: a loop without an exit is vectorised
    for i in range(w.shape[0]):
        for j in range(w.shape[1]):
            non_finite += not ar.is_finite(k, ar.weight_step(k, w[i, j], gain, e[i, j], np.uint64(0))[0])
    return non_finite == 0


@register_jitable
def update_row(k, sat, w, e, gain, key, counter):
    """W ← W + gain·e for one agent's layer, in place; synapse (i, j) rounds with draw ``counter``
    of element i·n_pre + j of the stream ``key``."""
    n_pre, draw, clipped = w.shape[1], rng.draw_key(key, counter), 0
    for i in range(w.shape[0]):
        for j in range(n_pre):
            random = rng.element_u32(draw, i * n_pre + j) if ar.rounds_stochastically(k) else np.uint64(0)
            w[i, j], c = ar.weight_step(k, w[i, j], gain, e[i, j], random)
            clipped += c
    sat[ar.WEIGHT] += clipped


@register_jitable
def sign_update_row(k, sat, w, e, step, delta, key, counter):
    """W ← W + step·sign(δ·e) for one agent's layer (``step`` = η·s_l), in place: the same step at
    every synapse whose trace is not zero; rounds as :func:`update_row`."""
    direction = (delta > 0) - (delta < 0)
    if direction == 0:
        return
    n_pre, draw, clipped = w.shape[1], rng.draw_key(key, counter), 0
    for i in range(w.shape[0]):
        for j in range(n_pre):
            if e[i, j] != 0:
                random = rng.element_u32(draw, i * n_pre + j) if ar.rounds_stochastically(k) else np.uint64(0)
                w[i, j], c = ar.sign_step(k, w[i, j], step, direction * ((e[i, j] > 0) - (e[i, j] < 0)), random)
                clipped += c
    sat[ar.WEIGHT] += clipped


@register_jitable
def adam_update_row(k, w, e, scale, moments, counter):
    """W ← W + η·m̂/(√v̂ + ε) per synapse (Adam, float) for one agent's layer at its reward event
    ``counter`` + 1, in place, from g = ``scale``·e (scale = s_l·δ); ``moments`` (2, n_post, n_pre) holds
    each synapse's m and v, updated in place."""
    t = np.float64(counter) + 1.0
    c1, c2 = 1.0 - ar.ADAM_BETA1**t, 1.0 - ar.ADAM_BETA2**t
    m, v = moments[0], moments[1]
    for i in range(w.shape[0]):
        for j in range(w.shape[1]):
            w[i, j], m[i, j], v[i, j] = ar.adam_step(k, w[i, j], m[i, j], v[i, j], scale * e[i, j], c1, c2)


@njit(cache=True)
def _weight_update(k, sat, w, e, n_post, delta, key, counter):
    for b in range(w.shape[0]):
        update_row(k, sat, w[b], e[b], ar.gain(k, n_post, delta[b]), key[b], counter[b])


def weight_update(arith, weights: np.ndarray, trace: np.ndarray, lr: float, n_post: int,
                  delta: np.ndarray, key: np.ndarray, counter: np.ndarray) -> np.ndarray:
    """W + η·n_post·δ·e for weights and trace (B, n_post, n_pre), δ, key and counter (B,)."""
    out = np.array(weights, dtype=arith.dtype, order="C")
    n = len(out)
    key = np.zeros(n, np.uint32) if key is None else np.asarray(key, dtype=np.uint32).reshape(-1)
    counter = np.zeros(n, np.uint64) if counter is None else np.asarray(counter, dtype=np.uint64).reshape(-1)
    _weight_update(arith.constants(lr=lr), arith.counts, out, np.ascontiguousarray(trace, dtype=arith.dtype),
                   n_post, np.asarray(delta, dtype=arith.dtype).reshape(-1), key, counter)
    return out
