# SPDX-License-Identifier: BSD-3-Clause
"""``lava-nrl resources`` as a user runs it: the estimate of lava_nrl.resources for the env's network."""

import json
import subprocess
import sys

from lava_nrl.engine.config import TrainConfig
from lava_nrl.numerics import FixedFormat
from lava_nrl.resources import estimate

WIDTHS = ["--weight-bits", "9", "--weight-frac-bits", "6", "--trace-bits", "9", "--trace-frac-bits", "8"]


def _resources(*args):
    return subprocess.run([sys.executable, "-m", "lava_nrl.cli", "resources", *args], capture_output=True, text=True,
                          timeout=120)


def test_json_is_the_estimate_of_the_envs_network():
    proc = _resources("--hidden", "16", "--layers", "2", "--env", "Acrobot-v1", "--rule", "nrl-fast", "--envs", "3",
                      "--json", *WIDTHS)
    assert proc.returncode == 0, proc.stderr
    fmt = FixedFormat(weight_bits=9, weight_frac_bits=6, trace_bits=9, trace_frac_bits=8)
    # Acrobot: 6 observations, 3 actions.
    expected = estimate((6, 16, 16, 3), "nrl-fast", fmt, num_envs=3, modulation=TrainConfig(env="Acrobot-v1").modulation)
    assert json.loads(proc.stdout) == json.loads(json.dumps(expected.to_dict()))


def test_the_table_names_its_assumptions_and_sources():
    proc = _resources("--hidden", "8", *WIDTHS)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("4×8×2 network, rule nrl-b, 1 environment; weights 9 b, traces 9 b")
    for text in ("Loihi 2 neuro-cores (estimate)", "128 KB per core, assumed", "energy: an ESTIMATE", "Davies et al.",
                 "Hala Point", "per reward event: total"):
        assert text in proc.stdout, text


def test_bad_input_is_one_clear_line():
    for args, cause in ((["--envs", "0"], "envs must be a positive integer"),
                        (["--env", "Pendulum-v1"], "action space Box"),
                        (["--hidden", "0"], "hidden must be a positive integer")):
        proc = _resources(*args)
        assert proc.returncode == 2 and proc.stderr.strip().splitlines() == [proc.stderr.strip()], proc.stderr
        assert proc.stderr.startswith("error: ") and cause in proc.stderr, proc.stderr
