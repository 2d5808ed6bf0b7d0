# SPDX-License-Identifier: BSD-3-Clause
"""Layer 3 — NRL as Lava Processes, one folder per Process (``process.py`` + ``models.py``)."""

from lava_nrl.workers import import_lava_runtime

import_lava_runtime()  # before any Lava module: Lava's start method, even after a progress bar chose one
