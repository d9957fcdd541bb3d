"""Reusable hypothesis strategies: small, messy case-level tables."""

from __future__ import annotations

import datetime

from hypothesis import strategies as st

DAY = st.dates(datetime.date(2015, 10, 1), datetime.date(2017, 6, 30))
MAYBE_DAY = st.one_of(st.none(), DAY)


@st.composite
def contacts(draw, max_rows: int = 40) -> dict:
    """A contacts table: child, received and decided dates (some missing), outcome."""
    n = draw(st.integers(0, max_rows))
    received = draw(st.lists(MAYBE_DAY, min_size=n, max_size=n))
    lag = draw(st.lists(st.one_of(st.none(), st.integers(-2, 9)), min_size=n, max_size=n))
    decided = [None if r is None or g is None else r + datetime.timedelta(days=g) for r, g in zip(received, lag)]
    return {
        "child_id": draw(st.lists(st.one_of(st.none(), st.integers(1, 8)), min_size=n, max_size=n)),
        "received_on": received,
        "decided_on": decided,
        "outcome": draw(st.lists(st.sampled_from(["nfa", "referral", "early help", None]), min_size=n, max_size=n)),
    }


@st.composite
def episodes(draw, max_rows: int = 30) -> dict:
    """An episodes table: child, start and end (some missing, some ending before they start)."""
    n = draw(st.integers(0, max_rows))
    return {
        "child_id": draw(st.lists(st.integers(1, 8), min_size=n, max_size=n)),
        "started_on": draw(st.lists(MAYBE_DAY, min_size=n, max_size=n)),
        "ended_on": draw(st.lists(MAYBE_DAY, min_size=n, max_size=n)),
    }


TEAMS = ("Duty 1", "Duty 2", "Locality North", None)


def team_column(n: int, teams: tuple = TEAMS):
    """A breakdown column of ``n`` rows: a few team names, some missing."""
    return st.lists(st.sampled_from(teams), min_size=n, max_size=n)


@st.composite
def with_teams(draw, tables: st.SearchStrategy[dict], teams: tuple = TEAMS) -> dict:
    """A table from ``tables`` with a ``team`` column added."""
    table = draw(tables)
    n = len(next(iter(table.values())))
    return dict(table, team=draw(team_column(n, teams)))
