# SPDX-License-Identifier: BSD-3-Clause
"""What every lava-nrl ProcessModel does first: check that the run's tag matches the precision the
Process was built for, and make the arithmetic of that precision."""

from __future__ import annotations

from lava_nrl.errors import ConfigError
from lava_nrl.numerics import make_arith

__all__ = ["model_arith"]

TAGS = {"float": "floating_pt", "fixed": "fixed_pt"}


def model_arith(process: str, precision: str, fixed_format, model_precision: str):
    """The arith of ``precision``; ConfigError if the run selected the other precision's model."""
    if precision != model_precision:
        raise ConfigError(f"{process} was built with precision={precision!r} but the run selected its "
                          f"{TAGS[model_precision]} model; run with select_tag={TAGS.get(precision, precision)!r}")
    return make_arith(precision, fixed_format)
