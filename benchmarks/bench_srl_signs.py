# SPDX-License-Identifier: BSD-3-Clause
"""How often SRL's weight change has the sign of backprop's, per layer, for L = 0, 1, 2, 3 hidden layers.

    python benchmarks/bench_srl_signs.py [--seeds 42,101,300,482,708] [--states 400] [--trained 300]
                                                                                       (a few minutes)

For each task (CartPole-v1: 2 actions; Acrobot-v1: 3), depth L and seed: a network of H = 128 (Xavier,
as ``lava-nrl reproduce`` starts it; and, with ``--trained N``, after N episodes of ``srl`` on the task),
and observations from a random policy's episodes. At each observation one step of ``srl`` and one of
``bp`` from the same weights (the same action: both act on the clean policy) leave traces s_l ⊗ x and
g_l ⊗ x. A synapse agrees where the two have the same sign; synapses whose backprop change is 0 are not
counted. The output layer agrees everywhere, and so does a network without hidden layers (L = 0, also
tested in tests/lava_nrl/kernels/test_srl.py); with 2 actions 1[a = k] − π_k is ±(1 − π_a)(1, −1), so
at L = 1 the hidden layer's signs are backprop's too.
"""

from __future__ import annotations

import argparse
import sys
import time

import gymnasium as gym
import numpy as np

from lava_nrl.engine import TrainConfig, train
from lava_nrl.kernels.agent import AgentSpec, act, init_agents
from lava_nrl.kernels.rules import Modulation, get_rule

TASKS = ("CartPole-v1", "Acrobot-v1")
HIDDEN = 128


def random_policy_states(env_id: str, n: int, seed: int) -> np.ndarray:
    """``n`` observations from episodes of a uniformly random policy."""
    env = gym.make(env_id)
    env.action_space.seed(seed)
    states, (obs, _) = [], env.reset(seed=seed)
    while len(states) < n:
        states.append(obs)
        obs, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            obs, _ = env.reset()
    return np.array(states)


def spec_of(rule: str, sizes: tuple) -> AgentSpec:
    return AgentSpec(sizes=sizes, rule=get_rule(rule), modulation=Modulation(), lr=0.01, sigma=1e-3)


def initial_weights(sizes: tuple, seed: int) -> list:
    """The weights every run of ``seed`` starts from (Xavier-normal)."""
    return [w[0] for w in init_agents(spec_of("srl", sizes), [seed]).weights]


def agreement(sizes: tuple, weights: list, states: np.ndarray, seed: int) -> tuple:
    """Per layer: (synapses whose signs agree, synapses with a backprop change), over ``states``."""
    traces = {}
    for rule in ("srl", "bp"):
        spec = spec_of(rule, sizes)
        state = init_agents(spec, [seed] * len(states))  # one network, evaluated at every state
        for l, w in enumerate(weights):
            state.weights[l][:] = w
        act(spec, state, states)
        traces[rule] = state.traces
    counted = [np.sign(bp) != 0 for bp in traces["bp"]]
    agree = [(np.sign(srl) == np.sign(bp)) & c for srl, bp, c in zip(traces["srl"], traces["bp"], counted)]
    return [int(a.sum()) for a in agree], [int(c.sum()) for c in counted]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="42,101,300,482,708", help="comma-separated (default: the reference seeds)")
    parser.add_argument("--states", type=int, default=400, help="observations per task and seed (default 400)")
    parser.add_argument("--trained", type=int, default=300,
                        help="also measure after this many episodes of srl on the task (0: only at initialisation)")
    args = parser.parse_args()
    seeds = tuple(int(s) for s in args.seeds.split(","))
    print("command:", " ".join([sys.executable.split("/")[-1]] + sys.argv))
    started = time.perf_counter()
    print("| task | L | weights | agreement per layer (input first), % | all synapses, % |")
    print("|---|---|---|---|---|")
    for env_id in TASKS:
        for layers in (0, 1, 2, 3):
            env = gym.make(env_id)
            sizes = (env.observation_space.shape[0],) + (HIDDEN,) * layers + (int(env.action_space.n),)
            when = {"initial": None}
            if args.trained:
                config = TrainConfig(env=env_id, rule="srl", episodes=args.trained, seeds=seeds, hidden=HIDDEN,
                                     layers=layers)
                when[f"after {args.trained} episodes of srl"] = train(config).weights
            for label, trained in when.items():
                agree, counted = np.zeros(layers + 1, int), np.zeros(layers + 1, int)
                for i, seed in enumerate(seeds):
                    weights = initial_weights(sizes, seed) if trained is None else trained[i]
                    a, c = agreement(sizes, weights, random_policy_states(env_id, args.states, seed), seed)
                    agree += a
                    counted += c
                per_layer = ", ".join(f"{100 * a / c:.1f}" for a, c in zip(agree, counted))
                print(f"| {env_id} | {layers} | {label} | {per_layer} | {100 * agree.sum() / counted.sum():.1f} |",
                      flush=True)
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
