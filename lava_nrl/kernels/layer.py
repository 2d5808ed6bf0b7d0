# SPDX-License-Identifier: BSD-3-Clause
"""Forward pass of one layer, clean and noisy streams (eqs. 1–2).

    a_l = W_l x_{l−1}            x_l = f(a_l)          (clean)
    ã_l = W_l x̃_{l−1} + ξ_l      x̃_l = f(ã_l)          (noisy), x_0 = x̃_0 = s

f is LeakyReLU with slope 0.1 on hidden layers and the identity on the output layer (its a_L, ã_L
are the logits). The synapse half (:func:`dense`) and the neuron half (:func:`noisy_neuron`) are
separate because the Lava graph splits them into ``TraceDense`` and ``NoisyNeuron``.

The per-agent loops (``*_row``) are compiled into every kernel that uses them; the batch-first
functions below them are what Processes and tests call.
"""

from __future__ import annotations

import typing as ty

import numpy as np
from numba import njit
from numba.extending import register_jitable

from lava_nrl.numerics import arith as ar
from lava_nrl.numerics import rng

__all__ = ["dense", "noisy_neuron", "noise", "sum_sq", "network_forward", "Activations", "xavier_normal",
           "LEAKY_SLOPE"]

LEAKY_SLOPE = 0.1


def xavier_normal(sizes: ty.Sequence[int], seed: int) -> list[np.ndarray]:
    """Initial weights W_l (n_post × n_pre), Xavier-normal std √(2/(fan_in + fan_out)), no biases,
    drawn layer by layer from ``np.random.default_rng(seed)``."""
    gen = np.random.default_rng(seed)
    return [
        gen.normal(0.0, np.sqrt(2.0 / (n_pre + n_post)), size=(n_post, n_pre))
        for n_pre, n_post in zip(sizes[:-1], sizes[1:])
    ]


# -- per agent (compiled into the kernels) --------------------------------------------------------
@register_jitable
def dense_row(k, sat, w, x, x_noisy, a, a_noisy):
    """a = W x and W x̃ for one agent: W (n_post, n_pre), x, x̃ (n_pre,) → a, ã_in (n_post,).

    Each sum runs over j in order; two outputs at a time, so that four independent sums proceed side
    by side instead of each waiting on its own previous addition."""
    n_post, n_pre = w.shape
    clipped = 0
    for i in range(0, n_post - 1, 2):
        clean0, noisy0 = w[i, 0] * x[0], w[i, 0] * x_noisy[0]
        clean1, noisy1 = w[i + 1, 0] * x[0], w[i + 1, 0] * x_noisy[0]
        for j in range(1, n_pre):
            clean0 += w[i, j] * x[j]
            noisy0 += w[i, j] * x_noisy[j]
            clean1 += w[i + 1, j] * x[j]
            noisy1 += w[i + 1, j] * x_noisy[j]
        a[i], c0 = ar.to_message(k, clean0)
        a_noisy[i], c1 = ar.to_message(k, noisy0)
        a[i + 1], c2 = ar.to_message(k, clean1)
        a_noisy[i + 1], c3 = ar.to_message(k, noisy1)
        clipped += c0 + c1 + c2 + c3
    if n_post % 2:
        i = n_post - 1
        clean, noisy = w[i, 0] * x[0], w[i, 0] * x_noisy[0]
        for j in range(1, n_pre):
            clean += w[i, j] * x[j]
            noisy += w[i, j] * x_noisy[j]
        a[i], c = ar.to_message(k, clean)
        a_noisy[i], c_noisy = ar.to_message(k, noisy)
        clipped += c + c_noisy
    sat[ar.MESSAGE] += clipped


@register_jitable
def noise_row(k, sat, key, step, first_neuron, xi):
    """ξ of neurons first_neuron … first_neuron + n − 1 at draw ``step`` of stream ``key``."""
    draw, clipped = rng.draw_key(key, step), 0
    for i in range(xi.shape[0]):
        xi[i], c = ar.noise(k, rng.byte_sum(rng.element_u32(draw, first_neuron + i)))
        clipped += c
    sat[ar.MESSAGE] += clipped


@register_jitable
def neuron_row(k, sat, a, a_noisy_in, xi, hidden, a_noisy, x, x_noisy):
    """ã = W x̃ + ξ; x = f(a), x̃ = f(ã) (f = LeakyReLU if ``hidden``, else the identity)."""
    clipped = 0
    for i in range(a.shape[0]):
        a_noisy[i], c = ar.add_message(k, a_noisy_in[i], xi[i])
        clipped += c
        if hidden:
            x[i] = ar.leaky_relu(k, a[i])
            x_noisy[i] = ar.leaky_relu(k, a_noisy[i])
        else:
            x[i] = a[i]
            x_noisy[i] = a_noisy[i]
    sat[ar.MESSAGE] += clipped


@register_jitable
def sum_sq_row(xi):
    """‖ξ‖² (Q.2F in fixed point: exact)."""
    acc = xi[0] * xi[0]
    for i in range(1, xi.shape[0]):
        acc += xi[i] * xi[i]
    return acc


# -- batch-first (B = leading axis) ---------------------------------------------------------------
@njit(cache=True)
def _dense(k, sat, w, x, x_noisy, a, a_noisy):
    for b in range(w.shape[0]):
        dense_row(k, sat, w[b], x[b], x_noisy[b], a[b], a_noisy[b])


@njit(cache=True)
def _noisy_neuron(k, sat, a, a_noisy_in, xi, hidden, a_noisy, x, x_noisy):
    for b in range(a.shape[0]):
        neuron_row(k, sat, a[b], a_noisy_in[b], xi[b], hidden, a_noisy[b], x[b], x_noisy[b])


@njit(cache=True)
def _noise(k, sat, key, step, first_neuron, xi):
    for b in range(xi.shape[0]):
        noise_row(k, sat, key[b], step[b], first_neuron, xi[b])


@njit(cache=True)
def _sum_sq(xi, out):
    for b in range(xi.shape[0]):
        out[b] = sum_sq_row(xi[b])


def _c(x, dtype):
    return np.ascontiguousarray(x, dtype=dtype)


def dense(arith, weights: np.ndarray, x: np.ndarray, x_noisy: np.ndarray):
    """Synapse half: (W x, W x̃) for weights (B, n_post, n_pre) and inputs (B, n_pre)."""
    shape = weights.shape[:2]
    a, a_noisy = np.empty(shape, arith.dtype), np.empty(shape, arith.dtype)
    _dense(arith.constants(), arith.counts, _c(weights, arith.dtype), _c(x, arith.dtype),
           _c(x_noisy, arith.dtype), a, a_noisy)
    return a, a_noisy


def noisy_neuron(arith, a: np.ndarray, a_noisy_in: np.ndarray, xi: np.ndarray, slope: float | None):
    """Neuron half: adds ξ to the noisy stream and applies f (``slope=None``: identity).

    Returns (a, ã, x, x̃)."""
    a = _c(a, arith.dtype)
    a_noisy, x, x_noisy = np.empty_like(a), np.empty_like(a), np.empty_like(a)
    _noisy_neuron(arith.constants(slope=slope or 0.0), arith.counts, a, _c(a_noisy_in, arith.dtype),
                  _c(xi, arith.dtype), slope is not None, a_noisy, x, x_noisy)
    return a, a_noisy, x, x_noisy


def noise(arith, key, step, first_neuron: int, n: int, sigma: float) -> np.ndarray:
    """ξ (B, n) of neurons first_neuron … first_neuron + n − 1, at draw ``step`` (B,) of each
    agent's noise stream ``key`` (B,)."""
    key = np.asarray(key, dtype=np.uint32).reshape(-1)
    xi = np.empty((key.size, n), arith.dtype)
    _noise(arith.constants(sigma=sigma), arith.counts, key, np.asarray(step, dtype=np.uint64).reshape(-1),
           first_neuron, xi)
    return xi


def sum_sq(xi: np.ndarray) -> np.ndarray:
    """‖ξ‖² per agent, (B, n) → (B,)."""
    xi = np.ascontiguousarray(xi)
    out = np.empty(xi.shape[0], xi.dtype)
    _sum_sq(xi, out)
    return out


class Activations(ty.NamedTuple):
    """One step of the whole network; lists are indexed by layer (x[0] = x̃[0] = s)."""

    a: list  # clean pre-activations a_1..a_L+1 (the last are the logits)
    a_noisy: list  # noisy pre-activations ã_1..ã_L+1
    x: list  # clean activities x_0..x_L (inputs of each layer)
    x_noisy: list  # noisy activities x̃_0..x̃_L


def network_forward(arith, weights: list, s: np.ndarray, xis: list, slope: float = LEAKY_SLOPE) -> Activations:
    """Clean and noisy pass through every layer; ``xis[l]`` is the noise of layer l."""
    x, x_noisy = [s], [s]
    pre, pre_noisy = [], []
    last = len(weights) - 1
    for l, (w, xi) in enumerate(zip(weights, xis)):
        a, a_noisy_in = dense(arith, w, x[-1], x_noisy[-1])
        a, a_noisy, out, out_noisy = noisy_neuron(arith, a, a_noisy_in, xi, None if l == last else slope)
        pre.append(a)
        pre_noisy.append(a_noisy)
        if l != last:
            x.append(out)
            x_noisy.append(out_noisy)
    return Activations(pre, pre_noisy, x, x_noisy)
