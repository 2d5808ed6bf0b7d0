# SPDX-License-Identifier: BSD-3-Clause
"""``lava-nrl precision-study``: the --quick run writes its table, CSV, JSON and plot and resumes; the
verdict applies issue 14's bar; the study's formats have the widths and exponents it documents."""

import csv
import json

import pytest

from lava_nrl.numerics import FixedFormat
from lava_nrl.precision import cells, precision_study, verdict


@pytest.mark.timeout(300)
def test_quick_study_writes_table_csv_json_plot_and_resumes(tmp_path):
    seen = []
    rows = precision_study(tmp_path, quick=True, seeds=(42, 101), episodes=3, jobs=1,
                           on_cell=lambda name, reused, progress: seen.append(reused), command="lava-nrl precision-study --quick")
    names = [c.name for c in cells((42, 101), 3, quick=True)]
    assert [r["cell"] for r in rows] == names and len(names) == 8 and not any(seen)
    assert [r["cell"] for r in json.loads((tmp_path / "precision.json").read_text())] == names
    with open(tmp_path / "precision.csv") as f:
        table = list(csv.DictReader(f))
    assert [r["cell"] for r in table] == names
    loihi = next(r for r in table if r["cell"] == "nrl-fast-w9-e9-stochastic")
    assert (loihi["weight_bits"], loihi["weight_frac_bits"], loihi["trace_bits"], loihi["trace_frac_bits"]) == \
        ("9", "7", "9", "8")
    assert all(r["seeds"] == "2" and r["reached"] == "0" for r in table)  # 3 episodes reach nothing
    text = (tmp_path / "precision.md").read_text()
    assert text.splitlines()[0] == "# Precision study (--quick smoke run: not results)"
    assert "**Verdict**: no cell of the grid passes." in text and "`lava-nrl precision-study --quick`" in text
    assert all(f"| {name} |" in text for name in names)
    assert (tmp_path / "precision.png").read_bytes()[:4] == b"\x89PNG"
    seen.clear()
    again = precision_study(tmp_path, quick=True, seeds=(42, 101), episodes=3, jobs=1,
                            on_cell=lambda name, reused, progress: seen.append(reused))
    assert all(seen) and again == rows  # nothing re-run, same numbers


def _row(weights, trace, reached, ratio, rounding="stochastic"):
    return dict(rule="nrl-fast", precision="fixed", label=f"w{weights} e{trace}", weight_bits=weights,
                trace_bits=trace, rounding=rounding, seeds=5, reached=reached, ratio_to_float=ratio,
                passes=reached >= 4 and ratio is not None and ratio <= 1.5)


def test_the_loihi_widths_become_the_default_when_they_pass():
    decision = verdict([_row(16, 32, 5, 1.0), _row(9, 9, 4, 1.4)])
    assert decision["loihi"] and decision["format"] == FixedFormat.loihi()


def test_otherwise_the_passing_cell_with_the_fewest_bits_beyond_the_chip():
    rows = [_row(9, 9, 3, 1.1), _row(9, 9, 5, 1.0, "nearest"), _row(16, 32, 5, 1.0), _row(9, 16, 5, 1.2),
            _row(12, 12, 5, 1.0), _row(9, 12, 4, 1.6)]
    decision = verdict(rows)  # bits beyond the chip: w12 e12 3 + 3, w9 e16 0 + 7, w16 e32 7 + 23
    assert not decision["loihi"] and decision["format"] == FixedFormat.of_widths(12, 12)
    assert verdict([_row(9, 9, 2, 1.0)])["format"] is None


def test_study_formats_have_the_documented_exponents():
    assert FixedFormat.of_widths(4, 8) == FixedFormat(weight_bits=4, weight_frac_bits=2, trace_bits=8, trace_frac_bits=7)
    assert FixedFormat.of_widths(16, 32, "nearest").trace_frac_bits == 16
    loihi = FixedFormat.loihi()
    assert (loihi.weight_bits, loihi.weight_frac_bits, loihi.trace_bits, loihi.trace_frac_bits, loihi.msg_bits) == \
        (9, 7, 9, 8, 24)
    paper = FixedFormat.paper()
    assert (paper.weight_bits, paper.weight_frac_bits, paper.trace_bits, paper.trace_frac_bits) == (16, 12, 32, 16)


@pytest.mark.parametrize("args,cause", [(["--jobs", "0"], "--jobs must be ≥ 1; got 0"),
                                        (["--episodes", "0"], "--episodes must be ≥ 1; got 0"),
                                        (["--seeds", "1,x"], "seeds must be comma-separated integers")])
def test_bad_options_are_one_line_errors(tmp_path, capsys, args, cause):
    from lava_nrl.cli import main

    assert main(["precision-study", "--out", str(tmp_path), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert cause in err and len(err.splitlines()) == 1
