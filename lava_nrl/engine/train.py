# SPDX-License-Identifier: BSD-3-Clause
"""Train one agent per seed, side by side, with NRL, RMHL or BP (nrl-algorithm.md).

Reads top to bottom: set-up, then one loop — act, environment, learn, bookkeeping. Every agent is
independent (its own weights, traces, baseline, environments and random streams), so agent i of a
batch computes exactly what a run with ``seeds=[seeds[i]]`` computes. An agent with ``envs = K`` plays K
environments at once, its K copies sharing its weights (:mod:`lava_nrl.kernels.agent`); its episodes
over all of them count against its budget (:mod:`env_bridge.episodes`). All arithmetic is in
:mod:`lava_nrl.kernels` (``act`` and ``learn`` are the Lava NRLAgent's too); this file only moves
arrays.

Several configurations of one environment and reward schedule may share the loop (a *cohort*:
``train_cohort([config, …])``): each is a group of agents with its own rule, sizes, η and precision, and
the environments of all groups step together, so the loop's per-step cost is paid once. A group
computes exactly what it computes alone.

``jobs=N`` splits one config's seeds over N processes (agents are independent, so the result is the
same); this is how a run uses more than one core.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import queue
import pickle
import signal
import threading
import time
import typing as ty
import warnings

import numpy as np

from env_bridge.batch import EnvBatch, make_batch, make_env
from env_bridge.episodes import AgentEpisodes
from env_bridge.schedules import RewardSchedule, initial_state, schedule_step
from lava_nrl.errors import CheckpointError, ConfigError, OutputError
from lava_nrl.kernels.agent import AgentSpec, AgentState, Groups, init_agents
from lava_nrl.kernels.rules import get_rule
from lava_nrl.numerics import rng
from lava_nrl.runs import Episode, add_counts, atomic_write, plural

from .config import TrainConfig

__all__ = ["train", "train_cohort", "TrainResult", "Run", "start_run", "save_checkpoint", "load_checkpoint",
           "agent_spec", "extend_budget", "merge_results"]


class TrainResult(ty.NamedTuple):
    config: TrainConfig
    returns: list  # per agent, the list of episode returns
    lengths: list  # per agent, the list of episode lengths
    weights: list  # per agent, the list of float64 weight matrices W_0..W_L
    env_steps: np.ndarray  # per agent, env steps within its episode budget, all its environments together
    wall_seconds: float
    reward_threshold: float | None
    saturations: dict  # fixed point: values clipped to their width, by kind (never silent)
    episode_envs: list | None = None  # per agent, the environment of each episode (None: all 0)
    episode_env_steps: list | None = None  # per agent, its env steps at each episode's end (None: Σ lengths)


def agent_spec(config: TrainConfig, n_obs: int, n_actions: int) -> AgentSpec:
    """The kernels' view of a run's configuration."""
    return AgentSpec(sizes=tuple(config.sizes(n_obs, n_actions)), rule=get_rule(config.rule),
                     modulation=config.modulation, lr=config.lr, sigma=config.sigma,
                     precision=config.precision, fixed_format=config.fixed_format)


@dataclasses.dataclass
class Run:
    """Everything a training run holds between two steps; a checkpoint is this object, pickled.

    Rows are environments: agent i's K copies are consecutive rows. ``configs[g]``'s copies are rows
    ``slots[g]``, with kernels' ``specs[g]`` and ``states[g]``."""

    configs: list
    envs: EnvBatch
    specs: list
    states: list
    slots: list  # slices into the rows, one per group
    schedule_state: ty.Any
    obs: np.ndarray
    books: list  # per agent, its AgentEpisodes
    agent: np.ndarray  # per row, its agent
    copy: np.ndarray  # per row, its environment's index within the agent
    episode_return: np.ndarray  # of the episode under way, per row
    episode_length: np.ndarray
    env_steps: np.ndarray  # within the budget, per row
    active: np.ndarray  # per row: its environment plays on (AgentEpisodes.playing)
    wall_seconds: float = 0.0

    @property
    def returns(self) -> list:
        """Per agent, its episode returns so far."""
        return [book.returns for book in self.books]

    @property
    def lengths(self) -> list:
        return [book.lengths for book in self.books]

    @property
    def seeds(self) -> list:
        return [s for c in self.configs for s in c.seeds]


def start_run(configs: TrainConfig | ty.Sequence[TrainConfig]) -> Run:
    """A run at its first step: environments reset, agents initialised from their seeds."""
    configs = [configs] if isinstance(configs, TrainConfig) else list(configs)
    env, schedule, make_kwargs = configs[0].env, configs[0].reward_schedule, configs[0].make_kwargs
    if any(c.env != env or c.reward_schedule != schedule or c.make_kwargs != make_kwargs for c in configs):
        raise ConfigError("a cohort shares one environment and reward schedule; got "
                          + ", ".join(sorted({f"{c.env} {c.make_kwargs or ''} ({c.reward_schedule})"
                                              for c in configs})))
    # Environment keywords travel in the factory, so that a checkpoint's batch is rebuilt with them.
    envs = make_batch(functools.partial(make_env, env, **make_kwargs) if make_kwargs else env,
                      [e for c in configs for s in c.seeds for e in rng.env_seeds(s, c.envs)])
    specs = [agent_spec(c, envs.n_obs, envs.n_actions) for c in configs]
    _refuse_beyond_memory(specs, configs)
    ends = np.cumsum([len(c.seeds) * c.envs for c in configs])
    slots = [slice(int(end - len(c.seeds) * c.envs), int(end)) for c, end in zip(configs, ends)]
    books = [AgentEpisodes(c.envs, c.num_episodes, c.stop_after_threshold, envs.reward_threshold)
             for c in configs for _ in c.seeds]
    rows = envs.num_envs
    return Run(configs=configs, envs=envs, specs=specs,
               states=[init_agents(spec, c.seeds, c.envs) for spec, c in zip(specs, configs)], slots=slots,
               schedule_state=initial_state(RewardSchedule.parse(schedule), rows), obs=envs.reset(), books=books,
               agent=np.repeat(np.arange(len(books)), [c.envs for c in configs for _ in c.seeds]),
               copy=np.concatenate([np.tile(np.arange(c.envs), len(c.seeds)) for c in configs]),
               episode_return=np.zeros(rows), episode_length=np.zeros(rows, dtype=np.int64),
               env_steps=np.zeros(rows, dtype=np.int64),
               active=np.concatenate([book.playing for book in books]))


def _available_memory() -> int | None:
    """Bytes the kernel can still give without swapping (``MemAvailable``); None where it does not say."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _refuse_beyond_memory(specs: list, configs: list) -> None:
    """Raise ConfigError, before anything is allocated, when the agents' weights, their copies' traces and
    the Adam-style step's two moments alone (8 bytes a synapse each, in both precisions) would not fit in
    the memory available."""
    synapses = sum(len(c.seeds) * (1 + c.envs + 2 * spec.rule.keeps_moments)
                   * sum(a * b for a, b in zip(spec.sizes[:-1], spec.sizes[1:])) for spec, c in zip(specs, configs))
    needed, available, agents = 8 * synapses, _available_memory(), sum(len(c.seeds) for c in configs)
    if available is not None and needed > available:
        raise ConfigError(f"weights and traces of {plural(agents, 'agent')} of sizes "
                          f"{'-'.join(map(str, specs[0].sizes))} need {needed / 2**30:,.1f} GiB, and "
                          f"{available / 2**30:,.1f} GiB is available; lower --hidden, --layers, --envs or the number "
                          "of seeds")


def save_checkpoint(run, path) -> None:
    """Write ``run`` (a :class:`Run`, or the Lava backend's ``LavaRun``) atomically, with the version of
    lava-nrl that wrote it: a crash mid-write leaves the previous checkpoint intact."""
    import lava_nrl

    def dump(tmp) -> None:
        with open(tmp, "wb") as f:
            pickle.dump({"lava_nrl_version": lava_nrl.__version__, "run": run}, f, protocol=pickle.HIGHEST_PROTOCOL)

    atomic_write(path, dump)


def load_checkpoint(path):
    """The run a :func:`save_checkpoint` of this version of lava-nrl wrote (trusted files only: it is a pickle).

    Raises
    ------
    CheckpointError
        The file is truncated or corrupted, or another version wrote it (its classes may differ).
    """
    import lava_nrl

    try:
        with open(path, "rb") as f:
            saved = pickle.load(f)
    except OSError:  # the file could not be read: not a damaged checkpoint
        raise
    except Exception as err:  # unpickling damaged bytes fails in many ways, each meaning the same
        raise CheckpointError(f"{path}: truncated, corrupted or from another lava-nrl, cannot be continued "
                              f"({type(err).__name__}: {err})") from None
    version = saved.get("lava_nrl_version") if isinstance(saved, dict) else None
    if version is None:
        raise CheckpointError(f"{path}: written by a lava-nrl from before checkpoints recorded their version "
                              f"(this is {lava_nrl.__version__}): start the run again")
    if version != lava_nrl.__version__:
        raise CheckpointError(f"{path}: written by lava-nrl {version}, this is {lava_nrl.__version__}: "
                              f"continue it with {version} or start the run again")
    return saved["run"]


def extend_budget(run: Run, episodes: int) -> Run:
    """``run`` (one config, from a checkpoint) with a budget of ``episodes`` per seed; it then ends as a run
    started with that budget ends, bit for bit.

    Raises
    ------
    ConfigError
        ``episodes`` is below the run's budget, or one of a seed's environments has already stopped at
        its budget (its environment and random streams went on without it, so it cannot continue as the
        longer run would).
    """
    config = run.configs[0]
    if episodes < config.num_episodes:
        raise ConfigError(f"--episodes {episodes} with --resume: below the run's {config.num_episodes}; "
                          "a budget can only grow")
    ended = [str(seed) for seed, book in zip(config.seeds, run.books) if not book.playing.all()]
    if ended and episodes > config.num_episodes:
        raise ConfigError(f"--episodes {episodes} with --resume: seed {', '.join(ended)} already ended its "
                          f"{config.num_episodes} episodes, so it cannot go on as a longer run would; start a new run")
    run.configs[0] = dataclasses.replace(config, episodes=episodes)
    for book in run.books:
        book.budget = episodes
    return run


@contextlib.contextmanager
def _interrupts_between_steps():
    """Defer SIGINT to the next step boundary (in the main thread; elsewhere nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return
    received = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield lambda: bool(received)
    finally:
        signal.signal(signal.SIGINT, previous)


def train(config: TrainConfig | Run, on_episodes: ty.Callable[[list, int], None] | None = None, checkpoint=None,
          checkpoint_every: int = 0, jobs: int = 1) -> TrainResult:
    """Run ``config`` (or continue a :class:`Run` of one config from a checkpoint) to the end of its
    budget; returns its :class:`TrainResult`.

    ``on_episodes(episodes, skipped)``: called as episodes end, with their :class:`~lava_nrl.runs.Episode`
    rows and the number of episodes of the budget that agents stopped at the threshold will not run
    (a progress bar advances by both). ``checkpoint``: a
    path written every ``checkpoint_every`` finished episodes (0: never) and on Ctrl-C, after which
    the KeyboardInterrupt goes on; continuing from it gives the uninterrupted run's result, bit for
    bit. It may also be a callable ``checkpoint(run)`` that stores the :class:`Run` elsewhere (a Ray
    task sends it to the driver). ``jobs``: processes to split the seeds over (no checkpoints then)."""
    if isinstance(config, Run) and len(config.configs) != 1:
        raise ConfigError(f"train() continues a run of one config; this one has {len(config.configs)}: "
                          "use train_cohort()")
    if not isinstance(config, (TrainConfig, Run)):
        raise ConfigError(f"train() takes one TrainConfig (or its Run); for several use train_cohort(), "
                          f"got {type(config).__name__}")
    if jobs > 1:
        return _train_in_processes(config, jobs, on_episodes, checkpoint)
    return train_cohort(config if isinstance(config, Run) else [config], on_episodes, checkpoint,
                        checkpoint_every)[0]


def train_cohort(configs: ty.Sequence[TrainConfig] | Run, on_episodes: ty.Callable[[list, int], None] | None = None,
                 checkpoint=None, checkpoint_every: int = 0) -> list[TrainResult]:
    """Run a cohort — configs of one environment and reward schedule, stepping one environment batch
    together — (or continue its :class:`Run`) to the end of every budget; returns a
    :class:`TrainResult` per config, in order. ``on_episodes``, ``checkpoint`` and
    ``checkpoint_every`` as for :func:`train`; each config computes exactly what it computes alone."""
    run = configs if isinstance(configs, Run) else start_run(configs)
    store = checkpoint if callable(checkpoint) else functools.partial(save_checkpoint, path=checkpoint)
    envs, groups = run.envs, list(zip(run.specs, run.states, run.slots))
    kernels = Groups(run.specs, run.states, run.slots)  # every group's act and learn, a compiled call per precision
    schedule = RewardSchedule.parse(run.configs[0].reward_schedule)
    seeds = run.seeds
    actions = np.zeros(envs.num_envs, dtype=np.int64)
    started, since_checkpoint = time.perf_counter() - run.wall_seconds, 0
    with _interrupts_between_steps() as interrupted:
        while run.active.any():
            if interrupted():  # Ctrl-C: stop between two whole steps, so the checkpoint is consistent
                if checkpoint is not None:
                    run.wall_seconds = time.perf_counter() - started
                    try:
                        store(run)
                    except OSError as err:
                        raise OutputError(f"interrupted, and the checkpoint could not be written "
                                          f"({err.strerror or err}): {checkpoint} holds the run as it was at its "
                                          "previous checkpoint, if any") from None
                raise KeyboardInterrupt
            # ACT: noise, clean and noisy pass, readout, trace (groups whose agents all stopped: skipped)
            kernels.act(run.obs, run.active, actions)

            # ENVIRONMENT AND REWARD SCHEDULE
            run.obs, reward, terminated, truncated = envs.step(actions, run.active)
            done = terminated | truncated
            delivered, event, run.schedule_state = schedule_step(schedule, run.schedule_state, reward, done)

            # LEARN at reward events: RPE, update, baseline
            kernels.learn(delivered, event, done, run.active)

            # EPISODE BOOKKEEPING (AgentEpisodes: which environments play on)
            run.episode_return += reward
            run.episode_length += 1
            run.env_steps += run.active
            finished = np.flatnonzero(done & run.active)
            ended = {}  # agent → its episodes that ended at this step
            for r in finished:
                i = run.agent[r]
                book = run.books[i]
                book.end(run.copy[r], run.episode_return[r], run.episode_length[r],
                         run.env_steps[run.agent == i].sum() if book.playing.size > 1 else run.env_steps[r])
                ended[i] = ended.get(i, 0) + 1
            for i in ended:
                run.active[run.agent == i] = run.books[i].playing
            run.episode_return[done] = 0.0
            run.episode_length[done] = 0
            if finished.size:
                if on_episodes is not None:
                    on_episodes([Episode(seeds[i], b.envs[n], n + 1, b.returns[n], b.lengths[n], b.env_steps[n])
                                 for i, b in ((i, run.books[i]) for i in ended)
                                 for n in range(len(b.returns) - ended[i], len(b.returns))],
                                sum(run.books[i].skipped for i in ended))
                since_checkpoint += finished.size
                if checkpoint is not None and checkpoint_every and since_checkpoint >= checkpoint_every:
                    run.wall_seconds = time.perf_counter() - started
                    try:
                        store(run)
                    except OSError as err:  # a full disk must not end the run: its results are still to come
                        warnings.warn(f"could not write the checkpoint {checkpoint} ({err.strerror or err}); training "
                                      "goes on, and the previous checkpoint stays as it was", RuntimeWarning)
                    since_checkpoint = 0

    envs.close()
    wall = time.perf_counter() - started
    results, first = [], 0
    for config, (spec, state, slot) in zip(run.configs, groups):
        final = [[spec.arith.decode_weights(w[i]) for w in state.weights] for i in range(len(config.seeds))]
        books = run.books[first : first + len(config.seeds)]
        first += len(config.seeds)
        results.append(TrainResult(config, [b.returns for b in books], [b.lengths for b in books], final,
                                   run.env_steps[slot].reshape(len(books), config.envs).sum(axis=1), wall,
                                   envs.reward_threshold, dict(spec.arith.saturations),
                                   [b.envs for b in books], [b.env_steps for b in books]))
    return results


def _train_in_processes(config, jobs: int, on_episodes, checkpoint) -> TrainResult:
    """``train(config)`` with its seeds split over ``jobs`` spawned processes, merged in seed order."""
    from lava_nrl.workers import WorkerPool, start_manager

    if not isinstance(config, TrainConfig):
        raise ConfigError("jobs > 1 splits the seeds of one TrainConfig (not a cohort or a checkpointed run)")
    if checkpoint is not None:
        raise ConfigError("checkpoints need jobs=1 (each process would hold part of the run)")
    started = time.perf_counter()
    parts = np.array_split(np.array(config.seeds), min(jobs, len(config.seeds)))
    shards = [dataclasses.replace(config, seeds=tuple(int(s) for s in part)) for part in parts]
    with start_manager() as manager, WorkerPool(len(shards)) as pool:
        progress = manager.Queue()
        pending = [pool.submit(_train_shard, shard, progress) for shard in shards]
        while True:
            finished = all(f.done() for f in pending)  # before draining: nothing is put after a shard ends
            try:
                while True:
                    episodes, skipped = progress.get(timeout=0.1)
                    if on_episodes is not None:
                        on_episodes(episodes, skipped)
            except queue.Empty:
                if finished:
                    break
        results = [f.result() for f in pending]
    return merge_results(config, results, time.perf_counter() - started)


def merge_results(config: TrainConfig, parts: ty.Sequence[TrainResult], wall_seconds: float) -> TrainResult:
    """The :class:`TrainResult` of ``config`` from the results of runs of parts of its seeds, given in
    ``config.seeds``' order (agents are independent: the same as one run of every seed)."""
    saturations: dict = {}
    for r in parts:
        add_counts(saturations, r.saturations)
    return TrainResult(config, [x for r in parts for x in r.returns], [x for r in parts for x in r.lengths],
                       [x for r in parts for x in r.weights], np.concatenate([r.env_steps for r in parts]),
                       wall_seconds, parts[0].reward_threshold, saturations,
                       [x for r in parts for x in r.episode_envs], [x for r in parts for x in r.episode_env_steps])


def _train_shard(config: TrainConfig, progress) -> TrainResult:
    """One process's part; finished episodes go to ``progress`` at most every 0.2 s (a put is a round
    trip to the manager process, too slow for every step)."""
    pending, skipped, last = [], 0, time.perf_counter()

    def report(episodes: list, more_skipped: int) -> None:
        nonlocal skipped, last
        pending.extend(episodes)
        skipped += more_skipped
        if time.perf_counter() - last >= 0.2:
            progress.put((pending[:], skipped))
            pending.clear()
            skipped, last = 0, time.perf_counter()

    result = train(config, on_episodes=report)
    if pending or skipped:
        progress.put((pending, skipped))
    return result
