# SPDX-License-Identifier: BSD-3-Clause
"""Child processes that never outlive lava-nrl, and SIGTERM handled like Ctrl-C.

Lava forks a worker per Process, a runtime service and a shared-memory server; ``--jobs`` pools
spawn one worker per core. If the parent dies (``kill -9``, an out-of-memory kill) those children
used to run on with parent 1, some spinning at full CPU (lava-notes P5). Here every such child asks
the kernel for SIGKILL when its parent dies (Linux ``prctl(PR_SET_PDEATHSIG)``):

- Lava's workers through an ``os.register_at_fork`` hook, installed when :mod:`lava_nrl.model_support`
  (which every lava-nrl Process imports) is imported, for every fork made by the main thread — the
  death signal fires when the *thread* that forked ends, and only the main thread lives as long as
  the process; these children also ignore SIGINT, which their parent handles;
- pool workers through :class:`WorkerPool`'s initializer (spawned processes run no fork hook).

SIGTERM (what ``kill``, Docker and schedulers send) takes Ctrl-C's path (:func:`sigterm_like_sigint`):
the engine checkpoints at the next step boundary, Lava's workers are killed, a pool forwards the
interrupt to its workers and gives them :data:`CHECKPOINT_GRACE` seconds to checkpoint. An interrupt
that lands while numba compiles is not lost (:func:`keep_interrupts_from_callbacks`).

Lava itself chooses the 'fork' start method when its runtime is imported, and fails if anything chose
a start method before (a progress bar's lock, a Manager: lava-notes P3); :func:`import_lava_runtime`,
which the packages of lava-nrl's Processes call first, lets it.
"""

from __future__ import annotations

import _thread
import concurrent.futures
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time

__all__ = ["CHECKPOINT_GRACE", "WorkerPool", "die_with_parent", "import_lava_runtime", "install_fork_hook",
           "keep_interrupts_from_callbacks", "sigterm_like_sigint", "start_manager"]

CHECKPOINT_GRACE = 10.0  # seconds an interrupted pool worker has to checkpoint before it is killed
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_REDELIVER_AFTER = 0.01  # seconds: an interrupt swallowed by a callback is delivered again this much later


_LAVA_RUNTIME = "lava.magma.runtime.message_infrastructure.multiprocessing"


def import_lava_runtime() -> None:
    """Import Lava's multiprocessing runtime (which sets the 'fork' start method) even where a context
    was chosen already: one that is 'fork' is what Lava sets, so it is cleared and Lava sets it again;
    another start method is a one-line error, since Lava's workers need 'fork'."""
    if _LAVA_RUNTIME in sys.modules:
        return
    default = multiprocessing.context._default_context
    chosen = default._actual_context
    if chosen is not None:
        if chosen.get_start_method() != "fork":
            from lava_nrl.errors import ConfigError

            raise ConfigError(f"Lava needs the 'fork' multiprocessing start method, but this process already "
                              f"uses {chosen.get_start_method()!r}")
        default._actual_context = None
    __import__(_LAVA_RUNTIME)


def die_with_parent(parent_pid: int) -> None:
    """Have the kernel SIGKILL this process when its parent (``parent_pid``) dies; if it already
    died (before this call), die now."""
    if sys.platform != "linux":
        return  # PR_SET_PDEATHSIG is Linux's; elsewhere children keep the old behaviour
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent_pid:
        os.kill(os.getpid(), signal.SIGKILL)


_fork = {"parent": 0, "from_main_thread": False}  # written before a fork, read in the child


def _before_fork() -> None:
    _fork["parent"] = os.getpid()
    _fork["from_main_thread"] = threading.current_thread() is threading.main_thread()


def _after_fork_in_child() -> None:
    if _fork["from_main_thread"]:
        die_with_parent(_fork["parent"])
        # A terminal's Ctrl-C reaches the whole group: the parent handles it (and kills its Lava
        # workers); a worker raising KeyboardInterrupt itself would only print tracebacks.
        signal.signal(signal.SIGINT, signal.SIG_IGN)


_hook_installed = False


def install_fork_hook() -> None:
    """From now on, every child forked by this process's main thread dies with this process and
    leaves Ctrl-C to it (idempotent)."""
    global _hook_installed
    if not _hook_installed:
        os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)
        _hook_installed = True


def sigterm_like_sigint() -> list:
    """Handle SIGTERM as whatever SIGINT does at that moment (the engine defers it to a step
    boundary and checkpoints; elsewhere it raises KeyboardInterrupt). Returns the list that each
    SIGTERM received is appended to (the command line exits 143 rather than 130 then)."""
    received = []

    def on_sigterm(signum, frame) -> None:
        received.append(signum)
        on_sigint = signal.getsignal(signal.SIGINT)
        if not callable(on_sigint):  # SIG_IGN or SIG_DFL set by someone else: stop all the same
            raise KeyboardInterrupt
        on_sigint(signal.SIGINT, frame)

    signal.signal(signal.SIGTERM, on_sigterm)
    return received


def keep_interrupts_from_callbacks() -> None:
    """Deliver again, in the main thread, a KeyboardInterrupt that a ctypes callback swallowed
    (idempotent). numba compiles through llvmlite's callbacks; Python cannot raise out of one, so
    Ctrl-C (or Ray's cancel) landing there printed "Exception ignored ... KeyboardInterrupt" with a
    traceback and was lost: the run went on. Now the SIGINT handler of the moment runs again once the
    callback has returned (at the next bytecode the main thread runs outside it)."""
    previous = sys.unraisablehook
    if getattr(previous, "keeps_interrupts", False):
        return

    def hook(unraisable) -> None:
        if (isinstance(unraisable.exc_value, KeyboardInterrupt)
                and threading.current_thread() is threading.main_thread()):
            # Interrupting from here would raise inside this hook, still in the callback; another
            # thread does it a moment later, when this thread has left both.
            later = threading.Timer(_REDELIVER_AFTER, _thread.interrupt_main)
            later.daemon = True
            later.start()
            return
        previous(unraisable)

    hook.keeps_interrupts = True
    sys.unraisablehook = hook


_task = {"running": False, "interrupted": False}  # in a pool worker


def _on_sigint_in_worker(signum, frame) -> None:
    """Raise inside a task (train() replaces this handler while it runs, to checkpoint first);
    between tasks only note it, so the worker starts nothing more and does not die with a traceback."""
    _task["interrupted"] = True
    if _task["running"]:
        raise KeyboardInterrupt


def _init_pool_worker(parent_pid: int) -> None:
    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, _on_sigint_in_worker)
    sigterm_like_sigint()
    keep_interrupts_from_callbacks()


def _init_manager(parent_pid: int) -> None:
    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # its owner shuts it down after the workers


def _run_task(fn, *args):
    _task["running"] = True
    try:
        if _task["interrupted"]:
            raise KeyboardInterrupt
        return fn(*args)
    except KeyboardInterrupt:
        _task["interrupted"] = True  # train()'s own handler took the signal
        raise
    finally:
        _task["running"] = False


def start_manager():
    """A started SyncManager (queues shared with a pool's workers) that dies with this process."""
    from multiprocessing.managers import SyncManager

    manager = SyncManager(ctx=multiprocessing.get_context("spawn"))
    manager.start(_init_manager, (os.getpid(),))
    return manager


class WorkerPool(concurrent.futures.ProcessPoolExecutor):
    """A pool of spawned workers (nothing of this process — threads, generators — is shared) that
    die with this process and stop on an interrupt.

    Leaving the ``with`` block by an exception (Ctrl-C, SIGTERM) sends SIGINT to every worker
    — a worker inside ``train`` checkpoints and stops at its next step, a waiting one starts nothing
    more — cancels the tasks not started, and kills the workers still alive after
    :data:`CHECKPOINT_GRACE` seconds."""

    def __init__(self, jobs: int):
        super().__init__(jobs, mp_context=multiprocessing.get_context("spawn"),
                         initializer=_init_pool_worker, initargs=(os.getpid(),))

    def submit(self, fn, /, *args):
        return super().submit(_run_task, fn, *args)

    def __exit__(self, exc_type, exc_value, traceback):
        if exc_type is None:
            return super().__exit__(exc_type, exc_value, traceback)
        workers = list(self._processes.values())
        for worker in workers:
            if worker.is_alive():
                os.kill(worker.pid, signal.SIGINT)
        self.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + CHECKPOINT_GRACE
        for worker in workers:  # they exit once their task checkpointed and the pool sent its sentinels
            worker.join(timeout=max(0.0, deadline - time.monotonic()))
            if worker.is_alive():
                worker.kill()
                worker.join(timeout=2)
        return False
