"""Working days on the England and Wales calendar (SPEC section 4)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, strategies as st

from indicators import default_registry

EW = default_registry().calendar("england-and-wales")


def day(text: str) -> np.ndarray:
    return np.array([np.datetime64(text, "D").astype(np.int64)])


def wd(a: str, b: str, calendar=EW) -> int:
    return int(calendar.working_days(day(a), day(b))[0])


def test_friday_contact_decided_monday_took_one_working_day():
    assert 1 == wd("2017-01-06", "2017-01-09")


def test_same_day_is_zero_working_days():
    assert 0 == wd("2017-01-09", "2017-01-09")


def test_christmas_2016_bank_holidays_are_skipped():
    """26 and 27 December 2016 were bank holidays (27th the substitute for Christmas Day)."""
    assert 1 == wd("2016-12-23", "2016-12-28")
    assert 2 == wd("2016-12-23", "2016-12-29")


def test_weekend_start_counts_the_first_working_day():
    assert 1 == wd("2017-01-07", "2017-01-09")  # Saturday to Monday
    assert 0 == wd("2017-01-06", "2017-01-07")  # Friday to Saturday


def test_reversed_dates_give_the_negative_count():
    assert -1 == wd("2017-01-09", "2017-01-06")


def test_one_off_and_substitute_holidays_are_known():
    holidays = set(EW.holidays.astype(str))
    for date in ("2022-09-19", "2022-06-03", "2023-05-08", "2020-05-08", "2017-01-02", "2035-12-25"):
        assert date in holidays


def test_extra_holidays_from_the_pack_are_closures():
    closed = EW.with_extra_holidays(["2016-12-28"])
    assert 0 == wd("2016-12-23", "2016-12-28", closed)


def test_forty_five_working_day_deadline():
    """Referral on Monday 9 January 2017: the 45th working day after is 13 March 2017."""
    deadline = EW.add_working_days(day("2017-01-09"), np.array([45]))
    assert np.datetime64("2017-03-13") == np.datetime64(int(deadline[0]), "D")


def test_add_working_days_over_easter_2017():
    deadline = EW.add_working_days(day("2017-04-10"), np.array([15]))
    assert np.datetime64("2017-05-04") == np.datetime64(int(deadline[0]), "D")


def test_add_working_days_backwards_and_zero():
    before = EW.add_working_days(day("2017-01-09"), np.array([-1]))
    assert np.datetime64("2017-01-06") == np.datetime64(int(before[0]), "D")
    same = EW.add_working_days(day("2017-01-07"), np.array([0]))
    assert np.datetime64("2017-01-07") == np.datetime64(int(same[0]), "D")


dates = st.dates(min_value=np.datetime64("1890-01-01").astype(object),
                 max_value=np.datetime64("2210-12-31").astype(object))


@given(dates, dates)
def test_working_days_match_numpy_exclusive_start(a, b):
    """The lookup table agrees with numpy's busday_count on (a, b] everywhere, tables or not."""
    a64, b64 = np.datetime64(a, "D"), np.datetime64(b, "D")
    low, high = min(a64, b64), max(a64, b64)
    count = np.busday_count(low + 1, high + 1, holidays=EW.holidays)
    expected = -count if b64 < a64 else count
    assert expected == EW.working_days(np.array([a64.astype(np.int64)]), np.array([b64.astype(np.int64)]))[0]


@given(st.lists(st.tuples(st.one_of(st.none(), dates), st.one_of(st.none(), dates)), min_size=1, max_size=30))
def test_working_days_of_columns_with_missing_days_are_right_where_both_are_present(pairs):
    """Missing days (NaT) go in as stored, among days inside and outside the calendar's
    table: every pair of present days still gets numpy's count, whichever path runs."""
    nat = np.iinfo(np.int64).min
    as_days = lambda d: nat if d is None else int(np.datetime64(d, "D").astype(np.int64))  # noqa: E731
    start = np.array([as_days(a) for a, _ in pairs], dtype=np.int64)
    end = np.array([as_days(b) for _, b in pairs], dtype=np.int64)
    got = EW.working_days(start, end)
    for k, (a, b) in enumerate(pairs):
        if a is not None and b is not None:
            a64, b64 = np.datetime64(a, "D"), np.datetime64(b, "D")
            count = np.busday_count(min(a64, b64) + 1, max(a64, b64) + 1, holidays=EW.holidays)
            assert (-count if b64 < a64 else count) == got[k]


@given(dates, st.integers(-400, 400))
def test_add_working_days_lands_on_a_working_day_n_away(a, n):
    start = np.array([np.datetime64(a, "D").astype(np.int64)])
    result = EW.add_working_days(start, np.array([n]))
    if n == 0:
        assert start[0] == result[0]
    elif n > 0:
        assert EW.is_working_day(result)[0]
        assert n == EW.working_days(start, result)[0]  # working days in (start, result]
    else:
        assert EW.is_working_day(result)[0]
        assert -n == EW.working_days(result - 1, start - 1)[0]  # working days in [result, start)


def test_working_days_of_columns_reaching_past_the_calendars_table():
    """A column's known first and last day decide the path: a decision dated past the
    calendar's table (2200) still gets numpy's count."""
    import datetime

    import indicators

    pack = indicators.loads_pack(
        '[indicators.lag]\ntitle = "Lag"\nkind = "median"\ntable = "contacts"\ndate = "received_on"\n'
        'of = "working_days(received_on, decided_on)"\npolarity = "lower_is_better"\n')
    received, decided = datetime.date(2017, 1, 10), datetime.date(2250, 1, 3)
    contacts = {"child_id": [1], "received_on": [received], "decided_on": [decided]}
    record = indicators.evaluate(pack, {"contacts": contacts}, "2017-01", "2017-01").get("lag", "2017-01")
    expected = np.busday_count(np.datetime64(received) + 1, np.datetime64(decided) + 1, holidays=EW.holidays)
    assert expected == record.value
