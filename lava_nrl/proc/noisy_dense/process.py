# SPDX-License-Identifier: BSD-3-Clause
"""NoisyDense: one layer of the network, TraceDense → NoisyNeuron (hierarchical)."""

from __future__ import annotations

import numpy as np
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import LogConfig
from lava.magma.core.process.variable import Var

from lava_nrl import widths
from lava_nrl.kernels.rules import Modulation
from lava_nrl.messages import ModulatorMessage
from lava_nrl.numerics import FixedFormat, make_arith

from lava_nrl.model_support import ValidatedProcess, copy_rows

__all__ = ["NoisyDense"]


class NoisyDense(ValidatedProcess):
    """One NRL layer: a :class:`~lava_nrl.proc.trace_dense.process.TraceDense` feeding a
    :class:`~lava_nrl.proc.noisy_neuron.process.NoisyNeuron` (which sends ξ back for the trace).

    Ports: ``s_in``, ``s_noisy_in``, ``mod_in``, ``post_in`` (to the synapses); ``s_out``, ``s_noisy_out``,
    ``xi_sq_out`` (from the neurons); ``back_out`` (from the synapses: SRL's sum Wᵀ s for the sign
    neurons of the layer below). ``weights`` aliases the synapses' W.

    Parameters
    ----------
    weights : numpy.ndarray
        Initial W (n_post × n_pre), real values.
    rule, lr, modulation, precision, seed, layer, fixed_format
        As for TraceDense.
    sigma : float
        σ of the neurons' noise ξ.
    output : bool
        The output layer: identity activation, logits out.
    neuron_offset : int
        Index of this layer's first neuron in the network.
    network_units : int or None
        As for TraceDense.
    num_envs : int
        K, environment copies sharing W (as for TraceDense; default 1).
    """

    def __init__(self, *, weights: np.ndarray, rule: str = "nrl-b", lr: float = 0.01, sigma: float = 1e-3,
                 output: bool = False, modulation: Modulation | None = None, precision: str = "float",
                 seed: int = 0, layer: int = 0, neuron_offset: int = 0, network_units: int | None = None,
                 fixed_format: FixedFormat | None = None, num_envs: int = 1,
                 name: str | None = None, log_config: LogConfig | None = None) -> None:
        weights = np.asarray(weights, dtype=np.float64)
        fixed_format = fixed_format or FixedFormat()
        n_post, n_pre = weights.shape
        super().__init__(weights=weights, rule=rule, lr=lr, sigma=sigma, output=output,
                         modulation=modulation or Modulation(), precision=precision, seed=seed, layer=layer,
                         neuron_offset=neuron_offset, network_units=network_units, fixed_format=fixed_format,
                         num_envs=num_envs, name=name, log_config=log_config)
        self.s_in = InPort(shape=copy_rows(num_envs, n_pre))
        self.s_noisy_in = InPort(shape=copy_rows(num_envs, n_pre))
        self.mod_in = InPort(shape=copy_rows(num_envs, ModulatorMessage.size()))
        # the exact output eligibility, or SRL's signs (see TraceDense)
        self.post_in = InPort(shape=copy_rows(num_envs, n_post))
        self.s_out = OutPort(shape=copy_rows(num_envs, n_post))
        self.s_noisy_out = OutPort(shape=copy_rows(num_envs, n_post))
        self.xi_sq_out = OutPort(shape=copy_rows(num_envs, 1))
        self.back_out = OutPort(shape=copy_rows(num_envs, n_pre))
        self.weights = Var(shape=(n_post, n_pre), init=make_arith(precision, fixed_format).encode_weights(weights))

    def fixed_widths(self) -> dict:
        """The :class:`~lava_nrl.widths.Width` of each Var and port in ``fixed_pt``, from the format."""
        p = self.proc_params
        fmt, n_post = p["fixed_format"], p["weights"].shape[0]
        message = widths.message(fmt)
        return dict(s_in=message, s_noisy_in=message, s_out=message, s_noisy_out=message, back_out=message,
                    mod_in=ModulatorMessage.widths(fmt, p["network_units"] or n_post),
                    post_in=widths.exact_eligibility(fmt), xi_sq_out=widths.xi_sq(fmt, n_post),
                    weights=widths.weight(fmt))
