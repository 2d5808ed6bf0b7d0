# SPDX-License-Identifier: BSD-3-Clause
"""One agent step, written once for every runner: :func:`act` (noise, clean and noisy pass, readout,
trace) and :func:`learn` (at a reward event: RPE, weight update, baseline, trace reset).

The engine calls them for a batch of agents; the Lava ``NRLAgent`` model calls them for one. State is
an :class:`AgentState` of arrays with a leading agent axis, updated in place.
"""

from __future__ import annotations

import dataclasses
import typing as ty

import numpy as np

from lava_nrl.errors import NonFiniteError
from lava_nrl.numerics import FixedFormat, make_arith, rng

from .layer import LEAKY_SLOPE, network_forward, xavier_normal
from .modulator import rpe, update_baseline
from .readout import policy_readout
from .rules import Modulation, Rule
from .trace import bp_post_factors, nrl_post_factor, trace_update
from .update import weight_update

__all__ = ["AgentSpec", "AgentState", "init_agents", "act", "learn"]


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
    """

    sizes: tuple
    rule: Rule
    modulation: Modulation
    lr: float
    sigma: float
    precision: str = "float"
    fixed_format: FixedFormat = dataclasses.field(default_factory=FixedFormat)

    def __post_init__(self) -> None:
        object.__setattr__(self, "arith", make_arith(self.precision, self.fixed_format))

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    @property
    def n_post(self) -> list[int]:
        """The update's ×N_l per layer (1 for variant A)."""
        return [n if self.rule.scale_by_n_post else 1 for n in self.sizes[1:]]

    @property
    def pre_noisy(self) -> bool:
        return self.modulation.pre_noisy if self.rule.pre_noisy is None else self.rule.pre_noisy


class AgentState(ty.NamedTuple):
    """Everything a batch of agents learns, counts or draws with; leading axis = agent."""

    weights: list  # W_l, (A, n_post, n_pre)
    traces: list  # e_l, same shapes
    baseline: np.ndarray  # R̄, (A,)
    has_baseline: np.ndarray  # (A,) bool: R̄ has been set
    step: np.ndarray  # (A,) uint64: steps taken = draw counter of the noise and action streams
    updates: np.ndarray  # (A,) uint64: reward events = draw counter of the rounding streams
    noise_key: np.ndarray  # (A,) uint32: one stream, one element per neuron (numbered across layers)
    action_key: np.ndarray  # (A,) uint32
    rounding_keys: list  # per layer, (A,) uint32


def init_agents(spec: AgentSpec, seeds: ty.Sequence[int]) -> AgentState:
    """Xavier-normal weights from each seed (quantised in fixed point), zero traces, no baseline."""
    arith = spec.arith
    per_agent = [xavier_normal(list(spec.sizes), s) for s in seeds]
    weights = [arith.encode_weights(np.stack([w[l] for w in per_agent])) for l in range(spec.n_layers)]
    n = len(seeds)
    return AgentState(
        weights=weights,
        traces=[np.zeros_like(w) for w in weights],
        baseline=arith.encode_reward(np.zeros(n)),
        has_baseline=np.zeros(n, dtype=bool),
        step=np.zeros(n, dtype=np.uint64),
        updates=np.zeros(n, dtype=np.uint64),
        noise_key=np.array([rng.derive_key(s, rng.NOISE) for s in seeds], dtype=np.uint32),
        action_key=np.array([rng.derive_key(s, rng.ACTION) for s in seeds], dtype=np.uint32),
        rounding_keys=[np.array([rng.derive_key(s, rng.ROUNDING, l) for s in seeds], dtype=np.uint32)
                       for l in range(spec.n_layers)],
    )


def act(spec: AgentSpec, state: AgentState, s: np.ndarray) -> np.ndarray:
    """One step of every agent on encoded observations ``s`` (A, n_obs): returns the actions (A,)."""
    arith, sizes = spec.arith, spec.sizes
    # CLEAN AND NOISY PASS
    neurons = np.arange(sum(sizes[1:]), dtype=np.uint32)
    xis = np.split(arith.noise(state.noise_key, state.step, neurons, spec.sigma), np.cumsum(sizes[1:-1]), axis=1)
    activity = network_forward(arith, state.weights, s, xis, LEAKY_SLOPE)

    # READOUT: ACTION, RHO
    u32 = rng.random_u32(state.action_key, state.step, 0)
    action, rho, logp, _ = policy_readout(arith, activity.a[-1], activity.a_noisy[-1], u32, spec.rule.act_noisy)

    # TRACE: e ← γ_e e + post ⊗ pre
    if spec.rule.trace == "nrl":
        xi_sq = [arith.sum_sq(xi) for xi in xis]
        if spec.modulation.xi_norm == "network":
            xi_sq = [sum(xi_sq)] * spec.n_layers
        posts = [nrl_post_factor(arith, rho, xi, sq) for xi, sq in zip(xis, xi_sq)]
    elif spec.rule.trace == "rmhl":
        posts = xis
    else:
        posts = bp_post_factors(state.weights, activity.a, logp, action, LEAKY_SLOPE)
    pres = activity.x_noisy if spec.pre_noisy else activity.x
    for e, post, pre in zip(state.traces, posts, pres):
        trace_update(arith, e, spec.modulation.trace_decay, post, pre)
    state.step[:] += np.uint64(1)
    return action


def learn(spec: AgentSpec, state: AgentState, reward: np.ndarray, event: np.ndarray,
          episode_end: np.ndarray, learning: np.ndarray | None = None) -> None:
    """Apply the reward events: for agents with ``event`` (and ``learning``, default all), δ from the
    encoded ``reward`` and R̄, W ← W + η·[N_l]·δ·e, R̄ update; then e ← 0 where ``event``, and R̄ is
    forgotten where ``episode_end`` if the modulation resets it each episode."""
    arith = spec.arith
    learners = np.flatnonzero(event if learning is None else event & learning)
    if learners.size:
        r = reward[learners]
        delta = rpe(arith, r, state.baseline[learners], state.has_baseline[learners], spec.modulation.normalise_rpe)
        for l in range(spec.n_layers):
            updated = weight_update(arith, state.weights[l][learners], state.traces[l][learners], spec.lr,
                                    spec.n_post[l], delta, state.rounding_keys[l][learners], state.updates[learners])
            if not np.isfinite(updated).all():
                raise NonFiniteError(f"weights of layer {l} became non-finite at reward event "
                                     f"{int(state.updates[learners].max()) + 1}; lower --lr")
            state.weights[l][learners] = updated
        state.baseline[learners] = update_baseline(arith, r, state.baseline[learners],
                                                   state.has_baseline[learners], spec.modulation.baseline_rate)
        state.has_baseline[learners] = True
        state.updates[learners] += np.uint64(1)
    for e in state.traces:
        e[event] = 0
    if spec.modulation.reset_baseline_each_episode:
        state.has_baseline[episode_end] = False
