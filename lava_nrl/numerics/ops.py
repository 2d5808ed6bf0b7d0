# SPDX-License-Identifier: BSD-3-Clause
"""Saturating integer arithmetic and rounding.

Every fixed-point value is an int64 whose meaningful width is given by the format; these helpers are
the only places where widths are enforced. Rounding to nearest rounds half up (``floor(x + 1/2)``);
stochastic rounding adds uniform random bits below the cut, so ``E[round_stochastic(x)] = x``
exactly for the represented fraction.

Each function is written once for int64 scalars and int64 numpy arrays: the compiled kernels call it
on scalars, the edges of a run (encoding observations, rewards, weights) on arrays.
"""

from __future__ import annotations

import numpy as np
from numba.extending import register_jitable

__all__ = ["saturate", "shift_round", "div_round", "shift_stochastic"]


@register_jitable
def saturate(x, bits):
    """Clip ``x`` to the signed ``bits``-wide range (saturation, never wrap-around)."""
    lo, hi = -(np.int64(1) << (bits - 1)), (np.int64(1) << (bits - 1)) - 1
    return np.minimum(np.maximum(x, lo), hi)


@register_jitable
def shift_round(x, shift):
    """``round(x / 2^shift)`` to nearest, half up; ``shift`` ≥ 0."""
    if shift == 0:
        return x
    return (x + (np.int64(1) << (shift - 1))) >> shift


@register_jitable
def div_round(num, den):
    """``round(num / den)`` to nearest, half up, for integers with ``den > 0``."""
    return (2 * num + den) // (2 * den)


@register_jitable
def shift_stochastic(x, shift, random_u32):
    """``floor((x + r) / 2^shift)`` with r uniform over the multiples of ``2^max(0, shift − 32)`` in
    [0, 2^shift), from the 32 bits of ``random_u32``: rounding of ``x / 2^shift`` that is unbiased up
    to 2^-32 of an LSB; ``0 ≤ shift ≤ 62``."""
    if shift == 0:
        return x
    random = np.int64(random_u32)  # the 32 bits, as a non-negative int64
    if shift <= 32:
        r = random >> (32 - shift)
    else:
        r = random << (shift - 32)
    return (x + r) >> shift
