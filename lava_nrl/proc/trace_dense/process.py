# SPDX-License-Identifier: BSD-3-Clause
"""TraceDense: plastic synapses with a per-synapse eligibility trace, carrying two streams."""

from __future__ import annotations

import numpy as np
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import LogConfig
from lava.magma.core.process.variable import Var

from lava_nrl import widths
from lava_nrl.errors import ConfigError
from lava_nrl.kernels.rules import Modulation, lava_rule
from lava_nrl.messages import ModulatorMessage
from lava_nrl.numerics import FixedFormat, make_arith

from lava_nrl.model_support import ValidatedProcess, copy_rows, saturation_var

__all__ = ["TraceDense"]


class TraceDense(ValidatedProcess):
    """Dense synapses W (n_post × n_pre) that carry a clean and a noisy stream and learn from a
    broadcast third factor, one environment step per tick::

        0. SRL's sign pathway:          back_out = Wᵀ s, s = post_in (this layer's signs of the
                                         previous step), for the sign neurons of the layer below
                                         (under another rule, or at layer 0, zeros)
        1. trace of the previous step:  e ← γ_e e + post ⊗ pre,  post = ρ ξ/‖ξ‖² (NRL), ξ (RMHL),
                                         post_in (the exact output eligibility) or s (SRL), from
                                         mod_in (a ModulatorMessage: ρ, ‖ξ‖², δ, event, episode_end)
                                         and xi_in = ξ
        2. at a reward event:            W ← W + η·s_l·δ·e (s_l: 1, N_l or N; or the sign step);  e ← 0
        3. forward:                      a_out = W s_in,  a_noisy_out = W s_noisy_in

    ``xi_in`` receives the post-synaptic neurons' noise of the previous step (a ``NoisyNeuron``
    sends it first thing each tick), so the loop closes without deadlock; ``post_in``, at an output
    layer whose rule learns from the exact eligibility, that of the previous step (a ``PolicyReadout``
    sends it first thing; unconnected, it reads zeros), or under SRL this layer's signs of the previous
    step (from a ``SignNeuron``, in the same tick: ``back_out`` is sent before ``s_in`` is read, so the
    signs go down the layers before the forward pass comes up). The tick is the kernels'
    :func:`~lava_nrl.kernels.plasticity.sign_back_tick` and ``trace_dense_tick``, made of the rows the fused
    agent uses.

    ``back_out`` is a graded message (in fixed point Σ W_ij s_i in weight units, saturated to
    ``msg_bits``, which keeps its sign): the input of the sign neurons below, as ``a_out`` is the noisy
    neurons'. On Loihi it would be the sum of a second, transposed synapse set that mirrors W (the
    weight-transport cost of any top-down pathway); here the synapses that hold W compute it.

    Parameters
    ----------
    weights : numpy.ndarray
        Initial W (n_post × n_pre), real values (quantised to Q.weight_frac_bits in fixed point).
    rule : str
        A rule a Lava graph runs: ``nrl``, ``nrl-b`` (×N_l), ``rmhl``, ``nrl-fast`` or ``srl``.
    lr : float
        η.
    modulation : Modulation or None
        Trace decay γ_e, ``xi_norm`` (network ‖ξ‖² from mod_in, or this layer's own) and the
        pre-synaptic stream; default the episodic path.
    precision : str
        ``"float"`` or ``"fixed"``; must match the run's tag.
    seed : int
        Run seed; with ``layer`` it keys the stochastic rounding stream.
    layer : int
        Index of this layer in the network.
    output : bool
        The network's output layer (where a rule may use the exact output eligibility).
    network_units : int or None
        N, the network's noisy units (for a rule whose update scale is N); default: this layer's.
    fixed_format : FixedFormat or None
        Widths of the fixed-point flavour.
    num_envs : int
        K, environment copies sharing W: each port carries a row per copy, and ``trace`` holds a trace
        per copy (K, n_post, n_pre); the copies' reward events apply in copy order (default 1).
    """

    def __init__(self, *, weights: np.ndarray, rule: str = "nrl-b", lr: float = 0.01,
                 modulation: Modulation | None = None, precision: str = "float", seed: int = 0,
                 layer: int = 0, output: bool = False, network_units: int | None = None,
                 fixed_format: FixedFormat | None = None, num_envs: int = 1,
                 name: str | None = None, log_config: LogConfig | None = None) -> None:
        weights = np.asarray(weights, dtype=np.float64)
        if weights.ndim != 2:
            raise ConfigError(f"TraceDense: weights must be 2-D (n_post × n_pre), got shape {weights.shape}")
        lava_rule(rule, "TraceDense: ")
        fixed_format = fixed_format or FixedFormat()
        arith = make_arith(precision, fixed_format)
        n_post, n_pre = weights.shape
        super().__init__(rule=rule, lr=lr, modulation=modulation or Modulation(), precision=precision,
                         seed=seed, layer=layer, output=output, network_units=network_units or n_post,
                         fixed_format=fixed_format, shape=(n_post, n_pre), num_envs=num_envs, name=name,
                         log_config=log_config)
        self.s_in = InPort(shape=copy_rows(num_envs, n_pre))
        self.s_noisy_in = InPort(shape=copy_rows(num_envs, n_pre))
        self.mod_in = InPort(shape=copy_rows(num_envs, ModulatorMessage.size()))
        self.xi_in = InPort(shape=copy_rows(num_envs, n_post))
        self.post_in = InPort(shape=copy_rows(num_envs, n_post))
        self.a_out = OutPort(shape=copy_rows(num_envs, n_post))
        self.a_noisy_out = OutPort(shape=copy_rows(num_envs, n_post))
        self.back_out = OutPort(shape=copy_rows(num_envs, n_pre))
        self.weights = Var(shape=(n_post, n_pre), init=arith.encode_weights(weights))
        self.trace = Var(shape=(n_post, n_pre) if num_envs == 1 else (num_envs, n_post, n_pre), init=0)
        self.saturations = saturation_var()  # fixed point: clipped values by kind

    def fixed_widths(self) -> dict:
        """The :class:`~lava_nrl.widths.Width` of each Var and port in ``fixed_pt``, from the format."""
        fmt = self.proc_params["fixed_format"]
        message = widths.message(fmt)
        return dict(s_in=message, s_noisy_in=message, xi_in=message, a_out=message, a_noisy_out=message,
                    back_out=message, post_in=widths.exact_eligibility(fmt),
                    mod_in=ModulatorMessage.widths(fmt, self.proc_params["network_units"]),
                    weights=widths.weight(fmt), trace=widths.trace(fmt), saturations=widths.COUNTER)
