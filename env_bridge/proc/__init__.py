# SPDX-License-Identifier: BSD-3-Clause
"""The Lava side of env_bridge: the ``EnvBridge`` Process."""
from lava_nrl.workers import import_lava_runtime

import_lava_runtime()  # before any Lava module: Lava's start method, even after a progress bar chose one
