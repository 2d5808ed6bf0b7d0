# SPDX-License-Identifier: BSD-3-Clause
"""The public API: one import line for every public name, and none of them pulls Lava in early."""

import subprocess
import sys

import pytest

import lava_nrl

pytestmark = pytest.mark.timeout(120)


def test_every_public_name_imports_from_the_package():
    from lava_nrl.engine import TrainConfig, train
    from lava_nrl.graph import connect
    from lava_nrl.guarded import run_guarded
    from lava_nrl.numerics import FixedFormat
    from lava_nrl.proc.nrl_agent.process import NRLAgent
    from lava_nrl.proc.noisy_dense.process import NoisyDense
    from lava_nrl.proc.noisy_neuron.process import NoisyNeuron
    from lava_nrl.proc.policy_readout.process import PolicyReadout
    from lava_nrl.proc.reward_modulator.process import RewardModulator
    from lava_nrl.proc.sign_neuron.process import SignNeuron
    from lava_nrl.proc.trace_dense.process import TraceDense

    deep = dict(NRLAgent=NRLAgent, NoisyDense=NoisyDense, TraceDense=TraceDense, NoisyNeuron=NoisyNeuron,
                PolicyReadout=PolicyReadout, RewardModulator=RewardModulator, SignNeuron=SignNeuron,
                TrainConfig=TrainConfig, train=train,
                FixedFormat=FixedFormat, run_guarded=run_guarded, connect=connect)
    assert sorted(lava_nrl.__all__) == sorted(deep)
    for name, obj in deep.items():
        assert getattr(lava_nrl, name) is obj, name
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        lava_nrl.Nope


def test_importing_the_package_and_the_engine_imports_no_lava():
    code = ("import sys; from lava_nrl import TrainConfig, train, FixedFormat, connect; "
            "print(any(m == 'lava' or m.startswith('lava.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=100, check=True)
    assert out.stdout.strip() == "False"


def test_lava_processes_import_after_a_progress_bar_chose_the_start_method():
    """tqdm's lock chooses multiprocessing's default context; Lava, imported after it, sets 'fork' and
    used to fail with 'context has already been set'. Another start method is a one-line error."""
    fork_first = "import multiprocessing as mp; mp.RLock(); from lava_nrl import NRLAgent; print('ok')"
    out = subprocess.run([sys.executable, "-c", fork_first], capture_output=True, text=True, timeout=100)
    assert out.stdout.strip() == "ok", out.stderr
    spawn_first = ("import multiprocessing as mp; mp.set_start_method('spawn'); from lava_nrl import NRLAgent")
    out = subprocess.run([sys.executable, "-c", spawn_first], capture_output=True, text=True, timeout=100)
    assert "Lava needs the 'fork' multiprocessing start method, but this process already uses 'spawn'" in out.stderr
