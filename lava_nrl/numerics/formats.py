# SPDX-License-Identifier: BSD-3-Clause
"""The fixed-point format: every bit width and exponent in one frozen object.

A real value v is held as the integer ``round(v · 2^frac)`` for the quantity's fraction bits. Widths are
signed two's-complement widths including the sign bit; every operation saturates to them (never wraps).

The default is Loihi-honest (docs/fixed-point.md): what a neuro-core holds has a Loihi neuro-core's
widths, and what a Loihi 2 chip would compute on its embedded x86 cores is int32 with 64-bit products:

========================  ===========  ===============================================================
quantity                  default      where on Loihi 2
========================  ===========  ===============================================================
activations, ξ, logits    Q.16 in 24   neuro-core: graded spikes carry 24 bits
weights W                 Q.7 in 9     neuro-core: 8 bits and the sign, one exponent shared by the
                                       layers (each layer's Dense would carry the same weight_exp)
eligibility trace e       Q.8 in 9     learning engine: the tag, 8 bits and the sign
R, R̄, δ, ρ, log π         Q.16 in 32   embedded CPU (int32); ‖ξ‖² (Q.32), η·N_l·δ and the divisions
                                       ρ ξ/‖ξ‖², δ/|R| take 64-bit products there
========================  ===========  ===============================================================

:meth:`FixedFormat.paper` is the first default (16-bit weights, 32-bit traces), which
``docs/results.md``'s fixed-point rows ran with.
"""

from __future__ import annotations

import dataclasses

from lava_nrl.errors import ConfigError

__all__ = ["FixedFormat"]


@dataclasses.dataclass(frozen=True)
class FixedFormat:
    """Bit widths and exponents of the fixed-point models.

    Parameters
    ----------
    frac_bits : int
        F, fraction bits of activations, pre-activations, noise ξ, logits, log-probabilities, ρ, δ
        and rewards (value = integer · 2^-F). Default 16.
    msg_bits : int
        Signed width of every message between layers (activations, ξ, logits). Default 24.
    weight_bits : int
        Signed width of a weight W. Default 9 (a Loihi synapse: 8 bits and the sign).
    weight_frac_bits : int
        Fraction bits of a weight (its shared exponent is ``-weight_frac_bits``). Default 7,
        so weights span ±2.
    trace_bits : int
        Signed width of an eligibility trace e. Default 9 (a Loihi learning tag: 8 bits and the sign).
    trace_frac_bits : int
        Fraction bits of a trace (at most 2F: an increment is Q.2F). Default 8, so a trace spans ±1.
    lr_frac_bits : int
        Fraction bits of the learning rate η and of the update gain η·N_l·δ (kept finer than F so
        that small steps survive). Default 24.
    slope_frac_bits : int
        Fraction bits of the LeakyReLU slope (0.1 → 410 · 2^-12). Default 12.
    reward_bits : int
        Signed width of rewards, returns and the baseline R̄ (Q.F); at most 32, the int32 of the ports
        they cross (EnvBridge → NRLAgent, RewardModulator). Default 32 (±32768).
    rounding : str
        How a weight update is cut to the weight's LSB: stochastic (unbiased, from the layer's
        rounding stream) or nearest (half up). Default stochastic.
    """

    frac_bits: int = 16
    msg_bits: int = 24
    weight_bits: int = 9
    weight_frac_bits: int = 7
    trace_bits: int = 9
    trace_frac_bits: int = 8
    lr_frac_bits: int = 24
    slope_frac_bits: int = 12
    reward_bits: int = 32
    rounding: str = dataclasses.field(default="stochastic", metadata={"choices": ("stochastic", "nearest")})

    def __post_init__(self) -> None:
        if self.rounding not in ("stochastic", "nearest"):
            raise ConfigError(f"FixedFormat.rounding must be 'stochastic' or 'nearest', got {self.rounding!r}")

        def need(name: str, lo: int, hi: int) -> None:
            value = getattr(self, name)
            if not isinstance(value, int) or not lo <= value <= hi:
                raise ConfigError(f"FixedFormat.{name} must be an integer in [{lo}, {hi}], got {value!r}")

        need("msg_bits", 8, 32)
        need("frac_bits", 4, self.msg_bits - 2)
        need("weight_bits", 2, 32)
        need("weight_frac_bits", 0, self.weight_bits + 16)
        need("trace_bits", 8, 48)
        need("trace_frac_bits", 0, 2 * self.frac_bits)  # an increment post·pre is Q.2F
        need("lr_frac_bits", 8, 30)
        need("slope_frac_bits", 4, 16)
        need("reward_bits", self.frac_bits + 2, 32)
        shift = self.update_shift
        if not 0 <= shift <= 62:
            raise ConfigError(
                "FixedFormat: lr_frac_bits + trace_frac_bits - weight_frac_bits must lie in [0, 62] "
                f"(the weight update's rounding shift), got {shift}"
            )

    @classmethod
    def of_widths(cls, weight_bits: int, trace_bits: int, rounding: str = "stochastic") -> "FixedFormat":
        """The format with these widths and the precision study's exponents (docs/fixed-point.md): a weight
        spans [−2, 2) (``weight_frac_bits = weight_bits − 2``; trained CartPole weights stay within ±1.5),
        a trace [−1, 1) with an LSB that halves with each bit down to 2^-16, beyond which a bit doubles
        its range (``trace_frac_bits = min(trace_bits − 1, 16)``)."""
        return cls(weight_bits=weight_bits, weight_frac_bits=weight_bits - 2, trace_bits=trace_bits,
                   trace_frac_bits=min(trace_bits - 1, 16), rounding=rounding)

    @classmethod
    def loihi(cls) -> "FixedFormat":
        """A Loihi neuro-core's widths, the default: 9-bit weights (8 bits and the sign, Q.7) and a 9-bit
        trace, as the learning engine's tag holds it (Q.8); 24-bit messages; the reward path in 32 bits."""
        return cls.of_widths(9, 9)

    @classmethod
    def paper(cls) -> "FixedFormat":
        """The first default, which ``docs/results.md``'s fixed-point rows ran with: 16-bit weights (Q.12,
        ±8) and 32-bit traces (Q.16)."""
        return cls(weight_bits=16, weight_frac_bits=12, trace_bits=32, trace_frac_bits=16)

    @property
    def update_shift(self) -> int:
        """Right shift that takes gain (Q.lr_frac) × trace (Q.trace_frac) to weight LSBs."""
        return self.lr_frac_bits + self.trace_frac_bits - self.weight_frac_bits

    def limits(self, bits: int) -> tuple[int, int]:
        """The saturation bounds of a signed ``bits``-wide integer."""
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)
