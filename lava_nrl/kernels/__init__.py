# SPDX-License-Identifier: BSD-3-Clause
"""Layer 2 — the arithmetic of NRL, once, as compiled batch-first functions.

Every function takes an ``arith`` (:class:`~lava_nrl.numerics.FloatArith` or
:class:`~lava_nrl.numerics.FixedArith`) and arrays whose leading axis is the batch (agents or
environments). Each is a compiled loop over per-agent rows (``*_row``); :mod:`.agent`'s ``act`` and
``learn`` are compiled from the same rows. The engine, the fused Lava model and the decomposed Lava
models all call these, so the three runners cannot drift.
"""

from .layer import dense, network_forward, noise, noisy_neuron, sum_sq, xavier_normal
from .modulator import rpe, update_baseline
from .readout import policy_readout
from .rules import RULES, Modulation, Rule, get_rule
from .trace import bp_post_factors, nrl_post_factor, output_grad, signs, trace_update
from .update import weight_update

__all__ = [
    "dense", "noisy_neuron", "noise", "sum_sq", "network_forward", "xavier_normal",
    "policy_readout",
    "nrl_post_factor", "output_grad", "bp_post_factors", "signs", "trace_update",
    "rpe", "update_baseline",
    "weight_update",
    "Rule", "Modulation", "RULES", "get_rule",
]
