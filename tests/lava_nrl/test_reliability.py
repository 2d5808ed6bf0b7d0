# SPDX-License-Identifier: BSD-3-Clause
"""Faults provoked on purpose: each gives its documented error, and no Lava worker outlives it."""

import os
import pathlib

import numpy as np
import pytest
from lava.magma.core.run_configs import Loihi2SimCfg

from env_bridge.proc.env_bridge.process import EnvBridge
from lava_nrl.errors import ConfigError, NonFiniteError
from lava_nrl.graph import connect
from lava_nrl.guarded import LavaRunError, run_guarded
from lava_nrl.kernels.agent import AgentSpec, init_agents, learn
from lava_nrl.kernels.rules import Modulation, get_rule
from lava_nrl.proc.nrl_agent.process import NRLAgent
from tests.helpers.proc.failing_policy.process import FailingPolicy

pytestmark = [pytest.mark.timeout(120), pytest.mark.usefixtures("no_lava_workers_left")]


def lava_children() -> list[str]:
    """Command lines of this process's children, except Python's own resource tracker."""
    children = []
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
        if parent == os.getpid() and "resource_tracker" not in command:
            children.append(command)
    return children


@pytest.mark.lava
def test_a_users_process_failing_stops_the_run_with_its_cause_and_no_workers_left():
    bridge = EnvBridge(env="CartPole-v1", seed=0)
    policy = FailingPolicy(fail_at=5)
    connect(bridge, policy)
    with pytest.raises(LavaRunError, match="ZeroDivisionError"):
        run_guarded(bridge, 100, Loihi2SimCfg(select_tag="floating_pt"), timeout=30)
    bridge.stop()
    assert lava_children() == []


@pytest.mark.lava
def test_a_run_past_its_time_limit_is_stopped_with_no_workers_left():
    bridge = EnvBridge(env="CartPole-v1", seed=0)
    agent = NRLAgent(sizes=(4, 8, 2), seed=0)
    bridge.obs_out.connect(agent.obs_in)
    agent.action_out.connect(bridge.action_in)
    with pytest.raises(LavaRunError, match="did not finish 1000000 ticks within 1 s"):
        run_guarded(bridge, 1_000_000, Loihi2SimCfg(select_tag="floating_pt"), timeout=1)
    bridge.stop()
    assert lava_children() == []


def test_non_finite_weights_are_a_clear_error():
    spec = AgentSpec(sizes=(2, 3, 2), rule=get_rule("nrl-b"), modulation=Modulation(), lr=0.1, sigma=1e-3)
    state = init_agents(spec, [0])
    state.traces[1][...] = np.inf
    state.has_baseline[:] = True
    state.baseline[:] = 1.0
    before = [w.copy() for w in state.weights]
    with pytest.raises(NonFiniteError, match="weights of layer 1 of agent 0 would become non-finite"):
        learn(spec, state, np.array([3.0]), np.array([True]), np.array([True]))
    for w, w0 in zip(state.weights, before):  # no layer was changed: the last finite weights are kept
        np.testing.assert_array_equal(w, w0)


@pytest.mark.parametrize("kwargs,name", [
    (dict(sizes=(4,)), "sizes"), (dict(sizes=(4, 0, 2)), "sizes"), (dict(sizes=(4, 2), lr=float("nan")), "lr"),
    (dict(sizes=(4, 2), sigma=0), "sigma"), (dict(sizes=(4, 2), rule="bp"), "bp"),
    (dict(sizes=(4, 2), rule="hebb"), "hebb"), (dict(sizes=(4, 2), seed=-1), "seed"),
    (dict(sizes=(4, 2), precision="double"), "precision"),
    (dict(sizes=(4, 2), weights=[np.ones((3, 3))]), "weights"),
])
def test_nrl_agent_validates_every_parameter_before_any_worker(kwargs, name):
    with pytest.raises(ConfigError, match=name):
        NRLAgent(**kwargs)
    assert lava_children() == []


@pytest.mark.lava
def test_running_a_process_with_the_other_precisions_tag_is_a_clear_error():
    bridge = EnvBridge(env="CartPole-v1", seed=0)
    agent = NRLAgent(sizes=(4, 8, 2), precision="fixed", seed=0)
    bridge.obs_out.connect(agent.obs_in)
    agent.action_out.connect(bridge.action_in)
    with pytest.raises(ConfigError, match="built with precision='fixed' but the run selected its floating_pt"):
        run_guarded(bridge, 10, Loihi2SimCfg(select_tag="floating_pt"), timeout=30)
    bridge.stop()


@pytest.mark.lava
@pytest.mark.parametrize("decomposed", [False, True], ids=["fused", "decomposed"])
def test_lava_processes_count_saturation(decomposed):
    from lava_nrl.numerics import FixedFormat

    narrow = FixedFormat(weight_bits=6, weight_frac_bits=4)  # weights span ±2
    bridge = EnvBridge(env="CartPole-v1", seed=1)
    agent = NRLAgent(sizes=(4, 8, 2), lr=50.0, precision="fixed", seed=1, fixed_format=narrow)
    connect(bridge, agent)
    try:
        run_guarded(bridge, 400, Loihi2SimCfg(select_tag="fixed_pt", select_sub_proc_model=decomposed), timeout=60)
        counts = agent.saturation_counts()
    finally:
        bridge.stop()
    assert counts["weight"] > 0  # η = 50 drives weights past ±2, in whichever Processes hold them


def test_an_episode_log_smaller_than_the_budget_is_refused_before_any_worker():
    with pytest.raises(ConfigError, match="log_capacity=3 holds fewer episodes than max_episodes=5"):
        EnvBridge(env="CartPole-v1", max_episodes=5, log_capacity=3)
    assert lava_children() == []


@pytest.mark.lava
def test_a_full_episode_log_stops_the_run_instead_of_dropping_episodes():
    bridge = EnvBridge(env="CartPole-v1", seed=0, log_capacity=3)
    agent = NRLAgent(sizes=(4, 8, 2), seed=0)
    bridge.obs_out.connect(agent.obs_in)
    agent.action_out.connect(bridge.action_in)
    with pytest.raises(ConfigError, match=r"the episode log is full \(3 episodes\)"):
        run_guarded(bridge, 5_000, Loihi2SimCfg(select_tag="floating_pt"), timeout=60)
    assert len(bridge.episode_returns) == 3  # what was logged stays readable, in order
    bridge.stop()
    assert lava_children() == []


@pytest.mark.lava
def test_a_run_past_its_time_limit_keeps_its_learned_weights_readable_and_cannot_run_again():
    bridge = EnvBridge(env="CartPole-v1", seed=0)
    agent = NRLAgent(sizes=(4, 8, 2), lr=0.05, seed=0)
    bridge.obs_out.connect(agent.obs_in)
    bridge.reward_out.connect(agent.reward_in)
    agent.action_out.connect(bridge.action_in)
    config = Loihi2SimCfg(select_tag="floating_pt")
    try:
        with pytest.raises(LavaRunError, match="within 2 s; it is paused: read its Vars, then stop"):
            run_guarded(bridge, 1_000_000, config, timeout=2)
        learned = agent.weights.get()
        assert len(bridge.episode_returns) > 0 and not np.array_equal(learned, agent.weights.init)
        assert len(agent.layer_weights()) == 2
        with pytest.raises(LavaRunError, match="paused after its time limit and Lava cannot run it again"):
            run_guarded(bridge, 10, config)
    finally:
        bridge.stop()
    assert lava_children() == []


def test_the_default_time_limit_grows_with_the_ticks_asked():
    from lava_nrl.guarded import default_timeout

    # the README's fused example: 200,000 ticks at ~1,600 ticks/s take ~2 min; 60 s used to cut it
    assert default_timeout(200_000) > 4 * 200_000 / 1_600
    assert default_timeout(10) >= 60


RUN_AGAIN = """
import sys
from lava.magma.core.run_configs import Loihi2SimCfg
from env_bridge.proc.env_bridge.process import EnvBridge
from lava_nrl.guarded import LavaRunError, run_guarded
from lava_nrl.proc.nrl_agent.process import NRLAgent
from tests.helpers.proc.failing_policy.process import FailingPolicy

bridge = EnvBridge(env="CartPole-v1", seed=0)
policy = FailingPolicy(fail_at=5) if sys.argv[1] == "failed" else NRLAgent(sizes=(4, 8, 2), seed=0)
bridge.obs_out.connect(policy.obs_in)
policy.action_out.connect(bridge.action_in)
config = Loihi2SimCfg(select_tag="floating_pt")
try:
    run_guarded(bridge, 20, config, timeout=30)
except LavaRunError:
    pass
bridge.stop()
try:
    run_guarded(bridge, 20, config, timeout=30)
except LavaRunError as error:
    print(error)
"""


@pytest.mark.lava
@pytest.mark.parametrize("before", ["stopped", "failed"])
def test_running_a_stopped_or_failed_graph_again_is_a_clear_error_not_a_crash(before):
    """In a subprocess: the crash it prevents (Lava segfaults, lava-notes P6) would kill pytest."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", RUN_AGAIN, before], capture_output=True, text=True, timeout=90,
                          cwd=pathlib.Path(__file__).parents[2])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().endswith("was stopped or its run failed, and Lava cannot run it again "
                                        "(it would crash); build new Processes"), proc.stdout
