# SPDX-License-Identifier: BSD-3-Clause
"""The one configuration of a training run; the command line is generated from its fields."""

from __future__ import annotations

import dataclasses
import typing as ty

from lava_nrl.errors import ConfigError
from lava_nrl.kernels.rules import Modulation, get_rule
from lava_nrl.numerics import FixedFormat
from lava_nrl.params import integer, positive_real

__all__ = ["TrainConfig", "Task", "TASKS"]

REACHING = "env_bridge/Reaching1D-v0"


class Task(ty.NamedTuple):
    """Reference budget and reward schedule of a task (nrl-algorithm.md, "Tasks")."""

    episodes: int
    reward: str


TASKS = {
    "CartPole-v1": Task(episodes=20_000, reward="episodic"),
    "Acrobot-v1": Task(episodes=8_000, reward="episodic"),
    REACHING: Task(episodes=16_667, reward="immediate"),  # 5·10⁶ steps of 300-step trials
}


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """A training run. Defaults are the reference code's (``jesusgf96/noise-based-reward-modulated-learning``),
    but η, which defaults to the rule's stable rate (``docs/results.md``)."""

    env: str = "CartPole-v1"
    """gymnasium id: CartPole-v1, Acrobot-v1, env_bridge/Reaching1D-v0, or any env with a Discrete action
    space (module:EnvId imports the module that registers it)."""
    rule: str = "nrl-b"
    """nrl (NRL variant A), nrl-b (variant B: layer l's update ×N_l), rmhl, bp (REINFORCE with backprop),
    nrl-fast (beyond the paper: NRL's noise in the hidden layers, the exact local eligibility at the
    output, a sign step), srl (Sign and Relevance Learning: ternary signs top-down, relevance |δ|),
    srl-bp (engine only, float: the sign of the exact backprop error, srl's comparison, not sign-only).
    A rule's building blocks may be set after a colon, e.g. nrl-fast:step=plain or
    nrl-fast:output_post=noise (gain one|n_post|network, output_post noise|exact, step plain|sign)."""
    precision: str = dataclasses.field(default="float", metadata={"choices": ("float", "fixed")})
    """float, or fixed (integer kernels in the widths of ``fixed_format``)."""
    episodes: int | None = None
    """Episodes per seed (≥ 1), all its environments together; default: the task's reference budget (CartPole 20,000, Acrobot 8,000,
    Reaching 16,667 trials; 1,000 for other envs)."""
    seeds: tuple = (42, 101, 300, 482, 708)
    """One independent agent per seed (distinct integers ≥ 0), trained side by side."""
    envs: int = 1
    """K, environments per agent (≥ 1), stepped together: the agent's K copies share its weights, each with
    its own noise, trace, baseline and episodes; episodes counts the agent's episodes over all of them."""
    hidden: int = 128
    """H, units per hidden layer (≥ 1)."""
    layers: int = 1
    """L, number of hidden layers (≥ 0)."""
    lr: float | None = None
    """η > 0, the learning rate; default: the rule's stable rate (``Rule.stable_lr``; see rule)."""
    sigma: float = 1e-3
    """σ > 0, standard deviation of the pre-activation noise ξ."""
    reward: str | None = None
    """Reward schedule: immediate, episodic, delay:K or every:K (K ≥ 1); default: the task's (immediate
    for Reaching, episodic otherwise)."""
    baseline_rate: float = 0.66
    """λ in (0, 1], rate of the running reward baseline R̄ ← R̄ + λ(R − R̄)."""
    trace_decay: float = 1.0
    """γ_e in (0, 1], decay of the eligibility trace per step (1: a plain sum between reward events)."""
    xi_norm: str | None = dataclasses.field(default=None, metadata={"choices": ("network", "layer")})
    """NRL's normalised noise: network (ξ_l/‖ξ‖², ‖ξ‖² over all layers) or layer (ξ_l/‖ξ_l‖²); default: the
    reward schedule's, as the reference (layer for immediate, network otherwise)."""
    stop_after_threshold: int = 0
    """Stop a seed once its 100-episode mean has held the env's reward threshold for this many episodes
    (≥ 0; 0: never)."""
    max_episode_steps: int | None = None
    """End (truncate) an episode after this many steps (≥ 1); default: the env's own limit, if any."""
    env_kwargs: dict | None = None
    """Keyword arguments of ``gymnasium.make(env, …)``; on the command line 'k=v,…' (values are Python
    literals or strings), e.g. sutton_barto_reward=True."""
    fixed_format: FixedFormat = dataclasses.field(default_factory=FixedFormat)
    """Bit widths of the fixed-point flavour."""

    def __post_init__(self) -> None:
        rule = get_rule(self.rule)
        if self.precision not in ("float", "fixed"):
            raise ConfigError(f"precision must be 'float' or 'fixed', got {self.precision!r}")
        if self.precision == "fixed" and not rule.fixed_point:
            raise ConfigError(f"rule {self.rule!r} has no fixed-point flavour; use precision 'float'")
        # numpy numbers are accepted and stored as Python's, so that to_dict() is plain JSON.
        normal = dict(envs=integer("envs", self.envs, 1), hidden=integer("hidden", self.hidden, 1), layers=integer("layers", self.layers, 0),
                      lr=positive_real("lr", rule.stable_lr if self.lr is None else self.lr),
                      sigma=positive_real("sigma", self.sigma),
                      stop_after_threshold=integer("stop_after_threshold", self.stop_after_threshold, 0))
        if self.episodes is not None:
            normal["episodes"] = integer("episodes", self.episodes, 1)
        if self.max_episode_steps is not None:
            normal["max_episode_steps"] = integer("max_episode_steps", self.max_episode_steps, 1)
        if isinstance(self.seeds, (str, bytes)) or not hasattr(self.seeds, "__len__") or len(self.seeds) == 0:
            raise ConfigError(f"seeds must be non-negative integers, got {self.seeds!r}")
        try:
            normal["seeds"] = tuple(integer("seeds", s, 0) for s in self.seeds)
        except ConfigError:
            raise ConfigError(f"seeds must be non-negative integers, got {self.seeds!r}") from None
        if len(set(normal["seeds"])) != len(normal["seeds"]):
            raise ConfigError(f"seeds must be distinct, got {self.seeds!r}")
        if self.env_kwargs is not None:
            if not isinstance(self.env_kwargs, dict) or not all(isinstance(k, str) for k in self.env_kwargs):
                raise ConfigError(f"env_kwargs must be a dict of keyword arguments, got {self.env_kwargs!r}")
            normal["env_kwargs"] = dict(self.env_kwargs) or None
        for name, value in normal.items():
            object.__setattr__(self, name, value)
        self.modulation  # validates baseline_rate, trace_decay, xi_norm
        from env_bridge.schedules import RewardSchedule

        RewardSchedule.parse(self.reward_schedule)

    @property
    def reward_schedule(self) -> str:
        return self.reward or (TASKS[self.env].reward if self.env in TASKS else "episodic")

    @property
    def num_episodes(self) -> int:
        return self.episodes or (TASKS[self.env].episodes if self.env in TASKS else 1_000)

    @property
    def modulation(self) -> Modulation:
        """The reference's immediate path for per-step rewards, its episodic path otherwise."""
        base = Modulation.immediate() if self.reward_schedule == "immediate" else Modulation()
        return dataclasses.replace(base, baseline_rate=self.baseline_rate, trace_decay=self.trace_decay,
                                   xi_norm=self.xi_norm or base.xi_norm)

    @property
    def make_kwargs(self) -> dict:
        """Keyword arguments of ``gymnasium.make(env, …)``: ``env_kwargs`` and ``max_episode_steps``."""
        limit = {} if self.max_episode_steps is None else {"max_episode_steps": self.max_episode_steps}
        return {**(self.env_kwargs or {}), **limit}

    def sizes(self, n_obs: int, n_actions: int) -> list[int]:
        """Layer sizes [n_obs, H × L, n_actions]."""
        return [n_obs] + [self.hidden] * self.layers + [n_actions]

    @classmethod
    def from_dict(cls, values: dict) -> "TrainConfig":
        """The config whose :meth:`to_dict` is ``values`` (as ``summary.json`` holds it)."""
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in values.items() if k in names}
        kwargs["seeds"] = tuple(kwargs.get("seeds", cls.seeds))
        if isinstance(kwargs.get("fixed_format"), dict):
            kwargs["fixed_format"] = FixedFormat(**kwargs["fixed_format"])
        return cls(**kwargs)

    def to_dict(self) -> dict:
        """Every field with the task's defaults filled in; ``fixed_format`` only in fixed point (a float run
        does not use it)."""
        d = dataclasses.asdict(self)
        d["seeds"] = list(self.seeds)
        d.update(reward=self.reward_schedule, episodes=self.num_episodes, xi_norm=self.modulation.xi_norm)
        if self.precision == "float":
            del d["fixed_format"]
        return d
