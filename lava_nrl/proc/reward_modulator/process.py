# SPDX-License-Identifier: BSD-3-Clause
"""RewardModulator: the third factor — reward-prediction error, baseline, and the broadcast."""

from __future__ import annotations

from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import LogConfig
from lava.magma.core.process.variable import Var

from lava_nrl import widths
from lava_nrl.kernels.rules import Modulation
from lava_nrl.messages import ModulatorMessage, RewardMessage
from lava_nrl.numerics import FixedFormat

from lava_nrl.model_support import ValidatedProcess, copy_rows, saturation_var

__all__ = ["RewardModulator"]


class RewardModulator(ValidatedProcess):
    """Turns rewards into the RPE δ and broadcasts what the synapses need, each tick::

        reward_in = RewardMessage (R, event, episode_end; EnvBridge.reward_out's layout)
        if event:   δ = (R − R̄)/|R| or R − R̄;  R̄ ← R̄ + λ(R − R̄)   (R̄ starts at the first R)
        mod_out   = ModulatorMessage (ρ, ‖ξ‖², δ, event, episode_end; ρ and ‖ξ‖² of the previous
                    step; sent first)
        rho_in    = ρ of this step (from a PolicyReadout); xi_sq_in = Σ_l ‖ξ_l‖² (fan-in of the layers)

    The tick is the kernels' :func:`~lava_nrl.kernels.plasticity.modulator_tick`, made of the row the
    fused agent uses; on Loihi this belongs on the embedded CPU.

    Vars (one value per copy, in the run's encoding: Q.F integers in fixed point), readable between runs
    and by a ``Monitor``: ``delta`` (δ of this tick, 0 without an event), ``baseline`` (R̄ after it) and
    ``rho`` (ρ received this tick, the one the synapses' next trace step uses).

    Parameters
    ----------
    modulation : Modulation or None
        ``normalise_rpe``, λ (``baseline_rate``) and ``reset_baseline_each_episode``; default the
        episodic path.
    precision : str
        ``"float"`` or ``"fixed"``; must match the run's tag.
    fixed_format : FixedFormat or None
        Widths of the fixed-point flavour.
    network_units : int or None
        N, the noisy units whose ‖ξ‖² arrive on ``xi_sq_in``: it bounds the width of ‖ξ‖²
        (:meth:`fixed_widths`); None: any number (int64).
    num_envs : int
        K, environment copies: each port carries a row per copy (default 1: vectors, as described).
    """

    def __init__(self, *, modulation: Modulation | None = None, precision: str = "float",
                 fixed_format: FixedFormat | None = None, network_units: int | None = None, num_envs: int = 1,
                 name: str | None = None, log_config: LogConfig | None = None) -> None:
        super().__init__(modulation=modulation or Modulation(), precision=precision,
                         fixed_format=fixed_format or FixedFormat(), network_units=network_units,
                         num_envs=num_envs, name=name, log_config=log_config)
        self.reward_in = InPort(shape=copy_rows(num_envs, RewardMessage.size()))
        self.rho_in = InPort(shape=copy_rows(num_envs, 1))
        self.xi_sq_in = InPort(shape=copy_rows(num_envs, 1))
        self.mod_out = OutPort(shape=copy_rows(num_envs, ModulatorMessage.size()))
        self.delta = Var(shape=(num_envs,), init=0)
        self.baseline = Var(shape=(num_envs,), init=0)
        self.rho = Var(shape=(num_envs,), init=0)
        self.saturations = saturation_var()  # fixed point: clipped values by kind

    def fixed_widths(self) -> dict:
        """The :class:`~lava_nrl.widths.Width` of each Var and port in ``fixed_pt``, from the format."""
        fmt, units = self.proc_params["fixed_format"], self.proc_params["network_units"]
        return dict(reward_in=RewardMessage.widths(fmt), rho_in=widths.rho(fmt), xi_sq_in=widths.xi_sq(fmt, units),
                    mod_out=ModulatorMessage.widths(fmt, units), delta=widths.reward(fmt), baseline=widths.reward(fmt),
                    rho=widths.rho(fmt), saturations=widths.COUNTER)
