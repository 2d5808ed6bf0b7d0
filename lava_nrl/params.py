# SPDX-License-Identifier: BSD-3-Clause
"""Checks of the Python API's numeric parameters, shared by TrainConfig and the Processes.

numpy integers and floats are numbers like Python's; ``bool`` is not a number here (``episodes=True``
is a mistake, not one episode), and a float is never truncated to an integer. Each check returns the
value as a plain Python ``int`` or ``float`` and raises a one-line :class:`ConfigError` naming the
parameter.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from lava_nrl.errors import ConfigError

__all__ = ["integer", "positive_real", "layer_sizes"]


def _is_integer(value) -> bool:
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, (bool, np.bool_))


def integer(name: str, value, minimum: int) -> int:
    """``value`` as an ``int`` ≥ ``minimum``; ConfigError naming ``name`` otherwise."""
    if not _is_integer(value) or value < minimum:
        bound = "a positive integer" if minimum == 1 else f"an integer ≥ {minimum}"
        raise ConfigError(f"{name} must be {bound}, got {value!r}")
    return int(value)


def positive_real(name: str, value) -> float:
    """``value`` as a finite ``float`` > 0; ConfigError naming ``name`` otherwise."""
    if not (isinstance(value, (numbers.Real, np.floating, np.integer)) and not isinstance(value, (bool, np.bool_))
            and math.isfinite(value) and value > 0):
        raise ConfigError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def layer_sizes(name: str, value) -> tuple:
    """A sequence of ≥ 2 positive integers (a string is not one) as a tuple of ``int``."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise ConfigError(f"{name} must be a sequence of ≥ 2 positive integers, got {value!r}")
    if len(value) < 2 or not all(_is_integer(n) and n >= 1 for n in value):
        raise ConfigError(f"{name} needs ≥ 2 positive integer layer sizes, got {tuple(value)!r}")
    return tuple(int(n) for n in value)
