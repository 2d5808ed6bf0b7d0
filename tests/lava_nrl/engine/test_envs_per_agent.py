# SPDX-License-Identifier: BSD-3-Clause
"""K environments per agent (TrainConfig.envs): one set of weights, K copies, one budget."""

import numpy as np
import pytest

from env_bridge.episodes import AgentEpisodes
from lava_nrl.engine import TrainConfig, train, train_cohort
from lava_nrl.engine.train import extend_budget, load_checkpoint, save_checkpoint, start_run
from lava_nrl.errors import ConfigError
from lava_nrl.kernels.agent import act, init_agents, learn
from lava_nrl.engine.train import agent_spec


def test_the_budget_is_started_once_and_every_started_episode_ends():
    book = AgentEpisodes(copies=3, budget=5)
    assert book.playing.tolist() == [True, True, True] and book.started == 3
    book.end(1, 10.0, 10, 30)
    book.end(0, 12.0, 12, 36)  # the fifth episode starts: the whole budget is started
    assert book.playing.tolist() == [True, True, True] and book.started == 5
    book.end(2, 15.0, 15, 45)  # no episode left to start: environment 2 stops
    assert book.playing.tolist() == [True, True, False]
    book.end(0, 4.0, 4, 47)
    book.end(1, 9.0, 9, 50)
    assert book.done and book.returns == [10.0, 12.0, 15.0, 4.0, 9.0] and book.envs == [1, 0, 2, 0, 1]
    assert AgentEpisodes(copies=4, budget=2).playing.tolist() == [True, True, False, False]


def test_the_threshold_stops_every_environment_at_once_and_later_ends_at_that_step_still_count():
    book = AgentEpisodes(copies=2, budget=1_000, hold=2, threshold=5.0)
    for n in range(100):
        book.end(n % 2, 5.0, 5, 5 * (n + 1))
    assert book.held == 1 and not book.done
    book.end(1, 5.0, 5, 505)
    assert book.done and book.stopped and book.skipped == 1_000 - 101
    book.end(0, 0.0, 5, 510)  # ended at the same step: recorded, and the agent stays stopped
    assert book.done and len(book.returns) == 102


def test_one_copy_is_the_agent_without_copies():
    base = dict(rule="nrl-fast", precision="fixed", episodes=6, seeds=(42, 101), hidden=16)
    one, default = train(TrainConfig(envs=1, **base)), train(TrainConfig(**base))
    assert one.returns == default.returns and one.episode_envs == [[0] * 6, [0] * 6]
    for a, b in zip(one.weights[1], default.weights[1]):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("precision", ["float", "fixed"])
def test_copies_share_the_weights_and_apply_their_events_in_copy_order(precision):
    """The engine's step for K copies equals the kernels' act on all copies, then each copy's reward
    event applied alone, one after the other, to the shared weights."""
    config = TrainConfig(rule="nrl-b", precision=precision, lr=0.05, hidden=8, seeds=(3,), envs=3)
    spec = agent_spec(config, 4, 2)
    shared, rows = init_agents(spec, [3], 3), np.random.default_rng(0).normal(size=(3, 4))
    baseline = spec.arith.encode_reward(np.array([10.0, 10.0, 50.0]))  # R̄ of each copy
    shared.baseline[:], shared.has_baseline[:] = baseline, True
    act(spec, shared, spec.arith.encode(rows))
    reward = spec.arith.encode_reward(np.array([20.0, 0.0, 35.0]))
    before = [w.copy() for w in shared.weights]
    learn(spec, shared, reward, np.array([True, False, True]), np.array([True, False, True]))
    one_by_one = [w.copy() for w in before]
    state = init_agents(spec, [3], 3)
    state.baseline[:], state.has_baseline[:] = baseline, True
    act(spec, state, spec.arith.encode(rows))
    for w, b in zip(state.weights, before):
        np.testing.assert_array_equal(w, b)
    for copy in (0, 2):
        event = np.arange(3) == copy
        learn(spec, state, np.where(event, reward, 0), event, event)
    for w, w_shared, w0 in zip(state.weights, shared.weights, one_by_one):
        np.testing.assert_array_equal(w, w_shared)
        assert not np.array_equal(w, w0)
    assert shared.updates.tolist() == [2] and len(shared.step) == 3 and len(shared.noise_key) == 3
    assert len(set(shared.noise_key.tolist())) == 3  # each copy its own noise stream


def test_the_budget_counts_every_environment_and_env_steps_every_step():
    result = train(TrainConfig(rule="nrl-fast", precision="fixed", episodes=25, seeds=(42, 7), hidden=16, envs=4))
    for returns, lengths, envs, steps in zip(result.returns, result.lengths, result.episode_envs,
                                             result.episode_env_steps):
        assert len(returns) == 25 and set(envs) == {0, 1, 2, 3}
        assert steps == sorted(steps) and steps[-1] == sum(lengths)
    np.testing.assert_array_equal(result.env_steps, [sum(lengths) for lengths in result.lengths])


def test_a_cohort_of_different_k_computes_what_each_computes_alone():
    configs = [TrainConfig(rule="nrl-fast", precision="fixed", episodes=12, seeds=(42, 101), hidden=16, envs=3),
               TrainConfig(rule="nrl-b", lr=0.05, episodes=9, seeds=(5,), hidden=8, envs=1),
               TrainConfig(rule="nrl", lr=0.05, episodes=10, seeds=(6,), hidden=8, envs=5)]
    for config, together in zip(configs, train_cohort(configs)):
        alone = train(config)
        assert together.returns == alone.returns and together.episode_envs == alone.episode_envs
        np.testing.assert_array_equal(together.env_steps, alone.env_steps)
        for w_cohort, w_alone in zip(together.weights, alone.weights):
            for a, b in zip(w_cohort, w_alone):
                np.testing.assert_array_equal(a, b)


def test_a_checkpoint_continues_bit_for_bit_and_a_budget_grows_only_while_every_copy_plays(tmp_path):
    config = TrainConfig(rule="nrl-fast", precision="fixed", episodes=20, seeds=(42,), hidden=16, envs=4)
    whole = train(config)
    run = start_run(config)
    ended = []
    try:
        train(run, on_episodes=lambda episodes, skipped: ended.extend(episodes) or (
            len(ended) >= 9 and (_ for _ in ()).throw(KeyboardInterrupt)))
    except KeyboardInterrupt:
        pass
    save_checkpoint(run, tmp_path / "c.pkl")
    continued = train(load_checkpoint(tmp_path / "c.pkl"))
    assert continued.returns == whole.returns and continued.episode_env_steps == whole.episode_env_steps
    for a, b in zip(continued.weights[0], whole.weights[0]):
        np.testing.assert_array_equal(a, b)
    assert extend_budget(load_checkpoint(tmp_path / "c.pkl"), 30).configs[0].num_episodes == 30
    finished = start_run(config)
    train(finished)
    with pytest.raises(ConfigError, match="seed 42 already ended its 20 episodes"):
        extend_budget(finished, 30)
