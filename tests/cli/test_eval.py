# SPDX-License-Identifier: BSD-3-Clause
"""``lava-nrl eval RUN_DIR``: returns of every seed's trained agent, without learning, in eval.json;
the run's own files untouched; the Lava agent's sampled returns are the engine's."""

import hashlib
import importlib.util
import json
import subprocess
import sys

import pytest

from lava_nrl.engine import TrainConfig
from lava_nrl.engine.train import train
from lava_nrl.errors import ConfigError
from lava_nrl.evaluate import evaluate_run
from lava_nrl.runs import write_results

pytestmark = pytest.mark.timeout(180)


def _eval(*args):
    return subprocess.run([sys.executable, "-m", "lava_nrl.cli", "eval", *map(str, args)], capture_output=True,
                          text=True, timeout=150)


def _trained(out, **kwargs):
    config = TrainConfig(**{**dict(episodes=20, seeds=(4, 9), hidden=8, lr=0.05), **kwargs})
    write_results(train(config), out, plot=False)
    return out


def _digests(run_dir):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in run_dir.iterdir()}


@pytest.fixture(scope="module")
def fixed_run(tmp_path_factory):
    return _trained(tmp_path_factory.mktemp("run"), precision="fixed")


def test_eval_writes_every_seeds_returns_and_leaves_the_run_untouched(fixed_run):
    before = _digests(fixed_run)
    proc = _eval(fixed_run, "--episodes", "4", "--seed", "3")
    assert proc.returncode == 0, proc.stderr
    evaluation = json.loads((fixed_run / "eval.json").read_text())
    assert (evaluation["env"], evaluation["episodes"], evaluation["seed"]) == ("CartPole-v1", 4, 3)
    for mode in ("greedy", "sampled"):
        seeds = evaluation["policies"][mode]["seeds"]
        assert set(seeds) == {"4", "9"}
        for result in seeds.values():
            assert len(result["returns"]) == 4 and result["returns"] == [float(n) for n in result["lengths"]]
            assert result["mean"] == pytest.approx(sum(result["returns"]) / 4)
    assert {n: d for n, d in _digests(fixed_run).items() if n != "eval.json"} == before
    assert "seed 9 greedy: mean return" in proc.stdout


def test_eval_is_reproducible_and_its_seed_matters(fixed_run, tmp_path):
    first = evaluate_run(fixed_run, episodes=3, modes=("sampled",), seed=1)
    again = evaluate_run(fixed_run, episodes=3, modes=("sampled",), seed=1)
    other = evaluate_run(fixed_run, episodes=3, modes=("sampled",), seed=2)
    assert first == again and first["policies"] != other["policies"]


@pytest.mark.lava
@pytest.mark.usefixtures("no_lava_workers_left")
def test_the_frozen_lava_agent_returns_what_the_engines_sampled_policy_returns(fixed_run):
    engine = evaluate_run(fixed_run, episodes=3, modes=("sampled",), backend="engine", seed=5)
    lava = evaluate_run(fixed_run, episodes=3, modes=("sampled",), backend="lava", seed=5)
    assert lava["policies"] == engine["policies"]


@pytest.mark.parametrize("args,cause", [
    (["--backend", "lava", "--policy", "greedy"], "the lava backend evaluates the sampled policy only"),
    (["--episodes", "0"], "episodes must be a positive integer, got 0"),
])
def test_bad_eval_options_are_one_line(fixed_run, args, cause):
    proc = _eval(fixed_run, *args)
    assert proc.returncode == 2 and proc.stderr.startswith("error: ") and cause in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_a_directory_without_weights_is_one_line(tmp_path):
    proc = _eval(tmp_path)
    assert proc.returncode == 2 and "no weights-seed*.npz there" in proc.stderr


def test_bp_runs_evaluate_on_the_engine_only(tmp_path):
    run = _trained(tmp_path / "bp", rule="bp", episodes=3, seeds=(2,))
    assert len(evaluate_run(run, episodes=2, modes=("greedy",))["policies"]["greedy"]["seeds"]["2"]["returns"]) == 2
    with pytest.raises(ConfigError, match="a 'bp' run is engine-only"):
        evaluate_run(run, episodes=2, modes=("sampled",), backend="lava")


def test_render_writes_a_gif_of_each_seeds_first_episode(tmp_path):
    from PIL import Image

    run = _trained(tmp_path / "run", env="tests.helpers.envs:FramesCartPole-v0", episodes=3)
    evaluation = evaluate_run(run, episodes=2, modes=("greedy",), render_dir=tmp_path / "gifs")
    for seed in (4, 9):
        with Image.open(tmp_path / "gifs" / f"seed{seed}-greedy.gif") as gif:
            # every step's frame (identical consecutive frames may merge into one, each with its duration)
            assert 1 < gif.n_frames <= evaluation["policies"]["greedy"]["seeds"][str(seed)]["lengths"][0]


@pytest.mark.skipif(importlib.util.find_spec("pygame") is not None, reason="pygame is installed")
def test_render_without_pygame_is_one_line_before_any_episode(fixed_run, tmp_path):
    proc = _eval(fixed_run, "--render", tmp_path / "gifs")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "rendering CartPole-v1 needs pygame: pip install 'lava-nrl[render]'" in proc.stderr
    assert not (tmp_path / "gifs").exists()


def test_render_of_an_env_without_frames_is_one_line(tmp_path):
    run = _trained(tmp_path / "reach", env="env_bridge/Reaching1D-v0", episodes=2, seeds=(1,))
    with pytest.raises(ConfigError, match="env_bridge/Reaching1D-v0 renders no frames"):
        evaluate_run(run, episodes=1, render_dir=tmp_path / "gifs")
