# SPDX-License-Identifier: BSD-3-Clause
"""PolicyReadout: a softmax policy over a clean and a noisy stream of logits."""

from __future__ import annotations

from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import LogConfig

from lava_nrl import widths
from lava_nrl.numerics import FixedFormat

from lava_nrl.model_support import ValidatedProcess, copy_rows, saturation_var

__all__ = ["PolicyReadout"]


class PolicyReadout(ValidatedProcess):
    """Samples an action and measures the noise's effect on its log-probability, each tick::

        log π = log_softmax(a_in),  log π̃ = log_softmax(a_noisy_in)     (max-subtracted)
        action_out = a ~ π   (π̃ if act_noisy: RMHL)
        rho_out    = ρ = log π̃(a) − log π(a)
        grad_out   = 1[a = k] − π_k of the previous step, sent first (a feedback edge: the exact output
                     eligibility, for a rule whose output layer learns from it)

    The arithmetic is :func:`lava_nrl.kernels.policy_readout`; in fixed point exp and log come from
    look-up tables. On Loihi this belongs on the embedded CPU.

    Parameters
    ----------
    n_actions : int
        Number of logits (actions).
    act_noisy : bool
        Sample from the noisy policy π̃ (RMHL) instead of π.
    precision : str
        ``"float"`` or ``"fixed"``; must match the run's tag.
    seed : int
        Run seed (keys the action stream).
    fixed_format : FixedFormat or None
        Widths of the fixed-point flavour.
    num_envs : int
        K, environment copies: each port carries a row per copy (default 1: vectors, as described).
    """

    def __init__(self, *, n_actions: int, act_noisy: bool = False, precision: str = "float", seed: int = 0,
                 fixed_format: FixedFormat | None = None, num_envs: int = 1, name: str | None = None,
                 log_config: LogConfig | None = None) -> None:
        super().__init__(n_actions=n_actions, act_noisy=act_noisy, precision=precision, seed=seed,
                         fixed_format=fixed_format or FixedFormat(), num_envs=num_envs, name=name,
                         log_config=log_config)
        self.a_in = InPort(shape=copy_rows(num_envs, n_actions))
        self.a_noisy_in = InPort(shape=copy_rows(num_envs, n_actions))
        self.action_out = OutPort(shape=(num_envs,))
        self.rho_out = OutPort(shape=copy_rows(num_envs, 1))
        self.grad_out = OutPort(shape=copy_rows(num_envs, n_actions))
        self.saturations = saturation_var()  # fixed point: clipped values by kind

    def fixed_widths(self) -> dict:
        """The :class:`~lava_nrl.widths.Width` of each Var and port in ``fixed_pt``, from the format."""
        fmt = self.proc_params["fixed_format"]
        return dict(a_in=widths.message(fmt), a_noisy_in=widths.message(fmt),
                    action_out=widths.action(self.proc_params["n_actions"]), rho_out=widths.rho(fmt),
                    grad_out=widths.exact_eligibility(fmt), saturations=widths.COUNTER)
