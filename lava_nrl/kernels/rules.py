# SPDX-License-Identifier: BSD-3-Clause
"""Learning rules as data.

A :class:`Rule` names what differs between NRL (variants A and B), RMHL, BP and Sign and Relevance
Learning (SRL): the trace's post-synaptic factor, which policy acts, and the ×N_l scaling of the
update; and the building blocks beyond the paper (the exact output eligibility, the sign step, the
unbiased gain) that ``nrl-fast`` combines. A :class:`Modulation`
names what differs between the reference code's two task loops (episodic gym tasks vs. the
immediate-reward Reaching task), so that neither is a hidden ``if``.
"""

from __future__ import annotations

import dataclasses

from lava_nrl.errors import ConfigError

__all__ = ["Rule", "RULES", "BLOCKS", "get_rule", "lava_rule", "lava_rules", "Modulation"]


# Why a rule with several noisy passes per step runs in the engine and in float only.
PASSES_ONLY_IN_ENGINE = ("several noisy passes per step need as many noisy streams, and the Lava graph carries one "
                         "(NoisyNeuron, TraceDense); they average their estimates with a division")
# Why a rule with the Adam-style step runs in the engine and in float only.
ADAM_ONLY_IN_ENGINE = ("the Adam-style step keeps two moments per synapse and divides by a square root at every "
                       "synapse and reward event, which has no fixed-point flavour and no Loihi learning-engine form")


# The per-synapse steps without state (Rule.step also offers "adam", which keeps two moments per synapse).
_STATELESS_STEPS = ("plain", "sign", "relevance", "capped")


@dataclasses.dataclass(frozen=True)
class Rule:
    """One learning rule.

    Parameters
    ----------
    name : str
        Registry name.
    trace : str
        Post-synaptic factor of the eligibility trace: ``"nrl"`` (ρ ξ/‖ξ‖²), ``"rmhl"`` (ξ),
        ``"bp"`` (∂ log π(a)/∂a, exact backprop), ``"srl"`` (a ternary sign carried top-down: s_L =
        sgn(1[a = k] − π_k) at the output, s_l = sgn(W_{l+1}ᵀ s_{l+1}) below; Sign and Relevance
        Learning, whose relevance |δ| and sign of δ come with the reward event) or ``"srl-bp"`` (the
        sign of the exact backprop ∂ log π(a)/∂a_l in every layer: the authors' code's variant, which
        needs the graded backprop error, so it is not sign-only).
    act_noisy : bool
        The action is sampled from the noisy policy π̃ (RMHL) instead of the clean π.
    gain : str
        The update's scale s_l of layer l: ``"one"`` (NRL variant A), ``"n_post"`` (N_l, its number of
        post-synaptic units: variant B) or ``"network"`` (N, every noisy unit of the network: the scale
        that makes ξξᵀ/‖ξ‖², whose mean is I/N, an unbiased gradient estimate).
    output_post : str
        The output layer's post-synaptic factor: ``"noise"`` (the rule's, from ξ) or ``"exact"`` (the
        local eligibility 1[a = k] − π_k, which an output neuron computes from its own probability and
        the action taken: REINFORCE at the output, still three-factor; hidden layers keep the noise).
    step : str
        The per-synapse step at a reward event: ``"plain"`` (W += η·s_l·δ·e), ``"sign"`` (W +=
        η·s_l·sign(δ·e): a step of the same size at every synapse that saw a change, no state),
        ``"relevance"`` (W += η·s_l·|δ|·sign(δ·e): the sign step scaled by the size of the reward
        prediction error, SRL's relevance, so that it shrinks as the returns meet the baseline),
        ``"capped"`` (W += η·s_l·min(1, |δ|/θ)·sign(δ·e): the sign step while |δ| ≥ θ, shrinking with
        |δ| below it, so that the small errors left once the returns meet the baseline take small steps)
        or ``"adam"`` (W += η·m̂/(√v̂ + ε) of g = s_l·δ·e: Adam's step per synapse, with two moments per
        synapse and a division and a square root per synapse and reward event; float, engine only).
    immediate_step : str
        The step where a reward event comes at every step (the :class:`Modulation` says
        ``reward_every_step``: Reaching's immediate rewards), if other than ``step``: ``""`` (``step``
        there too), ``"plain"``, ``"sign"``, ``"relevance"`` or ``"capped"``. A sign step moves every
        synapse with a trace by η at each event, whatever |δ|: once per episode that is a step, at
        every one of a trial's 300 steps it is a random walk of the weights (docs/results.md).
    cap_shift : int
        θ = 2^−cap_shift of the ``"capped"`` step (a power of two: |δ|/θ is a shift in fixed point);
        0–16, default 2 (θ = 1/4).
    passes : int
        M, the noisy passes per step of an NRL rule (1–64, default 1: the paper's one). Each pass p
        draws its own ξ_p and gives its own estimate ρ_p·ξ_p/‖ξ_p‖² (ρ_p = log π̃_p(a) − log π(a)); the
        trace adds their mean. The output layer's exact eligibility, if the rule has it, is added once.
        More than one: engine only, float only, and γ_e = 1 (the passes' terms are summed into the trace).
    antithetic : bool
        The M passes are M/2 antithetic pairs (ξ, −ξ), each one estimate with ρ = (log π̃₊(a) − log
        π̃₋(a))/2, which needs no clean pass (the paper's open question); M even.
    pre_noisy : bool or None
        Pre-synaptic factor of the trace: noisy x̃ (True), clean x (False), or as the
        :class:`Modulation` says (None). RMHL's one network is the noisy one; BP's gradient is the
        clean network's.
    engine_only : str
        Why the rule runs only in the engine and in float, or ``""``: it runs on every runner (engine,
        fused and decomposed Lava graphs) in both precisions. BP and SRL-BP need the graded backprop
        error of every layer: baselines, not local rules.
    stable_lr : float
        The learning rate η a run of this rule uses unless told otherwise: the rate ``docs/results.md``
        uses on every task, chosen on the reference seeds before its runs (CartPole: 0.05 collapses
        nrl-b, 0.01 does not).
    """

    name: str
    trace: str
    act_noisy: bool = False
    gain: str = "one"
    pre_noisy: bool | None = None
    engine_only: str = ""
    stable_lr: float = 0.01
    output_post: str = "noise"
    step: str = "plain"
    immediate_step: str = ""
    cap_shift: int = 2
    passes: int = 1
    antithetic: bool = False

    def __post_init__(self) -> None:
        for field, value, valid in (("trace", self.trace, ("nrl", "rmhl", "bp", "srl", "srl-bp")),
                                    ("gain", self.gain, ("one", "n_post", "network")),
                                    ("output_post", self.output_post, ("noise", "exact")),
                                    ("step", self.step, _STATELESS_STEPS + ("adam",))):
            if value not in valid:
                raise ConfigError(f"Rule {self.name!r}: {field} must be one of {', '.join(valid)}, got {value!r}")
        if self.immediate_step not in ("",) + _STATELESS_STEPS:  # not adam: its moments follow `step`
            raise ConfigError(f"Rule {self.name!r}: immediate_step must be empty (the step's) or one of "
                              f"{', '.join(_STATELESS_STEPS)}, got {self.immediate_step!r}")
        if isinstance(self.cap_shift, bool) or not isinstance(self.cap_shift, int) or not 0 <= self.cap_shift <= 16:
            raise ConfigError(f"Rule {self.name!r}: cap_shift must be an integer in 0–16 (θ = 2^−cap_shift), "
                              f"got {self.cap_shift!r}")
        if isinstance(self.passes, bool) or not isinstance(self.passes, int) or not 1 <= self.passes <= 64:
            raise ConfigError(f"Rule {self.name!r}: passes must be an integer in 1–64, got {self.passes!r}")
        if not isinstance(self.antithetic, bool) or (self.antithetic and self.passes % 2):
            raise ConfigError(f"Rule {self.name!r}: antithetic must be true or false, and true needs an even number "
                              f"of passes (pairs ξ, −ξ), got antithetic={self.antithetic!r} with passes={self.passes}")
        if self.passes > 1 and self.trace != "nrl":
            raise ConfigError(f"Rule {self.name!r}: several noisy passes are an option of the nrl trace, not of "
                              f"{self.trace!r}")
        if self.keeps_moments and not self.engine_only:
            object.__setattr__(self, "engine_only", ADAM_ONLY_IN_ENGINE)
        if self.passes > 1 and not self.engine_only:
            object.__setattr__(self, "engine_only", PASSES_ONLY_IN_ENGINE)

    @property
    def keeps_moments(self) -> bool:
        """Whether the rule keeps two moments per synapse (its step is Adam's)."""
        return self.step == "adam"

    def step_under(self, modulation: "Modulation") -> str:
        """The per-synapse step this rule takes under ``modulation``."""
        return self.immediate_step if modulation.reward_every_step and self.immediate_step else self.step

    def blocks(self) -> dict:
        """What the rule computes, by field (its name, stable η and any engine-only reason aside): equal
        for two rules that learn alike."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)
                if field.name not in ("name", "stable_lr", "engine_only")}

    @property
    def fixed_point(self) -> bool:
        """Whether the rule has a fixed-point flavour and runs on the Lava graphs."""
        return not self.engine_only


RULES = {
    "nrl": Rule("nrl", trace="nrl", stable_lr=0.1),
    "nrl-b": Rule("nrl-b", trace="nrl", gain="n_post", stable_lr=0.01),
    "rmhl": Rule("rmhl", trace="rmhl", act_noisy=True, pre_noisy=True, stable_lr=0.05),
    "bp": Rule("bp", trace="bp", pre_noisy=False, stable_lr=0.02,
               engine_only="backprop REINFORCE carries graded errors through every layer (the baseline)"),
    # Beyond the paper: node perturbation in the hidden layers, the exact local eligibility at the
    # output, and a sign step (stateless, as fixed point wants it) where a reward event ends an episode,
    # the plain step where one comes at every step; η chosen on the reference seeds.
    "nrl-fast": Rule("nrl-fast", trace="nrl", output_post="exact", step="sign", immediate_step="plain",
                     stable_lr=0.01),
    # Sign and Relevance Learning (Daryanavard & Porr, arXiv 2110.07292) adapted to a softmax policy with
    # delayed reward (docs/design.md): ternary signs top-down, relevance |δ|, the clean network's
    # gradient direction (no noise, pre-synaptic x); one η for every layer, chosen on the reference seeds.
    "srl": Rule("srl", trace="srl", pre_noisy=False, stable_lr=0.03),
    # The authors' code's variant: the sign of the exact backprop δ. A comparison for srl, not sign-only.
    "srl-bp": Rule("srl-bp", trace="srl-bp", pre_noisy=False, stable_lr=0.03,
                   engine_only="it takes the sign of the exact backprop error, so graded errors travel top-down: "
                               "not sign-only (a comparison for srl)"),
}


def lava_rules() -> str:
    """The rules a Lava graph runs (those that are not engine-only), for messages."""
    return ", ".join(name for name, rule in RULES.items() if rule.fixed_point)


# The building blocks a rule's name may set after a colon (``get_rule``).
BLOCKS = ("gain", "output_post", "step", "immediate_step", "cap_shift", "passes", "antithetic")
# The values of the blocks that are not strings, by how a name spells them (another spelling stays a string,
# which the Rule refuses with its message).
_BLOCK_VALUES = {"cap_shift": {str(n): n for n in range(17)}, "passes": {str(n): n for n in range(1, 65)},
                 "antithetic": {"true": True, "false": False}}


def get_rule(name: str) -> Rule:
    """The rule called ``name``: a rule of :data:`RULES`, or one with some of its building blocks set
    after a colon, ``"nrl-fast:step=plain"``, ``"nrl-fast:step=capped,cap_shift=3"`` or
    ``"nrl-fast:passes=2,antithetic=true"`` (each of
    :data:`BLOCKS`; the variant keeps the rule's stable η), so that an ablation is a name that every
    runner, checkpoint and agent file carries. An unknown name or block raises :class:`ConfigError`."""
    base, _, blocks = name.partition(":")
    if base not in RULES:
        raise ConfigError(f"unknown rule {base!r}; choose one of {', '.join(RULES)}")
    if not blocks:
        return RULES[base]
    changes = {}
    for block in blocks.split(","):
        key, equals, value = block.partition("=")
        if key not in BLOCKS or not equals or key in changes:
            raise ConfigError(f"rule {name!r}: after the colon give each of {', '.join(BLOCKS)} at most once, as "
                              f"block=value (e.g. nrl-fast:step=plain), got {block!r}")
        changes[key] = _BLOCK_VALUES.get(key, {}).get(value, value)
    return dataclasses.replace(RULES[base], name=name, **changes)


def lava_rule(name: str, where: str = "") -> Rule:
    """The rule called ``name`` where a Lava graph runs it; an engine-only rule raises :class:`ConfigError`
    saying why and which rules run (``where`` prefixes the message, e.g. ``"NRLAgent: "``)."""
    rule = get_rule(name)
    if rule.engine_only:
        raise ConfigError(f"{where}rule {name!r} runs only in the engine, not on Lava: {rule.engine_only}; "
                          f"use {lava_rules()}")
    return rule


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
    reward_every_step : bool
        A reward event comes at every step (the immediate path), so a rule takes its ``immediate_step``.
    """

    normalise_rpe: bool = True
    baseline_rate: float = 0.66
    reset_baseline_each_episode: bool = False
    xi_norm: str = "network"
    pre_noisy: bool = True
    trace_decay: float = 1.0
    reward_every_step: bool = False

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
        activity, δ = r − r̄ with r̄ reset every trial, a reward event at every step."""
        return cls(normalise_rpe=False, reset_baseline_each_episode=True, xi_norm="layer", pre_noisy=False,
                   reward_every_step=True)
