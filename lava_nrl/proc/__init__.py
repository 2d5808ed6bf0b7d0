# SPDX-License-Identifier: BSD-3-Clause
"""Layer 3 — NRL as Lava Processes, one folder per Process (``process.py`` + ``models.py``)."""
