# SPDX-License-Identifier: BSD-3-Clause
"""Real Ray nodes on this machine for the tests: a head bound to 127.0.0.1 and a second node that joins
it, each started by ``ray start`` in a session of its own, so that stopping a node kills every process
of that session (daemons, workers) by its id and checks that none is left.

Every process gets ``RAY_USAGE_STATS_ENABLED=0`` and no metrics, a token made for the test (token
authentication, nothing written into ``~/.ray``), fast health checks (a lost node is noticed within
about two seconds) and this source tree on its ``PYTHONPATH`` (the workers import lava_nrl from it).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pathlib
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import typing as ty

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
RAY_MISSING = importlib.util.find_spec("ray") is None
needs_ray = pytest.mark.skipif(RAY_MISSING, reason="Ray is not installed (the ray extra: pip install -e '.[test,ray]'; "
                                                   "make test installs it)")
_RAY = pathlib.Path(sys.executable).parent / "ray"


def ray_environment(token: str, loopback: bool = True) -> dict:
    """The environment of a test's Ray processes and drivers. ``loopback``: Ray keeps 127.0.0.1 as the
    node's address (it listens there only); a node that joins a cluster needs it off (Ray refuses to
    add one otherwise) and joins at the IPv4-mapped ``[::ffff:127.0.0.1]``, which Ray does not rewrite."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0", RAY_enable_metrics_collection="0", RAY_AUTH_MODE="token",
               RAY_AUTH_TOKEN=token, RAY_health_check_period_ms="500", RAY_health_check_timeout_ms="1000",
               RAY_health_check_failure_threshold="3", PYTHONPATH=path)
    if loopback:
        env["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    else:
        env.pop("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", None)
    return env


def session_processes(session: int) -> set[int]:
    """Live (non-zombie) processes of the session ``session``."""
    found = set()
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # it ended while we looked
        if fields[0] != "Z" and int(fields[3]) == session:
            found.add(int(stat.parent.name))
    return found


def cmdline(pid: int) -> str:
    try:
        return pathlib.Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def wait_for(condition, timeout: float, what: str):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def stop_session(session: int) -> None:
    """SIGKILL every process of ``session`` (by id) until none is left; fails if one survives 20 s."""
    def gone() -> bool:
        for pid in session_processes(session):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return not session_processes(session)

    wait_for(gone, 20, f"the processes of session {session} to end")


class Node(ty.NamedTuple):
    session: int  # its processes' session id
    address: str  # HOST:PORT of the head's GCS (for a head)


def _ray_start(args: list[str], env: dict) -> int:
    """``ray start ARGS`` in a new session; its id. The session's processes are killed if it fails."""
    started = subprocess.Popen([str(_RAY), "start", "--disable-usage-stats", *args], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = started.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        stop_session(started.pid)
        raise
    if started.returncode != 0:
        stop_session(started.pid)
        raise AssertionError(f"ray start {' '.join(args)} failed:\n{output}")
    return started.pid


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def ray_head(cpus: int = 2) -> ty.Iterator[tuple[Node, dict]]:
    """A Ray head on 127.0.0.1 with ``cpus`` CPUs; yields it and the environment a driver needs to join
    it. Stopped (every process of its session killed) in a ``finally``."""
    token, port = secrets.token_hex(32), _free_port()
    temp = pathlib.Path(tempfile.mkdtemp(prefix="lnr-ray-", dir="/tmp"))  # short: Ray's socket paths must fit
    env = ray_environment(token)
    session = None
    try:
        session = _ray_start(["--head", "--node-ip-address", "127.0.0.1", "--port", str(port), "--num-cpus",
                              str(cpus), "--include-dashboard=false", "--temp-dir", str(temp)], env)
        yield Node(session, f"127.0.0.1:{port}"), env
    finally:
        if session is not None:
            stop_session(session)
        shutil.rmtree(temp, ignore_errors=True)


@contextlib.contextmanager
def second_node(head: Node, env: dict, cpus: int = 1) -> ty.Iterator[Node]:
    """A node of ``cpus`` CPUs that joins ``head``; stopped in a ``finally`` if the test has not."""
    port = head.address.rsplit(":", 1)[1]
    session = _ray_start(["--address", f"[::ffff:127.0.0.1]:{port}", "--num-cpus", str(cpus)],
                         ray_environment(env["RAY_AUTH_TOKEN"], loopback=False))
    try:
        yield Node(session, head.address)
    finally:
        stop_session(session)


def task_workers(session: int, task: str = "_run_unit_task") -> set[int]:
    """The session's worker processes running a Ray task of ``task`` (Ray names them ``ray::TASK``)."""
    return {pid for pid in session_processes(session) if cmdline(pid).startswith(f"ray::{task}")}
