# SPDX-License-Identifier: BSD-3-Clause
"""Acrobot's physics for a batch of environments: a compiled copy of gymnasium's ``AcrobotEnv.step``
(gymnasium 1.x, "book" dynamics, no torque noise: its Runge–Kutta step and ``_dsdt``, expression for
expression), about 50× faster than gymnasium's and identical to separate ``AcrobotEnv``s (tested).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["acrobot_step", "has_default_dynamics", "ENTRY_POINT"]

ENTRY_POINT = "gymnasium.envs.classic_control.acrobot:AcrobotEnv"


def has_default_dynamics(probe) -> bool:
    """Whether ``probe`` has the dynamics :func:`acrobot_step` copies (the defaults) and a step limit."""
    env = probe.unwrapped
    return env.book_or_nips == "book" and env.torque_noise_max == 0.0 and probe.spec.max_episode_steps is not None


@njit(cache=True)
def _acrobot_dsdt(s, a, constants):
    """``AcrobotEnv._dsdt`` ("book" dynamics) for state s (4,) and torque a.

    ``AcrobotEnv`` squares numpy scalars with ``**2``, which is libm's ``pow``, not always x·x; the
    exponent ``two`` arrives at run time so that the compiler cannot turn pow(x, 2) into x·x."""
    m1, m2, l1, lc1, lc2, I1, I2, two = constants
    g = 9.8
    theta1, theta2, dtheta1, dtheta2 = s[0], s[1], s[2], s[3]
    d1 = m1 * lc1**two + m2 * (l1**two + lc2**two + 2 * l1 * lc2 * np.cos(theta2)) + I1 + I2
    d2 = m2 * (lc2**two + l1 * lc2 * np.cos(theta2)) + I2
    phi2 = m2 * lc2 * g * np.cos(theta1 + theta2 - np.pi / 2.0)
    phi1 = (
        -m2 * l1 * lc2 * dtheta2**two * np.sin(theta2)
        - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * np.sin(theta2)
        + (m1 * lc1 + m2 * l1) * g * np.cos(theta1 - np.pi / 2)
        + phi2
    )
    ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * dtheta1**two * np.sin(theta2) - phi2) / (
        m2 * lc2**two + I2 - d2**two / d1)
    ddtheta1 = -(d2 * ddtheta2 + phi1) / d1
    return np.array([dtheta1, dtheta2, ddtheta1, ddtheta2])


@njit(cache=True)
def _wrap(x, m, big):
    diff = big - m
    while x > big:
        x = x - diff
    while x < m:
        x = x + diff
    return x


@njit(cache=True)
def acrobot_step(state, actions, active, steps, max_steps, torques, dt, max_vel_1, max_vel_2, constants,
                  obs, reward, terminated, truncated):
    """``AcrobotEnv.step`` (gymnasium 1.x, no torque noise) on state (n, 4) where ``active``, in place:
    one ``rk4`` step over [0, dt], angles wrapped, velocities bounded."""
    for i in range(state.shape[0]):
        if not active[i]:
            continue
        y0, a = state[i].copy(), torques[actions[i]]
        dt2 = dt / 2.0
        k1 = _acrobot_dsdt(y0, a, constants)
        k2 = _acrobot_dsdt(y0 + dt2 * k1, a, constants)
        k3 = _acrobot_dsdt(y0 + dt2 * k2, a, constants)
        k4 = _acrobot_dsdt(y0 + dt * k3, a, constants)
        ns = y0 + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
        ns[0] = _wrap(ns[0], -np.pi, np.pi)
        ns[1] = _wrap(ns[1], -np.pi, np.pi)
        ns[2] = min(max(ns[2], -max_vel_1), max_vel_1)
        ns[3] = min(max(ns[3], -max_vel_2), max_vel_2)
        state[i] = ns
        terminated[i] = -np.cos(ns[0]) - np.cos(ns[1] + ns[0]) > 1.0
        reward[i] = 0.0 if terminated[i] else -1.0
        steps[i] += 1
        truncated[i] = steps[i] >= max_steps
        values = (np.cos(ns[0]), np.sin(ns[0]), np.cos(ns[1]), np.sin(ns[1]), ns[2], ns[3])
        for d in range(6):
            obs[i, d] = np.float64(np.float32(values[d]))  # observations are float32, as gymnasium's
