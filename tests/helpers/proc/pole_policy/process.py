# SPDX-License-Identifier: BSD-3-Clause
"""PolePolicy: CartPole's hand-written rule "push the cart towards the side the pole leans to"."""

from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import AbstractProcess


def pole_action(theta: float) -> int:
    """1 (push right) when the pole leans to the right, else 0; the plain-loop reference.

    It keeps the pole up for a few dozen steps, so episodes end often."""
    return int(theta > 0)


class PolePolicy(AbstractProcess):
    """Receives a CartPole observation and sends the action in the same tick.

    Parameters
    ----------
    n_obs : int
        Observation length (4 for CartPole).
    num_envs : int
        Environments (an ``EnvBridge(num_envs=K)``'s rows).
    """

    def __init__(self, *, n_obs: int = 4, num_envs: int = 1, name=None, log_config=None) -> None:
        super().__init__(n_obs=n_obs, num_envs=num_envs, name=name, log_config=log_config)
        self.obs_in = InPort(shape=(n_obs,) if num_envs == 1 else (num_envs, n_obs))
        self.action_out = OutPort(shape=(num_envs,))
