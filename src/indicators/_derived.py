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


class Sequence:
    """Rows with a key and an order, sorted by key then order (ties in table order), with
    their tie groups: what every ``previous``/``next`` over that key and order shares."""

    def __init__(self, key: Vec, order: Vec) -> None:
        self.n = len(key)
        self.rows = np.zeros(0, dtype=np.int64)
        if key.type == "null" or order.type == "null":
            return
        rows = np.flatnonzero(~key.mask() & ~order.mask())
        if rows.size == 0:
            return
        keys = sort_codes(key)[rows]
        orders = sort_codes(order)[rows]
        permutation = _stable_order(keys, orders)
        self.rows = rows[permutation]
        self.keys = keys[permutation]
        k, o = self.keys, orders[permutation]
        new_group = np.ones(self.rows.size, dtype=bool)
        new_group[1:] = (k[1:] != k[:-1]) | (o[1:] != o[:-1])
        self.group = np.cumsum(new_group) - 1
        self.starts = np.flatnonzero(new_group)


def shift_by_key(value: Vec, key: Vec, order: Vec, forward: bool, sequence: Sequence | None = None) -> Vec:
    """For each row, ``value`` on its previous (or, with ``forward``, next) row by key and
    order; ``sequence`` is the rows sorted by that key and order, when already known."""
    n = len(value)
    missing = np.ones(n, dtype=bool)
    data = value.data.copy()
    if value.type == "null":
        return Vec(value.type, data, missing, value.categories)
    sequence = sequence or Sequence(key, order)
    m = sequence.rows.size
    if m == 0:
        return Vec(value.type, data, missing, value.categories)
    if forward:
        candidate = np.append(sequence.starts[1:], m)[sequence.group]  # first row of the next tie group
        ok = candidate < m
    else:
        candidate = sequence.starts[sequence.group] - 1  # last row of the previous tie group
        ok = candidate >= 0
    safe = np.where(ok, candidate, 0)
    ok &= sequence.keys[safe] == sequence.keys
    source_rows = sequence.rows[safe[ok]]
    target_rows = sequence.rows[ok]
    data[target_rows] = value.data[source_rows]
    missing[target_rows] = value.mask()[source_rows]
    return Vec(value.type, data, missing if missing.any() else None, value.categories)
