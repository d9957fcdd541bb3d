"""Each part of the yardstick alone: the engine on the indicators of one of the reference's
parts against that part, in turns in one process.

    python benchmarks/per_indicator.py                  # size 600 (16.7 million rows), 5 rounds
    python benchmarks/per_indicator.py --size 60 --repeat 9

The reference (``ref_numpy.py``) computes the eight indicators in five parts: (a) and (b)
over contacts, (c) over referrals, (d) over assessments, (e) and (f) over child protection
plans, (g) and (h) over looked-after episodes and placements. For each part this evaluates
a pack of ``eight.toml``'s indicators of that part alone (their duplicate-row notes and
row accounting included, as in any evaluation) and times it against the part, one call of
each per round. It points at where the engine's time over the reference's goes; the
engine's figures are checked against the reference's before anything is timed. Timings
are printed, never asserted.
"""

from __future__ import annotations

import re
import statistics
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import NAMES, START, in_turns, load_yardstick, ratios, yardstick_arguments, yardstick_inputs  # noqa: E402

import indicators  # noqa: E402

PARTS = {"part_ab": "ab", "part_c": "c", "part_d": "d", "part_ef": "ef", "part_gh": "gh"}


def part_pack(text: str, letters: str) -> indicators.Pack:
    """``eight.toml`` with only the indicators whose names are among ``letters``."""
    head, indicators_text = text.split("\n[indicators.", 1)
    sections = re.split(r"\n(?=\[indicators\.[a-h]\]\n)", "\n[indicators." + indicators_text)
    kept = [section for section in sections if section.strip() and section.strip()[12] in letters]
    return indicators.loads_pack(head + "\n" + "\n".join(kept), file=f"eight.toml ({letters})")


def main() -> None:
    args = yardstick_arguments(__doc__, size=600, repeat=5)
    common, gen, ref_numpy, limit = load_yardstick(args.reference)
    data, tables, text = yardstick_inputs(common, gen, args.size)
    want = limit.reference_with_spec_previous(data)  # as run.py checks, SPEC's previous() for (c)
    months = [str(m) for m in np.datetime64(START, "M") + np.arange(12)]
    runs = {}
    for part, letters in PARTS.items():
        pack = part_pack(text, letters)
        records = {(r["indicator"], r["period"]): r
                   for r in indicators.evaluate(pack, tables, months[0], months[-1]).to_records()}
        for letter in letters:
            k = NAMES.index(letter)
            for p, month in enumerate(months):
                got = records[(letter, month)]
                if got["numerator"] != want[p, k, 0] or (letter != "h" and got["denominator"] != want[p, k, 1]):
                    sys.exit(f"{letter} {month}: engine {got['numerator']}/{got['denominator']}, "
                             f"reference {want[p, k, 0]}/{want[p, k, 1]}")
        function = getattr(ref_numpy, part)
        runs[f"engine {letters}"] = lambda pack=pack: indicators.evaluate(pack, tables, months[0], months[-1])
        runs[part] = lambda function=function: function(data, common.empty_result())
    times = in_turns(runs, args.repeat)
    rows = sum(len(next(iter(t.values()))) for t in tables.values())
    print(f"size {args.size}: {rows:,} rows; medians of {args.repeat} rounds, in turns")
    for part, letters in PARTS.items():
        engine = statistics.median(times[f"engine {letters}"])
        reference = statistics.median(times[part])
        ratio, low, high = ratios({"engine": times[f"engine {letters}"], part: times[part]}, part)["engine"]
        print(f"  ({letters}) engine {engine * 1000:8.1f} ms   reference {part} {reference * 1000:7.1f} ms   "
              f"{ratio:6.2f}x ({low:.2f}-{high:.2f})")


if __name__ == "__main__":
    main()
