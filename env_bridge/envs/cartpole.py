# SPDX-License-Identifier: BSD-3-Clause
"""CartPole's physics for a batch of environments: a compiled copy of gymnasium's
``CartPoleVectorEnv.step`` (gymnasium 1.x), identical to separate ``CartPoleEnv``s bit for bit (tested).

:class:`env_bridge.batch.CartPoleBatch` holds the state in a ``CartPoleVectorEnv`` (for its constants)
and resets sub-environments from per-environment generators.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["cartpole_step", "VECTOR_ENTRY_POINT"]

VECTOR_ENTRY_POINT = "gymnasium.envs.classic_control.cartpole:CartPoleVectorEnv"


@njit(cache=True)
def cartpole_step(state, actions, active, steps, max_steps, constants, obs, reward, terminated, truncated):
    """``CartPoleVectorEnv.step`` (gymnasium 1.x, Euler integrator) on state (4, n) where ``active``, in
    place: the same float64 operations in the same order, without its per-call checks."""
    gravity, total_mass, length, masspole, polemass_length, force_mag, tau, x_limit, theta_limit, sutton = constants
    for i in range(state.shape[1]):
        if not active[i]:
            continue
        x, x_dot, theta, theta_dot = state[0, i], state[1, i], state[2, i], state[3, i]
        force = np.sign(actions[i] - 0.5) * force_mag
        costheta, sintheta = np.cos(theta), np.sin(theta)
        temp = (force + polemass_length * (theta_dot * theta_dot) * sintheta) / total_mass
        thetaacc = (gravity * sintheta - costheta * temp) / (
            length * (4.0 / 3.0 - masspole * (costheta * costheta) / total_mass))
        xacc = temp - polemass_length * thetaacc * costheta / total_mass
        x, x_dot = x + tau * x_dot, x_dot + tau * xacc
        theta, theta_dot = theta + tau * theta_dot, theta_dot + tau * thetaacc
        state[0, i], state[1, i], state[2, i], state[3, i] = x, x_dot, theta, theta_dot
        terminated[i] = x < -x_limit or x > x_limit or theta < -theta_limit or theta > theta_limit
        steps[i] += 1
        truncated[i] = steps[i] >= max_steps
        reward[i] = -1.0 * terminated[i] if sutton else 1.0
        for d in range(4):
            obs[i, d] = np.float64(np.float32(state[d, i]))  # observations are float32, as gymnasium's
