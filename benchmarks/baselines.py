"""What the engine is measured against, on the yardstick's eight indicators and data
(``../shared/bench``: ``gen.py``'s tables, ``eight.toml``'s definitions).

* ``numpy_eight``: hand-tuned numpy, written here; ``ref_numpy.py`` showed the
  techniques. Dates are int64 day numbers indexing calendar tables built once; every
  dated count is one histogram of a (month, condition) code per table, filled in chunks
  with reused buffers; year-to-date and rolling windows are cumulative-sum differences
  of the monthly counts; snapshots turn each row into a range of periods and count with
  a difference array; per-child sequences are one sort of a packed integer key.
* ``pandas_eight``: what an analyst writes: a loop over periods with boolean filters.
* ``duckdb_eight``: what a data engineer writes: SQL that aggregates to months first.

Each returns the yardstick's result layout: int64 ``(12, 8, 2)``, ``[period, indicator,
0]`` the numerator and ``[..., 1]`` the denominator, indicators a..h in ``eight.toml``'s
order ((e)'s denominator is the population, (h) has none: 0). All three follow the
engine's semantics where they differ from ``ref_numpy.py``: a child's referrals on one
day are not each other's previous referral (SPEC's ``previous``).
"""

from __future__ import annotations

import numpy as np

N_PERIODS = 12
FIRST_MONTH = np.datetime64("2016-04", "M")  # periods 2016-04 .. 2017-03, one financial year
# months the windows reach: 11 before the first period (rolling 12 months) to the last
REACH = N_PERIODS + 11
OTHER = REACH  # month code of a day outside those months (and of a missing day)


# ---------------------------------------------------------------------------------------
# hand-tuned numpy


class Calendar:
    """Lookup tables indexed by day number (days since 1970-01-01), built once per set of
    holidays. Entry 0 stands for a missing day (NaT clips to it) and the last entry for
    days past 2099 (they clip to it)."""

    def __init__(self, holidays: np.ndarray) -> None:
        days = np.arange(np.datetime64("1970-01-01"), np.datetime64("2100-01-02"))
        number = days.astype(np.int64)
        # month of a day, counted from the first month any window reaches
        month = days.astype("datetime64[M]") - (FIRST_MONTH - 11)
        month = month.astype(np.int64)
        month[(month < 0) | (month >= REACH)] = OTHER
        month[[0, -1]] = OTHER
        self.month = month.astype(np.uint8)
        self.month_x2 = (2 * month).astype(np.uint8)
        # working days from 1970-01-01 to the day, inclusive
        self.working = np.cumsum(np.is_busday(days, holidays=holidays)).astype(np.int32)
        ends = ((FIRST_MONTH + np.arange(1, N_PERIODS + 1)).astype("datetime64[D]") - 1).astype(np.int64)
        # the first period whose month end is on or after the day: a row starting on the day
        # is open from that period, one ending on the day is open before it
        self.first_end = np.searchsorted(ends, number).astype(np.uint8)
        self.first_end[[0, -1]] = N_PERIODS  # a missing start: never open; missing end: open to the last
        # the same for 'more than 730 days since the start at the month end'
        self.first_end_730 = np.searchsorted(ends - 731, number).astype(np.uint8)
        self.first_end_730[[0, -1]] = N_PERIODS
        self._limits: dict = {}

    def limit_tables(self, limit: int, month_of_end: bool) -> tuple[np.ndarray, np.ndarray]:
        """int32 tables S (by start day) and E (by end day) whose difference S[s] - E[e]
        holds, in its low 6 bits, twice the month code (of s or e) and, above them, the
        working days to spare: ``limit - (working[e] - working[s])``; a missing end spares
        none."""
        key = (limit, month_of_end)
        if key not in self._limits:
            w = self.working.astype(np.int64)
            m2 = self.month_x2.astype(np.int64)
            by_start = ((w + limit) << 6) + (0 if month_of_end else m2)
            by_end = (w << 6) - (m2 if month_of_end else 0)
            missing_end = (1 << 29) - (2 * OTHER if month_of_end else 0)
            by_end[[0, -1]] = missing_end
            by_start[[0, -1]] = 0 if month_of_end else 2 * OTHER
            self._limits[key] = (by_start.astype(np.int32), by_end.astype(np.int32))
        return self._limits[key]


def _days(column: np.ndarray) -> np.ndarray:
    """datetime64[D] as int64 day numbers, without a copy (NaT is the smallest int64)."""
    return column.view(np.int64)


BLOCK = 1 << 16  # rows per chunk: the chunk's buffers stay in cache


class Histogram:
    """Counts of small codes (< 64), filled a chunk at a time. Codes are counted two at a
    time: a pair of uint8 codes read as one uint16 indexes a 65,536-cell table, which
    ``np.add.at`` fills faster than ``np.bincount`` counts single codes."""

    def __init__(self) -> None:
        self.pairs = np.zeros(64 * 256, np.int64)  # first code + 256 * second code
        self.single = np.zeros(64, np.int64)

    def add(self, codes: np.ndarray) -> None:
        even = codes.size - (codes.size & 1)
        np.add.at(self.pairs, codes[:even].view(np.uint16), 1)
        if even < codes.size:
            self.single[codes[-1]] += 1

    def counts(self) -> np.ndarray:
        grid = self.pairs.reshape(64, 256)[:, :64]
        return grid.sum(0) + grid.sum(1) + self.single


def _dated_counts(calendar: Calendar, start: np.ndarray, end: np.ndarray, limit: int,
                  month_of_end: bool) -> np.ndarray:
    """(months, 2) counts of rows by the month of ``start`` (or of ``end``): [:, 1] those
    with ``working_days(start, end) <= limit``, [:, 0] the others (and a missing end)."""
    by_start, by_end = calendar.limit_tables(limit, month_of_end)
    s_days, e_days = _days(start), _days(end)
    block = max(1, min(BLOCK, s_days.size))
    spare = np.empty(block, np.int32)
    other = np.empty(block, np.int32)
    within = np.empty(block, np.bool_)
    code = np.empty(block, np.uint8)
    histogram = Histogram()
    for at in range(0, s_days.size, block):
        n = min(block, s_days.size - at)
        np.take(by_start, s_days[at:at + n], out=spare[:n], mode="clip")
        np.take(by_end, e_days[at:at + n], out=other[:n], mode="clip")
        np.subtract(spare[:n], other[:n], out=spare[:n])
        np.greater_equal(spare[:n], 0, out=within[:n])
        np.bitwise_and(spare[:n], 63, out=code[:n], casting="unsafe")
        code[:n] += within[:n]
        histogram.add(code[:n])
    return histogram.counts()[:2 * (REACH + 1)].reshape(REACH + 1, 2)


def _windows(monthly: np.ndarray, months: int | None) -> np.ndarray:
    """Counts of each period's window from counts by month: ``months`` months to the
    period's end, or (None) the financial year to date (all periods lie in one year)."""
    total = np.zeros((REACH + 1,) + monthly.shape[1:], np.int64)
    np.cumsum(monthly[:REACH], axis=0, out=total[1:])
    last = np.arange(11, REACH) + 1
    first = np.full(N_PERIODS, 11) if months is None else last - months
    return total[last] - total[first]


def _open_per_period(first: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """Rows open in each period, each open in periods ``first <= p < stop``."""
    change = np.bincount(first, minlength=N_PERIODS + 1) - np.bincount(np.maximum(stop, first),
                                                                         minlength=N_PERIODS + 1)
    return np.cumsum(change)[:N_PERIODS]


def _re_referrals(calendar: Calendar, child: np.ndarray, referred: np.ndarray) -> np.ndarray:
    """(months, 2) referrals by month: [:, 1] within 365 days of the child's previous
    referral on an earlier day, [:, 0] the others."""
    # child << 17 | day: 2**17 days reach 2328, and two children's keys differ by more than
    # 365 for any day from 1970 to 2100, so a key difference <= 365 means one child
    key = child << 17
    key |= _days(referred)
    key.sort()
    code = np.take(calendar.month_x2, key & ((1 << 17) - 1), mode="clip")
    step = np.diff(key)
    code[1:] += step <= 365
    # SPEC's previous skips referrals on the same day: a repeat takes its first one's code
    repeat = np.flatnonzero(step == 0) + 1
    if repeat.size:
        run_start = repeat.copy()
        while True:  # walk back over runs of repeats (a few rows; runs are short)
            back = np.isin(run_start - 1, repeat)
            if not back.any():
                break
            run_start[back] -= 1
        code[repeat] = code[run_start - 1]
    histogram = Histogram()
    histogram.add(code)
    return histogram.counts()[:2 * (REACH + 1)].reshape(REACH + 1, 2)


def _three_placements(calendar: Calendar, episodes: dict, placements: dict, first: np.ndarray,
                      stop: np.ndarray) -> np.ndarray:
    """Episodes open in each period whose child had 3+ placements starting in the 12
    months to the period's end."""
    month = np.take(calendar.month, _days(placements["started_on"]), mode="clip")
    reached = np.flatnonzero(month < OTHER)
    # child << 6 | month, sorted: keys of two children differ by at least 64 - 22 > 11
    key = placements["child_id"][reached] << 6
    key |= month[reached]
    key.sort()
    third = np.flatnonzero(key[2:] - key[:-2] <= 11)  # key[i], key[i + 2]: one child, 12 months
    if third.size == 0:
        return np.zeros(N_PERIODS, np.int64)
    # placements in months m0 <= m2 qualify periods p (month p + 11) with m2 - 11 <= p <= m0
    low = np.maximum((key[third + 2] & 63) - 11, 0)
    high = np.minimum(key[third] & 63, N_PERIODS - 1)
    children = key[third] >> 6
    qualified = np.zeros((children.size, N_PERIODS), bool)
    periods = np.arange(N_PERIODS)
    qualified[:] = (periods >= low[:, None]) & (periods <= high[:, None])
    # OR the periods of each child's triples: children are sorted, so by runs
    run = np.flatnonzero(np.r_[True, children[1:] != children[:-1]])
    by_child = np.logical_or.reduceat(qualified, run, axis=0)
    children = children[run]
    # the episodes of those children, open in a qualifying period: a table of the children's
    # low bits passes the few candidates on, so that few searches run (a binary search per
    # episode would cost several times more than the rest of this)
    bits = max(12, int(children.size * 16).bit_length())
    mask = (1 << bits) - 1
    seen = np.zeros(1 << bits, np.bool_)
    seen[children & mask] = True
    episode_child = episodes["child_id"]
    candidate = np.flatnonzero(np.take(seen, episode_child & mask))
    at = np.minimum(np.searchsorted(children, episode_child[candidate]), children.size - 1)
    found = children[at] == episode_child[candidate]
    hit, at = candidate[found], at[found]
    open_ = (periods >= first[hit, None]) & (periods < stop[hit, None])
    return (open_ & by_child[at]).sum(0)


def numpy_eight(data: dict, calendar: Calendar) -> np.ndarray:
    """The eight indicators by hand-tuned numpy. Like ``ref_numpy.py`` it counts open CP
    plans and looked-after episodes, not distinct children: on this data no child has two
    open at once (the pandas and DuckDB baselines count distinct children, and the
    agreement check compares them)."""
    out = np.zeros((N_PERIODS, 8, 2), np.int64)
    c = data["contacts"]
    by_month = _dated_counts(calendar, c["received_on"], c["decided_on"], 1, month_of_end=False)
    month = by_month[11:REACH]
    out[:, 0, 0], out[:, 0, 1] = month[:, 1], month.sum(1)
    ytd = _windows(by_month, None)
    out[:, 1, 0], out[:, 1, 1] = ytd[:, 1], ytd.sum(1)

    r = data["referrals"]
    rolling = _windows(_re_referrals(calendar, r["child_id"], r["referred_on"]), 12)
    out[:, 2, 0], out[:, 2, 1] = rolling[:, 1], rolling.sum(1)

    a = data["assessments"]
    month = _dated_counts(calendar, a["started_on"], a["completed_on"], 45, month_of_end=True)[11:REACH]
    out[:, 3, 0], out[:, 3, 1] = month[:, 1], month.sum(1)

    p = data["cp_plans"]
    starts = _days(p["started_on"])
    stop = np.take(calendar.first_end, _days(p["ended_on"]), mode="clip")
    out[:, 4, 0] = _open_per_period(np.take(calendar.first_end, starts, mode="clip"), stop)
    out[:, 4, 1] = data["population"]
    out[:, 5, 0] = _open_per_period(np.take(calendar.first_end_730, starts, mode="clip"), stop)
    out[:, 5, 1] = out[:, 4, 0]

    e = data["lac_episodes"]
    starts = _days(e["started_on"])
    first = np.take(calendar.first_end, starts, mode="clip")
    stop = np.take(calendar.first_end, _days(e["ended_on"]), mode="clip")
    out[:, 6, 1] = _open_per_period(first, stop)
    out[:, 6, 0] = _three_placements(calendar, e, data["placements"], first, stop)
    out[:, 7, 0] = np.bincount(np.take(calendar.month, starts, mode="clip"), minlength=REACH + 1)[11:REACH]
    return out


# ---------------------------------------------------------------------------------------
# pandas: a loop over periods with boolean filters


def pandas_frames(data: dict) -> dict:
    import pandas as pd

    return {name: pd.DataFrame(columns) for name, columns in data.items() if isinstance(columns, dict)}


def pandas_eight(frames: dict, population: int, holidays: np.ndarray) -> np.ndarray:
    import pandas as pd

    out = np.zeros((N_PERIODS, 8, 2), np.int64)

    def working_days(a: pd.Series, b: pd.Series) -> np.ndarray:
        one = np.timedelta64(1, "D")
        return np.busday_count(a.to_numpy("datetime64[D]") + one, b.to_numpy("datetime64[D]") + one,
                               holidays=holidays)

    c = frames["contacts"]
    r = frames["referrals"].sort_values(["child_id", "referred_on"])
    earlier = r.drop_duplicates(["child_id", "referred_on"])
    earlier = earlier.assign(previous=earlier.groupby("child_id")["referred_on"].shift())
    r = r.merge(earlier[["child_id", "referred_on", "previous"]], on=["child_id", "referred_on"], how="left")
    a = frames["assessments"]
    plans = frames["cp_plans"]
    episodes = frames["lac_episodes"]
    moves = frames["placements"]
    for p, month in enumerate(FIRST_MONTH + np.arange(N_PERIODS)):
        start = pd.Timestamp(month.astype("datetime64[D]"))
        end = pd.Timestamp((month + 1).astype("datetime64[D]") - 1)
        year_start = pd.Timestamp(FIRST_MONTH.astype("datetime64[D]"))
        roll_start = pd.Timestamp((month - 11).astype("datetime64[D]"))
        for k, lower in ((0, start), (1, year_start)):
            window = c[(c["received_on"] >= lower) & (c["received_on"] <= end)]
            decided = window["decided_on"].notna()
            fast = working_days(window["received_on"][decided], window["decided_on"][decided]) <= 1
            out[p, k] = int(fast.sum()), len(window)
        window = r[(r["referred_on"] >= roll_start) & (r["referred_on"] <= end)]
        gap = (window["referred_on"] - window["previous"]).dt.days
        out[p, 2] = int((gap <= 365).sum()), len(window)
        window = a[(a["completed_on"] >= start) & (a["completed_on"] <= end)]
        started = window["started_on"].notna()
        fast = working_days(window["started_on"][started], window["completed_on"][started]) <= 45
        out[p, 3] = int(fast.sum()), len(window)
        on_plan = plans[(plans["started_on"] <= end) & (plans["ended_on"].isna() | (plans["ended_on"] > end))]
        out[p, 4] = on_plan["child_id"].nunique(), population
        out[p, 5] = int(((end - on_plan["started_on"]).dt.days > 730).sum()), len(on_plan)
        looked_after = episodes[(episodes["started_on"] <= end)
                                & (episodes["ended_on"].isna() | (episodes["ended_on"] > end))]
        recent = moves[(moves["started_on"] >= roll_start) & (moves["started_on"] <= end)]
        per_child = recent.groupby("child_id").size()
        many = looked_after["child_id"].map(per_child).fillna(0) >= 3
        out[p, 6] = looked_after.loc[many, "child_id"].nunique(), looked_after["child_id"].nunique()
        out[p, 7, 0] = int(((episodes["started_on"] >= start) & (episodes["started_on"] <= end)).sum())
    return out


# ---------------------------------------------------------------------------------------
# DuckDB: SQL that aggregates to months first, then windows over the months


SQL = """
WITH months AS (
  SELECT range AS k, (DATE '2016-04-01' + INTERVAL (range) MONTH)::DATE AS month_start,
         (DATE '2016-05-01' + INTERVAL (range) MONTH - INTERVAL 1 DAY)::DATE AS month_end
  FROM range(12)),
contact_months AS (
  SELECT date_trunc('month', c.received_on) AS m, count(*) AS den,
         count(*) FILTER (WHERE d.wd - r.wd <= 1) AS num
  FROM contacts c JOIN cal r ON r.day = c.received_on LEFT JOIN cal d ON d.day = c.decided_on
  WHERE c.received_on >= DATE '2016-04-01' AND c.received_on <= DATE '2017-03-31'
  GROUP BY 1),
referral_days AS (
  SELECT child_id, referred_on, count(*) AS n,
         lag(referred_on) OVER (PARTITION BY child_id ORDER BY referred_on) AS previous
  FROM referrals GROUP BY child_id, referred_on),
referral_months AS (
  SELECT date_trunc('month', referred_on) AS m, sum(n) AS den,
         coalesce(sum(n) FILTER (WHERE date_diff('day', previous, referred_on) <= 365), 0) AS num
  FROM referral_days
  WHERE referred_on >= DATE '2015-05-01' AND referred_on <= DATE '2017-03-31' GROUP BY 1),
assessment_months AS (
  SELECT date_trunc('month', a.completed_on) AS m, count(*) AS den,
         count(*) FILTER (WHERE c.wd - s.wd <= 45) AS num
  FROM assessments a LEFT JOIN cal s ON s.day = a.started_on JOIN cal c ON c.day = a.completed_on
  WHERE a.completed_on >= DATE '2016-04-01' AND a.completed_on <= DATE '2017-03-31'
  GROUP BY 1),
plans_open AS (
  SELECT k, count(DISTINCT child_id) AS children, count(*) AS plans,
         count(*) FILTER (WHERE date_diff('day', started_on, month_end) > 730) AS long
  FROM months JOIN cp_plans ON started_on <= month_end AND (ended_on IS NULL OR ended_on > month_end)
  GROUP BY k),
placement_months AS (
  SELECT child_id, date_trunc('month', started_on) AS m, count(*) AS n FROM placements
  WHERE started_on >= DATE '2015-05-01' AND started_on <= DATE '2017-03-31' GROUP BY 1, 2),
placements_12m AS (
  SELECT k, child_id, sum(n) AS n
  FROM months JOIN placement_months ON m BETWEEN month_start - INTERVAL 11 MONTH AND month_start
  GROUP BY k, child_id),
looked_after AS (
  SELECT months.k, count(DISTINCT e.child_id) AS children,
         count(DISTINCT e.child_id) FILTER (WHERE p.n >= 3) AS many
  FROM months JOIN lac_episodes e ON e.started_on <= month_end AND (e.ended_on IS NULL OR e.ended_on > month_end)
  LEFT JOIN placements_12m p ON p.k = months.k AND p.child_id = e.child_id
  GROUP BY months.k),
starts AS (
  SELECT date_trunc('month', started_on) AS m, count(*) AS n FROM lac_episodes
  WHERE started_on >= DATE '2016-04-01' AND started_on <= DATE '2017-03-31' GROUP BY 1)
SELECT months.k,
  coalesce(cm.num, 0), coalesce(cm.den, 0),
  sum(coalesce(cm.num, 0)) OVER w, sum(coalesce(cm.den, 0)) OVER w,
  (SELECT coalesce(sum(num), 0) FROM referral_months rm
     WHERE rm.m BETWEEN months.month_start - INTERVAL 11 MONTH AND months.month_start),
  (SELECT coalesce(sum(den), 0) FROM referral_months rm
     WHERE rm.m BETWEEN months.month_start - INTERVAL 11 MONTH AND months.month_start),
  coalesce(am.num, 0), coalesce(am.den, 0),
  coalesce(po.children, 0), coalesce(po.long, 0), coalesce(po.plans, 0),
  coalesce(la.many, 0), coalesce(la.children, 0), coalesce(st.n, 0)
FROM months
LEFT JOIN contact_months cm ON cm.m = months.month_start
LEFT JOIN assessment_months am ON am.m = months.month_start
LEFT JOIN plans_open po ON po.k = months.k
LEFT JOIN looked_after la ON la.k = months.k
LEFT JOIN starts st ON st.m = months.month_start
WINDOW w AS (ORDER BY months.k ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
ORDER BY months.k
"""


def duckdb_connect(frames: dict, holidays: np.ndarray):
    """A DuckDB connection (2 threads) seeing the tables and a working-day calendar."""
    import duckdb
    import pandas as pd

    connection = duckdb.connect()
    connection.execute("SET threads TO 2")
    for name, frame in frames.items():
        connection.register(name, frame)
    days = np.arange(np.datetime64("2000-01-01"), np.datetime64("2031-01-01"))
    connection.register("cal", pd.DataFrame({"day": days, "wd": np.cumsum(np.is_busday(days, holidays=holidays))}))
    return connection


def duckdb_eight(connection, population: int) -> np.ndarray:
    out = np.zeros((N_PERIODS, 8, 2), np.int64)
    for row in connection.execute(SQL).fetchall():
        p = row[0]
        (out[p, 0, 0], out[p, 0, 1], out[p, 1, 0], out[p, 1, 1], out[p, 2, 0], out[p, 2, 1], out[p, 3, 0],
         out[p, 3, 1], out[p, 4, 0], out[p, 5, 0], out[p, 5, 1], out[p, 6, 0], out[p, 6, 1], out[p, 7, 0]) = row[1:]
    out[:, 4, 1] = population
    return out
