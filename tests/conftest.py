# SPDX-License-Identifier: BSD-3-Clause
"""Every test that starts Lava gets a timeout and leaves no worker behind."""

import multiprocessing as mp

import pytest


def _kill_children() -> list:
    children = mp.active_children()
    for child in children:
        child.kill()
        child.join(timeout=2)
    return children


@pytest.fixture
def no_lava_workers_left():
    """Fails the test if Lava workers outlive it, and kills them so that later tests and the
    interpreter's exit never hang on them (lava-notes P5/P6)."""
    yield
    leftover = _kill_children()
    assert leftover == [], f"Lava workers left running: {leftover}"


def pytest_sessionfinish(session, exitstatus):
    """Whatever happened (a timeout, a failure mid-run), no worker may keep the interpreter alive."""
    _kill_children()
