# SPDX-License-Identifier: BSD-3-Clause
"""NoisyNeuron: a layer of neurons with seeded pre-activation noise and two output streams."""

from __future__ import annotations

from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import LogConfig

from lava_nrl import widths
from lava_nrl.errors import ConfigError
from lava_nrl.numerics import FixedFormat

from lava_nrl.model_support import ValidatedProcess, copy_rows, saturation_var

__all__ = ["NoisyNeuron"]


class NoisyNeuron(ValidatedProcess):
    """Adds ξ to the noisy stream's pre-activation and applies f to both streams, one step per tick::

        xi_out      = ξ of the previous step (sent first, for the TraceDense's trace)
        ξ           = draw `step` of neurons `neuron_offset …` of the seed's noise stream, scaled to σ
        s_out       = f(a_in),   s_noisy_out = f(a_noisy_in + ξ),   f = LeakyReLU(0.1) or identity
        xi_sq_out   = ‖ξ‖² of this layer (a RewardModulator sums the layers by fan-in)

    Noise comes from the counter-based generator of :mod:`lava_nrl.numerics.rng` (integers only), so
    it is the engine's noise, whatever the number of Lava workers.

    Parameters
    ----------
    shape : tuple of int
        (n,) neurons.
    sigma : float
        σ of ξ.
    output : bool
        True for the output layer: f is the identity and the outputs are logits.
    precision : str
        ``"float"`` or ``"fixed"``; must match the run's tag.
    seed : int
        Run seed (keys the noise stream).
    neuron_offset : int
        Index of this layer's first neuron in the network (neurons are numbered across layers).
    fixed_format : FixedFormat or None
        Widths of the fixed-point flavour.
    num_envs : int
        K, environment copies: each port carries a row per copy (default 1: vectors, as described).
        Copy k draws from its own noise stream (:func:`lava_nrl.numerics.rng.copy_keys`).
    """

    def __init__(self, *, shape: tuple, sigma: float = 1e-3, output: bool = False, precision: str = "float",
                 seed: int = 0, neuron_offset: int = 0, fixed_format: FixedFormat | None = None,
                 num_envs: int = 1, name: str | None = None, log_config: LogConfig | None = None) -> None:
        if not sigma > 0:
            raise ConfigError(f"NoisyNeuron: sigma must be > 0, got {sigma!r}")
        super().__init__(shape=tuple(shape), sigma=sigma, output=output, precision=precision, seed=seed,
                         neuron_offset=neuron_offset, fixed_format=fixed_format or FixedFormat(),
                         num_envs=num_envs, name=name, log_config=log_config)
        rows = copy_rows(num_envs, shape[0])
        self.a_in = InPort(shape=rows)
        self.a_noisy_in = InPort(shape=rows)
        self.s_out = OutPort(shape=rows)
        self.s_noisy_out = OutPort(shape=rows)
        self.xi_out = OutPort(shape=rows)
        self.xi_sq_out = OutPort(shape=copy_rows(num_envs, 1))
        self.saturations = saturation_var()  # fixed point: clipped values by kind

    def fixed_widths(self) -> dict:
        """The :class:`~lava_nrl.widths.Width` of each Var and port in ``fixed_pt``, from the format."""
        fmt = self.proc_params["fixed_format"]
        message = widths.message(fmt)
        return dict(a_in=message, a_noisy_in=message, s_out=message, s_noisy_out=message, xi_out=message,
                    xi_sq_out=widths.xi_sq(fmt, self.proc_params["shape"][0]), saturations=widths.COUNTER)
