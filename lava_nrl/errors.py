# SPDX-License-Identifier: BSD-3-Clause
"""Errors raised at the project's edges.

Each names its cause in one line; the command line prints that line and exits non-zero.
All derive from :class:`NRLError` so a caller can catch the project's errors alone.
"""

__all__ = ["NRLError", "ConfigError", "SpaceError", "ShapeError", "NonFiniteError", "SaturationError", "OutputError",
           "CheckpointError"]


class NRLError(Exception):
    """Base class of every error lava-nrl raises on purpose."""


class ConfigError(NRLError, ValueError):
    """A parameter is outside its allowed range (names the parameter and the range)."""


class SpaceError(NRLError, TypeError):
    """A gymnasium observation or action space that lava-nrl does not support."""


class ShapeError(NRLError, ValueError):
    """An array or port whose shape does not match what it is connected to."""


class NonFiniteError(NRLError, FloatingPointError):
    """A NaN or infinite value in an observation, a reward or a weight."""


class SaturationError(NRLError, OverflowError):
    """A fixed-point value left its format where saturation was not allowed."""


class OutputError(NRLError, OSError):
    """An output folder that cannot take a run: a file, locked by another run, holding another run's
    results, not writable, or full (names the folder and the cause)."""


class CheckpointError(NRLError, ValueError):
    """A checkpoint that cannot be continued: truncated, corrupted, or written by another version."""
