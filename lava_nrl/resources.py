# SPDX-License-Identifier: BSD-3-Clause
"""What an NRL agent would cost on a Loihi 2 chip: neurons, synapses, memory, messages and operations
counted from the network, an estimated number of neuro-cores, and an energy estimate in which every
per-operation figure names its source and status.

The counts follow the mapping of ``docs/porting.md``:

- each unit of a hidden or output layer is two neurons, its clean and its noisy stream (one for rmhl,
  which acts and learns from the noisy stream alone, and for bp, which uses the clean one alone), and
  every neuron sends a graded spike every env step (LeakyReLU activity is dense);
- a synapse's eligibility trace is its tag, which the learning engine updates every env step (an epoch
  of one step); its weight changes at each reward event;
- the readout, ρ, ‖ξ‖², the RPE and the baseline run on an embedded CPU, which exchanges graded spikes
  with the neurons;
- K environments sharing one set of weights hold K copies of every activity and trace and one of the
  weights (the engine's layout). On a neuro-core a tag belongs to one synapse, so there K traces of a
  weight need K synapses, each with its own copy of the weight: the core estimate counts that.

Hardware figures come from ``loihi2-facts.md`` (the team's collection of public sources); Intel has
published neither the Loihi 2 learning engine's widths nor any Loihi 2 energy per operation, so the
energy estimate uses Loihi 1's pre-silicon figures and says so on every line.
"""

from __future__ import annotations

import dataclasses
import math
import typing as ty

from lava_nrl.errors import ConfigError
from lava_nrl.kernels.plasticity import POST_EXACT, POST_NRL, layer_rules
from lava_nrl.kernels.rules import Modulation, Rule, get_rule
from lava_nrl.numerics import FixedFormat
from lava_nrl.params import integer, layer_sizes

__all__ = ["Figure", "NEURONS_PER_CORE", "CORE_MEMORY_KB", "ENERGY", "HALA_POINT_SYNAPTIC_OP", "Resources",
           "estimate"]


class Figure(ty.NamedTuple):
    """A hardware figure with where it comes from and how far to trust it."""

    value: float
    unit: str
    source: str
    status: str


_DAVIES_2018 = "Davies et al., Loihi, IEEE Micro 38(1) 2018, Table 2 (0.75 V)"
NEURONS_PER_CORE = Figure(8192, "neurons", "1,048,576 neurons / 128 cores per Loihi 2 chip (Intel's Loihi 2 brief, "
                          "via WikiChip intel/loihi_2 and open-neuromorphic.org)", "secondary sources agree")
CORE_MEMORY_KB = {
    128: Figure(128, "KB", "a press translation of Intel's Loihi 2 brief; Loihi 1: 128 KB of synapses per core "
                "(Davies 2018)", "assumed by default: the smaller of the two Loihi 2 figures"),
    192: Figure(192, "KB", "Intel's Loihi 2 brief: 192 KB of 'flexible' memory per core", "unverified"),
}
ENERGY = {
    "synaptic_op": Figure(23.6, "pJ", _DAVIES_2018, "Loihi 1, pre-silicon; a stated minimum per synaptic op"),
    "synaptic_update": Figure(120, "pJ", _DAVIES_2018, "Loihi 1, pre-silicon; a learning-engine update of a synapse"),
    "neuron_update": Figure(81, "pJ", _DAVIES_2018, "Loihi 1, pre-silicon; an active neuron (52 pJ inactive)"),
    "spike": Figure(1.7, "pJ", _DAVIES_2018, "Loihi 1, pre-silicon; within a tile (a hop between tiles adds "
                    "3.0–4.0 pJ, not counted: the placement is unknown)"),
}
HALA_POINT_SYNAPTIC_OP = Figure(6.8, "pJ", "Intel, Hala Point (April 2024): ≤ 2,600 W at 380·10¹² synaptic ops/s "
                                "(our division)", "Loihi 2, a crude system-level upper bound per synaptic op")
# The embedded CPU's operations, static power and messages to and from the CPU have no published figure:
# the energy estimate leaves them out and says so.

# Per-synapse optimiser state of a rule's step (bits): both steps the rules use are stateless.
OPTIMISER_STATE_BITS = {"plain": 0, "sign": 0, "relevance": 0}
# The learning engine's pre- and post-synaptic traces (x1 per input, y1 and y3 per neuron): 7 bits in
# Lava's emulation (W_TRACE, magma/core/learning/constants.py), Loihi 1's published width.
LEARNING_TRACE_BITS = 7


@dataclasses.dataclass(frozen=True)
class Resources:
    """The counts and estimates of :func:`estimate` (every count for the whole agent).

    "Per env step" is one tick: one step of each of the ``num_envs`` environments. "Per reward
    event" is one environment's reward event (its δ applied to the shared weights).
    """

    sizes: tuple
    rule: str
    num_envs: int
    fixed_format: FixedFormat
    core_memory_kb: int
    streams: int  # neurons per unit: the clean and the noisy stream, or one of them
    neurons: int
    synapses: int
    transposed_synapses: int  # bp's backward path: a copy of W_lᵀ for every layer above the first
    memory_bits: dict  # weights, transposed_weights, eligibility_traces, learning_traces, optimiser_state, total
    chip_memory_bits: int  # on neuro-cores: one synapse (weight + tag) per trace
    messages_per_step: dict  # graded spikes by kind; "cpu" keys go to or come from the embedded CPU
    synaptic_ops_per_step: int
    neuron_updates_per_step: int
    trace_updates_per_step: int  # learning-engine updates of the tags
    cpu_ops_per_step: dict
    weight_updates_per_reward: int
    messages_per_reward: dict
    cpu_ops_per_reward: dict
    cores: dict  # by_neurons, by_memory, estimate
    energy_pj: dict  # per_step and per_reward: {term: pJ}, each with its total
    notes: tuple

    def to_dict(self) -> dict:
        """Plain JSON: the counts, the estimates and every hardware figure with its source."""
        d = dataclasses.asdict(self)
        d.update(sizes=list(self.sizes), notes=list(self.notes), fixed_format=self.fixed_format.to_dict())
        d["figures"] = {"neurons_per_core": NEURONS_PER_CORE._asdict(),
                        "core_memory": CORE_MEMORY_KB[self.core_memory_kb]._asdict(),
                        "energy": {name: f._asdict() for name, f in ENERGY.items()},
                        "hala_point_synaptic_op": HALA_POINT_SYNAPTIC_OP._asdict()}
        return d

    def table(self) -> str:
        """A readable table of everything :meth:`to_dict` holds."""
        fmt, k = self.fixed_format, self.num_envs
        memory = ", ".join(f"{name.replace('_', ' ')} {_bits(bits)}" for name, bits in self.memory_bits.items()
                           if name != "total" and bits)
        rows = [
            ("neurons", f"{self.neurons:,}", f"{self.streams} per unit × {sum(self.sizes[1:])} units × {k}"
                                            + (" + bp's backward units" if self.transposed_synapses else "")),
            ("synapses", f"{self.synapses:,}",
             f"+ {self.transposed_synapses:,} transposed for bp's backward pass" if self.transposed_synapses else ""),
            ("synaptic memory", _bits(self.memory_bits["total"]), memory),
            ("  on neuro-cores", _bits(self.chip_memory_bits),
             "a tag per synapse: a weight copy per environment" if k > 1 else ""),
            ("per env step", "", f"one step of each of the {k} environments" if k > 1 else ""),
            *((f"  messages: {name}", f"{count:,}", "") for name, count in self.messages_per_step.items()),
            ("  synaptic ops", f"{self.synaptic_ops_per_step:,}", "a graded spike reaching a synapse"),
            ("  neuron updates", f"{self.neuron_updates_per_step:,}", ""),
            ("  tag (trace) updates", f"{self.trace_updates_per_step:,}", "learning engine, epochs of one step"),
            *((f"  embedded CPU: {name}", f"{count:,}", "integer ops") for name, count in self.cpu_ops_per_step.items()),
            ("per reward event", "", "one environment's"),
            ("  weight updates", f"{self.weight_updates_per_reward:,}", "learning engine; its tags reset in the same update"),
            *((f"  messages: {name}", f"{count:,}", "") for name, count in self.messages_per_reward.items()),
            *((f"  embedded CPU: {name}", f"{count:,}", "integer ops") for name, count in self.cpu_ops_per_reward.items()),
            ("Loihi 2 neuro-cores (estimate)", f"{self.cores['estimate']:,}",
             f"max of {self.cores['by_neurons']:,} by neurons ({NEURONS_PER_CORE.value:,} per core) and "
             f"{self.cores['by_memory']:,} by memory ({self.core_memory_kb} KB per core, assumed)"),
            ("energy: an ESTIMATE", "", "Loihi 1 pre-silicon figures; none are published for Loihi 2"),
            *((f"  per env step: {term}", _energy(pj), "") for term, pj in self.energy_pj["per_step"].items()),
            *((f"  per reward event: {term}", _energy(pj), "") for term, pj in self.energy_pj["per_reward"].items()),
        ]
        width = max(len(name) for name, _, _ in rows) + 2
        return "\n".join([
            f"{'×'.join(map(str, self.sizes))} network, rule {self.rule}, {k} environment{'s' if k > 1 else ''}; "
            f"weights {fmt.weight_bits} b, traces {fmt.trace_bits} b, messages {fmt.msg_bits} b",
            "",
            *(f"{name:<{width}}{value}" + (f"   ({note})" if note else "") for name, value, note in rows),
            "", "figures used (Intel has published no per-operation energy for Loihi 2):",
            *(f"  {name.replace('_', ' ')}: {f.value:g} {f.unit} — {f.source}; {f.status}"
              for name, f in ENERGY.items()),
            f"  Loihi 2 cross-check: {HALA_POINT_SYNAPTIC_OP.value:g} pJ per synaptic op — "
            f"{HALA_POINT_SYNAPTIC_OP.source}; {HALA_POINT_SYNAPTIC_OP.status}",
            f"  neurons per core: {NEURONS_PER_CORE.value:,} — {NEURONS_PER_CORE.source}; {NEURONS_PER_CORE.status}",
            *(f"  memory per core: {f.value:g} KB — {f.source}; {f.status}" for f in CORE_MEMORY_KB.values()),
            "", "notes:", *(f"  - {note}" for note in self.notes)])


def _bits(bits: int) -> str:
    return f"{bits:,} bits ({bits / 8 / 1024:,.1f} KB)"


def _energy(pj: float) -> str:
    return f"{pj:,.0f} pJ ({pj / 1e6:.4g} µJ)"


def estimate(sizes: ty.Sequence[int], rule: str | Rule = "nrl-b", fixed_format: FixedFormat | None = None,
             num_envs: int = 1, modulation: Modulation | None = None, core_memory_kb: int = 128) -> Resources:
    """Count what an agent of layer ``sizes`` [n_obs, H × L, n_actions] learning with ``rule`` needs on a
    Loihi 2 chip, in the widths of ``fixed_format``, for ``num_envs`` environments sharing its weights.

    Parameters
    ----------
    sizes : sequence of int
    rule : str or Rule
        A rule of :data:`lava_nrl.kernels.rules.RULES`.
    fixed_format : FixedFormat or None
        Widths of weights, traces and messages (default ``FixedFormat()``).
    num_envs : int
        K, environments sharing one set of weights.
    modulation : Modulation or None
        The reward path (which ‖ξ‖² normalises the noise, whether δ is normalised); default the
        episodic one.
    core_memory_kb : int
        Memory per neuro-core assumed for the core estimate: 128 or 192 (see :data:`CORE_MEMORY_KB`).
    """
    sizes = layer_sizes("sizes", sizes)
    rule = rule if isinstance(rule, Rule) else get_rule(rule)
    fmt = fixed_format or FixedFormat()
    k = integer("num_envs", num_envs, 1)
    if core_memory_kb not in CORE_MEMORY_KB:
        raise ConfigError(f"core_memory_kb must be one of {', '.join(map(str, CORE_MEMORY_KB))}, got {core_memory_kb!r}")
    modulation = modulation or Modulation()
    layers = layer_rules(rule, modulation, sizes)
    pre, post, n_actions = sizes[:-1], sizes[1:], sizes[-1]
    units, hidden_units = sum(post), sum(post[:-1])
    synapses = sum(a * b for a, b in zip(pre, post))
    bp = rule.trace == "bp"
    transposed = sum(a * b for a, b in zip(pre[1:], post[1:])) if bp else 0
    streams = 1 if rule.trace in ("rmhl", "bp") else 2
    nrl_units = sum(n for n, layer in zip(post, layers) if layer.post == POST_NRL)
    # ‖ξ‖² sums every layer's noise (the network's) or each NRL layer's own.
    norm_units = 0 if not nrl_units else nrl_units if modulation.xi_norm == "layer" else units
    exact = layers[-1].post == POST_EXACT

    memory = {"weights": synapses * fmt.weight_bits, "transposed_weights": transposed * fmt.weight_bits,
              "eligibility_traces": k * synapses * fmt.trace_bits,  # the tags
              "learning_traces": k * (sum(pre) + 2 * units) * LEARNING_TRACE_BITS,  # x1; y1 (post), y3 (δ)
              "optimiser_state": synapses * OPTIMISER_STATE_BITS[rule.step]}
    memory["total"] = sum(memory.values())
    shared = memory["weights"] + memory["transposed_weights"] + memory["optimiser_state"]
    chip_memory = memory["total"] + (k - 1) * shared

    neurons = k * (streams * units + (hidden_units if bp else 0))
    messages = {"graded spikes between layers": k * streams * sum(pre),
                "logits to the CPU": k * streams * n_actions,
                "action to the environment": k}
    if norm_units:
        messages["ξ² to the CPU (for ‖ξ‖²)"] = k * norm_units
        messages["ρ/‖ξ‖² from the CPU"] = k * nrl_units
    if exact:
        messages["1[a=k]−π_k from the CPU (readout → output layer)"] = k * n_actions
    if bp:
        messages["∂log π/∂z from the CPU"] = k * n_actions
        messages["backward graded spikes through Wᵀ (not local)"] = k * sum(post[1:])
    synaptic_ops = k * (streams * synapses + transposed)

    # Integer operations of the kernels' code (lava_nrl/kernels/readout.py, numerics/arith.py, lut.py):
    # log-softmax of n logits: n−1 compares, n subtractions, n exp look-ups, n−1 additions, a log look-up
    # and 2n subtractions; sampling: a random draw and up to n probability look-ups, additions, compares.
    cpu_step = {"log-softmax readout": k * streams * (6 * n_actions - 1), "action sampling": k * (3 * n_actions + 1)}
    if nrl_units:
        cpu_step["ρ = log π̃(a) − log π(a)"] = k
        cpu_step["‖ξ‖² and ρ/‖ξ‖²"] = k * (norm_units + 1)
    if exact or bp:
        cpu_step["1[a=k] − π_k"] = k * (2 * n_actions + 1)
    # RPE δ = (R − R̄)/|R| (or R − R̄), baseline R̄ + λ(R − R̄) with a shift, η·s_l·δ per layer.
    cpu_reward = {"RPE δ": 4 if modulation.normalise_rpe else 1, "baseline R̄": 4,
                  "update gain η·s_l·δ": 3 * len(layers)}
    messages_reward = {"δ from the CPU (reward trace of every post neuron)": units}

    by_neurons = math.ceil(neurons / NEURONS_PER_CORE.value)
    by_memory = math.ceil(chip_memory / (8 * 1024 * core_memory_kb))
    spikes = sum(count for name, count in messages.items() if "CPU" not in name and "environment" not in name)
    e = {name: f.value for name, f in ENERGY.items()}
    per_step = {"synaptic ops": synaptic_ops * e["synaptic_op"], "neuron updates": neurons * e["neuron_update"],
                "spikes between neurons": spikes * e["spike"],
                "tag (trace) updates": k * synapses * e["synaptic_update"]}
    per_step["total"] = sum(per_step.values())
    per_step["synaptic ops at Hala Point's rate (cross-check)"] = synaptic_ops * HALA_POINT_SYNAPTIC_OP.value
    per_reward = {"weight updates": synapses * e["synaptic_update"]}
    per_reward["total"] = sum(per_reward.values())

    notes = ["The energy is an ESTIMATE from Loihi 1 pre-silicon figures; Intel has published no per-operation "
             "energy for Loihi 2. The embedded CPU's operations, messages to and from it, static power (Loihi 1: "
             "about 104 mW per chip) and hops between tiles are not included.",
             "Lava's learning-engine emulation (weights 9 b signed, tags 9 b signed, traces 7 b unsigned) uses "
             "Loihi 1's published widths; Loihi 2's are unpublished (docs/porting.md).",
             "The core estimate ignores fan-in and axon limits, routing tables and neuron-state memory."]
    if fmt.weight_bits > 9 or fmt.trace_bits > 9:
        notes.append(f"Weights of {fmt.weight_bits} b or traces of {fmt.trace_bits} b exceed a Loihi synapse's "
                     "9-bit weight and tag (Loihi 1's, and Lava's emulation's).")
    if bp:
        notes.append("bp is not local: its backward pass sends ∂log π/∂a back through a transposed copy of the "
                     "weights, which must be kept equal to W; it has no fixed-point flavour here.")
    if exact:
        notes.append("The exact output eligibility 1[a=k]−π_k needs a per-step message from the readout (CPU) to "
                     "each output neuron.")
    if rule.trace == "rmhl":
        notes.append("rmhl acts and learns from the noisy stream alone: one neuron per unit.")
    if k > 1:
        notes.append(f"{k} environments: {k} copies of the activity and the traces, one of the weights; on "
                     "neuro-cores a tag belongs to one synapse, so the core estimate counts a weight per trace.")

    return Resources(
        sizes=sizes, rule=rule.name, num_envs=k, fixed_format=fmt, core_memory_kb=core_memory_kb, streams=streams,
        neurons=neurons, synapses=synapses, transposed_synapses=transposed, memory_bits=memory,
        chip_memory_bits=chip_memory, messages_per_step=messages, synaptic_ops_per_step=synaptic_ops,
        neuron_updates_per_step=neurons, trace_updates_per_step=k * synapses, cpu_ops_per_step=cpu_step,
        weight_updates_per_reward=synapses, messages_per_reward=messages_reward, cpu_ops_per_reward=cpu_reward,
        cores={"by_neurons": by_neurons, "by_memory": by_memory, "estimate": max(by_neurons, by_memory)},
        energy_pj={"per_step": per_step, "per_reward": per_reward}, notes=tuple(notes))
