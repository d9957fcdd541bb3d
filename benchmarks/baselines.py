"""Baselines for the eight benchmark indicators, written the way their users would write
them: a pandas loop over periods with boolean filters, DuckDB SQL over a period table and
a calendar table, and hand-tuned numpy (day lookup tables, monthly counts, cumulative sums).

Each takes the demo tables (numpy columns, as ``indicators._demo.generate`` gives them) and
the run's months, and returns ``{indicator: (numerators, denominators)}`` for the months.
"""

from __future__ import annotations

import numpy as np

POPULATION = 56374
EXCLUDED_LEGAL = ("V3", "V4")


def month_bounds(first: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    months = np.datetime64(first, "M") + np.arange(n)
    return months.astype("datetime64[D]"), (months + 1).astype("datetime64[D]") - 1


def fy_start(month_start: np.datetime64) -> np.datetime64:
    m = month_start.astype("datetime64[M]")
    month_number = int(m.astype(np.int64) % 12) + 1
    back = (month_number - 4) % 12
    return (m - back).astype("datetime64[D]")


# ---------------------------------------------------------------------------------------
# Hand-tuned numpy


def _distinct(values: np.ndarray) -> int:
    """Distinct values by sorting (numpy 2's hash-based np.unique is slow for large arrays)."""
    if values.size == 0:
        return 0
    ordered = np.sort(values)
    return int((ordered[1:] != ordered[:-1]).sum()) + 1


def numpy_eight(t: dict, holidays: np.ndarray, first: str, n: int) -> dict:
    origin = np.datetime64("1990-01-01")
    days = np.arange(origin, np.datetime64("2031-01-01"))
    wd_cum = np.cumsum(np.is_busday(days, holidays=holidays)).astype(np.int32)
    month_of = (days.astype("datetime64[M]").astype(np.int64)).astype(np.int32)
    y_of = (days.astype("datetime64[Y]").astype(np.int64) + 1970).astype(np.int32)
    m_of = (month_of % 12 + 1).astype(np.int32)
    d_of = (days - days.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    p0 = int(np.datetime64(first, "M").astype(np.int64))
    lead = 12  # months of history before the first period, for ytd and rolling windows
    span = n + lead

    def index(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ok = ~np.isnat(values)
        i = np.where(ok, (values - origin).astype(np.int64), 0)
        return np.clip(i, 0, days.size - 1), ok

    def monthly(month_index: np.ndarray, keep: np.ndarray) -> np.ndarray:
        k = month_index[keep] - (p0 - lead)
        k = k[(k >= 0) & (k < span)]
        return np.bincount(k, minlength=span)

    out = {}
    c = t["contacts"]
    ri, rok = index(c["received_on"])
    di, dok = index(c["decided_on"])
    cohort = rok & dok
    fast = cohort & (wd_cum[di] - wd_cum[ri] <= 1)
    cm = month_of[ri]
    den, num = monthly(cm, cohort), monthly(cm, fast)
    out["decided_1wd"] = (num[lead:], den[lead:])
    months = p0 - lead + np.arange(span)
    fy_first = months - ((months % 12 - 3) % 12)
    cum_num, cum_den = np.cumsum(num), np.cumsum(den)
    first_index = fy_first - (p0 - lead)
    ytd_num = cum_num - np.where(first_index > 0, cum_num[np.maximum(first_index - 1, 0)], 0)
    ytd_den = cum_den - np.where(first_index > 0, cum_den[np.maximum(first_index - 1, 0)], 0)
    out["decided_1wd_ytd"] = (ytd_num[lead:], ytd_den[lead:])

    r = t["referrals"]
    child, when = r["child_id"], r["referred_on"]
    wi, wok = index(when)
    order = np.lexsort((wi, child))
    ks, ds = child[order], wi[order]
    new_group = np.ones(ks.size, bool)
    new_group[1:] = (ks[1:] != ks[:-1]) | (ds[1:] != ds[:-1])
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(ks.size), 0))
    prev_index = group_start - 1
    has_prev = prev_index >= 0
    has_prev[has_prev] &= ks[prev_index[has_prev]] == ks[has_prev]
    gap = np.where(has_prev, ds - ds[np.maximum(prev_index, 0)], 10**9)
    re_flag = np.zeros(ks.size, bool)
    re_flag[order] = gap <= 365
    rm = month_of[wi]
    den, num = monthly(rm, wok), monthly(rm, wok & re_flag)
    roll_num = np.cumsum(num)[lead:] - np.cumsum(num)[lead - 12: span - 12]
    roll_den = np.cumsum(den)[lead:] - np.cumsum(den)[lead - 12: span - 12]
    out["re_referrals_12m"] = (roll_num, roll_den)

    a = t["assessments"]
    si, sok = index(a["started_on"])
    ci, cok = index(a["completed_on"])
    ok = sok & cok
    am = month_of[ci]
    out["assessments_45wd"] = (monthly(am, ok & (wd_cum[ci] - wd_cum[si] <= 45))[lead:], monthly(am, ok)[lead:])

    month_starts, month_ends = month_bounds(first, n)
    p = t["cp_plans"]
    ps, pe = p["started_on"], p["ended_on"]
    counts, over2 = [], []
    ys, ms, dsd = y_of[index(ps)[0]], m_of[index(ps)[0]], d_of[index(ps)[0]]
    for end in month_ends:
        open_ = ~np.isnat(ps) & (ps <= end) & (np.isnat(pe) | (pe > end))
        counts.append(_distinct(p["child_id"][open_]))
        ei = int((end - origin).astype(np.int64))
        months_on = 12 * (y_of[ei] - ys) + m_of[ei] - ms - (d_of[ei] < dsd)
        over2.append((int((open_ & (months_on >= 24)).sum()), int(open_.sum())))
    counts = np.array(counts)
    out["cp_count"] = (counts, None)
    out["cp_rate"] = (counts, np.full(n, POPULATION))
    out["cp_over_2_years"] = (np.array([o[0] for o in over2]), np.array([o[1] for o in over2]))

    cp = t["care_periods"]
    looked_after = ~np.isin(cp["legal_status"], EXCLUDED_LEGAL)
    pl = t["placements"]
    pl_month = month_of[index(pl["started_on"])[0]]
    pl_ok = ~np.isnat(pl["started_on"])
    keys = np.sort(cp["child_id"])
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]] if keys.size else keys
    pl_code = np.searchsorted(keys, pl["child_id"])
    pl_code = np.where((pl_code < keys.size) & (keys[np.minimum(pl_code, keys.size - 1)] == pl["child_id"]), pl_code, -1)
    cp_code = np.searchsorted(keys, cp["child_id"])
    nums, dens = [], []
    for k, end in enumerate(month_ends):
        open_ = looked_after & ~np.isnat(cp["started_on"]) & (cp["started_on"] <= end) & (
            np.isnat(cp["ended_on"]) | (cp["ended_on"] > end))
        in_window = pl_ok & (pl_code >= 0) & (pl_month >= p0 + k - 11) & (pl_month <= p0 + k)
        per_child = np.bincount(pl_code[in_window], minlength=keys.size)
        nums.append(int((open_ & (per_child[cp_code] >= 3)).sum()))
        dens.append(int(open_.sum()))
    out["lac_3_placements"] = (np.array(nums), np.array(dens))
    si, sok = index(cp["started_on"])
    out["care_starts"] = (monthly(month_of[si], sok & looked_after)[lead:], None)
    return out


# ---------------------------------------------------------------------------------------
# pandas: a loop over periods with boolean filters


def pandas_eight(frames: dict, holidays: np.ndarray, first: str, n: int) -> dict:
    import pandas as pd

    month_starts, month_ends = month_bounds(first, n)
    out = {name: ([], []) for name in ("decided_1wd", "decided_1wd_ytd", "re_referrals_12m", "assessments_45wd",
                                        "cp_count", "cp_rate", "cp_over_2_years", "lac_3_placements", "care_starts")}

    def wd(a: pd.Series, b: pd.Series) -> np.ndarray:
        one = np.timedelta64(1, "D")
        return np.busday_count(a.values.astype("datetime64[D]") + one, b.values.astype("datetime64[D]") + one,
                               holidays=holidays)

    c = frames["contacts"]
    decided = c[c["decided_on"].notna()]
    r = frames["referrals"].sort_values(["child_id", "referred_on"], kind="stable")
    new_group = (r["child_id"] != r["child_id"].shift()) | (r["referred_on"] != r["referred_on"].shift())
    previous = r["referred_on"].shift().where(new_group & (r["child_id"] == r["child_id"].shift()))
    previous = previous.where(new_group).groupby(r["child_id"]).ffill()
    r = r.assign(previous=previous)
    a = frames["assessments"]
    p = frames["cp_plans"]
    cp = frames["care_periods"]
    cp = cp[~cp["legal_status"].isin(EXCLUDED_LEGAL)]
    pl = frames["placements"]
    for start, end in zip(pd.to_datetime(month_starts), pd.to_datetime(month_ends)):
        fy = pd.Timestamp(fy_start(np.datetime64(start.date())))
        for name, lower in (("decided_1wd", start), ("decided_1wd_ytd", fy)):
            window = decided[(decided["received_on"] >= lower) & (decided["received_on"] <= end)]
            out[name][0].append(int((wd(window["received_on"], window["decided_on"]) <= 1).sum()))
            out[name][1].append(len(window))
        roll_start = start - pd.DateOffset(months=11)
        window = r[(r["referred_on"] >= roll_start) & (r["referred_on"] <= end)]
        gap = (window["referred_on"] - window["previous"]).dt.days
        out["re_referrals_12m"][0].append(int((gap <= 365).sum()))
        out["re_referrals_12m"][1].append(len(window))
        window = a[(a["completed_on"] >= start) & (a["completed_on"] <= end)]
        out["assessments_45wd"][0].append(int((wd(window["started_on"], window["completed_on"]) <= 45).sum()))
        out["assessments_45wd"][1].append(len(window))
        open_plans = p[(p["started_on"] <= end) & (p["ended_on"].isna() | (p["ended_on"] > end))]
        children = open_plans["child_id"].nunique()
        out["cp_count"][0].append(children)
        out["cp_rate"][0].append(children)
        out["cp_rate"][1].append(POPULATION)
        s = open_plans["started_on"]
        months_on = 12 * (end.year - s.dt.year) + end.month - s.dt.month - (end.day < s.dt.day)
        out["cp_over_2_years"][0].append(int((months_on >= 24).sum()))
        out["cp_over_2_years"][1].append(len(open_plans))
        lac = cp[(cp["started_on"] <= end) & (cp["ended_on"].isna() | (cp["ended_on"] > end))]
        recent = pl[(pl["started_on"] >= roll_start) & (pl["started_on"] <= end)]
        per_child = recent.groupby("child_id").size()
        placements = lac["child_id"].map(per_child).fillna(0)
        out["lac_3_placements"][0].append(int((placements >= 3).sum()))
        out["lac_3_placements"][1].append(len(lac))
        out["care_starts"][0].append(int(((cp["started_on"] >= start) & (cp["started_on"] <= end)).sum()))
    return {k: (np.array(v[0]), np.array(v[1]) if v[1] else None) for k, v in out.items()}


# ---------------------------------------------------------------------------------------
# DuckDB SQL over a period table and a working-day calendar


SQL = {
    "decided_1wd": """
        SELECT p.k, count(*) FILTER (WHERE d.cum - r.cum <= 1) AS num, count(*) AS den
        FROM periods p JOIN contacts c ON c.received_on BETWEEN p.month_start AND p.month_end
        JOIN cal r ON r.day = c.received_on JOIN cal d ON d.day = c.decided_on
        GROUP BY p.k""",
    "decided_1wd_ytd": """
        SELECT p.k, count(*) FILTER (WHERE d.cum - r.cum <= 1) AS num, count(*) AS den
        FROM periods p JOIN contacts c ON c.received_on BETWEEN p.fy_start AND p.month_end
        JOIN cal r ON r.day = c.received_on JOIN cal d ON d.day = c.decided_on
        GROUP BY p.k""",
    "re_referrals_12m": """
        WITH prev AS (
          SELECT referred_on, max(referred_on) OVER (PARTITION BY child_id ORDER BY referred_on
                 RANGE BETWEEN UNBOUNDED PRECEDING AND INTERVAL 1 DAY PRECEDING) AS previous
          FROM referrals)
        SELECT p.k, count(*) FILTER (WHERE date_diff('day', previous, referred_on) <= 365) AS num, count(*) AS den
        FROM periods p JOIN prev ON prev.referred_on BETWEEN p.roll_start AND p.month_end
        GROUP BY p.k""",
    "assessments_45wd": """
        SELECT p.k, count(*) FILTER (WHERE c2.cum - s.cum <= 45) AS num, count(*) AS den
        FROM periods p JOIN assessments a ON a.completed_on BETWEEN p.month_start AND p.month_end
        JOIN cal s ON s.day = a.started_on JOIN cal c2 ON c2.day = a.completed_on
        GROUP BY p.k""",
    "cp_count": """
        SELECT p.k, count(DISTINCT child_id) AS num, NULL AS den
        FROM periods p JOIN cp_plans c ON c.started_on <= p.month_end AND (c.ended_on IS NULL OR c.ended_on > p.month_end)
        GROUP BY p.k""",
    "cp_over_2_years": """
        SELECT p.k, count(*) FILTER (WHERE 12 * (year(p.month_end) - year(c.started_on)) + month(p.month_end)
               - month(c.started_on) - CASE WHEN day(p.month_end) < day(c.started_on) THEN 1 ELSE 0 END >= 24) AS num,
               count(*) AS den
        FROM periods p JOIN cp_plans c ON c.started_on <= p.month_end AND (c.ended_on IS NULL OR c.ended_on > p.month_end)
        GROUP BY p.k""",
    "lac_3_placements": """
        WITH lac AS (
          SELECT p.k, c.child_id FROM periods p JOIN care_periods c
          ON c.started_on <= p.month_end AND (c.ended_on IS NULL OR c.ended_on > p.month_end)
          WHERE c.legal_status NOT IN ('V3', 'V4')),
        moves AS (
          SELECT p.k, pl.child_id, count(*) AS n FROM periods p JOIN placements pl
          ON pl.started_on BETWEEN p.roll_start AND p.month_end GROUP BY p.k, pl.child_id)
        SELECT lac.k, count(*) FILTER (WHERE coalesce(moves.n, 0) >= 3) AS num, count(*) AS den
        FROM lac LEFT JOIN moves ON moves.k = lac.k AND moves.child_id = lac.child_id
        GROUP BY lac.k""",
    "care_starts": """
        SELECT p.k, count(*) AS num, NULL AS den
        FROM periods p JOIN care_periods c ON c.started_on BETWEEN p.month_start AND p.month_end
        WHERE c.legal_status NOT IN ('V3', 'V4') GROUP BY p.k""",
}


def duckdb_connect(frames: dict, holidays: np.ndarray, first: str, n: int):
    import duckdb
    import pandas as pd

    connection = duckdb.connect()
    connection.execute("SET threads TO 2")
    for name, frame in frames.items():
        connection.register(name, frame)
    month_starts, month_ends = month_bounds(first, n)
    periods = pd.DataFrame({
        "k": np.arange(n), "month_start": month_starts, "month_end": month_ends,
        "fy_start": [fy_start(s) for s in month_starts],
        "roll_start": (month_starts.astype("datetime64[M]") - 11).astype("datetime64[D]")})
    days = np.arange(np.datetime64("1990-01-01"), np.datetime64("2031-01-01"))
    calendar = pd.DataFrame({"day": days, "cum": np.cumsum(np.is_busday(days, holidays=holidays))})
    connection.register("periods", periods)
    connection.register("cal", calendar)
    return connection


def duckdb_eight(connection, n: int) -> dict:
    out = {}
    for name, sql in SQL.items():
        rows = connection.execute(sql).fetchall()
        num, den = np.zeros(n, np.int64), np.zeros(n, np.int64)
        has_den = False
        for k, a, b in rows:
            num[k] = a
            if b is not None:
                den[k] = b
                has_den = True
        out[name] = (num, den if has_den else None)
    out["cp_rate"] = (out["cp_count"][0], np.full(n, POPULATION))
    return out
