# SPDX-License-Identifier: BSD-3-Clause
"""Forward pass of one layer, clean and noisy streams (eqs. 1–2).

    a_l = W_l x_{l−1}            x_l = f(a_l)          (clean)
    ã_l = W_l x̃_{l−1} + ξ_l      x̃_l = f(ã_l)          (noisy), x_0 = x̃_0 = s

f is LeakyReLU with slope 0.1 on hidden layers and the identity on the output layer (its a_L, ã_L
are the logits). The synapse half (:func:`dense`) and the neuron half (:func:`noisy_neuron`) are
separate because the Lava graph splits them into ``TraceDense`` and ``NoisyNeuron``.
"""

from __future__ import annotations

import typing as ty

import numpy as np

__all__ = ["dense", "noisy_neuron", "network_forward", "Activations", "xavier_normal"]

LEAKY_SLOPE = 0.1


def xavier_normal(sizes: ty.Sequence[int], seed: int) -> list[np.ndarray]:
    """Initial weights W_l (n_post × n_pre), Xavier-normal std √(2/(fan_in + fan_out)), no biases,
    drawn layer by layer from ``np.random.default_rng(seed)``."""
    gen = np.random.default_rng(seed)
    return [
        gen.normal(0.0, np.sqrt(2.0 / (n_pre + n_post)), size=(n_post, n_pre))
        for n_pre, n_post in zip(sizes[:-1], sizes[1:])
    ]


def dense(arith, weights: np.ndarray, x: np.ndarray, x_noisy: np.ndarray):
    """Synapse half: (W x, W x̃) for weights (B, n_post, n_pre) and inputs (B, n_pre)."""
    return arith.matvec(weights, x), arith.matvec(weights, x_noisy)


def noisy_neuron(arith, a: np.ndarray, a_noisy_in: np.ndarray, xi: np.ndarray, slope: float | None):
    """Neuron half: adds ξ to the noisy stream and applies f (``slope=None``: identity).

    Returns (a, ã, x, x̃)."""
    a_noisy = arith.add(a_noisy_in, xi)
    if slope is None:
        return a, a_noisy, a, a_noisy
    return a, a_noisy, arith.leaky_relu(a, slope), arith.leaky_relu(a_noisy, slope)


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
