"""Derived columns: ``previous()`` and ``next()`` along each key's sequence of rows.

One stable sort by key and order puts each key's rows in sequence, ties kept in table
order; rows with equal (key, order) form a tie group. A row's previous is the last row of
the tie group just before its own within the same key; its next is the first row of the
tie group just after. A shift of the order itself reads each row's neighbour off the
sorted keys; a shift of another column reads each tie group's neighbour and spreads it
over the group's rows.
"""

from __future__ import annotations

import functools
from typing import Iterator

import numpy as np

from ._arrays import block_rows, dense_codes, positions as positions_of, put_at, row_chunks, take_at, unique
from ._sorting import sort_integers
from ._dates import NAT
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


def _packed_order(keys: np.ndarray, orders: np.ndarray) -> tuple[np.ndarray, np.ndarray, int, int | None] | None:
    """The permutation sorting by key then order (ties in their original order), and the
    sorted ``key << order_bits | order`` integers, ``order_bits`` and what to add to an
    order code to get the order back (None when orders are coded by rank); None when key,
    order and position do not fit one 63-bit integer.

    One sort of a packed ``key | order | position`` integer (several times faster than a
    lexsort here), with integers packed as they are (less their smallest) when their spans
    fit and by rank otherwise. The packed integer is built in place, block by block, so
    that the only row-length arrays made are the one sorted and the permutation (and, where
    the sort goes by buckets, :mod:`._sorting`, its ten bytes a key beside them, 18 below
    131,072 keys).
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
        return None
    packed = np.subtract(key_codes, key_low, dtype=np.int64)
    del key_codes
    packed <<= order_bits + position_bits
    part = np.empty(block_rows(m), dtype=np.int64)
    offsets = np.arange(block_rows(m), dtype=np.int64)  # a block's positions less its first
    for rows in row_chunks(m):
        k = rows.stop - rows.start
        block = part[:k]
        np.subtract(order_codes[rows], order_low, out=block, casting="unsafe")
        block <<= position_bits
        block += offsets[:k]
        block += rows.start
        packed[rows] |= block
    del order_codes, part
    sort_integers(packed)
    permutation = np.empty(m, dtype=np.int32 if m < 2**31 else np.int64)
    np.bitwise_and(packed, (1 << position_bits) - 1, out=permutation, casting="unsafe")
    packed >>= position_bits
    packed_as_they_are = codes_of is _offsets and orders.dtype.kind in "iu" and orders.size > 0
    offset = order_low if packed_as_they_are else None
    return permutation, packed, order_bits, offset


def _lexsorted(keys: np.ndarray, orders: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The permutation sorting by key then order (ties in their original order) by a
    lexsort, with the sorted keys and orders as ranks: for keys and orders too wide for
    :func:`_packed_order`."""
    permutation = np.lexsort((orders, keys))
    return permutation, _ranks(keys)[0][permutation], _ranks(orders)[0][permutation]


# a shift of the order itself is read row by row where at most one row in this many is tied
# with the row before it: each tied row then takes a binary search (about a microsecond),
# at most some 15 ns a row in all; with more ties, through the tie groups
_SEARCHED_TIES = 64


class Sequence:
    """Rows with a key and an order, sorted by key then order (ties in table order), in
    tie groups (rows of equal key and order): what every ``previous``/``next`` over that
    key and order shares. A row's previous (next) is read off its tie group's neighbour.

    Where key and order were packed into one integer for the sort (the usual case), the
    sorted integers are kept: a shift of the order itself (``previous(day, by = child)``)
    is read off them row by row, its few ties mended by a binary search, and the tie
    groups that other shifts read are worked out only when one asks for them.
    """

    def __init__(self, key: Vec, order: Vec) -> None:
        self.n = len(key)
        self.rows = np.zeros(0, dtype=np.int64)  # the rows in sequence, sorted
        self._combined: np.ndarray | None = None  # sorted ``key << order_bits | order`` integers
        # what to add to an order's packed bits to get the order back; None: orders packed
        # by rank (floats, text), whose neighbours are then read through the tie groups
        self._order_bits, self._offset = 0, None
        if key.type == "null" or order.type == "null" or self.n == 0:
            return
        if key.missing is None and order.missing is None:  # every row: no copies of the columns
            rows, key_codes, order_codes = None, sort_codes(key), sort_codes(order)
        else:
            rows = np.flatnonzero(~key.mask() & ~order.mask())
            if rows.size == 0:
                return
            key_codes, order_codes = sort_codes(key)[rows], sort_codes(order)[rows]
        positions = np.int32 if self.n < 2**31 else np.int64  # kept for the run: half the memory
        packed = _packed_order(key_codes, order_codes)
        if packed is None:  # tie groups now, set over the properties that would read them off ``_combined``
            permutation, sorted_keys, sorted_orders = _lexsorted(key_codes, order_codes)
            new_group = np.ones(permutation.size, dtype=bool)
            new_group[1:] = (sorted_keys[1:] != sorted_keys[:-1]) | (sorted_orders[1:] != sorted_orders[:-1])
            del sorted_orders
            del key_codes, order_codes
            self.starts = positions_of(new_group)
            group_keys = sorted_keys[self.starts]
            self.same_key_as_before = np.zeros(self.starts.size, dtype=bool)  # per tie group
            np.equal(group_keys[1:], group_keys[:-1], out=self.same_key_as_before[1:])
        else:
            permutation, self._combined, self._order_bits, self._offset = packed
            del packed, key_codes, order_codes
        self.rows = (permutation if rows is None else rows[permutation]).astype(positions, copy=False)
        del permutation

    @functools.cached_property
    def starts(self) -> np.ndarray:
        """Where each tie group begins in the sequence."""
        combined = self._combined
        new_group = np.ones(combined.size, dtype=bool)
        np.not_equal(combined[1:], combined[:-1], out=new_group[1:])
        return positions_of(new_group)

    @functools.cached_property
    def same_key_as_before(self) -> np.ndarray:
        """For each tie group, whether its key is the group before's: read off the sorted
        packed (key, order) integers block by block, so that no array of every group's
        packed integer is made."""
        combined, order_bits = self._combined, self._order_bits
        n_groups = self.starts.size
        same_key_as_before = np.zeros(n_groups, dtype=bool)
        last_key = None
        for groups in row_chunks(n_groups):
            heads = take_at(combined, self.starts[groups])
            heads >>= order_bits
            same = same_key_as_before[groups]
            np.equal(heads[1:], heads[:-1], out=same[1:])
            same[0] = last_key is not None and heads[0] == last_key
            last_key = heads[-1]
        if not self.reads_orders_by_row:  # nothing else reads the sorted integers: let them go
            self._combined = None
        return same_key_as_before

    @functools.cached_property
    def reads_orders_by_row(self) -> bool:
        """Whether a shift of the order itself is read row by row (:meth:`neighbour_orders`):
        orders packed as they are, and at most one row in :data:`_SEARCHED_TIES` tied with
        the row before it. Where more are, the tie groups are fewer than the rows by as
        much, and reading one neighbour per group costs less."""
        combined = self._combined
        if combined is None or self._offset is None:
            return False
        ties = sum(int(np.count_nonzero(combined[rows.start + 1:rows.stop + 1] == combined[rows]))
                   for rows in row_chunks(combined.size - 1))
        return ties * _SEARCHED_TIES <= combined.size

    def neighbour_orders(self, forward: bool) -> Iterator[tuple[slice, np.ndarray, np.ndarray]]:
        """Block by block of the sequence: the block (a slice of :attr:`rows`), whether
        each of its rows has a row of the same key before it (after it, ``forward``) in
        another tie group, and that neighbour's order (arbitrary where none), read off the
        sorted packed integers; a row tied with the one before (after) it reads past its
        tie group by a binary search (:attr:`reads_orders_by_row`: few do). The arrays are
        buffers reused from block to block: the caller may change them in place."""
        combined, order_bits, m = self._combined, self._order_bits, self._combined.size
        size = block_rows(m)
        neighbours, keys, own_keys = (np.empty(size, dtype=np.int64) for _ in range(3))
        has, orders = np.empty(size, dtype=bool), np.empty(size, dtype=np.int64)
        for block in row_chunks(m):
            k = block.stop - block.start
            own, neighbour = combined[block], neighbours[:k]
            # the row before (after) each; past either end, a packed -1, whose key is no key's
            if forward:
                after = combined[block.start + 1:block.stop + 1]
                neighbour[:after.size] = after
                neighbour[after.size:] = -1
            else:
                before = combined[max(block.start - 1, 0):block.stop - 1]
                neighbour[k - before.size:] = before
                neighbour[:k - before.size] = -1
            tied = np.flatnonzero(neighbour == own)  # equal key and order: the row's own tie group
            if tied.size:  # the row just past the tie group's last (before its first)
                if forward:
                    reading = np.searchsorted(combined, own[tied], side="right")
                else:
                    reading = np.searchsorted(combined, own[tied], side="left") - 1
                found = (reading >= 0) & (reading < m)
                neighbour[tied] = np.where(found, combined.take(reading, mode="clip"), -1)
            np.right_shift(neighbour, order_bits, out=keys[:k])
            np.right_shift(own, order_bits, out=own_keys[:k])
            np.equal(keys[:k], own_keys[:k], out=has[:k])
            np.bitwise_and(neighbour, (1 << order_bits) - 1, out=orders[:k])
            orders[:k] += self._offset
            yield block, has[:k], orders[:k]

    def sizes(self, groups: slice | None = None) -> np.ndarray:
        """How many rows each tie group (of ``groups``, consecutive ones, when given) holds."""
        n_groups = self.starts.size
        groups = groups or slice(0, n_groups)
        sizes = np.empty(groups.stop - groups.start, dtype=self.starts.dtype)
        if sizes.size:
            sizes[:-1] = self.starts[groups.start + 1:groups.stop]
            sizes[-1] = self.starts[groups.stop] if groups.stop < n_groups else self.rows.size
            sizes -= self.starts[groups]
        return sizes

    def scatter(self, target: np.ndarray, values: np.ndarray) -> None:
        """Write a value per tie group to each of its rows of ``target``, tie groups block
        by block (no row-length copy of the values)."""
        for groups in row_chunks(self.starts.size):
            sizes = self.sizes(groups)
            first = int(self.starts[groups.start])
            put_at(target, self.rows[first:first + int(sizes.sum())], np.repeat(values[groups], sizes))

    def rows_sharing_key_and_order(self) -> np.ndarray | None:
        """Positions, ascending, of the rows another row shares its key and order with, and of
        the rows outside the sequence (a key or order missing): the only rows that can
        equal another in every column, when key and order are columns. None when no row
        is in the sequence."""
        m = self.rows.size
        if m == 0:
            return None
        if self._combined is not None:  # tied with the row before or after, read off the sort
            combined = self._combined
            tied = np.zeros(m, dtype=bool)
            np.equal(combined[1:], combined[:-1], out=tied[1:])
            tied[:-1] |= tied[1:]
            shared = self.rows[tied]
        else:
            sizes = self.sizes()
            in_ties = np.flatnonzero(sizes > 1)  # few tie groups: their positions, run by run
            sizes = sizes[in_ties].astype(np.int64)
            run_starts = np.repeat(self.starts[in_ties] - (np.cumsum(sizes) - sizes), sizes)
            shared = self.rows[run_starts + np.arange(run_starts.size)]
        if m == self.n:
            return np.sort(shared)
        in_sequence = np.zeros(self.n, dtype=bool)
        in_sequence[self.rows] = True
        in_sequence[shared] = False
        return positions_of(~in_sequence)


def shift_by_key(value: Vec, key: Vec, order: Vec, forward: bool, sequence: Sequence | None = None,
                 value_is_order: bool = False) -> Vec:
    """For each row, ``value`` on its previous (or, with ``forward``, next) row by key and
    order; ``sequence`` is the rows sorted by that key and order, when already known, and
    ``value_is_order`` says that ``value`` is ``order`` itself (read off the sort)."""
    n = len(value)
    if value.type == "null":
        return Vec(value.type, value.data.copy(), np.ones(n, dtype=bool), value.categories)
    sequence = sequence or Sequence(key, order)
    m = sequence.rows.size
    if m == 0:
        return Vec(value.type, value.data.copy(), np.ones(n, dtype=bool), value.categories)
    if value_is_order and sequence.reads_orders_by_row:  # row by row, block by block, few ties
        return _shifted_orders(value, sequence, forward)
    n_groups = sequence.starts.size
    has = np.zeros(n_groups, dtype=bool)  # per tie group: whether a neighbour of the same key exists
    if forward:
        has[:-1] = sequence.same_key_as_before[1:]
    else:
        has[1:] = sequence.same_key_as_before[1:]
    at = np.zeros(n_groups, dtype=np.int64)  # the neighbour's row in the sorted sequence
    if forward:
        at[:-1] = sequence.starts[1:]  # the first row of the next tie group
    else:
        at[1:] = sequence.starts[1:] - 1  # the last row of the previous tie group
    source = sequence.rows[at]
    values = value.data[source]
    if value.missing is not None:
        has &= ~value.missing[source]
    return _written(value, sequence, has, values)


def _shifted_orders(value: Vec, sequence: Sequence, forward: bool) -> Vec:
    """The order of each row's previous (next) row, ``value`` being the order itself, as
    :meth:`Sequence.neighbour_orders` reads it block by block, written to the rows."""
    data, missing = _shift_targets(value, sequence.rows.size)
    positions = np.empty(block_rows(sequence.rows.size), dtype=np.intp)
    for block, has, orders in sequence.neighbour_orders(forward):
        at = positions[:block.stop - block.start]  # the table's rows, by numpy's own index type: converted once
        at[...] = sequence.rows[block]
        _keep_where(orders, has, value.type)
        if missing is not None:
            put_at(missing, at, ~has)
        put_at(data, at, orders)
    return _shifted(value, data, missing)


def _written(value: Vec, sequence: Sequence, has: np.ndarray, values: np.ndarray) -> Vec:
    """The shifted column: ``values`` (one per tie group) where ``has``, missing
    elsewhere, spread to the rows of each group; rows outside the sequence missing."""
    _keep_where(values, has, value.type)  # the caller's fresh gather: changed in place
    data, missing = _shift_targets(value, sequence.rows.size)
    sequence.scatter(data, values)
    if missing is not None:
        sequence.scatter(missing, ~has)
    return _shifted(value, data, missing)


def _shift_targets(value: Vec, m: int) -> tuple[np.ndarray, np.ndarray | None]:
    """The shifted column's data and missing mask to write ``m`` rows of the sequence into:
    rows outside it (a key or order missing) stay missing. A date column has no mask: NaT
    marks its missing days (one sequential pass after the scatter finds them)."""
    n = len(value)
    if value.type == "date":
        return (np.empty_like(value.data) if m == n else np.full(n, NAT, dtype=value.data.dtype)), None
    if m == n:  # every row is in the sequence: each is written
        return np.empty_like(value.data), np.empty(n, dtype=bool)
    return value.data.copy(), np.ones(n, dtype=bool)


def _keep_where(values: np.ndarray, has: np.ndarray, value_type: str) -> None:
    """``values`` where ``has``, else NaT (dates) or 0, in place, by arithmetic rather than a
    masked write: several times as fast on a scattered mask."""
    if value_type == "date":  # (value - NaT) * has + NaT, wrapping
        values -= NAT
        values *= has
        values += NAT
    else:
        values *= has


def _shifted(value: Vec, data: np.ndarray, missing: np.ndarray | None) -> Vec:
    if missing is None:
        missing = data == NAT
    return Vec(value.type, data, missing if missing.any() else None, value.categories)
