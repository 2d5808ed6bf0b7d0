# SPDX-License-Identifier: BSD-3-Clause
"""FailingPolicy model (float and fixed share it: it never looks at the values)."""

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from tests.helpers.proc.failing_policy.process import FailingPolicy


@implements(proc=FailingPolicy, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt", "fixed_pt")
class PyFailingPolicyModel(PyLoihiProcessModel):
    obs_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    action_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)

    def run_spk(self) -> None:
        self.obs_in.recv()
        if self.time_step == self.proc_params["fail_at"]:
            1 / 0
        self.action_out.send(np.zeros(1))
