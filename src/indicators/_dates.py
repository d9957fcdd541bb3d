"""Day-number arithmetic on whole arrays.

Dates travel through the engine as int64 day numbers (``datetime64[D]`` viewed as int64,
day 0 = 1970-01-01) with NaT, the smallest int64, as missing. Year, month and day of a
day come from lookup tables built once over 1900–2200, which is an order of magnitude
faster than ``astype("datetime64[M]")``; days outside that span fall back to the
civil-calendar formula.
"""

from __future__ import annotations

import functools

import numpy as np

from ._text import by_width

NAT = np.iinfo(np.int64).min
TABLE_FIRST_DAY = int(np.datetime64("1900-01-01", "D").astype(np.int64))
TABLE_LAST_DAY = int(np.datetime64("2200-12-31", "D").astype(np.int64))


def civil_from_days(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month (1–12) and day of month of day numbers (proleptic Gregorian)."""
    z = days.astype(np.int64) + 719468
    era = np.floor_divide(z, 146097)
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year, month, day


def days_from_civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Day numbers of (year, month, day) triples; the inverse of :func:`civil_from_days`."""
    y = np.asarray(year, dtype=np.int64) - (np.asarray(month) <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    m = np.asarray(month, dtype=np.int64)
    doy = (153 * np.where(m > 2, m - 3, m + 9) + 2) // 5 + np.asarray(day, dtype=np.int64) - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


@functools.lru_cache(maxsize=1)
def _tables() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day and month code of every day 1900-2200, as int64 so that lookups
    need no conversion (2.6 MB each)."""
    days = np.arange(TABLE_FIRST_DAY, TABLE_LAST_DAY + 1, dtype=np.int64)
    year, month, day = civil_from_days(days)
    return year, month, day, year * 12 + month - 1


def _in_table(days: np.ndarray) -> np.ndarray:
    return (days >= TABLE_FIRST_DAY) & (days <= TABLE_LAST_DAY)


def _all_in_table(days: np.ndarray) -> bool:
    """Whether every day is in the tables: two reductions, no array made."""
    return days.size == 0 or (TABLE_FIRST_DAY <= int(days.min()) and int(days.max()) <= TABLE_LAST_DAY)


def split(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of each day number (int64 arrays; garbage where missing).

    Public as ``indicators.split_dates`` for plugin functions, which receive dates as day
    numbers: a table lookup, much faster than ``astype("datetime64[M]")``.
    """
    days = np.asarray(days, dtype=np.int64)
    years, months, mdays, _ = _tables()
    index = days - TABLE_FIRST_DAY
    if _all_in_table(days):
        return years[index], months[index], mdays[index]
    inside = _in_table(days)
    safe = np.where(inside, index, 0)
    y, m, d = years[safe], months[safe], mdays[safe]
    outside = ~inside & (days != NAT)
    if outside.any():
        oy, om, od = civil_from_days(days[outside])
        y[outside], m[outside], d[outside] = oy, om, od
    return y, m, d


def month_code(days: np.ndarray) -> np.ndarray:
    """``year * 12 + month - 1`` of each day number (garbage where missing)."""
    days = np.asarray(days, dtype=np.int64)
    codes = _tables()[3]
    index = days - TABLE_FIRST_DAY
    if _all_in_table(days):
        return codes[index]
    y, m, _ = split(days)
    return y * 12 + m - 1


@functools.lru_cache(maxsize=1)
def _month_and_day_table() -> np.ndarray:
    """:func:`month_and_day` of every day 1900-2200."""
    _, _, day, code = _tables()
    return code * 32 + day


def month_and_day(days: np.ndarray) -> np.ndarray:
    """``(year * 12 + month - 1) * 32 + day of month`` of each day number (int64, garbage
    where missing): the whole months from one day to another are the difference of theirs
    shifted right by 5 bits, the month's difference less one where the later day of the
    month is the smaller. One lookup a day; a missing day costs nothing more."""
    days = np.asarray(days, dtype=np.int64)
    packed = _month_and_day_table().take(days - TABLE_FIRST_DAY, mode="clip")  # NaT clips: garbage
    if not _all_in_table(days):
        outside = ~_in_table(days) & (days != NAT)
        if outside.any():
            year, month, day = civil_from_days(days[outside])
            packed[outside] = (year * 12 + month - 1) * 32 + day
    return packed


def month_start(code: np.ndarray | int) -> np.ndarray:
    """First day number of each month code."""
    code = np.asarray(code, dtype=np.int64)
    return days_from_civil(code // 12, code % 12 + 1, np.ones_like(code))


def month_end(code: np.ndarray | int) -> np.ndarray:
    """Last day number of each month code."""
    return month_start(np.asarray(code, dtype=np.int64) + 1) - 1


def parse_period(text: str) -> int:
    """The month code (year × 12 + month − 1, as :class:`indicators.Partial` holds a run's
    ``first`` and ``last``) of a ``YYYY-MM`` period; a ValueError saying what is expected
    when ``text`` is not one."""
    text = str(text).strip()
    if len(text) != 7 or text[4] != "-" or not (text[:4].isdigit() and text[5:].isdigit()):
        raise ValueError(f"expected a period as YYYY-MM, got {text!r}")
    year, month = int(text[:4]), int(text[5:])
    if not 1 <= month <= 12:
        raise ValueError(f"expected a period as YYYY-MM with month 01–12, got {text!r}")
    return year * 12 + month - 1


def format_period(code: int) -> str:
    """The ``YYYY-MM`` period of a month code (the inverse of :func:`parse_period`)."""
    return f"{code // 12:04d}-{code % 12 + 1:02d}"


def to_iso(day: int | None) -> str | None:
    """ISO text of a day number, None for missing."""
    if day is None or day == NAT:
        return None
    return _iso_of(int(day))


@functools.lru_cache(maxsize=4096)  # results name the same few window bounds again and again
def _iso_of(day: int) -> str:
    return str(np.datetime64(day, "D"))


_DIGIT_LO, _DIGIT_HI = ord("0"), ord("9")


def parse_date_text(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Read ISO ``YYYY-MM-DD`` and UK ``DD/MM/YYYY`` dates from an array of strings.

    Returns day numbers (NaT where not read) and a mask of the cells read. Empty cells
    are not read; callers tell them apart from unreadable ones. Impossible dates such
    as 31/02/2017 are not read.
    """
    if isinstance(cells, np.ndarray) and cells.dtype.kind == "O":
        return by_width(parse_date_text, cells)
    cells = np.asarray(cells, dtype=str)
    n = cells.shape[0]
    days = np.full(n, NAT, dtype=np.int64)
    ok = np.zeros(n, dtype=bool)
    if n == 0:
        return days, ok
    stripped = np.char.strip(cells)
    lengths = np.char.str_len(stripped)
    candidates = np.flatnonzero(lengths == 10)
    if candidates.size == 0:
        return days, ok
    try:
        raw = stripped[candidates].astype("S10")
    except UnicodeEncodeError:
        ascii_ok = np.array([c.isascii() for c in stripped[candidates]], dtype=bool)
        candidates = candidates[ascii_ok]
        raw = stripped[candidates].astype("S10")
    chars = raw.view(np.uint8).reshape(-1, 10)
    read_days, read_ok = parse_date_chars(chars)
    days[candidates[read_ok]] = read_days[read_ok]
    ok[candidates[read_ok]] = True
    return days, ok


def parse_date_chars(chars: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Read dates from an (n, 10) array of ASCII codes (ISO or UK); day numbers and a mask."""
    column = [chars[:, i].astype(np.int16) - _DIGIT_LO for i in range(10)]
    digit = [(c >= 0) & (c <= 9) for c in column]

    def number(cols: list[int]) -> np.ndarray:
        value = column[cols[0]].astype(np.int32)
        for c in cols[1:]:
            value = value * 10 + column[c]
        return value

    def all_digits(cols: list[int]) -> np.ndarray:
        out = digit[cols[0]].copy()
        for c in cols[1:]:
            out &= digit[c]
        return out

    iso = all_digits([0, 1, 2, 3, 5, 6, 8, 9]) & (chars[:, 4] == ord("-")) & (chars[:, 7] == ord("-"))
    uk = all_digits([0, 1, 3, 4, 6, 7, 8, 9]) & (chars[:, 2] == ord("/")) & (chars[:, 5] == ord("/"))
    year = np.where(iso, number([0, 1, 2, 3]), number([6, 7, 8, 9]))
    month = np.where(iso, number([5, 6]), number([3, 4]))
    day = np.where(iso, number([8, 9]), number([0, 1]))
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(month, 0, 12)]
    month_days = month_days + ((month == 2) & leap)
    valid = (iso | uk) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days)
    days = np.full(chars.shape[0], NAT, dtype=np.int64)
    days[valid] = days_from_civil(year[valid], month[valid], day[valid])
    return days, valid
