"""Holiday calendars and working-day arithmetic on whole arrays.

A :class:`Calendar` turns a list of holidays into a cumulative count of working days over
1900–2200, so that ``working_days(a, b)`` is one subtraction of two table lookups and
``add_working_days`` one ``searchsorted``. Days outside that span fall back to numpy's
business-day functions with the same holidays.
"""

from __future__ import annotations

import datetime
import functools
from typing import Callable, Iterable

import attrs
import numpy as np

from ._arrays import block_rows, present_extremes, row_chunks
from ._dates import NAT, TABLE_FIRST_DAY, TABLE_LAST_DAY

HOLIDAY_YEARS = range(1950, 2101)


@attrs.frozen(eq=False)
class Calendar:
    """A named set of holidays; Monday to Friday are working days unless listed."""

    name: str
    holidays: np.ndarray = attrs.field(converter=lambda h: np.unique(np.asarray(h, dtype="datetime64[D]")))

    def with_extra_holidays(self, extra: Iterable[str | datetime.date]) -> Calendar:
        """This calendar plus local closure days."""
        extra = np.asarray(list(extra), dtype="datetime64[D]")
        if extra.size == 0:
            return self
        return Calendar(self.name, np.concatenate([self.holidays, extra]))

    @functools.cached_property
    def _busdaycal(self) -> np.busdaycalendar:
        return np.busdaycalendar(holidays=self.holidays)

    @functools.cached_property
    def cumulative_working_days(self) -> np.ndarray:
        """Working days in [1900-01-01, day], indexed by ``day - 1900-01-01``."""
        days = np.arange(TABLE_FIRST_DAY, TABLE_LAST_DAY + 1, dtype=np.int64)
        working = np.is_busday(days.astype("datetime64[D]"), busdaycal=self._busdaycal)
        return np.cumsum(working, dtype=np.int64)

    def is_working_day(self, days: np.ndarray) -> np.ndarray:
        """Whether each day number is a working day (False where missing)."""
        days = np.asarray(days, dtype=np.int64)
        out = np.zeros(days.shape, dtype=bool)
        present = days != NAT
        out[present] = np.is_busday(days[present].astype("datetime64[D]"), busdaycal=self._busdaycal)
        return out

    def working_days(self, start: np.ndarray, end: np.ndarray,
                     spans: tuple[tuple[int, int] | None, tuple[int, int] | None] = (None, None)) -> np.ndarray:
        """Working days ``d`` with ``start < d <= end`` (negative when end < start).

        A missing day (NaT) gives an arbitrary number, for the caller to mask: the engine
        passes its date columns as they are, without a filled copy. ``spans`` are bounds
        of the present days of ``start`` and ``end`` where the caller knows them; the
        others are found here.
        """
        start = np.asarray(start, dtype=np.int64)
        end = np.asarray(end, dtype=np.int64)
        start, end = np.broadcast_arrays(start, end)
        shape = start.shape
        start, end = start.reshape(-1), end.reshape(-1)
        table = self.cumulative_working_days
        spans = [span for span in (known or present_extremes(x, None, absent=NAT)
                                   for x, known in zip((start, end), spans)) if span]
        if all(TABLE_FIRST_DAY <= low and high <= TABLE_LAST_DAY for low, high in spans):
            # the usual case: two lookups a row (NaT clips to the table's first entry); days
            # from 1970 on index a view of the table from 1970 as they are, others are shifted
            as_they_are = all(low >= 0 for low, _ in spans)
            lookup = table[-TABLE_FIRST_DAY:] if as_they_are else table
            out = np.empty(start.shape, dtype=np.int64)
            before, index = np.empty(block_rows(start.size), dtype=np.int64), None
            if not as_they_are:
                index = np.empty_like(before)
            for rows in row_chunks(start.size):
                k = rows.stop - rows.start
                for days, into in ((end[rows], out[rows]), (start[rows], before[:k])):
                    if index is not None:
                        days = np.subtract(days, TABLE_FIRST_DAY, out=index[:k])
                    lookup.take(days, out=into, mode="clip")
                np.subtract(out[rows], before[:k], out=out[rows])
            return out.reshape(shape)
        inside = ((start >= TABLE_FIRST_DAY) & (start <= TABLE_LAST_DAY)
                  & (end >= TABLE_FIRST_DAY) & (end <= TABLE_LAST_DAY))
        out = np.zeros(start.shape, dtype=np.int64)
        out[inside] = (table[end[inside] - TABLE_FIRST_DAY]
                       - table[start[inside] - TABLE_FIRST_DAY])
        outside = ~inside & (start != NAT) & (end != NAT)
        # numpy counts a reversed span differently ([end+1, begin+1)), so order it first.
        low = np.minimum(start[outside], end[outside])
        high = np.maximum(start[outside], end[outside])
        counts = np.busday_count((low + 1).astype("datetime64[D]"), (high + 1).astype("datetime64[D]"),
                                 busdaycal=self._busdaycal)
        out[outside] = np.where(end[outside] < start[outside], -counts, counts)
        return out.reshape(shape)

    def add_working_days(self, start: np.ndarray, n: np.ndarray) -> np.ndarray:
        """The n-th working day after start (before it when n < 0; start itself when 0)."""
        start = np.asarray(start, dtype=np.int64)
        n = np.asarray(n, dtype=np.int64)
        start, n = np.broadcast_arrays(start, n)
        table = self.cumulative_working_days
        out = start.copy()
        # Stay well inside the table so the answer cannot run off either end of it.
        margin = 2 * np.abs(n) + 10
        inside = (start - margin >= TABLE_FIRST_DAY + 1) & (start + margin <= TABLE_LAST_DAY)
        forward = inside & (n > 0)
        backward = inside & (n < 0)
        index = start - TABLE_FIRST_DAY
        if forward.any():
            target = table[index[forward]] + n[forward]
            out[forward] = np.searchsorted(table, target, side="left") + TABLE_FIRST_DAY
        if backward.any():
            target = table[index[backward] - 1] + n[backward] + 1
            out[backward] = np.searchsorted(table, target, side="left") + TABLE_FIRST_DAY
        rest = ~inside & (n != 0)
        if rest.any():
            as_dates = start[rest].astype("datetime64[D]")
            roll = np.where(n[rest] > 0, "backward", "forward")
            for direction in ("backward", "forward"):
                pick = roll == direction
                if pick.any():
                    shifted = np.busday_offset(as_dates[pick], n[rest][pick], roll=direction,
                                               busdaycal=self._busdaycal)
                    sub = out[rest]
                    sub[pick] = shifted.astype(np.int64)
                    out[rest] = sub
        return out


def england_and_wales_holidays() -> list[datetime.date]:
    """England and Wales bank holidays 1950–2100, substitute days and one-off days included."""
    import holidays

    return sorted(holidays.country_holidays("GB", subdiv="ENG", years=HOLIDAY_YEARS))


def weekends_only_holidays() -> list[datetime.date]:
    """No holidays: every Monday to Friday is a working day."""
    return []


BUILTIN_CALENDARS: dict[str, Callable[[], Iterable[datetime.date | str]]] = {
    "england-and-wales": england_and_wales_holidays,
    "weekdays": weekends_only_holidays,
}
