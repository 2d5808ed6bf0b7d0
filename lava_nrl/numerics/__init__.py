# SPDX-License-Identifier: BSD-3-Clause
"""Layer 1 — number formats and arithmetic of lava-nrl (no Lava, no gymnasium).

- :mod:`.formats` — :class:`FixedFormat`, every bit width and exponent of the fixed-point models.
- :mod:`.ops` — saturating integer operations and rounding (nearest, stochastic).
- :mod:`.rng` — the counter-based integer random generator (one stream per neuron) and noise from it.
- :mod:`.lut` — look-up tables for exp and log, used by the fixed-point log-softmax.
- :mod:`.arith` — :class:`FloatArith` and :class:`FixedArith`: the arithmetic the kernels are written
  against, so that every kernel exists once for both precisions.
"""

from .arith import FixedArith, FloatArith, make_arith
from .formats import FixedFormat

__all__ = ["FixedFormat", "FloatArith", "FixedArith", "make_arith"]
