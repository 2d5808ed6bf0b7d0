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

The hash is written once on uint64 values below 2^32 (multiplications masked to 32 bits): the
compiled kernels call :func:`hash_u32` and :func:`byte_sum` on scalars, :func:`random_u32` runs
the same code on numpy arrays.
"""

from __future__ import annotations

import numpy as np
from numba.extending import register_jitable

__all__ = [
    "NOISE", "ACTION", "ROUNDING", "ENV", "derive_key", "copy_keys", "env_seeds", "hash_u32", "draw_key", "element_u32", "random_u32", "byte_sum",
    "IRWIN_HALL_MEAN", "IRWIN_HALL_STD",
]

# Purposes of a stream, mixed into its key.
NOISE, ACTION, ROUNDING, ENV = 1, 2, 3, 4
COPY = 5  # tags the streams of an agent's environment copies 1 … K − 1 (copy 0 keeps the agent's own)

_GOLDEN = np.uint64(0x9E3779B9)
_M1 = np.uint64(0x7FEB352D)
_M2 = np.uint64(0x846CA68B)
_U32 = np.uint64(0xFFFFFFFF)
_BYTES02 = np.uint64(0x00FF00FF)
_LOW16 = np.uint64(0xFFFF)
_8, _15, _16, _32 = np.uint64(8), np.uint64(15), np.uint64(16), np.uint64(32)

# Sum of 4 independent uniform bytes: mean 4·255/2, variance 4·(256² − 1)/12.
IRWIN_HALL_MEAN = 510
IRWIN_HALL_STD = float(np.sqrt(4 * (256**2 - 1) / 12))


@register_jitable
def _mix32(x):
    """lowbias32 (C. Wellons): a bijective 32-bit integer hash with good avalanche; ``x`` < 2^32 in
    a uint64, multiplications taken modulo 2^32 as the hash defines them."""
    x ^= x >> _16
    x = (x * _M1) & _U32
    x ^= x >> _15
    x = (x * _M2) & _U32
    x ^= x >> _16
    return x


@register_jitable
def draw_key(key, counter):
    """The part of :func:`hash_u32` shared by every element of one draw (computed once per draw)."""
    c = np.uint64(counter)
    return _mix32(np.uint64(key) ^ _mix32((c & _U32) ^ _mix32(((c >> _32) + _GOLDEN) & _U32)))


@register_jitable
def element_u32(draw, index):
    """Element ``index`` of the draw whose :func:`draw_key` is ``draw``."""
    return _mix32(draw ^ _mix32((np.uint64(index) * _GOLDEN + _GOLDEN) & _U32))


@register_jitable
def hash_u32(key, counter, index):
    """Draw ``counter`` of element ``index`` of stream ``key``, as a uint64 below 2^32."""
    return element_u32(draw_key(key, counter), index)


@register_jitable
def byte_sum(random):
    """Sum of the four bytes of a 32-bit draw (Irwin–Hall: 0 … 1020), as an int64."""
    pairs = (random & _BYTES02) + ((random >> _8) & _BYTES02)
    return np.int64((pairs & _LOW16) + (pairs >> _16))


def random_u32(key, counter, index) -> np.ndarray:
    """:func:`hash_u32` on arrays: key, counter and index broadcast; returns uint32."""
    u64 = np.uint64
    return np.asarray(hash_u32(np.asarray(key, dtype=u64), np.asarray(counter, dtype=u64),
                               np.asarray(index, dtype=u64)), dtype=np.uint32)


def derive_key(seed: int, *tags: int) -> np.uint32:
    """A stream key from a run seed (any non-negative int) and small integer tags."""
    seed = int(seed)
    h = _mix32(np.uint64(seed & 0xFFFFFFFF) ^ _mix32((np.uint64((seed >> 32) & 0xFFFFFFFF) + _GOLDEN) & _U32))
    for tag in tags:
        h = _mix32(h ^ _mix32((np.uint64(tag) + _GOLDEN) & _U32))
    return np.uint32(h)


def copy_keys(seed: int, purpose: int, copies: int) -> np.ndarray:
    """The keys of stream ``purpose`` for an agent's ``copies`` environment copies (uint32, (copies,)):
    copy 0 has the agent's own key, so one copy is exactly an agent without copies."""
    return np.array([derive_key(seed, purpose, *(() if k == 0 else (COPY, k))) for k in range(copies)],
                    dtype=np.uint32)


def env_seeds(seed: int, copies: int) -> list[int]:
    """Seeds of an agent's ``copies`` environments: copy 0's is the agent's seed, the others derived."""
    return [int(seed)] + [int(derive_key(seed, ENV, COPY, k)) for k in range(1, copies)]
