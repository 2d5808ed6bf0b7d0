# SPDX-License-Identifier: BSD-3-Clause
"""Ray as the distributed engine (the optional extra ``pip install 'lava-nrl[ray]'``).

:func:`connected` starts a Ray instance of its own on this machine, or joins a running cluster at
``HOST:PORT`` (the address ``ray start --head`` prints); :class:`RayWorkers` runs units of work
(:mod:`lava_nrl.cells`) as Ray tasks, one CPU each, and :func:`train_on_ray` splits one run's seeds
over the cluster's CPUs.

Results land where they would without Ray: a task returns its units' results to the driver, which
writes them. So that nothing needs a shared file system, a :class:`Hub` actor on the driver's node
keeps what the tasks send back while they run: their checkpoints (written into ``OUT/cohorts``, as a
local run writes them; a train run's shards keep them in memory) and their progress.

Faults: a task whose worker or node dies is retried (up to :data:`MAX_RETRIES` times) from the
checkpoint its unit last sent; Ctrl-C (or SIGTERM) on the driver cancels the tasks, which checkpoint
and stop, and rerunning the command continues from there. A unit computes the same on any node, bit
for bit, if the nodes' CPUs have the same features (docs/scaling.md).

Ray's usage statistics and metrics are switched off in every process this starts
(``RAY_USAGE_STATS_ENABLED=0``): nothing calls outside. A Ray instance of its own listens on
127.0.0.1 and, unless ``RAY_AUTH_MODE`` says otherwise, requires a token made for it (none is
written into ``~/.ray``).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import pathlib
import secrets
import socket
import tempfile
import time
import warnings

from lava_nrl.errors import ConfigError, NRLError
from lava_nrl.runs import atomic_write, machine

__all__ = ["MAX_RETRIES", "Hub", "RayWorkers", "connected", "train_on_ray"]

MAX_RETRIES = 3  # a task whose worker or node died runs again, from its checkpoint, this many times
_REPORT_EVERY = 1.0  # seconds between a task's progress reports
_QUIET = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_enable_metrics_collection": "0"}


@contextlib.contextmanager
def _environment(values: dict):
    """``os.environ`` with ``values`` meanwhile (processes started meanwhile inherit them)."""
    before = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@functools.cache
def _local_token() -> str:
    """The token of this process's Ray instances: one per process, since Ray keeps the first it reads."""
    return secrets.token_hex(32)


def _refuse_unreachable(address: str) -> None:
    """Raise ConfigError unless ``address`` is HOST:PORT where something listens (Ray itself would retry
    for minutes)."""
    host, _, port = address.rpartition(":")
    if "://" in address or not host or not port.isdigit():
        raise ConfigError(f"--ray {address}: not HOST:PORT, the address 'ray start --head' prints (run lava-nrl "
                          "on a node of the cluster; Ray Client's ray:// addresses are not supported)")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=5).close()
    except OSError as err:
        raise ConfigError(f"--ray {address}: no Ray head answers there ({err.strerror or err})") from None


@contextlib.contextmanager
def connected(address: str | None):
    """Yield :class:`RayWorkers` on a Ray instance started here (``address`` None or ``"local"``: it stops
    on leaving) or on the running cluster at ``address`` (left on leaving)."""
    local = address in (None, "local")
    environment = dict(_QUIET)
    if local:
        # A node whose address is 127.0.0.1 listens there only; Ray takes it for one only where clusters
        # are off (read when ray is imported: a process that imported it before listens everywhere).
        environment["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
        if "RAY_AUTH_MODE" not in os.environ and "RAY_AUTH_TOKEN" not in os.environ:
            environment.update(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=_local_token())  # Ray would write ~/.ray
    with _environment(environment):
        try:
            import ray
        except ImportError:
            raise ConfigError("--ray needs Ray: pip install 'lava-nrl[ray]'") from None
        if ray.is_initialized():  # a caller's own session (a notebook): use it as it is
            yield RayWorkers()
            return
        if not local:
            _refuse_unreachable(address)
        try:
            if local:
                ray.init(address="local", include_dashboard=False, logging_level=logging.WARNING)
            else:
                ray.init(address=address, logging_level=logging.WARNING)
        except (ConnectionError, ValueError, RuntimeError) as err:
            what = ("--ray: cannot start a Ray instance here" if local
                    else f"--ray {address}: cannot join a Ray cluster there")
            cause = " ".join(str(err).split())
            raise ConfigError(f"{what} ({cause[:300]}{' …' if len(cause) > 300 else ''})") from None
        try:
            yield RayWorkers()
        finally:
            ray.shutdown()


class Hub:
    """On the driver's node, for the tasks: their units' checkpoints (files in ``folder``, the same as a
    local run's, or in memory when ``folder`` is None) and their progress reports."""

    def __init__(self, folder: str | None) -> None:
        self._folder = None if folder is None else pathlib.Path(folder)
        self._kept: dict[str, bytes] = {}
        self._reports: list = []

    def _path(self, name: str) -> pathlib.Path:
        return self._folder / f"{name}.ckpt"

    def save(self, name: str, data: bytes) -> None:
        if self._folder is None:
            self._kept[name] = data
        else:
            atomic_write(self._path(name), lambda path: path.write_bytes(data))

    def load(self, name: str) -> bytes | None:
        if self._folder is None:
            return self._kept.get(name)
        return self._path(name).read_bytes() if self._path(name).is_file() else None

    def report(self, name: str, done: int, rows: list, started: bool) -> None:
        self._reports.append((name, done, rows, started))

    def take(self) -> list:
        """The reports since the last call, oldest first."""
        reports, self._reports = self._reports, []
        return reports


class _Reporter:
    """A task's ``on_episodes``: its unit's episodes done (see :func:`~lava_nrl.cells.episodes_done`), and
    with ``rows`` the episodes' rows, sent to the hub at most every :data:`_REPORT_EVERY` seconds."""

    def __init__(self, hub, name: str, done: int, rows: bool) -> None:
        self._hub, self._name, self.done, self._rows = hub, name, done, rows
        self._pending: list = []
        self._last = time.perf_counter()
        hub.report.remote(name, done, [], True)  # started (again, after a lost worker: the driver says so)

    def __call__(self, episodes: list, skipped: int) -> None:
        self.done += len(episodes) + skipped
        if self._rows:
            self._pending.extend(episodes)
        if time.perf_counter() - self._last >= _REPORT_EVERY:
            self.flush()

    def flush(self):
        """Send what is pending; returns the call's reference (``ray.get`` it to wait for its arrival)."""
        rows, self._pending, self._last = self._pending, [], time.perf_counter()
        return self._hub.report.remote(self._name, self.done, rows, False)


def _run_unit_task(name: str, configs: tuple, hub, checkpoint_every: int, rows: bool):
    """A Ray task: train a unit from the checkpoint the hub holds for it, if any, sending checkpoints
    and progress to the hub; returns its results and the machine that computed them."""
    import ray

    from lava_nrl.cells import episodes_done, train_unit
    from lava_nrl.engine.train import load_checkpoint, save_checkpoint
    from lava_nrl.workers import keep_interrupts_from_callbacks

    keep_interrupts_from_callbacks()  # Ray's cancel is a KeyboardInterrupt: not lost while numba compiles

    with tempfile.TemporaryDirectory(prefix="lava-nrl-unit-") as scratch:  # the checkpoint's bytes pass through here
        scratch = pathlib.Path(scratch) / "checkpoint.pkl"
        data = ray.get(hub.load.remote(name))
        saved = None
        if data is not None:
            scratch.write_bytes(data)
            saved = load_checkpoint(scratch)

        def store(run) -> None:
            save_checkpoint(run, scratch)
            ray.get(hub.save.remote(name, scratch.read_bytes()))

        resumed = saved is not None and saved.configs == list(configs)
        report = _Reporter(hub, name, episodes_done(saved) if resumed else 0, rows)
        results = train_unit(configs, saved, store, checkpoint_every, report)
        ray.get(report.flush())
    return results, machine()


class RayWorkers:
    """Units of work as Ray tasks on the cluster this process is connected to; ``workers``: its CPUs."""

    def __init__(self) -> None:
        import ray

        self.workers = max(1, int(ray.cluster_resources().get("CPU", 1)))

    def run(self, units: list, folder: pathlib.Path | None, checkpoint_every: int, on_result, on_progress,
            on_rows=None) -> None:
        """Run ``units`` (:class:`~lava_nrl.cells.Unit`), their checkpoints in ``folder`` on this machine
        (None: in the hub's memory); ``on_result(unit, results, machine)`` as each ends,
        ``on_progress(unit, done)`` as its episodes end, ``on_rows(rows)`` with their rows (when given).
        Ctrl-C cancels the tasks: each checkpoints and stops within ``CHECKPOINT_GRACE`` seconds."""
        import ray
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        from lava_nrl.workers import CHECKPOINT_GRACE

        here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=False)
        hub = ray.remote(Hub).options(num_cpus=0, scheduling_strategy=here).remote(
            None if folder is None else str(folder))
        task = ray.remote(_run_unit_task).options(num_cpus=1, max_retries=MAX_RETRIES)
        by_name = {unit.name: unit for unit in units}
        refs = {task.remote(unit.name, unit.configs, hub, checkpoint_every, on_rows is not None): unit
                for unit in units}
        pending, starts = list(refs), dict.fromkeys(by_name, 0)

        def take_reports() -> None:
            for name, done, rows, started in ray.get(hub.take.remote()):
                if started:
                    starts[name] += 1
                    if starts[name] > 1:
                        where = f"its checkpoint at {done:,} episodes" if done else "the start (no checkpoint yet)"
                        warnings.warn(f"{name}: a worker or node was lost; running it again from {where}",
                                      RuntimeWarning)
                on_progress(by_name[name], done)
                if rows and on_rows is not None:
                    on_rows(rows)

        try:
            while pending:
                ready, pending = ray.wait(pending, num_returns=1, timeout=1.0)
                take_reports()
                for ref in ready:
                    on_result(refs[ref], *_result(ref))
        except BaseException:  # Ctrl-C, or a unit that failed: the others checkpoint and stop
            for ref in pending:
                ray.cancel(ref)
            with contextlib.suppress(Exception):
                ray.wait(pending, num_returns=len(pending), timeout=CHECKPOINT_GRACE)
            raise
        finally:
            ray.kill(hub)


def _result(ref):
    """``ray.get(ref)``; an error of lava-nrl's own in the task is raised as itself (one line)."""
    import ray

    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as err:
        if isinstance(err.cause, NRLError):
            raise err.cause from None
        raise


def train_on_ray(config, address: str | None, on_episodes=None, checkpoint_every: int = 0):
    """``train(config)`` with its seeds split over the CPUs of the Ray cluster at ``address`` (None: a Ray
    instance of its own); a shard whose worker died continues from its last checkpoint (every
    ``checkpoint_every`` episodes, kept on the driver). Same result, bit for bit; ``on_episodes`` as
    for :func:`~lava_nrl.engine.train`, each episode reported once."""
    import dataclasses

    import numpy as np

    from lava_nrl.cells import Unit
    from lava_nrl.engine.train import merge_results

    started = time.perf_counter()
    with connected(address) as workers:
        parts = np.array_split(np.array(config.seeds), min(workers.workers, len(config.seeds)))
        units = [Unit(f"seeds-{'-'.join(map(str, part))}", (dataclasses.replace(config, seeds=tuple(map(int, part))),))
                 for part in parts]
        results, behind, logged = {}, dict.fromkeys((u.name for u in units), 0), {}

        # on_episodes(rows, n) advances a progress bar by len(rows) + n: the episodes done come as counts
        # (a shard run again reports fewer: the bar goes back), the rows each once, without counting them
        # again (a shard run again sends the episodes after its checkpoint again).
        def on_progress(unit, done: int) -> None:
            before, behind[unit.name] = behind[unit.name], done
            if on_episodes is not None and done != before:
                on_episodes([], done - before)

        def on_rows(rows: list) -> None:
            new = [e for e in rows if e.episode > logged.get(e.seed, 0)]
            for e in new:
                logged[e.seed] = e.episode
            if new and on_episodes is not None:
                on_episodes(new, -len(new))

        workers.run(units, None, checkpoint_every, lambda unit, result, _: results.update({unit.name: result[0]}),
                    on_progress, on_rows)
    return merge_results(config, [results[u.name] for u in units], time.perf_counter() - started)
