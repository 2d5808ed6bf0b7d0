# SPDX-License-Identifier: BSD-3-Clause
"""Learning speed on CartPole-v1 (H = 128, L = 1): episodes and env steps to the threshold (a
100-episode mean of 475) and the final 100-episode mean, for nrl-fast, nrl-b and bp (or any --rules, e.g.
srl, or a rule with a block switched off, e.g. nrl-fast:step=plain: docs/results.md's ablation), on seeds
that no rate was tuned on.

    python benchmarks/bench_learning.py [--seeds 1-10] [--episodes 3000] [--precision float]
        [--rules nrl-fast nrl-b bp] [--lr η …] [--envs K …] [--stop]                    (10–20 minutes)

Goal: nrl-fast solves every seed with a median ≤ 500 episodes (backprop REINFORCE here: a median of
474 on the reference seeds), and once a seed has reached the threshold its 100-episode mean never
falls back below 400 within the budget. Every rule runs at its stable rate (``Rule.stable_lr``),
chosen on the reference seeds 42, 101, 300, 482, 708; every episode an agent plays is counted, and
no run stops early.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from lava_nrl.engine import TrainConfig, train_cohort
from lava_nrl.numerics import FixedFormat
from lava_nrl.runs import WINDOW, episodes_to_threshold, running_mean


def seed_list(text: str) -> tuple:
    """``1-10`` or ``42,101,300``."""
    if "-" in text:
        first, last = text.split("-")
        return tuple(range(int(first), int(last) + 1))
    return tuple(int(s) for s in text.split(","))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=seed_list, default=seed_list("1-10"),
                        help="1-10 (default) or a list, e.g. the reference seeds 42,101,300,482,708")
    parser.add_argument("--episodes", type=int, default=3000, help="budget per seed (default 3000)")
    parser.add_argument("--precision", choices=["float", "fixed"], default="float")
    parser.add_argument("--rules", nargs="+", default=["nrl-fast", "nrl-b", "bp"])
    parser.add_argument("--lr", type=float, nargs="+", help="η values to run each rule at (default: its stable rate)")
    parser.add_argument("--envs", type=int, nargs="+", default=[1],
                        help="K values: environments per agent (default 1); episodes count every environment's")
    parser.add_argument("--stop", action="store_true", help="stop each seed once solved (no 'lowest after')")
    parser.add_argument("--format", choices=["default", "paper"], default="default",
                        help="fixed-point format: the default (Loihi-honest) or FixedFormat.paper() (16-bit weights)")
    args = parser.parse_args()
    print("command:", " ".join([sys.executable.split("/")[-1]] + sys.argv))
    configs = [TrainConfig(env="CartPole-v1", rule=rule, precision="float" if rule == "bp" else args.precision,
                           episodes=args.episodes, seeds=args.seeds, lr=lr, envs=k, stop_after_threshold=int(args.stop),
                           fixed_format=FixedFormat.paper() if args.format == "paper" else FixedFormat())
               for rule in args.rules for lr in (args.lr or [None]) for k in args.envs]
    started = time.perf_counter()
    for config, result in zip(configs, train_cohort(configs)):
        reached = [episodes_to_threshold(r, result.reward_threshold) for r in result.returns]
        solved = [e for e in reached if e is not None]
        steps = [s[e - 1] for s, e in zip(result.episode_env_steps, reached) if e is not None]
        after = [float(running_mean(r)[e - 1 :].min()) for r, e in zip(result.returns, reached) if e is not None]
        line = f"{config.rule:>8} ({config.precision}, η {config.lr:g}, K {config.envs}): solved {len(solved)}/{len(reached)}"
        if solved:
            line += (f"; episodes to threshold median {np.median(solved):,.0f} (min {min(solved):,}, max "
                     f"{max(solved):,}); env steps median {np.median(steps):,.0f}")
            if not args.stop:
                line += f"; lowest 100-episode mean after reaching it {min(after):.1f}"
        finals = [float(np.mean(r[-WINDOW:])) for r in result.returns]
        line += f"; final {WINDOW}-episode mean {np.mean(finals):.1f}"
        print(line, flush=True)
        print(f"{'':>10}per seed: {dict(zip(config.seeds, reached))}; final means "
              f"{', '.join(f'{m:.1f}' for m in finals)}", flush=True)
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
