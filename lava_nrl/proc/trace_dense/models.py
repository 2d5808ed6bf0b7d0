# SPDX-License-Identifier: BSD-3-Clause
"""TraceDense models: one tick logic calling the kernels; float and fixed differ only in types."""

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
from lava_nrl.numerics import rng
from lava_nrl.proc.trace_dense.process import (
    MOD_DELTA, MOD_EVENT, MOD_RHO, MOD_XI_SQ, TraceDense,
)

__all__ = ["PyTraceDenseModelFloat", "PyTraceDenseModelFixed"]


class AbstractPyTraceDenseModel(SaturationCounting, PyLoihiProcessModel):
    s_in = None
    s_noisy_in = None
    mod_in = None
    xi_in = None
    a_out = None
    a_noisy_out = None
    weights = None
    trace = None
    precision = None

    def __init__(self, proc_params):
        super().__init__(proc_params)
        p = proc_params
        self.arith = model_arith("TraceDense", p["precision"], p["fixed_format"], self.precision)
        self.rule = kernels.get_rule(p["rule"])
        self.modulation = p["modulation"]
        self.pre_noisy = self.modulation.pre_noisy if self.rule.pre_noisy is None else self.rule.pre_noisy
        self.lr = p["lr"]
        self.rounding_key = np.array([rng.derive_key(p["seed"], rng.ROUNDING, p["layer"])], dtype=np.uint32)
        self.updates = np.zeros(1, dtype=np.uint64)
        self.pre = None  # the pre-synaptic activity of the previous step (None before the first)

    def run_spk(self) -> None:
        arith = self.arith
        mod = self.mod_in.recv()
        xi = self.xi_in.recv()[None].astype(arith.dtype)
        trace = self.trace[None]  # views: the kernels write the Vars
        # TRACE of the previous step
        if self.pre is not None:
            if self.rule.trace == "nrl":
                xi_sq = (np.array([mod[MOD_XI_SQ]], dtype=arith.dtype) if self.modulation.xi_norm == "network"
                         else kernels.sum_sq(xi))
                post = kernels.nrl_post_factor(arith, np.array([mod[MOD_RHO]], dtype=arith.dtype), xi, xi_sq)
            else:
                post = xi
            kernels.trace_update(arith, trace, self.modulation.trace_decay, post, self.pre)
        # REWARD EVENT: W ← W + η·[N_l]·δ·e; e ← 0
        if mod[MOD_EVENT]:
            n_post = self.weights.shape[0] if self.rule.scale_by_n_post else 1
            delta = np.array([mod[MOD_DELTA]], dtype=arith.dtype)
            self.weights[...] = kernels.weight_update(arith, self.weights[None], trace, self.lr, n_post, delta,
                                                      self.rounding_key, self.updates)[0]
            self.updates += np.uint64(1)
            trace[...] = 0
        # FORWARD
        x = self.s_in.recv()[None].astype(arith.dtype)
        x_noisy = self.s_noisy_in.recv()[None].astype(arith.dtype)
        a, a_noisy = kernels.dense(arith, self.weights[None], x, x_noisy)
        self.a_out.send(a[0])
        self.a_noisy_out.send(a_noisy[0])
        self.pre = x_noisy if self.pre_noisy else x
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
    a_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    a_noisy_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
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
    a_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    a_noisy_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    weights: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=16)
    trace: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=32)
