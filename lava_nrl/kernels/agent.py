# SPDX-License-Identifier: BSD-3-Clause
"""One agent step, written once for every runner: :func:`act` (noise, clean and noisy pass, readout,
trace) and :func:`learn` (at a reward event: RPE, weight update, baseline, trace reset).

The engine calls them for a batch of agents; the Lava ``NRLAgent`` model calls them for one. State is
an :class:`AgentState` of arrays with a leading agent axis, updated in place.

An agent may act in K environments at once (``copies``): its K *copies* share its weights and each has
its own activity, noise and action streams, trace and baseline; the copies of agent i are rows
i·K … i·K + K − 1 of the per-copy arrays. At a step, every copy acts on the same weights; then the
copies' reward events apply one after the other, in row order, each changing the shared weights by its
own δ_k·e_k. With K = 1 a copy is its agent. Each is one compiled
loop over the agents, made of the same per-agent rows as the decomposed Lava Processes' ticks
(:mod:`.plasticity` holds the rule's rows), so every runner computes the same numbers in the same order.

:class:`Groups` runs several groups of agents — each with its own spec (rule, η, sizes) and state, the
engine's cohort — through :func:`act` and :func:`learn` in one compiled call per precision and depth:
each group computes exactly what its own call computes, without a Python call per group and step.
"""

from __future__ import annotations

import dataclasses
import typing as ty

import numpy as np
from numba import njit, typed, typeof
from numba.extending import register_jitable

from lava_nrl.errors import ConfigError, NonFiniteError
from lava_nrl.numerics import FixedFormat, make_arith, rng
from lava_nrl.numerics import arith as ar

from .layer import LEAKY_SLOPE, dense_row, neuron_row, noise_row, sum_sq_row, xavier_normal
from .plasticity import (
    POST_BP, POST_BP_SIGN, POST_EXACT, POST_NRL, POST_SIGN, STEP_PLAIN, LayerRule, ThirdFactor, layer_rules,
    modulator_row, reward_event_row, third_factor, trace_step_row, update_gain,
)
from .readout import readout_row
from .rules import Modulation, Rule
from .trace import bp_post_row, output_grad_row, srl_post_row
from .update import update_is_finite

__all__ = ["AgentSpec", "AgentState", "init_agents", "act", "learn", "Groups"]


@dataclasses.dataclass(frozen=True)
class AgentSpec:
    """What every agent of a run shares: sizes, rule, hyperparameters, precision.

    Parameters
    ----------
    sizes : tuple of int
        Layer sizes [n_obs, H × L, n_actions].
    rule : Rule
    modulation : Modulation
    lr : float
        η.
    sigma : float
        σ of the noise ξ.
    precision : str
        ``"float"`` or ``"fixed"``.
    fixed_format : FixedFormat
        Widths of the fixed-point flavour.

    Attributes
    ----------
    arith : FloatArith or FixedArith
    constants : FloatConstants or FixedConstants
        The kernels' ``k``.
    layers : tuple of LayerRule
        Each layer's learning choices, resolved once.
    third_factor : ThirdFactor
        How a reward becomes δ.
    layer_tuples, third_factor_tuple : tuple
        The same as plain tuples, as the compiled loops take them.
    """

    sizes: tuple
    rule: Rule
    modulation: Modulation
    lr: float
    sigma: float
    precision: str = "float"
    fixed_format: FixedFormat = dataclasses.field(default_factory=FixedFormat)

    def __post_init__(self) -> None:
        fmt = self.fixed_format
        if self.precision == "fixed" and (self.rule.keeps_moments or self.rule.passes > 1):
            raise ConfigError(f"rule {self.rule.name!r} has no fixed-point flavour: {self.rule.engine_only}")
        if self.rule.passes > 1 and self.modulation.trace_decay != 1.0:
            raise ConfigError(f"rule {self.rule.name!r}: several noisy passes sum their estimates into the trace, "
                              f"which needs γ_e = 1 (trace_decay), got {self.modulation.trace_decay}")
        if (self.precision == "fixed" and self.rule.step_under(self.modulation) != "plain"
                and fmt.lr_frac_bits < fmt.weight_frac_bits):
            raise ConfigError(f"rule {self.rule.name!r}'s sign step needs lr_frac_bits ≥ weight_frac_bits (η is cut to "
                              f"a weight LSB), got {fmt.lr_frac_bits} < {fmt.weight_frac_bits}")
        arith = make_arith(self.precision, self.fixed_format)
        object.__setattr__(self, "arith", arith)
        object.__setattr__(self, "constants", arith.constants(
            slope=LEAKY_SLOPE, sigma=self.sigma, decay=self.modulation.trace_decay,
            rate=self.modulation.baseline_rate, lr=self.lr))
        object.__setattr__(self, "layers", layer_rules(self.rule, self.modulation, self.sizes))
        object.__setattr__(self, "third_factor", third_factor(self.modulation))
        # What the compiled loops switch on, as plain tuples (see lava_nrl.kernels.plasticity).
        object.__setattr__(self, "layer_tuples", tuple(tuple(layer) for layer in self.layers))
        object.__setattr__(self, "third_factor_tuple", tuple(self.third_factor))

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1


class AgentState(ty.NamedTuple):
    """Everything a batch of A agents with K copies each learns, counts or draws with; leading axis =
    agent (A) or copy (A·K, agent i's copies together)."""

    weights: list  # W_l, (A, n_post, n_pre)
    traces: list  # e_l, (A·K, n_post, n_pre)
    baseline: np.ndarray  # R̄, (A·K,)
    has_baseline: np.ndarray  # (A·K,) bool: R̄ has been set
    step: np.ndarray  # (A·K,) uint64: steps taken = draw counter of the noise and action streams
    updates: np.ndarray  # (A,) uint64: reward events = draw counter of the rounding streams
    noise_key: np.ndarray  # (A·K,) uint32: one stream, one element per neuron (numbered across layers)
    action_key: np.ndarray  # (A·K,) uint32
    rounding_keys: np.ndarray  # (L, A) uint32: one stream per layer
    moments: list  # the Adam-style step's m and v per synapse, (A, 2, n_post, n_pre); (A, 2, 0, 0) for other steps


def init_agents(spec: AgentSpec, seeds: ty.Sequence[int], copies: int = 1) -> AgentState:
    """Xavier-normal weights from each seed (quantised in fixed point), zero traces, no baseline; each
    agent with ``copies`` environment copies (their streams: :func:`lava_nrl.numerics.rng.copy_keys`)."""
    arith = spec.arith
    per_agent = [xavier_normal(list(spec.sizes), s) for s in seeds]
    weights = [arith.encode_weights(np.stack([w[l] for w in per_agent])) for l in range(spec.n_layers)]
    n, rows = len(seeds), len(seeds) * copies
    return AgentState(
        weights=weights,
        traces=[np.zeros((rows,) + w.shape[1:], w.dtype) for w in weights],
        baseline=arith.encode_reward(np.zeros(rows)),
        has_baseline=np.zeros(rows, dtype=bool),
        step=np.zeros(rows, dtype=np.uint64),
        updates=np.zeros(n, dtype=np.uint64),
        noise_key=np.concatenate([rng.copy_keys(s, rng.NOISE, copies) for s in seeds]),
        action_key=np.concatenate([rng.copy_keys(s, rng.ACTION, copies) for s in seeds]),
        rounding_keys=np.array([[rng.derive_key(s, rng.ROUNDING, l) for s in seeds] for l in range(spec.n_layers)],
                               dtype=np.uint32).reshape(spec.n_layers, n),
        moments=[np.zeros((n, 2) + (w.shape[1:] if spec.rule.keeps_moments else (0, 0)), w.dtype) for w in weights],
    )


@register_jitable
def _noisy_log_policy(k, sat, weights, i, first, s, a, xi, a_noisy_in, a_noisy, x_noisy, spare_a, spare_x, logp):
    """log π̃ into ``logp`` from agent i's noisy stream alone, with noise ``xi`` on observation ``s``, beside
    a clean pass already made (``a``): ã_l = W_l x̃_{l−1} + ξ_l into ``a_noisy``, x̃ into ``x_noisy``;
    ``spare_a`` and ``spare_x`` take the clean outputs that the rows compute beside."""
    n_layers, n_in = len(weights), s.shape[0]
    x_noisy[:n_in] = s
    for l in range(n_layers):
        w = weights[l][i]
        lo, hi, x_in = first[l], first[l + 1], 0 if l == 0 else n_in + first[l - 1]
        dense_row(k, sat, w, x_noisy[x_in : x_in + w.shape[1]], x_noisy[x_in : x_in + w.shape[1]], spare_a[lo:hi],
                  a_noisy_in[lo:hi])
        neuron_row(k, sat, a[lo:hi], a_noisy_in[lo:hi], xi[lo:hi], l < n_layers - 1, a_noisy[lo:hi], spare_x[lo:hi],
                   x_noisy[n_in + lo : n_in + hi])
    ar.log_softmax(k, a_noisy[first[n_layers - 1] :], logp)


@register_jitable
def _network_xi_sq(xi, first, needed):
    """Σ_l ‖ξ_l‖², summed layer by layer (layer l's neurons first[l] … first[l + 1] − 1), where some layer
    ``needed`` it; else 0."""
    total = xi[0] * 0
    if needed:
        for l in range(len(first) - 1):
            total += sum_sq_row(xi[first[l] : first[l + 1]])
    return total


@register_jitable
def _estimate_rho(k, sat, weights, i, first, s, a, xi, logp_noisy, logp, action, antithetic, estimates, mirror):
    """ρ of one of the P estimates of several noisy passes, divided by P (their mean): log π̃(a; ξ) −
    log π(a), or, for an antithetic pair, (log π̃(a; ξ) − log π̃(a; −ξ))/2, the mirror pass made here
    (``mirror``: its ξ, ã_in, ã, x̃, two spare arrays and log π̃ buffers)."""
    if not antithetic:
        return ar.divide(k, logp_noisy[action] - logp[action], estimates)
    mirror_xi, a_noisy_in, a_noisy, x_noisy, spare_a, spare_x, logp_mirror = mirror
    mirror_xi[:] = -xi
    _noisy_log_policy(k, sat, weights, i, first, s, a, mirror_xi, a_noisy_in, a_noisy, x_noisy, spare_a, spare_x,
                      logp_mirror)
    return ar.divide(k, logp_noisy[action] - logp_mirror[action], 2 * estimates)


@njit(cache=True)
def _act(k, sat, weights, traces, s, noise_key, action_key, step, layer_tuples, act_noisy, acting, actions):
    n_layers, n_in = len(weights), s.shape[1]
    first = np.zeros(n_layers + 1, np.int64)  # layer l's neurons are first[l] … first[l + 1] − 1
    for l in range(n_layers):
        first[l + 1] = first[l] + weights[l].shape[1]
    n_neurons = first[n_layers]
    a, a_noisy_in = np.empty(n_neurons, s.dtype), np.empty(n_neurons, s.dtype)
    a_noisy, xi, post = np.empty(n_neurons, s.dtype), np.empty(n_neurons, s.dtype), np.empty(n_neurons, s.dtype)
    # x[:n_in] = s, then each layer's output: layer l reads x[x_in(l) : x_in(l) + n_pre]
    x, x_noisy = np.empty(n_in + n_neurons, s.dtype), np.empty(n_in + n_neurons, s.dtype)
    n_actions = weights[n_layers - 1].shape[1]
    logp, logp_noisy = np.empty(n_actions, s.dtype), np.empty(n_actions, s.dtype)
    copies = s.shape[0] // weights[0].shape[0]  # K: row b acts with agent b // K's weights
    network_norm = False  # some layer normalises its ξ by the whole network's ‖ξ‖²
    for l in range(n_layers):
        layer = LayerRule(*layer_tuples[l])
        network_norm |= layer.post == POST_NRL and not layer.layer_norm
    # Several noisy passes (the rule's M): P estimates, each a pass or an antithetic pair (ξ, −ξ); the
    # extra passes' buffers (empty for M = 1). Set 2 holds a pass's ξ and noisy stream, set 3 its mirror.
    # The rule's choices for the whole network, read from its first layer: passes and antithetic (the
    # same in every layer) and BP's and SRL's post-synaptic kind (every layer's, the output's too).
    first_layer = LayerRule(*layer_tuples[0])
    passes, antithetic = first_layer.passes, first_layer.antithetic
    estimates = passes // 2 if antithetic else passes
    extra = n_neurons if passes > 1 else 0
    xi2, xi3, a_noisy_in2 = np.empty(extra, s.dtype), np.empty(extra, s.dtype), np.empty(extra, s.dtype)
    a_noisy2, a_noisy3 = np.empty(extra, s.dtype), np.empty(extra, s.dtype)
    spare_a, spare_x = np.empty(extra, s.dtype), np.empty(extra, s.dtype)
    x_noisy2, x_noisy3 = np.empty(n_in + extra, s.dtype), np.empty(n_in + extra, s.dtype)
    logp2, logp3 = np.empty(n_actions, s.dtype), np.empty(n_actions, s.dtype)
    mirror = (xi3, a_noisy_in2, a_noisy3, x_noisy3, spare_a, spare_x, logp3)  # an antithetic pair's −ξ pass
    for b in range(s.shape[0]):
        if acting is not None and not acting[b]:
            continue
        # CLEAN AND NOISY PASS
        x[:n_in] = s[b]
        x_noisy[:n_in] = s[b]
        noise_row(k, sat, noise_key[b], step[b], 0, xi)
        for l in range(n_layers):
            w = weights[l][b // copies]
            lo, hi, x_in = first[l], first[l + 1], 0 if l == 0 else n_in + first[l - 1]
            dense_row(k, sat, w, x[x_in : x_in + w.shape[1]], x_noisy[x_in : x_in + w.shape[1]], a[lo:hi],
                      a_noisy_in[lo:hi])
            neuron_row(k, sat, a[lo:hi], a_noisy_in[lo:hi], xi[lo:hi], l < n_layers - 1, a_noisy[lo:hi],
                       x[n_in + lo : n_in + hi], x_noisy[n_in + lo : n_in + hi])

        # READOUT: ACTION, RHO
        top = first[n_layers - 1]
        action, rho = readout_row(k, a[top:], a_noisy[top:], rng.hash_u32(action_key[b], step[b], 0), act_noisy,
                                  logp, logp_noisy)
        actions[b] = action
        if passes > 1:  # the first estimate: this pass's ρ (or its pair's), over the P estimates' mean
            rho = _estimate_rho(k, sat, weights, b // copies, first, s[b], a, xi, logp_noisy, logp, action, antithetic,
                                estimates, mirror)

        # TRACE: e ← γ_e e + post ⊗ pre, layer by layer
        network_xi_sq = _network_xi_sq(xi, first, network_norm)
        if first_layer.post == POST_BP:
            bp_post_row(k, sat, weights, b // copies, a, first, logp, action, post)
        elif first_layer.post == POST_SIGN or first_layer.post == POST_BP_SIGN:
            srl_post_row(k, sat, weights, b // copies, a, first, logp, action,
                         first_layer.post == POST_BP_SIGN, post)
        elif LayerRule(*layer_tuples[n_layers - 1]).post == POST_EXACT:
            output_grad_row(k, logp, action, post[top:])
        for l in range(n_layers):
            lo, hi, x_in = first[l], first[l + 1], 0 if l == 0 else n_in + first[l - 1]
            e = traces[l][b]
            trace_step_row(k, sat, LayerRule(*layer_tuples[l]), e, rho, xi[lo:hi], network_xi_sq,
                           x[x_in : x_in + e.shape[1]], x_noisy[x_in : x_in + e.shape[1]], post[lo:hi])

        # ESTIMATES 2 … P: a noisy pass each (ξ from the same draw, neurons numbered on), or a pair (ξ, −ξ);
        # the noise layers' traces add each estimate's term (γ_e = 1), the exact output's only the first
        for q in range(1, estimates):
            noise_row(k, sat, noise_key[b], step[b], q * n_neurons, xi2)
            _noisy_log_policy(k, sat, weights, b // copies, first, s[b], a, xi2, a_noisy_in2, a_noisy2, x_noisy2,
                              spare_a, spare_x, logp2)
            rho = _estimate_rho(k, sat, weights, b // copies, first, s[b], a, xi2, logp2, logp, action, antithetic,
                                estimates, mirror)
            network_xi_sq = _network_xi_sq(xi2, first, network_norm)
            for l in range(n_layers):
                layer = LayerRule(*layer_tuples[l])
                if layer.post == POST_NRL:
                    lo, hi, x_in = first[l], first[l + 1], 0 if l == 0 else n_in + first[l - 1]
                    e = traces[l][b]
                    trace_step_row(k, sat, layer, e, rho, xi2[lo:hi], network_xi_sq, x[x_in : x_in + e.shape[1]],
                                   x_noisy2[x_in : x_in + e.shape[1]], post[lo:hi])
        step[b] += np.uint64(1)


def act(spec: AgentSpec, state: AgentState, s: np.ndarray) -> np.ndarray:
    """One step of every copy on encoded observations ``s`` (A·K, n_obs): returns the actions (A·K,)."""
    actions = np.empty(len(s), np.int64)
    _act(spec.constants, spec.arith.counts, tuple(state.weights), tuple(state.traces),
         np.ascontiguousarray(s, dtype=spec.arith.dtype), state.noise_key, state.action_key, state.step,
         spec.layer_tuples, spec.rule.act_noisy, None, actions)
    return actions


@njit(cache=True)
def _learn(k, sat, weights, traces, reward, event, learning, episode_end, baseline, has_baseline, updates,
           rounding_keys, moments, layer_tuples, third_tuple):
    third = ThirdFactor(*third_tuple)
    copies = reward.shape[0] // weights[0].shape[0]  # K: row b learns into agent b // K's weights
    for b in range(reward.shape[0]):
        i = b // copies
        learning_event = event[b] and learning[b]
        previous = baseline[b], has_baseline[b]
        delta = modulator_row(k, sat, third, reward[b], learning_event, episode_end[b], baseline, has_baseline, b)
        if learning_event:
            for l in range(len(weights)):  # check every layer before changing any (a sign step is bounded)
                layer = LayerRule(*layer_tuples[l])
                if layer.step == STEP_PLAIN and not update_is_finite(k, weights[l][i], traces[l][b],
                                                                     update_gain(k, layer, delta)):
                    baseline[b], has_baseline[b] = previous  # nothing of this event is kept
                    return i, l
        if event[b]:
            for l in range(len(weights)):
                reward_event_row(k, sat, LayerRule(*layer_tuples[l]), weights[l][i], traces[l][b], delta,
                                 learning[b], rounding_keys[l, i], updates[i], moments[l][i])
            if learning[b]:
                updates[i] += np.uint64(1)
    return -1, -1


def learn(spec: AgentSpec, state: AgentState, reward: np.ndarray, event: np.ndarray,
          episode_end: np.ndarray, learning: np.ndarray | None = None) -> None:
    """Apply the reward events of every copy (rows as for :func:`act`, in row order): for copies with
    ``event`` (and ``learning``, default all), δ from the
    encoded ``reward`` and R̄, W ← W + η·s_l·δ·e (or the rule's other step; s_l: its gain), R̄ update;
    then e ← 0 where ``event``, and R̄ is forgotten where ``episode_end`` if the modulation resets it
    each episode."""
    event = np.asarray(event, dtype=bool)
    if not spec.third_factor.reset_baseline_each_episode and not event.any():
        return  # nothing to apply (most steps of an episodic schedule)
    learning = np.ones_like(event) if learning is None else np.asarray(learning, dtype=bool)
    agent, layer = _learn(spec.constants, spec.arith.counts, tuple(state.weights), tuple(state.traces),
                          np.ascontiguousarray(reward, dtype=spec.arith.dtype), event, learning,
                          np.asarray(episode_end, dtype=bool), state.baseline, state.has_baseline, state.updates,
                          state.rounding_keys, tuple(state.moments), spec.layer_tuples, spec.third_factor_tuple)
    if layer >= 0:
        _raise_non_finite(state, agent, layer)


def _raise_non_finite(state: AgentState, agent: int, layer: int) -> None:
    raise NonFiniteError(f"weights of layer {layer} of agent {agent} would become non-finite at reward event "
                         f"{int(state.updates[agent]) + 1}; lower the learning rate lr (the last finite "
                         f"weights are kept)")


@register_jitable
def _encode_rows(k, sat, kind, values, rows, out):
    """out[b] = values[b] (real-valued) encoded in ``k``'s precision as an observation or a reward
    (``kind``: ``ar.INPUT`` or ``ar.REWARD``) for every row b with ``rows[b]``, counting the values that
    saturation clipped in sat[kind]; False (nothing counted) at a non-finite value."""
    clipped = 0
    for b in range(values.shape[0]):
        for j in range(values.shape[1] if rows[b] else 0):
            if not np.isfinite(values[b, j]):
                return False
            out[b, j], c = ar.quantise(k, values[b, j], kind)
            clipped += c
    sat[kind] += clipped
    return True


@njit(cache=True)
def _act_groups(groups, obs, active, bounds, actions):
    """Each group's rows of the real-valued ``obs``, encoded in its precision, through :func:`_act`
    — the rows of its agents that still play (some copy ``active``): an agent that stopped no longer
    acts, as it would not alone, and a group none of whose agents plays is skipped; returns the first
    group with a non-finite observation, or −1."""
    for g in range(len(groups)):
        lo, hi = bounds[g, 0], bounds[g, 1]
        if not active[lo:hi].any():
            continue
        k, sat, weights, traces, noise_key, action_key, step, layer_tuples, act_noisy = groups[g][0]
        copies = (hi - lo) // weights[0].shape[0]
        acting = np.empty(hi - lo, np.bool_)
        for b in range(hi - lo):
            first = lo + b - b % copies  # the agent's first copy
            acting[b] = active[first : first + copies].any()
        s = np.zeros((hi - lo, obs.shape[1]), weights[0].dtype)
        if not _encode_rows(k, sat, ar.INPUT, obs[lo:hi], acting, s):
            return g
        _act(k, sat, weights, traces, s, noise_key, action_key, step, layer_tuples, act_noisy, acting,
             actions[lo:hi])
    return -1


@njit(cache=True)
def _learn_groups(groups, reward, event, learning, episode_end, bounds):
    """Each group's rows through :func:`_learn` (``reward`` real-valued, encoded in its precision), but
    a group none of whose rows is ``learning`` (its agents stopped), or with no reward event that keeps
    R̄ across episodes (as :func:`learn` skips it); returns (group, agent, layer) of a non-finite
    update, (group, −1, −1) at a non-finite reward, or −1s."""
    for g in range(len(groups)):
        k, sat, weights, traces, baseline, has_baseline, updates, rounding_keys, moments, layer_tuples, third = \
            groups[g][1]
        lo, hi = bounds[g, 0], bounds[g, 1]
        if not learning[lo:hi].any() or not (ThirdFactor(*third).reset_baseline_each_episode or event[lo:hi].any()):
            continue
        r = np.empty((hi - lo, 1), weights[0].dtype)
        if not _encode_rows(k, sat, ar.REWARD, reward[lo:hi].reshape((hi - lo, 1)), np.ones(hi - lo, np.bool_), r):
            return g, -1, -1
        agent, layer = _learn(k, sat, weights, traces, r.reshape(hi - lo), event[lo:hi], learning[lo:hi],
                              episode_end[lo:hi], baseline, has_baseline, updates, rounding_keys, moments, layer_tuples,
                              third)
        if layer >= 0:
            return g, agent, layer
    return -1, -1, -1


class Groups:
    """Groups of agents, each with its spec, its state and its rows (``slots[g]``: its agents' copies,
    consecutive), that :meth:`act` and :meth:`learn` step together: one compiled call for the groups
    of each precision and depth (their kernels' arguments have one type), instead of a Python call per
    group. Group g computes exactly what ``act(specs[g], states[g], …)`` and ``learn`` on its rows
    compute, except that the rows of an agent with no copy still playing do not act (so a stopped
    agent costs nothing and counts no saturation, as alone). The states' arrays are shared, not
    copied: updated in place."""

    def __init__(self, specs: ty.Sequence[AgentSpec], states: ty.Sequence[AgentState], slots: ty.Sequence[slice]):
        self.states = list(states)
        # Per batch: its groups, their kernels' arguments (a typed list, so of one type) and their rows [lo, hi).
        by_type: dict = {}
        for g, (spec, state) in enumerate(zip(specs, states)):
            item = ((spec.constants, spec.arith.counts, tuple(state.weights), tuple(state.traces), state.noise_key,
                     state.action_key, state.step, spec.layer_tuples, spec.rule.act_noisy),
                    (spec.constants, spec.arith.counts, tuple(state.weights), tuple(state.traces), state.baseline,
                     state.has_baseline, state.updates, state.rounding_keys, tuple(state.moments), spec.layer_tuples,
                     spec.third_factor_tuple))
            by_type.setdefault(typeof(item), []).append((g, item))
        self.batches = [(np.array([g for g, _ in members]), typed.List([item for _, item in members]),
                         np.array([[slots[g].start, slots[g].stop] for g, _ in members], dtype=np.int64))
                        for members in by_type.values()]
        self.learns_every_step = any(spec.third_factor.reset_baseline_each_episode for spec in specs)

    def act(self, obs: np.ndarray, active: np.ndarray, actions: np.ndarray) -> None:
        """:func:`act` of every group, on its rows of the real-valued observations ``obs`` (float64, each
        row encoded in its group's precision) whose agent has a copy still ``active``; their actions
        into their rows of ``actions`` (int64; other rows are left as they are). A stopped agent's
        rows are skipped, noise and trace included: alone, its run would have ended, so it computes
        what it computes alone, saturation counts included."""
        for index, items, bounds in self.batches:
            g = _act_groups(items, obs, active, bounds, actions)
            if g >= 0:
                raise NonFiniteError(f"cannot encode a non-finite observation of group {index[g]}")

    def learn(self, reward: np.ndarray, event: np.ndarray, episode_end: np.ndarray, learning: np.ndarray) -> None:
        """:func:`learn` of every group with a row ``learning``, on its rows (``reward`` float64, encoded
        per group); a group with no reward event that keeps R̄ across episodes is skipped, as
        :func:`learn` skips it."""
        if not (self.learns_every_step or event.any()):
            return  # most steps of an episodic schedule
        for index, items, bounds in self.batches:
            g, agent, layer = _learn_groups(items, reward, event, learning, episode_end, bounds)
            if layer >= 0:
                _raise_non_finite(self.states[index[g]], agent, layer)
            elif g >= 0:
                raise NonFiniteError(f"cannot encode a non-finite reward of group {index[g]}")
