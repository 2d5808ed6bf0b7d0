# SPDX-License-Identifier: BSD-3-Clause
"""env_bridge: gymnasium environments and reward schedules for Lava graphs and the lava-nrl engine.

The gymnasium-side modules (``envs``, ``schedules``, ``wrappers``, ``validation``, ``batch``) import no
Lava. Importing this package registers ``env_bridge/Reaching1D-v0``; ``env_bridge.EnvBridge`` (the
Lava Process) is imported on first use, so the engine never imports Lava.
"""

# First: lava_nrl.numerics points numba's cache at the kernels' cache folder, which a compiled function
# of this package must see when it is decorated (else numba caches it in the source tree).
import lava_nrl.numerics  # noqa: F401  isort: skip
from gymnasium.envs.registration import register, registry

if "env_bridge/Reaching1D-v0" not in registry:
    register(
        id="env_bridge/Reaching1D-v0",
        entry_point="env_bridge.envs.reaching1d:Reaching1DEnv",
        vector_entry_point="env_bridge.envs.reaching1d:Reaching1DVectorEnv",
    )


def __getattr__(name):
    if name == "EnvBridge":
        from env_bridge.proc.env_bridge.process import EnvBridge

        return EnvBridge
    raise AttributeError(f"module 'env_bridge' has no attribute {name!r}")
