# SPDX-License-Identifier: BSD-3-Clause
"""An agent's episodes over its K environments: which environments still play, and when the agent
stops. One bookkeeping for every runner (the engine's loop and the ``EnvBridge`` model), so that they
end the same episodes on the same steps.

- The budget counts the agent's episodes over all its environments. An environment starts an episode
  only while some of the budget is left to start, so every episode started is played to its end and
  counted, and no more than the budget is played: at the start environments 0 … min(K, budget) − 1
  play; when an episode ends and the budget is all started, that environment stops.
- Episodes are numbered in the order they end; environments whose episodes end at the same step, in
  environment order. The running mean is over the last 100 of them.
- Once it has held the task's threshold for ``hold`` episodes (``stop_after_threshold``), every
  environment stops at once: episodes under way are abandoned, unrecorded (their steps still count as
  the agent's env steps); episodes ending at that same step are still recorded.

With K = 1 this is a run that stops at its budget or at the threshold.
"""

from __future__ import annotations

import numpy as np

from lava_nrl.runs import WINDOW

__all__ = ["AgentEpisodes"]


class AgentEpisodes:
    """The episodes one agent has played, and which of its ``copies`` environments play on.

    Parameters
    ----------
    copies : int
        K, the agent's environments.
    budget : int
        Episodes of the agent, all environments together.
    hold : int
        Stop once the running mean has held ``threshold`` for this many episodes (0: never).
    threshold : float or None
        The task's reward threshold (None: never stop early).
    """

    def __init__(self, copies: int, budget: int, hold: int = 0, threshold: float | None = None) -> None:
        self.budget, self.hold = budget, hold if threshold is not None else 0
        self.threshold = threshold
        self.returns: list[float] = []
        self.lengths: list[int] = []
        self.envs: list[int] = []  # the environment of each episode
        self.env_steps: list[int] = []  # the agent's env steps at each episode's end
        self.started = min(copies, budget)
        self.playing = np.arange(copies) < budget
        self.held = 0  # consecutive episodes with the running mean ≥ threshold
        self.stopped = False  # at the threshold

    def end(self, env: int, episode_return: float, length: int, env_steps: int) -> None:
        """Record the episode environment ``env`` ended (``env_steps``: the agent's steps so far)."""
        self.returns.append(float(episode_return))
        self.lengths.append(int(length))
        self.envs.append(int(env))
        self.env_steps.append(int(env_steps))
        if self.stopped:
            return
        if self.hold and len(self.returns) >= WINDOW:
            self.held = self.held + 1 if np.mean(self.returns[-WINDOW:]) >= self.threshold else 0
        if self.hold and self.held >= self.hold:
            self.stopped = True
            self.playing[:] = False
        elif self.started < self.budget:
            self.started += 1
        else:
            self.playing[env] = False

    @property
    def done(self) -> bool:
        """No environment plays on."""
        return not self.playing.any()

    @property
    def skipped(self) -> int:
        """Episodes of the budget it will not play (stopped at the threshold)."""
        return self.budget - len(self.returns) if self.done else 0
