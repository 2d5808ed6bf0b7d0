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

__all__ = ["rpe", "update_baseline"]


def rpe(arith, reward: np.ndarray, baseline: np.ndarray, has_baseline: np.ndarray, normalise: bool) -> np.ndarray:
    """δ for reward and baseline (B,); where ``has_baseline`` is False the baseline is R itself."""
    baseline = np.where(has_baseline, baseline, reward)
    return arith.rpe(reward, baseline, normalise)


def update_baseline(arith, reward: np.ndarray, baseline: np.ndarray, has_baseline: np.ndarray, rate: float):
    """R̄ ← R̄ + λ (R − R̄), starting from R̄ = R; returns the new baseline."""
    baseline = np.where(has_baseline, baseline, reward)
    return arith.moving_average(baseline, reward, rate)
