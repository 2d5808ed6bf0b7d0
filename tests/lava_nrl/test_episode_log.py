# SPDX-License-Identifier: BSD-3-Clause
"""returns.csv is a live log: rows are on disk as soon as their episodes end, and a resumed run
starts from what its checkpoint holds."""

import csv

import pytest

from lava_nrl.runs import Episode, EpisodeLog, episodes_of


def rows(path):
    return list(csv.DictReader(open(path)))


def test_rows_are_on_disk_as_episodes_end(tmp_path):
    with EpisodeLog(tmp_path) as log:
        log(episodes_of(42, [10.0, 12.0], [10, 12]))
        assert [r["env_steps"] for r in rows(tmp_path / "returns.csv")] == ["10", "22"]  # before close
        log([Episode(7, 0, 1, -3.5, 40, 40)])
        assert rows(tmp_path / "returns.csv")[-1] == {"seed": "7", "env": "0", "episode": "1", "return": "-3.5",
                                                    "length": "40", "env_steps": "40"}


def test_a_resumed_log_starts_from_the_checkpoints_episodes(tmp_path):
    with EpisodeLog(tmp_path) as log:
        log(episodes_of(42, [1.0, 2.0, 3.0], [1, 2, 3]))  # the third ended after the last checkpoint
    with EpisodeLog(tmp_path, episodes_of(42, [1.0, 2.0], [1, 2])) as log:
        log(episodes_of(42, [5.0], [5], first=3, steps_before=3))
    assert [(r["episode"], r["return"], r["env_steps"]) for r in rows(tmp_path / "returns.csv")] == [
        ("1", "1.0", "1"), ("2", "2.0", "3"), ("3", "5.0", "8")]


def scalars(folder, tag):
    """(step, value) of ``tag`` in the TFRecord event files of ``folder`` (tensorboardX's protobufs)."""
    import struct

    from tensorboardX.proto.event_pb2 import Event

    found = []
    for path in sorted(folder.iterdir()):
        data = path.read_bytes()
        while data:
            (n,) = struct.unpack("<Q", data[:8])
            event = Event.FromString(data[12 : 12 + n])  # length, its crc, the record, its crc
            data = data[16 + n :]
            found += [(event.step, v.simple_value) for v in event.summary.value if v.tag == tag]
    return found


def test_tensorboard_scalars_when_tensorboardx_is_installed(tmp_path):
    pytest.importorskip("tensorboardX")
    with EpisodeLog(tmp_path) as log:
        log(episodes_of(42, [10.0, 12.0], [10, 12]))
    assert scalars(tmp_path / "tensorboard", "return/seed42") == [(1, 10.0), (2, 12.0)]
    assert scalars(tmp_path / "tensorboard", "length/seed42") == [(1, 10.0), (2, 12.0)]
