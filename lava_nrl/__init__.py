# SPDX-License-Identifier: BSD-3-Clause
"""lava-nrl: noise-based reward-modulated learning (arXiv 2503.23972) for Lava.

Importing this package is light: ``lava_nrl.numerics``, ``lava_nrl.kernels`` and ``lava_nrl.engine``
import no Lava, so the engine starts fast and never triggers Lava's ``fork`` start-method side effect.
"""

__version__ = "0.1.0"
