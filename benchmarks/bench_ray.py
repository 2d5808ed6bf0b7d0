# SPDX-License-Identifier: BSD-3-Clause
"""Ray's own cost per unit of work, on a Ray instance of this machine (``--ray`` without an address).

    python benchmarks/bench_ray.py [--tasks 20]    (about a minute; needs pip install -e '.[ray]')

Prints: the start-up of a Ray instance (``ray.init``); a task's round trip on a warm worker; the first
unit of work a fresh worker runs (a worker process, importing lava-nrl, loading the compiled kernels
from numba's cache: what every unit pays once per worker) against the same unit in this process; and
what a unit of ``reproduce`` sends: the checkpoint of Reaching1D's cohort (its 30 agents of 128 hidden
units) to the driver's hub and a cohort's results back, bytes and seconds. docs/scaling.md uses them.
"""

from __future__ import annotations

import argparse
import dataclasses
import pickle
import sys
import time

from lava_nrl.cells import plan
from lava_nrl.cluster import Hub, connected
from lava_nrl.engine import train_cohort
from lava_nrl.engine.train import start_run
from lava_nrl.reproduce import cells


def _noop() -> None:
    return None


def _echo(value):
    return value


def _first_unit(configs) -> float:
    """A unit's wall time inside its worker (the task's round trip is measured around it)."""
    started = time.perf_counter()
    train_cohort(list(configs))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=20, help="tasks in the round-trip measurement (default 20)")
    args = parser.parse_args()
    print("command:", " ".join([sys.executable.split("/")[-1]] + sys.argv))
    reaching = [c for c in cells() if c.cohort == "Reaching1D-v0"]
    one_trial = tuple(dataclasses.replace(c.config, episodes=1) for c in reaching)
    started = time.perf_counter()
    train_cohort(list(one_trial))  # this process: imports and kernels compiled or loaded from the cache
    print(f"{'one Reaching trial of its cohort, this process':>52}: {time.perf_counter() - started:6.2f} s (first)")
    started = time.perf_counter()
    train_cohort(list(one_trial))
    here = time.perf_counter() - started
    print(f"{'… again (warm)':>52}: {here:6.2f} s")

    started = time.perf_counter()
    with connected(None) as workers:
        print(f"{'ray.init of a Ray instance here':>52}: {time.perf_counter() - started:6.2f} s "
              f"({workers.workers} CPUs)")
        import ray

        noop = ray.remote(_noop).options(num_cpus=1)
        ray.get(noop.remote())
        started = time.perf_counter()
        for _ in range(args.tasks):
            ray.get(noop.remote())
        print(f"{'an empty task, one after another':>52}: {(time.perf_counter() - started) / args.tasks * 1e3:6.2f} ms")
        first = ray.remote(num_cpus=1, max_calls=1)(_first_unit)  # max_calls=1: a fresh worker each time
        started = time.perf_counter()
        inside = ray.get(first.remote(one_trial))
        total = time.perf_counter() - started
        print(f"{'the same trial as a task on a fresh worker':>52}: {total:6.2f} s, of which")
        print(f"{'worker start-up and the task round trip':>52}: {total - inside:6.2f} s")
        print(f"{'lava-nrl imported, kernels loaded from the cache':>52}: {inside - here:6.2f} s")

        run = start_run([c.config for c in reaching])  # a full-size cohort: what its checkpoint holds
        checkpoint = pickle.dumps({"run": run}, protocol=pickle.HIGHEST_PROTOCOL)
        hub = ray.remote(Hub).options(num_cpus=0).remote(None)
        ray.get(hub.save.remote("warm-up", b""))
        started = time.perf_counter()
        ray.get(hub.save.remote("Reaching1D-v0", checkpoint))
        print(f"{'Reaching cohort checkpoint to the hub':>52}: {len(checkpoint) / 1e6:6.2f} MB in "
              f"{(time.perf_counter() - started) * 1e3:.0f} ms")
        results = train_cohort([dataclasses.replace(c.config, episodes=1) for c in reaching])
        returned = len(pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL))
        echo = ray.remote(_echo).options(num_cpus=1)
        for _ in range(2 * workers.workers):  # every worker warm: it has imported lava-nrl's classes
            ray.get(echo.remote(results))
        started = time.perf_counter()
        ray.get(echo.remote(results))
        print(f"{'a cohort result (6 cells × 5 seeds) there and back':>52}: {returned / 1e6:6.2f} MB in "
              f"{(time.perf_counter() - started) * 1e3:.0f} ms (one trial's returns; a full run adds 16,667 "
              "returns and lengths per seed, 0.3 MB)")
        units = plan(cells(), "seed", 10**6)
        print(f"{'units of a full reproduce':>52}: {len(plan(cells(), 'cohort', 1))} cohorts, "
              f"{len(plan(cells(), 'cell', 1))} cells, {len(units)} seeds")


if __name__ == "__main__":
    main()
