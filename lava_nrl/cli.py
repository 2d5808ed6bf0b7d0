# SPDX-License-Identifier: BSD-3-Clause
"""``lava-nrl`` command line: ``lava-nrl train …``, ``lava-nrl eval RUN_DIR``, ``lava-nrl reproduce …``,
``lava-nrl resources …``, ``lava-nrl precision-study …``, ``lava-nrl sweep …``.

Options are generated from :class:`~lava_nrl.engine.TrainConfig`, so defaults exist once. Any error
of lava-nrl's own (bad option, unsupported space, NaN observation, an output folder it cannot use …)
prints one line naming the cause and exits with status 2; there is no traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys
import time

from lava_nrl import __version__
from lava_nrl.errors import ConfigError, NRLError, OutputError
from lava_nrl.workers import keep_interrupts_from_callbacks, sigterm_like_sigint

__all__ = ["main"]

# Options that may come with --resume (by dest; "command" is the subcommand's): they change how the run
# goes on, not what it computes.
_RESUMABLE = {"command", "resume", "episodes", "checkpoint_every", "jobs", "no_progress"}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, no usage block
        raise ConfigError(f"{self.prog}: {message}")


def _rule(text: str) -> str:
    """A rule's name: one of the registry's, or one with building blocks set after a colon (``get_rule``)."""
    from lava_nrl.kernels.rules import get_rule

    try:
        get_rule(text)
    except ConfigError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


def _seeds(text: str) -> tuple:
    try:
        return tuple(int(s) for s in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"seeds must be comma-separated integers, got {text!r}") from None


def _env_kwargs(text: str) -> dict:
    """``'k=v,…'`` → keyword arguments; values are Python literals (``True``, ``9.8``) or else strings."""
    import ast

    kwargs = {}
    for item in filter(None, text.split(",")):
        key, sep, value = item.partition("=")
        if not sep or not key.strip().isidentifier():
            raise argparse.ArgumentTypeError(f"env-kwargs must be 'key=value,…', got {text!r}")
        try:
            kwargs[key.strip()] = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            kwargs[key.strip()] = value.strip()
    return kwargs


def _warn_without_step_limit(config) -> None:
    """An episode that never ends never finishes a run: say so before it starts."""
    from env_bridge.batch import make_env
    from lava_nrl.engine.config import TASKS

    if config.max_episode_steps is not None or config.env in TASKS:  # the tasks' episodes end by themselves
        return
    env = make_env(config.env, **config.make_kwargs)
    limit = env.spec.max_episode_steps if env.spec else None
    env.close()
    if limit is None:
        print(f"warning: {config.env} has no step limit; if its episodes never end, neither does the run "
              f"(set --max-episode-steps N)", file=sys.stderr)


def _attribute_docs(cls) -> dict:
    """Each field's docstring: the string literal right after it in the class body."""
    import ast
    import inspect
    import textwrap

    body = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0].body
    return {field.target.id: " ".join(doc.value.value.split()) for field, doc in zip(body, body[1:])
            if isinstance(field, ast.AnnAssign) and isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant)}


def _parameter_docs(cls) -> dict:
    """Each parameter's text in the numpy-style "Parameters" section of ``cls``'s docstring."""
    import inspect
    import re

    section = inspect.getdoc(cls).split("Parameters\n----------\n", 1)[1]
    return {name: " ".join(text.split()) for name, text in re.findall(r"^(\w+) : \w+\n((?:    .*\n?)+)", section, re.M)}


def _option_type(hint):
    """The argparse type of a field annotated ``hint``: its non-None type; a tuple is comma-separated
    integers, a dict 'k=v,…' pairs."""
    import typing as ty

    hint = next(a for a in ty.get_args(hint) or (hint,) if a is not type(None))
    return {tuple: _seeds, dict: _env_kwargs}.get(hint, hint)


def _add_fields(group, cls, docs: dict, prefix: str = "", docs_say_default: bool = False, names=None) -> None:
    """One option per field of the dataclass ``cls`` (``--weight-bits`` for ``weight_bits``; dest
    ``prefix + name``), or per field in ``names``: type from its annotation, choices from its metadata,
    help from its docstring and default (unless ``docs_say_default``). Nested dataclasses are left to
    their own group."""
    import typing as ty

    hints = ty.get_type_hints(cls)
    for field in dataclasses.fields(cls):
        if dataclasses.is_dataclass(hints[field.name]) or (names is not None and field.name not in names):
            continue
        default = field.default
        shown = ",".join(map(str, default)) if isinstance(default, tuple) else default
        said = default is None or docs_say_default
        text = docs[field.name].replace("``", "") + ("" if said else f" Default: {shown}.")
        if field.name == "rule":  # a rule carries its own η, used unless --lr is given
            from lava_nrl.kernels.rules import RULES

            text += " Stable η of each: " + ", ".join(f"{r.name} {r.stable_lr:g}" for r in RULES.values()) + "."
        group.add_argument("--" + field.name.replace("_", "-"), dest=prefix + field.name,
                           metavar=None if "choices" in field.metadata else field.name.upper(),
                           type=_rule if field.name == "rule" else _option_type(hints[field.name]),
                           choices=field.metadata.get("choices"),
                           default=default, help=text.replace("%", "%%"))


_TRAIN_GROUPS = ("training (TrainConfig)", "fixed-point widths (FixedFormat; with --precision fixed)")


def _add_train_options(parser) -> None:
    """The options of a run's configuration: TrainConfig's fields and FixedFormat's widths."""
    from lava_nrl.engine.config import TrainConfig
    from lava_nrl.numerics import FixedFormat

    _add_fields(parser.add_argument_group(_TRAIN_GROUPS[0]), TrainConfig, _attribute_docs(TrainConfig))
    _add_fields(parser.add_argument_group(_TRAIN_GROUPS[1]), FixedFormat, _parameter_docs(FixedFormat),
                prefix="fixed_format.", docs_say_default=True)


def _add_ray(parser, what: str) -> None:
    parser.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS",
                        help=f"run {what} as Ray tasks: on the cluster whose head is at ADDRESS (HOST:PORT, as "
                             "'ray start --head' prints it), or without ADDRESS on a Ray instance started here "
                             "(needs pip install 'lava-nrl[ray]')")


def _add_cells_options(parser, what: str, jobs_help: str) -> None:
    """Options of a command that runs cells (lava_nrl.cells): where, in which units, how often to checkpoint."""
    from lava_nrl.cells import CHECKPOINT_EVERY, GRAINS

    parser.add_argument("--jobs", type=int, default=2, help=jobs_help)
    _add_ray(parser, what)
    parser.add_argument("--grain", choices=GRAINS, default="auto",
                        help="unit of work: the cells of a cohort in one engine loop (cheapest), one cell, or one "
                             "seed of a cell (the most units); auto (default): the coarsest with at least one "
                             "unit per worker")
    parser.add_argument("--checkpoint-every", type=int, default=CHECKPOINT_EVERY, metavar="N",
                        help=f"a unit checkpoints every N episodes over its agents (default {CHECKPOINT_EVERY:,})")


def _build_parser(unset=None) -> argparse.ArgumentParser:
    """The parser; with ``unset``, every train option defaults to ``unset`` (see :func:`_given_options`)."""
    parser = _Parser(prog="lava-nrl", description="Noise-based reward-modulated learning on Lava.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    train = commands.add_parser("train", help="train one agent per seed and write results into --out",
                                description="Train one agent per seed and write its results into --out. "
                                            "Options of the run's configuration (TrainConfig) and its "
                                            "fixed-point widths (FixedFormat) are generated from their fields.")
    _add_train_options(train)
    train.add_argument("--backend", choices=["engine", "lava", "numpy"], default="engine",
                       help="engine: the compiled engine, all seeds at once; lava: EnvBridge + NRLAgent on Lava's "
                            "CPU simulator, one seed after another (same results); numpy: the engine's old name "
                            "(deprecated)")
    train.add_argument("--out", help="directory for returns.csv, summary.json, weights, curve.png (required "
                                     "unless --resume); one that holds another run is refused")
    train.add_argument("--overwrite", action="store_true",
                       help="remove the previous run's files from --out first")
    train.add_argument("--checkpoint-every", type=int, default=100, metavar="N",
                       help="engine: write OUT/checkpoint.pkl every N finished episodes and on Ctrl-C "
                            "(default 100; 0: only on Ctrl-C); lava backend: after each seed")
    train.add_argument("--resume", metavar="DIR",
                       help="continue the interrupted run in DIR from DIR/checkpoint.pkl with its options (others "
                            "are refused, but --episodes may grow the budget)")
    train.add_argument("--jobs", type=int, default=1, metavar="N",
                       help="engine: split the seeds over N processes (one per core; same results, "
                            "no checkpoints)")
    _add_ray(train, "its seeds (split over the cluster's CPUs; no checkpoint to --resume from)")
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    evaluate = commands.add_parser("eval", help="returns of a run's trained agents, without learning; writes "
                                                "RUN_DIR/eval.json")
    evaluate.add_argument("run_dir", metavar="RUN_DIR", help="a lava-nrl train output directory")
    evaluate.add_argument("--episodes", type=int, default=20, help="evaluation episodes per seed (default 20)")
    evaluate.add_argument("--policy", choices=["greedy", "sampled", "both"],
                          help="greedy: the most probable action; sampled: drawn as in training (default: both on "
                               "the engine, sampled on lava)")
    evaluate.add_argument("--backend", choices=["engine", "lava"], default="engine",
                          help="engine: the plain policy in a gymnasium loop; lava: the frozen NRLAgent with an "
                               "EnvBridge (sampled only)")
    evaluate.add_argument("--render", metavar="DIR", help="a GIF of each seed's first episode in DIR "
                                                          "(needs pygame: pip install 'lava-nrl[render]')")
    evaluate.add_argument("--seed", type=int, default=0,
                          help="the first episode's reset seed and the sampled policy's streams (default 0)")
    reproduce = commands.add_parser("reproduce", help="every cell of the paper's comparison; writes results.md")
    reproduce.add_argument("--out", required=True, help="directory for cells/, results.md, results.json, PNGs "
                                                        "(rerun on it to resume)")
    reproduce.add_argument("--quick", action="store_true", help="a minutes-long smoke version (not results)")
    _add_cells_options(reproduce, "its cells", "cohorts run side by side in this many local processes (default 2)")
    reproduce.add_argument("--overwrite", action="store_true",
                           help="remove the previous reproduction's files from --out first")
    from lava_nrl.engine.config import TrainConfig
    from lava_nrl.numerics import FixedFormat

    resources = commands.add_parser("resources", help="what an agent would need on a Loihi 2 chip: neurons, "
                                                      "synapses, memory, messages, operations, cores, energy "
                                                      "(an estimate)",
                                    description="Count what an agent would need on a Loihi 2 chip and estimate "
                                                "its neuro-cores and energy (lava_nrl.resources; sources in "
                                                "the output, mapping in docs/porting.md).")
    _add_fields(resources.add_argument_group("network (TrainConfig)"), TrainConfig, _attribute_docs(TrainConfig),
                names=("env", "rule", "hidden", "layers", "envs"))
    resources.add_argument("--core-memory-kb", type=int, choices=[128, 192], default=128,
                           help="memory per neuro-core assumed for the core estimate (Loihi 2's is published as "
                                "128 or as 192 KB; default 128)")
    resources.add_argument("--json", action="store_true", help="print JSON instead of a table")
    _add_fields(resources.add_argument_group("fixed-point widths (FixedFormat)"), FixedFormat,
                _parameter_docs(FixedFormat), prefix="fixed_format.", docs_say_default=True)
    study = commands.add_parser("precision-study", help="CartPole learning against the fixed-point widths; writes "
                                                         "precision.md, .csv, .json and .png")
    study.add_argument("--out", required=True, help="directory for cells/, precision.md, precision.csv, precision.json, "
                                                    "precision.png (rerun on it to resume)")
    study.add_argument("--seeds", type=_seeds, default=None, metavar="SEEDS",
                       help="comma-separated seeds (default 42,101,300,482,708; --quick: 42,101)")
    study.add_argument("--episodes", type=int, default=None, metavar="N",
                       help="episodes per seed of every rule, each seed stopping once it has held the threshold for 20 "
                            "episodes (default: nrl-fast 1000, nrl-b 3000; --quick: 4)")
    study.add_argument("--quick", action="store_true", help="a few cells at H = 16: a smoke run of seconds (not results)")
    study.add_argument("--jobs", type=int, default=2, help="cohorts run side by side in this many processes")
    study.add_argument("--overwrite", action="store_true", help="remove the previous study's files from --out first")
    sweep = commands.add_parser("sweep", help="train every configuration of a grid of train options; writes "
                                              "sweep.csv and plots",
                                description="Train every configuration of a grid of train options, each over the "
                                            "same seeds, into --out/cells/KEY=V,…/; sweep.csv has a row per "
                                            "configuration, sweep*.png plot the median episodes to threshold. "
                                            "Rerun on --out to continue.")
    sweep.add_argument("--out", required=True, help="directory for cells/, sweep.csv, sweep*.png (rerun on it to "
                                                    "resume)")
    sweep.add_argument("--grid", required=True, metavar="'KEY=V,V… KEY=V,V…'",
                       help="the values of each swept train option, named without its dashes "
                            "(e.g. 'lr=0.005,0.01 sigma=1e-3,1e-2 weight-bits=12,16'); the other train options "
                            "below hold for every configuration")
    _add_cells_options(sweep, "its configurations", "units run side by side in this many local processes (default 2)")
    sweep.add_argument("--overwrite", action="store_true", help="remove the previous sweep's files from --out first")
    _add_train_options(sweep)
    if unset is not None:
        for command in (train, sweep):
            command.set_defaults(**{action.dest: unset for action in command._actions if action.dest != "help"})
    return parser


def _given_options(argv) -> set:
    """The train options named in ``argv`` (by dest): parsed again with every default replaced by a
    marker, the options not given keep the marker."""
    marker = object()
    return {dest for dest, value in vars(_build_parser(unset=marker).parse_args(argv)).items() if value is not marker}


def _refuse_conflicts_with_checkpoint(args, given: set, config, lava: bool) -> None:
    """Raise ConfigError naming the options given with ``--resume`` that differ from the checkpointed
    run's (``--episodes`` may grow an engine run's budget)."""
    import pathlib

    theirs = config.to_dict()

    def differs(name: str) -> bool:
        if name == "episodes" and not lava:
            return False  # extend_budget judges it
        if name.startswith("fixed_format."):
            return getattr(config.fixed_format, name.split(".", 1)[1]) != getattr(args, name)
        if name in theirs:
            try:
                return dataclasses.replace(config, **{name: getattr(args, name)}).to_dict()[name] != theirs[name]
            except ConfigError:
                return True
        if name == "backend":
            return args.backend != ("lava" if lava else "engine")
        if name == "out":
            return pathlib.Path(args.out).resolve() != pathlib.Path(args.resume).resolve()
        return True  # --overwrite would throw away the run being continued

    conflicts = sorted(name for name in given - _RESUMABLE if differs(name))
    if conflicts:
        raise ConfigError(f"--resume {args.resume}: {', '.join('--' + n.replace('_', '-') for n in conflicts)} "
                          "differ from the checkpointed run's options (only --episodes may grow the budget)")


def _write_results_or_elsewhere(result, out, command: str, backend: str) -> dict:
    """``write_results`` into ``out``; where that fails (a full disk …), into a new temporary folder, and
    raise OutputError saying where the results are."""
    import pathlib
    import shutil
    import tempfile

    from lava_nrl.runs import write_results

    try:
        return write_results(result, out, command=command, backend=backend)
    except OSError as err:
        failed = f"writing the results into {out}/ failed ({err.strerror or err})"
    fallback = None
    try:
        fallback = pathlib.Path(tempfile.mkdtemp(prefix="lava-nrl-results-"))
        write_results(result, fallback, command=command, backend=backend)
    except OSError as err:
        if fallback is not None:
            shutil.rmtree(fallback, ignore_errors=True)
        raise OutputError(f"{failed}, and into a temporary folder too ({err.strerror or err}): the results "
                          "are lost") from None
    raise OutputError(f"{failed}; the results are in {fallback}/ instead")


def _episodes_so_far(run) -> list:
    """The returns.csv rows of what a resumed run holds (none for a new run)."""
    from lava_nrl.runs import episodes_of, result_episodes

    if not hasattr(run, "returns"):  # a TrainConfig: a new run
        return []
    if hasattr(run, "books"):  # the engine's Run
        return [e for seed, b in zip(run.seeds, run.books)
                for e in episodes_of(seed, b.returns, b.lengths, envs=b.envs, env_steps=b.env_steps)]
    return result_episodes(run)  # a LavaRun: its finished seeds


def _config_from(args):
    """The TrainConfig the options name (the FixedFormat widths from their flat flags)."""
    from lava_nrl.engine import TrainConfig
    from lava_nrl.numerics import FixedFormat

    options = vars(args)
    widths = {f.name: options["fixed_format." + f.name] for f in dataclasses.fields(FixedFormat)}
    return TrainConfig(**{f.name: options[f.name] for f in dataclasses.fields(TrainConfig) if f.name in options},
                       fixed_format=FixedFormat(**widths))


def _train(args, given: set, command: str) -> None:
    if args.backend == "numpy":
        print("warning: --backend numpy is deprecated; the engine is now called --backend engine", file=sys.stderr)
        args.backend = "engine"
    if args.backend == "lava" and not args.resume:  # a resumed run's backend is its checkpoint's
        from lava_nrl.lava_backend import train_lava
    import collections
    import pathlib
    import time

    import numpy as np
    from tqdm import tqdm

    from lava_nrl.engine.train import extend_budget, load_checkpoint, train
    from lava_nrl.runs import WINDOW, EpisodeLog, plural, writing_into

    if args.ray is not None and (args.resume or args.jobs > 1 or args.backend == "lava"):
        raise ConfigError("--ray splits the seeds over the cluster's CPUs: not with --resume, --jobs or --backend lava")
    if args.resume:
        checkpoint = pathlib.Path(args.resume) / "checkpoint.pkl"
        if not checkpoint.is_file():
            raise ConfigError(f"--resume {args.resume}: no checkpoint.pkl there")
        run = load_checkpoint(checkpoint)
        lava = not hasattr(run, "configs")  # the checkpoint says which backend wrote it
        if lava:
            from lava_nrl.lava_backend import train_lava
        config = run.config if lava else run.configs[0]
        _refuse_conflicts_with_checkpoint(args, given, config, lava)
        if "episodes" in given and not lava:
            config = extend_budget(run, args.episodes).configs[0]
        out, done = pathlib.Path(args.resume), sum(len(r) for r in run.returns)
    else:
        if not args.out:
            raise ConfigError("lava-nrl train: --out DIR is required (or --resume DIR)")
        config = _config_from(args)
        run, out, done, lava = config, pathlib.Path(args.out), 0, args.backend == "lava"
        checkpoint = out / "checkpoint.pkl"
    if args.checkpoint_every < 0:
        raise ConfigError(f"--checkpoint-every must be ≥ 0, got {args.checkpoint_every}")
    if args.jobs < 1 or (args.jobs > 1 and (lava or args.resume)):
        raise ConfigError(f"--jobs must be ≥ 1, and 1 with --backend lava or --resume; got {args.jobs}")
    _warn_without_step_limit(config)
    total = config.num_episodes * len(config.seeds)
    with writing_into(out, overwrite=args.overwrite, resume=bool(args.resume)):
        with EpisodeLog(out, _episodes_so_far(run)) as log, \
                tqdm(total=total, initial=done, unit="ep", disable=args.no_progress,
                     desc=f"{config.rule} {config.env}") as bar:

            recent, steps, started = {}, {}, time.perf_counter()  # per seed: last 100 returns, env steps

            def on_episodes(episodes: list, skipped: int) -> None:
                log(episodes)
                for e in episodes:
                    recent.setdefault(e.seed, collections.deque(maxlen=WINDOW)).append(e.episode_return)
                    steps[e.seed] = e.env_steps
                if episodes:
                    window = recent[episodes[-1].seed]
                    bar.set_postfix_str(f"mean return {np.mean(window):.1f}, "
                                        f"{sum(steps.values()) / (time.perf_counter() - started):,.0f} env steps/s",
                                        refresh=False)
                bar.update(len(episodes) + skipped)

            try:
                if lava:
                    result = train_lava(run, on_episodes=on_episodes, checkpoint=checkpoint)
                elif args.ray is not None:
                    from lava_nrl.cluster import train_on_ray

                    result = train_on_ray(run, args.ray, on_episodes=on_episodes,
                                          checkpoint_every=args.checkpoint_every)
                elif args.jobs > 1:
                    result = train(run, on_episodes=on_episodes, jobs=args.jobs)
                else:
                    result = train(run, on_episodes=on_episodes, checkpoint=checkpoint,
                                   checkpoint_every=args.checkpoint_every)
            except KeyboardInterrupt:
                if args.jobs > 1 or args.ray is not None:
                    raise KeyboardInterrupt(f"{'--ray' if args.ray is not None else '--jobs'} runs keep no checkpoint")
                if not checkpoint.is_file():  # a Lava run checkpoints after its first seed
                    raise KeyboardInterrupt("no seed had finished, so there is no checkpoint; start again")
                raise KeyboardInterrupt(f"checkpoint in {checkpoint}; continue with: lava-nrl train --resume {out}")
        summary = _write_results_or_elsewhere(result, out, command, "lava" if lava else "engine")
        checkpoint.unlink(missing_ok=True)  # the results hold everything now
    steps = int(result.env_steps.sum())
    print(f"{config.env} · {config.rule} · {config.precision} · {'lava' if lava else 'engine'} · "
          f"{plural(len(config.seeds), 'seed')} · "
          f"{steps:,} env steps in {result.wall_seconds:.1f} s ({steps / result.wall_seconds:,.0f} steps/s)")
    for seed, s in summary["seeds"].items():
        if result.reward_threshold is None:
            print(f"  seed {seed}: final mean return {s['final_mean_return']:.1f} after {s['episodes']:,} episodes")
        elif s["episodes_to_threshold"]:
            alone = f" in {result.wall_seconds:.1f} s" if len(config.seeds) == 1 else ""
            print(f"  seed {seed}: solved after {s['episodes_to_threshold']:,} episodes and "
                  f"{s['env_steps_to_threshold']:,} env steps{alone} (100-episode mean ≥ {result.reward_threshold:g}); "
                  f"final mean return {s['final_mean_return']:.1f}")
        else:
            print(f"  seed {seed}: not solved in {s['episodes']:,} episodes; best 100-episode mean "
                  f"{s['best_mean_return']:.1f} (threshold {result.reward_threshold:g})")
    saturated = {kind: count for kind, count in summary["saturations"].items() if count}
    if saturated:
        print("  fixed point saturated (clipped to its width): "
              + ", ".join(f"{kind} {count:,}" for kind, count in saturated.items()))
    print(f"results in {out}/")


def _eval(args) -> None:
    from lava_nrl.evaluate import evaluate_run

    policy = args.policy or ("sampled" if args.backend == "lava" else "both")
    modes = ("greedy", "sampled") if policy == "both" else (policy,)

    def report(seed: int, mode: str, result: dict) -> None:
        print(f"  seed {seed} {mode}: mean return {result['mean']:.1f} ± {result['std']:.1f} over "
              f"{len(result['returns'])} episodes", flush=True)

    evaluation = evaluate_run(args.run_dir, episodes=args.episodes, modes=modes, backend=args.backend,
                              seed=args.seed, render_dir=args.render, on_result=report)
    for mode, result in evaluation["policies"].items():
        print(f"{evaluation['env']} · {mode} · {args.backend}: {result['mean_over_seeds']:.1f} ± "
              f"{result['std_over_seeds']:.1f} over seeds")
    print(f"results in {args.run_dir}/eval.json" + (f", GIFs in {args.render}/" if args.render else ""))


def _duration(seconds: float) -> str:
    """``45 s``, ``12 min``, ``2 h 05 min``."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def _check_cells_options(args) -> None:
    if args.jobs < 1:
        raise ConfigError(f"--jobs must be ≥ 1; got {args.jobs}")
    if args.checkpoint_every < 0:
        raise ConfigError(f"--checkpoint-every must be ≥ 0, got {args.checkpoint_every}")


def _cell_reporter(started: float, smoke: bool = False):
    """``on_cell``: a line per cell done, with cells done / all and the time left."""

    def report(name: str, reused: bool, progress) -> None:
        eta = "" if progress.eta_seconds is None else f" · ETA {_duration(progress.eta_seconds)}"
        print(f"[{time.perf_counter() - started:7.0f} s] {name}{' (done before)' if reused else ''}"
              f"{' (smoke run)' if smoke else ''} · {progress.cells_done}/{progress.cells_total} cells{eta}",
              flush=True)

    return report


def _reproduce(args) -> None:
    from lava_nrl.reproduce import reproduce

    _check_cells_options(args)
    smoke = " of a --quick smoke run (not results)" if args.quick else ""
    started = time.perf_counter()
    rows = reproduce(args.out, quick=args.quick, on_cell=_cell_reporter(started, args.quick), jobs=args.jobs,
                     overwrite=args.overwrite, ray=args.ray, grain=args.grain, checkpoint_every=args.checkpoint_every)
    print(f"{len(rows)} cells{smoke} in {time.perf_counter() - started:.0f} s; table in {args.out}/results.md")


def _resources(args) -> None:
    import json

    from env_bridge.batch import make_env
    from env_bridge.validation import action_count, observation_size
    from lava_nrl.resources import estimate

    config = _config_from(args)  # validates H, L, K, the rule and the widths as train does
    env = make_env(config.env)
    sizes = config.sizes(observation_size(env.observation_space), action_count(env.action_space))
    env.close()
    result = estimate(sizes, config.rule, config.fixed_format, num_envs=config.envs, modulation=config.modulation,
                      core_memory_kb=args.core_memory_kb)
    print(json.dumps(result.to_dict(), indent=1, ensure_ascii=False) if args.json else result.table())
def _precision_study(args, command: str) -> None:
    import time

    from lava_nrl.precision import SEEDS, precision_study

    if args.jobs < 1:
        raise ConfigError(f"--jobs must be ≥ 1; got {args.jobs}")
    episodes = args.episodes if args.episodes is not None else 4 if args.quick else None
    if episodes is not None and episodes < 1:
        raise ConfigError(f"--episodes must be ≥ 1; got {episodes}")
    seeds = args.seeds or ((42, 101) if args.quick else SEEDS)
    started = time.perf_counter()

    rows = precision_study(args.out, seeds=seeds, episodes=episodes, quick=args.quick, jobs=args.jobs,
                           overwrite=args.overwrite, on_cell=_cell_reporter(started, args.quick), command=command)
    print(f"{len(rows)} cells{' of a --quick smoke run (not results)' if args.quick else ''} in "
          f"{time.perf_counter() - started:.0f} s; table in {args.out}/precision.md, plot in {args.out}/precision.png")
_NOT_SWEPT = {"seeds": "seeds are every configuration's replicates: give them with --seeds",
              "env_kwargs": "--env-kwargs holds commas: give it as an option, the same for every configuration"}


def _grid(text: str, parser) -> dict:
    """``--grid 'KEY=V,V… KEY=V,V…'`` → {option dest: [values]}, each value parsed as its option parses it."""
    options = {action.dest.split(".")[-1]: action for group in parser._action_groups
               if group.title.startswith(_TRAIN_GROUPS) for action in group._group_actions}
    grid = {}
    for item in text.split():
        key, sep, values = item.partition("=")
        key = key.replace("-", "_")
        if key in _NOT_SWEPT:
            raise ConfigError(f"--grid {key}: {_NOT_SWEPT[key]}")
        if not sep or key not in options or not values:
            raise ConfigError(f"--grid: {item!r} is not KEY=V,V… with KEY a train option without its dashes "
                              f"({', '.join(k for k in options if k not in _NOT_SWEPT)})")
        action = options[key]
        if action.dest in grid:
            raise ConfigError(f"--grid: {key} is given twice")
        parsed = []
        for value in values.split(","):
            try:
                parsed.append(action.type(value) if action.type else value)
            except argparse.ArgumentTypeError as err:
                raise ConfigError(f"--grid {key}: {err}") from None
            except ValueError:
                raise ConfigError(f"--grid {key}: {value!r} is not a valid {key}") from None
            if action.choices is not None and parsed[-1] not in action.choices:
                raise ConfigError(f"--grid {key}: {value!r} is not one of {', '.join(map(str, action.choices))}")
        if len(set(parsed)) != len(parsed):
            raise ConfigError(f"--grid {key}: a value is given twice")
        grid[action.dest] = parsed
    if not grid:
        raise ConfigError("--grid: no KEY=V,V… given")
    return grid


def _sweep(args, given: set) -> None:
    import itertools

    from lava_nrl.sweep import Point, sweep

    _check_cells_options(args)
    commands = next(a for a in _build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    grid = _grid(args.grid, commands.choices["sweep"])
    both = sorted(given & set(grid))
    if both:
        raise ConfigError(f"{', '.join('--' + d.split('.')[-1].replace('_', '-') for d in both)}: given as an option "
                          "and swept by --grid; give it once")
    points = []
    for values in itertools.product(*grid.values()):
        chosen = dict(zip(grid, values))
        point = Point({dest.split(".")[-1]: v for dest, v in chosen.items()}, None)
        try:
            points.append(point._replace(config=_config_from(argparse.Namespace(**{**vars(args), **chosen}))))
        except ConfigError as err:
            raise ConfigError(f"--grid {point.name}: {err}") from None
    started = time.perf_counter()
    rows = sweep(args.out, points, jobs=args.jobs, ray=args.ray, grain=args.grain,
                 checkpoint_every=args.checkpoint_every, overwrite=args.overwrite,
                 on_cell=_cell_reporter(started))
    seeds = len(points[0].config.seeds)
    print(f"{len(rows)} configurations × {seeds} seed{'s' if seeds > 1 else ''} in "
          f"{time.perf_counter() - started:.0f} s; sweep.csv and plots in {args.out}/")


def main(argv=None) -> int:
    """Run a command; exit status 0, 2 for an error of the input, 130 after Ctrl-C, 143 after SIGTERM
    (handled like Ctrl-C: checkpoint, stop every worker)."""
    import warnings

    warnings.formatwarning = lambda message, *_, **__: f"warning: {message}\n"  # one line, as errors are
    terminated = sigterm_like_sigint()
    keep_interrupts_from_callbacks()
    try:
        argv = sys.argv[1:] if argv is None else list(argv)
        args = _build_parser().parse_args(argv)
        if args.command == "train":
            _train(args, _given_options(argv), shlex.join(["lava-nrl", *argv]))
        elif args.command == "eval":
            _eval(args)
        elif args.command == "reproduce":
            _reproduce(args)
        elif args.command == "resources":
            _resources(args)
        elif args.command == "precision-study":
            _precision_study(args, shlex.join(["lava-nrl", *argv]))
        elif args.command == "sweep":
            _sweep(args, _given_options(argv))
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
