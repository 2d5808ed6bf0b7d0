# SPDX-License-Identifier: BSD-3-Clause
"""Learning rules as data.

A :class:`Rule` names what differs between NRL (variants A and B), RMHL and BP: the trace's
post-synaptic factor, which policy acts, and the ×N_l scaling of the update. A :class:`Modulation`
names what differs between the reference code's two task loops (episodic gym tasks vs. the
immediate-reward Reaching task), so that neither is a hidden ``if``.
"""

from __future__ import annotations

import dataclasses

from lava_nrl.errors import ConfigError

__all__ = ["Rule", "RULES", "get_rule", "Modulation"]


@dataclasses.dataclass(frozen=True)
class Rule:
    """One learning rule.

    Parameters
    ----------
    name : str
        Registry name.
    trace : str
        Post-synaptic factor of the eligibility trace: ``"nrl"`` (ρ ξ/‖ξ‖²), ``"rmhl"`` (ξ) or
        ``"bp"`` (∂ log π(a)/∂a, exact backprop).
    act_noisy : bool
        The action is sampled from the noisy policy π̃ (RMHL) instead of the clean π.
    scale_by_n_post : bool
        Multiply layer l's update by N_l, its number of post-synaptic units (NRL variant B).
    pre_noisy : bool or None
        Pre-synaptic factor of the trace: noisy x̃ (True), clean x (False), or as the
        :class:`Modulation` says (None). RMHL's one network is the noisy one; BP's gradient is the
        clean network's.
    fixed_point : bool
        Whether the rule has a fixed-point flavour (BP exists only in float, as the baseline it is).
    stable_lr : float
        The learning rate η a run of this rule uses unless told otherwise: the rate ``docs/results.md``
        uses on every task, chosen on the reference seeds before its runs (CartPole: 0.05 collapses
        nrl-b, 0.01 does not).
    """

    name: str
    trace: str
    act_noisy: bool = False
    scale_by_n_post: bool = False
    pre_noisy: bool | None = None
    fixed_point: bool = True
    stable_lr: float = 0.01


RULES = {
    "nrl": Rule("nrl", trace="nrl", stable_lr=0.1),
    "nrl-b": Rule("nrl-b", trace="nrl", scale_by_n_post=True, stable_lr=0.01),
    "rmhl": Rule("rmhl", trace="rmhl", act_noisy=True, pre_noisy=True, stable_lr=0.05),
    "bp": Rule("bp", trace="bp", pre_noisy=False, fixed_point=False, stable_lr=0.02),
}


def get_rule(name: str) -> Rule:
    """The rule called ``name``; an unknown name raises :class:`ConfigError` listing the valid ones."""
    try:
        return RULES[name]
    except KeyError:
        raise ConfigError(f"unknown rule {name!r}; choose one of {', '.join(RULES)}") from None


@dataclasses.dataclass(frozen=True)
class Modulation:
    """How rewards become weight changes; defaults are the reference's episodic (gym) path.

    Parameters
    ----------
    normalise_rpe : bool
        δ = (R − R̄)/|R| (episodic path) instead of R − R̄ (immediate path).
    baseline_rate : float
        λ, the rate of the running baseline R̄ ← R̄ + λ(R − R̄). Default 0.66.
    reset_baseline_each_episode : bool
        Forget R̄ at each episode start (the immediate path resets it every trial).
    xi_norm : str
        ``"network"``: ‖ξ‖² sums the noise of every layer; ``"layer"``: each layer's own ‖ξ_l‖².
    pre_noisy : bool
        The trace's pre-synaptic factor is the noisy activity x̃ (episodic path) instead of x.
    trace_decay : float
        γ_e in (0, 1]; 1 is a plain sum between reward events.
    """

    normalise_rpe: bool = True
    baseline_rate: float = 0.66
    reset_baseline_each_episode: bool = False
    xi_norm: str = "network"
    pre_noisy: bool = True
    trace_decay: float = 1.0

    def __post_init__(self) -> None:
        if self.xi_norm not in ("network", "layer"):
            raise ConfigError(f"xi_norm must be 'network' or 'layer', got {self.xi_norm!r}")
        if not 0.0 < self.baseline_rate <= 1.0:
            raise ConfigError(f"baseline_rate (λ) must lie in (0, 1], got {self.baseline_rate!r}")
        if not 0.0 < self.trace_decay <= 1.0:
            raise ConfigError(f"trace_decay (γ_e) must lie in (0, 1], got {self.trace_decay!r}")

    @classmethod
    def immediate(cls) -> "Modulation":
        """The reference's immediate-reward (Reaching) path: per-layer ‖ξ_l‖², clean presynaptic
        activity, δ = r − r̄ with r̄ reset every trial."""
        return cls(normalise_rpe=False, reset_baseline_each_episode=True, xi_norm="layer", pre_noisy=False)
