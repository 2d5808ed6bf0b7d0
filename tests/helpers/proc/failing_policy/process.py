# SPDX-License-Identifier: BSD-3-Clause
"""FailingPolicy: a user's Process that raises on a given tick (to test clean shutdown)."""

from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import AbstractProcess


class FailingPolicy(AbstractProcess):
    """Answers action 0 until tick ``fail_at``, where its model raises ``ZeroDivisionError``.

    Parameters
    ----------
    n_obs : int
        Observation length.
    fail_at : int
        The tick that raises.
    """

    def __init__(self, *, n_obs: int = 4, fail_at: int = 5) -> None:
        super().__init__(n_obs=n_obs, fail_at=fail_at)
        self.obs_in = InPort(shape=(n_obs,))
        self.action_out = OutPort(shape=(1,))
