# SPDX-License-Identifier: BSD-3-Clause
"""Layer 1: saturating ops, rounding, the counter-based generator, the exp/log tables."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lava_nrl import kernels
from lava_nrl.errors import ConfigError, NonFiniteError
from lava_nrl.numerics import FixedArith, FixedFormat, FloatArith, lut, rng
from lava_nrl.numerics.ops import div_round, saturate, shift_round, shift_stochastic

int64s = st.integers(min_value=-(2**40), max_value=2**40)


@given(st.lists(int64s, min_size=1, max_size=20), st.integers(2, 40))
def test_saturate_clips_never_wraps(values, bits):
    out = saturate(np.array(values, dtype=np.int64), bits)
    lo, hi = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    expected = np.clip(values, lo, hi)
    np.testing.assert_array_equal(out, expected)


@given(int64s, st.integers(0, 20))
def test_shift_round_is_round_half_up(x, shift):
    assert shift_round(np.int64(x), shift) == np.floor(x / 2**shift + 0.5)


@given(int64s, st.integers(1, 2**20))
def test_div_round_is_round_half_up(num, den):
    assert div_round(num, den) == np.floor(num / den + 0.5) or abs(num) > 2**40


def test_stochastic_rounding_is_unbiased():
    x = np.full(200_000, 5 * 256 + 77, dtype=np.int64)  # 5 + 77/256 in units of 2^8
    random = rng.random_u32(rng.derive_key(7), 0, np.arange(x.size))
    out = shift_stochastic(x, 8, random)
    assert set(np.unique(out)) == {5, 6}
    # E = 5.30078; std of the mean = sqrt(p(1-p)/n) ≈ 0.001: 5 sigma tolerance.
    assert abs(out.mean() - (5 + 77 / 256)) < 0.005


def test_generator_is_deterministic_and_batch_invariant():
    keys = np.array([rng.derive_key(s, rng.NOISE, 0) for s in (42, 101, 300)])
    batch = kernels.noise(FloatArith(), keys, np.array([5, 5, 5], dtype=np.uint64), 0, 64, 1.0)
    alone = kernels.noise(FloatArith(), keys[1:2], np.array([5], dtype=np.uint64), 0, 64, 1.0)
    np.testing.assert_array_equal(batch[1:2], alone)
    assert not np.array_equal(batch[0], batch[1])
    again = kernels.noise(FloatArith(), keys, np.array([5, 5, 5], dtype=np.uint64), 0, 64, 1.0)
    np.testing.assert_array_equal(batch, again)


@pytest.mark.parametrize("flavour", ["float", "fixed"])
def test_noise_has_the_requested_moments(flavour):
    sigma, n_steps, n = 1e-3, 400, 512
    key = np.full(n_steps, rng.derive_key(3, rng.NOISE, 0))
    steps = np.arange(n_steps, dtype=np.uint64)
    arith = FixedArith() if flavour == "fixed" else FloatArith()
    xi = arith.decode(kernels.noise(arith, key, steps, 0, n, sigma))
    # 204,800 samples: std error of the mean σ/452, of the std ≈ σ/640.
    assert abs(xi.mean()) < 5 * sigma / 452
    assert abs(xi.std() / sigma - 1) < 0.02
    # Neighbouring neurons and steps are uncorrelated.
    grid = xi.reshape(n_steps, n)
    assert abs(np.corrcoef(grid[:, :-1].ravel(), grid[:, 1:].ravel())[0, 1]) < 0.01
    assert abs(np.corrcoef(grid[:-1].ravel(), grid[1:].ravel())[0, 1]) < 0.01


def test_exp_and_log_tables_within_one_lsb():
    F = 16
    y = np.arange(0, 20 * 2**F, 37, dtype=np.int64)
    got = np.vectorize(lut.exp_neg)(y, F)
    np.testing.assert_allclose(got, np.exp(-y / 2**F) * 2**F, atol=1.0)
    s = np.arange(2**F, 64 * 2**F, 101, dtype=np.int64)
    np.testing.assert_allclose(np.vectorize(lut.log_ge1)(s, F), np.log(s / 2**F) * 2**F, atol=1.0)


@pytest.mark.parametrize("field,value", [("frac_bits", 30), ("weight_bits", 1), ("msg_bits", 64)])
def test_fixed_format_rejects_out_of_range_widths(field, value):
    with pytest.raises(ConfigError, match=field):
        FixedFormat(**{field: value})


@settings(max_examples=50)
@given(st.lists(st.floats(-100, 100), min_size=1, max_size=10))
def test_encoding_round_trips_within_half_an_lsb(values):
    arith = FixedArith()
    back = arith.decode(arith.encode(values))
    np.testing.assert_allclose(back, values, atol=0.5 / 2**arith.F + 1e-12)


@pytest.mark.parametrize("encode, kind", [("encode", "input"), ("encode_reward", "reward"),
                                          ("encode_weights", "weight")])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_fixed_encoding_refuses_non_finite_values(encode, kind, bad):
    arith = FixedArith()
    with pytest.raises(NonFiniteError, match=f"non-finite {kind} value"):
        getattr(arith, encode)(np.array([[0.5, bad]]))
    assert not arith.counts.any()


def test_fixed_encoding_rounds_half_up_and_saturates_like_its_formula():
    arith = FixedArith(FixedFormat(msg_bits=16, frac_bits=8))
    x = np.array([[0.5 / 256, -0.5 / 256, 1.5 / 256, 127.99, 1e6, -1e6, 1e300, -1e300]])
    q = np.clip(np.floor(x * 256 + 0.5), -(2.0**62), 2.0**62).astype(np.int64)
    expected = np.clip(q, -(2**15), 2**15 - 1)
    out = arith.encode(x)
    np.testing.assert_array_equal(out, expected)
    assert out.shape == x.shape and out.dtype == np.int64
    assert arith.saturations["input"] == np.count_nonzero(expected != q) == 4


def test_fixed_arith_counts_every_saturation_by_kind():
    arith = FixedArith(FixedFormat(msg_bits=16, frac_bits=8))
    arith.encode([1.0, 1e6, -1e6])  # ±1e6 · 2^8 does not fit 16 bits
    assert arith.saturations["input"] == 2
    big = np.full((1, 2, 2), 1 << 20, dtype=np.int64)
    x = np.full((1, 2), 1 << 14, dtype=np.int64)
    kernels.dense(arith, big, x, x)  # clean and noisy pass: 2 × 2 sums out of range
    assert arith.saturations["message"] == 4
    assert arith.saturations["weight"] == arith.saturations["trace"] == arith.saturations["reward"] == 0


@given(st.integers(-(2**40), 2**40), st.integers(1, 12))
def test_stochastic_rounding_is_exactly_unbiased_over_its_random_bits(x, shift):
    """Averaged over every value the random bits can take, floor((x + r)/2^shift) is x/2^shift exactly."""
    every_r = (np.arange(2**shift, dtype=np.uint64) << np.uint64(32 - shift)).astype(np.uint32)
    rounded = shift_stochastic(np.full(every_r.shape, x, dtype=np.int64), shift, every_r)
    assert rounded.sum() == x  # Hermite: Σ_r floor((x + r)/2^s) = x, so the mean is x/2^s
    assert set(np.unique(rounded)) <= {x >> shift, (x >> shift) + 1}
