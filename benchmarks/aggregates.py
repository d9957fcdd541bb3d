"""Aggregates over long rolling windows: the (month, value) grid against (row, month) pairs.

    python benchmarks/aggregates.py [--rows 2e6] [--repeat 3]

Issue 18's case: a median (and a mean) over ``rolling_60`` for 40 years (1990-2029) of
rows with random days and an int value 0-99. Each kind runs both ways in turns in this
one process: as the engine does it (no pairs) and with the grid switched off, so that
every (row, month) pair is made. Prints median seconds, the peak traced memory of one
run, and checks that both ways give the same JSON. Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc

import numpy as np

import indicators
from indicators import _table_aggregates

PACK = """
[indicators.m]
title = "M"
kind = "{kind}"
table = "e"
date = "d"
window = "rolling_60"
of = "x"
"""


def run(pack, tables, pairs: bool):
    original = _table_aggregates._aggregate_by_ranges
    if pairs:
        _table_aggregates._aggregate_by_ranges = lambda *args, **kwargs: None
    try:
        return indicators.evaluate(pack, tables, "1990-01", "2029-12", memory_budget=None)
    finally:
        _table_aggregates._aggregate_by_ranges = original


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, default=2e6)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n = int(args.rows)
    rng = np.random.default_rng(1)
    first, last = np.datetime64("1990-01-01").astype(int), np.datetime64("2029-12-31").astype(int)
    tables = {"e": {"d": rng.integers(first, last, n).astype("datetime64[D]"), "x": rng.integers(0, 100, n)}}
    print(f"{n:,} rows, rolling_60, 1990-01 to 2029-12")
    for kind in ("median", "mean"):
        pack = indicators.loads_pack(PACK.format(kind=kind))
        times = {False: [], True: []}
        for _ in range(args.repeat):
            for pairs in (False, True):
                started = time.perf_counter()
                run(pack, tables, pairs)
                times[pairs].append(time.perf_counter() - started)
        peaks, outputs = {}, {}
        for pairs in (False, True):
            tracemalloc.start()
            outputs[pairs] = run(pack, tables, pairs).to_json()
            peaks[pairs] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        grid, made = statistics.median(times[False]), statistics.median(times[True])
        print(f"{kind}: grid {grid:.2f} s, {peaks[False]:.0f} MiB; pairs {made:.2f} s, {peaks[True]:.0f} MiB; "
              f"pairs / grid {made / grid:.1f}x; same JSON: {outputs[False] == outputs[True]}")


if __name__ == "__main__":
    main()
