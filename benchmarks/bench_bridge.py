# SPDX-License-Identifier: BSD-3-Clause
"""EnvBridge throughput: CartPole env steps/s with a trivial policy Process, against a plain
gymnasium loop and a host loop through Lava's Injector/Extractor, measured in one run.

    python benchmarks/bench_bridge.py [--steps 3000]

The policy is "push towards the pole" (tests/helpers/proc/pole_policy); every variant steps the same
environment with the same rule, one env step per tick.
"""

from __future__ import annotations

import argparse
import sys
import time

import gymnasium as gym
from lava.magma.core.run_conditions import RunContinuous, RunSteps
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.proc.io.extractor import Extractor, PyLoihiExtractorModel
from lava.proc.io.injector import Injector, PyLoihiInjectorModel

sys.path.insert(0, __file__.rsplit("/benchmarks/", 1)[0])
from env_bridge.proc.env_bridge.process import EnvBridge  # noqa: E402
from lava_nrl.graph import connect  # noqa: E402
from lava_nrl.guarded import kill_runtime  # noqa: E402
from tests.helpers.proc.pole_policy.process import PolePolicy, pole_action  # noqa: E402


def plain_loop(steps: int) -> float:
    env = gym.make("CartPole-v1")
    obs, _ = env.reset(seed=0)
    start = time.perf_counter()
    for _ in range(steps):
        obs, _, terminated, truncated, _ = env.step(pole_action(obs[2]))
        if terminated or truncated:
            obs, _ = env.reset()
    return steps / (time.perf_counter() - start)


def bridge(steps: int, tag: str) -> float:
    bridge = EnvBridge(env="CartPole-v1", seed=0)
    policy = PolePolicy()
    connect(bridge, policy)
    try:
        bridge.run(condition=RunSteps(num_steps=1), run_cfg=Loihi2SimCfg(select_tag=tag))  # compile, fork
        start = time.perf_counter()
        bridge.run(condition=RunSteps(num_steps=steps))
        elapsed = time.perf_counter() - start
        assert int(bridge.env_steps.get()[0]) == steps + 1
    finally:
        bridge.stop()
    return steps / elapsed


def host_loop(steps: int) -> float:
    """gymnasium on the host; obs → Injector → PolePolicy → Extractor → action, in lock-step."""
    injector, extractor, policy = Injector(shape=(4,)), Extractor(shape=(1,)), PolePolicy()
    injector.out_port.connect(policy.obs_in)
    policy.action_out.connect(extractor.in_port)
    cfg = Loihi2SimCfg(select_tag="floating_pt", exception_proc_model_map={
        Injector: PyLoihiInjectorModel, Extractor: PyLoihiExtractorModel})
    env = gym.make("CartPole-v1")
    obs, _ = env.reset(seed=0)
    injector.run(condition=RunContinuous(), run_cfg=cfg)
    try:
        start = time.perf_counter()
        for _ in range(steps):
            injector.send(obs)
            obs, _, terminated, truncated, _ = env.step(int(extractor.receive()[0]))
            if terminated or truncated:
                obs, _ = env.reset()
        elapsed = time.perf_counter() - start
    finally:
        # pause()/stop() can block for good once the host stops feeding the lock-step loop (the
        # Injector waits for data, the Extractor for room): end the workers instead.
        kill_runtime(injector.runtime)
    return steps / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    args = parser.parse_args()
    print("command:", " ".join(["python"] + sys.argv))
    plain = plain_loop(args.steps)
    rates = {"plain gymnasium loop": plain}
    for tag in ("floating_pt", "fixed_pt"):
        rates[f"EnvBridge + policy ({tag})"] = bridge(args.steps, tag)
    rates["host loop, Injector/Extractor (floating_pt)"] = host_loop(args.steps)
    for name, rate in rates.items():
        print(f"{name:>45}: {rate:>9,.0f} env steps/s   ratio to plain loop {rate / plain:.4f}")


if __name__ == "__main__":
    main()
