# SPDX-License-Identifier: BSD-3-Clause
"""Checks at the edge between gymnasium and lava-nrl: supported spaces and finite values.

Supported: observations ``Box`` (any shape, flattened) and ``Discrete`` (one-hot encoded); actions
``Discrete`` (a categorical policy). Anything else raises :class:`~lava_nrl.errors.SpaceError` naming
the space, before anything runs.
"""

from __future__ import annotations

import typing as ty

import numpy as np
from gymnasium import spaces

from lava_nrl.errors import NonFiniteError, ShapeError, SpaceError

__all__ = ["observation_size", "action_count", "encode_observation", "check_finite"]


def observation_size(space: spaces.Space) -> int:
    """Length of the flat observation vector the network receives."""
    if isinstance(space, spaces.Box):
        return int(np.prod(space.shape))
    if isinstance(space, spaces.Discrete):
        return int(space.n)
    raise SpaceError(
        f"observation space {space} is not supported: use a Box (flattened) or a Discrete (one-hot) space"
    )


def action_count(space: spaces.Space) -> int:
    """Number of discrete actions of the policy."""
    if isinstance(space, spaces.Discrete) and int(space.start) == 0:
        return int(space.n)
    raise SpaceError(
        f"action space {space} is not supported: the policy is categorical and needs Discrete(n) starting at 0"
    )


def encode_observation(space: spaces.Space, obs: ty.Any) -> np.ndarray:
    """One observation → flat float64 vector (one-hot for a Discrete space)."""
    if isinstance(space, spaces.Discrete):
        vec = np.zeros(int(space.n))
        vec[int(obs) - int(space.start)] = 1.0
        return vec
    flat = np.asarray(obs, dtype=np.float64).reshape(-1)
    if flat.size != observation_size(space):
        raise ShapeError(f"observation has {flat.size} values, expected {observation_size(space)} for {space}")
    return flat


def check_finite(values: np.ndarray, what: str, seeds: ty.Sequence[int] | None = None) -> None:
    """Raise :class:`NonFiniteError` naming ``what`` (and the agent's seed) if any value is NaN/inf.

    ``values`` has one row per agent, in the order of ``seeds``."""
    rows = np.asarray(values, dtype=np.float64).reshape(len(values), -1)
    if np.isfinite(rows).all():  # the common case, checked in one pass
        return
    bad = np.flatnonzero(~np.isfinite(rows).all(axis=1))
    if bad.size:
        agent = f" of the agent with seed {seeds[bad[0]]}" if seeds is not None else ""
        raise NonFiniteError(f"{what}{agent} is not finite: {rows[bad[0]]}")
