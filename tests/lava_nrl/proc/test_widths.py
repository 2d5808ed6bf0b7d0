# SPDX-License-Identifier: BSD-3-Clause
"""Every fixed_pt Var and port of every Process stays within its declared width (``fixed_widths()``,
from :mod:`lava_nrl.widths`) over closed-loop CartPole runs on Lava's simulator: EnvBridge + NRLAgent,
fused and decomposed (NoisyDense = TraceDense → NoisyNeuron, PolicyReadout, RewardModulator), in the
default format and in a narrow one where weights, traces, messages and rewards saturate.

Vars are read with ``get()`` between chunks of the run; ports through :mod:`tests.helpers.port_traffic`,
which sees every value every worker sent or received (a hierarchical Process's port is checked on the
leaf ports it forwards to). The fused case checks NRLAgent's own Vars, which the decomposed graph does
not realise.
"""

import numpy as np
import pytest
from lava.magma.core.run_configs import Loihi2SimCfg

from env_bridge.proc.env_bridge.process import EnvBridge
from lava_nrl.graph import connect
from lava_nrl.guarded import run_guarded
from lava_nrl.numerics import FixedFormat
from lava_nrl.proc.nrl_agent.process import NRLAgent
from lava_nrl.widths import Width
from tests.helpers.port_traffic import port_traffic

pytestmark = [pytest.mark.lava, pytest.mark.timeout(60), pytest.mark.usefixtures("no_lava_workers_left")]
CHUNKS, TICKS = 4, 60
# Loihi-like synapses (9-bit weights and traces), 16-bit messages, rewards that clip above R = 8
# (every:10 delivers R = 10); with η = 2 and σ = 0.5 weights and traces clip too.
NARROW = FixedFormat(frac_bits=10, msg_bits=16, weight_bits=9, weight_frac_bits=6, trace_bits=9, trace_frac_bits=8,
                     lr_frac_bits=16, reward_bits=14)


def leaves(process) -> list:
    """``process`` and every Process below it (a SubProcessModel's children exist after compiling)."""
    found = [process]
    for child in process.procs.members:
        found += leaves(child)
    return found


def leaf_ports(port) -> list:
    """The ports of leaf Processes that a (possibly hierarchical) port's values pass through."""
    if port.process.procs.is_empty():
        return [port]
    inner = port.out_connections if port in port.process.in_ports.members else port.in_connections
    return [leaf for p in inner if p.process in port.process.procs.members for leaf in leaf_ports(p)]


def bounds(width, shape) -> tuple:
    """Element-wise bounds of a Width, or of a tuple of Widths (one per element of a message)."""
    widths = (width,) * int(np.prod(shape)) if isinstance(width, Width) else width
    return np.array([w.bounds[0] for w in widths]).reshape(shape), np.array([w.bounds[1] for w in widths]).reshape(shape)


@pytest.mark.parametrize("decomposed,rule,fmt,lr,sigma", [
    (False, "nrl-fast", FixedFormat(), 0.01, 0.05),
    (True, "nrl-fast", FixedFormat(), 0.01, 0.05),
    (True, "nrl-b", NARROW, 2.0, 0.5),
    (False, "rmhl", NARROW, 2.0, 0.5),
    (True, "srl", FixedFormat(), 0.03, 0.05),
], ids=["fused-default", "decomposed-default", "decomposed-narrow", "fused-narrow", "decomposed-srl"])
def test_every_var_and_port_stays_within_its_declared_width(tmp_path, decomposed, rule, fmt, lr, sigma):
    bridge = EnvBridge(env="CartPole-v1", reward="every:10", seed=3, fixed_format=fmt)
    agent = NRLAgent(sizes=(4, 8, 2), rule=rule, lr=lr, sigma=sigma, precision="fixed", seed=3, fixed_format=fmt)
    connect(bridge, agent)
    var_values = {}  # (process, var name) → every value read
    with port_traffic(tmp_path) as traffic:
        try:
            for _ in range(CHUNKS):
                run_guarded(bridge, TICKS, Loihi2SimCfg(select_tag="fixed_pt", select_sub_proc_model=decomposed),
                            timeout=60)
                processes = [bridge] + leaves(agent)
                for process in processes:
                    for var in process.vars.members:
                        if process.procs.is_empty() or var.aliased_var is not None:
                            var_values.setdefault((process, var.name), []).append(np.asarray(var.get()))
            saturations = {kind: count + bridge.saturations.get()[i]
                           for i, (kind, count) in enumerate(agent.saturation_counts().items())}
        finally:
            bridge.stop()
        extremes = traffic()

    checked = set()
    for process in processes:
        declared = process.fixed_widths()
        names = process.vars.member_names + process.in_ports.member_names + process.out_ports.member_names
        assert sorted(declared) == sorted(names), f"{process.__class__.__name__} declares {sorted(declared)}"
        for var in process.vars.members:
            if (process, var.name) in var_values:
                lo, hi = bounds(declared[var.name], var.shape)
                for values in var_values[process, var.name]:
                    assert (values >= lo).all() and (values <= hi).all(), f"{process.__class__.__name__}.{var.name}"
                checked.add((type(process).__name__, var.name))
        for port in process.in_ports.members + process.out_ports.members:
            lo, hi = bounds(declared[port.name], port.shape)
            for leaf in leaf_ports(port):
                seen_lo, seen_hi = extremes[leaf.process.id, leaf.name]  # a port no worker used fails here
                assert (seen_lo >= lo).all() and (seen_hi <= hi).all(), \
                    f"{process.__class__.__name__}.{port.name}: {seen_lo}…{seen_hi} beyond {declared[port.name]}"
            checked.add((type(process).__name__, port.name))
            if process.procs.is_empty():  # what a model holds must fit the Python type its port sends
                dtype = np.dtype(getattr(process.model_class, port.name).d_type)
                if dtype.kind == "i":
                    info = np.iinfo(dtype)
                    assert info.min <= lo.min() and hi.max() <= info.max, f"{process.__class__.__name__}.{port.name}"

    expected = {"EnvBridge", "NRLAgent"} | ({"NoisyDense", "TraceDense", "NoisyNeuron", "PolicyReadout",
                                              "RewardModulator"} if decomposed else set())
    expected |= {"SignNeuron"} if decomposed and rule == "srl" else set()
    assert {name for name, _ in checked} == expected
    if fmt is NARROW:  # the widths held although values were clipped to them
        assert all(saturations[kind] > 0 for kind in ("weight", "trace", "reward")), saturations


def test_rewards_are_no_wider_than_the_int32_ports_they_cross():
    """EnvBridge.reward_out and NRLAgent.reward_in carry R as int32: a wider reward would wrap there."""
    from lava_nrl.errors import ConfigError

    with pytest.raises(ConfigError, match=r"reward_bits must be an integer in \[18, 32\]"):
        FixedFormat(reward_bits=33)
