# SPDX-License-Identifier: BSD-3-Clause
"""Engine throughput: agent-steps/s for NRL on CartPole-v1 (H=128, L=1), float and fixed, in one run.

    python benchmarks/bench_engine.py [--agents 64] [--episodes 30]

Goal (issue 2): ≥ 200,000 agent-steps/s in float with 64 agents on 2 cores; fixed ≥ half of float.
Also prints a plain single-agent gymnasium loop of the same arithmetic for scale.
"""

from __future__ import annotations

import argparse
import sys

from lava_nrl.engine import TrainConfig, train


def measure(precision: str, agents: int, episodes: int) -> float:
    cfg = TrainConfig(env="CartPole-v1", rule="nrl-b", lr=0.01, precision=precision,
                      episodes=episodes, seeds=tuple(range(agents)), hidden=128, layers=1)
    train(TrainConfig(**{**cfg.__dict__, "episodes": 1}))  # warm-up: imports, caches
    result = train(cfg)
    return result.env_steps.sum() / result.wall_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=64)
    parser.add_argument("--episodes", type=int, default=30)
    args = parser.parse_args()
    print("command:", " ".join([sys.executable.split("/")[-1]] + sys.argv))
    rates = {}
    for precision in ("float", "fixed"):
        rates[precision] = measure(precision, args.agents, args.episodes)
        print(f"{precision:>5}: {rates[precision]:>10,.0f} agent-steps/s  ({args.agents} agents)")
    single = measure("float", 1, args.episodes)
    print(f"float, 1 agent: {single:>10,.0f} agent-steps/s")
    print(f"fixed/float = {rates['fixed'] / rates['float']:.2f}; "
          f"64-agent batching speed-up over 1 agent = {rates['float'] / single:.1f}x; "
          f"goal 200,000 float: {'met' if rates['float'] >= 200_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
