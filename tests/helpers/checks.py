# SPDX-License-Identifier: BSD-3-Clause
"""Assertions shared by several test modules."""

import warnings

from gymnasium.utils.env_checker import check_env


def assert_env_checks_clean(env) -> None:
    """gymnasium's ``check_env`` passes and warns about nothing but the wrapper-vs-unwrapped note."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env)
    unexpected = [str(w.message) for w in caught if "different from the unwrapped" not in str(w.message)]
    assert unexpected == []
