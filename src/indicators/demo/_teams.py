"""SYNTHETIC teams and case-holding workers for the demo's case-level tables.

Each table of open work carries the team holding a row and its case-holding worker, as
the Allocated Team and Allocated Worker columns of an Annex A list do: assessments are
held by duty and assessment teams, children in need episodes (protection plans included)
by safeguarding localities, periods of care by looked-after children teams, care leavers
by the leaving care team's personal advisers. A row keeps one worker for its whole life.

Each month's new rows go to the least loaded workers of a roster sized so that the month-end caseloads
follow the report's story (duty and assessment above the limit of 22 in autumn 2016, then
15.8 in January 2017 after a fifth duty team; safeguarding from 26 down to 15; looked-after
children about 12.9). Its own random stream leaves every other demo figure as it was.
"""

from __future__ import annotations

import numpy as np

from .._dates import NAT, month_code, month_end, month_start

__all__ = ["allocate"]

TEAM_TYPES = {
    # team type: (table, start, end, team names, cases per worker by month index from April 2014)
    "duty and assessment": ("assessments", "started_on", "completed_on",
                            ("Duty 1", "Duty 2", "Duty 3", "Duty 4"),
                            {0: 21, 24: 18, 29: 21, 30: 23, 31: 24, 32: 23, 33: 15.8, 34: 15.5}),
    "safeguarding": ("cin_episodes", "started_on", "ended_on",
                     ("Locality North", "Locality Central", "Locality South"),
                     {0: 26, 24: 25, 29: 22, 31: 19, 32: 17, 33: 15, 34: 15}),
    "looked after children": ("care_periods", "started_on", "ended_on",
                              ("Looked After Children 1", "Looked After Children 2", "Looked After Children 3"),
                              {0: 12, 29: 12.5, 33: 12.9}),
    "care leavers": ("care_leavers", "from_date", "to_date", ("Leaving Care",), {0: 20}),
}
FIFTH_DUTY_TEAM = ("Duty 5", 33)  # created in January 2017 (the report, 3.3.1)


def _targets(changes: dict[int, float], months: int) -> np.ndarray:
    out = np.zeros(months)
    for start, value in sorted(changes.items()):
        out[start:] = value
    return out


def _open_at_month_ends(start: np.ndarray, end: np.ndarray, first_month: int, months: int) -> np.ndarray:
    """Rows open at each month end (start on or before it, end missing or after it)."""
    ends = month_end(first_month + np.arange(months))
    counts = np.zeros(months, dtype=np.int64)
    for k, day in enumerate(ends):
        counts[k] = np.count_nonzero((start <= day) & ((end == NAT) | (end > day)))
    return counts


def _deal(month: np.ndarray, end: np.ndarray, roster: np.ndarray, first_month: int,
          rng: np.random.Generator) -> np.ndarray:
    """Each row's worker index. Month by month (month 0 holding the rows from before the
    data), the month's new rows go to the roster's least loaded workers, as a manager
    allocates: each is filled up to one level, so caseloads stay even."""
    worker = np.full(month.size, -1, dtype=np.int64)
    for k in range(roster.size):
        rows = rng.permutation(np.flatnonzero(month == k))
        day = month_start(first_month + k - 1)
        held = (worker >= 0) & ((end == NAT) | (end >= day))
        load = np.bincount(worker[held], minlength=roster.max())[:roster[k]]
        level = _level(load, rows.size)
        extra = np.maximum(0, level - 1 - load)
        short = np.flatnonzero(load + extra < level)
        extra[rng.choice(short, rows.size - int(extra.sum()), replace=False)] += 1
        worker[rows] = rng.permutation(np.repeat(np.arange(roster[k]), extra))
    return worker


def _level(load: np.ndarray, n: int) -> int:
    """The lowest caseload L to which filling every worker below it takes at least n rows."""
    low, high = int(load.min()), int(load.min()) + n + 1
    while low < high:
        middle = (low + high) // 2
        if np.maximum(0, middle - load).sum() >= n:
            high = middle
        else:
            low = middle + 1
    return low


def allocate(tables: dict[str, dict[str, np.ndarray]], seed: int, first_month: int, months: int) -> None:
    """Add ``team``, ``team_type`` and ``worker_id`` to the tables of open work, ``team`` and
    ``worker_id`` to referrals and protection plans, and a ``workers`` table."""
    rng = np.random.default_rng([seed, 13])
    workers: dict[str, list[np.ndarray]] = {"worker_id": [], "team": [], "team_type": []}
    next_worker = 1
    for team_type, (name, start_column, end_column, teams, changes) in TEAM_TYPES.items():
        table = tables[name]
        start, end = table[start_column], table[end_column]
        open_counts = _open_at_month_ends(start, end, first_month, months)
        wanted = np.maximum(1, np.round(open_counts / _targets(changes, months))).astype(np.int64)
        month = np.clip(month_code(start) - first_month + 1, 0, months)  # 0: before the data
        index = _deal(month, end, np.r_[wanted[0], wanted], first_month, rng)
        # a worker joins in the first month the roster reaches them, and stays in one team
        joined = np.searchsorted(np.maximum.accumulate(wanted), np.arange(int(wanted.max())), side="right")
        team_of = np.array(teams)[np.arange(joined.size) % len(teams)]
        if team_type == "duty and assessment":
            team_of = np.where(joined >= FIFTH_DUTY_TEAM[1], FIFTH_DUTY_TEAM[0], team_of)
        ids = np.char.add("SW", np.char.zfill((next_worker + np.arange(joined.size)).astype(str), 4))
        next_worker += joined.size
        table["team"], table["team_type"] = team_of[index], np.full(index.size, team_type)
        table["worker_id"] = ids[index]
        workers["worker_id"].append(ids)
        workers["team"].append(team_of)
        workers["team_type"].append(np.full(ids.size, team_type))
    tables["workers"] = {column: np.concatenate(parts) for column, parts in workers.items()}
    _follow(tables["referrals"], "referral_id", tables["assessments"], "referral_id")
    # each plan's children in need episode is the last of cin_episodes' rows, in plan order
    plans, episodes = tables["cp_plans"], tables["cin_episodes"]
    n = plans["plan_id"].size
    for column in ("team", "worker_id"):
        plans[column] = episodes[column][episodes[column].size - n:]


def _follow(table: dict[str, np.ndarray], key: str, source: dict[str, np.ndarray], source_key: str) -> None:
    """Team and worker of the first ``source`` row with the same key ("" when none)."""
    keys, first = np.unique(source[source_key], return_index=True)
    at = np.clip(np.searchsorted(keys, table[key]), 0, keys.size - 1)
    found = keys[at] == table[key]
    for column in ("team", "worker_id"):
        table[column] = np.where(found, source[column][first[at]], "")
