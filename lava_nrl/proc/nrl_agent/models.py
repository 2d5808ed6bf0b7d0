# SPDX-License-Identifier: BSD-3-Clause
"""NRLAgent's models: the fused leaf models (the whole network in one Lava worker; both call
:func:`lava_nrl.kernels.agent.learn` and ``act`` on a batch of one and differ only in port and Var
types) and the decomposed SubProcessModel (NoisyDense per layer → PolicyReadout, RewardModulator; under
SRL a SignNeuron per layer).
"""

from __future__ import annotations

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.model.sub.model import AbstractSubProcessModel
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_nrl.kernels.agent import act, init_agents, learn
from lava_nrl.messages import RewardMessage
from lava_nrl.model_support import SaturationCounting, model_arith, receive_rows
from lava_nrl.proc.noisy_dense.process import NoisyDense
from lava_nrl.proc.nrl_agent.process import NRLAgent
from lava_nrl.proc.policy_readout.process import PolicyReadout
from lava_nrl.proc.reward_modulator.process import RewardModulator
from lava_nrl.proc.sign_neuron.process import SignNeuron

__all__ = ["PyNRLAgentModelFloat", "PyNRLAgentModelFixed", "SubNRLAgentModel"]


class AbstractPyNRLAgentModel(SaturationCounting, PyLoihiProcessModel):
    obs_in = None
    reward_in = None
    action_out = None
    weights = None
    precision = None

    def __init__(self, proc_params):
        super().__init__(proc_params)
        self.spec = proc_params["spec"]
        model_arith("NRLAgent", self.spec.precision, self.spec.fixed_format, self.precision)
        self.arith = self.spec.arith
        self.copies = proc_params["num_envs"]
        self.state = init_agents(self.spec, [proc_params["seed"]], self.copies)
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
        dtype = self.spec.arith.dtype
        obs = receive_rows(self.obs_in, self.copies, dtype)
        message = RewardMessage.unpack(receive_rows(self.reward_in, self.copies, dtype))
        learn(self.spec, self.state, message.reward, message.event, message.episode_end)
        self.action_out.send(act(self.spec, self.state, obs))
        self.record_saturations()


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


@implements(proc=NRLAgent, protocol=LoihiProtocol)
@tag("floating_pt", "fixed_pt")  # the children's models carry the precision
class SubNRLAgentModel(AbstractSubProcessModel):
    """The decomposed graph (one env step per tick)::

        obs_in ─▶ layer0 ─(x, x̃)─▶ … ─▶ layerL ─(logits, noisy logits)─▶ readout ─▶ action_out
                    ▲ │‖ξ_l‖²              ▲ │                              │ρ
                    │ ▼                    │ ▼                              ▼
        reward_in ─▶ modulator ─ModulatorMessage(ρ, ‖ξ‖², δ, event, end)─▶ every layer's mod_in

    Feedback edges carry the previous step's values and are sent first in each tick (ξ from the
    neurons to their synapses, ρ and ‖ξ‖² through the modulator, and for a rule with the exact output
    eligibility 1[a = k] − π_k from the readout to the output layer's post_in), so the graph never deadlocks and
    the order of operations is the engine's: trace of step t−1, update at the reward event, forward.

    Under SRL the sign pathway runs top-down at the start of each tick, on step t−1's values::

        readout ─grad_out (1[a = k] − π_k)─▶ signsL ─s_L─▶ layerL.post_in
                          layerL.back_out (W_Lᵀ s_L) ─▶ signs(L−1) ─s_(L−1)─▶ layer(L−1).post_in … ─▶ layer0

    Each layer's synapses send W_lᵀ s_l before they read this tick's input, with the weights step t−1
    used (the update comes later in the tick), so every layer has its signs of step t−1 in the same
    tick, as the engine's step has them, and the forward pass follows.
    """

    def __init__(self, proc):
        spec, seed = proc.proc_params["spec"], proc.proc_params["seed"]
        weights, copies = proc.proc_params["layer_weights"], proc.proc_params["num_envs"]
        self.modulator = RewardModulator(modulation=spec.modulation, precision=spec.precision,
                                         fixed_format=spec.fixed_format, network_units=sum(spec.sizes[1:]),
                                         num_envs=copies)
        self.readout = PolicyReadout(n_actions=spec.sizes[-1], act_noisy=spec.rule.act_noisy,
                                     precision=spec.precision, seed=seed, fixed_format=spec.fixed_format,
                                     num_envs=copies)
        offsets = np.cumsum([0] + list(spec.sizes[1:-1]))
        layers = []
        for l, w in enumerate(weights):
            layer = NoisyDense(weights=w, rule=spec.rule.name, lr=spec.lr, sigma=spec.sigma,
                               output=l == len(weights) - 1, network_units=sum(spec.sizes[1:]),
                               modulation=spec.modulation, precision=spec.precision,
                               seed=seed, layer=l, neuron_offset=int(offsets[l]), fixed_format=spec.fixed_format,
                               num_envs=copies)
            setattr(self, f"layer{l}", layer)
            layers.append(layer)
        proc.in_ports.obs_in.connect(layers[0].in_ports.s_in)
        proc.in_ports.obs_in.connect(layers[0].in_ports.s_noisy_in)
        for below, above in zip(layers[:-1], layers[1:]):
            below.out_ports.s_out.connect(above.in_ports.s_in)
            below.out_ports.s_noisy_out.connect(above.in_ports.s_noisy_in)
        layers[-1].out_ports.s_out.connect(self.readout.in_ports.a_in)
        layers[-1].out_ports.s_noisy_out.connect(self.readout.in_ports.a_noisy_in)
        self.readout.out_ports.action_out.connect(proc.out_ports.action_out)
        self.readout.out_ports.rho_out.connect(self.modulator.in_ports.rho_in)
        if spec.rule.output_post == "exact":  # the output layer learns from 1[a = k] − π_k
            self.readout.out_ports.grad_out.connect(layers[-1].in_ports.post_in)
        if spec.rule.trace == "srl":  # the sign pathway, top-down from the readout
            signs = [SignNeuron(shape=(n,), precision=spec.precision, fixed_format=spec.fixed_format, num_envs=copies)
                     for n in spec.sizes[1:]]
            self.readout.out_ports.grad_out.connect(signs[-1].in_ports.error_in)
            for l, (sign, layer) in enumerate(zip(signs, layers)):
                setattr(self, f"signs{l}", sign)
                sign.out_ports.sign_out.connect(layer.in_ports.post_in)
                if l > 0:
                    layer.out_ports.back_out.connect(signs[l - 1].in_ports.error_in)
        proc.in_ports.reward_in.connect(self.modulator.in_ports.reward_in)
        for layer in layers:  # in layer order: the fan-in sums ‖ξ_l‖² as the engine does
            self.modulator.out_ports.mod_out.connect(layer.in_ports.mod_in)
            layer.out_ports.xi_sq_out.connect(self.modulator.in_ports.xi_sq_in)
