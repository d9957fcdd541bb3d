"""Periods and windows (SPEC section 3), checked against a plain per-period count."""

from __future__ import annotations

import datetime

from hypothesis import given, strategies as st

from conftest import run

START, END = "2016-01", "2017-12"
MONTHS = [(2016 + m // 12, m % 12 + 1) for m in range(24)]


def month_bounds(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    first = datetime.date(year, month, 1)
    nxt = datetime.date(year + month // 12, month % 12 + 1, 1)
    return first, nxt - datetime.timedelta(days=1)


def brute_window(window: str, year: int, month: int, since: datetime.date | None):
    first, last = month_bounds(year, month)
    if window == "month":
        return first, last
    if window == "ytd":
        fy_year = year if month >= 4 else year - 1
        return datetime.date(fy_year, 4, 1), last
    if window.startswith("rolling_"):
        n = int(window.split("_")[1])
        code = year * 12 + month - 1 - (n - 1)
        return datetime.date(code // 12, code % 12 + 1, 1), last
    if window == "cumulative":
        return since, last
    raise ValueError(window)


dates = st.one_of(st.none(), st.dates(datetime.date(2010, 6, 1), datetime.date(2018, 6, 30)))
windows = st.sampled_from(["month", "ytd", "rolling_1", "rolling_3", "rolling_12", "rolling_60", "cumulative"])


def event_pack(window: str, since: str | None, extra: str = "") -> str:
    since_line = f'since = "{since}"' if since else ""
    return f"""
    [indicators.events]
    title = "Events"
    table = "events"
    date = "on"
    window = "{window}"
    {since_line}
    {extra}
    """


@given(st.lists(dates, max_size=40), windows, st.dates(datetime.date(2015, 1, 1), datetime.date(2018, 1, 1)))
def test_event_windows_count_what_a_per_period_loop_counts(days, window, since):
    since_text = since.isoformat() if window == "cumulative" else None
    results = run(event_pack(window, since_text), {"events": {"on": days + [None]}}, START, END)
    for (year, month), result in zip(MONTHS, results):
        lo, hi = brute_window(window, year, month, since)
        expected = sum(1 for d in days if d is not None and lo <= d <= hi)
        assert expected == result.numerator, (window, year, month)
        assert (lo.isoformat(), hi.isoformat()) == (result.window_start, result.window_end)


@given(st.lists(st.tuples(dates, dates), max_size=40))
def test_snapshot_counts_episodes_open_at_month_end(episodes):
    pack = """
    [indicators.open]
    title = "Open"
    table = "episodes"
    window = "snapshot"
    start = "started"
    end = "ended"
    """
    data = {"episodes": {"started": [s for s, _ in episodes] + [None],
                         "ended": [e for _, e in episodes] + [None]}}
    results = run(pack, data, START, END)
    for (year, month), result in zip(MONTHS, results):
        _, last = month_bounds(year, month)
        expected = sum(1 for s, e in episodes if s is not None and s <= last and (e is None or e > last))
        assert expected == result.numerator


@given(st.lists(st.tuples(dates, st.integers(1, 6)), max_size=40), windows)
def test_distinct_counts_each_key_once_per_window(rows, window):
    pack = event_pack(window, "2016-06-01" if window == "cumulative" else None, 'distinct = "child"')
    data = {"events": {"on": [d for d, _ in rows] + [None], "child": [c for _, c in rows] + [1]}}
    results = run(pack, data, START, END)
    since = datetime.date(2016, 6, 1)
    for (year, month), result in zip(MONTHS, results):
        lo, hi = brute_window(window, year, month, since)
        expected = len({c for d, c in rows if d is not None and lo <= d <= hi})
        assert expected == result.numerator


@given(st.lists(dates, max_size=30), windows)
def test_filters_on_period_variables_match_the_loop(days, window):
    """A filter using window_start is evaluated on (row, period) pairs."""
    pack = event_pack(window, "2016-06-01" if window == "cumulative" else None,
                      'where = "days(window_start, on) < 20"')
    results = run(pack, {"events": {"on": days + [None]}}, START, END)
    since = datetime.date(2016, 6, 1)
    for (year, month), result in zip(MONTHS, results):
        lo, hi = brute_window(window, year, month, since)
        expected = sum(1 for d in days if d is not None and lo <= d <= hi and (d - lo).days < 20)
        assert expected == result.numerator


def test_ytd_restarts_in_april():
    days = [datetime.date(2017, 3, 31), datetime.date(2017, 4, 1), datetime.date(2017, 4, 30)]
    results = run(event_pack("ytd", None), {"events": {"on": days}}, "2017-03", "2017-05")
    assert [1, 2, 2] == [r.numerator for r in results]
    assert ["2016-04-01", "2017-04-01", "2017-04-01"] == [r.window_start for r in results]


def test_financial_year_start_is_the_packs():
    pack = "[pack]\nfinancial_year_start = 1\n" + event_pack("ytd", None)
    results = run(pack, {"events": {"on": [datetime.date(2016, 12, 31), datetime.date(2017, 1, 1)]}},
                  "2016-12", "2017-01")
    assert [1, 1] == [r.numerator for r in results]


def test_snapshot_on_the_exact_end_day():
    """An episode ending on the period's last day is not open at that period's end."""
    pack = """
    [indicators.open]
    title = "Open"
    table = "plans"
    window = "snapshot"
    start = "started"
    end = "ended"
    """
    data = {"plans": {"started": ["2017-01-31", "2016-12-01", "2016-12-01"],
                      "ended": [None, "2017-01-31", "2017-02-01"]}}
    results = run(pack, data, "2016-12", "2017-01")
    assert [2, 2] == [r.numerator for r in results]
    assert ("2017-01-31", "2017-01-31") == (results[1].window_start, results[1].window_end)


def test_cumulative_since_after_the_period_is_empty():
    results = run(event_pack("cumulative", "2017-02-09"),
                  {"events": {"on": ["2017-01-10", "2017-02-10"]}}, "2017-01", "2017-02")
    assert [0, 1] == [r.numerator for r in results]


@given(st.integers(1, 300), st.data())
def test_masked_range_counts_equal_the_counts_of_the_kept_ranges(n_periods, data):
    """Rows in blocks larger and smaller than one, and runs long enough for the fallback."""
    import numpy as np

    from indicators._windows import masked_range_counts, range_counts

    n_rows = data.draw(st.sampled_from([0, 1, 7, 70_000]))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    lo = rng.integers(0, n_periods + 1, n_rows).astype(np.int16)
    hi = np.maximum(lo, rng.integers(0, n_periods + 1, n_rows)).astype(np.int16)
    keep = rng.random(n_rows) < 0.5
    want = np.array([((lo <= p) & (p < hi) & keep).sum() for p in range(n_periods)], dtype=np.int64)
    got = masked_range_counts(lo, hi, keep, n_periods)
    assert got.tolist() == want.tolist() == range_counts(lo[keep], hi[keep], n_periods).tolist()


@given(st.integers(1, 60), st.integers(1, 9), st.data())
def test_coded_range_counts_count_each_code_apart(n_periods, n_codes, data):
    """Every code's counts equal a direct count, whether the rows fill one block or many,
    and whether the (first, end, code) histogram is small enough to use (few periods and
    codes) or not."""
    import numpy as np

    from indicators._windows import coded_range_counts

    n_rows = data.draw(st.sampled_from([0, 1, 5, 70_000]))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    lo = rng.integers(0, n_periods + 1, n_rows).astype(np.int16)
    hi = np.maximum(lo, rng.integers(0, n_periods + 1, n_rows)).astype(np.int16)
    codes = rng.integers(0, n_codes, n_rows).astype(np.uint8)

    def fill(rows, out):
        out[...] = codes[rows]

    got = coded_range_counts(lo, hi, fill, n_codes, n_periods)
    want = [[int(((lo <= p) & (p < hi) & (codes == c)).sum()) for p in range(n_periods)] for c in range(n_codes)]
    assert got.tolist() == want


@given(st.sampled_from([12, 254, 300, 40_000]),
       st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), st.booleans()), max_size=30))
def test_expand_gives_each_kept_row_once_for_every_period_of_its_range(n_periods, cells):
    """Pairs (row, period) in row order, periods in the smallest type that holds them:
    ranges that step down from row to row, empty ranges and rows left out included."""
    import numpy as np

    from indicators._windows import expand, period_dtype

    ranges = [(a % (n_periods + 1), b % (n_periods + 1)) for a, b, _ in cells]
    lo = np.array([min(a, b) for a, b in ranges], dtype=period_dtype(n_periods))
    hi = np.array([max(a, b) for a, b in ranges], dtype=period_dtype(n_periods))
    rows = np.array([i for i, (_, _, kept) in enumerate(cells) if kept], dtype=np.int64)
    pair_rows, periods = expand(rows, lo, hi)
    expected = [(i, p) for i in rows.tolist() for p in range(int(lo[i]), int(hi[i]))]
    assert expected == list(zip(pair_rows.tolist(), periods.tolist()))
    assert periods.dtype == lo.dtype


@given(st.lists(st.one_of(st.none(), st.integers(-30, 30)), max_size=60),
       st.one_of(st.integers(-40, 40), st.integers(-20_000, 20_000)), st.integers(1, 7))
def test_placing_through_a_table_of_days_equals_placing_each_day(days, shift, block):
    """Days before and after 1970, missing days among them, give what placing each day
    directly gives: through a table from the day before the first, or from 1970 (day 0,
    a missing day's entry) for a column longer than its last day number; for the whole
    column and block by block (as a pass places its rows while it codes them)."""
    import numpy as np

    from indicators._dates import NAT
    from indicators._windows import DayLookup, _through_day_table

    values = np.array([NAT if d is None else d + shift for d in days], dtype=np.int64)

    def place(d):
        return (np.where(d == NAT, -1, d % 7 + d // 100),)

    longer = np.tile(np.array([NAT, 1, 5, 9], dtype=np.int64), 10)  # 40 rows, days up to 9
    for column in (values, longer):
        assert place(column)[0].tolist() == _through_day_table(column, place)[0].tolist()
        lookup = DayLookup(column, place)
        by_blocks = np.full(column.size, -2, dtype=np.int64)
        for begin in range(0, column.size, block):
            lookup.into(column[begin:begin + block], (by_blocks[begin:begin + block],))
        assert place(column)[0].tolist() == by_blocks.tolist()


def test_day_tables_kept_between_runs_place_as_fresh_ones():
    """A run reuses the day tables of earlier runs only where they place days as its own
    would: runs over other months, another financial year start, another ``since`` and
    the same days in between give what they give with no table kept."""
    import numpy as np

    from indicators import _windows

    rng = np.random.default_rng(11)
    days = np.datetime64("2014-01-01") + rng.integers(0, 5 * 365, 400)
    ends = days + rng.integers(0, 400, 400)
    data = {"events": {"on": days, "until": ends}}
    packs = []
    for fy_start in (4, 1):
        for window, since in (("month", None), ("ytd", None), ("rolling_3", None), ("rolling_12", None),
                              ("cumulative", "2015-06-01"), ("cumulative", "2016-01-01")):
            for extra in ("", 'where = "days(window_start, on) < 200"'):  # counted by month, or by (row, period)
                packs.append(f"[pack]\nfinancial_year_start = {fy_start}\n" + event_pack(window, since, extra))
        packs.append(f"[pack]\nfinancial_year_start = {fy_start}\n" + """
        [indicators.open]
        title = "Open"
        table = "events"
        window = "snapshot"
        start = "on"
        end = "until"
        """)
    runs = [("2016-04", "2017-03"), ("2016-01", "2016-12"), ("2016-04", "2017-03"), ("2015-07", "2016-02"),
            ("2016-04", "2016-09")]  # the same first month as the first run, fewer months
    warm = [run(pack, data, start, end).to_records() for start, end in runs for pack in packs]
    assert _windows._day_tables  # kept
    cold = []
    for start, end in runs:
        for pack in packs:
            _windows._day_tables.clear()
            cold.append(run(pack, data, start, end).to_records())
    assert warm == cold


def test_day_tables_kept_are_read_only_and_bounded(monkeypatch):
    """What a run keeps for later runs cannot be written to, and the least recently used
    tables are let go past ``DAY_TABLE_BYTES`` (the last one made is always kept)."""
    import numpy as np

    from indicators import _windows

    monkeypatch.setattr(_windows, "_day_tables", __import__("collections").OrderedDict())
    monkeypatch.setattr(_windows, "DAY_TABLE_BYTES", 0)
    days = np.datetime64("2015-01-01") + np.arange(0, 700, 3)
    for start, end in (("2016-04", "2017-03"), ("2016-05", "2017-04")):
        run(event_pack("ytd", None), {"events": {"on": days}}, start, end)
        assert len(_windows._day_tables) == 1
    (kept,) = _windows._day_tables.values()
    assert all(not column.flags.writeable for column in kept)


def test_the_least_recently_used_day_table_is_let_go_first(monkeypatch):
    """Past ``DAY_TABLE_BYTES``, the table no run has read for longest goes first: a table
    read again stays."""
    import collections

    import numpy as np

    from indicators import _windows
    from indicators._dates import NAT

    monkeypatch.setattr(_windows, "_day_tables", collections.OrderedDict())
    monkeypatch.setattr(_windows, "DAY_TABLE_BYTES", 2 * 100 * 8)  # two tables of 100 int64 days
    made = []

    def place(days):
        made.append(days.size)
        return (np.where(days == NAT, -1, days % 7),)

    first = _windows._day_table(place, 1000, 1099, ("first",))
    _windows._day_table(place, 1000, 1099, ("second",))
    assert _windows._day_table(place, 1000, 1099, ("first",)) is first  # read again, not made again
    _windows._day_table(place, 1000, 1099, ("third",))
    assert [("first",), ("third",)] == [key[0] for key in _windows._day_tables]
    assert [100, 100, 100] == made


@given(st.integers(1, 20).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, n), st.integers(0, n)), max_size=300))))
def test_mask_counts_are_each_periods_count_of_the_ranges_holding_it(case):
    """Counted by value (up to 12 periods) or by byte (more), each period's count is the
    number of ranges [lo, hi) that hold it."""
    import numpy as np

    from indicators._windows import mask_counts, period_masks

    n_periods, ranges = case
    lo = np.array([min(a, b) for a, b in ranges], dtype=np.int64)
    hi = np.array([max(a, b) for a, b in ranges], dtype=np.int64)
    naive = [sum(1 for a, b in zip(lo, hi) if a <= p < b) for p in range(n_periods)]
    counts = mask_counts(period_masks(lo, hi), n_periods)
    assert counts.dtype == np.int64 and naive == counts.tolist()


def test_many_masks_are_counted_by_value_and_by_byte_alike():
    """Enough masks for the histogram of their values (up to 14 periods) and for the one of
    their bytes (more): each period's count is the ranges holding it."""
    import numpy as np

    from indicators._windows import mask_counts, period_masks

    rng = np.random.default_rng(12)
    for n_periods in range(1, 21):
        lo = rng.integers(0, n_periods + 1, 20_000)
        hi = np.maximum(lo, rng.integers(0, n_periods + 1, 20_000))
        naive = [int(((lo <= p) & (p < hi)).sum()) for p in range(n_periods)]
        assert naive == mask_counts(period_masks(lo, hi), n_periods).tolist()
