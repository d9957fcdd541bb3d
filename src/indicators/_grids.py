"""Lookup grids: a looked-up table's aggregate per (key, period), built from each row's
period range where it can be, and the codes that join a measure's keys to the looked-up
rows' keys."""

from __future__ import annotations

import attrs
import numpy as np

from ._arrays import SpanRanks, ranks_pay, sorted_with_order
from ._vectors import Vec, unify_strings


@attrs.frozen(eq=False)
class KeyGrid:
    """A lookup's value per (key, period) cell, and each measure row's key code into it."""

    codes: np.ndarray  # each measure row's key code (-1: missing, or no looked-up row has it)
    values: np.ndarray  # key * stride + period -> the aggregate
    has: np.ndarray | None  # whether each cell has a value (None: a count, 0 where nothing)
    type: str  # the value's type
    stride: int  # cells per key: the periods, or one more (a cell no period reads)

    @property
    def n_keys(self) -> int:
        return self.values.size // self.stride

    def cell_values(self, keys: np.ndarray, n_periods: int) -> Vec:
        """The values of the (key, period) cells of the key codes ``keys`` (ascending; key
        ``n_keys``: a missing key, which counts 0 and has no other value), key by key: what
        measure rows with those codes read in each period."""
        n_keys = self.n_keys
        n_known = int(np.searchsorted(keys, n_keys))  # the missing key's code is the last
        n_cells = keys.size * n_periods
        data = np.zeros(n_cells, dtype=np.int64 if self.has is None else self.values.dtype)  # counts: int64
        known = keys[:n_known]
        data[:n_known * n_periods].reshape(n_known, n_periods)[...] = \
            self.values.reshape(n_keys, self.stride)[known, :n_periods]
        if self.has is None:
            return Vec(self.type, data)
        missing = np.ones(n_cells, dtype=bool)
        np.logical_not(self.has.reshape(n_keys, self.stride)[known, :n_periods],
                       out=missing[:n_known * n_periods].reshape(n_known, n_periods))
        return Vec(self.type, data, missing if missing.any() else None)


def key_grid(codes: np.ndarray, values: np.ndarray, has: np.ndarray | None, type: str, stride: int) -> KeyGrid:
    """A :class:`KeyGrid`, a grid of counts (``has`` None) held in the narrowest unsigned
    type that holds its largest count: measure rows read it at random, several times
    faster when it is small (within the processor's caches and its page tables' reach)."""
    if has is None and values.size:
        top = int(values.max())
        narrow = next((t for t in (np.uint8, np.uint16, np.uint32) if top <= np.iinfo(t).max), None)
        if narrow is not None:
            values = values.astype(narrow)
    return KeyGrid(codes, values, has, type, stride)


def sum_or_mean(aggregate: str, sums: np.ndarray, counts: np.ndarray, column_type: str) -> tuple:
    has = counts > 0
    if aggregate == "mean":
        return np.divide(sums, np.where(has, counts, 1)), has, "float"
    if column_type == "int":
        return np.round(sums).astype(np.int64), has, "int"
    return sums, has, "float"


def extremes(aggregate: str, cells: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Per cell minimum (or maximum) of values; cells without values are left 0."""
    # unbuffered ufunc.at: measured 80x faster than sorting by (cell, value) here
    grid = np.full(size, _identity(aggregate, values.dtype), dtype=values.dtype)
    (np.minimum if aggregate == "min" else np.maximum).at(grid, cells, values)
    grid[np.bincount(cells, minlength=size) == 0] = 0
    return grid


def _identity(aggregate: str, dtype: np.dtype):
    """The value no other beats under ``aggregate`` (min or max)."""
    if dtype.kind == "f":
        return np.inf if aggregate == "min" else -np.inf
    if dtype.kind == "b":
        return aggregate == "min"
    info = np.iinfo(dtype)
    return info.max if aggregate == "min" else info.min


def grid_from_ranges(aggregate: str, codes: np.ndarray, lo: np.ndarray, hi: np.ndarray, keep: np.ndarray,
                      column: Vec | None, n_keys: int, n_periods: int) -> tuple:
    """A key x period aggregate from each row's period range, without expanding rows:
    values, where each cell has one (None for counts), type and stride (``n_periods + 1``
    cells per key, the last read by no period).

    Counts and sums come from difference arrays along each key's periods; minima and
    maxima of windows open to the past (to_date, cumulative) from running extrema.
    """
    rows = np.flatnonzero(keep)
    width = n_periods + 1
    start = codes[rows] * width
    stop = start + hi[rows]
    start += lo[rows]
    size = n_keys * width

    # in place, and no copy of a key's first n_periods cells: the grid is keys x periods,
    # often the largest array of a run
    def ranges(weights=None) -> np.ndarray:
        diff = np.bincount(start, weights=weights, minlength=size)
        if weights is None:
            np.subtract.at(diff, stop, 1)
            # each range ends in its key's own row (hi <= n_periods), so every row sums to
            # 0 and one running sum of the whole grid is each row's own
            return np.cumsum(diff, out=diff)
        diff -= np.bincount(stop, weights=weights, minlength=size)
        grid = diff.reshape(n_keys, width)
        np.cumsum(grid, axis=1, out=grid)  # by row: a float's rounding must not pass to the next key
        return diff

    if aggregate == "count":
        return ranges().astype(np.int64, copy=False), None, "int", width
    values = column.data[rows]
    if aggregate in ("sum", "mean"):
        counts = ranges().astype(np.int64, copy=False)
        return (*sum_or_mean(aggregate, ranges(values.astype(np.float64)), counts, column.type), width)
    # each cell's extreme of the values first placed in it, the identity where none is:
    # the running extreme along each key's periods is then the window's
    identity = _identity(aggregate, values.dtype)
    first = np.full(size, identity, dtype=values.dtype)
    ufunc = np.minimum if aggregate == "min" else np.maximum
    ufunc.at(first, start, values)
    running = ufunc.accumulate(first.reshape(n_keys, width), axis=1, out=first.reshape(n_keys, width))
    # a cell has a value once a row's range has begun (ranges run to the last period):
    # where the running extreme has left the identity, unless a value is the identity
    has = ranges() > 0 if (values == identity).any() else first != identity
    np.copyto(running, 0, where=~has.reshape(n_keys, width))
    return first, has, column.type, width


def shared_codes(own: Vec, other: Vec) -> tuple[np.ndarray, np.ndarray, int]:
    """Codes 0..K-1 of the measure's distinct keys (-1 where missing), and the looked-up
    rows' keys as the same codes (-1 where missing or not among the measure's keys, since
    those rows can match nothing)."""
    own_missing = own.mask() if own.type != "null" else np.ones(len(own), bool)
    other_missing = other.mask() if other.type != "null" else np.ones(len(other), bool)
    if own.type == "str" and other.type == "str":
        own_values, other_values, _ = unify_strings(own, other)
    else:
        as_float = "float" in (own.type, other.type)
        own_values = own.data.astype(np.float64 if as_float else np.int64, copy=False)
        other_values = other.data.astype(np.float64 if as_float else np.int64, copy=False)
    present_values = own_values[~own_missing]
    if own_values.dtype.kind == "i" and present_values.size:
        dense = _dense_codes(own_values, own_missing, present_values, other_values, other_missing)
        if dense is not None:
            return dense
    # one sort of both sides' keys (a binary search of each key costs several times more),
    # each key's code worked out in sorted order and put in place by one scatter
    n_own = present_values.size
    keys = np.concatenate([present_values, other_values[~other_missing]])
    if keys.size == 0:
        return np.full(len(own), -1, dtype=np.int64), np.full(len(other), -1, dtype=np.int64), 1
    order, ordered = sorted_with_order(keys)
    del keys
    new_value = np.empty(ordered.size, dtype=bool)
    new_value[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new_value[1:])
    del ordered
    value_of = np.cumsum(new_value, dtype=np.int64)  # each sorted key's distinct value, from 1
    value_of -= 1
    in_own = np.zeros(int(value_of[-1]) + 1, dtype=bool)
    in_own[value_of[order < n_own]] = True
    code_of = np.cumsum(in_own, dtype=np.int64) - 1  # the measure's keys, in value order
    coded = np.empty(order.size, dtype=np.int64)
    coded[order] = np.where(in_own[value_of], code_of[value_of], -1)
    own_codes = np.full(len(own), -1, dtype=np.int64)
    own_codes[~own_missing] = coded[:n_own]
    other_codes = np.full(len(other), -1, dtype=np.int64)
    other_codes[~other_missing] = coded[n_own:]
    return own_codes, other_codes, max(int(in_own.sum()), 1)


def _dense_codes(own_values, own_missing, present_values, other_values, other_missing):
    """Key codes by the span of the measure's keys (:class:`SpanRanks`, no sort) when
    integer keys span a modest range; None otherwise."""
    low, high = int(present_values.min()), int(present_values.max())
    if not ranks_pay(low, high, own_values.size + other_values.size):
        return None
    ranks = SpanRanks(present_values, low, high - low + 1, own_values.size + other_values.size)

    def coded(values: np.ndarray, missing: np.ndarray) -> np.ndarray:
        codes = ranks.codes(values, absent=-1)
        return np.where(missing, codes.dtype.type(-1), codes) if missing.any() else codes

    return coded(own_values, own_missing), coded(other_values, other_missing), ranks.count
