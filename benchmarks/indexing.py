"""Taking values by 32-bit row numbers: as numpy does it, and converted to its index type.

    python benchmarks/indexing.py                    # 3.8 million rows into 521 thousand, 9 rounds
    python benchmarks/indexing.py --rows 1000000 --values 100000 --repeat 5

The engine keeps row numbers as ``int32`` where they fit (a selection's (row, period)
pairs, ``previous()``'s sorted rows), and takes by them with
``indicators._arrays.take_at``, which converts them to numpy's index type block by block
first. This times, in turns in one process, ``values.take(rows)`` by ``int32`` rows (numpy
converts them itself), ``take_at`` and, as the baseline, ``values.take`` by rows already of
numpy's index type; the sizes default to indicator (g)'s pairs at the yardstick's size 600.
Every way's result is checked against the baseline's first. Timings are printed, never
asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import in_turns, ratios  # noqa: E402

from indicators._arrays import put_at, take_at  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_800_000, help="row numbers taken by (default 3,800,000)")
    parser.add_argument("--values", type=int, default=521_000, help="values taken from (default 521,000)")
    parser.add_argument("--repeat", type=int, default=9, help="rounds of timings (default 9)")
    args = parser.parse_args()
    rng = np.random.default_rng(12)
    values = rng.integers(0, 1000, args.values)
    rows = np.sort(rng.integers(0, args.values, args.rows)).astype(np.int32)  # pairs come in row order
    index = rows.astype(np.intp)
    gathers = {"take by intp (baseline)": lambda: values.take(index),
               "take by int32": lambda: values.take(rows),
               "values[int32]": lambda: values[rows],
               "take_at by int32": lambda: take_at(values, rows)}
    expected = gathers["take by intp (baseline)"]()
    for name, way in gathers.items():
        assert np.array_equal(way(), expected), name
    # writes: a permutation of the rows, as previous() writes each row's answer
    order = rng.permutation(args.rows)
    written, target = np.arange(args.rows), np.empty(args.rows, dtype=np.int64)
    order32 = order.astype(np.int32)
    writes = {"target[intp] = (baseline)": lambda: target.__setitem__(order, written),
              "target[int32] =": lambda: target.__setitem__(order32, written),
              "put_at by int32": lambda: put_at(target, order32, written)}
    for title, ways in (("gathers", gathers), ("writes", writes)):
        times = in_turns(ways, args.repeat)
        baseline = next(iter(ways))
        ratio = ratios(times, baseline)
        print(f"{title}: {args.rows:,} row numbers, medians of {args.repeat} rounds in turns:")
        for name, seconds in times.items():
            r = ratio[name]
            print(f"  {name:<26} {statistics.median(seconds) * 1000:8.2f} ms  {r[0]:5.2f}x baseline "
                  f"({r[1]:.2f}-{r[2]:.2f})")


if __name__ == "__main__":
    main()
