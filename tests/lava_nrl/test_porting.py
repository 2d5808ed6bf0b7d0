# SPDX-License-Identifier: BSD-3-Clause
"""docs/porting.md's learning rule, run through Lava's own fixed-point learning-engine emulation
(``LearningRuleApplierBitApprox``, Loihi 1's widths): the tag accumulates post·pre from offset traces,
a reward event's y0 clears it, and the weight moves by tag × δ (or sign(tag) × δ for nrl-fast)."""

import numpy as np
import pytest
from lava.magma.core.learning.learning_rule import Loihi3FLearningRule
from lava.magma.core.learning.learning_rule_applier import LearningRuleApplierBitApprox

TRACE = "2^-2 * u0 * (x1 - 64) * (y1 - 64) - y0 * t"
WEIGHT = {"nrl": "2^-3 * y0 * t * (y3 - 64)", "nrl-fast": "y0 * sgn(t) * (y3 - 64)"}
SHIFT = 7  # the emulation holds a synaptic variable shifted left by 16 − 9 bits while it applies a rule


def apply(equation, variable, *, t=0, x1=64, y1=64, y3=64, event=False):
    """One epoch of ``equation`` on a single synapse whose ``variable`` (its tag t or weight w) starts at
    0 or, for the tag, at ``t``; returns its change in its own units, before rounding."""
    rule = Loihi3FLearningRule(dt=TRACE, dw=equation, t_epoch=1, rng_seed=0)
    shape = (1, 1)
    args = dict(shape=shape, x0=np.zeros(shape, int), y0=np.full(shape, int(event)), u=1,
                weights=np.zeros(shape, int), tag_2=np.zeros(shape, int), tag_1=np.full(shape, t))
    for dependency in ("x0", "y0", "u"):
        args.update({f"{trace}_{dependency}": np.full(shape, value) for trace, value in
                     (("x1", x1), ("y1", y1), ("y3", y3))})
    series = rule.dt if variable == "t" else rule.dw
    start = t if variable == "t" else 0
    return LearningRuleApplierBitApprox(series).apply(np.full(shape, start << SHIFT), **args)[0, 0] / 2**SHIFT - start


@pytest.mark.parametrize("pre,post", [(40, 30), (-40, 30), (-20, -25), (63, 63)])
def test_the_tag_adds_post_times_pre_from_offset_traces(pre, post):
    # (x1 − 64)(y1 − 64) times the written 2^-2 and the emulation's 2^-3 (7 + 7 + 4 bits − 15), a shift
    # that drops the product's 3 low bits
    assert apply(WEIGHT["nrl"], "t", x1=64 + pre, y1=64 + post) == (pre * post >> 3) / 4


def test_a_reward_event_clears_the_tag_and_moves_the_weight_by_tag_times_delta():
    assert apply(WEIGHT["nrl"], "t", t=100, event=True) == -100  # e ← 0 (x1 = y1 = 64: no increment)
    assert apply(WEIGHT["nrl"], "t", t=100) == 0  # no event: the tag keeps the trace
    for delta in (50, -50):  # t·δ times 2^-3 and 2^-5 (9 + 7 + 4 bits − 15)
        assert apply(WEIGHT["nrl"], "w", t=200, y3=64 + delta, event=True) == pytest.approx(200 * delta / 256, abs=0.2)
    assert apply(WEIGHT["nrl"], "w", t=200, y3=64 + 50) == 0  # no event, no update


def test_nrl_fast_steps_by_the_sign_of_the_tag():
    for t in (3, 200, -7):
        assert apply(WEIGHT["nrl-fast"], "w", t=t, y3=64 + 32, event=True) == np.sign(t)  # 32 · 2^-5
    assert apply(WEIGHT["nrl-fast"], "w", t=0, y3=64 + 32, event=True) == 0
