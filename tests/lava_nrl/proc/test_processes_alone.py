# SPDX-License-Identifier: BSD-3-Clause
"""Each Process alone, driven by Lava's standard RingBuffer sources, against the kernels."""

import numpy as np
import pytest
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.proc.io.sink import RingBuffer as Sink
from lava.proc.io.source import RingBuffer as Source

from lava_nrl import kernels
from lava_nrl.guarded import run_guarded
from lava_nrl.kernels.layer import LEAKY_SLOPE
from lava_nrl.kernels import plasticity
from lava_nrl.kernels.rules import Modulation
from lava_nrl.messages import ModulatorMessage
from lava_nrl.numerics import make_arith, rng
from lava_nrl.proc.noisy_neuron.process import NoisyNeuron
from lava_nrl.proc.policy_readout.process import PolicyReadout
from lava_nrl.proc.reward_modulator.process import RewardModulator
from lava_nrl.proc.sign_neuron.process import SignNeuron
from lava_nrl.proc.trace_dense.process import TraceDense

pytestmark = [pytest.mark.lava, pytest.mark.timeout(120), pytest.mark.usefixtures("no_lava_workers_left")]
PRECISIONS = {"float": "floating_pt", "fixed": "fixed_pt"}
T = 6  # ticks


def drive(process, precision, inputs: dict, outputs: dict, read: tuple = ()):
    """Feed ``inputs`` {port name: (n, T) data} from Sources, record ``outputs`` {port name: n} in
    Sinks; run T ticks; returns {port name: (T, n) received} and the values of the Vars named in ``read``
    after the run."""
    sinks = {}
    for name, data in inputs.items():
        Source(data=data).s_out.connect(getattr(process, name))
    for name, n in outputs.items():
        sinks[name] = Sink(shape=(n,), buffer=T)
        getattr(process, name).connect(sinks[name].a_in)
    try:
        run_guarded(process, T, Loihi2SimCfg(select_tag=PRECISIONS[precision]), timeout=60)
        return {**{name: sink.data.get().T for name, sink in sinks.items()},
                **{name: getattr(process, name).get() for name in read}}
    finally:
        process.stop()


def signals(arith, rng_, shape, scale=1.0):
    return arith.encode(rng_.normal(0, scale, size=shape))


@pytest.mark.parametrize("precision", PRECISIONS)
def test_noisy_neuron(precision):
    arith, g = make_arith(precision), np.random.default_rng(1)
    a, a_noisy = signals(arith, g, (5, T)), signals(arith, g, (5, T))
    neuron = NoisyNeuron(shape=(5,), sigma=0.1, precision=precision, seed=9, neuron_offset=3)
    got = drive(neuron, precision, {"a_in": a, "a_noisy_in": a_noisy},
                {"s_out": 5, "s_noisy_out": 5, "xi_out": 5, "xi_sq_out": 1})
    key = np.array([rng.derive_key(9, rng.NOISE)], dtype=np.uint32)
    for t in range(T):
        xi = kernels.noise(arith, key, np.array([t], dtype=np.uint64), 3, 5, 0.1)
        _, _, x, x_noisy = kernels.noisy_neuron(arith, a[None, :, t], a_noisy[None, :, t], xi, LEAKY_SLOPE)
        np.testing.assert_array_equal(got["s_out"][t], x[0])
        np.testing.assert_array_equal(got["s_noisy_out"][t], x_noisy[0])
        np.testing.assert_array_equal(got["xi_sq_out"][t], kernels.sum_sq(xi))
        if t + 1 < T:
            np.testing.assert_array_equal(got["xi_out"][t + 1], xi[0])  # ξ goes back one tick later
    np.testing.assert_array_equal(got["xi_out"][0], np.zeros(5))


@pytest.mark.parametrize("precision", PRECISIONS)
def test_policy_readout(precision):
    arith, g = make_arith(precision), np.random.default_rng(2)
    logits, noisy = signals(arith, g, (3, T)), signals(arith, g, (3, T))
    readout = PolicyReadout(n_actions=3, precision=precision, seed=4)
    got = drive(readout, precision, {"a_in": logits, "a_noisy_in": noisy}, {"action_out": 1, "rho_out": 1})
    key = np.array([rng.derive_key(4, rng.ACTION)], dtype=np.uint32)
    for t in range(T):
        u32 = rng.random_u32(key, np.array([t], dtype=np.uint64), 0)
        action, rho, _, _ = kernels.policy_readout(arith, logits[None, :, t], noisy[None, :, t], u32, False)
        np.testing.assert_array_equal(got["action_out"][t], action)
        np.testing.assert_array_equal(got["rho_out"][t], rho)


@pytest.mark.parametrize("precision", PRECISIONS)
def test_reward_modulator(precision):
    arith = make_arith(precision)
    rewards = np.array([0, 20, 0, 35, 0, 10], dtype=np.float64)
    events = np.array([0, 1, 0, 1, 0, 1])
    reward_in = np.stack([arith.encode_reward(rewards), events, events])
    rho = signals(arith, np.random.default_rng(3), (1, T), 1e-3)
    xi_sq = np.arange(1, T + 1)[None] * (1 << 20)
    modulator = RewardModulator(precision=precision)
    got = drive(modulator, precision, {"reward_in": reward_in, "rho_in": rho, "xi_sq_in": xi_sq},
                {"mod_out": ModulatorMessage.size()}, read=("delta", "baseline", "rho"))
    modulation = Modulation()
    k = arith.constants(rate=modulation.baseline_rate)
    baseline, has, delta = arith.encode_reward(np.zeros(1)), np.zeros(1, dtype=bool), np.zeros(1, arith.dtype)
    for t in range(T):
        plasticity.modulator_tick(k, arith.counts, tuple(plasticity.third_factor(modulation)),
                                  reward_in[:1, t].astype(arith.dtype), events[t : t + 1] == 1,
                                  events[t : t + 1] == 1, baseline, has, delta)
        previous = (rho[0, t - 1], xi_sq[0, t - 1]) if t else (0, 1)
        expected = ModulatorMessage(*previous, delta[0], bool(events[t]), bool(events[t]))
        np.testing.assert_array_equal(got["mod_out"][t], expected.pack(arith.dtype))
    delta_at = got["mod_out"][:, ModulatorMessage.field("delta")]
    assert delta_at[1] == 0 and delta_at[3] != 0  # the first δ is 0, then R − R̄ ≠ 0
    # The Vars: δ and R̄ of the last tick (an event), ρ received on it.
    np.testing.assert_array_equal(got["delta"], delta)
    np.testing.assert_array_equal(got["baseline"], baseline)
    np.testing.assert_array_equal(got["rho"], rho[:, T - 1])
    assert delta[0] != 0


@pytest.mark.parametrize("precision", PRECISIONS)
def test_trace_dense(precision):
    arith, g = make_arith(precision), np.random.default_rng(5)
    w0 = g.normal(0, 0.5, (3, 4))
    x, x_noisy = signals(arith, g, (4, T)), signals(arith, g, (4, T))
    xi = signals(arith, g, (3, T), 0.01)
    rho = signals(arith, g, (T,), 0.01)
    xi_sq = kernels.sum_sq(xi.T)
    event = np.array([0, 0, 0, 1, 0, 0])
    delta = arith.encode(np.array([0, 0, 0, 0.4, 0, 0]))
    mod = np.stack([rho, xi_sq, delta, event, event])
    synapses = TraceDense(weights=w0, rule="nrl-b", lr=0.05, precision=precision, seed=6, layer=1)
    got = drive(synapses, precision, {"s_in": x, "s_noisy_in": x_noisy, "mod_in": mod, "xi_in": xi},
                {"a_out": 3, "a_noisy_out": 3})
    # The same tick, run here on the same inputs.
    modulation = Modulation()
    k = arith.constants(decay=modulation.trace_decay, lr=0.05)
    layer = tuple(plasticity.layer_rule(kernels.get_rule("nrl-b"), modulation, 3, 3, False))
    w, e = arith.encode_weights(w0)[None].copy(), np.zeros((1, 3, 4), arith.dtype)
    has_previous = np.zeros(1, bool)
    x_previous, x_noisy_previous = np.zeros((1, 4), arith.dtype), np.zeros((1, 4), arith.dtype)
    a, a_noisy, post = (np.empty((1, 3), arith.dtype) for _ in range(3))
    key = np.array([rng.derive_key(6, rng.ROUNDING, 1)], dtype=np.uint32)
    updates = np.zeros(1, dtype=np.uint64)
    for t in range(T):
        plasticity.trace_dense_tick(k, arith.counts, layer, w, e, has_previous, x_previous, x_noisy_previous,
                                    rho[t : t + 1], xi_sq[t : t + 1], delta[t : t + 1], event[t : t + 1] == 1,
                                    xi[None, :, t], np.zeros((1, 3), arith.dtype), key, updates, x[None, :, t],
                                    x_noisy[None, :, t], a, a_noisy, post)
        np.testing.assert_array_equal(got["a_out"][t], a[0])
        np.testing.assert_array_equal(got["a_noisy_out"][t], a_noisy[0])
    assert not np.array_equal(w, arith.encode_weights(w0)[None])  # the event changed the weights
    assert updates[0] == 1


@pytest.mark.parametrize("precision", PRECISIONS)
def test_sign_neuron(precision):
    arith = make_arith(precision)
    error = signals(arith, np.random.default_rng(7), (4, T))
    error[1, 2] = error[3, :] = 0  # sgn 0 = 0: no spike
    got = drive(SignNeuron(shape=(4,), precision=precision), precision, {"error_in": error}, {"sign_out": 4})
    np.testing.assert_array_equal(got["sign_out"], np.sign(error.T))
    assert set(np.unique(got["sign_out"])) == {-1, 0, 1}


@pytest.mark.parametrize("precision", PRECISIONS)
def test_trace_dense_sends_srl_signs_down_through_the_weights_before_the_update(precision):
    """Under srl, back_out = Wᵀ s of the signs received on post_in, through the weights they were taken
    with: a reward event's update in the same tick comes after it. The tick is the kernels' (run here on
    the same inputs), and back_out is exact (s is ternary)."""
    arith, g = make_arith(precision), np.random.default_rng(8)
    w0 = g.normal(0, 0.5, (3, 4))
    x = signals(arith, g, (4, T))
    s = g.integers(-1, 2, size=(3, T)).astype(arith.dtype)
    event = np.array([0, 0, 1, 0, 1, 0])
    delta = arith.encode(np.array([0, 0, 0.5, 0, -0.3, 0]))
    mod = np.stack([np.zeros(T), np.ones(T), delta, event, event])
    synapses = TraceDense(weights=w0, rule="srl", lr=0.05, precision=precision, seed=6, layer=1)
    got = drive(synapses, precision, {"s_in": x, "s_noisy_in": x, "mod_in": mod, "xi_in": np.zeros((3, T)),
                                      "post_in": s}, {"back_out": 4, "a_out": 3})
    modulation = Modulation()
    k = arith.constants(decay=modulation.trace_decay, lr=0.05)
    layer = tuple(plasticity.layer_rule(kernels.get_rule("srl"), modulation, 3, 3, False))
    w, e = arith.encode_weights(w0)[None].copy(), np.zeros((1, 3, 4), arith.dtype)
    has_previous = np.zeros(1, bool)
    x_previous, x_noisy_previous = np.zeros((1, 4), arith.dtype), np.zeros((1, 4), arith.dtype)
    a, a_noisy, post, back = (np.empty((1, n), arith.dtype) for n in (3, 3, 3, 4))
    key = np.array([rng.derive_key(6, rng.ROUNDING, 1)], dtype=np.uint32)
    updates = np.zeros(1, dtype=np.uint64)
    for t in range(T):
        np.testing.assert_array_equal(got["back_out"][t], w[0].T.astype(np.float64) @ s[:, t])
        plasticity.sign_back_tick(k, arith.counts, layer, True, w, s[None, :, t], back)
        np.testing.assert_array_equal(got["back_out"][t], back[0])
        plasticity.trace_dense_tick(k, arith.counts, layer, w, e, has_previous, x_previous, x_noisy_previous,
                                    np.zeros(1, arith.dtype), np.ones(1, arith.dtype), delta[t : t + 1],
                                    event[t : t + 1] == 1, np.zeros((1, 3), arith.dtype), s[None, :, t], key, updates,
                                    x[None, :, t], x[None, :, t], a, a_noisy, post)
        np.testing.assert_array_equal(got["a_out"][t], a[0])
    initial = arith.encode_weights(w0).T.astype(np.float64)
    np.testing.assert_array_equal(got["back_out"][2], initial @ s[:, 2])  # the event of tick 2 updates after it
    assert (got["back_out"][3] != initial @ s[:, 3]).any()  # … and the next tick's signs go through the new W
