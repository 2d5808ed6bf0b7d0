# SPDX-License-Identifier: BSD-3-Clause
"""Every EnvBatch backend keeps one contract: inactive environments do not step, and a batch
continues from its state (or from a pickle of itself) exactly as it would have gone on."""

import pickle
import subprocess
import sys

import numpy as np
import pytest

from env_bridge.batch import AcrobotBatch, CartPoleBatch, GymBatch, ReachingBatch, make_batch, make_env

pytestmark = pytest.mark.timeout(120)

BACKENDS = {
    "CartPole-v1": CartPoleBatch,
    "Acrobot-v1": AcrobotBatch,
    "env_bridge/Reaching1D-v0": ReachingBatch,
    "MountainCar-v0": GymBatch,
}


def actions_for(batch, steps, seed=0):
    return np.random.default_rng(seed).integers(0, batch.n_actions, size=(steps, batch.num_envs))


@pytest.mark.parametrize("env", BACKENDS)
def test_make_batch_picks_the_backend(env):
    assert type(make_batch(env, [1, 2])) is BACKENDS[env]


@pytest.mark.parametrize("env", BACKENDS)
def test_an_inactive_environment_does_not_step(env):
    """Environment 1 sits out 400 steps (long enough to cross episode ends elsewhere) and then goes on
    exactly as an environment that never paused: it equals a batch of its seed alone."""
    seeds = [3, 5]
    batch, alone = make_batch(env, seeds), make_batch(env, [5])
    batch.reset()
    alone.reset()
    paused = np.array([True, False])
    for a in actions_for(batch, 400):
        obs, reward, terminated, truncated = batch.step(a, paused)
        assert not obs[1].any() and reward[1] == 0 and not terminated[1] and not truncated[1]
    for a in actions_for(batch, 700, seed=1):
        obs, reward, terminated, truncated = batch.step(a)
        expected = alone.step(a[1:])
        np.testing.assert_array_equal(obs[1], expected[0][0])
        assert (reward[1], terminated[1], truncated[1]) == (expected[1][0], expected[2][0], expected[3][0])


@pytest.mark.parametrize("env", BACKENDS)
def test_a_pickled_batch_goes_on_as_the_original(env):
    batch = make_batch(env, [3, 5, 8])
    batch.reset()
    for a in actions_for(batch, 250):
        batch.step(a)
    copy = pickle.loads(pickle.dumps(batch))
    assert type(copy) is type(batch)
    for a in actions_for(batch, 600, seed=2):
        for got, expected in zip(copy.step(a), batch.step(a)):
            np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("env", ["CartPole-v1", "Acrobot-v1", "env_bridge/Reaching1D-v0"])
def test_a_compiled_backend_pickles_its_state_not_environment_objects(env):
    batch = make_batch(env, [3])
    batch.reset()
    payload = pickle.dumps(batch)
    assert b"gymnasium.envs" not in payload and b"reaching1d" not in payload


def test_out_of_range_actions_are_refused_where_active():
    batch = make_batch("CartPole-v1", [3, 5])
    batch.reset()
    batch.step(np.array([1, 7]), np.array([True, False]))  # the inactive one's action is never used
    with pytest.raises(Exception, match=r"CartPole actions must be integers in \[0, 2\)"):
        batch.step(np.array([1, 7]))


@pytest.mark.parametrize("env, seeds, steps, ends", [
    ("CartPole-v1", [3, 5, 8], 600, 10), ("Acrobot-v1", [3, 5, 8, 13], 3000, 10),
    ("env_bridge/Reaching1D-v0", [3, 5, 8], 700, 5), ("MountainCar-v0", [3, 5], 300, 1)])
def test_a_batch_equals_separate_gymnasium_envs(env, seeds, steps, ends):
    """Environment i of a batch ≡ ``gymnasium.make(env)`` reset with seed i, then reset at each episode
    end, bit for bit, over more than ``ends`` episode ends (resets from each one's own generator)."""
    batch = make_batch(env, seeds)
    assert type(batch) is BACKENDS[env]
    envs = [make_env(env) for _ in seeds]
    np.testing.assert_array_equal(batch.reset(), [e.reset(seed=s)[0] for e, s in zip(envs, seeds)])
    ended = 0
    for a in actions_for(batch, steps):
        obs, reward, terminated, truncated = batch.step(a)
        for i, single in enumerate(envs):
            o, r, te, tr, _ = single.step(int(a[i]))
            if te or tr:
                o, _ = single.reset()
                ended += 1
            assert (r, te, tr) == (reward[i], terminated[i], truncated[i])
            np.testing.assert_array_equal(obs[i], o)
    assert ended > ends


@pytest.mark.parametrize("module, function", [("env_bridge.envs.reaching1d", "_observe"),
                                              ("env_bridge.envs.cartpole", "cartpole_step"),
                                              ("env_bridge.envs.acrobot", "acrobot_step")])
def test_compiled_environments_cache_with_the_kernels_whatever_is_imported_first(module, function):
    """Imported first in a fresh process, an environment's compiled function still caches in the
    kernels' folder, never in the source tree."""
    code = (f"import {module} as m; from lava_nrl.numerics import _kernel_cache_dir; "
            f"print(m.{function}._cache._cache_path.startswith(_kernel_cache_dir() + '/'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=100, check=True)
    assert out.stdout.strip() == "True"


def test_fractional_actions_are_refused():
    batch = make_batch("Acrobot-v1", [3])
    batch.reset()
    with pytest.raises(Exception, match=r"Acrobot actions must be integers in \[0, 3\)"):
        batch.step(np.array([1.5]))
    batch.step(np.array([2.0]))  # a whole float is an action
