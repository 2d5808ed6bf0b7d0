# SPDX-License-Identifier: BSD-3-Clause
"""Every test that starts Lava gets a timeout and leaves no worker behind."""

import multiprocessing as mp

import pytest


@pytest.fixture
def no_lava_workers_left():
    """Fails the test if Lava workers outlive it, and kills them so that later tests and the
    interpreter's exit never hang on them (lava-notes P5/P6)."""
    yield
    leftover = [p for p in mp.active_children()]
    for p in leftover:
        p.kill()
        p.join(timeout=2)
    assert leftover == [], f"Lava workers left running: {leftover}"
