# SPDX-License-Identifier: BSD-3-Clause
"""RewardModulator models: the kernels' rpe and update_baseline; float and fixed differ only in types."""

from __future__ import annotations

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_nrl import kernels
from lava_nrl.model_support import SaturationCounting, model_arith
from lava_nrl.proc.reward_modulator.process import RewardModulator

__all__ = ["PyRewardModulatorModelFloat", "PyRewardModulatorModelFixed"]


class AbstractPyRewardModulatorModel(SaturationCounting, PyLoihiProcessModel):
    reward_in = None
    rho_in = None
    xi_sq_in = None
    mod_out = None
    precision = None

    def __init__(self, proc_params):
        super().__init__(proc_params)
        p = proc_params
        self.arith = model_arith("RewardModulator", p["precision"], p["fixed_format"], self.precision)
        self.modulation = p["modulation"]
        self.baseline = self.arith.encode_reward(np.zeros(1))
        self.has_baseline = np.zeros(1, dtype=bool)
        self.rho, self.xi_sq = 0, 1  # of the previous step; nothing uses them on the first tick

    def run_spk(self) -> None:
        reward, event, episode_end = self.reward_in.recv()
        delta = 0
        if event:
            r = np.array([reward], dtype=self.arith.dtype)
            delta = kernels.rpe(self.arith, r, self.baseline, self.has_baseline, self.modulation.normalise_rpe)[0]
            self.baseline = kernels.update_baseline(self.arith, r, self.baseline, self.has_baseline,
                                                    self.modulation.baseline_rate)
            self.has_baseline[:] = True
        if episode_end and self.modulation.reset_baseline_each_episode:
            self.has_baseline[:] = False
        self.mod_out.send(np.array([self.rho, self.xi_sq, delta, event, episode_end]))
        self.rho = self.rho_in.recv()[0]
        self.xi_sq = self.xi_sq_in.recv()[0]
        self.record_saturations()


@implements(proc=RewardModulator, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyRewardModulatorModelFloat(AbstractPyRewardModulatorModel):
    precision = "float"
    reward_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    rho_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    xi_sq_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    mod_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)


@implements(proc=RewardModulator, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyRewardModulatorModelFixed(AbstractPyRewardModulatorModel):
    """R, R̄, δ Q.F in ``reward_bits``; ‖ξ‖² Q.2F; all carried as int64."""

    precision = "fixed"
    reward_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=32)
    rho_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int64, precision=64)
    xi_sq_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int64, precision=64)
    mod_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int64, precision=64)
