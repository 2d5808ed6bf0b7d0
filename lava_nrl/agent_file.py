# SPDX-License-Identifier: BSD-3-Clause
"""The one file format of a trained agent: ``NRLAgent.save`` and ``lava-nrl train`` write it
(``weights-seed{S}.npz``); ``NRLAgent.load``, :func:`lava_nrl.policy.load_policy` and ``lava-nrl eval``
read it.

An ``.npz`` of arrays ``W0..WL`` (W_l as n_post × n_pre real values, float64; exact in fixed point,
where they are integers · 2^-weight_frac_bits) and ``params``, a JSON string of what made them:
``sizes``, ``rule``, ``lr``, ``sigma``, ``precision``, ``seed``, ``modulation``, ``fixed_format`` (the
NRLAgent's parameters), ``version`` (lava-nrl's) and, in a training run's files, ``config`` (the
run's ``TrainConfig.to_dict()``: environment, reward schedule …).

Weight files of ``lava-nrl train`` 0.1.0 hold ``W0..WL`` alone; they are read with the parameters of
the ``summary.json`` beside them.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import re
import typing as ty

import numpy as np

from lava_nrl.errors import ConfigError

__all__ = ["AgentFile", "agent_params", "run_params", "write_agent_file", "read_agent_file", "agent_spec_of"]


class AgentFile(ty.NamedTuple):
    params: dict  # as described in the module docstring
    weights: list  # W_0..W_L, float64 (n_post × n_pre)


def agent_params(spec, seed: int) -> dict:
    """The parameters of an agent with kernels' ``spec`` (an :class:`~lava_nrl.kernels.agent.AgentSpec`)."""
    from lava_nrl import __version__

    return dict(sizes=[int(n) for n in spec.sizes], rule=spec.rule.name, lr=float(spec.lr), sigma=float(spec.sigma),
                precision=spec.precision, seed=int(seed), modulation=dataclasses.asdict(spec.modulation),
                fixed_format=spec.fixed_format.to_dict(), version=__version__)


def run_params(config, seed: int, sizes: ty.Sequence[int]) -> dict:
    """The parameters of seed ``seed``'s agent of a training run with ``config`` (a ``TrainConfig``)."""
    from lava_nrl.engine.train import agent_spec

    spec = agent_spec(config, sizes[0], sizes[-1])
    return {**agent_params(spec, seed), "config": config.to_dict()}


def write_agent_file(path, params: dict, weights: ty.Sequence[np.ndarray]) -> None:
    """Write ``params`` and the real-valued ``weights`` to ``path`` (an open file or a path)."""
    arrays = {f"W{l}": np.asarray(w, dtype=np.float64) for l, w in enumerate(weights)}
    if hasattr(path, "write"):
        np.savez(path, params=json.dumps(params), **arrays)
        return
    with open(path, "wb") as f:
        np.savez(f, params=json.dumps(params), **arrays)


def read_agent_file(path) -> AgentFile:
    """The parameters and weights in ``path``; ConfigError naming the file if it is not an agent file."""
    path = pathlib.Path(path)
    try:
        with np.load(path) as data:
            names = set(data.files)
            n_layers = sum(1 for name in names if re.fullmatch(r"W\d+", name))
            weights = [np.asarray(data[f"W{l}"], dtype=np.float64) for l in range(n_layers)]
            params = json.loads(str(data["params"])) if "params" in names else None
    except (OSError, ValueError, KeyError) as err:
        raise ConfigError(f"{path}: not a lava-nrl agent file ({err})") from None
    if not weights:
        raise ConfigError(f"{path}: not a lava-nrl agent file (no weights W0…)")
    if params is None:
        params = _params_beside(path, weights)
    if len(params["sizes"]) != n_layers + 1:
        raise ConfigError(f"{path}: {n_layers} weight matrices for sizes {params['sizes']}")
    return AgentFile(params, weights)


def _params_beside(path: pathlib.Path, weights: list) -> dict:
    """A weights-only file of lava-nrl 0.1.0: its run's parameters are in the summary.json beside it."""
    from lava_nrl.engine.config import TrainConfig

    match = re.fullmatch(r"weights-seed(\d+)\.npz", path.name)
    summary = path.with_name("summary.json")
    if match is None or not summary.is_file():
        raise ConfigError(f"{path}: holds weights without parameters and no run's summary.json is beside it")
    config = TrainConfig.from_dict(json.loads(summary.read_text())["config"])
    sizes = [weights[0].shape[1]] + [w.shape[0] for w in weights]
    return run_params(config, int(match[1]), sizes)


def agent_spec_of(params: dict, **overrides):
    """The kernels' :class:`~lava_nrl.kernels.agent.AgentSpec` of an agent file's ``params``."""
    from lava_nrl.kernels.agent import AgentSpec
    from lava_nrl.kernels.rules import Modulation, get_rule
    from lava_nrl.numerics import FixedFormat

    p = {**params, **overrides}
    return AgentSpec(sizes=tuple(p["sizes"]), rule=get_rule(p["rule"]), modulation=Modulation(**p["modulation"]),
                     lr=p["lr"], sigma=p["sigma"], precision=p["precision"],
                     fixed_format=FixedFormat(**p["fixed_format"]))
