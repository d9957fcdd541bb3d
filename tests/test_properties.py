"""Invariants that hold for any data (SPEC sections 3-8)."""

from __future__ import annotations

import contextlib
import datetime
import json
import random

import pytest
from hypothesis import given, strategies as st

import indicators
from conftest import pack_from
from indicators._expressions import to_text
from indicators._judgement import wilson_interval
from strategies import MAYBE_DAY, contacts, episodes, indicator_packs, team_column, with_teams
from indicators import _arrays, _sorting, _windows

COMMON = """
[populations]
children = { 2015 = 1000, 2017 = 1200 }

[indicators.decided_1wd]
title = "Decided within 1 working day"
kind = "percentage"
table = "contacts"
date = "received_on"
window = "ytd"
where = "outcome is not missing"
numerator = "working_days(received_on, decided_on) <= 1"
target = 80
tolerance = 5
polarity = "higher_is_better"
benchmarks = { national = 75 }

[indicators.children_contacted]
title = "Children contacted per 10,000"
kind = "rate"
table = "contacts"
date = "received_on"
window = "rolling_3"
distinct = "child_id"
denominator = { population = "children" }

[indicators.median_lag]
title = "Median days to decision"
kind = "median"
table = "contacts"
date = "received_on"
of = "days(received_on, decided_on)"
polarity = "lower_is_better"
"""

OPEN_WITH_CONTACT = """
[indicators.open_with_contact]
title = "Open episodes whose child had a contact this year"
kind = "percentage"
table = "episodes"
window = "snapshot"
start = "started_on"
end = "ended_on"
numerator = "contacts_ytd >= 1"
polarity = "higher_is_better"

[indicators.open_with_contact.lookups]
contacts_ytd = { table = "contacts", key = "child_id", date = "received_on", window = "ytd", aggregate = "count" }
"""

OPEN_EPISODES = """
[indicators.open]
title = "Open episodes"
table = "episodes"
window = "snapshot"
start = "started_on"
end = "ended_on"
"""

PACK = pack_from(COMMON + OPEN_WITH_CONTACT)


def shuffled(table: dict, seed: int) -> dict:
    n = len(next(iter(table.values())))
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return {name: [values[i] for i in order] for name, values in table.items()}


@given(contacts(), episodes(), st.integers(0, 10**6))
def test_results_do_not_depend_on_row_order(contact_rows, episode_rows, seed):
    tables = {"contacts": contact_rows, "episodes": episode_rows}
    again = {"contacts": shuffled(contact_rows, seed), "episodes": shuffled(episode_rows, seed + 1)}
    first = indicators.evaluate(PACK, tables, "2016-03", "2017-05").to_json()
    assert first == indicators.evaluate(PACK, again, "2016-03", "2017-05").to_json()


@given(contacts(), episodes())
def test_numerator_never_exceeds_denominator_for_percentages(contact_rows, episode_rows):
    results = indicators.evaluate(PACK, {"contacts": contact_rows, "episodes": episode_rows}, "2016-03", "2017-05")
    for result in results:
        if result.kind == "percentage":
            assert result.numerator <= result.denominator
            if result.value is not None:
                assert 0 <= result.value <= 100


@given(contacts(), episodes(), st.sampled_from(["2016-03", "2016-04", "2017-01"]))
def test_a_run_equals_each_month_alone(contact_rows, episode_rows, month):
    tables = {"contacts": contact_rows, "episodes": episode_rows}
    run = indicators.evaluate(PACK, tables, "2016-03", "2017-01")
    alone = indicators.evaluate(PACK, tables, month, month)
    expected = [r.to_record() for r in run if r.period == month]
    assert expected == [r.to_record() for r in alone]


@given(st.integers(0, 500), st.integers(1, 500))
def test_wilson_bounds_bracket_the_value_within_0_and_1(x, n):
    if x > n:
        assert wilson_interval(x, n) is None
        return
    low, high = wilson_interval(x, n)
    assert 0.0 <= low <= x / n <= high <= 1.0


@given(contacts(), episodes())
def test_json_never_holds_nan_or_infinity(contact_rows, episode_rows):
    text = indicators.evaluate(PACK, {"contacts": contact_rows, "episodes": episode_rows}, "2016-03", "2016-06").to_json()
    json.loads(text, parse_constant=lambda name: (_ for _ in ()).throw(AssertionError(name)))


MERGE_PACK = pack_from(COMMON + """
[indicators.open_children]
title = "Children with an open episode"
table = "episodes"
window = "snapshot"
start = "started_on"
end = "ended_on"
distinct = "child_id"

[indicators.total_lag]
title = "Total days to decision"
kind = "sum"
table = "contacts"
date = "received_on"
of = "days(received_on, decided_on)"

[indicators.longest_lag]
title = "Longest wait"
kind = "max"
table = "contacts"
date = "received_on"
window = "cumulative"
since = "2016-01-01"
of = "days(received_on, decided_on)"
""")


def chunks(table: dict, cuts: list[int]) -> list[dict]:
    n = len(next(iter(table.values())))
    edges = sorted({0, n, *[c % (n + 1) for c in cuts]})
    return [{k: v[a:b] for k, v in table.items()} for a, b in zip(edges, edges[1:])] or [table]


@given(contacts(), episodes(), st.lists(st.integers(0, 60), max_size=4), st.lists(st.integers(0, 60), max_size=4))
def test_chunked_partials_merge_into_the_whole_table_result(contact_rows, episode_rows, contact_cuts, episode_cuts):
    """Counts, distinct counts, sums, maxima and exact medians combine across any split."""
    whole = indicators.evaluate_partial(MERGE_PACK, {"contacts": contact_rows, "episodes": episode_rows},
                                        "2016-03", "2017-05")
    parts = []
    contact_chunks, episode_chunks = chunks(contact_rows, contact_cuts), chunks(episode_rows, episode_cuts)
    for i in range(max(len(contact_chunks), len(episode_chunks))):
        empty = lambda t: {k: v[:0] for k, v in t.items()}  # noqa: E731
        c = contact_chunks[i] if i < len(contact_chunks) else empty(contact_rows)
        e = episode_chunks[i] if i < len(episode_chunks) else empty(episode_rows)
        parts.append(indicators.evaluate_partial(MERGE_PACK, {"contacts": c, "episodes": e}, "2016-03", "2017-05"))
    merged = indicators.merge_partials(parts).results(MERGE_PACK)
    assert whole.results(MERGE_PACK).to_json() == merged.to_json()
    direct = indicators.evaluate(MERGE_PACK, {"contacts": contact_rows, "episodes": episode_rows}, "2016-03", "2017-05")
    assert [(r.numerator, r.denominator) for r in direct] == [(r.numerator, r.denominator) for r in merged]


def _rows_in_window(dates: list, start: str, end: str) -> int:
    return sum(1 for d in dates if d is not None and start <= d.isoformat() <= end)


@given(contacts(), episodes())
def test_rows_used_and_left_out_add_up_to_the_rows_in_the_window(contact_rows, episode_rows):
    """No row is silently dropped: every row a window holds is either used or left out for a reason."""
    results = indicators.evaluate(PACK, {"contacts": contact_rows, "episodes": episode_rows}, "2016-03", "2017-05")
    for result in results:
        for side, account in result.rows.items():
            assert account["used"] + sum(account["left_out"].values()) == account["in_window"], (result, side)
            assert all(count > 0 for count in account["left_out"].values())
        if result.indicator != "open_with_contact":  # the contacts indicators' event windows: every dated row between the window's bounds
            in_window = _rows_in_window(contact_rows["received_on"], result.window_start, result.window_end)
            assert all(account["in_window"] == in_window for account in result.rows.values())
        else:  # a snapshot: episodes open at the window's last day
            in_window = sum(1 for start, end in zip(episode_rows["started_on"], episode_rows["ended_on"])
                            if start is not None and start.isoformat() <= result.window_end
                            and (end is None or end.isoformat() > result.window_end))
            assert all(account["in_window"] == in_window for account in result.rows.values())
        if result.kind == "percentage":
            assert (result.rows["numerator"]["used"], result.rows["denominator"]["used"]) == (
                result.numerator, result.denominator)


AGE_PACK = pack_from("""
[indicators.older_open]
title = "Open episodes of children aged 1 or more at month end"
kind = "percentage"
table = "episodes"
window = "snapshot"
start = "started_on"
end = "ended_on"
numerator = "age(born_on, period_end) >= 1"

[indicators.long_open]
title = "Open episodes that started more than 30 days before month end"
kind = "percentage"
table = "episodes"
window = "snapshot"
start = "started_on"
end = "ended_on"
numerator = "days(started_on, window_end) > 30 and born_on is not missing"

[indicators.mean_age_days]
title = "Mean age in days at month end of open episodes"
kind = "mean"
table = "episodes"
window = "snapshot"
start = "started_on"
end = "ended_on"
of = "days(born_on, period_end)"
""")


@given(episodes(max_rows=60), st.lists(st.one_of(st.none(), st.sampled_from(
    [datetime.date(2015, 3, 1), datetime.date(2016, 2, 29), datetime.date(2016, 6, 30)])), min_size=60, max_size=60))
def test_period_expressions_by_distinct_row_values_equal_evaluating_every_pair(episode_rows, births):
    """The engine evaluates an expression of few distinct row values once per value and
    period; that must give exactly what evaluating it on every (row, period) pair gives."""
    from indicators._table_evaluation import TableEvaluation

    table = dict(episode_rows, born_on=births[:len(episode_rows["child_id"])])
    fast = indicators.evaluate(AGE_PACK, {"episodes": table}, "2016-01", "2017-03").to_json()
    original = TableEvaluation.pair_value_by_rows
    TableEvaluation.pair_value_by_rows = lambda self, source, node, rows, periods: None
    try:
        slow = indicators.evaluate(AGE_PACK, {"episodes": table}, "2016-01", "2017-03").to_json()
    finally:
        TableEvaluation.pair_value_by_rows = original
    assert fast == slow


@pytest.mark.parametrize("as_masks", [True, False])
def test_a_period_expression_is_evaluated_once_per_distinct_value_and_period(monkeypatch, as_masks):
    from indicators._table_evaluation import TableEvaluation

    calls = []
    original = TableEvaluation.pair_value_by_rows

    def spy(self, source, node, rows, periods):
        value = original(self, source, node, rows, periods)
        calls.append((to_text(node), value is not None))
        return value

    monkeypatch.setattr(TableEvaluation, "pair_value_by_rows", spy)
    as_bits = spy_masks(monkeypatch)
    if not as_masks:  # judged on the pairs, whose values it gives by distinct value and period
        monkeypatch.setattr(TableEvaluation, "masks", lambda self, measure, selection, exprs=(): None)
    born = ["2015-03-01", "2016-02-29", None] * 40
    table = {"child_id": list(range(120)), "started_on": ["2015-12-01"] * 120, "ended_on": [None] * 120,
             "born_on": born}
    result = indicators.evaluate(AGE_PACK, {"episodes": table}, "2016-01", "2017-03")
    if as_masks:  # judged once per (birth date, month) cell as bits
        assert ("born_on",) in as_bits and "(age(born_on, period_end) >= 1)" not in [text for text, _ in calls]
    else:
        assert ("(age(born_on, period_end) >= 1)", True) in calls
    # a 29 February birthday comes on 1 March in other years; a missing birth date is not >= 1
    assert [(40, 120), (80, 120)] == [(r.numerator, r.denominator) for r in (
        result.get("older_open", "2017-02"), result.get("older_open", "2017-03"))]


CELLS_PACK = pack_from("""
[tables.contacts.columns]
child_id = "int"
received_on = "date"

[tables.episodes.columns]
child_id = "int"
started_on = "date"
ended_on = "date"
team = "str"

[indicators.looked_up]
title = "Episodes of children with contacts this year, of those with any contact lately"
kind = "percentage"
table = "episodes"
window = "snapshot"
start = "started_on"
end = "ended_on"
where = "last_contact_on is not missing and days(last_contact_on, period_end) <= 200"
numerator = "contacts_ytd >= 2"

[indicators.looked_up.lookups]
contacts_ytd = { table = "contacts", key = "child_id", date = "received_on", window = "ytd", aggregate = "count" }
last_contact_on = { table = "contacts", key = "child_id", date = "received_on", aggregate = "max(received_on)" }

[indicators.never_contacted]
title = "Open episodes of no child with a contact so far (none without a child has one)"
kind = "count"
table = "episodes"
window = "snapshot"
start = "started_on"
end = "ended_on"
where = "last_contact_on is missing"

[indicators.never_contacted.lookups]
last_contact_on = { table = "contacts", key = "child_id", date = "received_on", aggregate = "max(received_on)" }

[indicators.children_looked_up]
title = "Children with episodes and a contact in the last 3 months"
kind = "count"
table = "episodes"
window = "snapshot"
start = "started_on"
end = "ended_on"
distinct = "child_id"
where = "child_id is not missing and contacts_3m >= 1"

[indicators.children_looked_up.lookups]
contacts_3m = { table = "contacts", key = "child_id", date = "received_on", window = "rolling_3", aggregate = "count" }

[indicators.by_team]
title = "Children with Duty 1 episodes or two contacts this year"
kind = "count"
table = "episodes"
window = "snapshot"
start = "started_on"
end = "ended_on"
distinct = "child_id"
where = "team == 'Duty 1' or contacts_ytd >= 2"

[indicators.by_team.lookups]
contacts_ytd = { table = "contacts", key = "child_id", date = "received_on", window = "ytd", aggregate = "count" }

[indicators.long_months]
title = "Episodes without a team, in months of 30 days or more"
kind = "percentage"
table = "episodes"
window = "snapshot"
start = "started_on"
end = "ended_on"
where = "days(period_start, period_end) >= 29"
numerator = "team is missing"
""")

KEYS = st.one_of(st.none(), st.integers(1, 4))
EARLY_DAY = st.dates(datetime.date(2015, 10, 1), datetime.date(2016, 6, 30))  # long episodes: many pairs


@st.composite
def shared_episodes(draw) -> dict:
    """Many episodes over few children (some missing): more (row, month) pairs than
    (child, month) cells, so that cells stand for the pairs."""
    n = draw(st.integers(0, 60))
    return {"child_id": draw(st.lists(KEYS, min_size=n, max_size=n)),
            "started_on": draw(st.lists(st.one_of(st.none(), EARLY_DAY), min_size=n, max_size=n)),
            "ended_on": draw(st.lists(MAYBE_DAY, min_size=n, max_size=n)),
            "team": draw(team_column(n))}


def judged(tables: dict, by: str, start: str = "2016-01", end: str = "2017-03") -> str:
    """CELLS_PACK's JSON with the filters on (row, month) pairs judged as the engine
    chooses (``"masks"``: as bits where the months fit a mask), by cells at most
    (``"cells"``) or on every pair (``"pairs"``)."""
    from indicators._table_evaluation import TableEvaluation

    with pytest.MonkeyPatch.context() as monkeypatch:
        if by in ("cells", "pairs"):
            monkeypatch.setattr(TableEvaluation, "masks", lambda self, measure, selection, exprs=(): None)
        if by == "pairs":
            monkeypatch.setattr(TableEvaluation, "cells", lambda self, measure, selection, exprs=(), each=None: None)
        return indicators.evaluate(CELLS_PACK, tables, start, end).to_json()


def spy_masks(monkeypatch) -> list:
    """The columns deciding each condition judged as bits in an evaluation."""
    from indicators._table_evaluation import TableEvaluation
    from indicators._work import cell_columns

    judged_as_bits = []
    original = TableEvaluation._judge_cells

    def spy(self, measure, expr, rows, n_pairs):
        judged_as_bits.append(cell_columns(measure, [expr]))
        return original(self, measure, expr, rows, n_pairs)

    monkeypatch.setattr(TableEvaluation, "_judge_cells", spy)
    return judged_as_bits


def spy_cells(monkeypatch) -> list:
    """The (columns, whether cells were made) of every cells step an evaluation tries."""
    from indicators._table_evaluation import TableEvaluation

    made = []
    original = TableEvaluation._cells

    def spy(self, measure, selection, judged, columns):
        frame = original(self, measure, selection, judged, columns)
        made.append((columns, frame is not None))
        return frame

    monkeypatch.setattr(TableEvaluation, "_cells", spy)
    return made


@pytest.mark.parametrize("by", ["masks", "cells"])
@given(contacts(), shared_episodes())
def test_filters_judged_per_cell_equal_judging_every_pair(by, contact_rows, episode_rows):
    """Filters on (row, month) pairs are judged once per (values, month) cell of the
    columns that decide them (a lookup's key, a team, none), read back as each row's
    months (masks) or each cell weighing its rows (cells); counts, distinct counts, the
    numerator's unknown rows and the row accounting must equal judging every pair."""
    tables = {"contacts": contact_rows, "episodes": episode_rows}
    assert judged(tables, by) == judged(tables, "pairs")  # figures, notes and rows left out by reason


@pytest.mark.parametrize("fast_ufunc_at", [True, False])
@given(contacts(), shared_episodes())
def test_distinct_counts_by_bits_equal_with_either_way_of_merging_masks(fast_ufunc_at, contact_rows, episode_rows):
    """Distinct children by bits or each child's months together by ``bitwise_or.at`` (numpy
    1.25 on) or after a sort of the children (before, where ``ufunc.at`` is slow): both
    give what judging every pair gives."""
    tables = {"contacts": contact_rows, "episodes": episode_rows}
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(_windows, "FAST_UFUNC_AT", fast_ufunc_at)
        assert judged(tables, "masks") == judged(tables, "pairs")


@pytest.mark.parametrize("months", [62, 63])
def test_masks_hold_runs_of_up_to_62_months_and_longer_runs_judge_cells(monkeypatch, months):
    """A run's months and the month before its first (which the change from the month
    before reads) are the bits of one 64-bit integer up to 63 of them (the last month its
    top bit); a longer run judges cells, with the same figures as every pair."""
    rng = random.Random(months)
    day = lambda: datetime.date(2011, 1, 1) + datetime.timedelta(days=rng.randrange(2400))  # noqa: E731
    tables = {
        "contacts": {"child_id": [rng.choice([1, 2, 3, None]) for _ in range(300)],
                     "received_on": [day() for _ in range(300)]},
        "episodes": {"child_id": [rng.choice([1, 2, 3, 4, None]) for _ in range(60)],
                     "started_on": [rng.choice([day(), None]) for _ in range(60)],
                     "ended_on": [rng.choice([day(), None, None]) for _ in range(60)],
                     "team": [rng.choice(["Duty 1", "Duty 2", None]) for _ in range(60)]}}
    end = f"{2011 + (months - 1) // 12}-{(months - 1) % 12 + 1:02d}"
    as_bits = spy_masks(monkeypatch)
    fast = judged(tables, "masks", "2011-01", end)
    assert bool(as_bits) == (months <= 62)
    assert len(json.loads(fast)) == months * len(CELLS_PACK.indicators)
    assert fast == judged(tables, "pairs", "2011-01", end)


@pytest.mark.parametrize("by", ["masks", "cells"])
def test_cells_of_several_columns_equal_the_pairs_on_a_larger_table(monkeypatch, by):
    """Long episodes of few children and teams: cells of (child, team), of no column and
    of the team alone stand for the pairs, and give what judging every pair gives."""
    rng = random.Random(7)
    n = 400
    day = lambda: datetime.date(2015, 10, 1) + datetime.timedelta(days=rng.randrange(600))  # noqa: E731
    tables = {
        "contacts": {"child_id": [rng.choice([1, 2, 3, None]) for _ in range(80)],
                     "received_on": [day() for _ in range(80)]},
        "episodes": {"child_id": [rng.choice([1, 2, 3, 4, 5, None]) for _ in range(n)],
                     "started_on": [rng.choice([day(), None]) for _ in range(n)],
                     "ended_on": [rng.choice([day(), None, None]) for _ in range(n)],
                     "team": [rng.choice(["Duty 1", "Duty 2", None]) for _ in range(n)]}}
    made, as_bits = spy_cells(monkeypatch), spy_masks(monkeypatch)
    fast = judged(tables, by)
    used = set(as_bits) if by == "masks" else {columns for columns, cells in made if cells}
    assert {("child_id",), ("child_id", "team"), (), ("team",)} <= used
    assert fast == judged(tables, "pairs")


@pytest.mark.parametrize("by", ["masks", "cells"])
def test_cells_stand_for_the_pairs_where_they_are_fewer(monkeypatch, by):
    made, as_bits = spy_cells(monkeypatch), spy_masks(monkeypatch)
    if by == "cells":
        from indicators._table_evaluation import TableEvaluation
        monkeypatch.setattr(TableEvaluation, "masks", lambda self, measure, selection, exprs=(): None)
    contacts_table = {"child_id": [1, 1, 2], "received_on": ["2016-04-04", "2016-05-02", "2016-06-01"]}
    episodes_table = {"child_id": [1, 1, 1, 2, None, None], "started_on": ["2016-01-01"] * 6,
                      "ended_on": [None] * 6, "team": ["Duty 2"] * 6}
    result = indicators.evaluate(CELLS_PACK, {"contacts": contacts_table, "episodes": episodes_table},
                                 "2016-04", "2016-06")
    assert ("child_id",) in (as_bits if by == "masks" else [columns for columns, cells in made if cells])
    # June: child 1 has 2 contacts this year (3 episodes), child 2 one (1 episode); the 2
    # episodes without a child match no contact
    june = result.get("looked_up", "2016-06")
    assert (3, 4) == (june.numerator, june.denominator)
    # children with a contact in the 3 months to each month end: 1 in April and May, both in June
    assert [1, 1, 2] == [result.get("children_looked_up", m).numerator for m in ("2016-04", "2016-05", "2016-06")]


REASONS_PACK = pack_from("""
[indicators.quick_referrals]
title = "Referral contacts decided within a day"
kind = "percentage"
table = "contacts"
date = "received_on"
where = "outcome == 'referral'"
numerator = "days(received_on, decided_on) <= 1"
""")


@given(contacts())
def test_each_reason_counts_the_rows_it_names(contact_rows):
    """Rows left out by a where that is false or cannot be judged, and by a numerator
    condition that is false or cannot be judged, counted directly from the rows."""
    results = indicators.evaluate(REASONS_PACK, {"contacts": contact_rows}, "2016-03", "2017-05")
    rows = list(zip(contact_rows["received_on"], contact_rows["decided_on"], contact_rows["outcome"]))
    for result in results:
        inside = [r for r in rows if r[0] is not None and result.window_start <= r[0].isoformat() <= result.window_end]
        cohort = [r for r in inside if r[2] == "referral"]
        undecided = [r for r in cohort if r[1] is None]
        quick = [r for r in cohort if r[1] is not None and (r[1] - r[0]).days <= 1]
        expected = {"where unknown": sum(r[2] is None for r in inside),
                    "where false": sum(r[2] not in (None, "referral") for r in inside)}
        assert {"in_window": len(inside), "used": len(cohort),
                "left_out": {k: v for k, v in expected.items() if v}} == result.rows["denominator"]
        expected.update({"numerator condition unknown": len(undecided),
                         "numerator condition false": len(cohort) - len(undecided) - len(quick)})
        assert {"in_window": len(inside), "used": len(quick),
                "left_out": {k: v for k, v in sorted(expected.items()) if v}} == result.rows["numerator"]


@contextlib.contextmanager
def blocks_of(rows: int):
    """Passes over a table in blocks of ``rows`` rows (65,536 in use), so that small
    tables take the block-wise paths that only large ones take otherwise."""
    saved = _arrays.CHUNK_ROWS
    _arrays.CHUNK_ROWS = rows
    try:
        yield
    finally:
        _arrays.CHUNK_ROWS = saved


@given(st.one_of(st.just(COMMON + OPEN_EPISODES), indicator_packs()),
       with_teams(contacts(max_rows=80)), with_teams(episodes(max_rows=40)), st.integers(1, 9))
def test_block_wise_passes_give_the_whole_table_results(text, contact_rows, episode_rows, rows):
    """Filters, durations, placements, working days and duplicate digests taken block by
    block give every figure, note and row count exactly as whole-table passes do."""
    pack = pack_from(text)
    tables = {"contacts": contact_rows, "episodes": episode_rows}
    whole = indicators.evaluate(pack, tables, "2016-03", "2017-02").to_json()
    with blocks_of(rows):
        assert indicators.evaluate(pack, tables, "2016-03", "2017-02").to_json() == whole


@given(st.one_of(st.just(COMMON + OPEN_EPISODES), indicator_packs()),
       with_teams(contacts(max_rows=80)), with_teams(episodes(max_rows=40)), st.sampled_from([16, 64, 128]))
def test_sorts_by_buckets_give_the_results_of_one_sort(text, contact_rows, episode_rows, row_bytes):
    """Every sort of the engine (previous(), duplicate digests, distinct keys, lookups,
    medians) done by buckets, in rows so short that buckets overflow them, gives every
    figure, note and row count exactly as numpy's one sort does."""
    pack = pack_from(text)
    tables = {"contacts": contact_rows, "episodes": episode_rows}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_sorting, "BUCKETED_SORT", False)
        one_sort = indicators.evaluate(pack, tables, "2016-03", "2017-02").to_json()
        patch.setattr(_sorting, "BUCKETED_SORT", True)
        patch.setattr(_sorting, "BUCKETED_SORT_ROWS", 0)
        patch.setattr(_sorting, "_ROW_BYTES", row_bytes)
        assert indicators.evaluate(pack, tables, "2016-03", "2017-02").to_json() == one_sort


SHARING_PACK = pack_from(COMMON.split("[indicators.decided_1wd]")[0] + """
[indicators.timely]
title = "Decided within 1 working day"
kind = "percentage"
table = "contacts"
date = "received_on"
where = "outcome is not missing"
numerator = "working_days(received_on, decided_on) <= 1"

[indicators.lag]
title = "Median days to decision"
kind = "median"
table = "contacts"
date = "received_on"
of = "days(received_on, decided_on)"

[indicators.quick_nfa]
title = "Contacts with no further action within 5 days"
kind = "count"
table = "contacts"
date = "received_on"
where = "outcome == 'nfa' and days(received_on, decided_on) <= 5"
""" + OPEN_WITH_CONTACT + OPEN_EPISODES)


@given(contacts(), episodes())
def test_an_indicator_reads_alike_alone_and_beside_others(contact_rows, episode_rows):
    """Work shared between indicators (one reasons pass counting a chain of filters, the
    durations' negative rows and the lookup keys' missing rows as more bits of its codes)
    gives each indicator exactly what it gives evaluated alone."""
    tables = {"contacts": contact_rows, "episodes": episode_rows}
    steps = indicators.compile(SHARING_PACK).steps
    assert any(step.kind == "reasons" and step.key.durations for step in steps)  # notes folded into passes
    assert any(step.kind == "reasons" and step.key.missing for step in steps)
    together = indicators.evaluate(SHARING_PACK, tables, "2016-03", "2017-02").to_records()
    for ident in SHARING_PACK.indicators:
        (alone,) = indicators.select([SHARING_PACK], [ident])
        assert [r for r in together if r["indicator"] == ident] == \
            indicators.evaluate(alone, tables, "2016-03", "2017-02").to_records()


@given(indicator_packs(), with_teams(contacts(max_rows=40)), with_teams(episodes(max_rows=20)), st.booleans())
def test_event_windows_counted_by_period_ranges_equal_those_counted_by_month(text, contact_rows, episode_rows,
                                                                             by_team):
    """Past a histogram size (a breakdown by many groups) event passes count each window's
    period ranges instead of months: the results are the same."""
    pack = pack_from(text)
    tables = {"contacts": contact_rows, "episodes": episode_rows}
    options = {"by": ["team"]} if by_team else {}
    by_months = indicators.evaluate(pack, tables, "2016-03", "2017-02", **options).to_json()
    saved = _windows.MONTH_HISTOGRAM_CELLS
    _windows.MONTH_HISTOGRAM_CELLS = 0
    try:
        assert indicators.evaluate(pack, tables, "2016-03", "2017-02", **options).to_json() == by_months
    finally:
        _windows.MONTH_HISTOGRAM_CELLS = saved
