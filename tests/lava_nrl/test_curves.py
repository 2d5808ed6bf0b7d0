# SPDX-License-Identifier: BSD-3-Clause
"""curve.png's numbers: every seed to the end, a band that stays within the returns seen, and the
env-steps axis."""

import numpy as np

from lava_nrl.runs import curves_over_steps, curves_to_end, running_mean, seed_band


def test_a_seed_that_stopped_early_stays_at_its_last_value():
    returns = [[10.0] * 50 + [500.0] * 150, [20.0] * 80]  # the second stopped after 80 episodes
    stack = curves_to_end(returns)
    assert stack.shape == (2, 200)
    np.testing.assert_array_equal(stack[1, :80], running_mean(returns[1]))
    assert (stack[1, 80:] == 20.0).all()


def test_the_band_is_clipped_to_the_returns_seen():
    returns = [[0.0] * 10, [500.0] * 10]
    mean, low, high = seed_band(curves_to_end(returns), returns)
    assert (mean == 250.0).all() and (low == 0.0).all() and (high == 500.0).all()
    returns = [[0.0] * 10, [500.0] * 10, [500.0] * 10]  # mean ± std would leave [0, 500]
    mean, low, high = seed_band(curves_to_end(returns), returns)
    assert (high == 500.0).all() and (low > 0).all() and (mean + np.std([0, 500, 500]) > 500).all()


def test_env_steps_axis_places_each_episode_at_its_last_step():
    returns, lengths = [[1.0, 3.0], [5.0]], [[10, 30], [40]]
    grid, stack = curves_over_steps(returns, lengths, points=5)  # 0, 10, 20, 30, 40
    np.testing.assert_array_equal(grid, [0, 10, 20, 30, 40])
    np.testing.assert_array_equal(stack[0], [np.nan, 1.0, 1.0, 1.0, 2.0])
    np.testing.assert_array_equal(stack[1], [np.nan, np.nan, np.nan, np.nan, 5.0])
