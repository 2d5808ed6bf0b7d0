# SPDX-License-Identifier: BSD-3-Clause
"""Look-up tables for the fixed-point exp and log (integers only at run time).

Both tables have 256 segments with linear interpolation and hold Q.24 values; their interpolation
error (≤ 3·10⁻⁶) is below one LSB of the default Q.16 results.

- ``exp(−y)`` for y ≥ 0 is ``2^−(y·log2 e)``: integer part of the exponent by a shift, fraction from
  ``EXP2_NEG`` (2^−f on f ∈ [0, 1]).
- ``ln(s)`` for s ≥ 1 is ``(n + log2 m)·ln 2`` with s = 2^n·m, m ∈ [1, 2) from ``LOG2_MANT``.

Both take and return int64 scalars (the compiled readout calls them per action); use
``np.vectorize`` for arrays.
"""

from __future__ import annotations

import numpy as np
from numba.extending import register_jitable

from .ops import shift_round

__all__ = ["LUT_BITS", "Q", "exp_neg", "log_ge1"]

LUT_BITS = 8  # 256 segments
Q = 24  # fraction bits of the tables and constants
_SEG = 1 << LUT_BITS
EXP2_NEG = np.round(2.0 ** (-np.arange(_SEG + 1) / _SEG) * 2**Q).astype(np.int64)
LOG2_MANT = np.round(np.log2(1.0 + np.arange(_SEG + 1) / _SEG) * 2**Q).astype(np.int64)
LOG2E = int(round(np.log2(np.e) * 2**Q))
LN2 = int(round(np.log(2.0) * 2**Q))


@register_jitable
def _interpolate(table, frac, frac_bits):
    """table(frac / 2^frac_bits) with linear interpolation; frac in [0, 2^frac_bits)."""
    low_bits = frac_bits - LUT_BITS
    idx = frac >> low_bits
    rem = frac & ((np.int64(1) << low_bits) - 1)
    lo = table[idx]
    return lo + shift_round((table[idx + 1] - lo) * rem, low_bits)


@register_jitable
def exp_neg(y, frac_bits):
    """exp(−y) in Q.frac_bits for y ≥ 0 given in Q.frac_bits."""
    z = shift_round(np.int64(y) * LOG2E, Q)  # y·log2(e), Q.frac_bits
    n = z >> frac_bits
    f = z & ((np.int64(1) << frac_bits) - 1)
    mant = _interpolate(EXP2_NEG, f, frac_bits)  # 2^-f, Q.24
    shift = min(n + (Q - frac_bits), 62)
    return (mant + (np.int64(1) << (shift - 1))) >> shift


@register_jitable
def log_ge1(s, frac_bits):
    """ln(s) in Q.frac_bits for s ≥ 1 given in Q.frac_bits (s < 2^39)."""
    s = np.int64(s)
    n = 0  # floor(log2 s): the bit length minus one
    while (s >> (n + 1)) > 0:
        n += 1
    m = (s << Q) >> n  # mantissa in [1, 2), Q.24
    log2_m = _interpolate(LOG2_MANT, m - (np.int64(1) << Q), Q)
    log2_s = ((n - frac_bits) << Q) + log2_m  # Q.24
    return shift_round(log2_s * LN2, 2 * Q - frac_bits)
