# SPDX-License-Identifier: BSD-3-Clause
"""The integer random generator: one counter-based stream per neuron, seeded from the run's seed.

Draw number ``c`` of neuron ``i`` in the stream ``key`` is ``random_u32(key, c, i)``, a 32-bit hash of
the three (integer multiplies, xors and shifts only). A neuron's whole generator state is therefore its
draw counter, which makes the streams

- identical in every runner (engine, fused and decomposed Lava models) without sharing state,
- independent of how many agents are batched together, and
- trivially checkpointed.

Keys come from :func:`derive_key` (seed, purpose, layer). Noise ξ uses two draws per neuron and step:
the float flavour turns them into an exact Gaussian (Box–Muller), the fixed flavour into the sum of eight
bytes (Irwin–Hall, integers only; bounded at ±4.9σ, kurtosis 2.85 instead of 3).
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

# Sum of 8 independent uniform bytes: mean 8·255/2, variance 8·(256² − 1)/12.
IRWIN_HALL_MEAN = 1020
IRWIN_HALL_STD = float(np.sqrt(8 * (256**2 - 1) / 12))


def _mix32(x: np.ndarray) -> np.ndarray:
    """lowbias32 (C. Wellons): a bijective 32-bit integer hash with good avalanche.

    Its multiplications are modulo 2^32 by definition, so numpy's overflow warning is silenced."""
    x = np.asarray(x, dtype=np.uint32)
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint32(16))
        x = x * _M1
        x = x ^ (x >> np.uint32(15))
        x = x * _M2
        return x ^ (x >> np.uint32(16))


def derive_key(seed: int, *tags: int) -> np.uint32:
    """A stream key from a run seed (any non-negative int) and small integer tags."""
    seed = int(seed)
    h = _mix32(np.uint32(seed & 0xFFFFFFFF) ^ _mix32(np.uint32((seed >> 32) & 0xFFFFFFFF) + _GOLDEN))
    for tag in tags:
        h = _mix32(h ^ _mix32(np.uint32(tag) + _GOLDEN))
    return np.uint32(h)


def random_u32(key, counter, index) -> np.ndarray:
    """Draw ``counter`` of element ``index`` of stream ``key``; all three broadcast."""
    c = np.asarray(counter, dtype=np.uint64)
    lo = (c & _U32).astype(np.uint32)
    hi = (c >> np.uint64(32)).astype(np.uint32)
    h = _mix32(np.asarray(key, dtype=np.uint32) ^ _mix32(lo ^ _mix32(hi + _GOLDEN)))
    return _mix32(h ^ _mix32(np.asarray(index, dtype=np.uint32) * _GOLDEN + _GOLDEN))


def _two_draws(key, step, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Draws 2·step and 2·step + 1 of neurons 0..n−1; key and step shaped (A,), result (A, n)."""
    key = np.asarray(key, dtype=np.uint32)[..., None]
    c = 2 * np.asarray(step, dtype=np.uint64)[..., None]
    index = np.arange(n, dtype=np.uint32)
    return random_u32(key, c, index), random_u32(key, c + np.uint64(1), index)


def gaussian_float(key, step, n: int, sigma: float) -> np.ndarray:
    """ξ ~ N(0, σ²), float64 (A, n), by Box–Muller from two draws per neuron."""
    r1, r2 = _two_draws(key, step, n)
    u1 = (r1.astype(np.float64) + 0.5) / 2.0**32  # in (0, 1): log never sees 0
    u2 = r2.astype(np.float64) / 2.0**32
    return sigma * np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def gaussian_fixed(key, step, n: int, sigma_scale: int, scale_shift: int = 16) -> np.ndarray:
    """Integer ξ (A, n): ``round((S − 1020) · sigma_scale / 2^scale_shift)``, S the sum of the eight
    bytes of two draws. With ``sigma_scale = round(σ · 2^F · 2^scale_shift / IRWIN_HALL_STD)`` the
    result is σ in Q.F."""
    r1, r2 = _two_draws(key, step, n)
    total = np.zeros(r1.shape, dtype=np.int64)
    for r in (r1, r2):
        for byte in range(4):
            total += ((r >> np.uint32(8 * byte)) & np.uint32(0xFF)).astype(np.int64)
    centred = (total - IRWIN_HALL_MEAN) * np.int64(sigma_scale)
    return (centred + (1 << (scale_shift - 1))) >> scale_shift
