# SPDX-License-Identifier: BSD-3-Clause
"""Running a Lava graph so that a failure is an error, not a hang.

Lava 0.10 hangs ``run()`` forever when a ProcessModel raises (the runtime waits for the other
workers, which wait on their ports), and a killed host leaves its workers orphaned
(lava-notes §8, P4/P5). :func:`run_guarded` starts the run without blocking, polls the workers for an
exception, and on an exception or a timeout kills every worker and raises — the worker's own
exception where it is one of lava-nrl's errors (so a NaN observation reads as a NaN observation),
else :class:`LavaRunError` with the worker's traceback. It uses runtime internals, which is why
``lava-nc`` is pinned to 0.10.0.
"""

from __future__ import annotations

import multiprocessing as mp
import time
import typing as ty

from lava_nrl.errors import NRLError

__all__ = ["LavaRunError", "run_guarded", "kill_runtime"]


class LavaRunError(NRLError, RuntimeError):
    """A Lava worker failed or a run did not finish in time; no worker is left running."""


def run_guarded(process, num_steps: int, run_cfg, timeout: float | None = 60.0, poll: float = 0.002,
                on_poll: ty.Callable[[], None] | None = None) -> None:
    """Run the graph of ``process`` for ``num_steps`` ticks; raise instead of hanging.

    A model may end the run early by requesting a pause (``self._req_pause = True``, as
    ``EnvBridge(max_episodes=…)`` does). After success the runtime is paused as after a blocking
    ``run``: call ``process.stop()`` when done. After a failure the workers are gone and the runtime is marked stopped.
    ``timeout=None`` waits as long as the run takes; ``on_poll`` is called about every 0.1 s (progress)."""
    from lava.magma.core.run_conditions import RunSteps

    try:
        process.run(condition=RunSteps(num_steps=num_steps, blocking=False), run_cfg=run_cfg)
    except BaseException:  # a model failed while the workers were being built: Lava re-raises it
        if getattr(process, "_runtime", None) is not None:
            kill_runtime(process.runtime)
        raise
    runtime = process.runtime
    actors = runtime._messaging_infrastructure.actors
    deadline = time.perf_counter() + (timeout if timeout is not None else float("inf"))
    try:
        _wait(runtime, actors, num_steps, timeout, deadline, on_poll, poll)
    except BaseException:  # Ctrl-C or a failing on_poll too: no worker may outlive the run
        if runtime._is_started:  # not yet killed by a worker failure or the timeout
            kill_runtime(runtime)
        raise


def _wait(runtime, actors, num_steps, timeout, deadline, on_poll, poll) -> None:
    """Poll until the run ends (return), a worker fails or the deadline passes (raise)."""
    from lava.magma.runtime.mgmt_token_enums import MGMT_RESPONSE, enum_equal

    next_report = time.perf_counter()
    while True:
        if on_poll is not None and time.perf_counter() >= next_report:
            on_poll()
            next_report = time.perf_counter() + 0.1
        failed = any(a.exception for a in actors)
        if not failed and all(port.probe() for port in runtime.service_to_runtime):
            ended = (MGMT_RESPONSE.DONE, MGMT_RESPONSE.REQ_PAUSE, MGMT_RESPONSE.REQ_STOP)
            if all(any(enum_equal(port.peek(), r) for r in ended) for port in runtime.service_to_runtime):
                runtime.wait()  # also serves a pause or stop that a model requested
                return
            failed = True  # a runtime service reported ERROR; the worker's exception is on its way
        if failed:
            _raise_worker_error(runtime, actors)
        if time.perf_counter() > deadline:
            kill_runtime(runtime)
            raise LavaRunError(f"the Lava run did not finish {num_steps} ticks within {timeout:g} s")
        time.sleep(poll)


def _raise_worker_error(runtime, actors, grace: float = 2.0) -> ty.NoReturn:
    """Collect the first worker exception (waiting up to ``grace`` s for it), kill, raise it."""
    deadline = time.perf_counter() + grace
    failures = [a.exception for a in actors if a.exception]
    while not failures and time.perf_counter() < deadline:
        time.sleep(0.005)
        failures = [a.exception for a in actors if a.exception]
    kill_runtime(runtime)
    if not failures:
        raise LavaRunError("a Lava runtime service reported an error but no worker sent its exception")
    error, trace = failures[0]
    if isinstance(error, NRLError):
        raise error
    raise LavaRunError(f"a Lava worker failed: {error!r}\n{trace}")


def kill_runtime(runtime) -> None:
    """Kill every worker of ``runtime`` and release its shared memory."""
    infrastructure = runtime._messaging_infrastructure
    for actor in infrastructure.actors:
        if actor.is_alive():
            actor.kill()
        mp.Process.join(actor, timeout=2)  # SystemProcess.join takes no timeout
    infrastructure.smm.shutdown()
    runtime._watchdog_manager.stop()
    runtime._is_started = False  # stop() and __del__ must not talk to dead workers
    runtime._is_running = False
