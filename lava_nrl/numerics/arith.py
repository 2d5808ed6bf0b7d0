# SPDX-License-Identifier: BSD-3-Clause
"""The arithmetic the kernels are written against: one class per precision, same methods.

A kernel calls ``arith.matvec``, ``arith.log_softmax``, … and so exists once; :class:`FloatArith`
computes in float64, :class:`FixedArith` in int64 with the widths of a :class:`FixedFormat`, rounding to
nearest and saturating at every step. Hyperparameters (σ, η, λ, slope, γ_e) are passed as real numbers
and quantised here, in one place, so every runner quantises them identically.

Units in :class:`FixedArith` (F = ``fmt.frac_bits``): activations, ξ, logits, log π, ρ, δ, rewards are
Q.F; ‖ξ‖² is Q.2F; weights Q.``weight_frac_bits``; traces Q.``trace_frac_bits``; η and the
update gain η·N_l·δ Q.``lr_frac_bits``.
"""

from __future__ import annotations

import numpy as np

from . import lut, rng
from .formats import FixedFormat
from .ops import div_round, saturate, shift_round, shift_stochastic

__all__ = ["FloatArith", "FixedArith", "make_arith"]


def _matvec(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Batched W x: (B, m, n) · (B, n) → (B, m); matmul is 2-3× faster than einsum here."""
    return np.matmul(w, x[..., None])[..., 0]


def _outer(post: np.ndarray, pre: np.ndarray) -> np.ndarray:
    """Batched post ⊗ pre: (B, m), (B, n) → (B, m, n)."""
    return np.matmul(post[..., None], pre[..., None, :])


class FloatArith:
    """float64 arithmetic: the reference the fixed-point flavour approximates."""

    precision = "float"
    dtype = np.float64
    saturations: dict = {}  # floats do not saturate

    def encode(self, x) -> np.ndarray:
        return np.asarray(x, dtype=np.float64)

    def decode(self, x) -> np.ndarray:
        return np.asarray(x, dtype=np.float64)

    def encode_reward(self, r) -> np.ndarray:
        return np.asarray(r, dtype=np.float64)

    def encode_weights(self, w) -> np.ndarray:
        return np.asarray(w, dtype=np.float64)

    def decode_weights(self, w) -> np.ndarray:
        return np.asarray(w, dtype=np.float64)

    def decode_trace(self, e) -> np.ndarray:
        return np.asarray(e, dtype=np.float64)

    def matvec(self, w: np.ndarray, x: np.ndarray) -> np.ndarray:
        return _matvec(w, x)

    def add(self, a, b):
        return a + b

    def leaky_relu(self, a: np.ndarray, slope: float) -> np.ndarray:
        return np.maximum(a, slope * a)  # = where(a ≥ 0, a, slope·a) for 0 < slope < 1

    def leaky_relu_grad(self, a: np.ndarray, slope: float) -> np.ndarray:
        return np.where(a >= 0, 1.0, slope)

    def noise(self, key, step, index, sigma: float) -> np.ndarray:
        """ξ of neurons ``index`` (n,) at draw ``step`` of each agent's noise stream ``key`` (A,)."""
        return rng.gaussian_float(key, step, index, sigma)

    def log_softmax(self, z: np.ndarray) -> np.ndarray:
        d = z - z.max(axis=-1, keepdims=True)  # max-subtracted: exp never overflows
        return d - np.log(np.exp(d).sum(axis=-1, keepdims=True))

    def probs(self, logp: np.ndarray) -> np.ndarray:
        return np.exp(logp)

    def uniform(self, r_u32: np.ndarray) -> np.ndarray:
        return r_u32.astype(np.float64) / 2.0**32

    def sum_sq(self, xi: np.ndarray) -> np.ndarray:
        return np.einsum("ai,ai->a", xi, xi)

    def mul_div(self, a, b, c):
        """a · b / c (ρ·ξ/‖ξ‖²)."""
        return a * b / c

    def trace_add(self, e: np.ndarray, decay: float, post: np.ndarray, pre: np.ndarray) -> np.ndarray:
        """γ_e·e + post ⊗ pre, written into ``e`` (the trace is state; in place saves a copy per step)."""
        if decay != 1.0:
            e *= decay
        e += _outer(post, pre)
        return e

    def rpe(self, reward, baseline, normalise: bool):
        diff = reward - baseline
        if not normalise:
            return diff
        magnitude = np.abs(reward)
        return np.where(magnitude > 0, diff / np.where(magnitude > 0, magnitude, 1.0), diff)

    def moving_average(self, baseline, value, rate: float):
        return baseline + rate * (value - baseline)

    def gain(self, lr: float, n_post: int, delta):
        return lr * n_post * delta

    def weight_update(self, w, gain, e, key, counter) -> np.ndarray:
        return w + gain[:, None, None] * e


class FixedArith:
    """Integer arithmetic in the widths of ``fmt``: saturating, rounding to nearest, and
    stochastic rounding where a weight update is cut to the weight's LSB."""

    precision = "fixed"
    dtype = np.int64

    SATURATION_KINDS = ("input", "message", "weight", "trace", "reward")

    def __init__(self, fmt: FixedFormat | None = None):
        self.fmt = fmt or FixedFormat()
        self.F = self.fmt.frac_bits
        # Values clipped to their width, by kind: saturation is never silent (issue: reliability).
        self.saturations = dict.fromkeys(self.SATURATION_KINDS, 0)

    def _saturate(self, x: np.ndarray, bits: int, kind: str) -> np.ndarray:
        out = saturate(x, bits)
        clipped = np.count_nonzero(out != x)
        if clipped:
            self.saturations[kind] += clipped
        return out

    # -- conversions at the edges (the only float → int steps) ------------------------------
    def _quantise(self, x, bits: int, kind: str) -> np.ndarray:
        q = np.floor(np.asarray(x, dtype=np.float64) * 2.0**self.F + 0.5)
        return self._saturate(np.clip(q, -(2.0**62), 2.0**62).astype(np.int64), bits, kind)

    def encode(self, x) -> np.ndarray:
        """Real values → Q.F integers, rounded to nearest and saturated to the message width."""
        return self._quantise(x, self.fmt.msg_bits, "input")

    def encode_reward(self, r) -> np.ndarray:
        """Rewards → Q.F integers saturated to ``reward_bits``."""
        return self._quantise(r, self.fmt.reward_bits, "reward")

    def decode(self, x) -> np.ndarray:
        return np.asarray(x, dtype=np.float64) / 2.0**self.F

    def encode_weights(self, w) -> np.ndarray:
        q = np.floor(np.asarray(w, dtype=np.float64) * 2.0**self.fmt.weight_frac_bits + 0.5)
        return self._saturate(q.astype(np.int64), self.fmt.weight_bits, "weight")

    def decode_weights(self, w) -> np.ndarray:
        return np.asarray(w, dtype=np.float64) / 2.0**self.fmt.weight_frac_bits

    def decode_trace(self, e) -> np.ndarray:
        return np.asarray(e, dtype=np.float64) / 2.0**self.fmt.trace_frac_bits

    def _real_to_q(self, value: float, frac_bits: int) -> int:
        return int(np.floor(value * 2.0**frac_bits + 0.5))

    # -- forward pass --------------------------------------------------------------------------
    def matvec(self, w: np.ndarray, x: np.ndarray) -> np.ndarray:
        acc = _matvec(w, x)  # Q.(F + weight_frac), exact in int64
        return self._saturate(shift_round(acc, self.fmt.weight_frac_bits), self.fmt.msg_bits, "message")

    def add(self, a, b):
        return self._saturate(np.asarray(a, dtype=np.int64) + b, self.fmt.msg_bits, "message")

    def leaky_relu(self, a: np.ndarray, slope: float) -> np.ndarray:
        s = self.fmt.slope_frac_bits
        return np.where(a >= 0, a, shift_round(a * self._real_to_q(slope, s), s))

    def noise(self, key, step, index, sigma: float) -> np.ndarray:
        scale = self._real_to_q(sigma * 2.0**self.F * 2.0**16 / rng.IRWIN_HALL_STD, 0)
        return self._saturate(rng.gaussian_fixed(key, step, index, scale, 16), self.fmt.msg_bits, "message")

    # -- readout -----------------------------------------------------------------------------
    def log_softmax(self, z: np.ndarray) -> np.ndarray:
        d = z - z.max(axis=-1, keepdims=True)  # ≤ 0
        total = lut.exp_neg(-d, self.F).sum(axis=-1, keepdims=True)  # ≥ 1 (the max term)
        return d - lut.log_ge1(total, self.F)

    def probs(self, logp: np.ndarray) -> np.ndarray:
        return lut.exp_neg(-logp, self.F)

    def uniform(self, r_u32: np.ndarray) -> np.ndarray:
        return (r_u32 >> np.uint32(32 - self.F)).astype(np.int64)

    # -- eligibility trace -----------------------------------------------------------------------
    def sum_sq(self, xi: np.ndarray) -> np.ndarray:
        return np.einsum("ai,ai->a", xi, xi)  # Q.2F, exact

    def mul_div(self, a, b, c):
        """a · b / c with a, b in Q.F and c in Q.2F, result Q.F (one rounding, at the end)."""
        num = np.asarray(a, dtype=np.int64) * b << self.F
        return self._saturate(div_round(num, np.maximum(c, 1)), self.fmt.msg_bits, "message")

    def trace_add(self, e: np.ndarray, decay: float, post: np.ndarray, pre: np.ndarray) -> np.ndarray:
        fmt = self.fmt
        increment = shift_round(_outer(post, pre), 2 * self.F - fmt.trace_frac_bits)
        if decay != 1.0:
            e[...] = shift_round(e * self._real_to_q(decay, 16), 16)
        e += increment
        lo, hi = fmt.limits(fmt.trace_bits)
        clipped = np.count_nonzero((e < lo) | (e > hi))
        if clipped:
            self.saturations["trace"] += clipped
            np.clip(e, lo, hi, out=e)  # saturate in place, as FloatArith adds in place
        return e

    # -- reward, RPE, update -------------------------------------------------------------------
    def rpe(self, reward, baseline, normalise: bool):
        diff = np.asarray(reward, dtype=np.int64) - baseline
        if not normalise:
            return self._saturate(diff, self.fmt.reward_bits, "reward")
        magnitude = np.abs(reward)
        delta = np.where(magnitude > 0, div_round(diff << self.F, np.maximum(magnitude, 1)), diff)
        return self._saturate(delta, self.fmt.reward_bits, "reward")

    def moving_average(self, baseline, value, rate: float):
        s = 16
        moved = baseline + shift_round((value - baseline) * self._real_to_q(rate, s), s)
        return self._saturate(moved, self.fmt.reward_bits, "reward")

    def gain(self, lr: float, n_post: int, delta):
        """η·N_l·δ in Q.lr_frac (δ in Q.F)."""
        lr_q = self._real_to_q(lr, self.fmt.lr_frac_bits)
        return shift_round(lr_q * n_post * np.asarray(delta, dtype=np.int64), self.F)

    def weight_update(self, w, gain, e, key, counter) -> np.ndarray:
        """w + gain·e, cut to the weight LSB by stochastic rounding; the random bits of synapse
        (i, j) are draw ``counter`` of element i·n_pre + j of the stream ``key`` (B,)."""
        synapse = np.arange(e.shape[1] * e.shape[2], dtype=np.uint32).reshape(e.shape[1:])
        random = rng.random_u32(np.asarray(key)[:, None, None], np.asarray(counter)[:, None, None], synapse)
        step = shift_stochastic(gain[:, None, None] * e, self.fmt.update_shift, random)
        return self._saturate(w + step, self.fmt.weight_bits, "weight")


def make_arith(precision: str, fmt: FixedFormat | None = None):
    """``"float"`` → :class:`FloatArith`; ``"fixed"`` → :class:`FixedArith` (``fmt`` or the default)."""
    if precision == "float":
        return FloatArith()
    if precision == "fixed":
        return FixedArith(fmt)
    from lava_nrl.errors import ConfigError

    raise ConfigError(f"precision must be 'float' or 'fixed', got {precision!r}")
