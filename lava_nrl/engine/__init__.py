# SPDX-License-Identifier: BSD-3-Clause
"""Layer 4 — the fast runner: many independent agents (one per seed) over a batch of gymnasium
environments, calling the same kernels as the Lava models. Imports no Lava."""

from .config import TASKS, TrainConfig
from .train import TrainResult, train, train_cohort

__all__ = ["TrainConfig", "TASKS", "train", "train_cohort", "TrainResult"]
