# SPDX-License-Identifier: BSD-3-Clause
"""Wiring an environment to a policy in a Lava graph, written once."""

from __future__ import annotations

__all__ = ["connect"]


def connect(bridge, agent) -> None:
    """Close the loop between an ``EnvBridge`` and a policy Process, one environment step per tick:
    ``obs_out → obs_in``, ``reward_out → reward_in`` (when the policy has that port: a fixed policy
    does not learn) and ``action_out → action_in``.

    Parameters
    ----------
    bridge : env_bridge.EnvBridge
    agent : lava.magma.core.process.process.AbstractProcess
        An ``NRLAgent``, or any Process with ``obs_in`` and ``action_out`` ports (and optionally
        ``reward_in``) that answers in the tick it receives an observation.
    """
    bridge.obs_out.connect(agent.obs_in)
    if "reward_in" in agent.in_ports.member_names:
        bridge.reward_out.connect(agent.reward_in)
    agent.action_out.connect(bridge.action_in)
