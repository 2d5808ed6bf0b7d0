# SPDX-License-Identifier: BSD-3-Clause
"""PolicyReadout models: the kernels' policy_readout; float and fixed differ only in types."""

from __future__ import annotations

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_nrl import kernels
from lava_nrl.model_support import SaturationCounting, model_arith, receive_rows
from lava_nrl.numerics import rng
from lava_nrl.proc.policy_readout.process import PolicyReadout

__all__ = ["PyPolicyReadoutModelFloat", "PyPolicyReadoutModelFixed"]


class AbstractPyPolicyReadoutModel(SaturationCounting, PyLoihiProcessModel):
    a_in = None
    a_noisy_in = None
    action_out = None
    rho_out = None
    grad_out = None
    precision = None

    def __init__(self, proc_params):
        super().__init__(proc_params)
        p = proc_params
        self.arith = model_arith("PolicyReadout", p["precision"], p["fixed_format"], self.precision)
        self.act_noisy = p["act_noisy"]
        self.copies = p["num_envs"]
        self.action_key = rng.copy_keys(p["seed"], rng.ACTION, self.copies)
        self.step = np.zeros(self.copies, dtype=np.uint64)
        self.grad = np.zeros((self.copies, p["n_actions"]), dtype=self.arith.dtype)  # of the previous step

    def run_spk(self) -> None:
        self.grad_out.send(self.grad.reshape(self.grad_out.shape))
        logits = receive_rows(self.a_in, self.copies, self.arith.dtype)
        logits_noisy = receive_rows(self.a_noisy_in, self.copies, self.arith.dtype)
        u32 = rng.random_u32(self.action_key, self.step, 0)
        action, rho, logp, logp_noisy = kernels.policy_readout(self.arith, logits, logits_noisy, u32, self.act_noisy)
        self.action_out.send(action)
        self.rho_out.send(rho.reshape(self.rho_out.shape))
        self.grad = kernels.output_grad(self.arith, logp_noisy if self.act_noisy else logp, action)
        self.step += np.uint64(1)
        self.record_saturations()


@implements(proc=PolicyReadout, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyPolicyReadoutModelFloat(AbstractPyPolicyReadoutModel):
    precision = "float"
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    a_noisy_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    action_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    rho_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    grad_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)


@implements(proc=PolicyReadout, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyPolicyReadoutModelFixed(AbstractPyPolicyReadoutModel):
    """Logits and ρ Q.F."""

    precision = "fixed"
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    a_noisy_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    action_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    rho_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int64, precision=64)
    grad_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
