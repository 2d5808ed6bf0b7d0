# SPDX-License-Identifier: BSD-3-Clause
"""Long learning runs: ``make test-slow``. Not run by CI.

Goal: with the engine, CartPole-v1 (H = 128, L = 1) reaches its threshold (a 100-episode mean of 475)
on at least four of the five reference seeds, for backprop REINFORCE and for NRL variants A and B. Each
run takes minutes to hours on 2 cores; ``docs/results.md`` has the full-budget figures.
"""

import numpy as np
import pytest

from lava_nrl.engine import TrainConfig, train
from lava_nrl.runs import episodes_to_threshold

SEEDS = (42, 101, 300, 482, 708)
pytestmark = [pytest.mark.slow, pytest.mark.timeout(6 * 3600)]


# Measured with `make test-slow` (seeds 42, 101, 300, 482, 708): bp 0.02 reached 475 after 326, 556,
# 1,556, 474, 415 episodes; nrl-b 0.02 after 2,409, 2,130, 2,289, 2,075 and not on seed 708; nrl 0.1
# after 7,342, 7,310, 7,353, 7,500, 7,222. (nrl-b at reproduce's 0.01 reached it within 4,000 on 3/5 only.)
@pytest.mark.parametrize("rule,lr,budget", [("bp", 0.02, 1_500), ("nrl-b", 0.02, 4_000), ("nrl", 0.1, 20_000)])
def test_cartpole_reaches_threshold_on_four_of_five_seeds(rule, lr, budget):
    result = train(TrainConfig(env="CartPole-v1", rule=rule, lr=lr, episodes=budget, seeds=SEEDS,
                               stop_after_threshold=1))
    reached = [episodes_to_threshold(r, result.reward_threshold) for r in result.returns]
    assert sum(e is not None for e in reached) >= 4, reached


def test_nrl_b_at_lr_005_never_goes_non_finite():
    """The authors' softmax NaNs at ≈ 4,100 episodes on seed 42; ours is max-subtracted."""
    result = train(TrainConfig(env="CartPole-v1", rule="nrl-b", lr=0.05, episodes=5_000, seeds=(42,)))
    for w in result.weights[0]:
        assert np.isfinite(w).all()
    assert np.isfinite(result.returns[0]).all()
