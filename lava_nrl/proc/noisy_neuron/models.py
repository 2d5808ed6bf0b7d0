# SPDX-License-Identifier: BSD-3-Clause
"""NoisyNeuron models: the kernels' noisy_neuron and noise; float and fixed differ only in types."""

from __future__ import annotations

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_nrl import kernels
from lava_nrl.kernels.layer import LEAKY_SLOPE
from lava_nrl.model_support import SaturationCounting, model_arith, receive_rows
from lava_nrl.numerics import rng
from lava_nrl.proc.noisy_neuron.process import NoisyNeuron

__all__ = ["PyNoisyNeuronModelFloat", "PyNoisyNeuronModelFixed"]


class AbstractPyNoisyNeuronModel(SaturationCounting, PyLoihiProcessModel):
    a_in = None
    a_noisy_in = None
    s_out = None
    s_noisy_out = None
    xi_out = None
    xi_sq_out = None
    precision = None

    def __init__(self, proc_params):
        super().__init__(proc_params)
        p = proc_params
        self.arith = model_arith("NoisyNeuron", p["precision"], p["fixed_format"], self.precision)
        self.sigma, self.slope = p["sigma"], None if p["output"] else LEAKY_SLOPE
        self.n, self.first_neuron, self.copies = p["shape"][0], p["neuron_offset"], p["num_envs"]
        self.noise_key = rng.copy_keys(p["seed"], rng.NOISE, self.copies)
        self.step = np.zeros(self.copies, dtype=np.uint64)
        self.xi = np.zeros((self.copies, self.n), dtype=self.arith.dtype)

    def run_spk(self) -> None:
        self.xi_out.send(self.xi.reshape(self.xi_out.shape))
        a = receive_rows(self.a_in, self.copies, self.arith.dtype)
        a_noisy_in = receive_rows(self.a_noisy_in, self.copies, self.arith.dtype)
        self.xi = kernels.noise(self.arith, self.noise_key, self.step, self.first_neuron, self.n, self.sigma)
        _, _, x, x_noisy = kernels.noisy_neuron(self.arith, a, a_noisy_in, self.xi, self.slope)
        self.s_out.send(x.reshape(self.s_out.shape))
        self.s_noisy_out.send(x_noisy.reshape(self.s_noisy_out.shape))
        self.xi_sq_out.send(kernels.sum_sq(self.xi).reshape(self.xi_sq_out.shape))
        self.step += np.uint64(1)
        self.record_saturations()


@implements(proc=NoisyNeuron, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyNoisyNeuronModelFloat(AbstractPyNoisyNeuronModel):
    precision = "float"
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    a_noisy_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    s_noisy_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    xi_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    xi_sq_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)


@implements(proc=NoisyNeuron, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyNoisyNeuronModelFixed(AbstractPyNoisyNeuronModel):
    """Activations and ξ Q.F in 24 bits; ‖ξ‖² Q.2F in int64."""

    precision = "fixed"
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    a_noisy_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    s_noisy_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    xi_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    xi_sq_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int64, precision=64)
