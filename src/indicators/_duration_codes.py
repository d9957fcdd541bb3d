"""The month buckets and reason codes of an event pass whose one filter compares a duration
between two dates with a whole number, from two table lookups and a sum.

The commonest filter of the field is a time limit: ``working_days(received_on,
decided_on) <= 1``, ``days(previous_referral_on, referred_on) <= 365``. Its pass places each
row in the month of one of the two dates and counts, by month, the rows the filter keeps,
leaves out, or finds missing, and those whose duration is negative. Evaluated as an
expression, a block of such a pass takes about twenty whole-block operations; here it takes
about ten.

Each date indexes a table from day 0 (1970-01-01) on, NaT clipping to entry 0:

- the pass's own date ``P``: ``month(P) + S * sign * count(P)``
- the other date ``O``: ``-S * sign * count(O)``

where ``count`` is a day's cumulative working days (``working_days``) or the day itself
(``days``), ``sign`` makes the sum ``month(P) + S * duration``, and ``S``, a power of two, is
more than any month bucket. So one sum holds both: the bucket is its low bits, and
``duration <op> limit`` is one comparison of the sum with ``limit * S`` or ``(limit + 1) * S``.
A missing date's entry adds ``S * 2^34``, far past any duration, so that the sum says so
too, and still holds the bucket.
"""

from __future__ import annotations

import numpy as np

from ._arrays import block_rows

# added to a missing day's entry, in days: past twice any duration between days from 1970 to
# the last day of the calendar's table (less than 2^17 days)
_MISSING = 1 << 19
# the comparisons a limit may be given by, with the integers they are true for
_OPS = ("<", "<=", ">", ">=", "==", "!=")


class DurationCodes:
    """What writes a block's month buckets and reason codes for a pass whose filter is
    ``duration(a, b) <op> limit``, its duration counted by ``count_of_day`` (a day's number
    or its cumulative working days, from day 0), the pass placed by ``a`` (``placed_first``)
    or ``b``. The codes are the pass's own: 0 kept, 1 missing, 2 left out, plus
    ``n_reasons`` where the duration is negative (``with_sign``).

    :meth:`fill_buckets` then :meth:`fill_codes` are called for each block in turn, as
    :func:`._windows.coded_bucket_counts` does."""

    def __init__(self, placed: np.ndarray, other: np.ndarray, month_of_day: np.ndarray, count_of_day: np.ndarray,
                 placed_first: bool, op: str, limit: int, n_buckets: int, n_reasons: int, with_sign: bool) -> None:
        self.placed, self.other = placed, other
        bits = max(int(n_buckets - 1).bit_length(), 1)
        # sums in 32 bits where both days' missing entries fit them (a run of up to 2^10
        # months): half the bytes to write and read a block
        dtype = np.int32 if bits + 21 < 31 else np.int64
        self.bucket_bits = dtype((1 << bits) - 1)
        scale = 1 << bits
        sign = -1 if placed_first else 1  # duration = count(b) - count(a)
        placed_table = month_of_day.astype(np.int64)
        placed_table += (scale * sign) * count_of_day[:month_of_day.size]
        placed_table[0] = int(month_of_day[0]) + scale * _MISSING
        other_table = (-sign * scale) * count_of_day
        other_table[0] = scale * _MISSING
        self.placed_table, self.other_table = placed_table.astype(dtype), other_table.astype(dtype)
        self.missing_from = scale * (_MISSING // 2)
        # duration < k <=> sum < k * S; duration <= k <=> sum < (k + 1) * S; the others by these
        below = {"<": limit, "<=": limit + 1, ">": limit + 1, ">=": limit}
        self.op = op
        if op in below:
            self.threshold = below[op] * scale
        else:  # == and !=: k * S <= sum < (k + 1) * S
            self.threshold = limit * scale
            self.threshold_after = (limit + 1) * scale
        self.n_reasons = n_reasons
        self.with_sign = with_sign
        size = block_rows(placed.size)
        self._sum, self._other = np.empty(size, dtype=dtype), np.empty(size, dtype=dtype)
        self._flags = [np.empty(size, dtype=bool) for _ in range(3)]
        self._term = np.empty(size, dtype=np.uint8)
        self._rows: slice | None = None

    @staticmethod
    def fits(op: str, limit: int) -> bool:
        """Whether a comparison with this limit can be made on the sums."""
        return op in _OPS and abs(limit) < _MISSING // 2

    def fill_buckets(self, rows: slice, out: np.ndarray) -> None:
        """The month buckets of a block of rows, into ``out``; the block's sums kept for
        :meth:`fill_codes`."""
        k = rows.stop - rows.start
        total, other = self._sum[:k], self._other[:k]
        # present days are in the tables (checked by the caller); NaT clips to entry 0
        self.placed_table.take(self.placed[rows], out=total, mode="clip")
        self.other_table.take(self.other[rows], out=other, mode="clip")
        total += other
        np.bitwise_and(total, self.bucket_bits, out=out, casting="unsafe")
        self._rows = rows

    def fill_codes(self, rows: slice, codes: np.ndarray) -> None:
        """The reason codes of the block whose buckets were just written."""
        assert rows == self._rows, "fill_buckets first, for the same rows"
        k = codes.size
        total = self._sum[:k]
        kept, missing, flag = (flags[:k] for flags in self._flags)
        term = self._term[:k]
        np.greater_equal(total, self.missing_from, out=missing)
        op = self.op
        if op in ("<", "<="):  # a missing row's sum is past the threshold: not kept
            np.less(total, self.threshold, out=kept)
        elif op in (">", ">="):
            np.greater_equal(total, self.threshold, out=kept)
            np.greater(kept, missing, out=kept)  # kept and not missing
        else:
            np.greater_equal(total, self.threshold, out=kept)
            np.less(total, self.threshold_after, out=flag)
            if op == "==":
                np.logical_and(kept, flag, out=kept)
            else:
                np.logical_not(np.logical_and(kept, flag, out=kept), out=kept)
                np.greater(kept, missing, out=kept)
        # left out: 2, or 1 where missing (as the pass codes a filter's rows)
        np.logical_not(kept, out=kept)
        np.multiply(kept.view(np.uint8), 2, out=codes)
        np.subtract(codes, missing.view(np.uint8), out=codes)
        if self.with_sign:  # a negative sum: a negative duration, both days present
            np.less(total, 0, out=flag)
            np.multiply(flag.view(np.uint8), self.n_reasons, out=term)
            np.add(codes, term, out=codes)
