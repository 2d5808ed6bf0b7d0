# SPDX-License-Identifier: BSD-3-Clause
"""Closed-loop speed of NRL on Lava's CPU simulator against the engine, measured in one run.

    python benchmarks/bench_lava_agent.py [--episodes 40] [--precision fixed]

CartPole-v1, nrl-b, H=128, L=1, seed 42, one env step per tick. Prints env steps/s of
(a) the engine with one agent, (b) EnvBridge + fused NRLAgent (2 Lava workers), (c) EnvBridge +
decomposed NRLAgent (6 workers: bridge, 2 × (TraceDense, NoisyNeuron), readout, modulator), and
(d) EnvBridge + a trivial policy (the Lava floor), with the ratios that are its goals: (b)/(a) ≥ 1/3,
(c)/(a) ≥ 1/20. All three learn the same thing (bit-exact), so they run the same episodes.
"""

from __future__ import annotations

import argparse
import sys
import time

sys.path.insert(0, __file__.rsplit("/benchmarks/", 1)[0])
from lava.magma.core.run_conditions import RunSteps  # noqa: E402
from lava.magma.core.run_configs import Loihi2SimCfg  # noqa: E402

from env_bridge.proc.env_bridge.process import EnvBridge  # noqa: E402
from lava_nrl.engine import TrainConfig, train  # noqa: E402
from lava_nrl.graph import connect  # noqa: E402
from lava_nrl.proc.nrl_agent.process import NRLAgent  # noqa: E402
from tests.helpers.proc.pole_policy.process import PolePolicy  # noqa: E402

from lava_nrl.model_support import TAGS  # noqa: E402


def lava_rate(config: TrainConfig, ticks: int, decomposed: bool | None) -> float:
    """env steps/s over ``ticks`` after a one-tick warm-up; ``decomposed=None``: the trivial policy."""
    bridge = EnvBridge(env=config.env, seed=config.seeds[0])
    if decomposed is None:
        policy = PolePolicy()
        connect(bridge, policy)
    else:
        agent = NRLAgent(sizes=config.sizes(4, 2), rule=config.rule, lr=config.lr, precision=config.precision,
                         seed=config.seeds[0])
        connect(bridge, agent)
    cfg = Loihi2SimCfg(select_tag=TAGS[config.precision], select_sub_proc_model=bool(decomposed))
    try:
        bridge.run(condition=RunSteps(num_steps=1), run_cfg=cfg)
        start = time.perf_counter()
        bridge.run(condition=RunSteps(num_steps=ticks))
        return ticks / (time.perf_counter() - start)
    finally:
        bridge.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=40)
    parser.add_argument("--precision", choices=TAGS, default="fixed")
    args = parser.parse_args()
    print("command:", " ".join(["python"] + sys.argv))
    config = TrainConfig(env="CartPole-v1", rule="nrl-b", lr=0.01, precision=args.precision,
                         episodes=args.episodes, seeds=(42,))
    train(TrainConfig(**{**config.__dict__, "episodes": 1}))  # warm-up, as the Lava runs get: imports, caches
    engine = train(config)
    steps = int(engine.env_steps.sum())
    rates = {"engine, 1 agent": steps / engine.wall_seconds}
    rates["EnvBridge + fused NRLAgent"] = lava_rate(config, steps, decomposed=False)
    rates["EnvBridge + decomposed NRLAgent"] = lava_rate(config, steps, decomposed=True)
    rates["EnvBridge + trivial policy"] = lava_rate(config, steps, decomposed=None)
    base = rates["engine, 1 agent"]
    for name, rate in rates.items():
        print(f"{name:>32}: {rate:>8,.0f} env steps/s  ({1e3 / rate:.2f} ms/step)  ratio to engine {rate / base:.3f}")
    fused, decomposed = rates["EnvBridge + fused NRLAgent"], rates["EnvBridge + decomposed NRLAgent"]
    print(f"goals: fused ≥ 1/3 of the engine: {'met' if fused >= base / 3 else 'NOT met'}; "
          f"decomposed ≥ 1/20: {'met' if decomposed >= base / 20 else 'NOT met'}  ({steps} steps, {args.precision})")


if __name__ == "__main__":
    main()
