# SPDX-License-Identifier: BSD-3-Clause
"""PolePolicy models: the same comparison on floats or on fixed-point integers (the sign is scale-free)."""

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from tests.helpers.proc.pole_policy.process import PolePolicy, pole_action


class AbstractPyPolePolicyModel(PyLoihiProcessModel):
    obs_in = None
    action_out = None

    def run_spk(self) -> None:
        obs = self.obs_in.recv().reshape(self.proc_params["num_envs"], -1)
        self.action_out.send(np.array([pole_action(theta) for theta in obs[:, 2]]))


@implements(proc=PolePolicy, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyPolePolicyModelFloat(AbstractPyPolePolicyModel):
    obs_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    action_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)


@implements(proc=PolePolicy, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyPolePolicyModelFixed(AbstractPyPolePolicyModel):
    obs_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    action_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
