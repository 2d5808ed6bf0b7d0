# SPDX-License-Identifier: BSD-3-Clause
"""The one configuration of a training run; the command line is generated from its fields."""

from __future__ import annotations

import dataclasses
import math
import typing as ty

from lava_nrl.errors import ConfigError
from lava_nrl.kernels.rules import Modulation, get_rule
from lava_nrl.numerics import FixedFormat

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
    """A training run. Defaults are the reference code's (``jesusgf96/noise-based-reward-modulated-learning``)."""

    env: str = "CartPole-v1"
    """gymnasium id: CartPole-v1, Acrobot-v1, env_bridge/Reaching1D-v0, or any env with a Discrete action space."""
    rule: str = "nrl-b"
    """nrl (variant A), nrl-b (variant B, ×N_l), rmhl, bp."""
    precision: str = "float"
    """float or fixed (integer kernels in the widths of ``fixed_format``)."""
    episodes: int | None = None
    """Episodes per seed; default: the task's reference budget (1,000 for other envs)."""
    seeds: tuple = (42, 101, 300, 482, 708)
    """One independent agent per seed, trained side by side."""
    hidden: int = 128
    """H, units per hidden layer."""
    layers: int = 1
    """L, number of hidden layers."""
    lr: float = 0.05
    """η, the learning rate."""
    sigma: float = 1e-3
    """σ, standard deviation of the pre-activation noise ξ."""
    reward: str | None = None
    """Reward schedule: immediate, episodic, delay:K, every:K; default: the task's."""
    baseline_rate: float = 0.66
    """λ, rate of the running reward baseline."""
    trace_decay: float = 1.0
    """γ_e, decay of the eligibility trace per step."""
    xi_norm: str | None = None
    """NRL's normalised noise: network (ξ_l/‖ξ‖², ‖ξ‖² over all layers) or layer (ξ_l/‖ξ_l‖²); default: the
    reward schedule's, as the reference (layer for immediate, network otherwise)."""
    stop_after_threshold: int = 0
    """Stop a seed once its 100-episode mean has held the env's reward threshold for this many episodes (0: never)."""
    fixed_format: FixedFormat = dataclasses.field(default_factory=FixedFormat)
    """Bit widths of the fixed-point flavour."""

    def __post_init__(self) -> None:
        rule = get_rule(self.rule)
        if self.precision not in ("float", "fixed"):
            raise ConfigError(f"precision must be 'float' or 'fixed', got {self.precision!r}")
        if self.precision == "fixed" and not rule.fixed_point:
            raise ConfigError(f"rule {self.rule!r} has no fixed-point flavour; use --precision float")
        if self.episodes is not None and (not isinstance(self.episodes, int) or self.episodes < 1):
            raise ConfigError(f"episodes must be a positive integer, got {self.episodes!r}")
        if len(self.seeds) == 0 or any(not isinstance(s, int) or s < 0 for s in self.seeds):
            raise ConfigError(f"seeds must be non-negative integers, got {self.seeds!r}")
        if len(set(self.seeds)) != len(self.seeds):
            raise ConfigError(f"seeds must be distinct, got {self.seeds!r}")
        if not isinstance(self.stop_after_threshold, int) or self.stop_after_threshold < 0:
            raise ConfigError(f"stop_after_threshold must be an integer ≥ 0, got {self.stop_after_threshold!r}")
        if self.hidden < 1 or self.layers < 0:
            raise ConfigError(f"hidden must be ≥ 1 and layers ≥ 0, got hidden={self.hidden}, layers={self.layers}")
        for name in ("lr", "sigma"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ConfigError(f"{name} must be a finite number > 0, got {value!r}")
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

    def sizes(self, n_obs: int, n_actions: int) -> list[int]:
        """Layer sizes [n_obs, H × L, n_actions]."""
        return [n_obs] + [self.hidden] * self.layers + [n_actions]

    def to_dict(self) -> dict:
        """Every field with the task's defaults filled in; ``fixed_format`` only in fixed point (a float run
        does not use it)."""
        d = dataclasses.asdict(self)
        d["seeds"] = list(self.seeds)
        d.update(reward=self.reward_schedule, episodes=self.num_episodes, xi_norm=self.modulation.xi_norm)
        if self.precision == "float":
            del d["fixed_format"]
        return d
