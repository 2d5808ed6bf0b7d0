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
from lava_nrl.workers import sigterm_like_sigint

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
    choices = {"rule": ["nrl", "nrl-b", "rmhl", "bp"], "precision": ["float", "fixed"], "xi_norm": ["network", "layer"]}
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
    train.add_argument("--out", help="directory for returns.csv, summary.json, weights, curve.png (required "
                                     "unless --resume)")
    train.add_argument("--checkpoint-every", type=int, default=100, metavar="N",
                       help="numpy backend: write OUT/checkpoint.pkl every N finished episodes and on Ctrl-C "
                            "(default 100; 0: only on Ctrl-C); lava backend: after each seed")
    train.add_argument("--resume", metavar="DIR",
                       help="continue the interrupted run in DIR from DIR/checkpoint.pkl (its options are used)")
    train.add_argument("--jobs", type=int, default=1, metavar="N",
                       help="numpy backend: split the seeds over N processes (one per core; same results, "
                            "no checkpoints)")
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    reproduce = commands.add_parser("reproduce", help="every cell of the paper's comparison; writes results.md")
    reproduce.add_argument("--out", required=True, help="directory for cells/, results.md, results.json, PNGs")
    reproduce.add_argument("--quick", action="store_true", help="a minutes-long smoke version (not results)")
    reproduce.add_argument("--jobs", type=int, default=2, help="cohorts run side by side in this many processes")
    return parser


def _train(args) -> None:
    if args.backend == "lava":  # first: Lava must choose the multiprocessing start method (P3)
        from lava_nrl.lava_backend import train_lava
    import pathlib

    from tqdm import tqdm

    from lava_nrl.engine import TrainConfig
    from lava_nrl.engine.train import load_checkpoint, train
    from lava_nrl.runs import write_results

    if args.resume:
        checkpoint = pathlib.Path(args.resume) / "checkpoint.pkl"
        if not checkpoint.is_file():
            raise ConfigError(f"--resume {args.resume}: no checkpoint.pkl there")
        run = load_checkpoint(checkpoint)
        lava = not hasattr(run, "configs")  # the checkpoint says which backend wrote it
        if lava:
            from lava_nrl.lava_backend import train_lava
        config = run.config if lava else run.configs[0]
        out, done = pathlib.Path(args.resume), sum(len(r) for r in run.returns)
    else:
        if not args.out:
            raise ConfigError("lava-nrl train: --out DIR is required (or --resume DIR)")
        fields = {f.name for f in dataclasses.fields(TrainConfig)}
        config = TrainConfig(**{k: v for k, v in vars(args).items() if k in fields})
        run, out, done, lava = config, pathlib.Path(args.out), 0, args.backend == "lava"
        checkpoint = out / "checkpoint.pkl"
    if args.checkpoint_every < 0:
        raise ConfigError(f"--checkpoint-every must be ≥ 0, got {args.checkpoint_every}")
    if args.jobs < 1 or (args.jobs > 1 and (lava or args.resume)):
        raise ConfigError(f"--jobs must be ≥ 1, and 1 with --backend lava or --resume; got {args.jobs}")
    total = config.num_episodes * len(config.seeds)
    out.mkdir(parents=True, exist_ok=True)
    with tqdm(total=total, initial=done, unit="ep", disable=args.no_progress,
              desc=f"{config.rule} {config.env}") as bar:
        try:
            if lava:
                result = train_lava(run, on_episodes=bar.update, checkpoint=checkpoint)
            elif args.jobs > 1:
                result = train(run, on_episodes=bar.update, jobs=args.jobs)
            else:
                result = train(run, on_episodes=bar.update, checkpoint=checkpoint,
                               checkpoint_every=args.checkpoint_every)
        except KeyboardInterrupt:
            if args.jobs > 1:
                raise KeyboardInterrupt("--jobs runs keep no checkpoint")
            if not checkpoint.is_file():  # a Lava run checkpoints after its first seed
                raise KeyboardInterrupt("no seed had finished, so there is no checkpoint; start again")
            raise KeyboardInterrupt(f"checkpoint in {checkpoint}; continue with: lava-nrl train --resume {out}")
    summary = write_results(result, out)
    checkpoint.unlink(missing_ok=True)  # the results hold everything now
    steps = int(result.env_steps.sum())
    print(f"{config.env} · {config.rule} · {config.precision} · {'lava' if lava else 'numpy'} · {len(config.seeds)} seeds · "
          f"{steps:,} env steps in {result.wall_seconds:.1f} s ({steps / result.wall_seconds:,.0f} steps/s)")
    for seed, s in summary["seeds"].items():
        print(f"  seed {seed}: final mean return {s['final_mean_return']:.1f}, "
              f"episodes to threshold {s['episodes_to_threshold']}")
    print(f"results in {out}/")


def _reproduce(args) -> None:
    import time

    from lava_nrl.reproduce import reproduce

    started = time.perf_counter()

    def report(name: str, reused: bool) -> None:
        print(f"[{time.perf_counter() - started:7.0f} s] {name}{' (done before)' if reused else ''}", flush=True)

    rows = reproduce(args.out, quick=args.quick, on_cell=report, jobs=args.jobs)
    print(f"{len(rows)} cells in {time.perf_counter() - started:.0f} s; table in {args.out}/results.md")


def main(argv=None) -> int:
    """Run a command; exit status 0, 2 for an error of the input, 130 after Ctrl-C, 143 after SIGTERM
    (handled like Ctrl-C: checkpoint, stop every worker)."""
    terminated = sigterm_like_sigint()
    try:
        args = _build_parser().parse_args(argv)
        if args.command == "train":
            _train(args)
        elif args.command == "reproduce":
            _reproduce(args)
        return 0
    except NRLError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as interrupt:
        cause = "terminated" if terminated else "interrupted"
        print(f"{cause}{': ' + str(interrupt) if str(interrupt) else ''}", file=sys.stderr)
        return 143 if terminated else 130


if __name__ == "__main__":
    sys.exit(main())
