# SPDX-License-Identifier: BSD-3-Clause
"""The layouts of the vectors that carry the reward through a Lava graph, each defined once: the
sender packs a message and the receiver unpacks it, so no port is read by a bare index.

- :class:`RewardMessage`: ``EnvBridge.reward_out`` → ``NRLAgent.reward_in`` / ``RewardModulator.reward_in``
- :class:`ModulatorMessage`: ``RewardModulator.mod_out`` → every ``TraceDense.mod_in``

Values travel in the run's encoding (Q.F integers in fixed point, with ‖ξ‖² Q.2F); flags as 0 or 1.
"""

from __future__ import annotations

import typing as ty

import numpy as np

from lava_nrl import widths
from lava_nrl.numerics import FixedFormat

__all__ = ["RewardMessage", "ModulatorMessage"]


class _Message:
    """pack / unpack for a NamedTuple layout."""

    @classmethod
    def size(cls) -> int:
        """The port width."""
        return len(cls._fields)

    @classmethod
    def field(cls, name: str) -> int:
        """The index of field ``name`` in a packed vector (for reading recorded arrays)."""
        return cls._fields.index(name)

    def pack(self, dtype=np.float64) -> np.ndarray:
        """The message as a port vector of ``dtype``; with a (K,) array per field (one value per
        environment copy), as (K, size) rows."""
        return np.stack([np.asarray(v) for v in self], axis=-1).astype(dtype)

    @classmethod
    def unpack(cls, vector):
        """The message a port received (flags as bool): a vector gives scalar fields, (K, size) rows give
        (K,) arrays."""
        vector = np.asarray(vector)
        if vector.ndim == 1:
            return cls._make(bool(v) if name in cls._flags else v for name, v in zip(cls._fields, vector))
        return cls._make(vector[:, i].astype(bool) if name in cls._flags else vector[:, i]
                         for i, name in enumerate(cls._fields))


class RewardMessage(_Message, ty.NamedTuple("RewardMessage", [("reward", float), ("event", bool),
                                                               ("episode_end", bool)])):
    """The reward of one environment step.

    reward       R delivered by the reward schedule (0 between its events)
    event        a reward event: R is to be learned from now
    episode_end  the step ended an episode
    """

    __slots__ = ()
    _flags = ("event", "episode_end")

    @staticmethod
    def widths(fmt: FixedFormat) -> tuple:
        """Each field's width in fixed point."""
        return widths.reward(fmt), widths.FLAG, widths.FLAG


class ModulatorMessage(_Message, ty.NamedTuple("ModulatorMessage", [("rho", float), ("xi_sq", float), ("delta", float),
                                                                     ("event", bool), ("episode_end", bool)])):
    """The RewardModulator's broadcast to the synapses.

    rho          ρ of the previous step (the trace step it completes)
    xi_sq        ‖ξ‖² of the previous step, summed over the network's layers
    delta        δ, the reward-prediction error (0 without an event)
    event        a reward event: apply δ and clear the traces
    episode_end  the step ended an episode
    """

    __slots__ = ()
    _flags = ("event", "episode_end")

    @staticmethod
    def widths(fmt: FixedFormat, units: int | None) -> tuple:
        """Each field's width in fixed point, for a network of ``units`` noisy units (None: any)."""
        return widths.rho(fmt), widths.xi_sq(fmt, units), widths.reward(fmt), widths.FLAG, widths.FLAG
