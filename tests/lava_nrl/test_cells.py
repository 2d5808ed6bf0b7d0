# SPDX-License-Identifier: BSD-3-Clause
"""Units of work (lava_nrl.cells): the grain chosen for the number of workers, and a cell split by
seed whose finished seeds wait for the others across an interruption."""

import dataclasses

import pytest

from lava_nrl import cells as cells_module
from lava_nrl.cells import Cell, plan, run_cells
from lava_nrl.engine import TrainConfig, train
from lava_nrl.reproduce import LONGEST_FIRST, cells


def test_auto_takes_the_coarsest_grain_with_a_unit_per_worker():
    every = sorted(cells(quick=True), key=lambda c: LONGEST_FIRST.index(c.cohort))
    assert [u.name for u in plan(every, "auto", 5)] == list(LONGEST_FIRST)  # cohorts, the longest first
    n = len(every)  # cells, two seeds each in the smoke run
    assert len(plan(every, "auto", 6)) == n and plan(every, "auto", 6)[0].name == "Reaching1D-v0-nrl-float"
    assert len(plan(every, "auto", n)) == n
    seeds = plan(every, "auto", n + 1)
    assert len(seeds) == 2 * n and seeds[0].name == "Reaching1D-v0-nrl-float-seed42"
    assert seeds[0].configs == (dataclasses.replace(every[0].config, seeds=(42,)),)
    assert seeds[0].cells == (every[0],) and seeds[0].episodes == every[0].config.num_episodes
    assert len(plan(every, "cohort", 500)) == 5 and len(plan(every, "seed", 1)) == 2 * n


@pytest.mark.timeout(120)
def test_finished_seeds_wait_in_parts_across_an_interruption(tmp_path, monkeypatch):
    config = TrainConfig(episodes=10, seeds=(1, 2), hidden=8)
    cell = Cell("tiny", "test", config, "CartPole")
    trained = []
    real = cells_module.train_unit

    def second_seed_interrupted(configs, *args):
        trained.append(configs[0].seeds)
        if configs[0].seeds == (2,) and len(trained) == 2:
            raise KeyboardInterrupt
        return real(configs, *args)

    monkeypatch.setattr(cells_module, "train_unit", second_seed_interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_cells(tmp_path, [cell], grain="seed")
    assert [p.name for p in (tmp_path / "cohorts").iterdir()] == ["tiny-seed1.part"]
    assert not (tmp_path / "cells" / "tiny").exists()
    run_cells(tmp_path, [cell], grain="seed")
    assert trained == [(1,), (2,), (2,)]  # seed 1 was not trained again
    assert not list((tmp_path / "cohorts").iterdir())
    train_dir = tmp_path / "train"
    from lava_nrl.runs import write_results

    write_results(train(config), train_dir, plot=False)
    for name in ("returns.csv", "weights-seed1.npz", "weights-seed2.npz"):
        assert (tmp_path / "cells" / "tiny" / name).read_bytes() == (train_dir / name).read_bytes()
