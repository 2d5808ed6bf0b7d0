# SPDX-License-Identifier: BSD-3-Clause
"""NRLAgent's fused leaf models: the whole network in one OS process (one Lava worker).

Both call :func:`lava_nrl.kernels.agent.learn` and ``act`` on a batch of one; they differ only in
port and Var types.
"""

from __future__ import annotations

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_nrl.errors import ConfigError
from lava_nrl.kernels.agent import act, init_agents, learn
from lava_nrl.proc.nrl_agent.process import NRLAgent

__all__ = ["PyNRLAgentModelFloat", "PyNRLAgentModelFixed"]


class AbstractPyNRLAgentModel(PyLoihiProcessModel):
    obs_in = None
    reward_in = None
    action_out = None
    weights = None
    precision = None

    def __init__(self, proc_params):
        super().__init__(proc_params)
        self.spec = proc_params["spec"]
        if self.spec.precision != self.precision:
            raise ConfigError(f"NRLAgent was built with precision={self.spec.precision!r} but runs a "
                              f"{self.precision} model; select the tag "
                              f"{'fixed_pt' if self.spec.precision == 'fixed' else 'floating_pt'}")
        self.state = init_agents(self.spec, [self.proc_params["seed"]])
        self.bound = None  # the weights array the state's W_l are views of

    def bind_weights(self) -> None:
        """Make the state's W_l views into the ``weights`` Var, so that learning writes the Var and
        ``weights.get()`` / ``set()`` see and change what the kernels use (set() swaps the array)."""
        sizes, offset = self.spec.sizes, 0
        for l, (n_pre, n_post) in enumerate(zip(sizes[:-1], sizes[1:])):
            self.state.weights[l] = self.weights[offset : offset + n_pre * n_post].reshape(1, n_post, n_pre)
            offset += n_pre * n_post
        self.bound = self.weights

    def run_spk(self) -> None:
        if self.bound is not self.weights:
            self.bind_weights()
        obs = self.obs_in.recv()
        message = self.reward_in.recv()
        learn(self.spec, self.state, message[:1].astype(self.spec.arith.dtype),
              np.array([message[1] != 0]), np.array([message[2] != 0]))
        action = act(self.spec, self.state, obs[None].astype(self.spec.arith.dtype))
        self.action_out.send(action)


@implements(proc=NRLAgent, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyNRLAgentModelFloat(AbstractPyNRLAgentModel):
    """float64 arithmetic (:class:`~lava_nrl.numerics.FloatArith`)."""

    precision = "float"
    obs_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    reward_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    action_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    weights: np.ndarray = LavaPyType(np.ndarray, np.float64)


@implements(proc=NRLAgent, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyNRLAgentModelFixed(AbstractPyNRLAgentModel):
    """Integer arithmetic (:class:`~lava_nrl.numerics.FixedArith`): weights Q.weight_frac_bits."""

    precision = "fixed"
    obs_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    reward_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=32)
    action_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    weights: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=32)
