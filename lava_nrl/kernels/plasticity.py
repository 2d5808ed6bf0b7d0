# SPDX-License-Identifier: BSD-3-Clause
"""What a learning rule does with a layer and with the reward, written once for every runner.

A :class:`Rule` and a :class:`Modulation` are resolved once into a :class:`LayerRule` per layer (the
trace's post- and pre-synaptic factors, the ‖ξ‖² that normalises ξ, the update's scale) and a
:class:`ThirdFactor` (how a reward becomes δ). The compiled rows below take them:

- :func:`trace_step_row`   e_l ← γ_e e_l + post_l ⊗ pre_l          (eqs. 5–6; every step)
- :func:`sign_back_tick`   W_lᵀ s_l for the layer below's sign neurons (SRL's sign pathway; every step)
- :func:`reward_event_row` W_l ← W_l + η·s_l·δ·e_l, then e_l ← 0     (eq. 9; at a reward event)
- :func:`modulator_row`    δ from R and R̄, then R̄ ← R̄ + λ(R − R̄)  (eqs. 7–8; at a reward event)

:mod:`.agent`'s ``act``/``learn`` (the engine and the fused ``NRLAgent``) call them for every layer
of a network; :func:`trace_dense_tick` and :func:`modulator_tick` are the decomposed graph's
``TraceDense`` (:func:`sign_back_tick` first under SRL) and ``RewardModulator`` ticks, made of the same
rows. No runner decides a rule's
control flow itself, so adding a rule or an option is a change here and in :mod:`.rules`.

The compiled entry points take a layer rule as a plain tuple and rebuild the NamedTuple inside:
numba's dispatcher types a NamedTuple argument about 0.7 µs slower than a plain tuple, and ``act``
runs once per agent group and env step (tens of millions of times in a reproduction).
"""

from __future__ import annotations

import typing as ty

import numpy as np
from numba import njit
from numba.extending import register_jitable

from lava_nrl.numerics import arith as ar

from .layer import dense_row, sum_sq_row
from .modulator import baseline_one, rpe_one
from .rules import Modulation, Rule
from .trace import nrl_post_row, sign_back_row, trace_row
from .update import adam_update_row, sign_update_row, update_row

__all__ = ["POST_NRL", "POST_RMHL", "POST_BP", "POST_EXACT", "POST_SIGN", "POST_BP_SIGN", "STEP_PLAIN", "STEP_SIGN",
           "STEP_RELEVANCE", "STEP_CAPPED", "STEP_ADAM",
           "LayerRule", "ThirdFactor", "layer_rule", "layer_rules", "third_factor", "trace_step_row",
           "update_gain", "reward_event_row", "modulator_row", "sign_back_tick", "trace_dense_tick", "modulator_tick"]

# LayerRule.post: the trace's post-synaptic factor. POST_BP, POST_EXACT, POST_SIGN and POST_BP_SIGN are
# filled by the caller (∂ log π(a)/∂a of the whole network; 1[a = k] − π_k at the output; SRL's ternary
# signs, from the sign pathway or from the backprop error).
POST_NRL, POST_RMHL, POST_BP, POST_EXACT, POST_SIGN, POST_BP_SIGN = 0, 1, 2, 3, 4, 5
_POST_KINDS = {"nrl": POST_NRL, "rmhl": POST_RMHL, "bp": POST_BP, "srl": POST_SIGN, "srl-bp": POST_BP_SIGN}
# LayerRule.step: the per-synapse step at a reward event.
STEP_PLAIN, STEP_SIGN, STEP_RELEVANCE, STEP_CAPPED, STEP_ADAM = 0, 1, 2, 3, 4
_STEP_KINDS = {"plain": STEP_PLAIN, "sign": STEP_SIGN, "relevance": STEP_RELEVANCE, "capped": STEP_CAPPED,
               "adam": STEP_ADAM}


class LayerRule(ty.NamedTuple):
    """One layer's learning choices, resolved from the rule and the modulation."""

    post: int  # POST_NRL: ρ ξ/‖ξ‖²;  POST_RMHL: ξ;  POST_BP: ∂ log π(a)/∂a (the whole network's);
    #            POST_EXACT: 1[a = k] − π_k (output layer); POST_SIGN: SRL's sign s_l ∈ {−1, 0, 1} (sgn of
    #            1[a = k] − π_k at the output, sgn(W_{l+1}ᵀ s_{l+1}) below); POST_BP_SIGN: sgn(∂ log π(a)/∂a)
    layer_norm: bool  # ‖ξ‖² is this layer's own ‖ξ_l‖² (else the whole network's)
    pre_noisy: bool  # the trace's pre-synaptic factor is the noisy activity x̃ (else the clean x)
    update_scale: int  # s_l in W_l ← W_l + η·s_l·δ·e_l: 1 (variant A), N_l (variant B) or N (unbiased)
    step: int  # STEP_PLAIN: η·s_l·δ·e;  STEP_SIGN: η·s_l·sign(δ·e);  STEP_RELEVANCE: η·s_l·|δ|·sign(δ·e);
    #            STEP_CAPPED: η·s_l·min(1, |δ|·2^cap_shift)·sign(δ·e);  STEP_ADAM: η·m̂/(√v̂ + ε) of g = s_l·δ·e
    cap_shift: int  # θ = 2^−cap_shift of STEP_CAPPED
    passes: int  # M, the network's noisy passes per step (the same in every layer)
    antithetic: bool  # the M passes are M/2 pairs (ξ, −ξ)


class ThirdFactor(ty.NamedTuple):
    """How a reward becomes the third factor δ."""

    normalise_rpe: bool  # δ = (R − R̄)/|R| (else R − R̄)
    reset_baseline_each_episode: bool  # R̄ is forgotten at each episode end


def layer_rule(rule: Rule, modulation: Modulation, n_post: int, n_noisy: int, output: bool) -> LayerRule:
    """The choices of a layer with ``n_post`` post-synaptic units, in a network of ``n_noisy`` noisy
    units, under ``rule`` and ``modulation``; ``output``: it is the output layer."""
    exact = output and rule.output_post == "exact"
    pre_noisy = modulation.pre_noisy if rule.pre_noisy is None else rule.pre_noisy
    return LayerRule(post=POST_EXACT if exact else _POST_KINDS[rule.trace], layer_norm=modulation.xi_norm == "layer",
                     pre_noisy=pre_noisy and not exact,  # the exact eligibility is the clean policy's
                     update_scale={"one": 1, "n_post": n_post, "network": n_noisy}[rule.gain],
                     step=_STEP_KINDS[rule.step_under(modulation)], cap_shift=rule.cap_shift, passes=rule.passes,
                     antithetic=rule.antithetic)


def layer_rules(rule: Rule, modulation: Modulation, sizes) -> tuple:
    """:func:`layer_rule` of every layer of a network of ``sizes`` [n_obs, …, n_actions]."""
    return tuple(layer_rule(rule, modulation, n, sum(sizes[1:]), l == len(sizes) - 2)
                 for l, n in enumerate(sizes[1:]))


def third_factor(modulation: Modulation) -> ThirdFactor:
    """The reward path's switches of ``modulation``."""
    return ThirdFactor(modulation.normalise_rpe, modulation.reset_baseline_each_episode)


# -- per agent and layer (compiled into every runner) ------------------------------------------
@register_jitable
def trace_step_row(k, sat, layer, e, rho, xi, network_xi_sq, x, x_noisy, post):
    """e ← γ_e e + post ⊗ pre for one agent's layer, in place.

    post = ρ ξ/‖ξ‖² (NRL; ‖ξ‖² the layer's own or ``network_xi_sq``), ξ (RMHL), or ``post`` as given
    (BP: the caller fills it with ∂ log π(a)/∂a, which needs the whole network; the exact output
    eligibility 1[a = k] − π_k, from the readout; SRL's ternary signs, scaled here to the precision's
    one, in place); pre = x̃ or x."""
    if layer.post == POST_NRL:
        nrl_post_row(k, sat, rho, xi, sum_sq_row(xi) if layer.layer_norm else network_xi_sq, post)
    elif layer.post == POST_RMHL:
        post[:] = xi
    elif layer.post == POST_SIGN or layer.post == POST_BP_SIGN:
        for i in range(post.shape[0]):
            post[i] = post[i] * ar.one(k)
    trace_row(k, sat, e, post, x_noisy if layer.pre_noisy else x)


@register_jitable
def update_gain(k, layer, delta):
    """η·s_l·δ, the factor of e_l in the layer's update."""
    return ar.gain(k, layer.update_scale, delta)


@register_jitable
def reward_event_row(k, sat, layer, w, e, delta, learning, key, counter, moments):
    """A reward event at one agent's layer: W ← W + η·s_l·δ·e (or η·s_l·sign(δ·e), η·s_l·|δ|·sign(δ·e),
    η·s_l·min(1, |δ|/θ)·sign(δ·e), or Adam's η·m̂/(√v̂ + ε) of g = s_l·δ·e with the layer's per-synapse
    ``moments``, (2, n_post, n_pre), unused by the other steps) if ``learning`` (stochastic rounding from
    draw ``counter`` of the layer's stream ``key``; ``counter`` + 1 is Adam's t), then e ← 0 (learning or
    not)."""
    if learning and layer.step == STEP_SIGN:
        sign_update_row(k, sat, w, e, update_gain(k, layer, ar.one(k)), delta, key, counter)
    elif learning and layer.step == STEP_RELEVANCE:
        sign_update_row(k, sat, w, e, update_gain(k, layer, abs(delta)), delta, key, counter)
    elif learning and layer.step == STEP_CAPPED:  # |δ|/θ = |δ|·2^cap_shift, exact in both precisions
        sign_update_row(k, sat, w, e, update_gain(k, layer, min(abs(delta) * (1 << layer.cap_shift), ar.one(k))),
                        delta, key, counter)
    elif learning and layer.step == STEP_ADAM:
        adam_update_row(k, w, e, layer.update_scale * delta, moments, counter)
    elif learning:
        update_row(k, sat, w, e, update_gain(k, layer, delta), key, counter)
    e[:] = 0


@register_jitable
def modulator_row(k, sat, third, reward, event, episode_end, baseline, has_baseline, b):
    """Agent b's third factor at one step: at a reward ``event``, δ from R and R̄ (R̄ starts at the
    first R, so the first δ is 0) and then R̄ ← R̄ + λ(R − R̄); at an ``episode_end`` R̄ is forgotten
    if the modulation resets it each episode. Returns δ (0 without an event)."""
    delta = reward - reward  # 0 in the reward's type
    if event:
        delta = rpe_one(k, sat, reward, baseline[b], has_baseline[b], third.normalise_rpe)
        baseline[b] = baseline_one(k, sat, reward, baseline[b], has_baseline[b])
        has_baseline[b] = True
    if third.reset_baseline_each_episode and episode_end:
        has_baseline[b] = False
    return delta


# -- the decomposed graph's ticks (batch-first; a Lava model passes a batch of one) ---------------
@njit(cache=True)
def sign_back_tick(k, sat, layer_tuple, below, w, given, back):
    """The first part of a ``TraceDense`` tick, for each copy b (of agent b // K): under SRL's sign
    pathway, and where there is a layer ``below``, back = Wᵀ s of the signs ``given`` (the previous
    step's, from this layer's sign neurons) through the weights they were computed with (before this
    tick's update), for the sign neurons of the layer below; else ``back`` is left as it is."""
    layer = LayerRule(*layer_tuple)
    if layer.post == POST_SIGN and below:
        copies = given.shape[0] // w.shape[0]
        for b in range(given.shape[0]):
            sign_back_row(k, sat, w[b // copies], given[b], back[b])


@njit(cache=True)
def trace_dense_tick(k, sat, layer_tuple, w, e, has_previous, x_previous, x_noisy_previous, rho, network_xi_sq,
                     delta, event, xi, given, key, updates, x, x_noisy, a, a_noisy, post):
    """One ``TraceDense`` tick for each copy b (rows as in :mod:`.agent`: copy b of agent b // K): the
    trace step of the previous step (from its inputs ``x_previous``, ``x_noisy_previous``, ρ, ‖ξ‖², the
    neurons' ξ and, for the exact output eligibility or SRL's signs, the ``given`` post factor) and the
    reward event, copy after copy; then, once every event has changed the shared weights, the forward
    sums a = W x, ã_in = W x̃ of this step, whose inputs become the previous ones. (The Adam-style step,
    engine-only, has no moments here.)"""
    layer = LayerRule(*layer_tuple)
    copies = e.shape[0] // w.shape[0]
    no_moments = np.zeros((2, 0, 0), w.dtype)
    for b in range(e.shape[0]):
        i = b // copies
        if layer.post == POST_EXACT or layer.post == POST_SIGN:
            post[b, :] = given[b]
        if has_previous[b]:  # the first tick has no previous step
            trace_step_row(k, sat, layer, e[b], rho[b], xi[b], network_xi_sq[b], x_previous[b],
                           x_noisy_previous[b], post[b])
        if event[b]:
            reward_event_row(k, sat, layer, w[i], e[b], delta[b], True, key[i], updates[i], no_moments)
            updates[i] += np.uint64(1)
    for b in range(e.shape[0]):
        dense_row(k, sat, w[b // copies], x[b], x_noisy[b], a[b], a_noisy[b])
        x_previous[b] = x[b]
        x_noisy_previous[b] = x_noisy[b]
        has_previous[b] = True


@njit(cache=True)
def modulator_tick(k, sat, third_tuple, reward, event, episode_end, baseline, has_baseline, delta):
    """One ``RewardModulator`` tick for each copy b: δ into ``delta`` (see :func:`modulator_row`)."""
    third = ThirdFactor(*third_tuple)
    for b in range(reward.shape[0]):
        delta[b] = modulator_row(k, sat, third, reward[b], event[b], episode_end[b], baseline, has_baseline, b)
