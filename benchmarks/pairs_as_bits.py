"""Filters on (row, month) pairs judged as bits against judging them on the pairs: the
eight indicators, and indicator (g) alone, each way in turns with the reference, in one
process.

    python benchmarks/pairs_as_bits.py                    # size 60, 21 rounds
    python benchmarks/pairs_as_bits.py --size 600 --repeat 7

In runs of up to 62 months the engine keeps each row's months as the bits of one integer
and judges a filter on pairs once per (values, month) cell of the columns that decide it
(``docs/performance.md``); indicator (g), looked-after children with three or more
placements in 12 months, is the yardstick's one such filter. "pairs" turns that off for
the rounds it runs in (``TableEvaluation.masks`` answering None), so that the evaluation
judges cells or every pair as it did before. Every figure, note and row left out is
checked equal both ways before anything is timed. Timings are printed, never asserted.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from per_indicator import part_pack  # noqa: E402
from run import START, in_turns, load_yardstick, ratios, yardstick_arguments, yardstick_inputs  # noqa: E402

import indicators  # noqa: E402
from indicators._table_evaluation import TableEvaluation  # noqa: E402

BITS = TableEvaluation.masks


def judged_on_pairs(function):
    """``function`` with filters on pairs judged on cells or pairs, not as bits."""
    def call():
        TableEvaluation.masks = lambda self, measure, selection, exprs=(): None
        try:
            return function()
        finally:
            TableEvaluation.masks = BITS
    return call


def main() -> None:
    args = yardstick_arguments(__doc__, size=60, repeat=21)
    common, gen, ref_numpy, _ = load_yardstick(args.reference)
    data, tables, text = yardstick_inputs(common, gen, args.size)
    end = str(__import__("numpy").datetime64(START, "M") + 11)
    eight, g_alone = indicators.loads_pack(text, file="eight.toml"), part_pack(text, "g")
    runs = {}
    for name, pack in (("eight", eight), ("(g)", g_alone)):
        as_bits = lambda pack=pack: indicators.evaluate(pack, tables, START, end)  # noqa: E731
        on_pairs = judged_on_pairs(as_bits)
        if as_bits().to_json() != on_pairs().to_json():
            sys.exit(f"{name}: the figures differ between bits and pairs")
        runs[f"{name}, as bits"], runs[f"{name}, on pairs"] = as_bits, on_pairs
    runs["reference"] = lambda: ref_numpy.compute(data)
    times = in_turns(runs, args.repeat)
    rows = sum(len(next(iter(t.values()))) for t in tables.values())
    print(f"size {args.size}: {rows:,} rows; medians of {args.repeat} rounds, in turns; "
          "time over the reference's in the same round (median, lowest-highest)")
    by_ratio = ratios(times, "reference")
    for name, seconds in times.items():
        ratio, low, high = by_ratio[name]
        print(f"  {name:<16} {statistics.median(seconds) * 1000:8.1f} ms   {ratio:5.2f}x ({low:.2f}-{high:.2f})")


if __name__ == "__main__":
    main()
