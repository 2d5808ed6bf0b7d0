# SPDX-License-Identifier: BSD-3-Clause
"""``lava-nrl eval RUN_DIR``: the returns of a run's trained agents over evaluation episodes.

Every ``weights-seed{S}.npz`` of the run is evaluated without learning, on the run's environment
(with its ``env_kwargs`` and ``max_episode_steps``), for ``episodes`` episodes: the first starts from
``reset(seed=seed)``, the next ones from ``reset()``, as in training. Returns are the environment's
own rewards. The result goes to ``RUN_DIR/eval.json``; the run's files are not touched.

Backends: ``engine`` plays :class:`lava_nrl.policy.Policy` in a gymnasium loop (``greedy`` and
``sampled``); ``lava`` runs a frozen ``NRLAgent`` (``learning=False``) with an ``EnvBridge`` on Lava's
CPU simulator, which samples its actions, so ``sampled`` only — the same actions as the engine's
sampled policy with the same seed, hence the same returns.

``render_dir``: the first episode of each seed and mode as ``seed{S}-{mode}.gif``, played by the
plain policy, for environments with an ``rgb_array`` render mode (classic control needs pygame:
``pip install 'lava-nrl[render]'``).
"""

from __future__ import annotations

import functools
import json
import pathlib
import re
import typing as ty

import numpy as np

from lava_nrl.agent_file import read_agent_file
from lava_nrl.errors import ConfigError

__all__ = ["evaluate_run", "weight_files", "BACKENDS"]

BACKENDS = ("engine", "lava")


def weight_files(run_dir) -> list[tuple[int, pathlib.Path]]:
    """(seed, path) of every ``weights-seed{S}.npz`` in ``run_dir``, by seed."""
    run_dir = pathlib.Path(run_dir)
    matches = [(re.fullmatch(r"weights-seed(\d+)\.npz", p.name), p) for p in run_dir.glob("weights-seed*.npz")]
    found = [(int(m[1]), p) for m, p in matches if m]
    if not found:
        raise ConfigError(f"{run_dir}: no weights-seed*.npz there (not a lava-nrl train run)")
    return sorted(found)


def _run_config(path, params: dict):
    from lava_nrl.engine.config import TrainConfig

    if "config" not in params:
        raise ConfigError(f"{path}: has no run configuration (an NRLAgent.save file?); evaluate a lava-nrl train run")
    return TrainConfig.from_dict(params["config"])


def _episodes_engine(params, weights, config, mode: str, episodes: int, seed: int, render_to=None):
    """Returns and lengths of ``episodes`` episodes of the plain policy; ``render_to``: a GIF of the first."""
    from env_bridge.batch import make_env
    from lava_nrl.policy import Policy

    env = make_env(config.env, **config.make_kwargs, **({"render_mode": "rgb_array"} if render_to else {}))
    policy = Policy(params, weights, mode=mode, seed=seed, observation_space=env.observation_space)
    returns, lengths, frames = [], [], []
    try:
        obs, _ = env.reset(seed=seed)
        for episode in range(episodes):
            if episode:
                obs, _ = env.reset()
            total, steps, done = 0.0, 0, False
            while not done:
                if render_to and episode == 0:
                    frames.append(_render(env, config.env))
                obs, reward, terminated, truncated, _ = env.step(policy(obs))
                total, steps, done = total + float(reward), steps + 1, terminated or truncated
            returns.append(total)
            lengths.append(steps)
    finally:
        env.close()
    if render_to:
        _write_gif(render_to, frames, env.metadata.get("render_fps", 30))
    return returns, lengths


def _render(env, env_id: str) -> np.ndarray:
    import gymnasium as gym

    try:
        frame = env.render()
    except gym.error.DependencyNotInstalled as err:
        raise ConfigError(f"rendering {env_id} needs pygame: pip install 'lava-nrl[render]' ({err})") from None
    if not isinstance(frame, np.ndarray):
        raise ConfigError(f"{env_id} renders no frames (no 'rgb_array' render mode)")
    return frame


def _check_renders(config, seed: int) -> None:
    """Fail before any evaluation if the environment cannot render frames."""
    from env_bridge.batch import make_env

    probe = make_env(config.env, **config.make_kwargs)
    modes = probe.metadata.get("render_modes", [])
    probe.close()
    if "rgb_array" not in modes:
        raise ConfigError(f"{config.env} renders no frames (no 'rgb_array' render mode)")
    env = make_env(config.env, **config.make_kwargs, render_mode="rgb_array")
    try:
        env.reset(seed=seed)
        _render(env, config.env)
    finally:
        env.close()


def _write_gif(path, frames: list, fps: float) -> None:
    from PIL import Image

    images = [Image.fromarray(np.asarray(f, dtype=np.uint8)[::2, ::2]) for f in frames]  # half size: small files
    images[0].save(path, save_all=True, append_images=images[1:], duration=round(1000 / fps), loop=0)


def _episodes_lava(path, config, episodes: int, seed: int):
    """Returns and lengths of ``episodes`` episodes of the frozen NRLAgent of ``path`` on Lava."""
    from lava.magma.core.run_configs import Loihi2SimCfg

    from env_bridge.batch import make_env
    from env_bridge.proc.env_bridge.process import EnvBridge
    from lava_nrl.guarded import run_guarded
    from lava_nrl.model_support import TAGS
    from lava_nrl.proc.nrl_agent.process import NRLAgent

    agent = NRLAgent.load(path, learning=False, seed=seed)
    env = functools.partial(make_env, config.env, **config.make_kwargs) if config.make_kwargs else config.env
    fmt = agent.spec.fixed_format
    bridge = EnvBridge(env=env, seed=seed, reward=config.reward_schedule, max_episodes=episodes,
                       obs_frac_bits=fmt.frac_bits, fixed_format=fmt)
    bridge.obs_out.connect(agent.obs_in)
    bridge.reward_out.connect(agent.reward_in)
    agent.action_out.connect(bridge.action_in)
    try:
        ticks = episodes * (bridge.max_episode_steps or 10**6) + 2  # an upper bound: max_episodes ends it
        run_guarded(bridge, ticks, Loihi2SimCfg(select_tag=TAGS[agent.spec.precision]), timeout=None)
        return ([float(r) for r in bridge.episode_returns[:episodes]],
                [int(n) for n in bridge.episode_lengths[:episodes]])
    finally:
        bridge.stop()


def evaluate_run(run_dir, episodes: int = 20, modes: ty.Sequence[str] = ("greedy", "sampled"),
                 backend: str = "engine", seed: int = 0, render_dir=None,
                 on_result: ty.Callable[[int, str, dict], None] | None = None) -> dict:
    """Evaluate every seed's agent of the training run in ``run_dir``; writes and returns ``eval.json``.

    Parameters
    ----------
    run_dir : path
        A ``lava-nrl train`` output directory.
    episodes : int
        Evaluation episodes per seed and mode.
    modes : sequence of str
        Policies: ``"greedy"`` and/or ``"sampled"`` (``lava``: ``sampled`` only).
    backend : str
        ``"engine"`` or ``"lava"`` (module docstring).
    seed : int
        The first episode's ``reset(seed=…)`` and the sampled policy's streams.
    render_dir : path or None
        Where the GIFs of each seed's first episode go.
    on_result : callable or None
        Called with (seed, mode, result) as each evaluation ends.
    """
    from lava_nrl import __version__
    from lava_nrl.params import integer
    from lava_nrl.policy import MODES
    from lava_nrl.runs import atomic_write

    episodes, seed = integer("episodes", episodes, 1), integer("seed", seed, 0)
    if backend not in BACKENDS:
        raise ConfigError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if not modes or any(m not in MODES for m in modes):
        raise ConfigError(f"modes must be among {', '.join(MODES)}, got {list(modes)!r}")
    if backend == "lava" and "greedy" in modes:
        raise ConfigError("the lava backend evaluates the sampled policy only (an NRLAgent samples its actions); "
                          "evaluate greedy on the engine")
    run_dir = pathlib.Path(run_dir)
    files = weight_files(run_dir)
    if render_dir is not None:
        params, _ = read_agent_file(files[0][1])
        _check_renders(_run_config(files[0][1], params), seed)
        pathlib.Path(render_dir).mkdir(parents=True, exist_ok=True)
    results: dict = {mode: {"seeds": {}} for mode in modes}
    env_id = None
    for run_seed, path in files:
        params, weights = read_agent_file(path)
        config = _run_config(path, params)
        env_id = config.env
        for mode in modes:
            render_to = None if render_dir is None else pathlib.Path(render_dir) / f"seed{run_seed}-{mode}.gif"
            if backend == "lava":
                returns, lengths = _episodes_lava(path, config, episodes, seed)
                if render_to is not None:
                    _episodes_engine(params, weights, config, mode, 1, seed, render_to)
            else:
                returns, lengths = _episodes_engine(params, weights, config, mode, episodes, seed, render_to)
            result = {"mean": float(np.mean(returns)), "std": float(np.std(returns)), "returns": returns,
                      "lengths": lengths}
            results[mode]["seeds"][str(run_seed)] = result
            if on_result is not None:
                on_result(run_seed, mode, result)
    for mode in modes:
        means = [r["mean"] for r in results[mode]["seeds"].values()]
        results[mode].update(mean_over_seeds=float(np.mean(means)), std_over_seeds=float(np.std(means)))
    report = {"env": env_id, "episodes": episodes, "seed": seed, "backend": backend, "version": __version__,
              "policies": results}
    atomic_write(run_dir / "eval.json", lambda p: p.write_text(json.dumps(report, indent=2)))
    return report
