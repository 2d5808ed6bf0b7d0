# SPDX-License-Identifier: BSD-3-Clause
"""A trained agent as a plain policy, ``policy(obs) → action``, for any gymnasium loop, without Lava.

Built on the compiled kernels, in the agent's precision (fixed-point runs encode observations in
Q.frac_bits and compute in integers, as in training)::

    import gymnasium as gym
    from lava_nrl.policy import load_policy

    policy = load_policy("runs/cartpole/weights-seed42.npz", mode="greedy")
    env = gym.make("CartPole-v1")
    obs, _ = env.reset(seed=0)
    done = False
    while not done:
        obs, reward, terminated, truncated, _ = env.step(policy(obs))
        done = terminated or truncated

Modes: ``"greedy"``, the most probable action of the clean network (argmax of its logits; the first
on a tie); ``"sampled"``, the action drawn as the agent draws it while learning (from π, from the
noisy π̃ for rmhl), with the noise and action streams of ``seed``: the same actions as a frozen
``NRLAgent`` with that seed on the same observations.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from lava_nrl.agent_file import agent_spec_of, read_agent_file
from lava_nrl.errors import ConfigError, ShapeError
from lava_nrl.kernels.agent import act, init_agents
from lava_nrl.kernels.layer import dense_row
from lava_nrl.numerics import arith as ar
from lava_nrl.params import integer

__all__ = ["Policy", "load_policy", "MODES"]

MODES = ("greedy", "sampled")


@njit(cache=True)
def _greedy(k, sat, weights, s):
    """argmax of the clean pass's logits for one encoded observation ``s`` (the kernels' rows)."""
    x = s.copy()
    for l in range(len(weights)):
        w = weights[l]
        a, unused_noisy = np.empty(w.shape[0], s.dtype), np.empty(w.shape[0], s.dtype)
        dense_row(k, sat, w, x, x, a, unused_noisy)
        if l < len(weights) - 1:
            for i in range(a.shape[0]):
                a[i] = ar.leaky_relu(k, a[i])
        x = a
    return np.argmax(x)


class Policy:
    """A trained agent's policy: call it with an observation, get an action (``int``).

    Parameters
    ----------
    params : dict
        The agent file's parameters (:mod:`lava_nrl.agent_file`).
    weights : sequence of arrays
        W_l (n_post × n_pre), real values.
    mode : str
        ``"greedy"`` or ``"sampled"`` (module docstring).
    seed : int or None
        Seeds the sampled mode's noise and action streams (default: the agent's own seed).
    observation_space : gymnasium.Space or None
        Given, observations are encoded for it (one-hot for ``Discrete``); else flattened.
    """

    def __init__(self, params: dict, weights, mode: str = "greedy", seed: int | None = None,
                 observation_space=None) -> None:
        if mode not in MODES:
            raise ConfigError(f"policy mode must be one of {', '.join(MODES)}, got {mode!r}")
        self.mode, self.params, self.observation_space = mode, params, observation_space
        self.seed = integer("seed", params["seed"] if seed is None else seed, 0)
        self.spec = agent_spec_of(params)
        self.arith = self.spec.arith
        self.state = init_agents(self.spec, [self.seed])
        self.state.weights[:] = [self.arith.encode_weights(np.asarray(w, dtype=np.float64)[None]) for w in weights]
        self._weights = tuple(np.ascontiguousarray(w[0]) for w in self.state.weights)
        self.n_obs, self.n_actions = self.spec.sizes[0], self.spec.sizes[-1]

    @property
    def saturations(self) -> dict:
        """Fixed point: values clipped to their width so far, by kind (observations: ``input``)."""
        return self.arith.saturations

    def __call__(self, obs) -> int:
        if self.observation_space is not None:
            from env_bridge.validation import encode_observation

            flat = encode_observation(self.observation_space, obs)
        else:
            flat = np.asarray(obs, dtype=np.float64).reshape(-1)
        if flat.size != self.n_obs:
            raise ShapeError(f"the policy takes {self.n_obs} observation values, got {flat.size}")
        s = self.arith.encode(flat[None])
        if self.mode == "greedy":
            return int(_greedy(self.spec.constants, self.arith.counts, self._weights, s[0]))
        action = int(act(self.spec, self.state, s)[0])
        for trace in self.state.traces:  # nothing learns from them: keep them from growing
            trace[...] = 0
        return action


def load_policy(path, mode: str = "greedy", seed: int | None = None, observation_space=None) -> Policy:
    """The :class:`Policy` of an agent file (``NRLAgent.save``'s or a run's ``weights-seed{S}.npz``;
    ``bp`` runs too)."""
    params, weights = read_agent_file(path)
    return Policy(params, weights, mode=mode, seed=seed, observation_space=observation_space)
