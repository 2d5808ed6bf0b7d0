# SPDX-License-Identifier: BSD-3-Clause
"""``--out``: never over another run unless asked, one run at a time, and checked before training."""

import contextlib
import errno
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

from lava_nrl.cli import main
from lava_nrl.runs import writing_into

TINY = ["--episodes", "3", "--hidden", "8", "--no-progress"]


def _train(capsys, *args) -> tuple[int, str]:
    """``lava-nrl train …`` in this process: its exit status and what it printed on stderr."""
    status = main(["train", *TINY, *args])
    return status, capsys.readouterr().err


def _one_error_line(stderr: str, cause: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and cause in lines[0], stderr


def test_out_holding_another_run_is_refused_and_overwrite_replaces_it(tmp_path, capsys):
    out = tmp_path / "run"
    assert _train(capsys, "--seeds", "42,101", "--out", str(out))[0] == 0
    before = (out / "returns.csv").read_bytes()
    status, err = _train(capsys, "--seeds", "42", "--out", str(out))
    assert status == 2
    _one_error_line(err, f"--out {out}: holds another run")
    assert (out / "returns.csv").read_bytes() == before  # untouched
    status, err = _train(capsys, "--seeds", "42", "--out", str(out), "--overwrite")
    assert status == 0, err
    assert not (out / "weights-seed101.npz").exists()  # no stale weights beside the new summary
    assert set(json.loads((out / "summary.json").read_text())["seeds"]) == {"42"}


def test_out_with_an_interrupted_checkpoint_is_refused_and_kept(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "checkpoint.pkl").write_bytes(b"an interrupted run")
    status, err = _train(capsys, "--seeds", "42", "--out", str(out))
    assert status == 2
    _one_error_line(err, f"or continue it with --resume {out}")
    assert (out / "checkpoint.pkl").read_bytes() == b"an interrupted run"


def test_a_second_run_into_a_folder_being_written_is_refused(tmp_path, capsys):
    out = tmp_path / "run"
    with writing_into(out):  # the first run, still writing
        status, err = _train(capsys, "--seeds", "42", "--out", str(out))
    assert status == 2
    _one_error_line(err, f"--out {out}: another lava-nrl run is writing there")
    assert list(out.iterdir()) == []
    assert _train(capsys, "--seeds", "42", "--out", str(out))[0] == 0  # released when the first one ends


@pytest.mark.parametrize("command", [["train", *TINY, "--seeds", "42"], ["reproduce", "--quick"]])
def test_out_at_a_file_is_one_clear_line(tmp_path, capsys, command):
    path = tmp_path / "notes.txt"
    path.write_text("mine")
    assert main([*command, "--out", str(path)]) == 2
    _one_error_line(capsys.readouterr().err, f"--out {path}: is a file, not a folder")
    assert path.read_text() == "mine"


@contextlib.contextmanager
def _tmpfs(path: pathlib.Path, options: str):
    """A tmpfs mounted at ``path`` with ``options`` (root only), always unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (chmod does not stop root from writing)")
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True,
                             text=True, timeout=30)
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True, timeout=30)


def _fill(folder: pathlib.Path) -> None:
    """Write into ``folder`` until its file system is full."""
    with open(folder / "filler", "wb", buffering=0) as f:
        with pytest.raises(OSError) as full:
            while True:
                f.write(b"\0" * 4096)
    assert full.value.errno == errno.ENOSPC


def test_read_only_out_is_refused_before_training(tmp_path, capsys):
    with _tmpfs(tmp_path / "ro", "ro,size=1m") as mount:
        status, err = _train(capsys, "--seeds", "42", "--out", str(mount))
        assert status == 2
        _one_error_line(err, f"--out {mount}: cannot write there (Read-only file system)")


def test_full_out_is_refused_before_training(tmp_path, capsys):
    with _tmpfs(tmp_path / "full", "size=64k") as mount:
        _fill(mount)
        status, err = _train(capsys, "--seeds", "42", "--out", str(mount))
        assert status == 2
        _one_error_line(err, f"--out {mount}: cannot write there (No space left on device)")
        assert [p.name for p in mount.iterdir()] == ["filler"]  # the probe is gone


def _assert_saved_elsewhere(err: str, out: pathlib.Path, want: pathlib.Path) -> None:
    """``err`` says that writing into ``out`` failed and names a folder holding ``want``'s results."""
    _one_error_line(err, f"writing the results into {out}/ failed (No space left on device); the results are in ")
    fallback = pathlib.Path(err.strip().split("the results are in ")[1].removesuffix("/ instead"))
    assert (fallback / "returns.csv").read_bytes() == (want / "returns.csv").read_bytes()
    for seed in (42, 101):
        a, b = np.load(fallback / f"weights-seed{seed}.npz"), np.load(want / f"weights-seed{seed}.npz")
        for key in a.files:
            np.testing.assert_array_equal(a[key], b[key])
    assert not list(out.rglob("*.tmp"))


def test_out_filling_up_at_the_end_saves_the_results_elsewhere(tmp_path, capsys, monkeypatch):
    """The probe fits; the weights (330 kB a seed) do not: the results go to a temporary folder."""
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    big = ["--seeds", "42,101", "--hidden", "200", "--layers", "2"]
    assert _train(capsys, *big, "--out", str(tmp_path / "want"))[0] == 0
    with _tmpfs(tmp_path / "small", "size=256k") as mount:
        status, err = _train(capsys, *big, "--out", str(mount / "run"))
        assert status == 2
        _assert_saved_elsewhere(err, mount / "run", tmp_path / "want")


def test_a_write_error_at_the_end_saves_the_results_elsewhere(tmp_path, capsys, monkeypatch):
    """The same without a mount: the last rename into --out fails as a full disk does."""
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    assert _train(capsys, "--seeds", "42,101", "--out", str(tmp_path / "want"))[0] == 0
    out, replace = tmp_path / "run", os.replace

    def full_disk(src, dst):
        if pathlib.Path(dst).parent == out and pathlib.Path(dst).name != ".lava-nrl-write-probe":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))
        replace(src, dst)

    monkeypatch.setattr("lava_nrl.runs.os.replace", full_disk)
    status, err = _train(capsys, "--seeds", "42,101", "--out", str(out))
    assert status == 2
    _assert_saved_elsewhere(err, out, tmp_path / "want")
