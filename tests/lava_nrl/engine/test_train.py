# SPDX-License-Identifier: BSD-3-Clause
"""Layer 4: the engine — determinism, batch invariance, schedules, rules, a short learning check."""

import dataclasses

import numpy as np
import pytest

from lava_nrl.engine import TrainConfig, TrainResult, train, train_cohort
from lava_nrl.errors import ConfigError, NonFiniteError
from tests.helpers.checks import assert_same_result


def _weights(result, agent):
    return result.weights[agent]


@pytest.mark.parametrize("precision", ["float", "fixed"])
def test_same_seed_same_weights_and_batch_invariance(precision):
    cfg = dict(rule="nrl-b", precision=precision, lr=0.01, episodes=5, hidden=16)
    batch = train(TrainConfig(seeds=(42, 101, 300), **cfg))
    again = train(TrainConfig(seeds=(42, 101, 300), **cfg))
    alone = train(TrainConfig(seeds=(101,), **cfg))
    for w1, w2 in zip(_weights(batch, 1), _weights(again, 1)):
        np.testing.assert_array_equal(w1, w2)
    for w1, w2 in zip(_weights(batch, 1), _weights(alone, 0)):
        np.testing.assert_array_equal(w1, w2)  # agent 101 of a batch ≡ agent 101 alone
    assert batch.returns[1] == alone.returns[0]
    assert not np.array_equal(_weights(batch, 0)[0], _weights(batch, 1)[0])


@pytest.mark.parametrize("env,budgets", [("CartPole-v1", (6, 4, 5)), ("env_bridge/Reaching1D-v0", (2, 1, 2))])
def test_a_cohort_computes_what_each_config_computes_alone(env, budgets):
    """Groups of different rules, precisions, depths and budgets in one loop; agents that finished
    early stop stepping their environments (Reaching) without changing the others. The float groups
    of one hidden layer (rmhl, nrl-fast with two environments per agent) share one compiled call,
    though their rows are not next to each other; saturation counts are each group's own."""
    configs = [TrainConfig(env=env, rule="rmhl", lr=0.05, episodes=budgets[2], seeds=(7,), hidden=16),
               TrainConfig(env=env, rule="nrl-b", precision="fixed", lr=0.01, episodes=budgets[0], seeds=(42, 101),
                           hidden=16),
               TrainConfig(env=env, rule="bp", lr=0.02, episodes=budgets[1], seeds=(42,), hidden=8, layers=2),
               TrainConfig(env=env, rule="nrl-fast", episodes=budgets[0], seeds=(5,), hidden=16, envs=2)]
    together = train_cohort(configs)
    for config, result in zip(configs, together):
        alone = train(config)
        assert_same_result(result, alone)
        assert result.saturations == alone.saturations


@pytest.mark.timeout(120)
def test_seeds_split_over_processes_give_the_same_result():
    config = TrainConfig(rule="nrl-b", precision="fixed", lr=0.05, episodes=6, seeds=(42, 101, 300), hidden=16)
    alone, reported, live = train(config), [], []
    train(config, on_episodes=lambda episodes, skipped: live.extend(episodes))
    split = train(config, jobs=2, on_episodes=lambda episodes, skipped: reported.extend(episodes))
    assert split.returns == alone.returns and len(reported) == 18
    assert sorted(reported) == sorted(live)  # the same rows, whichever process ran them
    for w_split, w_alone in zip(split.weights, alone.weights):
        for a, b in zip(w_split, w_alone):
            np.testing.assert_array_equal(a, b)
    with pytest.raises(ConfigError, match="checkpoints need jobs=1"):
        train(config, jobs=2, checkpoint="unused.pkl")


def test_a_cohort_shares_one_environment():
    with pytest.raises(ConfigError, match="one environment"):
        train_cohort([TrainConfig(env="CartPole-v1", episodes=1), TrainConfig(env="Acrobot-v1", episodes=1)])


def test_rules_differ_where_they_should():
    cfg = dict(precision="float", episodes=3, seeds=(7,), hidden=8, lr=0.05)
    runs = {rule: train(TrainConfig(rule=rule, **cfg)) for rule in ("nrl", "nrl-b", "rmhl", "bp")}
    init = train(TrainConfig(rule="nrl", **{**cfg, "lr": 1e-300})).weights[0]
    for rule, result in runs.items():
        assert not np.allclose(result.weights[0][0], init[0]), rule  # every rule learns
    # nrl and nrl-b act identically in the first episode (same clean policy, same draws) …
    assert runs["nrl"].returns[0][0] == runs["nrl-b"].returns[0][0]
    # … and variant B's first update is N_l times variant A's, layer by layer.
    first = dict(episodes=1)
    a = train(TrainConfig(rule="nrl", **{**cfg, **first})).weights[0]
    b = train(TrainConfig(rule="nrl-b", **{**cfg, **first})).weights[0]
    for l, n_post in enumerate((8, 2)):
        np.testing.assert_allclose(b[l] - init[l], n_post * (a[l] - init[l]), rtol=1e-9, atol=1e-15)


def test_immediate_reward_updates_every_step_on_reaching():
    cfg = TrainConfig(env="env_bridge/Reaching1D-v0", rule="nrl", episodes=1, seeds=(1,), hidden=8, lr=0.05)
    assert cfg.reward_schedule == "immediate" and cfg.modulation.xi_norm == "layer"
    result = train(cfg)
    assert result.lengths == [[300]]
    assert len(result.returns[0]) == 1


def test_xi_norm_defaults_to_the_reward_paths_and_can_be_overridden():
    reaching = dict(env="env_bridge/Reaching1D-v0", rule="nrl", episodes=1, seeds=(1,), hidden=8, lr=0.05)
    assert TrainConfig(**reaching).to_dict()["xi_norm"] == "layer"
    assert TrainConfig(rule="nrl").modulation.xi_norm == "network"
    default = train(TrainConfig(**reaching))
    same = train(TrainConfig(**reaching, xi_norm="layer"))
    other = train(TrainConfig(**reaching, xi_norm="network"))
    for l in range(2):
        np.testing.assert_array_equal(same.weights[0][l], default.weights[0][l])
        assert not np.array_equal(other.weights[0][l], default.weights[0][l])
    with pytest.raises(ConfigError, match="xi_norm must be 'network' or 'layer'"):
        TrainConfig(xi_norm="all")


def test_nan_observation_is_a_clear_error():
    with pytest.raises(NonFiniteError, match="observation of the agent with seed 3 is not finite"):
        train(TrainConfig(env="tests.helpers.envs:NaNCartPole-v0", seeds=(3,), episodes=2, hidden=4))


@pytest.mark.parametrize("precision,seed", [("float", 42), ("fixed", 101)])
def test_nrl_b_improves_cartpole_within_300_episodes(precision, seed):
    """Can fail: a broken rule stays near the random policy's ≈22 steps."""
    result = train(TrainConfig(rule="nrl-b", precision=precision, lr=0.01, episodes=300, seeds=(seed,)))
    returns = np.array(result.returns[0])
    assert returns[-50:].mean() > returns[:50].mean() + 15, (returns[:50].mean(), returns[-50:].mean())


def test_stop_after_threshold_ends_a_seed_that_holds_the_threshold():
    """EasyCartPole's threshold (15) is below a random policy's mean (≈ 22): held from episode 100 on."""
    cfg = dict(env="tests.helpers.envs:EasyCartPole-v0", rule="nrl-b", episodes=150, seeds=(42, 7), hidden=8)
    stopped = train(TrainConfig(**cfg, stop_after_threshold=5))
    assert [len(r) for r in stopped.returns] == [104, 104]
    full = train(TrainConfig(**cfg))
    assert [len(r) for r in full.returns] == [150, 150]
    assert full.returns[0][:104] == stopped.returns[0]


def test_saturation_is_counted_and_reported_not_silent():
    from lava_nrl.numerics import FixedFormat

    narrow = FixedFormat(weight_bits=6, weight_frac_bits=4)  # weights span ±2
    result = train(TrainConfig(rule="nrl-b", precision="fixed", lr=50.0, episodes=20, seeds=(1,), hidden=8,
                               fixed_format=narrow))
    assert result.saturations["weight"] > 0  # η = 50 drives weights past ±2
    wide = train(TrainConfig(rule="nrl-b", precision="fixed", lr=0.5, episodes=20, seeds=(1,), hidden=8,
                             fixed_format=FixedFormat.paper()))  # ±8 weights, 32-bit traces: nothing clips
    assert sum(wide.saturations.values()) == 0


def test_train_returns_one_result_and_train_cohort_a_list():
    one = TrainConfig(env="CartPole-v1", episodes=2, seeds=(4,), hidden=4)
    assert isinstance(train(one), TrainResult)
    results = train_cohort([one, dataclasses.replace(one, rule="nrl")])
    assert [type(r) for r in results] == [TrainResult, TrainResult]
    assert results[0].returns == train(one).returns  # a group computes what it computes alone
    with pytest.raises(ConfigError, match="use train_cohort"):
        train([one, one])
