# SPDX-License-Identifier: BSD-3-Clause
"""The integer random generator: one counter-based stream per neuron, seeded from the run's seed.

Draw number ``c`` of neuron ``i`` in the stream ``key`` is ``random_u32(key, c, i)``, a 32-bit hash of
the three (integer multiplies, xors and shifts only). A neuron's whole generator state is therefore its
draw counter, which makes the streams

- identical in every runner (engine, fused and decomposed Lava models) without sharing state,
- independent of how many agents are batched together, and
- trivially checkpointed.

Keys come from :func:`derive_key` (seed, purpose). Noise ξ takes one draw per neuron and step and sums
its four bytes (Irwin–Hall: integers only, mean 510, std 147.8). The result is close to Gaussian but
bounded at ±3.45σ with kurtosis 2.7 instead of 3 — a deliberate trade: Box–Muller's log and cos cost
4× more per draw here, and NRL needs only zero-mean, isotropic noise of known σ (E[ξξᵀ/‖ξ‖²] = I/N).
Float and fixed draw the same sums, so their ξ differ only by the Q.F rounding.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "NOISE", "ACTION", "ROUNDING", "derive_key", "random_u32",
    "gaussian_float", "gaussian_fixed", "IRWIN_HALL_MEAN", "IRWIN_HALL_STD",
]

# Purposes of a stream, mixed into its key.
NOISE, ACTION, ROUNDING = 1, 2, 3

_GOLDEN = np.uint32(0x9E3779B9)
_M1 = np.uint32(0x7FEB352D)
_M2 = np.uint32(0x846CA68B)
_U32 = np.uint64(0xFFFFFFFF)

# Sum of 4 independent uniform bytes: mean 4·255/2, variance 4·(256² − 1)/12.
IRWIN_HALL_MEAN = 510
IRWIN_HALL_STD = float(np.sqrt(4 * (256**2 - 1) / 12))


def _mix32(x: np.ndarray) -> np.ndarray:
    """lowbias32 (C. Wellons): a bijective 32-bit integer hash with good avalanche.

    Its multiplications are modulo 2^32 by definition (numpy wraps uint32 arrays silently)."""
    x = np.array(x, dtype=np.uint32, ndmin=1)
    x ^= x >> np.uint32(16)
    x *= _M1
    x ^= x >> np.uint32(15)
    x *= _M2
    x ^= x >> np.uint32(16)
    return x


def derive_key(seed: int, *tags: int) -> np.uint32:
    """A stream key from a run seed (any non-negative int) and small integer tags."""
    seed = int(seed)
    h = _mix32(np.uint32(seed & 0xFFFFFFFF) ^ _mix32(np.uint32((seed >> 32) & 0xFFFFFFFF) + _GOLDEN))
    for tag in tags:
        h = _mix32(h ^ _mix32(np.uint32(tag) + _GOLDEN))
    return np.uint32(h[0])


def random_u32(key, counter, index) -> np.ndarray:
    """Draw ``counter`` of element ``index`` of stream ``key``; all three broadcast."""
    c = np.asarray(counter, dtype=np.uint64)
    lo = (c & _U32).astype(np.uint32)
    hi = (c >> np.uint64(32)).astype(np.uint32)
    stream = _mix32(np.asarray(key, dtype=np.uint32) ^ _mix32(lo ^ _mix32(hi + _GOLDEN)))
    element = _mix32(np.asarray(index, dtype=np.uint32) * _GOLDEN + _GOLDEN)
    return _mix32(stream.reshape(np.shape(c) or np.shape(key) or (1,)) ^ element).reshape(
        np.broadcast_shapes(np.shape(key), np.shape(c), np.shape(index)))


def _byte_sum(key, step, index) -> np.ndarray:
    """Sum of the four bytes of draw ``step`` of neurons ``index``: key, step (A,), index (n,) → (A, n)."""
    r = random_u32(np.asarray(key, dtype=np.uint32)[..., None], np.asarray(step, dtype=np.uint64)[..., None],
                   index)
    pairs = (r & np.uint32(0x00FF00FF)) + ((r >> np.uint32(8)) & np.uint32(0x00FF00FF))
    return ((pairs & np.uint32(0xFFFF)) + (pairs >> np.uint32(16))).astype(np.int64)


def gaussian_float(key, step, index, sigma: float) -> np.ndarray:
    """ξ ≈ N(0, σ²), float64 (A, n): σ·(S − 510)/147.8 for S the Irwin–Hall byte sum."""
    return (_byte_sum(key, step, index) - IRWIN_HALL_MEAN) * (sigma / IRWIN_HALL_STD)


def gaussian_fixed(key, step, index, sigma_scale: int, scale_shift: int = 16) -> np.ndarray:
    """Integer ξ (A, n): ``round((S − 510) · sigma_scale / 2^scale_shift)``. With
    ``sigma_scale = round(σ · 2^F · 2^scale_shift / IRWIN_HALL_STD)`` the result is σ in Q.F, the
    float flavour's draw rounded to Q.F."""
    centred = (_byte_sum(key, step, index) - IRWIN_HALL_MEAN) * np.int64(sigma_scale)
    return (centred + (1 << (scale_shift - 1))) >> scale_shift
