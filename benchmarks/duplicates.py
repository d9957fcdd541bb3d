"""Ways to find repeated rows, timed against the engine's on the yardstick's contacts.

    python benchmarks/duplicates.py            # size 60 (960 thousand contacts), 5 rounds
    python benchmarks/duplicates.py --size 600 --repeat 3

The engine finds rows equal to an earlier row by a 32-bit digest of each row and one sort
of the digests (``indicators._arrays.repeated_rows``). This times, in turns in one process,
on the contacts table of ``../shared/bench`` (``gen.py``'s data, as ``run.py`` uses it):
the engine's step; the same with a 64-bit digest; numpy 2's hash-based
``np.unique(..., sorted=False)`` of the digests; and a filter of candidates by a
``np.bincount`` of the digests' top 24 bits (rows alone in their bucket cannot repeat),
before sorting the rest. Every way's count of repeated digests is checked against the
sort's first. Timings are printed, never asserted.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import in_turns, load_yardstick, yardstick_arguments  # noqa: E402

import indicators  # noqa: E402
from indicators._arrays import repeated_rows, row_digests  # noqa: E402


def repeated_by_sort(digest: np.ndarray) -> int:
    ordered = np.sort(digest)
    return int((ordered[1:] == ordered[:-1]).sum())


def repeated_by_hash(digest: np.ndarray) -> int:
    return int(digest.size - np.unique(digest, sorted=False).size)


def repeated_by_buckets(digest: np.ndarray) -> int:
    bucket = (digest >> np.uint32(8)).astype(np.intp)  # the top 24 bits
    crowded = np.bincount(bucket, minlength=1 << 24) > 1
    return repeated_by_sort(digest[crowded[bucket]])


def main() -> None:
    args = yardstick_arguments(__doc__, size=60, repeat=5)
    common, gen, _, _ = load_yardstick(args.reference)
    data = common.load_numpy(args.size)
    table = indicators.table_from_mapping("contacts", data["contacts"])
    columns = [(c.data, c.missing) for c in table.columns.values()]
    digest32 = row_digests(columns, table.n_rows)
    digest64 = np.zeros(table.n_rows, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for values, _ in columns:
            digest64 *= np.uint64(0x9E3779B97F4A7C15)
            digest64 ^= values.astype(np.int64).view(np.uint64)
    want = repeated_by_sort(digest32)
    for name, got in (("hash", repeated_by_hash(digest32)), ("buckets", repeated_by_buckets(digest32))):
        if got != want:
            sys.exit(f"{name}: {got} repeated digests, the sort finds {want}")
    runs = {
        "engine (digest + 32-bit sort + check)": lambda: repeated_rows(columns, table.n_rows),
        "sort of 32-bit digests": lambda: repeated_by_sort(digest32),
        "sort of 64-bit digests": lambda: repeated_by_sort(digest64),
        "np.unique(sorted=False) of 32-bit digests": lambda: repeated_by_hash(digest32),
        "bincount buckets, then sort": lambda: repeated_by_buckets(digest32),
    }
    times = in_turns(runs, args.repeat)
    base = statistics.median(times["sort of 32-bit digests"])
    print(f"contacts at size {args.size}: {table.n_rows:,} rows, {want:,} repeated digests; medians of "
          f"{args.repeat} rounds")
    for name, seconds in times.items():
        median = statistics.median(seconds)
        print(f"  {name:<44} {median * 1000:>9.1f} ms  {median / base:>6.2f}x the 32-bit sort")


if __name__ == "__main__":
    main()
