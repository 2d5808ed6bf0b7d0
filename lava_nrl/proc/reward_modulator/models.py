# SPDX-License-Identifier: BSD-3-Clause
"""RewardModulator models: move the ports' data through the kernels' ``modulator_tick``; float and
fixed differ only in types."""

from __future__ import annotations

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_nrl.kernels.plasticity import modulator_tick, third_factor
from lava_nrl.messages import ModulatorMessage, RewardMessage
from lava_nrl.model_support import SaturationCounting, model_arith, receive_rows
from lava_nrl.proc.reward_modulator.process import RewardModulator

__all__ = ["PyRewardModulatorModelFloat", "PyRewardModulatorModelFixed"]


class AbstractPyRewardModulatorModel(SaturationCounting, PyLoihiProcessModel):
    reward_in = None
    rho_in = None
    xi_sq_in = None
    mod_out = None
    delta = None
    baseline = None
    rho = None
    precision = None

    def __init__(self, proc_params):
        super().__init__(proc_params)
        p = proc_params
        self.arith = model_arith("RewardModulator", p["precision"], p["fixed_format"], self.precision)
        self.k = self.arith.constants(rate=p["modulation"].baseline_rate)
        self.third_factor = tuple(third_factor(p["modulation"]))
        self.copies = k = p["num_envs"]
        self.has_baseline = np.zeros(k, dtype=bool)
        # ‖ξ‖² of the previous step (ρ's is the Var); nothing uses them on the first tick
        self.xi_sq = np.ones(k, self.arith.dtype)

    def run_spk(self) -> None:
        dtype = self.arith.dtype
        message = RewardMessage.unpack(receive_rows(self.reward_in, self.copies, dtype))
        # The Vars' arrays are written in place: the kernel and get() see the same values.
        modulator_tick(self.k, self.arith.counts, self.third_factor, np.ascontiguousarray(message.reward),
                       message.event, message.episode_end, self.baseline, self.has_baseline, self.delta)
        mod = ModulatorMessage(self.rho, self.xi_sq, self.delta, message.event, message.episode_end)
        self.mod_out.send(mod.pack(dtype).reshape(self.mod_out.shape))
        self.rho[:] = receive_rows(self.rho_in, self.copies, dtype)[:, 0]
        self.xi_sq = receive_rows(self.xi_sq_in, self.copies, dtype)[:, 0]
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
    delta: np.ndarray = LavaPyType(np.ndarray, np.float64)
    baseline: np.ndarray = LavaPyType(np.ndarray, np.float64)
    rho: np.ndarray = LavaPyType(np.ndarray, np.float64)


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
    delta: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=32)
    baseline: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=32)
    rho: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=64)
