# SPDX-License-Identifier: BSD-3-Clause
"""Cells: named training runs that one command writes into one folder, ``OUT/cells/NAME/`` (the files of
``lava-nrl train``), run in units of work on local processes or on a Ray cluster, and resumed where
they stopped. ``lava-nrl reproduce`` and ``lava-nrl sweep`` are lists of cells.

A unit of work is one of three grains:

- ``cohort``: the cells of a cohort (one environment and reward schedule) in one engine loop, which
  steps their environments together and so pays the loop's per-step cost once;
- ``cell``: one cell, every seed;
- ``seed``: one seed of one cell.

A cell computes the same, bit for bit, at every grain: its agents are independent of each other and
of the cells beside them. Coarser grains cost less CPU time, finer grains give more units to run side
by side and a shorter longest unit (docs/scaling.md measures both: Reaching's cells alone take 2.3
times their cohort's CPU time, its seeds alone 7.4 times). ``auto`` takes the coarsest grain with at
least as many units as there are workers; for ``reproduce`` that is also about where the finer grain
starts to pay (from 5 and from 24 workers, by those measurements).

A unit checkpoints itself into ``OUT/cohorts/UNIT.ckpt`` every ``checkpoint_every`` episodes over its
agents and when interrupted; rerun on the folder, it continues from there. A finished seed of a cell
waits in ``OUT/cohorts/UNIT.part`` for the cell's other seeds. A cell is finished once its
``summary.json`` exists; one that records another configuration's hash, or a checkpoint that trains a
configuration that is not one of the cells, is refused, never mixed in.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import itertools
import json
import pathlib
import time
import typing as ty

from lava_nrl.engine import TrainConfig, train_cohort
from lava_nrl.engine.train import Run, load_checkpoint, merge_results, save_checkpoint
from lava_nrl.errors import OutputError
from lava_nrl.runs import config_hash, write_results

__all__ = ["CHECKPOINT_EVERY", "CELL_FILES", "GRAINS", "Cell", "Unit", "Progress", "episodes_done", "finished",
           "plan", "run_cells", "run_unit", "train_unit"]

CHECKPOINT_EVERY = 5_000  # episodes over a unit's agents
GRAINS = ("auto", "cohort", "cell", "seed")
# What run_cells writes into its folder (glob patterns).
CELL_FILES = ("cells", "cohorts")


class Cell(ty.NamedTuple):
    name: str
    group: str  # which table or plot it belongs to
    config: TrainConfig
    cohort: str  # the cells of one cohort may share an engine loop: one env, reward schedule and env keywords


class Unit(ty.NamedTuple):
    """A unit of work: ``configs`` trained in one engine loop; its checkpoint is ``OUT/cohorts/NAME.ckpt``."""

    name: str
    configs: tuple  # of TrainConfig
    cells: tuple = ()  # the cells it computes (or part of, at the seed grain); none for a train run's shard

    @property
    def episodes(self) -> int:
        """Its episode budget, over all its agents."""
        return sum(c.num_episodes * len(c.seeds) for c in self.configs)


class Progress(ty.NamedTuple):
    cells_done: int
    cells_total: int
    eta_seconds: float | None  # from the share of the episode budget run so far; None before any


def plan(todo: ty.Sequence[Cell], grain: str, workers: int) -> list[Unit]:
    """The units of work that compute the cells ``todo``, in their order (the cohorts in the order their
    first cell appears). ``grain``: one of :data:`GRAINS`; ``auto``: the coarsest with at least
    ``workers`` units."""
    cohorts: dict[str, list[Cell]] = {}
    for cell in todo:
        cohorts.setdefault(cell.cohort, []).append(cell)
    cells = [cell for members in cohorts.values() for cell in members]
    grains = {
        "cohort": lambda: [Unit(name, tuple(c.config for c in members), tuple(members))
                           for name, members in cohorts.items()],
        "cell": lambda: [Unit(c.name, (c.config,), (c,)) for c in cells],
        "seed": lambda: [Unit(f"{c.name}-seed{s}", (dataclasses.replace(c.config, seeds=(s,)),), (c,))
                         for c in cells for s in c.config.seeds],
    }
    if grain == "auto":
        grain = next((g for g in ("cohort", "cell") if len(grains[g]()) >= workers), "seed")
    return grains[grain]()


def episodes_done(run) -> int:
    """Episodes of ``run``'s budget behind it: those its agents finished and those the agents that
    stopped at the threshold skip (0 for a run not started, a list of configs)."""
    if not isinstance(run, Run):
        return 0
    return int(sum(len(book.returns) + book.skipped for book in run.books))


def train_unit(configs: ty.Sequence[TrainConfig], saved: Run | None, checkpoint, checkpoint_every: int,
               on_episodes=None) -> list:
    """Train ``configs`` together, continuing ``saved`` (a checkpoint) if it trains exactly them;
    ``checkpoint`` and ``on_episodes`` as for :func:`~lava_nrl.engine.train_cohort`."""
    run = saved if saved is not None and saved.configs == list(configs) else list(configs)
    return train_cohort(run, on_episodes, checkpoint=checkpoint, checkpoint_every=checkpoint_every)


def run_unit(unit: Unit, folder: pathlib.Path, checkpoint_every: int, on_progress=None) -> list:
    """Train ``unit`` on this machine from its checkpoint in ``folder``, if any; ``on_progress(done)``
    with its :func:`episodes_done` as episodes end."""
    checkpoint = folder / f"{unit.name}.ckpt"
    saved = load_checkpoint(checkpoint) if checkpoint.is_file() else None
    on_episodes = None
    if on_progress is not None:
        done = episodes_done(saved) if saved is not None and saved.configs == list(unit.configs) else 0

        def on_episodes(episodes: list, skipped: int) -> None:
            nonlocal done
            done += len(episodes) + skipped
            on_progress(done)

    return train_unit(unit.configs, saved, checkpoint, checkpoint_every, on_episodes)


class LocalWorkers:
    """Units on this machine: one after another in this process (``jobs`` = 1), or side by side in
    ``jobs`` spawned processes (:class:`~lava_nrl.workers.WorkerPool`: on Ctrl-C each checkpoints its
    unit and stops)."""

    def __init__(self, jobs: int) -> None:
        self.workers = jobs

    def run(self, units: list[Unit], folder: pathlib.Path, checkpoint_every: int, on_result, on_progress) -> None:
        """``on_result(unit, results, machine)`` as each unit ends (``machine``: None, this one);
        ``on_progress(unit, done)`` as its episodes end (in this process only)."""
        if self.workers <= 1:
            for unit in units:
                results = run_unit(unit, folder, checkpoint_every, lambda done, unit=unit: on_progress(unit, done))
                on_result(unit, results, None)
            return
        from lava_nrl.workers import WorkerPool

        with WorkerPool(self.workers) as pool:
            pending = {pool.submit(run_unit, unit, folder, checkpoint_every): unit for unit in units}
            for future in concurrent.futures.as_completed(pending):
                on_result(pending[future], future.result(), None)


def finished(cell: Cell, out: pathlib.Path) -> bool:
    """Whether ``cell`` has run to its end in ``out``; raises OutputError where what is there was run
    with another configuration."""
    summary = out / "cells" / cell.name / "summary.json"
    if not summary.is_file():
        return False
    if json.loads(summary.read_text()).get("config_hash") != config_hash(cell.config):
        raise OutputError(f"--out {out}: cell {cell.name} there was run with another configuration (--quick or "
                          "not, or by an older lava-nrl); use a fresh --out or --overwrite")
    return True


def _refuse_other_checkpoints(every: ty.Sequence[Cell], out: pathlib.Path) -> None:
    """Raise OutputError where a checkpoint or finished part in ``out/cohorts`` trains a configuration
    that is not one of ``every`` or some of its seeds (one of a subset of cells is fine: the others
    finished before it was removed)."""
    seeds_of = {config_hash(dataclasses.replace(c.config, seeds=(0,))): set(c.config.seeds) for c in every}
    for path in sorted(itertools.chain((out / "cohorts").glob("*.ckpt"), (out / "cohorts").glob("*.part"))):
        saved = load_checkpoint(path)
        configs = saved.configs if path.suffix == ".ckpt" else [r.config for r in saved[0]]
        if any(not set(c.seeds) <= seeds_of.get(config_hash(dataclasses.replace(c, seeds=(0,))), set())
               for c in configs):
            raise OutputError(f"--out {out}: {path.relative_to(out)} trains another configuration "
                              "(--quick or not); use a fresh --out or --overwrite")


class _Tally:
    """Cells done out of all, and the time left, from the share of the units' episode budget run."""

    def __init__(self, total: int, on_cell) -> None:
        self.done, self.total, self.on_cell = 0, total, on_cell
        self.budget, self.behind, self.started = 0, {}, time.perf_counter()

    def start(self, units: list[Unit]) -> None:
        self.budget, self.behind, self.started = sum(u.episodes for u in units), {}, time.perf_counter()

    def progress(self, unit: Unit, done: int) -> None:
        self.behind[unit.name] = done

    def cell_done(self, name: str, reused: bool) -> None:
        self.done += 1
        if self.on_cell is not None:
            share = sum(self.behind.values()) / self.budget if self.budget else 0.0
            elapsed = time.perf_counter() - self.started
            eta = elapsed * (1 - share) / share if share > 0 and not reused else None
            self.on_cell(name, reused, Progress(self.done, self.total, eta))


def _parts_of(cell: Cell, folder: pathlib.Path) -> list[pathlib.Path]:
    return [folder / f"{cell.name}-seed{s}.part" for s in cell.config.seeds]


def run_cells(out: pathlib.Path, every: ty.Sequence[Cell], jobs: int = 1, ray: str | None = None,
              grain: str = "auto", checkpoint_every: int = CHECKPOINT_EVERY,
              on_cell: ty.Callable[[str, bool, Progress], None] | None = None,
              longest_first: ty.Callable[[Cell], ty.Any] | None = None) -> None:
    """Run (or reuse) every cell of ``every`` into ``out/cells`` (a folder the caller holds), in units of
    ``grain`` on ``jobs`` local processes or, with ``ray`` (an address, or ``"local"`` for a Ray
    instance of its own), on a Ray cluster. ``on_cell(name, reused, progress)`` as each cell is done;
    ``longest_first``: a sort key that puts the cells expected to take longest first (they start first)."""
    folder = out / "cohorts"
    folder.mkdir(parents=True, exist_ok=True)
    _refuse_other_checkpoints(every, out)
    tally = _Tally(len(every), on_cell)
    todo = []
    for cell in every:
        if finished(cell, out):
            tally.cell_done(cell.name, True)
        elif all(p.is_file() for p in _parts_of(cell, folder)):  # interrupted between its last seed and the merge
            _write_cell(cell, [load_checkpoint(p) for p in _parts_of(cell, folder)], out)
            tally.cell_done(cell.name, True)
        else:
            todo.append(cell)

    def on_result(unit: Unit, results: list, machine: dict | None) -> None:
        """Write what ``unit`` computed, then remove its checkpoint (none if it ended before its first)."""
        tally.progress(unit, unit.episodes)
        part = unit.configs[0].seeds != unit.cells[0].config.seeds  # one seed of a cell: it waits for the others
        if part:
            save_checkpoint((results, machine), folder / f"{unit.name}.part")
        else:
            for cell, result in zip(unit.cells, results):
                write_results(result, out / "cells" / cell.name, plot=False, computed_on=machine)
        (folder / f"{unit.name}.ckpt").unlink(missing_ok=True)
        if not part:
            for cell in unit.cells:
                tally.cell_done(cell.name, False)
        elif all(p.is_file() for p in _parts_of(unit.cells[0], folder)):
            _write_cell(unit.cells[0], [load_checkpoint(p) for p in _parts_of(unit.cells[0], folder)], out)
            tally.cell_done(unit.cells[0].name, False)

    if todo:
        if longest_first is not None:
            todo.sort(key=longest_first)
        if ray is None:
            runner = contextlib.nullcontext(LocalWorkers(jobs))
        else:
            from lava_nrl.cluster import connected

            runner = connected(ray)
        with runner as workers:
            units = _still_to_run(plan(todo, grain, workers.workers), folder)
            tally.start(units)
            workers.run(units, folder, checkpoint_every, on_result, tally.progress)
    for leftover in itertools.chain(folder.glob("*.ckpt"), folder.glob("*.part")):  # of another grain
        leftover.unlink()


def _still_to_run(units: list[Unit], folder: pathlib.Path) -> list[Unit]:
    """``units`` but the seeds of cells that finished before (their parts wait in ``folder``)."""
    return [u for u in units if not (folder / f"{u.name}.part").is_file()]


def _write_cell(cell: Cell, parts: list, out: pathlib.Path) -> None:
    """Write ``cell``'s results from its seeds' ``(results, machine)`` parts, in its seeds' order."""
    result = merge_results(cell.config, [results[0] for results, _ in parts],
                           max(results[0].wall_seconds for results, _ in parts))
    machines = [machine for _, machine in parts]
    computed_on = machines[0] if all(m == machines[0] for m in machines) else {
        "per_seed": {str(s): m for s, m in zip(cell.config.seeds, machines)}}
    write_results(result, out / "cells" / cell.name, plot=False, computed_on=computed_on)
    for path in _parts_of(cell, out / "cohorts"):
        path.unlink()
