# SPDX-License-Identifier: BSD-3-Clause
"""lava-nrl: noise-based reward-modulated learning (arXiv 2503.23972) for Lava.

The public API, each name imported on first use::

    from lava_nrl import NRLAgent, NoisyDense, TraceDense, NoisyNeuron, PolicyReadout, RewardModulator, SignNeuron
    from lava_nrl import TrainConfig, train, FixedFormat, run_guarded, connect

Importing this package is light: it imports no Lava until a Process (or ``run_guarded``) is asked
for, and ``lava_nrl.numerics``, ``lava_nrl.kernels`` and ``lava_nrl.engine`` import none at all, so the
engine starts fast and never triggers Lava's ``fork`` start-method side effect. The deep, Lava-style
paths (``lava_nrl.proc.nrl_agent.process.NRLAgent``, …) stay valid.
"""

import importlib

__version__ = "0.3.0"

# Public name → the module that defines it.
_EXPORTS = {
    "NRLAgent": "lava_nrl.proc.nrl_agent.process",
    "NoisyDense": "lava_nrl.proc.noisy_dense.process",
    "TraceDense": "lava_nrl.proc.trace_dense.process",
    "NoisyNeuron": "lava_nrl.proc.noisy_neuron.process",
    "PolicyReadout": "lava_nrl.proc.policy_readout.process",
    "RewardModulator": "lava_nrl.proc.reward_modulator.process",
    "SignNeuron": "lava_nrl.proc.sign_neuron.process",
    "TrainConfig": "lava_nrl.engine.config",
    "train": "lava_nrl.engine",
    "FixedFormat": "lava_nrl.numerics.formats",
    "run_guarded": "lava_nrl.guarded",
    "connect": "lava_nrl.graph",
}

__all__ = list(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'lava_nrl' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
