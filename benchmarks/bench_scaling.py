# SPDX-License-Identifier: BSD-3-Clause
"""What splitting ``reproduce`` into finer units costs, and its wall time on 1 and 2 workers, on a subset.

    python benchmarks/bench_scaling.py [--trials 50 --acrobot 40 --cartpole 100] [--ray]    (about 10 minutes)

The subset: every cell of the full reproduction (hidden 128, five seeds, the same η) with its budget cut
to ``--trials`` Reaching trials, ``--acrobot`` Acrobot and ``--cartpole`` CartPole episodes. Prints

- per cohort, one unit after another in this process, in CPU seconds (the same on a busy machine): the
  cohort in one engine loop, the sum and the longest of its cells run alone, and of its seeds run alone
  — the CPU time a finer grain costs and the longest unit it leaves (docs/scaling.md projects the full
  run from these);
- the subset's wall time through ``lava_nrl.cells.run_cells`` on 1 and 2 local processes and, with
  ``--ray``, on a Ray instance of this machine at each grain (wall times: they depend on what else runs).
"""

from __future__ import annotations

import argparse
import dataclasses
import pathlib
import sys
import tempfile
import time

from lava_nrl.cells import plan, run_cells, train_unit
from lava_nrl.engine.config import REACHING
from lava_nrl.reproduce import LONGEST_FIRST, cells


def subset(trials: int, acrobot: int, cartpole: int) -> list:
    budget = {REACHING: trials, "Acrobot-v1": acrobot, "CartPole-v1": cartpole}
    every = [c._replace(config=dataclasses.replace(c.config, episodes=budget[c.config.env])) for c in cells()]
    return sorted(every, key=lambda c: LONGEST_FIRST.index(c.cohort))


def _cpu_seconds(units) -> list[float]:
    """Each unit's CPU time, one after another in this process (the engine runs on one thread, so
    other processes' load on the machine leaves it as it is)."""
    times = []
    for unit in units:
        started = time.process_time()
        train_unit(unit.configs, None, None, 0)
        times.append(time.process_time() - started)
    return times


def _wall(every, **where) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-scaling-") as out:
        started = time.perf_counter()
        run_cells(pathlib.Path(out), every, **where)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=50, help="Reaching trials (default 50)")
    parser.add_argument("--acrobot", type=int, default=40, help="Acrobot episodes (default 40)")
    parser.add_argument("--cartpole", type=int, default=100, help="CartPole episodes (default 100)")
    parser.add_argument("--ray", action="store_true", help="also on a Ray instance of this machine, each grain")
    args = parser.parse_args()
    print("command:", " ".join([sys.executable.split("/")[-1]] + sys.argv))
    every = subset(args.trials, args.acrobot, args.cartpole)
    for cohort in plan(every, "cohort", 1):  # warm-up: each cohort's kernels compiled or loaded from the cache
        train_unit([dataclasses.replace(c, episodes=1) for c in cohort.configs], None, None, 0)
    print(f"{'cohort':>16} {'one loop':>9} {'cells Σ':>8} {'longest':>8} {'seeds Σ':>8} {'longest':>8}  (CPU s)")
    for cohort in LONGEST_FIRST:
        members = [c for c in every if c.cohort == cohort]
        whole, by_cell, by_seed = (_cpu_seconds(plan(members, grain, 1)) for grain in ("cohort", "cell", "seed"))
        print(f"{cohort:>16} {whole[0]:9.1f} {sum(by_cell):8.1f} {max(by_cell):8.1f} {sum(by_seed):8.1f} "
              f"{max(by_seed):8.1f}  (cells ×{sum(by_cell) / whole[0]:.2f}, seeds ×{sum(by_seed) / whole[0]:.2f} "
              "the cohort's CPU time)")
    print(f"{'the subset, 1 local process':>40}: {_wall(every, jobs=1):7.1f} s")
    print(f"{'the subset, 2 local processes':>40}: {_wall(every, jobs=2):7.1f} s")
    if args.ray:
        for grain in ("cohort", "cell", "seed"):
            print(f"{f'the subset on Ray here, by {grain}':>40}: {_wall(every, ray='local', grain=grain):7.1f} s "
                  "(with the Ray instance's start-up)")


if __name__ == "__main__":
    main()
