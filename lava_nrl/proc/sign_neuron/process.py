# SPDX-License-Identifier: BSD-3-Clause
"""SignNeuron: a layer of sign neurons, SRL's top-down sign pathway."""

from __future__ import annotations

from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import LogConfig

from lava_nrl import widths
from lava_nrl.errors import ConfigError
from lava_nrl.model_support import ValidatedProcess, copy_rows
from lava_nrl.numerics import FixedFormat

__all__ = ["SignNeuron"]


class SignNeuron(ValidatedProcess):
    """The sign neurons of one layer under Sign and Relevance Learning (SRL): each sends the sign of its
    input, a ternary message, in the tick it arrives::

        error_in  = the previous step's error direction of the layer: 1[a = k] − π_k (a PolicyReadout's
                    grad_out, at the output layer) or Σ_i W_ij s_i (the back_out of the layer above's
                    TraceDense: its signs through its weights)
        sign_out  = s = sgn(error_in) ∈ {−1, 0, +1}, to this layer's TraceDense post_in, whose trace
                    takes s ⊗ x and whose back_out carries s on down

    Only signs leave a sign neuron; how much a synapse changes is set by the relevance |δ| at the reward
    event (the RewardModulator's broadcast), its direction by sgn(δ)·s. The arithmetic is
    :func:`lava_nrl.kernels.signs` (the row the engine's SRL step uses). On Loihi a sign neuron would
    send a graded spike with a 2-bit payload (+1 or −1; no spike for 0), and its input would be its
    dendritic sum; the fixed-point model's ``sign_out`` carries the integers −1, 0, 1.

    Parameters
    ----------
    shape : tuple of int
        (n,) neurons, the layer's post-synaptic units.
    precision : str
        ``"float"`` or ``"fixed"``; must match the run's tag.
    fixed_format : FixedFormat or None
        Widths of the fixed-point flavour (of ``error_in``'s graded values).
    num_envs : int
        K, environment copies: each port carries a row per copy (default 1: vectors, as described).
    """

    def __init__(self, *, shape: tuple, precision: str = "float", fixed_format: FixedFormat | None = None,
                 num_envs: int = 1, name: str | None = None, log_config: LogConfig | None = None) -> None:
        shape = tuple(shape)
        if len(shape) != 1 or shape[0] < 1:
            raise ConfigError(f"SignNeuron: shape must be (n,) with n ≥ 1, got {shape}")
        super().__init__(shape=shape, precision=precision, fixed_format=fixed_format or FixedFormat(),
                         num_envs=num_envs, name=name, log_config=log_config)
        self.error_in = InPort(shape=copy_rows(num_envs, shape[0]))
        self.sign_out = OutPort(shape=copy_rows(num_envs, shape[0]))

    def fixed_widths(self) -> dict:
        """The :class:`~lava_nrl.widths.Width` of each port in ``fixed_pt``: a graded message in, a ternary
        sign out."""
        return dict(error_in=widths.message(self.proc_params["fixed_format"]), sign_out=widths.Width(2))
