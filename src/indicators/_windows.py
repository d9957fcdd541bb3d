"""Placing rows in periods, and counting them for every period at once.

A run covers consecutive months ``0 .. P-1``. Every window of SPEC section 3 has the
property that a row belongs to a *contiguous* range of periods ``[lo, hi)``: an event
in month m is in the month windows of m only, in the rolling-N windows of m .. m+N-1,
in the year-to-date windows of m up to the end of its financial year, and in every
cumulative window from m on; an episode is open at the ends of the months from its
start's month up to (not including) its end's month. So each row is placed once, and
counts for all periods come from one difference array, whatever the window. Events are
also counted by month alone (:meth:`Periods.place_months`), every event window's counts
then being differences of one cumulative sum over the months
(:meth:`Periods.month_window_counts`).
"""

from __future__ import annotations

import collections
import functools
import threading
from typing import Callable

import numpy as np

from ._arrays import block_rows, dense_codes, present_extremes, row_chunks, unique
from ._dates import NAT, format_period, month_code, month_end, month_start
from ._sorting import sort_integers

EARLIEST_DAY = int(np.datetime64("0001-01-01", "D").astype(np.int64))  # window_start of to_date
LOOKBACK = 60  # the months before a run's first that an event window reaches (rolling_60)
# the largest (month, code) histogram an event pass counts into (a breakdown's groups
# multiply its months); past it, each window's period ranges are counted. Read at run time.
MONTH_HISTOGRAM_CELLS = 1 << 18
# day tables kept between runs (:class:`DayLookup`): the least recently used go past this many bytes
DAY_TABLE_BYTES = 32 << 20


class Periods:
    """The months of a run: month codes and their first and last days."""

    def __init__(self, first: int, last: int, financial_year_start: int = 4) -> None:
        self.first = first
        self.count = last - first + 1
        self.codes = np.arange(first, last + 1, dtype=np.int64)
        self.starts = month_start(self.codes)
        self.ends = month_end(self.codes)
        self.financial_year_start = financial_year_start
        self.texts = [format_period(code) for code in self.codes.tolist()]  # YYYY-MM of each period
        self.key = (first, self.count, financial_year_start)  # what every placement of a day depends on
        self._window_months: dict[tuple[str, int], tuple[np.ndarray, np.ndarray | None]] = {}

    @functools.cached_property
    def financial_years(self) -> list[int]:
        """The year in which each period's financial year starts."""
        return (self.financial_year_first_month(self.codes) // 12).tolist()

    def financial_year_first_month(self, codes: np.ndarray) -> np.ndarray:
        """Month code of the first month of the financial year holding each month."""
        offset = (codes % 12 - (self.financial_year_start - 1)) % 12
        return codes - offset

    def window_bounds(self, kind: str, months: int = 1, since: int | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
        """First and last day of the window for each period."""
        if kind == "month":
            return self.starts, self.ends
        if kind == "ytd":
            return month_start(self.financial_year_first_month(self.codes)), self.ends
        if kind == "rolling":
            return month_start(self.codes - (months - 1)), self.ends
        if kind == "cumulative":
            return np.full(self.count, since, dtype=np.int64), self.ends
        if kind == "snapshot":
            return self.ends, self.ends
        if kind == "to_date":
            return np.full(self.count, EARLIEST_DAY, dtype=np.int64), self.ends
        raise ValueError(kind)

    def place_events(self, days: np.ndarray, kind: str, months: int = 1, since: int | None = None,
                     span: tuple[int, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The period range ``[lo, hi)`` of each event dated ``days`` (empty when none);
        ``span``, where known, bounds the present days."""
        return _through_day_table(days, lambda d: self._place_events(d, kind, months, since), span,
                                  (self.key, "events", kind, months, since))

    def _place_events(self, days: np.ndarray, kind: str, months: int, since: int | None):
        present = days != NAT
        code = np.where(present, month_code(np.where(present, days, 0)), 0)
        lo = code - self.first
        if kind == "month":
            hi = lo + 1
        elif kind == "rolling":
            hi = lo + months
        elif kind == "ytd":
            hi = self.financial_year_first_month(code) + 12 - self.first
        elif kind == "cumulative":
            hi = np.full_like(lo, self.count)
            present &= days >= since
        elif kind == "to_date":
            hi = np.full_like(lo, self.count)
        else:
            raise ValueError(kind)
        return self._clip(lo, hi, present)

    @property
    def n_months(self) -> int:
        """Buckets of the month axis that event passes count into: earlier months, the
        ``LOOKBACK`` months before the run, the run's months, and nowhere (a missing date,
        after the run, or before ``since``)."""
        return self.count + LOOKBACK + 2

    def place_months(self, days: np.ndarray, since: int | None = None,
                     span: tuple[int, int] | None = None) -> np.ndarray:
        """Each event's bucket on the month axis (:attr:`n_months`)."""
        return self._month_lookup(days, since, span).whole(days)[0]

    def month_placer(self, days: np.ndarray, since: int | None = None,
                     span: tuple[int, int] | None = None) -> Callable[[slice, np.ndarray], None]:
        """What writes the buckets of :meth:`place_months` of a block of rows into a
        buffer: for a pass that reads the days' blocks anyway, one read of the column less."""
        lookup = self._month_lookup(days, since, span)
        return lambda rows, out: lookup.into(days[rows], (out,))

    def month_table(self, since: int | None, last: int) -> np.ndarray:
        """The bucket of :meth:`place_months` of each day 0 .. ``last``, entry 0 a missing
        day's (NaT): read-only, kept between runs as a month lookup's table."""
        return _day_table(lambda d: (self._month_bucket(d, since),), 0, last, (self.key, "months", since))[0]

    def _month_lookup(self, days: np.ndarray, since: int | None, span: tuple[int, int] | None) -> DayLookup:
        return DayLookup(days, lambda d: (self._month_bucket(d, since),), span, (self.key, "months", since))

    def _month_bucket(self, days: np.ndarray, since: int | None) -> np.ndarray:
        present = days != NAT
        if since is not None:
            present &= days >= since
        nowhere = self.n_months - 1
        bucket = month_code(np.where(present, days, 0)) - (self.first - LOOKBACK) + 1
        bucket = np.where(present, np.minimum(np.maximum(bucket, 0), nowhere), nowhere)
        return bucket.astype(period_dtype(self.n_months))

    def month_window_counts(self, monthly: np.ndarray, kind: str, months: int = 1) -> np.ndarray:
        """Counts for each period's window (``kind``, ``months``) from counts by bucket of
        the month axis (the last axis of ``monthly``): the differences of one cumulative
        sum, since every event window is a run of consecutive months."""
        prefix = np.cumsum(monthly[..., :-1], axis=-1)  # events up to each month, nowhere left out
        last, before_first = self._window_months_of(kind, months)
        if before_first is None:
            return prefix[..., last]
        return prefix[..., last] - prefix[..., before_first]

    def _window_months_of(self, kind: str, months: int) -> tuple[np.ndarray, np.ndarray | None]:
        """For each period's event window, the bucket of its last month and of the month
        before its first (None: every month before counts), computed once per window."""
        key = (kind, months)
        if key not in self._window_months:
            ends = np.arange(self.count) + LOOKBACK + 1
            if kind == "month":
                starts = ends
            elif kind == "rolling":
                starts = ends - (months - 1)
            elif kind == "ytd":
                starts = self.financial_year_first_month(self.codes) - (self.first - LOOKBACK) + 1
            elif kind in ("cumulative", "to_date"):
                starts = None
            else:
                raise ValueError(kind)
            self._window_months[key] = (ends, None if starts is None else starts - 1)
        return self._window_months[key]

    def place_episodes(self, starts: np.ndarray, ends: np.ndarray | None,
                       spans: tuple[tuple[int, int] | None, tuple[int, int] | None] = (None, None)
                       ) -> tuple[np.ndarray, np.ndarray]:
        """The range of periods at whose last day each episode is open."""
        # a missing start opens nowhere (lo = count); a missing end never closes (hi = count)
        key = (self.key, "episodes")
        lo = _through_day_table(starts, lambda d: (self._month_index(d),), spans[0], key)[0]
        if ends is None:
            hi = np.full_like(lo, self.count)
        else:
            hi = _through_day_table(ends, lambda d: (self._month_index(d),), spans[1], key)[0]
        np.maximum(hi, lo, out=hi)  # an episode ending by its start's month is open at no month end
        return lo, hi

    def _month_index(self, days: np.ndarray) -> np.ndarray:
        """The period of each day's month, clipped to 0..count (count where missing)."""
        present = days != NAT
        index = np.where(present, month_code(np.where(present, days, 0)) - self.first, self.count)
        return np.minimum(np.maximum(index, 0), self.count).astype(period_dtype(self.count))

    def _clip(self, lo: np.ndarray, hi: np.ndarray, present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # np.maximum and np.minimum: np.clip's checks of its bounds cost more than the work on a small table
        lo = np.asarray(lo, dtype=np.int64)
        np.minimum(np.maximum(lo, 0, out=lo), self.count, out=lo)
        hi = np.asarray(hi, dtype=np.int64)
        np.minimum(np.maximum(hi, 0, out=hi), self.count, out=hi)
        empty = ~present | (hi <= lo)
        hi[empty] = lo[empty]
        # kept for the whole run, one pair per row and window: as small as the periods allow
        dtype = period_dtype(self.count)
        return lo.astype(dtype), hi.astype(dtype)


def range_counts(lo: np.ndarray, hi: np.ndarray, n_periods: int,
                 weights: np.ndarray | None = None) -> np.ndarray:
    """How many ranges ``[lo, hi)`` cover each period (or the sum of their weights)."""
    if weights is None:
        diff = (np.bincount(lo, minlength=n_periods + 1).astype(np.int64)
                - np.bincount(hi, minlength=n_periods + 1))
        return np.cumsum(diff)[:n_periods]
    diff = (np.bincount(lo, weights=weights, minlength=n_periods + 1)
            - np.bincount(hi, weights=weights, minlength=n_periods + 1))
    return np.cumsum(diff)[:n_periods]


def masked_range_counts(lo: np.ndarray, hi: np.ndarray, keep: np.ndarray, n_periods: int) -> np.ndarray:
    """``range_counts(lo[keep], hi[keep], n_periods)``, without copies of the ranges."""
    return coded_range_counts(lo, hi, lambda rows, out: np.copyto(out, keep[rows]), 2, n_periods)[1]


def _cell_type(n_cells: int) -> type:
    """The type of a histogram's cell numbers: 16 bits where they fit, fewer bytes to write
    and count (bincount reads them faster than numpy's index type, which it converts to)."""
    return np.uint16 if n_cells <= 1 << 16 else np.intp


def coded_range_counts(lo: np.ndarray, hi: np.ndarray, fill_codes: Callable[[slice, np.ndarray], None],
                       n_codes: int, n_periods: int) -> np.ndarray:
    """For each code 0..n_codes-1 (< 256), how many rows with that code have a range
    ``[lo, hi)`` covering each period: shape (n_codes, n_periods).

    ``fill_codes(rows, out)`` writes the codes of a block of rows into ``out``; the codes
    never exist as a full-length array. Each block adds to one small histogram of (first
    period, end period, code), whose sums over ends and over firsts give every code's
    difference array at once; with too many periods or codes for such a histogram to stay
    in the cache, to two histograms, of (first period, code) and of (end period, code).
    """
    width = n_periods + 1
    size = block_rows(lo.size)
    by_pair = width * width * n_codes <= 1 << 14
    bounds = ((lo, hi),) if by_pair else ((lo,), (hi,))
    bins = width * (width if by_pair else 1) * n_codes
    codes, at = np.empty(size, dtype=np.uint8), np.empty(size, dtype=_cell_type(bins))
    histograms = [np.zeros(bins, dtype=np.int64) for _ in bounds]
    for rows in row_chunks(lo.size):
        k = rows.stop - rows.start
        fill_codes(rows, codes[:k])
        for columns, counts in zip(bounds, histograms):
            at[:k] = columns[0][rows]
            for column in columns[1:]:
                at[:k] *= width
                np.add(at[:k], column[rows], out=at[:k], casting="unsafe")  # periods' type to the cells'
            at[:k] *= n_codes
            at[:k] += codes[:k]
            counts += np.bincount(at[:k], minlength=bins)
    if by_pair:
        pairs = histograms[0].reshape(width, width, n_codes)
        diff = pairs.sum(axis=1) - pairs.sum(axis=0)
    else:
        diff = (histograms[0] - histograms[1]).reshape(width, n_codes)
    return np.cumsum(diff, axis=0)[:n_periods].T


def coded_bucket_counts(buckets: np.ndarray, fill_codes: Callable[[slice, np.ndarray], None], n_codes: int,
                        n_buckets: int, fill_buckets: Callable[[slice, np.ndarray], None] | None = None) -> np.ndarray:
    """For each code 0..n_codes-1 (< 256), how many rows with that code fall in each
    bucket: shape (n_codes, n_buckets). ``fill_codes`` as for :func:`coded_range_counts`;
    ``fill_buckets(rows, out)``, when given, first writes the block's buckets into
    ``buckets[rows]`` (worked out in the same pass)."""
    size = block_rows(buckets.size)
    codes, at = np.empty(size, dtype=np.uint8), np.empty(size, dtype=_cell_type(n_buckets * n_codes))
    counts = np.zeros(n_buckets * n_codes, dtype=np.int64)
    for rows in row_chunks(buckets.size):
        k = rows.stop - rows.start
        if fill_buckets is not None:
            fill_buckets(rows, buckets[rows])
        fill_codes(rows, codes[:k])
        at[:k] = buckets[rows]
        at[:k] *= n_codes
        at[:k] += codes[:k]
        counts += np.bincount(at[:k], minlength=counts.size)
    return counts.reshape(n_buckets, n_codes).T


def _by_key_and_start(keys: np.ndarray, lo: np.ndarray, hi: np.ndarray, n_periods: int,
                      n_codes: int | None = None):
    """Key codes, starts and ends sorted by key then start: one sort of a packed
    (key, start, end) integer where it fits (several times faster than a lexsort here).
    With ``n_codes``, the keys are already codes 0..n_codes-1 and packed as they are
    where they fit (no sort to code them)."""
    width = n_periods + 1
    if n_codes is not None and n_codes * width * width < 2**62:
        codes, n_keys = keys, n_codes
    elif keys.dtype.kind in "iub":
        codes, n_keys = dense_codes(keys.astype(np.int64, copy=False))
    else:
        distinct, codes = unique(keys, return_inverse=True)
        n_keys = int(distinct.size)
    if n_keys * width * width >= 2**62:
        order = np.lexsort((lo, keys))
        return codes[order], lo[order], hi[order]
    packed = (codes * width + lo) * width + hi
    sort_integers(packed)
    return packed // (width * width), packed // width % width, packed % width


def merged_ranges(keys: np.ndarray, lo: np.ndarray, hi: np.ndarray, n_periods: int, n_codes: int | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each key's ranges ``[lo, hi)`` merged into disjoint runs (one sort by key and start):
    each run's key as a code (0..K-1, in key order; the keys themselves when they are
    codes 0..``n_codes``-1 that fit the packed sort), start and end."""
    k, l, h = _by_key_and_start(keys, lo, hi, n_periods, n_codes)
    new_key = np.ones(k.size, dtype=bool)
    new_key[1:] = k[1:] != k[:-1]
    group = np.cumsum(new_key) - 1
    stride = n_periods + 2
    reach = np.maximum.accumulate(group * stride + h) - group * stride  # furthest end so far, per key
    starts = new_key.copy()
    starts[1:] |= l[1:] > reach[:-1]
    first = np.flatnonzero(starts)
    last = np.append(first[1:] - 1, k.size - 1)
    return k[first], l[first], reach[last]


_BYTE_BITS = (np.arange(256)[:, None] >> np.arange(8)) & 1  # byte value -> its 8 bits, lowest first
MASK_PERIODS = 63  # periods a mask holds, as the bits of one uint64 (1 << 64 would overflow)
# masks of up to this many periods (a run's months and the one before) are counted by
# value, 16,384 values at most, when there are more than an eighth as many masks
WHOLE_MASK_PERIODS = 14


def period_masks(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Each range ``[lo, hi)`` of periods (at most :data:`MASK_PERIODS`) as one uint64
    whose bits lo .. hi - 1 are set."""
    one = np.uint64(1)
    masks = np.left_shift(one, hi.astype(np.uint64))
    masks -= np.left_shift(one, lo.astype(np.uint64))
    return masks


def period_bits(flags: np.ndarray) -> np.ndarray:
    """Each row of a (rows, periods) boolean array (at most :data:`MASK_PERIODS` periods)
    as one uint64 whose bit p is set where the row's flag p is."""
    # padded to a whole word and packed as one flat array: packing along an axis is
    # several times slower
    width = next(bits for bits in (8, 16, 32, 64) if bits >= flags.shape[1])
    wide = np.zeros((flags.shape[0], width), dtype=bool)
    wide[:, :flags.shape[1]] = flags
    return np.packbits(wide.ravel(), bitorder="little").view(f"<u{width // 8}").astype(np.uint64)


def mask_counts(masks: np.ndarray, n_periods: int) -> np.ndarray:
    """How many of ``masks`` (uint64, no bit past the periods') have each period's bit set:
    up to :data:`WHOLE_MASK_PERIODS` periods, the masks counted in one histogram of their
    values (where they are not far fewer than its bins); else each byte of them in one
    histogram of its 256 values. The histogram's sums by value give each bit's count."""
    if n_periods <= WHOLE_MASK_PERIODS and masks.size << 3 > 1 << n_periods:
        # one read of the masks, not one a byte (a strided column, copied to count it)
        by_mask = np.bincount(masks.astype(np.uint64, copy=False).view(np.int64), minlength=1 << n_periods)
        low = min(n_periods, 8)
        grid = by_mask.reshape(-1, 1 << low)  # a bit past the periods would show as rows too many
        if grid.shape[0] == 1 << (n_periods - low):
            return np.concatenate([grid.sum(axis=0) @ _BYTE_BITS[:1 << low, :low],
                                   grid.sum(axis=1) @ _BYTE_BITS[:grid.shape[0], :n_periods - low]])
    by_byte = masks.astype("<u8", copy=False).view(np.uint8).reshape(-1, 8)
    counts = [np.bincount(by_byte[:, byte], minlength=256) @ _BYTE_BITS for byte in range((n_periods + 7) // 8)]
    return np.concatenate(counts)[:n_periods].astype(np.int64)


# ufunc.at became fast in numpy 1.25 (0.5 ms for 36 thousand rows here); before, a sort is
FAST_UFUNC_AT = np.lib.NumpyVersion(np.__version__) >= "1.25.0"


def distinct_mask_counts(codes: np.ndarray, n_codes: int, masks: np.ndarray, n_periods: int) -> np.ndarray:
    """How many of the codes 0..n_codes-1 have a bit of each period set in some of their
    rows' ``masks`` (each row's code in ``codes``): the masks or-ed together per code
    (by ``bitwise_or.at``; before numpy 1.25, after one sort of the codes)."""
    if FAST_UFUNC_AT or codes.size == 0:
        merged = np.zeros(n_codes, dtype=np.uint64)
        np.bitwise_or.at(merged, codes, masks)
    else:
        order = np.argsort(codes, kind="stable")
        ordered = codes.take(order)
        first = np.ones(ordered.size, dtype=bool)
        np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
        merged = np.bitwise_or.reduceat(masks.take(order), np.flatnonzero(first))
    return mask_counts(merged, n_periods)


def distinct_range_counts(codes: np.ndarray, n_codes: int, lo: np.ndarray, hi: np.ndarray,
                          n_periods: int) -> np.ndarray:
    """How many of the codes 0..n_codes-1 (a distinct key's) have at least one range
    covering each period, each code counted once per period: over at most
    :data:`MASK_PERIODS` periods each range as bits, or-ed together per code
    (:func:`distinct_mask_counts`); else each code's ranges merged into disjoint runs (one
    sort of the coded ranges)."""
    if codes.size == 0:
        return np.zeros(n_periods, dtype=np.int64)
    if n_periods <= MASK_PERIODS:
        return distinct_mask_counts(codes, n_codes, period_masks(lo, hi), n_periods)
    _, run_lo, run_hi = merged_ranges(codes, lo, hi, n_periods, n_codes)
    return range_counts(run_lo, run_hi, n_periods)


class DayLookup:
    """``place`` applied to days through a table over the days some rows span (``span``
    where known, else found here): dates repeat (a few thousand days for millions of
    rows), so the arithmetic is done once a day and each row costs one lookup. ``place``
    maps an array of days (NaT among them) to a tuple of arrays, element by element; where
    ``key`` names what ``place`` does (equal keys, equal placements), its table is kept for
    later runs (:func:`_day_table`)."""

    def __init__(self, days: np.ndarray, place: Callable[[np.ndarray], tuple[np.ndarray, ...]],
                 span: tuple[int, int] | None = None, key: tuple | None = None) -> None:
        self.place = place
        self.columns: tuple[np.ndarray, ...] | None = None  # None: ``place`` applied to the days themselves
        # a table from 1970-01-01 (day 0) on, no longer than the column: each day is its own
        # index, and a missing day (NaT) clips to entry 0, which no present day uses; else
        # (shifted) a table from the day before the first: each day clipped to it and less
        # that day (NaT to entry 0)
        self.shifted = False
        self.first, self.last = 0, 0
        extremes = span or present_extremes(days, None, absent=NAT)
        if extremes is None:  # every day missing
            return
        low, high = extremes
        if high - low > 4 * days.size + 100_000:  # a sparse spread of days: place directly
            return
        if not (low > 0 and high < days.size):
            self.shifted, self.first, self.last = True, low - 1, high
            self._index = np.empty(block_rows(days.size), dtype=np.intp)
        self.columns = _day_table(place, self.first, high, key)

    def whole(self, days: np.ndarray) -> tuple[np.ndarray, ...]:
        """The placed columns of every row."""
        if self.columns is None:
            return self.place(days)
        if not self.shifted:
            return tuple(column.take(days, mode="clip") for column in self.columns)
        placed = tuple(np.empty(days.size, dtype=column.dtype) for column in self.columns)
        for rows in row_chunks(days.size):
            self.into(days[rows], tuple(out[rows] for out in placed))
        return placed

    def into(self, days: np.ndarray, outs: tuple[np.ndarray, ...]) -> None:
        """The placed columns of a block of rows (of at most :func:`block_rows`), written
        into ``outs``."""
        if self.columns is None:
            for out, column in zip(outs, self.place(days)):
                out[...] = column
            return
        index = days
        if self.shifted:
            index = self._index[:days.size]
            np.minimum(np.maximum(days, self.first, out=index), self.last, out=index)
            index -= self.first
        for column, out in zip(self.columns, outs):
            column.take(index, out=out, mode="clip")  # in range, or clipped to entry 0 as NaT is


def _through_day_table(days: np.ndarray, place, span: tuple[int, int] | None = None,
                       key: tuple | None = None) -> tuple[np.ndarray, ...]:
    """``place`` applied to every row's day through a :class:`DayLookup`."""
    return DayLookup(days, place, span, key).whole(days)


_day_tables: collections.OrderedDict[tuple, tuple[np.ndarray, ...]] = collections.OrderedDict()
_day_tables_lock = threading.Lock()


def _day_table(place, first: int, last: int, key: tuple | None) -> tuple[np.ndarray, ...]:
    """``place`` applied to the days ``first .. last``, entry 0 to a missing day (NaT): kept
    between runs under ``key`` (a run over the same months places the same days the same
    way), read-only, the least recently used let go past :data:`DAY_TABLE_BYTES` (the
    newest is kept whatever its size)."""
    if key is not None:
        key = (key, first, last)
        with _day_tables_lock:
            columns = _day_tables.get(key)
            if columns is not None:
                _day_tables.move_to_end(key)
                return columns
    table_days = np.arange(first, last + 1, dtype=np.int64)
    table_days[0] = NAT
    columns = place(table_days)
    if key is None:
        return columns
    for column in columns:
        column.flags.writeable = False
    with _day_tables_lock:
        _day_tables[key] = columns
        _day_tables.move_to_end(key)  # another thread may have kept the same table meanwhile
        held = sum(column.nbytes for kept in _day_tables.values() for column in kept)
        while held > DAY_TABLE_BYTES and len(_day_tables) > 1:
            _, dropped = _day_tables.popitem(last=False)
            held -= sum(column.nbytes for column in dropped)
    return columns


def period_dtype(n_periods: int) -> type:
    """The smallest integer type holding period numbers 0..n_periods."""
    if n_periods < 2**8 - 1:
        return np.uint8
    return np.int16 if n_periods < 2**15 - 1 else np.int32


def row_dtype(n_rows: int) -> type:
    """The smallest integer type holding row numbers below n_rows."""
    return np.int32 if n_rows < 2**31 else np.int64


def expand(rows: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One (row, period) pair for every period each row's range covers (rows and periods
    in the smallest integer types that hold them, since pairs outnumber rows)."""
    firsts = lo[rows]
    spans = hi[rows].astype(np.int64)
    spans -= firsts
    total = int(spans.sum())
    pair_rows = np.repeat(rows.astype(row_dtype(lo.size), copy=False), spans)
    # the periods are a running sum, in their own small type, of steps of 1 but at each
    # row's first pair, which steps from the last period of the row before to the row's
    # first (a step down wraps round in an unsigned type, and the sum wraps back)
    nonempty = spans > 0
    firsts, spans = firsts[nonempty].astype(np.int64), spans[nonempty]
    steps = np.ones(total, dtype=lo.dtype)
    if total:
        starts = np.cumsum(spans)
        starts -= spans
        step = firsts.copy()
        step[1:] -= firsts[:-1] + spans[:-1] - 1
        steps[starts] = step.astype(lo.dtype)
    return pair_rows, np.cumsum(steps, dtype=lo.dtype)
