# SPDX-License-Identifier: BSD-3-Clause
"""Assertions shared by several test modules."""

import time
import warnings

import numpy as np

from gymnasium.utils.env_checker import check_env


def assert_env_checks_clean(env) -> None:
    """gymnasium's ``check_env`` passes and warns about nothing but the wrapper-vs-unwrapped note."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env)
    unexpected = [str(w.message) for w in caught if "different from the unwrapped" not in str(w.message)]
    assert unexpected == []


def wait_for(condition, timeout: float, what: str):
    """The first true value of ``condition()``, polled every 0.05 s; AssertionError after ``timeout`` s."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def assert_same_result(result, expected) -> None:
    """Two TrainResults of the same config agree bit for bit: episodes (returns, lengths, environments),
    env steps and every weight."""
    assert result.returns == expected.returns and result.lengths == expected.lengths
    assert result.episode_envs == expected.episode_envs
    np.testing.assert_array_equal(result.env_steps, expected.env_steps)
    for agent, expected_agent in zip(result.weights, expected.weights, strict=True):
        for w, w_expected in zip(agent, expected_agent, strict=True):
            np.testing.assert_array_equal(w, w_expected)
