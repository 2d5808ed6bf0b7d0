# SPDX-License-Identifier: BSD-3-Clause
"""SignNeuron models: the kernels' signs; float and fixed differ only in types."""

from __future__ import annotations

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_nrl import kernels
from lava_nrl.model_support import model_arith, receive_rows
from lava_nrl.proc.sign_neuron.process import SignNeuron

__all__ = ["PySignNeuronModelFloat", "PySignNeuronModelFixed"]


class AbstractPySignNeuronModel(PyLoihiProcessModel):
    error_in = None
    sign_out = None
    precision = None

    def __init__(self, proc_params):
        super().__init__(proc_params)
        self.arith = model_arith("SignNeuron", proc_params["precision"], None, self.precision)

    def run_spk(self) -> None:
        error = receive_rows(self.error_in, self.proc_params["num_envs"], self.arith.dtype)
        self.sign_out.send(kernels.signs(self.arith, error).reshape(self.sign_out.shape))


@implements(proc=SignNeuron, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PySignNeuronModelFloat(AbstractPySignNeuronModel):
    precision = "float"
    error_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    sign_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)


@implements(proc=SignNeuron, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PySignNeuronModelFixed(AbstractPySignNeuronModel):
    """Graded input (Q.F, or weight units from a TraceDense's back_out) in 24 bits; ternary output."""

    precision = "fixed"
    error_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    sign_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=2)
