# SPDX-License-Identifier: BSD-3-Clause
"""The third factor: reward-prediction error δ and its running baseline R̄ (eqs. 7–8).

    δ = (R − R̄) / |R|   (episodic path; δ = R − R̄ where R = 0)   or   δ = R − R̄   (immediate path)
    R̄ ← R̄ + λ (R − R̄)

R is the reward delivered at a reward event (the episode return for the episodic schedule). The
baseline starts at the first R it sees, so the first δ is 0; the immediate path forgets it at every
episode start.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.extending import register_jitable

from lava_nrl.numerics import arith as ar

__all__ = ["rpe", "update_baseline", "rpe_one", "baseline_one"]


@register_jitable
def rpe_one(k, sat, reward, baseline, has_baseline, normalise):
    """δ for one agent; without a baseline yet, R̄ is R itself (δ = 0)."""
    delta, clipped = ar.rpe(k, reward, baseline if has_baseline else reward, normalise)
    sat[ar.REWARD] += clipped
    return delta


@register_jitable
def baseline_one(k, sat, reward, baseline, has_baseline):
    """R̄ ← R̄ + λ (R − R̄) for one agent, starting from R̄ = R."""
    moved, clipped = ar.moving_average(k, baseline if has_baseline else reward, reward)
    sat[ar.REWARD] += clipped
    return moved


@njit(cache=True)
def _rpe(k, sat, reward, baseline, has_baseline, normalise, out):
    for b in range(reward.shape[0]):
        out[b] = rpe_one(k, sat, reward[b], baseline[b], has_baseline[b], normalise)


@njit(cache=True)
def _update_baseline(k, sat, reward, baseline, has_baseline, out):
    for b in range(reward.shape[0]):
        out[b] = baseline_one(k, sat, reward[b], baseline[b], has_baseline[b])


def _vector(x, dtype):
    return np.ascontiguousarray(np.asarray(x, dtype=dtype).reshape(-1))


def rpe(arith, reward: np.ndarray, baseline: np.ndarray, has_baseline: np.ndarray, normalise: bool) -> np.ndarray:
    """δ for reward and baseline (B,); where ``has_baseline`` is False the baseline is R itself."""
    reward = _vector(reward, arith.dtype)
    out = np.empty_like(reward)
    _rpe(arith.constants(), arith.counts, reward, _vector(baseline, arith.dtype), _vector(has_baseline, bool),
         normalise, out)
    return out


def update_baseline(arith, reward: np.ndarray, baseline: np.ndarray, has_baseline: np.ndarray, rate: float):
    """R̄ ← R̄ + λ (R − R̄), starting from R̄ = R; returns the new baseline."""
    reward = _vector(reward, arith.dtype)
    out = np.empty_like(reward)
    _update_baseline(arith.constants(rate=rate), arith.counts, reward, _vector(baseline, arith.dtype),
                     _vector(has_baseline, bool), out)
    return out
