# SPDX-License-Identifier: BSD-3-Clause
"""Saturating integer arithmetic and rounding, on int64 numpy arrays.

Every fixed-point value is an int64 array whose meaningful width is given by the format; these
helpers are the only places where widths are enforced. Rounding to nearest rounds half up
(``floor(x + 1/2)``); stochastic rounding adds uniform random bits below the cut, so
``E[round_stochastic(x)] = x`` exactly for the represented fraction.
"""

from __future__ import annotations

import numpy as np

__all__ = ["saturate", "shift_round", "div_round", "shift_stochastic"]


def saturate(x: np.ndarray, bits: int) -> np.ndarray:
    """Clip ``x`` to the signed ``bits``-wide range (saturation, never wrap-around)."""
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return np.clip(x, lo, hi)


def shift_round(x: np.ndarray, shift: int) -> np.ndarray:
    """``round(x / 2^shift)`` to nearest, half up; ``shift`` ≥ 0."""
    x = np.asarray(x, dtype=np.int64)
    if shift == 0:
        return x
    out = x + np.int64(1 << (shift - 1))
    out >>= shift  # in place: one temporary instead of two on the hot path
    return out


def div_round(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``round(num / den)`` to nearest, half up, for integer arrays with ``den > 0``."""
    num = np.asarray(num, dtype=np.int64)
    den = np.asarray(den, dtype=np.int64)
    return (2 * num + den) // (2 * den)


def shift_stochastic(x: np.ndarray, shift: int, random_u32: np.ndarray) -> np.ndarray:
    """``floor((x + r) / 2^shift)`` with r uniform over the multiples of ``2^max(0, shift − 32)`` in
    [0, 2^shift), from the 32 bits of ``random_u32``: rounding of ``x / 2^shift`` that is unbiased up
    to 2^-32 of an LSB; ``0 ≤ shift ≤ 62``."""
    x = np.asarray(x, dtype=np.int64)
    if shift == 0:
        return x
    random = np.asarray(random_u32, dtype=np.uint32)
    if shift <= 32:
        r = (random >> np.uint32(32 - shift)).astype(np.int64)
    else:
        r = random.astype(np.int64) << (shift - 32)
    return (x + r) >> shift
