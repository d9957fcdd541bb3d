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

CONTACT_FILTERS = [  # row-level, reading the period, a derived column, a lookup
    "outcome is not missing", "outcome == 'referral'", "decided_on is not missing",
    "days(received_on, period_end) <= 20", "previous_contact_on is not missing", "contacts_ytd >= 2",
]
CONTACT_CONDITIONS = [
    "working_days(received_on, decided_on) <= 1", "outcome == 'nfa'", "days(previous_contact_on, received_on) <= 90",
    "days(decided_on, window_end) > 10", "contacts_ytd >= 3",
]
EPISODE_FILTERS = ["child_id > 2", "days(started_on, period_end) > 30", "contacts_ytd >= 1", "ended_on is missing"]
EPISODE_CONDITIONS = ["child_id <= 4", "days(started_on, period_end) > 90", "contacts_ytd >= 1"]
VALUES = {"contacts": ["days(received_on, decided_on)", "child_id", "contacts_ytd", "days(received_on, period_end)"],
          "episodes": ["days(started_on, period_end)", "child_id", "contacts_ytd"]}
LOOKUP = ('contacts_ytd = { table = "contacts", key = "child_id", date = "received_on", window = "ytd", '
          'aggregate = "count" }')


@st.composite
def indicator_packs(draw) -> str:
    """The TOML text of a pack of one indicator ``chosen`` over the contacts and episodes
    tables (with a ``team`` column): any kind, window, filter, distinct key, aggregate (of
    a value or of what ``each`` value holds), derived column and lookup."""
    kind = draw(st.sampled_from(["count", "percentage", "rate", "ratio", "mean", "median", "min", "max", "sum"]))
    table = draw(st.sampled_from(["contacts", "episodes"]))
    lines = ["[tables.contacts.columns]", 'child_id = "int"', 'received_on = "date"', 'decided_on = "date"',
             'outcome = "str"', 'team = "str"', "", "[tables.episodes.columns]", 'child_id = "int"',
             'started_on = "date"', 'ended_on = "date"', 'team = "str"', "", "[tables.contacts.derive]",
             'previous_contact_on = "previous(received_on, by = child_id)"', "",
             "[indicators.chosen]", 'title = "Chosen"', f'kind = "{kind}"', f'table = "{table}"']
    if table == "contacts":
        window = draw(st.sampled_from(["month", "ytd", "rolling_3", "cumulative"]))
        lines += ['date = "received_on"', f'window = "{window}"']
        if window == "cumulative":
            lines.append('since = "2016-01-01"')
        filters, conditions = CONTACT_FILTERS, CONTACT_CONDITIONS
    else:
        lines += ['window = "snapshot"', 'start = "started_on"', 'end = "ended_on"']
        filters, conditions = EPISODE_FILTERS, EPISODE_CONDITIONS
    where = draw(st.one_of(st.none(), st.sampled_from(filters)))
    if where:
        lines.append(f'where = "{where}"')
    if kind in ("count", "percentage", "rate", "ratio"):
        if draw(st.booleans()):
            lines.append('distinct = "child_id"')
        if kind != "count" or draw(st.booleans()):
            lines.append(f'numerator = "{draw(st.sampled_from(conditions))}"')
        if kind == "rate":
            lines.append(draw(st.sampled_from(
                ['denominator = 500', 'denominator = { population = "children" }', ""])))
        if kind == "ratio":
            lines.append('denominator = { table = "episodes", window = "snapshot", start = "started_on", '
                         'end = "ended_on" }' if table == "contacts" else "")
    elif draw(st.booleans()):
        lines.append(f'each = "{draw(st.sampled_from(["child_id", "team"]))}"')
        if draw(st.booleans()):
            lines.append('distinct = "child_id"')
    else:
        lines.append(f'of = "{draw(st.sampled_from(VALUES[table]))}"')
    lines += ["", "[indicators.chosen.lookups]", LOOKUP, "", "[populations]", "children = 1000"]
    return "\n".join(lines) + "\n"
