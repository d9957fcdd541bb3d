"""Lookups: per-key aggregates of another table for each period's window (SPEC section 6)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, strategies as st

from conftest import run

PLACEMENTS_PACK = """
[indicators.lac_3_placements]
title = "Looked-after children with 3 or more placements in the last 12 months"
kind = "percentage"
table = "care"
window = "snapshot"
start = "started_on"
end = "ended_on"
numerator = "placements_12m >= 3"
polarity = "lower_is_better"

[indicators.lac_3_placements.lookups]
placements_12m = { table = "placements", key = "child_id", date = "started_on", window = "rolling_12", aggregate = "count" }
"""

CARE = {"child_id": [1, 2, 3, None], "started_on": ["2015-01-01"] * 4, "ended_on": [None] * 4}
PLACEMENTS = {"child_id": [1, 1, 1, 2, 2, 2, 2, 3],
              "started_on": ["2016-02-01", "2016-06-01", "2016-12-01",  # child 1: 3 within 12m of Jan 17
                             "2015-12-31", "2016-03-01", "2016-04-01", "2017-02-01",  # child 2: 2 in window
                             "2017-01-10"]}


def test_three_or_more_placements_in_the_last_12_months():
    results = run(PLACEMENTS_PACK, {"care": CARE, "placements": PLACEMENTS}, "2017-01", "2017-02")
    january, february = results
    assert (1, 4) == (january.numerator, january.denominator)
    # February's window drops 2016-02-01 for child 1 but adds 2017-02-01 for child 2
    assert (1, 4) == (february.numerator, february.denominator)
    assert {"lookup key missing (placements_12m)": 1} == january.notes


@pytest.mark.parametrize("n_placements", [255, 256, 70_000])
def test_a_lookup_count_past_a_small_integer_type_is_read_whole(n_placements):
    """Counts are held as narrow as their largest allows: past 255 (or 65,535) the count
    is still read whole, and arithmetic on it is on ordinary integers."""
    pack = PLACEMENTS_PACK.replace('numerator = "placements_12m >= 3"',
                                   f'numerator = "placements_12m * 70000 == {n_placements * 70000}"')
    placements = {"child_id": [1] * n_placements, "started_on": ["2016-06-01"] * n_placements}
    result = run(pack, {"care": CARE, "placements": placements}, "2017-01")[0]
    assert (1, 4) == (result.numerator, result.denominator)


def test_lookup_counts_are_zero_without_matches_and_missing_keys_match_nothing():
    pack = PLACEMENTS_PACK.replace('numerator = "placements_12m >= 3"', 'numerator = "placements_12m == 0"')
    result = run(pack, {"care": CARE, "placements": {"child_id": [9], "started_on": ["2017-01-01"]}},
                 "2017-01")[0]
    assert (4, 4) == (result.numerator, result.denominator)


VISITS_PACK = """
[indicators.cp_visits]
title = "Children on a plan visited within 10 working days of month end"
kind = "percentage"
table = "plans"
window = "snapshot"
start = "started_on"
end = "ended_on"
numerator = "working_days(last_visit, period_end) <= 10"
polarity = "higher_is_better"

[indicators.cp_visits.lookups]
last_visit = { table = "visits", key = "child_id", date = "visited_on", window = "to_date", aggregate = "max(visited_on)" }
"""


def test_last_visit_to_date_changes_with_each_period():
    plans = {"child_id": [1, 2], "started_on": ["2016-06-01", "2016-06-01"], "ended_on": [None, None]}
    visits = {"child_id": [1, 1, 2], "visited_on": ["2016-12-20", "2017-01-25", "2016-11-01"]}
    december, january = run(VISITS_PACK, {"plans": plans, "visits": visits}, "2016-12", "2017-01")
    assert (1, 2) == (december.numerator, december.denominator)  # child 1 seen 20 Dec
    assert (1, 2) == (january.numerator, january.denominator)  # child 1 seen 25 Jan; child 2 not since Nov
    assert {"numerator unknown (missing values)": 0}.keys().isdisjoint(december.notes)


def test_child_never_visited_makes_the_numerator_unknown_and_is_noted():
    plans = {"child_id": [1, 2], "started_on": ["2016-06-01", "2016-06-01"], "ended_on": [None, None]}
    visits = {"child_id": [1], "visited_on": ["2017-01-25"]}
    (january,) = run(VISITS_PACK, {"plans": plans, "visits": visits}, "2017-01")
    assert (1, 2) == (january.numerator, january.denominator)
    assert {"numerator unknown (missing values)": 1} == january.notes


@pytest.mark.parametrize("aggregate, expected", [
    ("count", 3), ("count_distinct(kind)", 2), ("sum(hours)", 6), ("min(hours)", 1), ("max(hours)", 3),
    ("mean(hours)", 2.0)])
def test_every_aggregate_with_a_where(aggregate, expected):
    pack = f"""
    [indicators.total]
    title = "Total"
    kind = "sum"
    table = "children"
    window = "snapshot"
    start = "since"
    of = "agg"

    [indicators.total.lookups]
    agg = {{ table = "sessions", key = "child_id", date = "held_on", window = "month", aggregate = "{aggregate}", where = "hours > 0" }}
    """
    children = {"child_id": [1], "since": ["2016-01-01"]}
    sessions = {"child_id": [1, 1, 1, 1, 2], "held_on": ["2017-01-02", "2017-01-03", "2017-01-04", "2017-01-05", "2017-01-05"],
                "hours": [1, 2, 3, 0, 5], "kind": ["a", "b", "a", "c", "a"]}
    (result,) = run(pack, {"children": children, "sessions": sessions}, "2017-01")
    assert expected == result.value


def test_lookup_on_a_column_of_another_name():
    pack = """
    [indicators.n]
    title = "N"
    table = "plans"
    window = "snapshot"
    start = "started_on"
    where = "reviews >= 1"

    [indicators.n.lookups]
    reviews = { table = "reviews", key = "child_id", on = "child", date = "held_on", window = "to_date", aggregate = "count" }
    """
    data = {"plans": {"child": ["A", "B"], "started_on": ["2016-01-01", "2016-01-01"]},
            "reviews": {"child_id": ["B"], "held_on": ["2016-05-01"]}}
    assert 1 == run(pack, data, "2017-01")[0].numerator



@given(st.lists(st.one_of(st.none(), st.integers(-5, 40), st.just(-2**63)), max_size=30),
       st.lists(st.one_of(st.none(), st.integers(-50, 10**9), st.sampled_from([-2**63, -2**63 + 1, 2**63 - 1])),
                max_size=30), st.booleans())
def test_key_codes_match_equal_keys_whichever_way_they_are_built(own, other, table):
    """Codes (a table of codes or a rank dictionary over the keys' span, or sorting) equal
    exactly where the keys are equal, also for keys at the ends of the integers (whose
    offsets from the smallest key wrap)."""
    import numpy as np

    import indicators._arrays
    from indicators._grids import shared_codes
    from indicators._vectors import Vec

    def vec(values):
        data = np.array([0 if v is None else v for v in values], dtype=np.int64)
        return Vec("int", data, np.array([v is None for v in values], dtype=bool))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(indicators._arrays, "TABLE_SPAN_PER_VALUE", 2**40 if table else 0)
        patch.setattr(indicators._arrays, "TABLE_SPAN_LIMIT", 2**62 if table else 0)
        own_codes, other_codes, n_keys = shared_codes(vec(own), vec(other))
    distinct = sorted({v for v in own if v is not None})
    assert max(len(distinct), 1) == n_keys
    for value, code in zip(own, own_codes):
        assert code == (-1 if value is None else distinct.index(value))
    for value, code in zip(other, other_codes):
        assert code == (distinct.index(value) if value in distinct else -1)


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 5), st.booleans(),
                          st.one_of(st.none(), st.integers(-50, 50), st.sampled_from([-2**63, 2**63 - 1]))),
                max_size=30),
       st.sampled_from(["count", "sum", "mean", "min", "max"]), st.booleans())
@example([(0, 1, True, -2**63), (1, 2, True, 5)], "max", True)
@example([(0, 1, True, 2**63 - 1)], "min", True)
def test_a_grid_from_period_ranges_is_the_aggregate_of_each_cells_rows(rows, aggregate, to_date):
    """A lookup grid built from each row's range of periods (difference arrays, running
    extremes for windows open to the past) holds, in every (key, period) cell, the
    aggregate of the rows whose range covers it; empty cells hold 0 and have no value, also
    where a value is an extreme's starting point (the smallest or largest integer)."""
    from indicators._grids import grid_from_ranges
    from indicators._vectors import Vec

    if aggregate in ("min", "max") and not to_date:
        to_date = True  # running extremes are only for windows open to the past
    n_keys, n_periods = 4, 6
    codes = np.array([k for k, _, _, _ in rows], dtype=np.int64)
    lo = np.array([p for _, p, _, _ in rows], dtype=np.int64)
    hi = np.array([n_periods if to_date else min(p + 2, n_periods) for _, p, _, _ in rows], dtype=np.int64)
    values = [v if aggregate in ("min", "max") or v is None or abs(v) <= 50 else 0 for _, _, _, v in rows]
    keep = np.array([kept and v is not None for _, _, kept, v in rows], dtype=bool)
    column = Vec("int", np.array([0 if v is None else v for v in values], dtype=np.int64),
                 np.array([v is None for v in values], dtype=bool))
    grid, has, _, stride = grid_from_ranges(aggregate, codes, lo, hi, keep, column, n_keys, n_periods)
    assert stride >= n_periods
    for k in range(n_keys):
        for p in range(n_periods):
            held = [values[i] for i in range(len(rows)) if keep[i] and codes[i] == k and lo[i] <= p < hi[i]]
            cell = grid[k * stride + p]
            if aggregate == "count":
                assert cell == len(held)
                continue
            assert bool(has[k * stride + p]) == bool(held)
            if not held:
                assert cell == 0
            elif aggregate == "sum":
                assert cell == sum(held)
            elif aggregate == "mean":
                assert cell == pytest.approx(sum(held) / len(held))
            else:
                assert cell == (min(held) if aggregate == "min" else max(held))


@pytest.mark.parametrize("block", [1, 3, 1 << 16])
def test_a_lookup_filter_on_many_pairs_is_judged_block_by_block_and_text_once(monkeypatch, block):
    """A filter over (row, month) pairs that reads a lookup is judged a few pairs at a time
    (the lookup's values are never held for every pair), with the figures of a judgement
    of every pair at once; one that also compares text columns is judged at once, so that
    the columns' categories are matched once, not once a block."""
    import indicators._arrays
    import indicators._vectors
    from indicators._pairs import PairFrame
    from indicators._table_evaluation import TableEvaluation

    # on the pairs themselves (masks, judged by cells, follow the same rule: the next test)
    monkeypatch.setattr(TableEvaluation, "masks", lambda self, measure, selection, exprs=(): None)

    pack = PLACEMENTS_PACK.replace('numerator = "placements_12m >= 3"',
                                   'numerator = "placements_12m >= 3 and worker != allocated"')
    care = {**CARE, "worker": ["a", "b", "c", "d"], "allocated": ["a", "x", "y", "d"]}
    tables = {"care": care, "placements": PLACEMENTS}
    whole = run(pack, tables, "2017-01", "2017-02")
    by_blocks = run(PLACEMENTS_PACK, tables, "2017-01", "2017-02")
    matched, judged_on = [], []
    unify = indicators._vectors.unify_strings
    monkeypatch.setattr(indicators._vectors, "unify_strings", lambda a, b: matched.append(len(a)) or unify(a, b))
    evaluate = PairFrame._evaluate
    monkeypatch.setattr(PairFrame, "_evaluate", lambda self, node: judged_on.append(self.context_at is not None
                                                                                     and self.by_blocks(node))
                        or evaluate(self, node))
    monkeypatch.setattr(indicators._arrays, "CHUNK_ROWS", block)
    def figures(results):
        return [(r.period, r.numerator, r.denominator, r.notes) for r in results]

    assert figures(whole) == figures(run(pack, tables, "2017-01", "2017-02"))
    assert figures(by_blocks) == figures(run(PLACEMENTS_PACK, tables, "2017-01", "2017-02"))
    assert [(1, 4), (1, 4)] == [(r.numerator, r.denominator) for r in by_blocks]
    assert [(0, 4), (1, 4)] == [(r.numerator, r.denominator) for r in whole]  # child 1's worker is allocated
    assert [False, True] == judged_on  # the text comparison at once, the lookup's alone by blocks
    assert len(matched) == 1  # the care's text columns matched once, over all their pairs


@pytest.mark.parametrize("block", [1, 3, 1 << 16])
def test_a_lookup_filter_judged_as_bits_reads_its_cells_by_blocks_and_text_once(monkeypatch, block):
    """Judged as bits (each row's months in one integer), a filter that reads a lookup is
    judged on its (child, month) cells a few at a time, and one that also compares text
    columns at once, so that their categories are matched once; the figures are those of
    judging every pair."""
    import indicators._arrays
    import indicators._vectors
    from indicators._table_evaluation import TableEvaluation

    pack = PLACEMENTS_PACK.replace('numerator = "placements_12m >= 3"',
                                   'numerator = "placements_12m >= 3 and worker != allocated"')
    care = {name: values * 20 for name, values in
            {**CARE, "worker": ["a", "b", "c", "d"], "allocated": ["a", "x", "y", "d"]}.items()}
    tables = {"care": care, "placements": PLACEMENTS}

    def figures(results):
        return [(r.period, r.numerator, r.denominator, r.notes) for r in results]

    with monkeypatch.context() as by_pairs:
        by_pairs.setattr(TableEvaluation, "masks", lambda self, measure, selection, exprs=(): None)
        by_pairs.setattr(TableEvaluation, "cells", lambda self, measure, selection, exprs=(), each=None: None)
        pairs_whole = figures(run(pack, tables, "2017-01", "2017-02"))
        pairs_lookup = figures(run(PLACEMENTS_PACK, tables, "2017-01", "2017-02"))
    matched, cell_contexts = [], []
    unify = indicators._vectors.unify_strings
    monkeypatch.setattr(indicators._vectors, "unify_strings", lambda a, b: matched.append(len(a)) or unify(a, b))
    context = TableEvaluation.pair_context
    monkeypatch.setattr(TableEvaluation, "pair_context", lambda self, source, rows, periods, lookups=None: (
        lookups is not None and cell_contexts.append(rows.size)) or context(self, source, rows, periods, lookups))
    monkeypatch.setattr(indicators._arrays, "CHUNK_ROWS", block)

    assert figures(run(pack, tables, "2017-01", "2017-02")) == pairs_whole
    assert [(0, 80), (20, 80)] == [(numerator, denominator) for _, numerator, denominator, _ in pairs_whole]
    assert len(cell_contexts) == 1 and len(matched) == 1  # at once: the text columns matched once
    cell_contexts.clear()
    assert figures(run(PLACEMENTS_PACK, tables, "2017-01", "2017-02")) == pairs_lookup
    # 3 children and a missing one, by 3 months (the run's and the month before, which the
    # change from the month before reads): 12 cells, one child's 3 a block in small blocks
    assert cell_contexts == ([3, 3, 3, 3] if block < 6 else [12])


def test_under_a_memory_budget_the_pairs_fit_bits_give_way_to_them():
    """A condition judged at once (it compares text) on (child, month) cells a little more
    numerous than the pairs: under a budget the pairs fit and the cells would not, the
    evaluation judges the pairs rather than failing."""
    from indicators._memory import BYTES_PER_PAIR

    pack = PLACEMENTS_PACK.replace('numerator = "placements_12m >= 3"',
                                   'numerator = "placements_12m >= 1 and child_id != \'c6\'"')
    n = 300  # one episode a child, open in 12 of the 13 months (the run's and the one before)
    care = {"child_id": [f"c{i}" for i in range(n)], "started_on": ["2016-01-15"] * n, "ended_on": [None] * n}
    placements = {"child_id": [f"c{i}" for i in range(0, n, 3)], "started_on": ["2016-06-01"] * (n // 3)}
    tables = {"care": care, "placements": placements}
    budget = BYTES_PER_PAIR * n * 12  # the pairs, not the 300 x 13 cells
    results = run(pack, tables, "2016-01", "2016-12", memory_budget=budget)
    assert not results.failures
    assert [0] * 5 + [99] * 7 == [r.numerator for r in results]  # 100 children have one; c6 is left out


def test_bits_make_the_grids_of_the_lookups_their_condition_reads_alone():
    """An indicator declaring two lookups whose filter on pairs reads one: judging it as
    bits makes that one's grid, not the other's (as judging the pairs does)."""
    import indicators._run

    pack = PLACEMENTS_PACK.replace(
        'placements_12m = {',
        'unused = { table = "placements", key = "child_id", date = "started_on", aggregate = "max(started_on)" }\n'
        'placements_12m = {')
    made = []
    compute_grid = indicators._run.Run._compute_grid

    def spied(self, lookup, measure):
        made.append(lookup.name)
        return compute_grid(self, lookup, measure)

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(indicators._run.Run, "_compute_grid", spied)
        results = run(pack, {"care": CARE, "placements": PLACEMENTS}, "2017-01", "2017-02")
    assert made == ["placements_12m"]
    assert [(1, 4), (1, 4)] == [(r.numerator, r.denominator) for r in results]
