"""Aggregates over what each value of a column holds (`each`): caseloads from case data."""

from __future__ import annotations

import json
import random
import statistics
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import indicators
from conftest import pack_from, run
from indicators import _table_aggregates

CASELOAD = """
[indicators.caseload]
title = "Average caseload: duty team"
kind = "mean"
table = "episodes"
window = "snapshot"
start = "started_on"
end = "ended_on"
where = "team == 'duty'"
each = "worker_id"
"""

EPISODES = {"episodes": {
    "child_id": [1, 2, 3, 4, 5, 6, 6, 7],
    "worker_id": [10, 10, 10, 11, None, 12, 12, 12],
    "team": ["duty", "duty", "duty", "duty", "duty", "lac", "duty", "duty"],
    "started_on": ["2016-12-01", "2016-12-05", "2017-01-10", "2016-11-01", "2016-12-01", "2016-12-01",
                   "2016-12-01", "2016-12-02"],
    "ended_on": [None, "2017-01-05", None, None, None, None, None, "2016-12-20"],
}}


@pytest.mark.parametrize("kind, december", [("mean", 4 / 3), ("max", 2.0), ("min", 1.0), ("median", 1.0),
                                            ("sum", 4.0)])
def test_each_workers_open_cases_at_month_end_are_aggregated(kind, december):
    """At 31 December: worker 10 holds children 1 and 2, worker 11 child 4, worker 12
    child 6 (its duty episode; child 7's closed on 20 December); child 5 has no worker."""
    (result,) = run(CASELOAD.replace('"mean"', f'"{kind}"'), EPISODES, "2016-12")
    assert (3, december) == (result.numerator, result.value)


def test_distinct_counts_children_not_episodes():
    episodes = {name: values + extra for (name, values), extra in zip(EPISODES["episodes"].items(), (
        [1], [10], ["duty"], ["2016-12-03"], [None]))}  # a second open episode of child 1, worker 10
    plain = run(CASELOAD.replace('"mean"', '"max"'), {"episodes": episodes}, "2016-12")
    distinct = run(CASELOAD.replace('"mean"', '"max"') + 'distinct = "child_id"\n', {"episodes": episodes},
                   "2016-12")
    assert [3.0] == [r.value for r in plain]  # three episodes
    assert [2.0] == [r.value for r in distinct]  # two children


def test_rows_without_a_holder_are_accounted_for():
    (record,) = json.loads(run(CASELOAD, EPISODES, "2016-12").to_json())
    assert {"in_window": 6, "used": 4, "left_out": {"missing worker_id": 1, "where false": 1}} == \
        record["rows"]["numerator"]


def test_a_month_with_no_cases_has_no_value():
    (result,) = run(CASELOAD, EPISODES, "2016-10")
    assert (0, None) == (result.numerator, result.value)


@pytest.mark.parametrize("addition, message", [
    ('of = "1"', "give of or each, not both"),
    ('each = 3', "each: expected a column name"),
])
def test_each_mistakes_are_load_errors(addition, message):
    with pytest.raises(indicators.PackError, match=message):
        pack_from(CASELOAD + addition + "\n" if "each" not in addition else
                  CASELOAD.replace('each = "worker_id"', addition))


def test_each_belongs_to_aggregate_kinds():
    with pytest.raises(indicators.PackError, match="each applies to mean, median, min, max, sum indicators"):
        pack_from(CASELOAD.replace('kind = "mean"', 'kind = "count"'))


def test_an_each_column_the_data_lacks_is_named():
    with pytest.raises(indicators.PackError, match="each names 'worker', which is not a column of table "
                                                   "'episodes'; did you mean 'worker_id'"):
        run(CASELOAD.replace('each = "worker_id"', 'each = "worker"'), EPISODES, "2016-12")


@pytest.mark.parametrize("distinct", [False, True])
@pytest.mark.parametrize("kind", ["mean", "median", "max"])
def test_chunks_of_the_table_merge_into_the_whole_tables_figures(kind, distinct):
    """A worker's cases may sit in several chunks: partials add their counts (or unite
    their distinct children) per worker before aggregating."""
    text = CASELOAD.replace('"mean"', f'"{kind}"') + ('distinct = "child_id"\n' if distinct else "")
    pack = pack_from(text)
    table = EPISODES["episodes"]
    whole = json.loads(indicators.evaluate(pack, EPISODES, "2016-11", "2017-01").to_json())
    n = len(table["child_id"])
    for seed in range(10):
        order = list(range(n))
        random.Random(seed).shuffle(order)
        cut = random.Random(seed).randint(0, n)
        chunks = [{"episodes": {c: [v[i] for i in part] for c, v in table.items()}}
                  for part in (order[:cut], order[cut:])]
        partials = [indicators.evaluate_partial(pack, chunk, "2016-11", "2017-01") for chunk in chunks]
        merged = json.loads(indicators.merge_partials(partials).results(pack).to_json())
        assert [{**r, "notes": {}} for r in whole] == [{**r, "notes": {}} for r in merged]  # duplicates note aside


def test_a_mean_and_a_largest_over_one_selection_share_who_holds_what(monkeypatch):
    """A mean caseload and the largest over the same rows are one holding, worked out once
    and listed as one step both use, each then aggregated its own way."""
    import indicators._table_aggregates as aggregates

    text = CASELOAD + CASELOAD.replace("[indicators.caseload]", "[indicators.caseload_max]").replace(
        'kind = "mean"', 'kind = "max"')
    pack = pack_from(text)
    (held,) = [s for s in indicators.compile(pack).steps if s.kind == "hold"]
    assert ("caseload", "caseload_max") == held.users
    assert 2 == len([s for s in indicators.compile(pack).steps if s.kind == "aggregate"])
    calls = []
    held_by_each = aggregates.held_by_each
    monkeypatch.setattr(aggregates, "held_by_each", lambda *args: calls.append(args) or held_by_each(*args))
    results = indicators.evaluate(pack, EPISODES, "2016-12", "2016-12")
    assert 1 == len(calls)
    assert (4 / 3, 2.0) == (results.get("caseload", "2016-12").value, results.get("caseload_max", "2016-12").value)


def test_the_plan_names_what_each_aggregates():
    (step,) = [s for s in indicators.compile(pack_from(CASELOAD)).steps if s.kind == "aggregate"]
    assert step.description.startswith("mean of rows held by each worker_id over: open at each month end")


MONTH_ENDS = [30, 60, 91, 122]  # 2016-10-31 .. 2017-01-31, as days after 2016-10-01
DAYS = st.one_of(st.integers(0, 125), st.sampled_from(MONTH_ENDS))


@pytest.mark.parametrize("path", ["ranges", "pairs", "pairs sorted"])
@given(st.lists(st.tuples(st.integers(1, 6), st.one_of(st.none(), st.integers(20, 24)), DAYS,
                          st.one_of(st.none(), DAYS)), max_size=40),
       st.sampled_from(["max", "min", "sum", "mean", "median"]), st.booleans())
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_each_equals_counting_every_holder_by_hand(monkeypatch, path, rows, kind, distinct):
    """What each worker holds at every month end (episodes open then, or their distinct
    children), aggregated over the workers holding any: from each row's range of months,
    or from (row, month) pairs (a filter reading the month makes them) counted per cell or
    sorted."""
    monkeypatch.setattr(_table_aggregates, "_COUNTED_CELLS_PER_ROW", -10**9 if path == "pairs sorted" else 4)
    rows = [(child, worker, start if end is None else min(start, end), end if end is None else max(start, end))
            for child, worker, start, end in rows]
    base = date(2016, 10, 1)
    day = lambda offset: None if offset is None else (base + timedelta(days=offset)).isoformat()  # noqa: E731
    text = CASELOAD.replace('"mean"', f'"{kind}"').replace('where = "team == \'duty\'"\n', "")
    text += 'distinct = "child_id"\n' if distinct else ""
    text += 'where = "started_on <= window_end"\n' if path != "ranges" else ""  # true of every open row
    data = {"episodes": {"child_id": [r[0] for r in rows], "worker_id": [r[1] for r in rows],
                         "started_on": [day(r[2]) for r in rows], "ended_on": [day(r[3]) for r in rows]}}
    results = run(text, data, "2016-10", "2017-01") if rows else []
    for month_end, result in zip(MONTH_ENDS, results):
        held: dict[int, set] = {}
        for i, (child, worker, start, end) in enumerate(rows):
            if worker is not None and start <= month_end and (end is None or end > month_end):
                held.setdefault(worker, set()).add(child if distinct else i)
        sizes = sorted(len(members) for members in held.values())
        expected = None if not sizes else {"max": max(sizes), "min": min(sizes), "sum": sum(sizes),
                                           "mean": sum(sizes) / len(sizes), "median": statistics.median(sizes)}[kind]
        assert (len(sizes), expected) == (result.numerator, result.value if result.value is None else
                                          pytest.approx(result.value))
