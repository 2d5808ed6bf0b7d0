# SPDX-License-Identifier: BSD-3-Clause
"""Reward schedules: when the reward an environment earns reaches the learner.

One pure, batch-first state machine, :func:`schedule_step`, called by the engine's loop, by the
Lava ``EnvBridge`` model and by the gymnasium wrappers (:mod:`env_bridge.wrappers`), so all deliver the
same rewards at the same steps. NRL itself uses two schedules (arXiv 2503.23972): the episode return
at the end of the episode (CartPole, Acrobot) and the reward of every step (Reaching1D); the delayed
and periodic ones are for experiments on credit assignment.

Steps are counted within an episode from ``t = 0`` (the episode's first step); ``r_t`` is the reward
earned at step ``t`` and ``T`` is the episode's last step (the one with ``terminated or truncated``).

=============  =====================================================  ==============================
spec           reward delivered at step t                             event (a delivery) at step t
=============  =====================================================  ==============================
``immediate``  ``r_t``                                                every step
``episodic``   ``sum(r_0 .. r_T)`` at ``t = T``, else 0               ``t = T``
``delay:K``    ``r_(t-K)`` if ``t >= K``, else 0; at ``t = T`` also   ``t >= K`` or ``t = T``
               every reward still pending: ``sum(r_(T-K+1) .. r_T)``
``every:K``    the sum earned since the last delivery, at steps       ``(t + 1) % K == 0`` or
               ``t = K-1, 2K-1, ...`` (the K-th, 2K-th ... step)      ``t = T``
               and at ``t = T``, else 0
=============  =====================================================  ==============================

``K >= 1``. Rewards never cross an episode boundary: per environment, the sum delivered over an
episode equals the sum earned, and nothing is delivered twice. At any step, earned = delivered +
still pending in the state (``pending`` plus the ``delay_line``). An event marks a delivery even when
the delivered value happens to be 0.

Batch-first: every array has the number of environments as its leading axis, and the arithmetic is
vectorised over it (no Python loop over environments; ``delay:K`` keeps a ring buffer of K slots per
environment, indexed by the episode step).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from lava_nrl.errors import ConfigError, ShapeError

__all__ = ["SCHEDULE_KINDS", "RewardSchedule", "ScheduleState", "initial_state", "schedule_step"]

SCHEDULE_KINDS = ("immediate", "episodic", "delay", "every")
_KINDS_WITH_K = ("delay", "every")
_ALLOWED_FORMS = "'immediate', 'episodic', 'delay:K' or 'every:K' with K a positive integer"
_SPEC_PATTERN = re.compile(r"(immediate|episodic)|(delay|every):([1-9][0-9]*)")


@dataclass(frozen=True)
class RewardSchedule:
    """A reward schedule; the module docstring says at which step each reward is delivered.

    Parameters
    ----------
    kind : str
        ``"immediate"``, ``"episodic"``, ``"delay"`` or ``"every"``.
    k : int, optional
        K for ``delay`` and ``every`` (a positive integer); must be 0 (the default) for the others.

    Examples
    --------
    >>> RewardSchedule.parse("delay:3")
    RewardSchedule(kind='delay', k=3)
    >>> str(RewardSchedule("every", 5))
    'every:5'
    """

    kind: str
    k: int = 0

    def __post_init__(self) -> None:
        if self.kind not in SCHEDULE_KINDS:
            raise ConfigError(f"Expect a reward schedule kind in {SCHEDULE_KINDS}, actually: {self.kind!r}")
        if isinstance(self.k, bool) or not isinstance(self.k, (int, np.integer)):
            raise ConfigError(f"Expect `k` to be an integer, actually: {self.k!r}")
        if self.kind in _KINDS_WITH_K and self.k < 1:
            raise ConfigError(f"Expect `k` to be positive for {self.kind!r}, actually: {self.k}")
        if self.kind not in _KINDS_WITH_K and self.k != 0:
            raise ConfigError(f"Expect `k` to be 0 for {self.kind!r} (it takes no K), actually: {self.k}")

    @classmethod
    def parse(cls, spec: str) -> RewardSchedule:
        """The schedule named by ``spec``: ``"immediate"``, ``"episodic"``, ``"delay:K"`` or ``"every:K"``.

        Raises
        ------
        ConfigError
            If ``spec`` has none of these forms; the message names ``spec`` and the allowed forms.
        """
        match = _SPEC_PATTERN.fullmatch(spec) if isinstance(spec, str) else None
        if match is None:
            raise ConfigError(f"Unknown reward schedule {spec!r}; expected {_ALLOWED_FORMS}")
        plain_kind, kind_with_k, k = match.groups()
        return cls(plain_kind) if plain_kind else cls(kind_with_k, int(k))

    def __str__(self) -> str:
        """The spec that :meth:`parse` reads back into this schedule."""
        return f"{self.kind}:{self.k}" if self.kind in _KINDS_WITH_K else self.kind


class ScheduleState(NamedTuple):
    """Per-environment schedule state; leading axis = number of environments."""

    episode_step: npt.NDArray[np.int64]
    """(n,) steps already taken in the current episode: the index ``t`` of the next step."""
    pending: npt.NDArray[np.float64]
    """(n,) reward earned and not yet delivered (immediate, episodic, every; 0 for delay)."""
    delay_line: npt.NDArray[np.float64]
    """(n, K) for ``delay:K``: slot ``t % K`` holds ``r_t`` until step ``t + K``; (n, 0) otherwise."""


def initial_state(schedule: RewardSchedule, num_envs: int) -> ScheduleState:
    """The state of ``num_envs`` environments at the start of an episode: nothing earned, step 0."""
    if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)) or num_envs < 1:
        raise ConfigError(f"Expect `num_envs` to be a positive integer, actually: {num_envs!r}")
    delay_slots = schedule.k if schedule.kind == "delay" else 0
    return ScheduleState(
        episode_step=np.zeros(num_envs, dtype=np.int64),
        pending=np.zeros(num_envs, dtype=np.float64),
        delay_line=np.zeros((num_envs, delay_slots), dtype=np.float64),
    )


def schedule_step(
    schedule: RewardSchedule,
    state: ScheduleState,
    reward: npt.ArrayLike,
    done: npt.ArrayLike,
    active: npt.ArrayLike | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], ScheduleState]:
    """Advance the schedule by one environment step; pure (``state`` is not modified).

    Parameters
    ----------
    schedule : RewardSchedule
    state : ScheduleState
        State before this step.
    reward : array_like of shape (n,)
        Reward earned at this step.
    done : array_like of shape (n,), bool
        ``terminated | truncated`` of this step: this step is the episode's last.
    active : array_like of shape (n,), bool, optional
        False where the environment took no transition this step (gymnasium's ``NEXT_STEP`` autoreset
        step): there nothing is delivered, no event occurs and the state is kept. Default: all True.

    Returns
    -------
    delivered : ndarray of shape (n,), float64
        Reward delivered at this step.
    event : ndarray of shape (n,), bool
        True where a reward is delivered at this step.
    new_state : ScheduleState
        State after this step; reset to step 0 with nothing pending where ``done``.
    """
    num_envs = state.episode_step.shape[0]
    reward = np.asarray(reward, dtype=np.float64)
    done = np.asarray(done, dtype=bool)
    arrays = (("reward", reward), ("done", done)) + (() if active is None else (("active", np.asarray(active)),))
    for name, array in arrays:
        if array.shape != (num_envs,):
            raise ShapeError(f"Expect `{name}` of shape ({num_envs},) like the schedule state, actually: {array.shape}")

    if schedule.kind == "delay":
        delivered, event, new_state = _step_delay_line(schedule.k, state, reward, done)
    else:
        delivered, event, new_state = _step_accumulate(schedule, state, reward, done)

    if active is None:  # every environment took its transition
        return delivered, event, new_state
    active = np.asarray(active, dtype=bool)
    delivered = np.where(active, delivered, 0.0)
    event = event & active
    new_state = ScheduleState(*(_select_envs(active, new, old) for new, old in zip(new_state, state)))
    return delivered, event, new_state


def _select_envs(mask: npt.NDArray[np.bool_], if_true: np.ndarray, if_false: np.ndarray) -> np.ndarray:
    """Per environment (leading axis), the row of ``if_true`` where ``mask`` else that of ``if_false``."""
    return np.where(mask.reshape(-1, *([1] * (if_true.ndim - 1))), if_true, if_false)


def _step_accumulate(
    schedule: RewardSchedule, state: ScheduleState, reward: npt.NDArray[np.float64], done: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], ScheduleState]:
    """immediate, episodic and every:K: add the reward to ``pending``; hand ``pending`` over when due."""
    pending = state.pending + reward
    if schedule.kind == "immediate":
        due = np.ones_like(done)
    elif schedule.kind == "every":
        due = ((state.episode_step + 1) % schedule.k == 0) | done
    else:  # episodic
        due = done
    delivered = np.where(due, pending, 0.0)
    new_state = ScheduleState(
        episode_step=np.where(done, 0, state.episode_step + 1),
        pending=np.where(due, 0.0, pending),
        delay_line=state.delay_line,
    )
    return delivered, due, new_state


def _step_delay_line(
    k: int, state: ScheduleState, reward: npt.NDArray[np.float64], done: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], ScheduleState]:
    """delay:K: pop ``r_(t-K)`` from slot ``t % K``, push ``r_t`` into it; flush the line on the last step."""
    rows = np.arange(reward.shape[0])
    slot = state.episode_step % k
    # Slots are zeroed at every episode end, so before step K the popped value is 0.
    due_now = state.delay_line[rows, slot]
    delay_line = state.delay_line.copy()
    delay_line[rows, slot] = reward
    flushed = np.where(done, delay_line.sum(axis=1), 0.0)
    delay_line[done] = 0.0
    new_state = ScheduleState(
        episode_step=np.where(done, 0, state.episode_step + 1),
        pending=state.pending,
        delay_line=delay_line,
    )
    return due_now + flushed, (state.episode_step >= k) | done, new_state
