# SPDX-License-Identifier: BSD-3-Clause
"""The arithmetic the kernels are written against, in two precisions.

The kernels are compiled loops that call the primitives below (``to_message``, ``leaky_relu``,
``log_softmax``, …) with the run's constants ``k`` first. ``k`` is a :class:`FloatConstants` or a
:class:`FixedConstants`; its type picks the primitive's implementation when the kernel is compiled,
so every kernel exists once for both precisions and each precision is compiled without the other's
branches. Float computes in float64; fixed in int64 with the widths of a :class:`FixedFormat`,
rounding to nearest and saturating at every step. A primitive that saturates returns ``(value,
clipped)``, clipped being 1 where it clipped (always 0 in float): a kernel adds them up in a local
variable and into its counter array ``sat`` once per row, so that counting never stops a loop from
being vectorised, and no clipped value goes uncounted.

:class:`FloatArith` and :class:`FixedArith` are the Python side: the conversions at the edges of a
run (observations, rewards and weights in and out), the saturation counters, and
:meth:`~FixedArith.constants`, which quantises the hyperparameters (σ, η, λ, slope, γ_e) in one place,
so that every runner quantises them identically.

Units in fixed point (F = ``fmt.frac_bits``): activations, ξ, logits, log π, ρ, δ, rewards are Q.F;
‖ξ‖² is Q.2F; weights Q.``weight_frac_bits``; traces Q.``trace_frac_bits``; η and the update gain
η·N_l·δ Q.``lr_frac_bits``; the slope Q.``slope_frac_bits``; γ_e and λ Q.16.
"""

from __future__ import annotations

import collections

import numpy as np
from numba import njit
from numba.extending import overload, register_jitable

from . import lut, rng
from .formats import FixedFormat
from .ops import div_round, saturate, shift_round, shift_stochastic

__all__ = [
    "FloatArith", "FixedArith", "make_arith", "FloatConstants", "FixedConstants", "SATURATION_KINDS",
    "INPUT", "MESSAGE", "WEIGHT", "TRACE", "REWARD", "ADAM_BETA1", "ADAM_BETA2", "ADAM_EPSILON",
]

# Kinds of saturation, the indices of a counter array ``sat``.
SATURATION_KINDS = ("input", "message", "weight", "trace", "reward")
INPUT, MESSAGE, WEIGHT, TRACE, REWARD = range(len(SATURATION_KINDS))

RATIO_FRAC_BITS = 16  # γ_e and λ, both in (0, 1]
# The Adam-style step's decay rates of its two moments and the ε of its denominator (Kingma & Ba's defaults).
ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON = 0.9, 0.999, 1e-8

FloatConstants = collections.namedtuple("FloatConstants", "slope sigma decay rate lr")
FloatConstants.__doc__ = """Hyperparameters as float64; ``sigma`` is σ / IRWIN_HALL_STD (per unit of
a centred byte sum)."""

FixedConstants = collections.namedtuple(
    "FixedConstants",
    "frac msg_bits weight_bits weight_frac trace_bits trace_frac slope_frac reward_bits update_shift stochastic "
    "slope sigma decay rate lr",
)
FixedConstants.__doc__ = """The format's widths and rounding (``stochastic``: a weight update rounds
stochastically, else to nearest), then the quantised hyperparameters: slope Q.slope_frac, ``sigma`` =
round(σ·2^F·2^16 / IRWIN_HALL_STD), decay and rate Q.16, lr Q.lr_frac."""


def _primitive(float_impl, fixed_impl):
    """A function that compiled code calls as ``f(k, ...)``: ``float_impl`` when ``k`` is a
    FloatConstants, ``fixed_impl`` when it is a FixedConstants (chosen at compile time)."""
    float_impl, fixed_impl = register_jitable(float_impl), register_jitable(fixed_impl)

    def primitive(k, *args):
        raise TypeError(f"{float_impl.__name__[7:]} runs in compiled kernels only")

    @overload(primitive)
    def _select(k, *args):
        impl = fixed_impl if getattr(k, "instance_class", None) is FixedConstants else float_impl
        return lambda k, *args: impl(k, *args)

    primitive.__name__ = primitive.__qualname__ = float_impl.__name__[7:]
    primitive.__doc__ = float_impl.__doc__
    return primitive


@register_jitable
def _clip(x, bits):
    """``saturate``, and 1 if it clipped (else 0): a clipped value is reported, never silent."""
    out = saturate(x, bits)
    return out, np.int64(out != x)


# -- forward pass ------------------------------------------------------------------------------
def _float_to_message(k, acc):
    """A synapse sum Σ W x (Q.(F + weight_frac) in fixed) as a message; (value, clipped)."""
    return acc, 0


def _fixed_to_message(k, acc):
    return _clip(shift_round(acc, k.weight_frac), k.msg_bits)


to_message = _primitive(_float_to_message, _fixed_to_message)


def _float_add_message(k, a, b):
    """a + b between messages (ã = W x̃ + ξ); (value, clipped)."""
    return a + b, 0


def _fixed_add_message(k, a, b):
    return _clip(a + b, k.msg_bits)


add_message = _primitive(_float_add_message, _fixed_add_message)


def _float_clip_message(k, x):
    """x saturated to a message's width (fixed: ``msg_bits``, in whatever units x has); (value, clipped)."""
    return x, 0


def _fixed_clip_message(k, x):
    return _clip(x, k.msg_bits)


clip_message = _primitive(_float_clip_message, _fixed_clip_message)


def _float_leaky_relu(k, a):
    """f(a): a for a ≥ 0, slope·a below."""
    return a if a >= 0 else k.slope * a


def _fixed_leaky_relu(k, a):
    return a if a >= 0 else shift_round(a * k.slope, k.slope_frac)


leaky_relu = _primitive(_float_leaky_relu, _fixed_leaky_relu)


def _float_leaky_relu_grad(k, g, a):
    """g · f′(a) (backprop through f)."""
    return g if a >= 0 else k.slope * g


def _fixed_leaky_relu_grad(k, g, a):
    return g if a >= 0 else shift_round(g * k.slope, k.slope_frac)


leaky_relu_grad = _primitive(_float_leaky_relu_grad, _fixed_leaky_relu_grad)


def _float_noise(k, byte_sum):
    """ξ from an Irwin–Hall byte sum: σ·(S − 510)/147.8 (fixed: that, rounded to Q.F); (value, clipped)."""
    return (byte_sum - rng.IRWIN_HALL_MEAN) * k.sigma, 0


def _fixed_noise(k, byte_sum):
    return _clip(shift_round((byte_sum - rng.IRWIN_HALL_MEAN) * k.sigma, 16), k.msg_bits)


noise = _primitive(_float_noise, _fixed_noise)


# -- readout -----------------------------------------------------------------------------------
def _float_log_softmax(k, z, out):
    """log_softmax(z) into ``out``, max-subtracted so that exp never overflows (never NaN)."""
    top = z.max()
    total = 0.0
    for i in range(z.shape[0]):
        total += np.exp(z[i] - top)
    log_total = np.log(total)
    for i in range(z.shape[0]):
        out[i] = (z[i] - top) - log_total


def _fixed_log_softmax(k, z, out):
    top = z.max()
    total = np.int64(0)
    for i in range(z.shape[0]):
        total += lut.exp_neg(top - z[i], k.frac)  # ≥ 1 in total (the max term)
    log_total = lut.log_ge1(total, k.frac)
    for i in range(z.shape[0]):
        out[i] = (z[i] - top) - log_total


log_softmax = _primitive(_float_log_softmax, _fixed_log_softmax)


def _float_prob(k, logp):
    """π = exp(log π)."""
    return np.exp(logp)


def _fixed_prob(k, logp):
    return lut.exp_neg(-logp, k.frac)


prob = _primitive(_float_prob, _fixed_prob)


def _float_uniform(k, random):
    """u in [0, 1) from a 32-bit draw (fixed: its top F bits, Q.F)."""
    return np.float64(random) / 2.0**32


def _fixed_uniform(k, random):
    return np.int64(random >> np.uint64(32 - k.frac))


uniform = _primitive(_float_uniform, _fixed_uniform)


def _float_one(k):
    """1 in the precision's units."""
    return 1.0


def _fixed_one(k):
    return np.int64(1) << k.frac


one = _primitive(_float_one, _fixed_one)


# -- eligibility trace ---------------------------------------------------------------------------
def _float_mul_div(k, a, b, c):
    """a · b / c: ρ·ξ/‖ξ‖² with a, b Q.F and c Q.2F (one rounding, at the end); (value, clipped)."""
    return a * b / c, 0


def _fixed_mul_div(k, a, b, c):
    return _clip(div_round((a * b) << k.frac, max(c, 1)), k.msg_bits)


mul_div = _primitive(_float_mul_div, _fixed_mul_div)


def _float_trace_step(k, e, post, pre):
    """γ_e·e + post·pre for one synapse (post, pre Q.F; e Q.trace_frac, saturated); (value, clipped).
    γ_e = 1 skips the multiplication, which would leave e unchanged."""
    return (e if k.decay == 1.0 else e * k.decay) + post * pre, 0


def _fixed_trace_step(k, e, post, pre):
    increment = shift_round(post * pre, 2 * k.frac - k.trace_frac)
    decayed = e if k.decay == 1 << RATIO_FRAC_BITS else shift_round(e * k.decay, RATIO_FRAC_BITS)
    return _clip(decayed + increment, k.trace_bits)


trace_step = _primitive(_float_trace_step, _fixed_trace_step)


# -- reward, RPE, update -------------------------------------------------------------------------
def _float_rpe(k, reward, baseline, normalise):
    """δ = (R − R̄)/|R| (R − R̄ where R = 0), or R − R̄ without ``normalise``; (value, clipped)."""
    diff = reward - baseline
    if normalise and reward != 0:
        return diff / abs(reward), 0
    return diff, 0


def _fixed_rpe(k, reward, baseline, normalise):
    diff = reward - baseline
    if normalise and reward != 0:
        diff = div_round(diff << k.frac, abs(reward))
    return _clip(diff, k.reward_bits)


rpe = _primitive(_float_rpe, _fixed_rpe)


def _float_moving_average(k, baseline, value):
    """R̄ + λ (R − R̄); (value, clipped)."""
    return baseline + k.rate * (value - baseline), 0


def _fixed_moving_average(k, baseline, value):
    return _clip(baseline + shift_round((value - baseline) * k.rate, RATIO_FRAC_BITS), k.reward_bits)


moving_average = _primitive(_float_moving_average, _fixed_moving_average)


def _float_gain(k, n_post, delta):
    """η·N_l·δ (fixed: Q.lr_frac, δ Q.F)."""
    return k.lr * n_post * delta


def _fixed_gain(k, n_post, delta):
    return shift_round(k.lr * n_post * delta, k.frac)


gain = _primitive(_float_gain, _fixed_gain)


def _float_weight_step(k, w, gain, e, random):
    """w + gain·e (fixed: cut to the weight LSB by stochastic rounding with ``random``, or to nearest,
    as the format says; saturated); (value, clipped)."""
    return w + gain * e, 0


def _fixed_weight_step(k, w, gain, e, random):
    step = shift_stochastic(gain * e, k.update_shift, random) if k.stochastic else shift_round(gain * e, k.update_shift)
    return _clip(w + step, k.weight_bits)


weight_step = _primitive(_float_weight_step, _fixed_weight_step)


def _float_sign_step(k, w, step, direction, random):
    """w + direction·step, direction in {−1, 1} (fixed: step Q.lr_frac cut to the weight LSB by
    stochastic rounding with ``random``, saturated); (value, clipped)."""
    return w + direction * step, 0


def _fixed_sign_step(k, w, step, direction, random):
    shift = k.update_shift - k.trace_frac
    cut = shift_stochastic(step, shift, random) if k.stochastic else shift_round(step, shift)
    return _clip(w + direction * cut, k.weight_bits)


sign_step = _primitive(_float_sign_step, _fixed_sign_step)


def _float_adam_step(k, w, m, v, g, c1, c2):
    """Adam's step of one synapse from g (= s_l·δ·e): m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g², then
    w + η·(m/c1)/(√(v/c2) + ε), c1 = 1 − β1^t and c2 = 1 − β2^t at the layer's t-th reward event (the bias
    corrections); (w, m, v). Float only: a division and a square root per synapse have no fixed-point
    flavour here, and ``AgentSpec`` refuses one, so the fixed flavour leaves the synapse as it is."""
    m = ADAM_BETA1 * m + (1.0 - ADAM_BETA1) * g
    v = ADAM_BETA2 * v + (1.0 - ADAM_BETA2) * g * g
    return w + k.lr * (m / c1) / (np.sqrt(v / c2) + ADAM_EPSILON), m, v


def _fixed_adam_step(k, w, m, v, g, c1, c2):
    return w, m, v


adam_step = _primitive(_float_adam_step, _fixed_adam_step)


def _float_divide(k, x, n):
    """x / n for a positive integer n (fixed: rounded to nearest, half up)."""
    return x / n


def _fixed_divide(k, x, n):
    return div_round(x, n)


divide = _primitive(_float_divide, _fixed_divide)


def _float_rounds_stochastically(k):
    """Whether :func:`weight_step` uses its random bits (skip drawing them when it does not)."""
    return False


def _fixed_rounds_stochastically(k):
    return k.stochastic


rounds_stochastically = _primitive(_float_rounds_stochastically, _fixed_rounds_stochastically)


def _float_is_finite(k, x):
    """Whether x is finite (integers always are)."""
    return np.isfinite(x)


def _fixed_is_finite(k, x):
    return True


is_finite = _primitive(_float_is_finite, _fixed_is_finite)


# -- the Python side ---------------------------------------------------------------------------
class FloatArith:
    """float64 arithmetic: the reference the fixed-point flavour approximates."""

    precision = "float"
    dtype = np.float64

    def __init__(self):
        self.counts = np.zeros(len(SATURATION_KINDS), dtype=np.int64)  # floats never saturate

    @property
    def saturations(self) -> dict:
        return {}

    def constants(self, slope=0.0, sigma=0.0, decay=1.0, rate=1.0, lr=0.0) -> FloatConstants:
        """The kernels' ``k``: hyperparameters as float64."""
        return FloatConstants(float(slope), float(sigma) / rng.IRWIN_HALL_STD, float(decay), float(rate),
                              float(lr))

    def encode(self, x) -> np.ndarray:
        return np.asarray(x, dtype=np.float64)

    decode = encode_reward = encode_weights = decode_weights = decode_trace = encode


class FixedArith:
    """Integer arithmetic in the widths of ``fmt``: saturating, rounding to nearest, and stochastic
    rounding where a weight update is cut to the weight's LSB."""

    precision = "fixed"
    dtype = np.int64

    def __init__(self, fmt: FixedFormat | None = None):
        self.fmt = fmt or FixedFormat()
        self.F = self.fmt.frac_bits
        # Values clipped to their width, by kind (SATURATION_KINDS): saturation is never silent.
        self.counts = np.zeros(len(SATURATION_KINDS), dtype=np.int64)

    @property
    def saturations(self) -> dict:
        return dict(zip(SATURATION_KINDS, (int(c) for c in self.counts)))

    @staticmethod
    def _q(value: float, frac_bits: int) -> int:
        return int(np.floor(value * 2.0**frac_bits + 0.5))

    def constants(self, slope=0.0, sigma=0.0, decay=1.0, rate=1.0, lr=0.0) -> FixedConstants:
        """The kernels' ``k``: the format's widths and the quantised hyperparameters."""
        f = self.fmt
        return FixedConstants(
            f.frac_bits, f.msg_bits, f.weight_bits, f.weight_frac_bits, f.trace_bits, f.trace_frac_bits,
            f.slope_frac_bits, f.reward_bits, f.update_shift, f.rounding == "stochastic",
            self._q(slope, f.slope_frac_bits), self._q(sigma * 2.0**self.F * 2.0**16 / rng.IRWIN_HALL_STD, 0),
            self._q(decay, RATIO_FRAC_BITS), self._q(rate, RATIO_FRAC_BITS), self._q(lr, f.lr_frac_bits))

    # -- conversions at the edges (the only float ↔ int steps) ---------------------------------
    def _quantise(self, x, frac_bits: int, bits: int, kind: int) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        out = np.empty(x.shape, np.int64)
        clipped = _quantise(np.ascontiguousarray(x).reshape(-1), 2.0**frac_bits, bits, out.reshape(-1))
        if clipped < 0:
            from lava_nrl.errors import NonFiniteError

            bad = np.flatnonzero(~np.isfinite(x.reshape(-1)))
            raise NonFiniteError(f"cannot encode a non-finite {SATURATION_KINDS[kind]} value in fixed point: "
                                 f"{bad.size} of {x.size} are NaN or infinite (the first, at flat index {bad[0]}, "
                                 f"is {x.reshape(-1)[bad[0]]})")
        self.counts[kind] += clipped
        return out

    def encode(self, x) -> np.ndarray:
        """Real values → Q.F integers, rounded to nearest and saturated to the message width."""
        return self._quantise(x, self.F, self.fmt.msg_bits, INPUT)

    def encode_reward(self, r) -> np.ndarray:
        """Rewards → Q.F integers saturated to ``reward_bits``."""
        return self._quantise(r, self.F, self.fmt.reward_bits, REWARD)

    def encode_weights(self, w) -> np.ndarray:
        """Weights → Q.weight_frac integers saturated to ``weight_bits``."""
        return self._quantise(w, self.fmt.weight_frac_bits, self.fmt.weight_bits, WEIGHT)

    def decode(self, x) -> np.ndarray:
        return np.asarray(x, dtype=np.float64) / 2.0**self.F

    def decode_weights(self, w) -> np.ndarray:
        return np.asarray(w, dtype=np.float64) / 2.0**self.fmt.weight_frac_bits

    def decode_trace(self, e) -> np.ndarray:
        return np.asarray(e, dtype=np.float64) / 2.0**self.fmt.trace_frac_bits


@njit(cache=True)
def _quantise(x, scale, bits, out):
    """out = saturate(floor(x·scale + 1/2), bits) (rounded to nearest, half up; beyond ±2^62 first
    clipped to ±2^62); returns how many values the saturation clipped. Compiled: it runs on every
    observation and reward of a fixed-point run. Returns −1 at a NaN or infinity."""
    clipped = 0
    for i in range(x.shape[0]):
        if not np.isfinite(x[i]):
            return -1
        out[i], c = _quantise_one(x[i], scale, bits)
        clipped += c
    return clipped


@register_jitable
def _quantise_one(x, scale, bits):
    """One finite real value as :func:`_quantise` encodes it; (value, clipped)."""
    return _clip(np.int64(min(max(np.floor(x * scale + 0.5), -(2.0**62)), 2.0**62)), bits)


def _float_quantise(k, x, kind):
    """A finite real observation (``kind`` INPUT) or reward (REWARD) as ``arith.encode`` or
    ``encode_reward`` encodes it (fixed: Q.F, saturated to the message width or to ``reward_bits``);
    (value, clipped)."""
    return x, 0


def _fixed_quantise(k, x, kind):
    return _quantise_one(x, 2.0**k.frac, k.msg_bits if kind == INPUT else k.reward_bits)


quantise = _primitive(_float_quantise, _fixed_quantise)


def make_arith(precision: str, fmt: FixedFormat | None = None):
    """``"float"`` → :class:`FloatArith`; ``"fixed"`` → :class:`FixedArith` (``fmt`` or the default)."""
    if precision == "float":
        return FloatArith()
    if precision == "fixed":
        return FixedArith(fmt)
    from lava_nrl.errors import ConfigError

    raise ConfigError(f"precision must be 'float' or 'fixed', got {precision!r}")
