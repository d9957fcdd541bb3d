"""Sorting large integer arrays, in cache-sized pieces where that is faster.

numpy's sort of a large integer array is fast on most machines, but on AMD Zen 4 it
dispatches to an AVX-512 quicksort whose partition step uses an instruction that processor
microcodes (numpy/x86-simd-sort issue 6): there, 272 thousand int64 keys take about 48 ns a
key, while rows of 256 keys, which numpy sorts with a sorting network, take about 2. So a
large sort can go by buckets: order the keys by their top bits (a radix sort of 16-bit
bucket numbers, block by block in the cache), then sort rows of a network's width twice,
the second time half a row along. The sorted array is the same either way.

Which way is used: by buckets where the process has one processor (the evaluation then
does all its work in one thread) and a sort by buckets measures clearly faster, once per
process, on keys like the engine's, the first time a sort is large enough to matter; one
np.sort otherwise. On this project's machine that made the eight indicators of the
yardstick 15-18% faster with one processor, and none faster with two, where the bucketed
sort's extra memory traffic slowed the evaluation's own thread beside it
(``benchmarks/bucketed_sort.py``, docs/performance.md).
"""

from __future__ import annotations

import threading
import time

import numpy as np

from ._background import processors

# Sorts of fewer keys than this are one np.sort: they fit the cache already.
BUCKETED_SORT_ROWS = 1 << 17
# None: by buckets where this process has one processor and they measure faster here;
# True or False: always (tests set these).
BUCKETED_SORT: bool | None = None

# Bytes of keys in a row sorted at once: numpy sorts a row this long with a sorting network
# (x86-simd-sort's limit: 256 64-bit keys, 512 32-bit ones).
_ROW_BYTES = 256 * 8
_BLOCK_ROWS = 1 << 16  # keys offset at a time, in a reused buffer
_CALIBRATION_ROWS = 1 << 18
_CLEARLY_FASTER = 0.85  # buckets are used where they take at most this share of np.sort's time
_measured: list[bool] = []
_measuring = threading.Lock()


def sort_integers(keys: np.ndarray) -> None:
    """Sort a one-dimensional integer array in place."""
    if keys.size < max(BUCKETED_SORT_ROWS, 2) or not _bucketed_sort_pays():
        keys.sort()
        return
    _bucketed_sort(keys)


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
    """``keys`` stably ordered by bucket, a block at a time: each block's keys are ordered
    by a radix sort of their 16-bit buckets in the cache and written after the keys of
    their buckets from earlier blocks (no permutation of all the keys is made)."""
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


def _bucketed_sort_pays() -> bool:
    """Whether large sorts go by buckets in this process: with one processor, where they
    measure clearly faster. With two or more, the evaluation and the thread beside it
    share the memory's bandwidth, and the bucketed sort's extra traffic (every key moved
    three times more) cost the evaluation what it saved (docs/performance.md)."""
    if BUCKETED_SORT is not None:
        return BUCKETED_SORT
    if processors() >= 2:
        return False
    if not _measured:
        with _measuring:
            if not _measured:
                _measured.append(_measure())
    return _measured[0]


def _measure() -> bool:
    """Whether sorting by buckets is clearly faster here than one np.sort, on packed keys
    like the engine's (child << 17 | day), best of two tries each (about 50 ms here)."""
    rng = np.random.default_rng(0)
    sample = rng.integers(0, 1 << 16, _CALIBRATION_ROWS, dtype=np.int64) << 17
    sample |= rng.integers(0, 1 << 12, _CALIBRATION_ROWS, dtype=np.int64)
    best = {True: float("inf"), False: float("inf")}
    for _ in range(2):
        for bucketed in (False, True):
            keys = sample.copy()
            begin = time.perf_counter()
            _bucketed_sort(keys) if bucketed else keys.sort()
            best[bucketed] = min(best[bucketed], time.perf_counter() - begin)
    return best[True] < _CLEARLY_FASTER * best[False]
