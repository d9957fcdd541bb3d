"""Sorting by buckets against one np.sort: the sort alone, and the eight indicators with
each, in turns in one process.

    python benchmarks/bucketed_sort.py                  # size 60, 21 rounds
    python benchmarks/bucketed_sort.py --size 600 --repeat 7
    python benchmarks/bucketed_sort.py --one-processor  # as on a machine with one processor (Linux)

First the sort alone, on keys like the engine's at the yardstick's sizes: packed
``child << 17 | day`` int64 keys as ``previous()`` sorts them (the referrals: 272 thousand
at size 60, 2.7 million at 600) and 32-bit digests as a duplicate-row note sorts them
(the contacts in the run's windows: 320 thousand, 3.2 million), and a tenth as many of
each, as the smaller tables' sorts are, each way in turns. Then the eight indicators with
``indicators._sorting.BUCKETED_SORT`` left to the process's measurements (None), set to
True and set to False by rounds, each against the reference in the same round, after
checking the figures. With ``--one-processor`` the process is held to one processor, so
that the engine does all its work in one thread (as it does on such a machine); otherwise
the sorts of ``previous()`` and the duplicate-row notes run in a second thread beside the
evaluation. It prints whether this process sorts by buckets, as it measured
(``_sorting._bucketed_sort_pays``). Timings are printed, never asserted.
"""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import disagreements, engine_array, in_turns, load_yardstick, ratios, yardstick_arguments, yardstick_inputs  # noqa: E402,E501

import indicators  # noqa: E402
from indicators import _sorting  # noqa: E402


def sort_keys(size: int) -> dict[str, np.ndarray]:
    """Keys shaped like the engine's largest sorts at a yardstick size (seeded)."""
    rng = np.random.default_rng(size)
    referrals, digests = 4_533 * size, 5_333 * size
    packed = rng.integers(0, 940 * size, referrals, dtype=np.int64) << 17
    packed |= rng.integers(16_000, 17_500, referrals, dtype=np.int64)
    keys = {"int64 packed keys": packed,
            "uint32 digests": rng.integers(0, 2**32, digests, dtype=np.uint64).astype(np.uint32)}
    return {**keys, **{f"{name} (a tenth)": rows[:rows.size // 10].copy() for name, rows in keys.items()}}


def sort_with(keys: np.ndarray, by_buckets: bool | None):
    def sort() -> None:
        _sorting.BUCKETED_SORT = by_buckets
        _sorting.sort_integers(keys.copy())
    return sort


def main() -> None:
    one_processor = "--one-processor" in sys.argv
    if one_processor:
        sys.argv.remove("--one-processor")
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    args = yardstick_arguments(__doc__, size=60, repeat=21)
    print(f"this process sorts by buckets (as measured): {_sorting.BUCKETED_SORT_ROWS:,} to "
          f"{_sorting.LARGE_SORT_ROWS - 1:,} keys {_sorting._bucketed_sort_pays(False)}, more "
          f"{_sorting._bucketed_sort_pays(True)}")
    for name, keys in sort_keys(args.size).items():
        times = in_turns({"one np.sort": sort_with(keys, False), "by buckets": sort_with(keys, True)}, args.repeat)
        one, buckets = (statistics.median(times[k]) * 1000 for k in ("one np.sort", "by buckets"))
        print(f"{keys.size:>10,} {name}: one np.sort {one:7.1f} ms, by buckets {buckets:7.1f} ms "
              f"({buckets / one:.2f} of the time)")
    common, gen, ref_numpy, limit = load_yardstick(args.reference)
    data, tables, text = yardstick_inputs(common, gen, args.size)
    pack = indicators.loads_pack(text, file="eight.toml")
    want = limit.reference_with_spec_previous(data)

    def engine(by_buckets: bool | None):
        def run():
            _sorting.BUCKETED_SORT = by_buckets
            return indicators.evaluate(pack, tables, "2016-04", "2017-03")
        return run

    for by_buckets in (None, True, False):
        wrong = disagreements(engine_array(engine(by_buckets)()), want)
        if wrong:
            sys.exit("the engine disagrees with the reference: " + "; ".join(wrong[:5]))
    times = in_turns({"as measured": engine(None), "by buckets": engine(True), "one np.sort": engine(False),
                      "reference": lambda: ref_numpy.compute(data)}, args.repeat)
    rows = sum(len(next(iter(t.values()))) for t in tables.values())
    threads = "one processor" if one_processor else f"{len(os.sched_getaffinity(0))} processors"
    print(f"size {args.size}: {rows:,} rows, {threads}; medians of {args.repeat} rounds, in turns; "
          "engine / reference in the same round (median, lowest-highest)")
    for name, (ratio, low, high) in ratios(times, "reference").items():
        if name != "reference":
            print(f"  engine, sorting {name:<12} {statistics.median(times[name]) * 1000:8.1f} ms   "
                  f"{ratio:5.2f}x ({low:.2f}-{high:.2f})")
    print(f"  reference {statistics.median(times['reference']) * 1000:22.1f} ms")


if __name__ == "__main__":
    main()
