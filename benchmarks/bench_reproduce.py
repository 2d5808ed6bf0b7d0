# SPDX-License-Identifier: BSD-3-Clause
"""Throughput of each cohort of ``lava-nrl reproduce``: agent-steps/s over its first episodes.

    python benchmarks/bench_reproduce.py [--episodes 30] [--cohort Reaching1D-v0 …]    (about 2 minutes)

Goal: the whole reproduction (``lava-nrl reproduce``) in ≤ 60 minutes on 2 cores. Its cost is the Reaching1D cohort
(5·10⁶ steps of 30 agents that update every step) on one core, and the four others one after another
on the second; this prints the rate each cohort runs at, in one process, so that a change to the
engine's loop, the kernels or the environments shows up without a full run. Early episodes are not
typical of a whole run (Acrobot's are all 500 steps long, CartPole's short), so compare a rate with
the same command's before a change, not with another cohort's.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

from lava_nrl.engine import train_cohort
from lava_nrl.reproduce import LONGEST_FIRST, cells


def measure(cohort: str, episodes: int) -> float:
    configs = [c.config for c in cells() if c.cohort == cohort]
    train_cohort([dataclasses.replace(c, episodes=1) for c in configs])  # warm-up: imports, caches
    results = train_cohort([dataclasses.replace(c, episodes=episodes) for c in configs])
    return sum(int(r.env_steps.sum()) for r in results) / results[0].wall_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=30, help="episodes per agent (default 30)")
    parser.add_argument("--cohort", nargs="+", choices=LONGEST_FIRST, default=list(LONGEST_FIRST))
    args = parser.parse_args()
    print("command:", " ".join([sys.executable.split("/")[-1]] + sys.argv))
    for cohort in args.cohort:
        print(f"{cohort:>16}: {measure(cohort, args.episodes):>8,.0f} agent-steps/s "
              f"(first {args.episodes} episodes per agent)")


if __name__ == "__main__":
    main()
