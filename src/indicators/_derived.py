"""Derived columns: ``previous()`` and ``next()`` along each key's sequence of rows.

One stable sort by key and order puts each key's rows in sequence, ties kept in table
order; rows with equal (key, order) form a tie group. A row's previous is the last row of
the tie group just before its own within the same key; its next is the first row of the
tie group just after. Everything is a shifted index into the sorted order.
"""

from __future__ import annotations

import numpy as np

from ._arrays import dense_codes, unique
from ._vectors import Vec


def sort_codes(vec: Vec) -> np.ndarray:
    """Values usable as a sort key: equal values give equal codes, order preserved."""
    if vec.type == "float":
        return vec.data
    return vec.data.astype(np.int64, copy=False)


def _ranks(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Codes 0..K-1 that order as ``values`` do, and K."""
    if values.dtype.kind == "f":
        distinct, inverse = unique(values, return_inverse=True)
        return inverse, int(distinct.size)
    return dense_codes(values)


def _stable_order(keys: np.ndarray, orders: np.ndarray) -> np.ndarray:
    """The permutation sorting by key then order, ties in their original order: one sort
    of a packed (key, order, position) integer where it fits in 63 bits (several times
    faster than a lexsort here), else a lexsort."""
    m = keys.size
    key_codes, n_keys = _ranks(keys)
    order_codes, n_orders = _ranks(orders)
    if n_keys * n_orders * m >= 2**62:
        return np.lexsort((orders, keys))
    packed = (key_codes * n_orders + order_codes) * m + np.arange(m)
    packed.sort()
    return packed % m


def shift_by_key(value: Vec, key: Vec, order: Vec, forward: bool) -> Vec:
    """For each row, ``value`` on its previous (or, with ``forward``, next) row by key and order."""
    n = len(value)
    missing = np.ones(n, dtype=bool)
    if value.type == "null" or key.type == "null" or order.type == "null":
        return Vec(value.type, value.data.copy(), missing, value.categories)
    valid = ~key.mask() & ~order.mask()
    rows = np.flatnonzero(valid)
    data = value.data.copy()
    if rows.size == 0:
        return Vec(value.type, data, missing, value.categories)
    keys = sort_codes(key)[rows]
    orders = sort_codes(order)[rows]
    permutation = _stable_order(keys, orders)
    sorted_rows = rows[permutation]
    k, o = keys[permutation], orders[permutation]
    m = sorted_rows.size
    new_group = np.ones(m, dtype=bool)
    new_group[1:] = (k[1:] != k[:-1]) | (o[1:] != o[:-1])
    group = np.cumsum(new_group) - 1
    starts = np.flatnonzero(new_group)
    if forward:
        candidate = np.append(starts[1:], m)[group]  # first row of the next tie group
        ok = candidate < m
    else:
        candidate = starts[group] - 1  # last row of the previous tie group
        ok = candidate >= 0
    safe = np.where(ok, candidate, 0)
    ok &= k[safe] == k
    source_rows = sorted_rows[safe[ok]]
    target_rows = sorted_rows[ok]
    data[target_rows] = value.data[source_rows]
    missing[target_rows] = value.mask()[source_rows]
    return Vec(value.type, data, missing if missing.any() else None, value.categories)
