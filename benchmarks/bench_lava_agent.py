# SPDX-License-Identifier: BSD-3-Clause
"""Closed-loop speed of NRL on Lava's CPU simulator against the engine, measured in one run, for K
environments per agent.

    python benchmarks/bench_lava_agent.py [--envs 1 8 64] [--ticks 1500] [--precision fixed] [--rule nrl-fast]

CartPole-v1, H=128, L=1, seed 42, one agent with K environments, one env step of each per tick. For
each K it prints env steps/s (all K environments together) of
(a) the engine (one agent, K environments),
(b) EnvBridge(num_envs=K) + fused NRLAgent (2 Lava workers),
(c) EnvBridge(num_envs=K) + decomposed NRLAgent (7 workers: bridge, 2 × (TraceDense, NoisyNeuron),
    readout, modulator),
(d) EnvBridge(num_envs=K) + a trivial policy (the Lava floor for two workers),
with the ratios that are its goals — (b)/(a) ≥ 1/3 and (c)/(a) ≥ 1/20 at K = 64 — and where a fused
tick's time goes: the kernels (act + learn on K rows), the environments (EnvBatch.step of K) and the rest
(Lava's messaging and synchronisation; the trivial policy's tick is that floor plus K environments).

Timing is steady: each Lava graph first runs ``--warmup`` ticks untimed (numba's cache loads, the first
episodes' ends and reward events), then ``--ticks`` timed ticks. The engine is timed over the same
number of steps after the same warm-up.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

sys.path.insert(0, __file__.rsplit("/benchmarks/", 1)[0])
from lava.magma.core.run_conditions import RunSteps  # noqa: E402
from lava.magma.core.run_configs import Loihi2SimCfg  # noqa: E402

from env_bridge.batch import make_batch  # noqa: E402
from env_bridge.proc.env_bridge.process import EnvBridge  # noqa: E402
from lava_nrl.engine import TrainConfig  # noqa: E402
from lava_nrl.engine.train import agent_spec  # noqa: E402
from lava_nrl.graph import connect  # noqa: E402
from lava_nrl.kernels.agent import act, init_agents, learn  # noqa: E402
from lava_nrl.model_support import TAGS  # noqa: E402
from lava_nrl.numerics import rng  # noqa: E402
from lava_nrl.proc.nrl_agent.process import NRLAgent  # noqa: E402
from tests.helpers.proc.pole_policy.process import PolePolicy  # noqa: E402


def lava_rate(config: TrainConfig, warmup: int, ticks: int, decomposed: bool | None) -> float:
    """env steps/s over ``ticks`` after ``warmup`` ticks; ``decomposed=None``: the trivial policy."""
    k = config.envs
    bridge = EnvBridge(env=config.env, seed=config.seeds[0], num_envs=k)
    if decomposed is None:
        connect(bridge, PolePolicy(num_envs=k))
    else:
        connect(bridge, NRLAgent(sizes=config.sizes(4, 2), rule=config.rule, lr=config.lr,
                                 precision=config.precision, seed=config.seeds[0], num_envs=k))
    cfg = Loihi2SimCfg(select_tag=TAGS[config.precision], select_sub_proc_model=bool(decomposed))
    try:
        bridge.run(condition=RunSteps(num_steps=warmup), run_cfg=cfg)
        start = time.perf_counter()
        bridge.run(condition=RunSteps(num_steps=ticks))
        return k * ticks / (time.perf_counter() - start)
    finally:
        bridge.stop()


def engine_parts(config: TrainConfig, warmup: int, ticks: int) -> dict:
    """The engine's loop for one agent with K environments, timed part by part (s per step): the kernels
    (act, learn with the episodic schedule's events where episodes end) and the environments."""
    k = config.envs
    envs = make_batch(config.env, rng.env_seeds(config.seeds[0], k))
    spec = agent_spec(config, envs.n_obs, envs.n_actions)
    state = init_agents(spec, config.seeds, k)
    obs, kernels, environment = envs.reset(), 0.0, 0.0
    returns = np.zeros(k)
    for t in range(warmup + ticks):
        t0 = time.perf_counter()
        actions = act(spec, state, spec.arith.encode(obs))
        t1 = time.perf_counter()
        obs, reward, terminated, truncated = envs.step(actions)
        t2 = time.perf_counter()
        done = terminated | truncated
        returns += reward
        learn(spec, state, spec.arith.encode_reward(np.where(done, returns, 0.0)), done, done)
        t3 = time.perf_counter()
        returns[done] = 0.0
        if t >= warmup:
            kernels += (t1 - t0) + (t3 - t2)
            environment += t2 - t1
    return {"kernels": kernels / ticks, "environment": environment / ticks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", type=int, nargs="+", default=[1, 8, 64])
    parser.add_argument("--ticks", type=int, default=1500)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--precision", choices=TAGS, default="fixed")
    parser.add_argument("--rule", default="nrl-fast")
    args = parser.parse_args()
    print("command:", " ".join(["python"] + sys.argv))
    for k in args.envs:
        config = TrainConfig(env="CartPole-v1", rule=args.rule, precision=args.precision, seeds=(42,), envs=k)
        parts = engine_parts(config, args.warmup, args.ticks)
        engine = k / (parts["kernels"] + parts["environment"])
        rates = {"engine": engine,
                 "fused NRLAgent": lava_rate(config, args.warmup, args.ticks, decomposed=False),
                 "decomposed NRLAgent": lava_rate(config, args.warmup, args.ticks, decomposed=True),
                 "trivial policy": lava_rate(config, args.warmup, args.ticks, decomposed=None)}
        print(f"K = {k} ({args.precision}, {args.rule}, {args.ticks} timed ticks after {args.warmup})")
        for name, rate in rates.items():
            print(f"  {name:>20}: {rate:>9,.0f} env steps/s  ({1e3 * k / rate:6.3f} ms/tick)  "
                  f"ratio to engine {rate / engine:.3f}")
        tick = k / rates["fused NRLAgent"]
        rest = tick - parts["kernels"] - parts["environment"]
        print(f"  fused tick {1e3 * tick:.3f} ms = kernels {1e3 * parts['kernels']:.3f} + environments "
              f"{1e3 * parts['environment']:.3f} + Lava {1e3 * rest:.3f}  "
              f"(trivial policy's tick {1e3 * k / rates['trivial policy']:.3f} ms)")
        fused, decomposed = rates["fused NRLAgent"], rates["decomposed NRLAgent"]
        if k == 64:
            print(f"  goals at K = 64: fused ≥ 1/3 of the engine: {'met' if fused >= engine / 3 else 'NOT met'}; "
                  f"decomposed ≥ 1/20: {'met' if decomposed >= engine / 20 else 'NOT met'}")


if __name__ == "__main__":
    main()
