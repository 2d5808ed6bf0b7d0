# SPDX-License-Identifier: BSD-3-Clause
"""Engine throughput: agent-steps/s for NRL on CartPole-v1 (H=128, L=1), float and fixed, in one run.

    python benchmarks/bench_engine.py [--agents 64] [--episodes 1000]    (about 4 minutes)

Goal: ≥ 200,000 agent-steps/s in float with 64 agents on 2 cores; fixed ≥ half of float.
Measured in one process and with the seeds split over two (``train(..., jobs=2)``: one per core),
end to end (the two processes' start-up, about 3 s, included: hence the long default run), and with
one agent for scale.
"""

from __future__ import annotations

import argparse
import sys

from lava_nrl.engine import TrainConfig, train


def measure(precision: str, agents: int, episodes: int, jobs: int = 1) -> float:
    cfg = TrainConfig(env="CartPole-v1", rule="nrl-b", lr=0.01, precision=precision,
                      episodes=episodes, seeds=tuple(range(agents)), hidden=128, layers=1)
    train(TrainConfig(**{**cfg.__dict__, "episodes": 1}))  # warm-up: imports, caches
    result = train(cfg, jobs=jobs)
    return result.env_steps.sum() / result.wall_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=64)
    parser.add_argument("--episodes", type=int, default=1000)
    args = parser.parse_args()
    print("command:", " ".join([sys.executable.split("/")[-1]] + sys.argv))
    rates = {}
    for precision in ("float", "fixed"):
        for jobs in (1, 2):
            rates[precision, jobs] = measure(precision, args.agents, args.episodes, jobs)
            print(f"{precision:>5}, {jobs} process{'es' if jobs > 1 else '  '}: "
                  f"{rates[precision, jobs]:>10,.0f} agent-steps/s  ({args.agents} agents)")
    single = measure("float", 1, args.episodes)
    print(f"float, 1 agent:      {single:>10,.0f} agent-steps/s")
    best = rates["float", 2]
    print(f"fixed/float = {rates['fixed', 1] / rates['float', 1]:.2f} (1 process), "
          f"{rates['fixed', 2] / best:.2f} (2); 2 processes / 1 = {best / rates['float', 1]:.2f}; "
          f"goal 200,000 float on 2 cores: {'met' if best >= 200_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
