# SPDX-License-Identifier: BSD-3-Clause
"""Layer 1 — number formats and arithmetic of lava-nrl (no Lava, no gymnasium).

- :mod:`.formats` — :class:`FixedFormat`, every bit width and exponent of the fixed-point models.
- :mod:`.ops` — saturating integer operations and rounding (nearest, stochastic).
- :mod:`.rng` — the counter-based integer random generator (one stream per neuron) and noise from it.
- :mod:`.lut` — look-up tables for exp and log, used by the fixed-point log-softmax.
- :mod:`.arith` — :class:`FloatArith` and :class:`FixedArith`: the arithmetic the kernels are written
  against, so that every kernel exists once for both precisions.
"""

import hashlib
import os
import pathlib


def _kernel_cache_dir() -> str:
    """Where numba keeps the compiled kernels: a folder named by a hash of every source they are
    compiled from. numba invalidates a cached function by its own file's timestamp alone, but a
    kernel inlines primitives from other files (arith, ops, rng, lut, the rows); without this an
    edited primitive would run stale machine code."""
    package = pathlib.Path(__file__).resolve().parent.parent
    sources = sorted([*package.glob("numerics/*.py"), *package.glob("kernels/*.py")])
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in sources)).hexdigest()[:16]
    root = os.environ.get("NUMBA_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "lava-nrl")
    return os.path.join(root, f"kernels-{digest}")


import numba  # noqa: E402

numba.config.CACHE_DIR = _kernel_cache_dir()  # read when a kernel is decorated with cache=True

from .arith import FixedArith, FloatArith, make_arith  # noqa: E402
from .formats import FixedFormat

__all__ = ["FixedFormat", "FloatArith", "FixedArith", "make_arith"]
