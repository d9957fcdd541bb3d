"""Aggregates by period: how many values each period has, and their sum, mean, minimum,
maximum or median, in one pass over (period, value) pairs."""

from __future__ import annotations

import numpy as np

from ._arrays import unique
from ._sorting import sort_integers


def aggregate_by_period(p: np.ndarray, v: np.ndarray, kind: str, n_periods: int,
                        codes: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """How many values each period has, and their ``kind`` (sum, mean, min, max, median;
    NaN where a period has none). ``codes``, when given, are the sorted distinct values and
    each value's index among them."""
    counts = np.bincount(p, minlength=n_periods).astype(np.int64)
    out = np.full(n_periods, np.nan)
    has = counts > 0
    if kind in ("sum", "mean"):
        sums = np.bincount(p, weights=v, minlength=n_periods)
        out[has] = sums[has] if kind == "sum" else sums[has] / counts[has]
        return counts, out
    if not has.any():
        return counts, out
    distinct, value_codes = codes if codes is not None else unique(v, return_inverse=True)
    kth = _kth_in_period_order(p, value_codes, distinct, n_periods)
    ends = np.cumsum(counts)
    starts = ends - counts
    if kind == "min":
        out[has] = kth(starts[has])
    elif kind == "max":
        out[has] = kth(ends[has] - 1)
    else:  # median: mean of the middle two when the count is even
        low = starts + (counts - 1) // 2
        high = starts + counts // 2
        out[has] = (kth(low[has]) + kth(high[has])) / 2
    return counts, out


HISTOGRAM_CELLS = 1 << 20  # (period, value) cells a histogram may take beyond four per pair


def _kth_in_period_order(periods: np.ndarray, codes: np.ndarray, distinct: np.ndarray, n_periods: int):
    """A function giving the values at given positions of the pairs sorted by period, then
    value (``distinct[codes]``): by a histogram of (period, value) when that is small, else
    by one sort of packed integer keys (several times faster than a two-key lexsort)."""
    size = distinct.size
    keys = periods.astype(np.int64) * size + codes
    if n_periods * size <= 4 * keys.size + HISTOGRAM_CELLS:
        cumulative = np.cumsum(np.bincount(keys, minlength=n_periods * size))
        return lambda at: distinct[np.searchsorted(cumulative, at, side="right") % size]
    sort_integers(keys)
    return lambda at: distinct[keys[at] % size]
