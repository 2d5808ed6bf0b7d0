# SPDX-License-Identifier: BSD-3-Clause
"""``lava-nrl precision-study``: how narrow the fixed-point format can be before CartPole stops learning.

Cells: CartPole-v1, rules ``nrl-fast`` and ``nrl-b`` (η 0.01 each, H = 128, L = 1), each seed an agent.

- ``nrl-fast``: float; the paper's format (:meth:`FixedFormat.paper`); every weight width
  {4, 6, 8, 9, 12, 16} (sign included) × trace width {8, 9, 12, 16, 32} with stochastic rounding, and
  :data:`NEAREST` of them rounding to nearest, with the exponents of :meth:`FixedFormat.of_widths`
  (weights span ±2, traces ±1).
- ``nrl-b``, the paper's rule beside it (a run takes about six times as many episodes): float; the
  paper's format; the Loihi widths (9, 9); the same with a finer trace exponent (Q.12: nrl-b's traces
  are 5–50× smaller than nrl-fast's, docs/fixed-point.md); and (9, 32), (16, 9), which narrow one part
  at a time; all stochastic.

A seed stops once its 100-episode mean has held CartPole's threshold (475) for :data:`HOLD` episodes
(so "episodes to threshold" is unaffected); the budget per seed is :data:`EPISODES`: 1,000 episodes for
nrl-fast (float needs about 500, so a cell whose seeds need more than 1,000 fails the default's bar
anyway), 3,000 for nrl-b (float needs 3,553 ± 1,027 on these seeds, ``docs/results.md``, so its cells
are compared by their return after 3,000 episodes as much as by the seeds that reach 475). These budgets
keep the study within about an hour on two shared cores.

The cells run in three cohorts (nrl-b; nrl-fast's stochastic cells with its float and paper cells;
nrl-fast's nearest ones), each one engine loop (:func:`lava_nrl.engine.train_cohort`), side by side in
``jobs`` processes; a finished cell is reused and a cohort checkpoints itself, so a rerun on the same
folder resumes (:func:`lava_nrl.cells.run_cells`). The study writes ``precision.md`` (tables and the
default's verdict), ``precision.csv``, ``precision.json`` and ``precision.png``.

The verdict follows issue 14: the default format is the Loihi widths (9-bit weights, 9-bit trace,
stochastic rounding) if ``nrl-fast`` reaches the threshold on ≥ 4/5 seeds with a median number of
episodes within 1.5× of float's on the same seeds; else the cell that passes with the fewest bits beyond
a Loihi neuro-core.
"""

from __future__ import annotations

import csv
import json
import pathlib
import typing as ty

import numpy as np

from lava_nrl.engine import TrainConfig
from lava_nrl.numerics import FixedFormat
from lava_nrl.cells import run_cells
from lava_nrl.reproduce import read_returns
from lava_nrl.runs import WINDOW, curves_to_end, writing_into

__all__ = ["StudyCell", "cells", "precision_study", "verdict", "SEEDS", "EPISODES", "HOLD"]

SEEDS = (42, 101, 300, 482, 708)
EPISODES = {"nrl-fast": 1_000, "nrl-b": 3_000}  # float needs about 500 and 3,500 (docs/results.md)
HOLD = 20
LR = 0.01
WEIGHT_BITS = (4, 6, 8, 9, 12, 16)
TRACE_BITS = (8, 9, 12, 16, 32)
ROUNDINGS = ("stochastic", "nearest")
# nrl-fast's cells that round to nearest (weight bits, trace bits): the diagonal, and each part narrowed alone
NEAREST = ((6, 9), (8, 8), (9, 9), (9, 16), (12, 12), (16, 16), (16, 32))
LOIHI_BITS = 9  # a Loihi neuro-core's weights (8 bits and the sign) and learning tag
MIN_REACHED, MAX_RATIO = 0.8, 1.5  # the default's bar: ≥ 4/5 seeds, median within 1.5× of float's
# What a study writes into its folder (glob patterns).
STUDY_FILES = ("cells", "cohorts", "precision.md", "precision.csv", "precision.json", "precision.png")


class StudyCell(ty.NamedTuple):
    name: str
    rule: str
    label: str  # float, paper, or the widths: "w9 e9"
    config: TrainConfig

    @property
    def cohort(self) -> str:
        """nrl-b; nrl-fast-stochastic (with nrl-fast's float and paper cells); nrl-fast-nearest."""
        if self.rule == "nrl-b":
            return "nrl-b"
        nearest = self.config.precision == "fixed" and self.config.fixed_format.rounding == "nearest"
        return "nrl-fast-nearest" if nearest else "nrl-fast-stochastic"

    @property
    def fixed_format(self) -> FixedFormat | None:
        return None if self.config.precision == "float" else self.config.fixed_format


def _label(fmt: FixedFormat) -> str:
    return f"w{fmt.weight_bits} e{fmt.trace_bits}"


def cells(seeds: ty.Sequence[int] = SEEDS, episodes: int | None = None, quick: bool = False) -> list[StudyCell]:
    """Every cell of the study; ``episodes``: the budget of every rule (default :data:`EPISODES`); ``quick``:
    a few cells, H = 16, for a smoke test of seconds."""
    hidden = 16 if quick else 128

    def cell(rule: str, label: str, fmt: FixedFormat | None) -> StudyCell:
        config = TrainConfig(env="CartPole-v1", rule=rule, lr=LR, precision="float" if fmt is None else "fixed",
                             fixed_format=fmt or FixedFormat(), episodes=episodes or EPISODES[rule], seeds=tuple(seeds),
                             hidden=hidden, stop_after_threshold=HOLD)
        suffix = "" if fmt is None or label == "paper" else f"-{fmt.rounding}"
        return StudyCell(f"{rule}-{label.replace(' ', '-')}{suffix}", rule, label, config)

    def grid(rule, widths, roundings) -> list[StudyCell]:
        return [cell(rule, _label(f), f) for r in roundings for w, e in widths
                for f in [FixedFormat.of_widths(w, e, r)]]

    if quick:
        return [cell("nrl-fast", "float", None), cell("nrl-fast", "paper", FixedFormat.paper()),
                *grid("nrl-fast", [(9, 9), (4, 8)], ROUNDINGS),
                cell("nrl-b", "float", None), *grid("nrl-b", [(9, 9)], ("stochastic",))]
    fine_trace = FixedFormat(**{**FixedFormat.loihi().to_dict(), "trace_frac_bits": 12})
    return [cell("nrl-fast", "float", None), cell("nrl-fast", "paper", FixedFormat.paper()),
            *grid("nrl-fast", [(w, e) for w in WEIGHT_BITS for e in TRACE_BITS], ("stochastic",)),
            *grid("nrl-fast", NEAREST, ("nearest",)),
            cell("nrl-b", "float", None), cell("nrl-b", "paper", FixedFormat.paper()),
            *grid("nrl-b", [(9, 9), (9, 32), (16, 9)], ("stochastic",)), cell("nrl-b", "w9 e9q12", fine_trace)]


# -- one row per cell --------------------------------------------------------------------------
def _summarise(cell: StudyCell, summary: dict, float_ett: dict) -> dict:
    """The cell's row; ``float_ett``: episodes to threshold of its rule's float cell, by seed."""
    seeds = summary["seeds"]
    ett = {seed: s["episodes_to_threshold"] for seed, s in seeds.items()}
    reached = [seed for seed, e in ett.items() if e is not None]
    both = [seed for seed in reached if float_ett.get(seed) is not None]
    median = float(np.median([ett[s] for s in reached])) if reached else None
    ratio = (float(np.median([ett[s] for s in both]) / np.median([float_ett[s] for s in both])) if both else None)
    finals = [s["final_mean_return"] for s in seeds.values()]
    fmt = cell.fixed_format
    return dict(
        cell=cell.name, rule=cell.rule, label=cell.label, precision=cell.config.precision,
        weight_bits=fmt and fmt.weight_bits, weight_frac_bits=fmt and fmt.weight_frac_bits,
        trace_bits=fmt and fmt.trace_bits, trace_frac_bits=fmt and fmt.trace_frac_bits,
        rounding=fmt and fmt.rounding, seeds=len(seeds), reached=len(reached),
        episodes_to_threshold=ett, median_episodes=median, ratio_to_float=ratio,
        final_return=[float(np.mean(finals)), float(np.std(finals))],
        saturations=summary.get("saturations") or {},
        passes=len(reached) >= MIN_REACHED * len(seeds) and ratio is not None and ratio <= MAX_RATIO)


def _excess(row: dict) -> tuple:
    """Bits beyond a Loihi neuro-core (weights and trace), then the total, then the speed: smaller is better."""
    w, e = row["weight_bits"], row["trace_bits"]
    return max(0, w - LOIHI_BITS) + max(0, e - LOIHI_BITS), w + e, row["ratio_to_float"]


def verdict(rows: list[dict]) -> dict:
    """The default that issue 14's bar picks from ``rows``: ``{"format": FixedFormat or None, "row": …,
    "loihi": bool, "why": str}``. Only nrl-fast's stochastic cells of :meth:`FixedFormat.of_widths` compete
    (stochastic rounding stays the default unless nearest is needed to pass)."""
    grid = [r for r in rows if r["rule"] == "nrl-fast" and r["precision"] == "fixed" and r["label"] != "paper"]
    loihi = next((r for r in grid if (r["weight_bits"], r["trace_bits"], r["rounding"])
                  == (LOIHI_BITS, LOIHI_BITS, "stochastic")), None)
    if loihi is not None and loihi["passes"]:
        return dict(format=FixedFormat.loihi(), row=loihi, loihi=True,
                    why=f"the Loihi widths pass: nrl-fast reached the threshold on {loihi['reached']}/"
                        f"{loihi['seeds']} seeds, median {loihi['ratio_to_float']:.2f}× float's")
    passing = sorted((r for r in grid if r["passes"]), key=lambda r: (r["rounding"] != "stochastic", *_excess(r)))
    if not passing:
        return dict(format=None, row=None, loihi=False, why="no cell of the grid passes")
    best = passing[0]
    return dict(format=FixedFormat.of_widths(best["weight_bits"], best["trace_bits"], best["rounding"]), row=best,
                loihi=False, why=f"the Loihi widths do not pass; {best['label']} ({best['rounding']}) is the "
                                 f"narrowest that does: {best['reached']}/{best['seeds']} seeds, median "
                                 f"{best['ratio_to_float']:.2f}× float's")


# -- the study -----------------------------------------------------------------------------------
def precision_study(out_dir, seeds: ty.Sequence[int] = SEEDS, episodes: int | None = None, quick: bool = False,
                    jobs: int = 2, overwrite: bool = False, on_cell: ty.Callable[[str, bool, ty.Any], None] | None = None,
                    command: str = "") -> list[dict]:
    """Run (or reuse) every cell under ``out_dir/cells`` and write the study's tables and plot; returns the
    rows. ``command``: the command line, quoted in ``precision.md``."""
    every = cells(seeds, episodes, quick)
    with writing_into(out_dir, STUDY_FILES, overwrite=overwrite, resume=True) as out:
        order = ("nrl-b", "nrl-fast-stochastic", "nrl-fast-nearest")
        run_cells(out, every, jobs=jobs, on_cell=on_cell, longest_first=lambda cell: order.index(cell.cohort))
        summaries = {c.name: json.loads((out / "cells" / c.name / "summary.json").read_text()) for c in every}
        float_ett = {c.rule: {seed: s["episodes_to_threshold"] for seed, s in summaries[c.name]["seeds"].items()}
                     for c in every if c.label == "float"}
        rows = [_summarise(c, summaries[c.name], float_ett[c.rule]) for c in every]
        (out / "precision.json").write_text(json.dumps(rows, indent=2))
        _write_csv(rows, out / "precision.csv")
        budgets = {c.rule: c.config.num_episodes for c in every}
        (out / "precision.md").write_text(study_table(rows, quick, budgets, command))
        _plot(rows, {c.name: [r["returns"] for r in read_returns(out / "cells" / c.name).values()] for c in every
                     if c.rule == "nrl-b"}, out / "precision.png")
    return rows


_SATURATION_KINDS = ("weight", "trace", "message")


def _write_csv(rows: list[dict], path: pathlib.Path) -> None:
    fields = ["cell", "rule", "label", "precision", "weight_bits", "weight_frac_bits", "trace_bits",
              "trace_frac_bits", "rounding", "seeds", "reached", "median_episodes", "ratio_to_float",
              "final_return_mean", "final_return_std", *(f"saturated_{k}" for k in _SATURATION_KINDS), "passes",
              "episodes_to_threshold"]
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fields)
        writer.writeheader()
        for r in rows:
            writer.writerow({**{k: r[k] for k in fields if k in r}, "final_return_mean": round(r["final_return"][0], 1),
                             "final_return_std": round(r["final_return"][1], 1),
                             **{f"saturated_{k}": r["saturations"].get(k, 0) for k in _SATURATION_KINDS},
                             "episodes_to_threshold": " ".join(str(e) if e else "-"
                                                               for e in r["episodes_to_threshold"].values())})


def _entry(r: dict) -> str:
    """``k/n · median (×ratio)``."""
    if not r["reached"]:
        return f"0/{r['seeds']}"
    ratio = "" if r["ratio_to_float"] is None or r["precision"] == "float" else f" ({r['ratio_to_float']:.2f}×)"
    return f"{r['reached']}/{r['seeds']} · {r['median_episodes']:,.0f}{ratio}" + (" ✓" if r["passes"] else "")


def _count(n: int) -> str:
    return f"{n:,}" if n < 100_000 else f"{n:.1e}".replace("e+0", "e").replace("e+", "e")


def study_table(rows: list[dict], quick: bool, budgets: dict, command: str = "") -> str:
    seeds = rows[0]["seeds"]
    decision = verdict(rows)
    lines = ["# Precision study" + (" (--quick smoke run: not results)" if quick else ""), ""]
    if command:
        lines += [f"Command: `{command}`", ""]
    budget = ", ".join(f"{n:,} episodes for {rule}" for rule, n in budgets.items())
    lines += [f"CartPole-v1, H = {16 if quick else 128}, L = 1, η = {LR}, {seeds} seeds, a budget per seed of "
              f"{budget}; a seed stops once its {WINDOW}-episode mean has held 475 for {HOLD} episodes. An entry reads *seeds that reached 475 / seeds · median episodes to threshold over "
              f"them (that median over float's on the same seeds)*; ✓: it passes the default's bar (≥ "
              f"{MIN_REACHED:.0%} of seeds, within {MAX_RATIO}× of float). Weights w bits span ±2 (Q.(w−2)); a "
              f"trace of e bits spans ±1 (Q.(e−1)) up to Q.16, beyond which bits add range (e32 is Q.16).", "",
              f"**Verdict**: {decision['why']}." + (f" Default: `{_format_text(decision['format'])}`."
                                                     if decision["format"] else ""), ""]
    for rule in ("nrl-fast", "nrl-b"):
        ours = [r for r in rows if r["rule"] == rule]
        if not ours:
            continue
        lines += [f"## {rule}", ""]
        grid = [r for r in ours if r["precision"] == "fixed" and r["label"] == f"w{r['weight_bits']} e{r['trace_bits']}"]
        for r in ours:
            if r not in grid:
                lines.append(f"- {r['cell']}" + ("" if r["precision"] == "float" else
                                                 f" (weights Q.{r['weight_frac_bits']} in {r['weight_bits']} bits, "
                                                 f"trace Q.{r['trace_frac_bits']} in {r['trace_bits']}, {r['rounding']})")
                             + f": {_entry(r)}; final return {r['final_return'][0]:.1f}")
        weights = sorted({r["weight_bits"] for r in grid})
        traces = sorted({r["trace_bits"] for r in grid})
        for rounding in ROUNDINGS:
            cell = {(r["weight_bits"], r["trace_bits"]): r for r in grid if r["rounding"] == rounding}
            if not cell:
                continue
            lines += ["", f"{rounding} rounding (rows: weight bits; columns: trace bits):", "",
                      "| weights \\ trace | " + " | ".join(f"e{e}" for e in traces) + " |",
                      "|---|" + "---|" * len(traces)]
            for w in weights:
                lines.append(f"| w{w} | " + " | ".join(_entry(cell[w, e]) if (w, e) in cell else "" for e in traces)
                             + " |")
        lines.append("")
    lines += ["## Every cell", "", "Final return: mean ± std over the seeds of each seed's last 100 episodes. "
              "Saturations: values clipped to their width, summed over the seeds and the whole run.", "",
              "| cell | weights | trace | rounding | reached | episodes to threshold, per seed | median (× float) "
              "| final return | saturated: weight / trace / message |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        fixed = r["precision"] == "fixed"
        per_seed = ", ".join(f"{e:,}" if e else "—" for e in r["episodes_to_threshold"].values())
        median = "—" if r["median_episodes"] is None else f"{r['median_episodes']:,.0f}"
        ratio = f" ({r['ratio_to_float']:.2f}×)" if fixed and r["ratio_to_float"] is not None else ""
        sat = " / ".join(_count(r["saturations"].get(k, 0)) for k in _SATURATION_KINDS) if fixed else "—"
        weights = f"{r['weight_bits']} (Q.{r['weight_frac_bits']})" if fixed else "float"
        trace = f"{r['trace_bits']} (Q.{r['trace_frac_bits']})" if fixed else "float"
        lines.append(f"| {r['cell']} | {weights} | {trace} | {r['rounding'] or '—'} | {r['reached']}/{r['seeds']} | {per_seed} | {median}{ratio} | "
                     f"{r['final_return'][0]:.1f} ± {r['final_return'][1]:.1f} | {sat} |")
    return "\n".join(lines) + "\n"


def _format_text(fmt: FixedFormat) -> str:
    return (f"FixedFormat(weight_bits={fmt.weight_bits}, weight_frac_bits={fmt.weight_frac_bits}, "
            f"trace_bits={fmt.trace_bits}, trace_frac_bits={fmt.trace_frac_bits}, rounding={fmt.rounding!r})")


def _plot(rows: list[dict], nrl_b_curves: dict, path: pathlib.Path) -> None:
    """nrl-fast's grid as two maps (median episodes to threshold over float's; stochastic, nearest) and
    nrl-b's cells as running means (mean over seeds)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(17, 5), gridspec_kw={"width_ratios": [1, 1, 1.3]}, layout="constrained")
    grid = [r for r in rows if r["rule"] == "nrl-fast" and r["precision"] == "fixed" and r["label"] != "paper"]
    weights, traces = sorted({r["weight_bits"] for r in grid}), sorted({r["trace_bits"] for r in grid})
    for ax, rounding in zip(axes, ROUNDINGS):
        ratio = np.full((len(weights), len(traces)), np.nan)
        for r in grid:
            if r["rounding"] == rounding:
                i, j = weights.index(r["weight_bits"]), traces.index(r["trace_bits"])
                ratio[i, j] = r["ratio_to_float"] if r["reached"] >= MIN_REACHED * r["seeds"] and \
                    r["ratio_to_float"] is not None else np.nan
                ax.text(j, i, f"{r['reached']}/{r['seeds']}\n{_short(r)}", ha="center", va="center", fontsize=7)
        image = ax.imshow(ratio, cmap="viridis_r", vmin=0.5, vmax=2.0, origin="lower", aspect="auto")
        ax.set(xticks=range(len(traces)), xticklabels=[f"e{e}" for e in traces], yticks=range(len(weights)),
               yticklabels=[f"w{w}" for w in weights], xlabel="trace bits", ylabel="weight bits",
               title=f"nrl-fast, {rounding} rounding\nseeds reached, median episodes to 475")
    fig.colorbar(image, ax=axes[:2], shrink=0.8, label="median ÷ float's on the same seeds (blank: < 80% reached)")
    ax = axes[2]
    for name, curves in nrl_b_curves.items():
        if curves and all(len(c) for c in curves):
            ax.plot(np.arange(1, curves_to_end(curves).shape[1] + 1), curves_to_end(curves).mean(axis=0),
                    label=name.removeprefix("nrl-b-"), lw=1)
    ax.axhline(475, color="grey", ls="--", lw=1)
    ax.set(xlabel="episode", ylabel=f"return (mean of last {WINDOW}), mean over seeds",
           title="nrl-b\n(a seed that held 475 is drawn at its last value)")
    ax.legend(fontsize=7, loc="upper left")
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _short(r: dict) -> str:
    return "—" if r["median_episodes"] is None else f"{r['median_episodes']:,.0f}"
