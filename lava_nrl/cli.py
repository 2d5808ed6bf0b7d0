# SPDX-License-Identifier: BSD-3-Clause
"""``lava-nrl`` command line: ``lava-nrl train …``.

Options are generated from :class:`~lava_nrl.engine.TrainConfig`, so defaults exist once. Any error
of lava-nrl's own (bad option, unsupported space, NaN observation …) prints one line naming the
cause and exits with status 2; there is no traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

from lava_nrl.errors import ConfigError, NRLError

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, no usage block
        raise ConfigError(f"{self.prog}: {message}")


def _seeds(text: str) -> tuple:
    try:
        return tuple(int(s) for s in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"seeds must be comma-separated integers, got {text!r}") from None


def _build_parser() -> argparse.ArgumentParser:
    from lava_nrl.engine.config import TrainConfig

    parser = _Parser(prog="lava-nrl", description="Noise-based reward-modulated learning on Lava.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    train = commands.add_parser("train", help="train one agent per seed and write results into --out")
    types = {"seeds": _seeds, "episodes": int, "hidden": int, "layers": int, "stop_after_threshold": int,
             "lr": float, "sigma": float, "baseline_rate": float, "trace_decay": float}
    choices = {"rule": ["nrl", "nrl-b", "rmhl", "bp"], "precision": ["float", "fixed"]}
    for field in dataclasses.fields(TrainConfig):
        if field.name == "fixed_format":
            continue
        default = field.default
        shown = ",".join(map(str, default)) if isinstance(default, tuple) else default
        train.add_argument("--" + field.name.replace("_", "-"), dest=field.name, type=types.get(field.name, str),
                           choices=choices.get(field.name), default=default,
                           help=f"(default: {shown if shown is not None else 'the task’s'})")
    train.add_argument("--backend", choices=["numpy", "lava"], default="numpy",
                       help="numpy: the engine, all seeds at once; lava: EnvBridge + NRLAgent on Lava's "
                            "CPU simulator, one seed after another (same results)")
    train.add_argument("--out", required=True, help="directory for returns.csv, summary.json, weights, curve.png")
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def _train(args) -> None:
    if args.backend == "lava":  # first: Lava must choose the multiprocessing start method (P3)
        from lava_nrl.lava_backend import train_lava as train
    else:
        from lava_nrl.engine import train
    from tqdm import tqdm

    from lava_nrl.engine import TrainConfig
    from lava_nrl.runs import write_results

    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    config = TrainConfig(**{k: v for k, v in vars(args).items() if k in fields})
    total = config.num_episodes * len(config.seeds)
    with tqdm(total=total, unit="ep", disable=args.no_progress, desc=f"{config.rule} {config.env}") as bar:
        result = train(config, on_episodes=bar.update)
    summary = write_results(result, args.out)
    steps = int(result.env_steps.sum())
    print(f"{config.env} · {config.rule} · {config.precision} · {args.backend} · {len(config.seeds)} seeds · "
          f"{steps:,} env steps in {result.wall_seconds:.1f} s ({steps / result.wall_seconds:,.0f} steps/s)")
    for seed, s in summary["seeds"].items():
        print(f"  seed {seed}: final mean return {s['final_mean_return']:.1f}, "
              f"episodes to threshold {s['episodes_to_threshold']}")
    print(f"results in {args.out}/")


def main(argv=None) -> int:
    try:
        args = _build_parser().parse_args(argv)
        if args.command == "train":
            _train(args)
        return 0
    except NRLError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
