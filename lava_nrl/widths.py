# SPDX-License-Identifier: BSD-3-Clause
"""The declared widths of the fixed-point values that live in a Var or cross a port.

Every Process states, in its ``fixed_widths()``, the :class:`Width` of each of its Vars and ports in
``fixed_pt``, derived here from its :class:`~lava_nrl.numerics.FixedFormat`: what a register, a
synapse or a graded spike on Loihi would have to hold. ``tests/lava_nrl/proc/test_widths.py`` checks
every value against them during real runs; ``docs/porting.md`` says where each would run.

Most values saturate to a format width (messages, weights, traces, rewards). Three are bounded by the
arithmetic instead, and their widths are derived from it:

- ρ = log π̃(a) − log π(a): the logits are ``msg_bits`` wide, so log π ≥ −(2^msg_bits − 1) − ln(n)·2^F,
  and |ρ| < 2^(msg_bits+1) for n ≤ e^((2^msg_bits − 2)/2^F) actions (every n at F ≤ msg_bits − 8;
  54 at the narrowest F = msg_bits − 2);
- ‖ξ‖²: n noise values of ``msg_bits`` each, squared and summed (Q.2F, unsigned);
- the exact output eligibility 1[a = k] − π_k, in [−1, 1] (Q.F).
"""

from __future__ import annotations

import typing as ty

from lava_nrl.numerics import FixedFormat

__all__ = ["Width", "FLAG", "COUNTER", "message", "weight", "trace", "reward", "rho", "xi_sq", "action",
           "exact_eligibility"]


class Width(ty.NamedTuple):
    """A two's-complement width including the sign bit (``signed``), or an unsigned one."""

    bits: int
    signed: bool = True

    @property
    def bounds(self) -> tuple[int, int]:
        """The smallest and largest value the width holds."""
        if self.signed:
            return -(1 << (self.bits - 1)), (1 << (self.bits - 1)) - 1
        return 0, (1 << self.bits) - 1

    def __str__(self) -> str:
        return f"{'s' if self.signed else 'u'}{self.bits}"


FLAG = Width(1, signed=False)  # a 0/1 flag of a message
COUNTER = Width(63, signed=False)  # a simulation counter in an int64 (saturations, env steps): not on chip


def message(fmt: FixedFormat) -> Width:
    """Activations, pre-activations, ξ, logits, observations: a graded spike's payload."""
    return Width(fmt.msg_bits)


def weight(fmt: FixedFormat) -> Width:
    return Width(fmt.weight_bits)


def trace(fmt: FixedFormat) -> Width:
    return Width(fmt.trace_bits)


def reward(fmt: FixedFormat) -> Width:
    """R, R̄ and δ."""
    return Width(fmt.reward_bits)


def rho(fmt: FixedFormat) -> Width:
    """ρ = log π̃(a) − log π(a) (see the module docstring for the bound)."""
    return Width(fmt.msg_bits + 2)


def xi_sq(fmt: FixedFormat, units: int | None) -> Width:
    """‖ξ‖² over ``units`` noisy units (None: any number, an int64)."""
    if units is None:
        return Width(64)
    return Width((units << 2 * (fmt.msg_bits - 1)).bit_length(), signed=False)


def action(n_actions: int) -> Width:
    """An action index in [0, n_actions)."""
    return Width(max(1, (n_actions - 1).bit_length()), signed=False)


def exact_eligibility(fmt: FixedFormat) -> Width:
    """1[a = k] − π_k, Q.F in [−2^F, 2^F]."""
    return Width(fmt.frac_bits + 2)

