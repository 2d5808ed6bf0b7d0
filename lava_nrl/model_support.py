# SPDX-License-Identifier: BSD-3-Clause
"""What every lava-nrl Process and ProcessModel shares: a Process base whose constructor may
reject its parameters, the precision check, a ``saturations`` Var that reports the fixed-point
values a model clipped (never silent), and Lava workers that die with their parent
(:mod:`lava_nrl.workers`)."""

from __future__ import annotations

import numpy as np

from lava_nrl.workers import import_lava_runtime

import_lava_runtime()  # before any Lava module (see lava_nrl.workers)
from lava.magma.core.model.py.type import LavaPyType  # noqa: E402
from lava.magma.core.process.process import AbstractProcess  # noqa: E402
from lava.magma.core.process.variable import Var  # noqa: E402

from lava_nrl.errors import ConfigError
from lava_nrl.numerics import make_arith
from lava_nrl.numerics.arith import SATURATION_KINDS
from lava_nrl.workers import install_fork_hook

__all__ = ["TAGS", "ValidatedProcess", "model_arith", "saturation_var", "SaturationCounting", "collect_saturations",
           "copy_rows", "receive_rows"]

TAGS = {"float": "floating_pt", "fixed": "fixed_pt"}

install_fork_hook()  # Lava's workers die with the process that runs the graph, even on kill -9


class ValidatedProcess(AbstractProcess):
    """A Process whose constructor validates its parameters before ``AbstractProcess.__init__``:
    when it raises, Lava's ``__del__`` must not run on the half-built object."""

    def __del__(self) -> None:
        if hasattr(self, "_runtime"):
            super().__del__()


def copy_rows(copies: int, n: int) -> tuple:
    """A port's shape for ``copies`` environment copies of a vector of ``n``: (n,) for one copy (the
    single-environment graph's ports), (copies, n) otherwise."""
    return (n,) if copies == 1 else (copies, n)


def receive_rows(port, copies: int, dtype) -> np.ndarray:
    """What ``port`` received, as (copies, n) rows of ``dtype``."""
    return port.recv().reshape(copies, -1).astype(dtype)


def model_arith(process: str, precision: str, fixed_format, model_precision: str):
    """The arith of ``precision``; ConfigError if the run selected the other precision's model."""
    if precision != model_precision:
        raise ConfigError(f"{process} was built with precision={precision!r} but the run selected its "
                          f"{TAGS[model_precision]} model; run with select_tag={TAGS.get(precision, precision)!r}")
    return make_arith(precision, fixed_format)


def saturation_var() -> Var:
    """The Process side: counts of clipped values by kind (``SATURATION_KINDS``)."""
    return Var(shape=(len(SATURATION_KINDS),), init=0)


class SaturationCounting:
    """The model side: copies the model's ``arith.counts`` into the Var after each tick."""

    saturations: np.ndarray = LavaPyType(np.ndarray, np.int64)

    def record_saturations(self) -> None:
        self.saturations[:] = self.arith.counts


def collect_saturations(process) -> dict:
    """Sum the ``saturations`` Vars of ``process`` and, in a decomposed graph, of its descendants
    (needs a started runtime). Keys: ``SATURATION_KINDS``."""
    total = np.zeros(len(SATURATION_KINDS), dtype=np.int64)
    leaves = [process]
    while leaves:
        proc = leaves.pop()
        if not proc.procs.is_empty():
            leaves.extend(proc.procs.members)
        elif "saturations" in proc.vars.member_names:
            total += np.asarray(proc.saturations.get(), dtype=np.int64)
    return dict(zip(SATURATION_KINDS, (int(c) for c in total)))
