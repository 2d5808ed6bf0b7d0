# SPDX-License-Identifier: BSD-3-Clause
"""TraceDense models: move the ports' data through the kernels' ``sign_back_tick`` and
``trace_dense_tick``; float and fixed differ only in types."""

from __future__ import annotations

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_nrl.kernels.plasticity import layer_rule, sign_back_tick, trace_dense_tick
from lava_nrl.kernels.rules import get_rule
from lava_nrl.messages import ModulatorMessage
from lava_nrl.model_support import SaturationCounting, model_arith, receive_rows
from lava_nrl.numerics import rng
from lava_nrl.proc.trace_dense.process import TraceDense

__all__ = ["PyTraceDenseModelFloat", "PyTraceDenseModelFixed"]


class AbstractPyTraceDenseModel(SaturationCounting, PyLoihiProcessModel):
    s_in = None
    s_noisy_in = None
    mod_in = None
    xi_in = None
    post_in = None
    a_out = None
    a_noisy_out = None
    back_out = None
    weights = None
    trace = None
    precision = None

    def __init__(self, proc_params):
        super().__init__(proc_params)
        p = proc_params
        self.arith = model_arith("TraceDense", p["precision"], p["fixed_format"], self.precision)
        self.k = self.arith.constants(decay=p["modulation"].trace_decay, lr=p["lr"])
        n_post, n_pre = p["shape"]
        self.copies = k = p["num_envs"]
        self.layer = tuple(layer_rule(get_rule(p["rule"]), p["modulation"], n_post, p["network_units"], p["output"]))
        self.rounding_key = np.array([rng.derive_key(p["seed"], rng.ROUNDING, p["layer"])], dtype=np.uint32)
        self.updates = np.zeros(1, dtype=np.uint64)
        dtype = self.arith.dtype
        self.has_previous = np.zeros(k, dtype=bool)
        self.x_previous, self.x_noisy_previous = np.zeros((k, n_pre), dtype), np.zeros((k, n_pre), dtype)
        self.a, self.a_noisy, self.post = (np.empty((k, n_post), dtype) for _ in range(3))
        self.below = p["layer"] > 0  # a layer below whose sign neurons take this layer's back sums
        self.back = np.zeros((k, n_pre), dtype)

    def run_spk(self) -> None:
        dtype, k = self.arith.dtype, self.copies
        mod = ModulatorMessage.unpack(receive_rows(self.mod_in, k, dtype))
        xi, given = receive_rows(self.xi_in, k, dtype), receive_rows(self.post_in, k, dtype)
        # Down the sign pathway before this layer's input arrives: the layer below waits for it.
        sign_back_tick(self.k, self.arith.counts, self.layer, self.below, self.weights[None], given, self.back)
        self.back_out.send(self.back.reshape(self.back_out.shape))
        x, x_noisy = receive_rows(self.s_in, k, dtype), receive_rows(self.s_noisy_in, k, dtype)
        trace = self.trace.reshape(k, *self.weights.shape)  # a view: the tick writes the Var
        trace_dense_tick(self.k, self.arith.counts, self.layer, self.weights[None], trace, self.has_previous,
                         self.x_previous, self.x_noisy_previous, np.ascontiguousarray(mod.rho),
                         np.ascontiguousarray(mod.xi_sq), np.ascontiguousarray(mod.delta), mod.event, xi, given,
                         self.rounding_key, self.updates, x, x_noisy, self.a, self.a_noisy, self.post)
        self.a_out.send(self.a.reshape(self.a_out.shape))
        self.a_noisy_out.send(self.a_noisy.reshape(self.a_noisy_out.shape))
        self.record_saturations()


@implements(proc=TraceDense, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyTraceDenseModelFloat(AbstractPyTraceDenseModel):
    precision = "float"
    s_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_noisy_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    mod_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    xi_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    post_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    a_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    a_noisy_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    back_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    weights: np.ndarray = LavaPyType(np.ndarray, np.float64)
    trace: np.ndarray = LavaPyType(np.ndarray, np.float64)


@implements(proc=TraceDense, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyTraceDenseModelFixed(AbstractPyTraceDenseModel):
    """Weights Q.weight_frac_bits in ``weight_bits``; trace Q.trace_frac_bits in ``trace_bits``."""

    precision = "fixed"
    s_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    s_noisy_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    mod_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int64, precision=64)
    xi_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    post_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    a_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    a_noisy_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    back_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    weights: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=16)
    trace: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=32)
