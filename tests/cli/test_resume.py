# SPDX-License-Identifier: BSD-3-Clause
"""Interrupt and resume: SIGINT a run mid-way, resume it, and get the uninterrupted run's result."""

import contextlib
import importlib
import json
import pathlib
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

ARGS = ["--env", "CartPole-v1", "--rule", "nrl-b", "--precision", "fixed", "--lr", "0.05",
        "--episodes", "150", "--seeds", "42,101", "--hidden", "8", "--no-progress"]


def _train(*args):
    return subprocess.run([sys.executable, "-m", "lava_nrl.cli", "train", *args],
                          capture_output=True, text=True, timeout=300)


def _assert_same_results(got, want, seeds=(42, 101)) -> None:
    """Two output directories hold the same returns and, bit for bit, the same weights."""
    assert (got / "returns.csv").read_text() == (want / "returns.csv").read_text()
    for seed in seeds:
        a, b = np.load(got / f"weights-seed{seed}.npz"), np.load(want / f"weights-seed{seed}.npz")
        for key in a.files:
            np.testing.assert_array_equal(a[key], b[key])


@pytest.mark.timeout(400)
def test_sigint_then_resume_equals_an_uninterrupted_run(tmp_path):
    whole, part = tmp_path / "whole", tmp_path / "part"
    assert _train(*ARGS, "--out", str(whole)).returncode == 0
    proc = subprocess.Popen([sys.executable, "-m", "lava_nrl.cli", "train", *ARGS, "--out", str(part),
                             "--checkpoint-every", "20"], stderr=subprocess.PIPE, text=True)
    checkpoint = part / "checkpoint.pkl"
    deadline = time.time() + 120
    while not checkpoint.exists() and time.time() < deadline:  # mid-way: after the first checkpoint
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "--resume" in stderr and "Traceback" not in stderr
    assert not (part / "summary.json").exists()
    resumed = _train("--resume", str(part), "--no-progress")
    assert resumed.returncode == 0, resumed.stderr
    _assert_same_results(part, whole)
    assert not checkpoint.exists()
    assert json.loads((part / "summary.json").read_text())["config"] == json.loads(
        (whole / "summary.json").read_text())["config"]


def _processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line contains ``text`` (Lava's workers are forks of the CLI)."""
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and text in (entry / "cmdline").read_bytes().decode(errors="replace"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.lava
@pytest.mark.timeout(400)
def test_lava_backend_sigint_then_resume_equals_the_engine(tmp_path):
    """--backend lava checkpoints after each seed: Ctrl-C during the second seed keeps the first, leaves
    no Lava worker behind, and --resume finishes with the uninterrupted (engine's) result."""
    args = ["--env", "CartPole-v1", "--rule", "nrl-b", "--precision", "fixed", "--lr", "0.05", "--episodes", "40",
            "--seeds", "42,101", "--hidden", "8", "--no-progress"]
    engine, part = tmp_path / "engine", tmp_path / "lava"
    assert _train(*args, "--out", str(engine)).returncode == 0
    proc = subprocess.Popen([sys.executable, "-m", "lava_nrl.cli", "train", *args, "--backend", "lava",
                             "--out", str(part)], stderr=subprocess.PIPE, text=True)
    checkpoint = part / "checkpoint.pkl"
    deadline = time.time() + 200
    while not checkpoint.exists() and time.time() < deadline:  # the first seed is done
        time.sleep(0.05)
    time.sleep(1.0)  # the second seed's graph is running
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "--resume" in stderr and "Traceback" not in stderr
    assert _processes_mentioning(str(part)) == []
    resumed = _train("--resume", str(part))
    assert resumed.returncode == 0, resumed.stderr
    _assert_same_results(part, engine)
    assert not checkpoint.exists()


def test_resume_without_a_checkpoint_is_a_clear_error(tmp_path):
    proc = _train("--resume", str(tmp_path), "--no-progress")
    assert proc.returncode == 2 and proc.stderr.strip() == f"error: --resume {tmp_path}: no checkpoint.pkl there"


TINY = dict(precision="fixed", lr=0.05, episodes=20, seeds=(42, 101), hidden=8)
TINY_ARGS = ["--precision", "fixed", "--lr", "0.05", "--seeds", "42,101", "--hidden", "8", "--no-progress"]


def _interrupted_run(folder: pathlib.Path) -> pathlib.Path:
    """A run of TINY stopped after its checkpoint at 10 episodes (both seeds still running); its folder."""
    from lava_nrl.engine import TrainConfig, train

    seen = []

    def stop_after_20(episodes: list, skipped: int) -> None:
        seen.extend(episodes)
        if len(seen) >= 20:
            raise KeyboardInterrupt

    folder.mkdir()
    with pytest.raises(KeyboardInterrupt):
        train(TrainConfig(**TINY), on_episodes=stop_after_20, checkpoint=folder / "checkpoint.pkl",
              checkpoint_every=10)
    return folder


def test_resume_refuses_options_that_conflict_with_the_checkpoint(tmp_path, capsys):
    from lava_nrl.cli import main

    part = _interrupted_run(tmp_path / "part")
    before = (part / "checkpoint.pkl").read_bytes()
    assert main(["train", "--resume", str(part), "--lr", "0.1", "--hidden", "8", "--seeds", "42,101",
                 "--backend", "lava", "--overwrite"]) == 2
    assert capsys.readouterr().err.strip() == (f"error: --resume {part}: --backend, --lr, --overwrite differ from the "
                                                "checkpointed run's options (only --episodes may grow the budget)")
    assert main(["train", "--resume", str(part), "--episodes", "10"]) == 2
    assert capsys.readouterr().err.strip() == ("error: --episodes 10 with --resume: below the run's 20; "
                                                "a budget can only grow")
    assert (part / "checkpoint.pkl").read_bytes() == before


def test_resume_with_more_episodes_equals_a_run_with_that_budget(tmp_path, capsys):
    from lava_nrl.cli import main

    part = _interrupted_run(tmp_path / "part")
    assert main(["train", *TINY_ARGS, "--episodes", "30", "--out", str(tmp_path / "whole")]) == 0
    # options equal to the checkpoint's are no conflict
    assert main(["train", "--resume", str(part), "--episodes", "30", "--hidden", "8", "--no-progress"]) == 0, \
        capsys.readouterr().err
    _assert_same_results(part, tmp_path / "whole")
    assert json.loads((part / "summary.json").read_text())["config"]["episodes"] == 30


def test_a_budget_cannot_grow_once_a_seed_has_ended_it(tmp_path):
    from lava_nrl.engine import TrainConfig, train
    from lava_nrl.engine.train import extend_budget, load_checkpoint
    from lava_nrl.errors import ConfigError

    checkpoint = tmp_path / "checkpoint.pkl"
    train(TrainConfig(**TINY), checkpoint=checkpoint, checkpoint_every=1)  # the last one: every seed done
    with pytest.raises(ConfigError, match="seed 42, 101 already ended its 20 episodes"):
        extend_budget(load_checkpoint(checkpoint), 30)


def _damaged(path: pathlib.Path, how: str) -> None:
    """Turn the checkpoint at ``path`` into one of the kinds lava-nrl must refuse."""
    import pickle

    import lava_nrl

    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "corrupted":
        path.write_bytes(data[:40] + bytes(200) + data[240:])
    elif how == "unversioned":  # the format before checkpoints recorded their version
        path.write_bytes(pickle.dumps(pickle.loads(data)["run"]))
    else:
        saved = pickle.loads(data)
        saved["lava_nrl_version"] = "0.0.1"
        path.write_bytes(pickle.dumps(saved))
    assert lava_nrl.__version__ != "0.0.1"


@pytest.mark.parametrize("how,cause", [
    ("truncated", "truncated, corrupted or from another lava-nrl, cannot be continued"),
    ("corrupted", "truncated, corrupted or from another lava-nrl, cannot be continued"),
    ("unversioned", "written by a lava-nrl from before checkpoints recorded their version"),
    ("other version", "written by lava-nrl 0.0.1, this is "),
])
def test_a_damaged_or_foreign_checkpoint_is_one_clear_line(tmp_path, capsys, how, cause):
    from lava_nrl.cli import main

    part = _interrupted_run(tmp_path / "part")
    _damaged(part / "checkpoint.pkl", how)
    assert main(["train", "--resume", str(part)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {part / 'checkpoint.pkl'}: ") and cause in lines[0], lines


def test_a_checkpoint_that_cannot_be_written_does_not_end_the_run(tmp_path, monkeypatch):
    """A full disk at a periodic checkpoint: a one-line warning, training goes on, and the result is the
    uninterrupted run's; at Ctrl-C: a one-line error that says what the checkpoint holds."""
    import errno
    import warnings

    from lava_nrl.engine import TrainConfig, train
    from lava_nrl.errors import OutputError

    train_module = importlib.import_module("lava_nrl.engine.train")  # the module (the package exports the function)

    def full_disk(run, path):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(train_module, "save_checkpoint", full_disk)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = train(TrainConfig(**TINY), checkpoint=tmp_path / "checkpoint.pkl", checkpoint_every=5)
    assert result.returns == train(TrainConfig(**TINY)).returns
    assert caught and "could not write the checkpoint" in str(caught[0].message)
    assert "No space left on device" in str(caught[0].message)

    monkeypatch.setattr(train_module, "_interrupts_between_steps", _interrupted_at_once)
    with pytest.raises(OutputError, match="interrupted, and the checkpoint could not be written"):
        train(TrainConfig(**TINY), checkpoint=tmp_path / "checkpoint.pkl", checkpoint_every=5)


@contextlib.contextmanager
def _interrupted_at_once():
    yield lambda: True
