"""Sorting integer arrays by buckets where that is faster than numpy's sort.

numpy's sort of an integer array is fast on most machines, but on AMD Zen 4 it
dispatches to an AVX-512 quicksort whose partition step uses an instruction that processor
microcodes (numpy/x86-simd-sort issue 6): there, 52 thousand int64 keys take about 33 ns a
key and 272 thousand about 43, while rows of 256 keys, which numpy sorts with a sorting
network, take about 1.5. So a sort can go by buckets: order the keys by their top bits (a
radix sort of 16-bit bucket numbers), then sort rows of a network's width twice, the
second time half a row along. The sorted array is the same either way.

Which way is used, measured once per process on keys like the engine's the first time a
sort of that size is asked for: sorts of 4,096 keys or more by buckets where that measures
clearly faster, small (up to 131,071 keys) and large ones measured apart. The keys are
ordered by bucket in one piece up to 524,287 of them, block by block in the cache past
that. Until 2026-12-05 large sorts went by buckets only with one processor: with two, their
extra memory traffic once slowed the evaluation's own thread beside them as much as they
gained. Measured again with the engine of 2026-12-05, they gain with two processors too,
most when another program keeps one of them busy (``benchmarks/bucketed_sort.py``,
docs/performance.md). Where buckets do not measure faster, a large sort of 64-bit keys may
go by merged runs instead: rows of the network's width sorted, then numpy's stable sort (a
timsort), which finds them as runs and merges them, where that measures faster than
np.sort (about 0.85 of its time here), moving each key no more than its merges do.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

import numpy as np

# Sorts of fewer keys than this are one np.sort: its calls cost less than the buckets'.
BUCKETED_SORT_ROWS = 1 << 12
# Sorts of this many keys or more are large: whether buckets pay for them is measured apart.
LARGE_SORT_ROWS = 1 << 17
# Sorts by buckets of this many keys or more order them by bucket block by block in the
# cache; fewer are ordered in one piece (one stable argsort of their buckets: 2.4 ms less
# for the yardstick's eight with one processor than block by block, 2026-12-05).
ONE_PIECE_SORT_ROWS = 1 << 19
# None: by buckets where they measure faster here;
# True or False: always (tests set these).
BUCKETED_SORT: bool | None = None
# None: large sorts of 64-bit keys not by buckets go by merged runs where those measure
# faster here; True or False: always (tests set these).
MERGED_RUNS_SORT: bool | None = None

# Bytes of keys in a row sorted at once: numpy sorts a row this long with a sorting network
# (x86-simd-sort's limit: 256 64-bit keys, 512 32-bit ones).
_ROW_BYTES = 256 * 8
_BLOCK_ROWS = 1 << 16  # keys offset at a time, in a reused buffer
# keys measured, by whether the sorts are large: a large sort as small as it comes (its buckets
# took 0.35 of np.sort's time here, against 0.41 to 0.50 on 262,144 keys, measured in half the time)
_CALIBRATION_ROWS = {False: 1 << 15, True: LARGE_SORT_ROWS}
_CLEARLY_FASTER = 0.85  # buckets are used where they take at most this share of np.sort's time
_MERGED_RUNS_FASTER = 0.9  # merged runs are used where they take at most this share of np.sort's time
_MERGED_RUNS = "merged runs"
# whether a way of sorting measures faster here, once per process, by kind: buckets for
# small (False) or large (True) sorts, or merged runs; a lock a kind, so that a small sort
# never waits for the large measurement
_measured: dict[bool | str, bool] = {}
_measuring = {kind: threading.Lock() for kind in (False, True, _MERGED_RUNS)}


def sort_integers(keys: np.ndarray) -> None:
    """Sort a one-dimensional integer array in place."""
    if keys.size < max(BUCKETED_SORT_ROWS, 2):
        keys.sort()
        return
    large = keys.size >= LARGE_SORT_ROWS
    if _bucketed_sort_pays(large):
        _bucketed_sort(keys)
    elif large and keys.dtype.itemsize == 8 and keys.flags.c_contiguous and _merged_runs_pay():
        _merged_runs_sort(keys)
    else:
        keys.sort()


def _merged_runs_sort(keys: np.ndarray) -> None:
    """Sort contiguous 64-bit ``keys`` in place: each row of a network's width sorted (a
    view: in place), then numpy's stable sort merges the sorted rows as runs."""
    _sort_rows(keys, _ROW_BYTES // keys.dtype.itemsize)
    keys.sort(kind="stable")


def _merged_runs_pay() -> bool:
    """Whether large sorts of 64-bit keys go by merged runs in this process: where they
    measure faster than np.sort, once (about 6 ms here)."""
    if MERGED_RUNS_SORT is not None:
        return MERGED_RUNS_SORT
    return _measured_once(_MERGED_RUNS, _measure_merged_runs)


def _measure_merged_runs() -> bool:
    """Whether a sort by merged runs is faster here than one np.sort, on 32,768 packed keys
    like the engine's (child << 17 | day), best of three tries each: their ratio there is
    about what it is for the hundreds of thousands of keys of a large sort."""
    return _sorts_faster(_merged_runs_sort, _CALIBRATION_ROWS[False], 3, _MERGED_RUNS_FASTER)


def _bucketed_sort(keys: np.ndarray) -> None:
    """Sort ``keys`` in place: order them by buckets of their top bits (a radix pass), then
    sort consecutive rows of a network's width twice, the second time half a row along.
    Sorting any stretch of keys in bucket order leaves every bucket where it was, so the
    first pass sorts each bucket within a row and the second each bucket across a row's
    end, as long as a bucket holds at most half a row; a bigger one is sorted on its own."""
    n = keys.size
    width = _ROW_BYTES // keys.dtype.itemsize
    half = width // 2
    low, high = int(keys.min()), int(keys.max())
    # a sixth of half a row a bucket on average, up to 65,536 buckets (1.4 million int64 keys);
    # past about 8 million, most buckets overflow half a row and are sorted one by one
    bits = min((max(n * 6 // half, 2) - 1).bit_length(), 16)
    shift = max((high - low).bit_length() - bits, 0)
    wide = np.int64 if keys.dtype.kind == "i" else np.uint64
    buckets = np.empty(n, dtype=np.uint16)
    counts = np.zeros(((high - low) >> shift) + 1, dtype=np.int64)
    scratch = np.empty(min(n, _BLOCK_ROWS), dtype=np.uint64)
    for begin in range(0, n, _BLOCK_ROWS):
        rows = slice(begin, min(begin + _BLOCK_ROWS, n))
        part = scratch[:rows.stop - rows.start]
        # the offset from the smallest key, in 64 bits (an int64 one modulo 2^64: exact)
        np.subtract(keys[rows], low, out=part, dtype=wide, casting="unsafe")
        part >>= np.uint64(shift)
        buckets[rows] = part
        counts += np.bincount(buckets[rows], minlength=counts.size)  # numpy < 2.2.4 counts no uint64
    del scratch
    bucketed = _by_buckets(keys, buckets, counts)
    del buckets
    _sort_rows(bucketed, width)
    _sort_rows(bucketed[half:], width)
    big = np.flatnonzero(counts > half)
    if big.size:
        ends = np.cumsum(counts)
        for end, count in zip(ends[big].tolist(), counts[big].tolist()):
            bucketed[end - count:end].sort()
    keys[...] = bucketed


def _by_buckets(keys: np.ndarray, buckets: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``keys`` stably ordered by bucket: by a radix sort of their 16-bit buckets, in one
    piece below :data:`ONE_PIECE_SORT_ROWS` keys, else a block at a time in the cache, each
    block's keys written after the keys of their buckets from earlier blocks (no
    permutation of all the keys is made)."""
    if keys.size < ONE_PIECE_SORT_ROWS:
        return keys.take(np.argsort(buckets, kind="stable"))
    bucketed = np.empty_like(keys)
    after = np.cumsum(counts) - counts  # where each bucket's next key goes
    n = keys.size
    for begin in range(0, n, _BLOCK_ROWS):
        rows = slice(begin, min(begin + _BLOCK_ROWS, n))
        k = rows.stop - rows.start
        order = np.argsort(buckets[rows], kind="stable")
        ordered = buckets[rows].take(order)
        first = np.empty(k, dtype=bool)
        first[0] = True
        np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
        run_starts = np.flatnonzero(first)
        run_buckets = ordered.take(run_starts)
        run_lengths = np.diff(run_starts, append=k)
        # the j-th key of a run starting at s goes to after[bucket] + j - s
        to = np.repeat(after.take(run_buckets) - run_starts, run_lengths)
        to += np.arange(k)
        bucketed[to] = keys[rows].take(order)
        after[run_buckets] += run_lengths
    return bucketed


def _sort_rows(keys: np.ndarray, width: int) -> None:
    """Sort each run of ``width`` keys in place (the last, shorter one too)."""
    whole = keys.size // width * width
    keys[:whole].reshape(-1, width).sort(axis=1)
    keys[whole:].sort()


def _bucketed_sort_pays(large: bool) -> bool:
    """Whether sorts (``large`` ones or not) go by buckets in this process: where they
    measure clearly faster, with any number of processors (docs/performance.md)."""
    if BUCKETED_SORT is not None:
        return BUCKETED_SORT
    return _measured_once(large, lambda: _measure(large))


def _measured_once(kind: bool | str, measure: Callable[[], bool]) -> bool:
    """``measure()`` for a kind of sort, the first time it is asked in this process."""
    if kind not in _measured:
        with _measuring[kind]:
            if kind not in _measured:
                _measured[kind] = measure()
    return _measured[kind]


def _measure(large: bool) -> bool:
    """Whether sorting by buckets is clearly faster here than one np.sort, on packed keys
    like the engine's (child << 17 | day), best of two (large) or three tries each (about
    20 and 4 ms here)."""
    return _sorts_faster(_bucketed_sort, _CALIBRATION_ROWS[large], 2 if large else 3, _CLEARLY_FASTER)


def _sorts_faster(sort: Callable[[np.ndarray], None], rows: int, tries: int, share: float) -> bool:
    """Whether ``sort`` takes at most ``share`` of one np.sort's time here, best of
    ``tries`` each, on ``rows`` packed keys like the engine's (child << 17 | day), the same
    in every process."""
    rng = np.random.default_rng(0)
    sample = rng.integers(0, 1 << 16, rows, dtype=np.int64) << 17
    sample |= rng.integers(0, 1 << 12, rows, dtype=np.int64)
    best = {True: float("inf"), False: float("inf")}
    for _ in range(tries):
        for ours in (False, True):
            keys = sample.copy()
            begin = time.perf_counter()
            sort(keys) if ours else keys.sort()
            best[ours] = min(best[ours], time.perf_counter() - begin)
    return best[True] <= share * best[False]
