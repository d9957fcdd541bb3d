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


def _ranks(values: np.ndarray) -> tuple[np.ndarray, int, int]:
    """Codes 0..K-1 that order as ``values`` do, 0 (their smallest) and K."""
    if values.dtype.kind == "f":
        distinct, inverse = unique(values, return_inverse=True)
        return inverse, 0, int(distinct.size)
    codes, n_codes = dense_codes(values)
    return codes, 0, n_codes


def _offsets(values: np.ndarray) -> tuple[np.ndarray, int, int]:
    """Integers as they are, with their smallest and their span (no sort, no table);
    other values by rank (:func:`_ranks`)."""
    if values.dtype.kind in "iu" and values.size:
        low, high = int(values.min()), int(values.max())
        return values, low, high - low + 1
    return _ranks(values)


def _stable_order(keys: np.ndarray, orders: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The permutation sorting by key then order, ties in their original order, with the
    sorted keys and orders as codes that compare as they do.

    One sort of a packed ``key | order | position`` integer where the three fit in 63 bits
    (several times faster than a lexsort here), with integers packed as they are (less
    their smallest) when their spans fit and by rank otherwise; everything comes back out
    of the sorted integer by shifts and masks, with no gather. The packed integer is built
    in place, so at most two row-length temporaries exist beside the inputs.
    """
    m = keys.size
    position_bits = max(m - 1, 1).bit_length()
    for codes_of in (_offsets, _ranks):
        key_codes, key_low, n_keys = codes_of(keys)
        order_codes, order_low, n_orders = codes_of(orders)
        order_bits = max(n_orders - 1, 1).bit_length()
        key_bits = max(n_keys - 1, 1).bit_length()
        if key_bits + order_bits + position_bits <= 63:
            break
    else:
        permutation = np.lexsort((orders, keys))
        key_codes, order_codes = _ranks(keys)[0], _ranks(orders)[0]
        return permutation, key_codes[permutation], order_codes[permutation]
    packed = np.subtract(key_codes, key_low, dtype=np.int64)
    del key_codes
    packed <<= order_bits + position_bits
    part = np.subtract(order_codes, order_low, dtype=np.int64)
    del order_codes
    part <<= position_bits
    packed |= part
    del part
    packed |= np.arange(m, dtype=np.int64)
    packed.sort()
    permutation = packed & ((1 << position_bits) - 1)
    packed >>= position_bits
    sorted_orders = packed & ((1 << order_bits) - 1)
    packed >>= order_bits
    return permutation, packed, sorted_orders


class Sequence:
    """Rows with a key and an order, sorted by key then order (ties in table order), with
    their tie groups: what every ``previous``/``next`` over that key and order shares."""

    def __init__(self, key: Vec, order: Vec) -> None:
        self.n = len(key)
        self.rows = np.zeros(0, dtype=np.int64)
        if key.type == "null" or order.type == "null" or self.n == 0:
            return
        key_missing, order_missing = key.missing, order.missing
        if key_missing is None and order_missing is None:  # every row: no copies of the columns
            permutation, k, o = _stable_order(sort_codes(key), sort_codes(order))
            rows = None
        else:
            rows = np.flatnonzero(~key.mask() & ~order.mask())
            if rows.size == 0:
                return
            permutation, k, o = _stable_order(sort_codes(key)[rows], sort_codes(order)[rows])
        # kept for the run, so in 32 bits where they fit (half the memory at millions of rows)
        positions = np.int32 if self.n < 2**31 else np.int64
        self.rows = (permutation if rows is None else rows[permutation]).astype(positions, copy=False)
        del permutation
        new_group = np.ones(self.rows.size, dtype=bool)
        new_group[1:] = (k[1:] != k[:-1]) | (o[1:] != o[:-1])
        del o
        self.keys = k.astype(np.int32) if k.max() < 2**31 else k  # codes: equal where the keys are equal
        self.group = np.cumsum(new_group, dtype=positions) - 1
        self.starts = np.flatnonzero(new_group).astype(positions, copy=False)


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
