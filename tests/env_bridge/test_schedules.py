# SPDX-License-Identifier: BSD-3-Clause
"""Tests of env_bridge.schedules: parsing, golden traces, and properties against a per-env oracle."""

import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from env_bridge import schedules
from env_bridge.schedules import RewardSchedule, ScheduleState, initial_state, schedule_step
from lava_nrl.errors import ConfigError, ShapeError

VALID_SPECS = ["immediate", "episodic", "delay:1", "delay:3", "every:1", "every:12"]


@pytest.mark.parametrize("spec", VALID_SPECS)
def test_parse_and_str_round_trip(spec):
    schedule = RewardSchedule.parse(spec)
    assert str(schedule) == spec
    assert RewardSchedule.parse(str(schedule)) == schedule


def test_parse_reads_kind_and_k():
    assert RewardSchedule.parse("delay:3") == RewardSchedule("delay", 3)
    assert RewardSchedule.parse("episodic") == RewardSchedule("episodic", 0)


@pytest.mark.parametrize(
    "spec",
    ["", "delay", "delay:", "delay:0", "every:-1", "every:x", "delay:1.5", "Immediate", " episodic",
     "every:3:4", "immediate:2", "weekly", "delay:03"],
)  # fmt: skip
def test_bad_spec_raises_config_error_naming_spec_and_forms(spec):
    with pytest.raises(ConfigError) as error:
        RewardSchedule.parse(spec)
    message = str(error.value)
    assert repr(spec) in message
    for form in ("immediate", "episodic", "delay:K", "every:K"):
        assert form in message


@pytest.mark.parametrize(
    ("kind", "k"), [("weekly", 0), ("delay", 0), ("every", -2), ("immediate", 1), ("episodic", 3), ("delay", 1.5)]
)
def test_bad_direct_construction_raises_config_error(kind, k):
    with pytest.raises(ConfigError):
        RewardSchedule(kind, k)


def test_initial_state_shapes_and_dtypes():
    state = initial_state(RewardSchedule("delay", 4), 3)
    assert state.episode_step.shape == (3,) and state.episode_step.dtype == np.int64
    assert state.pending.shape == (3,) and state.pending.dtype == np.float64
    assert state.delay_line.shape == (3, 4) and state.delay_line.dtype == np.float64
    assert initial_state(RewardSchedule("every", 4), 2).delay_line.shape == (2, 0)
    with pytest.raises(ConfigError, match="`num_envs`"):
        initial_state(RewardSchedule("immediate"), 0)


# One episode of 5 steps, rewards 1..5, derived by hand from the table in the module docstring.
GOLDEN = {
    "immediate": ([1, 2, 3, 4, 5], [True] * 5),
    "episodic": ([0, 0, 0, 0, 15], [False, False, False, False, True]),
    "delay:2": ([0, 0, 1, 2, 3 + 4 + 5], [False, False, True, True, True]),
    "delay:7": ([0, 0, 0, 0, 15], [False, False, False, False, True]),
    "every:2": ([0, 1 + 2, 0, 3 + 4, 5], [False, True, False, True, True]),
    "every:5": ([0, 0, 0, 0, 15], [False, False, False, False, True]),
}


@pytest.mark.parametrize("spec", GOLDEN)
def test_golden_trace_of_one_episode(spec):
    expected_delivered, expected_event = GOLDEN[spec]
    schedule = RewardSchedule.parse(spec)
    state = initial_state(schedule, 1)
    delivered, events = [], []
    for t, earned in enumerate([1.0, 2.0, 3.0, 4.0, 5.0]):
        out, event, state = schedule_step(schedule, state, [earned], [t == 4])
        delivered.append(out[0])
        events.append(bool(event[0]))
    assert delivered == expected_delivered
    assert events == expected_event
    assert state.episode_step[0] == 0 and state.pending[0] == 0 and not state.delay_line.any()


def test_schedule_step_is_pure():
    schedule = RewardSchedule("delay", 2)
    state = initial_state(schedule, 2)
    _, _, state = schedule_step(schedule, state, [1.0, 2.0], [False, False])
    before = ScheduleState(*(field.copy() for field in state))
    schedule_step(schedule, state, [3.0, 4.0], [True, False])
    for field, saved in zip(state, before):
        np.testing.assert_array_equal(field, saved)


def test_shape_mismatch_raises_shape_error():
    schedule = RewardSchedule("immediate")
    state = initial_state(schedule, 3)
    with pytest.raises(ShapeError, match="`reward`"):
        schedule_step(schedule, state, [1.0, 2.0], [False] * 3)
    with pytest.raises(ShapeError, match="`done`"):
        schedule_step(schedule, state, [1.0] * 3, [False])


def oracle(schedule, earned, done):
    """Delivered rewards and events of one environment, straight from the module docstring's table."""
    delivered, events = [], []
    episode, delivered_up_to = [], 0  # rewards of the current episode; every:K's index of the next undelivered
    for reward, last in zip(earned, done):
        t = len(episode)
        episode.append(reward)
        if schedule.kind == "immediate":
            out, event = reward, True
        elif schedule.kind == "episodic":
            out, event = (sum(episode) if last else 0.0), last
        elif schedule.kind == "delay":
            out = episode[t - schedule.k] if t >= schedule.k else 0.0
            if last:
                out += sum(episode[max(0, t - schedule.k + 1) :])
            event = t >= schedule.k or last
        else:  # every
            event = (t + 1) % schedule.k == 0 or last
            out = sum(episode[delivered_up_to:]) if event else 0.0
            delivered_up_to = t + 1 if event else delivered_up_to
        if last:
            episode, delivered_up_to = [], 0
        delivered.append(out)
        events.append(event)
    return np.array(delivered, dtype=float), np.array(events, dtype=bool)


schedules_st = st.one_of(
    st.sampled_from([RewardSchedule("immediate"), RewardSchedule("episodic")]),
    st.builds(RewardSchedule, st.sampled_from(["delay", "every"]), st.integers(1, 6)),
)


@st.composite
def runs(draw, reward_elements):
    """A schedule and (T, n) rewards, dones and active masks for n environments."""
    schedule = draw(schedules_st)
    shape = (draw(st.integers(1, 40)), draw(st.integers(1, 4)))
    earned = draw(hnp.arrays(np.float64, shape, elements=reward_elements))
    done = draw(hnp.arrays(bool, shape))
    active = draw(hnp.arrays(bool, shape))
    return schedule, earned, done, active


def run_schedule(schedule, earned, done, active=None):
    state = initial_state(schedule, earned.shape[1])
    delivered, events, states = [], [], []
    for t in range(earned.shape[0]):
        out, event, state = schedule_step(schedule, state, earned[t], done[t], None if active is None else active[t])
        delivered.append(out)
        events.append(event)
        states.append(state)
    return np.array(delivered), np.array(events), states


@settings(max_examples=150, deadline=None)
@given(runs(st.integers(-9, 9).map(float)))
def test_every_reward_is_delivered_at_the_documented_step(run):
    # Integer-valued rewards: every partial sum is exact, so the comparison is exact.
    schedule, earned, done, _ = run
    delivered, events, _ = run_schedule(schedule, earned, done)
    for env in range(earned.shape[1]):
        expected_delivered, expected_events = oracle(schedule, earned[:, env], done[:, env])
        np.testing.assert_array_equal(delivered[:, env], expected_delivered)
        np.testing.assert_array_equal(events[:, env], expected_events)


@settings(max_examples=150, deadline=None)
@given(runs(st.floats(-1e3, 1e3, allow_nan=False)))
def test_reward_is_conserved_per_episode_and_at_every_step(run):
    schedule, earned, done, _ = run
    delivered, events, states = run_schedule(schedule, earned, done)
    assert not delivered[~events].any(), "a reward was delivered without an event"
    for t, state in enumerate(states):
        held = state.pending + state.delay_line.sum(axis=1)
        np.testing.assert_allclose(delivered[: t + 1].sum(axis=0) + held, earned[: t + 1].sum(axis=0), atol=1e-7)
        np.testing.assert_array_equal(held[done[t]], 0.0)  # nothing crosses an episode end
    for env in range(earned.shape[1]):
        ends = np.flatnonzero(done[:, env])
        for start, end in zip(np.concatenate([[0], ends[:-1] + 1]), ends):
            np.testing.assert_allclose(
                delivered[start : end + 1, env].sum(), earned[start : end + 1, env].sum(), atol=1e-7
            )


@settings(max_examples=100, deadline=None)
@given(runs(st.integers(-9, 9).map(float)))
def test_inactive_steps_deliver_nothing_and_do_not_advance_the_schedule(run):
    schedule, earned, done, active = run
    delivered, events, _ = run_schedule(schedule, earned, done, active)
    assert not delivered[~active].any() and not events[~active].any()
    for env in range(earned.shape[1]):
        # The active steps alone behave as a run without the inactive ones.
        steps = active[:, env]
        expected_delivered, expected_events = oracle(schedule, earned[steps, env], done[steps, env])
        np.testing.assert_array_equal(delivered[steps, env], expected_delivered)
        np.testing.assert_array_equal(events[steps, env], expected_events)


def test_docstring_examples_run():
    result = doctest.testmod(schedules)
    assert result.attempted > 0 and result.failed == 0
