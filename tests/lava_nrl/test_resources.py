# SPDX-License-Identifier: BSD-3-Clause
"""lava_nrl.resources.estimate against counts done by hand for small networks."""

import dataclasses

import pytest

from lava_nrl.errors import ConfigError
from lava_nrl.kernels.rules import Modulation
from lava_nrl.numerics import FixedFormat
from lava_nrl.resources import estimate

# Loihi-like widths, given here so that a change of the default format does not change the counts.
FMT = FixedFormat(weight_bits=9, weight_frac_bits=6, trace_bits=9, trace_frac_bits=8)


def test_a_small_nrl_b_network_counted_by_hand():
    r = estimate((3, 4, 2), "nrl-b", FMT)
    # Layers 3 → 4 → 2: 4 + 2 = 6 noisy units, each a clean and a noisy neuron.
    assert r.streams == 2 and r.neurons == 12
    # 3·4 + 4·2 = 20 synapses, each a 9-bit weight and a 9-bit eligibility trace (its tag); the learning
    # engine's 7-bit traces: x1 of the 3 + 4 inputs, y1 (post factor) and y3 (δ) of the 6 neurons.
    assert r.synapses == 20 and r.transposed_synapses == 0
    assert r.memory_bits == {"weights": 180, "transposed_weights": 0, "eligibility_traces": 180,
                             "learning_traces": (7 + 2 * 6) * 7, "optimiser_state": 0, "total": 180 + 180 + 133}
    assert r.chip_memory_bits == 493
    # Per env step: both streams of the 3 inputs and of the 4 hidden units reach the next layer
    # (2·(3 + 4) = 14 graded spikes), 2·2 logits go to the CPU, 1 action to the environment; every
    # unit's ξ² goes up for the network's ‖ξ‖², and ρ/‖ξ‖² comes back down to every unit.
    assert r.messages_per_step == {"graded spikes between layers": 14, "logits to the CPU": 4,
                                   "action to the environment": 1, "ξ² to the CPU (for ‖ξ‖²)": 6,
                                   "ρ/‖ξ‖² from the CPU": 6}
    # Each graded spike reaches every synapse of its row: 2 streams · 20 synapses. Every neuron updates
    # once; the learning engine updates every tag (e ← e + post·pre) once.
    assert (r.synaptic_ops_per_step, r.neuron_updates_per_step, r.trace_updates_per_step) == (40, 12, 20)
    # CPU: log-softmax of 2 logits per stream, 6·2 − 1 = 11 ops each; sampling 3·2 + 1; ρ one
    # subtraction; ‖ξ‖² six additions and one division.
    assert r.cpu_ops_per_step == {"log-softmax readout": 22, "action sampling": 7, "ρ = log π̃(a) − log π(a)": 1,
                                  "‖ξ‖² and ρ/‖ξ‖²": 7}
    # A reward event updates every weight once; δ goes to the 6 post neurons; the CPU computes
    # δ = (R − R̄)/|R| (4 ops), R̄ + λ(R − R̄) (4) and η·N_l·δ for each of the 2 layers (3 each).
    assert r.weight_updates_per_reward == 20
    assert r.messages_per_reward == {"δ from the CPU (reward trace of every post neuron)": 6}
    assert r.cpu_ops_per_reward == {"RPE δ": 4, "baseline R̄": 4, "update gain η·s_l·δ": 6}
    # 12 neurons and 360 bits fit one core.
    assert r.cores == {"by_neurons": 1, "by_memory": 1, "estimate": 1}
    # Energy per step: 40 synaptic ops × 23.6 pJ + 12 neuron updates × 81 pJ + 14 spikes × 1.7 pJ
    # + 20 tag updates × 120 pJ = 944 + 972 + 23.8 + 2400; per reward event 20 × 120 pJ.
    step = r.energy_pj["per_step"]
    assert step["synaptic ops"] == pytest.approx(944) and step["neuron updates"] == pytest.approx(972)
    assert step["spikes between neurons"] == pytest.approx(23.8)
    assert step["tag (trace) updates"] == pytest.approx(2400)
    assert step["total"] == pytest.approx(4339.8)
    assert step["synaptic ops at Hala Point's rate (cross-check)"] == pytest.approx(40 * 6.8)
    assert r.energy_pj["per_reward"] == {"weight updates": pytest.approx(2400), "total": pytest.approx(2400)}


def test_environments_sharing_the_weights_copy_activity_and_traces_not_weights():
    r = estimate((3, 4, 2), "nrl-fast", FMT, num_envs=3)
    assert r.neurons == 3 * 12
    memory = r.memory_bits
    assert (memory["weights"], memory["eligibility_traces"], memory["learning_traces"]) == (180, 3 * 180, 3 * 133)
    assert memory["total"] == 180 + 3 * 180 + 3 * 133
    assert r.chip_memory_bits == memory["total"] + 2 * 180  # a tag belongs to one synapse: a weight per trace
    # nrl-fast: ρ/‖ξ‖² only to the 4 hidden units; ‖ξ‖² still sums all 6; the readout sends
    # 1[a=k] − π_k to the 2 output neurons every step.
    assert r.messages_per_step == {"graded spikes between layers": 3 * 14, "logits to the CPU": 3 * 4,
                                   "action to the environment": 3, "ξ² to the CPU (for ‖ξ‖²)": 3 * 6,
                                   "ρ/‖ξ‖² from the CPU": 3 * 4,
                                   "1[a=k]−π_k from the CPU (readout → output layer)": 3 * 2}
    assert (r.synaptic_ops_per_step, r.trace_updates_per_step, r.weight_updates_per_reward) == (120, 60, 20)
    assert r.cpu_ops_per_step["1[a=k] − π_k"] == 3 * (2 * 2 + 1)
    assert any("per-step message from the readout" in note for note in r.notes)


def test_rmhl_runs_one_stream_and_bp_a_backward_one():
    rmhl = estimate((3, 4, 2), "rmhl", FMT)
    assert (rmhl.streams, rmhl.neurons, rmhl.synaptic_ops_per_step) == (1, 6, 20)
    assert "ρ/‖ξ‖² from the CPU" not in rmhl.messages_per_step
    bp = estimate((3, 4, 2), "bp", FMT)
    # The clean stream's 6 neurons and 4 more for the hidden layer's ∂log π/∂a; W₂ᵀ (4·2) sends the
    # output's gradient back: 2 backward spikes, 8 more synaptic ops, 8 more weights to hold.
    assert (bp.neurons, bp.transposed_synapses, bp.synaptic_ops_per_step) == (10, 8, 28)
    assert bp.memory_bits["transposed_weights"] == 72 and bp.memory_bits["total"] == 180 + 72 + 180 + 133
    assert bp.messages_per_step["backward graded spikes through Wᵀ (not local)"] == 2
    assert any("bp is not local" in note for note in bp.notes)


def test_cores_are_the_larger_of_the_neuron_and_the_memory_constraint():
    # 4·512 + 512·512 + 512·2 = 265,216 synapses × 18 bits = 4,773,888 bits, + (1,028 inputs + 2 × 1,026
    # neurons) × 7 bits of learning traces = 4,795,448 bits: 4.6 cores of 128 KB (1,048,576 bits), 3.05 of
    # 192 KB; 2 × 1,026 neurons fit one core.
    big = estimate((4, 512, 512, 2), "nrl-b", FMT)
    assert big.cores == {"by_neurons": 1, "by_memory": 5, "estimate": 5}
    assert estimate((4, 512, 512, 2), "nrl-b", FMT, core_memory_kb=192).cores["estimate"] == 4
    # 2 × 5,001 neurons need 2 cores of 8,192; their 10,000 synapses fit one.
    assert estimate((1, 5000, 1), "nrl-b", FMT).cores == {"by_neurons": 2, "by_memory": 1, "estimate": 2}


def test_the_layer_norm_and_the_plain_rpe_change_only_the_cpu_side():
    plain = estimate((3, 4, 2), "nrl", FMT, modulation=Modulation.immediate())
    assert plain.messages_per_step["ξ² to the CPU (for ‖ξ‖²)"] == 6  # each layer's own ‖ξ_l‖², all NRL
    assert plain.cpu_ops_per_reward["RPE δ"] == 1  # δ = R − R̄
    assert plain.neurons == estimate((3, 4, 2), "nrl", FMT).neurons


def test_widths_beyond_a_loihi_synapse_are_named_and_the_energy_is_labelled_an_estimate():
    wide = estimate((3, 4, 2), "nrl-b", dataclasses.replace(FMT, weight_bits=16, weight_frac_bits=12))
    assert any("exceed a Loihi synapse" in note for note in wide.notes)
    assert not any("exceed a Loihi synapse" in note for note in estimate((3, 4, 2), "nrl-b", FMT).notes)
    table = wide.table()
    for text in ("energy: an ESTIMATE", "Loihi 1 pre-silicon", "Davies et al.", "no per-operation energy for Loihi 2",
                 "128 KB per core, assumed", "µJ"):
        assert text in table, text
    assert wide.to_dict()["figures"]["energy"]["synaptic_op"]["value"] == 23.6


@pytest.mark.parametrize("kwargs,cause", [
    (dict(num_envs=0), "num_envs must be a positive integer"),
    (dict(core_memory_kb=100), "core_memory_kb must be one of 128, 192"),
    (dict(rule="adam"), "unknown rule 'adam'"),
])
def test_bad_input_is_one_clear_error(kwargs, cause):
    with pytest.raises(ConfigError, match=cause):
        estimate(**{"sizes": (3, 4, 2), **kwargs})


@pytest.mark.lava
def test_an_agent_counts_its_own_network():
    from lava_nrl.proc.nrl_agent.process import NRLAgent

    agent = NRLAgent(sizes=(3, 4, 2), rule="nrl-fast", precision="fixed", fixed_format=FMT)
    assert agent.resources(num_envs=2) == estimate((3, 4, 2), "nrl-fast", FMT, num_envs=2)
