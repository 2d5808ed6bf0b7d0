# SPDX-License-Identifier: BSD-3-Clause
"""NoisyDense's SubProcessModel: TraceDense → NoisyNeuron, ξ fed back to the synapses."""

from __future__ import annotations

from lava.magma.core.decorator import implements, tag
from lava.magma.core.model.sub.model import AbstractSubProcessModel
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_nrl.proc.noisy_dense.process import NoisyDense
from lava_nrl.proc.noisy_neuron.process import NoisyNeuron
from lava_nrl.proc.trace_dense.process import TraceDense

__all__ = ["SubNoisyDenseModel"]


@implements(proc=NoisyDense, protocol=LoihiProtocol)
@tag("floating_pt", "fixed_pt")  # the children's models carry the precision
class SubNoisyDenseModel(AbstractSubProcessModel):
    def __init__(self, proc):
        p = proc.proc_params
        self.synapses = TraceDense(weights=p["weights"], rule=p["rule"], lr=p["lr"], modulation=p["modulation"],
                                   precision=p["precision"], seed=p["seed"], layer=p["layer"], output=p["output"],
                                   network_units=p["network_units"],
                                   fixed_format=p["fixed_format"], num_envs=p["num_envs"])
        self.neurons = NoisyNeuron(shape=(p["weights"].shape[0],), sigma=p["sigma"], output=p["output"],
                                   precision=p["precision"], seed=p["seed"], neuron_offset=p["neuron_offset"],
                                   fixed_format=p["fixed_format"], num_envs=p["num_envs"])
        proc.in_ports.s_in.connect(self.synapses.in_ports.s_in)
        proc.in_ports.s_noisy_in.connect(self.synapses.in_ports.s_noisy_in)
        proc.in_ports.mod_in.connect(self.synapses.in_ports.mod_in)
        proc.in_ports.post_in.connect(self.synapses.in_ports.post_in)
        self.synapses.out_ports.a_out.connect(self.neurons.in_ports.a_in)
        self.synapses.out_ports.a_noisy_out.connect(self.neurons.in_ports.a_noisy_in)
        self.neurons.out_ports.xi_out.connect(self.synapses.in_ports.xi_in)
        self.neurons.out_ports.s_out.connect(proc.out_ports.s_out)
        self.neurons.out_ports.s_noisy_out.connect(proc.out_ports.s_noisy_out)
        self.neurons.out_ports.xi_sq_out.connect(proc.out_ports.xi_sq_out)
        self.synapses.out_ports.back_out.connect(proc.out_ports.back_out)
        proc.vars.weights.alias(self.synapses.vars.weights)
