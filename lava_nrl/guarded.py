# SPDX-License-Identifier: BSD-3-Clause
"""Running a Lava graph so that a failure is an error, not a hang or a crash.

Lava 0.10 hangs ``run()`` forever when a ProcessModel raises (the runtime waits for the other
workers, which wait on their ports), a killed host leaves its workers orphaned, and running a graph
again after ``stop()`` or a failure segfaults (lava-notes §8, P4-P7). :func:`run_guarded` refuses a
graph that cannot run again before Lava touches it, starts the run without blocking, polls the
workers for an exception, and on an exception kills every worker and raises — the worker's own
exception where it is one of lava-nrl's errors (so a NaN observation reads as a NaN observation),
else :class:`LavaRunError` with the worker's traceback. A run past its time limit is paused, not
killed, so that its Vars (the learned weights) stay readable. It uses runtime internals, which is
why ``lava-nc`` is pinned to 0.10.0.
"""

from __future__ import annotations

import multiprocessing as mp
import time
import typing as ty
import weakref

from lava_nrl.errors import NRLError

__all__ = ["LavaRunError", "run_guarded", "kill_runtime", "default_timeout"]

_paused_after_timeout: weakref.WeakSet = weakref.WeakSet()  # runtimes Lava cannot run again (P7)


class LavaRunError(NRLError, RuntimeError):
    """A Lava worker failed (no worker is left running), a run did not finish in time (the graph is
    paused until ``stop()``), or a graph cannot run again."""


def default_timeout(num_steps: int) -> float:
    """Seconds a run of ``num_steps`` ticks gets by default: a minute for compiling and starting,
    then 10 ms a tick (100 ticks/s, a fifth of a decomposed graph's rate on a busy machine)."""
    return 60.0 + num_steps / 100.0


def run_guarded(process, num_steps: int, run_cfg, timeout: float | str | None = "ticks", poll: float = 0.002,
                on_poll: ty.Callable[[], None] | None = None) -> None:
    """Run the graph of ``process`` for ``num_steps`` ticks; raise instead of hanging or crashing.

    A model may end the run early by requesting a pause (``self._req_pause = True``, as
    ``EnvBridge(max_episodes=…)`` does). After success the runtime is paused as after a blocking
    ``run``: run again, or call ``process.stop()`` when done.

    ``timeout``: ``"ticks"`` (default) allows :func:`default_timeout` ``(num_steps)`` seconds, a number
    that many, None no limit. A run past it raises :class:`LavaRunError` with the graph paused: its
    Vars (weights) stay readable, then ``stop()`` it; a graph that does not even pause is killed.
    After a worker failure the workers are gone and the runtime is marked stopped. A graph that was
    stopped, failed or timed out cannot run again (Lava would crash or hang): that raises
    :class:`LavaRunError` before Lava is touched. ``on_poll`` is called about every 0.1 s (progress)."""
    from lava.magma.core.run_conditions import RunSteps

    _refuse_a_graph_that_cannot_run(process)
    if timeout == "ticks":
        timeout = default_timeout(num_steps)
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
        if runtime._is_started and runtime not in _paused_after_timeout:  # not killed, not kept paused
            kill_runtime(runtime)
        raise


def _refuse_a_graph_that_cannot_run(process) -> None:
    runtime = process.runtime
    if runtime is None:  # never run: Lava compiles it and starts its workers
        return
    if runtime in _paused_after_timeout:
        raise LavaRunError(f"the graph of {process.name} was paused after its time limit and Lava cannot run "
                           "it again (it would hang); read its Vars, stop() it, and build new Processes")
    if not any(not actor._closed and actor.is_alive() for actor in runtime._messaging_infrastructure.actors):
        raise LavaRunError(f"the graph of {process.name} was stopped or its run failed, and Lava cannot run "
                           "it again (it would crash); build new Processes")


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
            late = f"the Lava run did not finish {num_steps} ticks within {timeout:g} s"
            if _pause(runtime, actors, poll):
                _paused_after_timeout.add(runtime)
                raise LavaRunError(f"{late}; it is paused: read its Vars, then stop() it")
            raise LavaRunError(f"{late} and did not pause either; its workers were killed")
        time.sleep(poll)


def _pause(runtime, actors, poll, grace: float = 5.0) -> bool:
    """Pause a run under way so that its Vars can be read (True), or kill it if it does not pause
    within ``grace`` s (a graph stuck on a port) or a worker fails meanwhile (False)."""
    from lava.magma.runtime.mgmt_token_enums import MGMT_COMMAND, MGMT_RESPONSE, enum_equal

    for port in runtime.runtime_to_service:
        port.send(MGMT_COMMAND.PAUSE)
    deadline = time.perf_counter() + grace
    for port in runtime.service_to_runtime:
        while True:  # a DONE or REQ_PAUSE of a run that ended meanwhile comes before the PAUSED
            if port.probe():
                response = port.recv()
                if enum_equal(response, MGMT_RESPONSE.PAUSED):
                    break
                if enum_equal(response, MGMT_RESPONSE.ERROR):
                    _raise_worker_error(runtime, actors)
            elif time.perf_counter() > deadline or any(a.exception for a in actors):
                kill_runtime(runtime)
                return False
            else:
                time.sleep(poll)
    runtime._is_running = False
    return True


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
