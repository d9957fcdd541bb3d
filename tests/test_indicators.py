"""Indicators: measures, kinds and judgement (SPEC sections 7 and 8)."""

from __future__ import annotations

import json
import math

import pytest

from conftest import run
from indicators import evaluate
from indicators._judgement import byar_interval, wilson_interval

CONTACTS = {"contacts": {
    "received_on": ["2017-01-06", "2016-12-23", "2017-01-10", "2017-01-11"],
    "decided_on": ["2017-01-09", "2016-12-28", "2017-01-12", None],
}}


def test_friday_contact_decided_monday_is_in_time(contacts_pack):
    result = run(contacts_pack, CONTACTS, "2017-01").get("decided_1wd", "2017-01")
    assert (1, 2) == (result.numerator, result.denominator)
    assert 50.0 == result.value
    assert "red" == result.rag


def test_christmas_contact_is_in_time(contacts_pack):
    result = run(contacts_pack, CONTACTS, "2016-12").get("decided_1wd", "2016-12")
    assert (1, 1, 100.0, "green") == (result.numerator, result.denominator, result.value, result.rag)


def test_zero_denominator_gives_a_missing_value_and_null_json(contacts_pack):
    results = run(contacts_pack, CONTACTS, "2017-03")
    result = results.get("decided_1wd", "2017-03")
    assert (0, 0, None, None) == (result.numerator, result.denominator, result.value, result.rag)
    record = json.loads(results.to_json())[0]
    assert record["value"] is None and record["ci_low"] is None
    assert "NaN" not in results.to_json()


PLANS = {"plans": {"child": [1, 1, 2, 3], "started": ["2016-01-01", "2016-06-01", "2016-11-01", "2017-01-05"],
                   "ended": ["2016-03-01", None, None, None]}}


def test_rate_per_population_by_calendar_year_of_period_end():
    pack = """
    [populations]
    children = { 2016 = 10000, 2018 = 40000 }

    [indicators.cp_rate]
    title = "Children on a plan per 10,000"
    kind = "rate"
    table = "plans"
    window = "snapshot"
    start = "started"
    end = "ended"
    distinct = "child"
    denominator = { population = "children" }
    """
    results = run(pack, PLANS, "2015-12", "2017-01")
    assert None is results.get("cp_rate", "2015-12").value  # no earlier year: missing
    assert 10000 == results.get("cp_rate", "2017-01").denominator  # 2017 absent: takes 2016
    assert 3.0 == results.get("cp_rate", "2017-01").value
    assert 2.0 == results.get("cp_rate", "2016-12").value


def test_numerator_table_inherits_the_base_and_where_replaces():
    pack = """
    [indicators.share]
    title = "Share"
    kind = "percentage"
    table = "t"
    date = "d"
    where = "x > 0"
    numerator = { where = "x > 1" }
    """
    data = {"t": {"d": ["2017-01-01"] * 4, "x": [0, 1, 2, 3]}}
    result = run(pack, data, "2017-01").get("share", "2017-01")
    assert (2, 3) == (result.numerator, result.denominator)


def test_numerator_from_another_table_inherits_only_window():
    pack = """
    [indicators.conversion]
    title = "Referrals per contact"
    kind = "ratio"
    table = "contacts"
    date = "received_on"
    window = "ytd"
    numerator = { table = "referrals", date = "referred_on" }
    """
    data = {"contacts": {"received_on": ["2016-04-01", "2016-05-01", "2016-05-02", "2016-05-03"]},
            "referrals": {"referred_on": ["2016-04-02", "2016-05-02"]}}
    result = run(pack, data, "2016-05").get("conversion", "2016-05")
    assert (2, 4, 0.5) == (result.numerator, result.denominator, result.value)


def test_constant_denominator_and_count_kind():
    pack = """
    [indicators.per_worker]
    title = "Cases per worker"
    kind = "ratio"
    table = "t"
    date = "d"
    denominator = 4

    [indicators.cases]
    title = "Cases"
    table = "t"
    date = "d"
    """
    data = {"t": {"d": ["2017-01-01"] * 6}}
    results = run(pack, data, "2017-01")
    assert 1.5 == results.get("per_worker", "2017-01").value
    assert (6, None, 6.0) == (results.get("cases", "2017-01").numerator,
                              results.get("cases", "2017-01").denominator,
                              results.get("cases", "2017-01").value)


@pytest.mark.parametrize("kind, expected", [
    ("mean", 2.5), ("median", 2.5), ("min", 1.0), ("max", 4.0), ("sum", 10.0)])
def test_aggregate_kinds_over_non_missing_values(kind, expected):
    pack = f"""
    [indicators.agg]
    title = "Aggregate"
    kind = "{kind}"
    table = "t"
    date = "d"
    of = "x"
    """
    data = {"t": {"d": ["2017-01-01"] * 5, "x": [4, 1, None, 3, 2]}}
    result = run(pack, data, "2017-01").get("agg", "2017-01")
    assert (4, expected) == (result.numerator, result.value)


def test_aggregate_over_no_rows_is_missing():
    pack = """
    [indicators.agg]
    title = "Aggregate"
    kind = "median"
    table = "t"
    date = "d"
    of = "x"
    """
    result = run(pack, {"t": {"d": ["2017-01-01"], "x": [None]}}, "2017-01").get("agg", "2017-01")
    assert (0, None) == (result.numerator, result.value)


def judged(extra: str, values: list[int], start="2017-01", end="2017-01"):
    """A percentage indicator whose numerator is x and denominator 100 rows, per month."""
    pack = f"""
    [indicators.p]
    title = "P"
    kind = "percentage"
    table = "t"
    date = "d"
    numerator = "ok"
    {extra}
    """
    days, oks = [], []
    months = ["2016-12-01", "2017-01-01", "2017-02-01", "2017-03-01", "2017-04-01"]
    for month, value in zip(months, values):
        days += [month] * 100
        oks += [True] * value + [False] * (100 - value)
    return run(pack, {"t": {"d": days, "ok": oks}}, start, end)


@pytest.mark.parametrize("value, rag", [(90, "green"), (86, "amber"), (85, "amber"), (84, "red")])
def test_rag_higher_is_better_with_inclusive_boundaries(value, rag):
    results = judged('target = 90\ntolerance = 5\npolarity = "higher_is_better"', [0, value])
    assert rag == results[0].rag


@pytest.mark.parametrize("value, rag", [(10, "green"), (11, "amber"), (12, "red")])
def test_rag_lower_is_better_with_share_tolerance(value, rag):
    results = judged('target = 10\ntolerance = "10%"\npolarity = "lower_is_better"', [0, value])
    assert rag == results[0].rag


def test_neutral_indicators_and_missing_targets_have_no_rag():
    assert None is judged('target = 10\npolarity = "neutral"', [0, 50])[0].rag
    assert None is judged('polarity = "higher_is_better"', [0, 50])[0].rag


def test_explicit_rag_thresholds_without_target():
    results = judged('polarity = "higher_is_better"\nrag = { green = 80, amber = 70 }', [0, 75])
    assert "amber" == results[0].rag


def test_target_by_financial_year_takes_the_latest_earlier_year():
    results = judged('target = { "2015/16" = 50, "2017/18" = 70 }\npolarity = "higher_is_better"',
                     [60, 60, 60, 60, 60], "2017-03", "2017-04")
    assert [50, 70] == [r.target for r in results]
    assert ["green", "red"] == [r.rag for r in results]
    none_before = judged('target = { "2017/18" = 70 }', [60, 60], "2017-01", "2017-01")
    assert None is none_before[0].target


def test_direction_compares_rounded_values_and_covers_the_first_period():
    results = judged('polarity = "higher_is_better"\ndecimals = 0', [50, 60, 60, 59], "2017-01", "2017-03")
    assert ["improving", "same", "declining"] == [r.direction for r in results]
    assert [None] == [r.direction for r in judged("", [50, 60])]  # neutral


def test_suppression_blanks_small_numbers_and_the_next_direction():
    """Numerator 3 < 5: every figure that would reveal it is null, and so is the next direction."""
    extra = 'polarity = "higher_is_better"\ntarget = 1\nbenchmarks = { national = 3 }\nquartiles = [1, 2, 3]'
    plain = judged(extra, [5, 3, 8], "2017-01", "2017-02")
    assert (3, "improving") == (plain[0].numerator, plain[1].direction)
    first, second = evaluate(plain.pack, {"t": _rows([5, 3, 8])}, "2017-01", "2017-02", suppress_below=5)
    assert first.suppressed
    assert (None, None, None, None, None, None, None) == (
        first.numerator, first.denominator, first.value, first.rag, first.direction, first.quartile, first.ci_low)
    assert first.rows is None and second.rows["numerator"]["used"] == 8  # row counts would reveal the 3
    assert {"national": {"value": 3, "comparison": None}} == first.benchmarks
    assert not second.suppressed and 8 == second.numerator and second.direction is None


def test_suppression_from_the_pack_and_counted_denominators_only():
    pack = """
    [pack]
    suppress_below = 6

    [indicators.rate]
    title = "Rate"
    kind = "rate"
    table = "t"
    date = "d"
    denominator = 3
    """
    result = run(pack, {"t": {"d": ["2017-01-01"] * 6}}, "2017-01")[0]
    assert not result.suppressed and 6 == result.numerator  # a constant denominator is not a count


def _rows(values):
    months = ["2016-12-01", "2017-01-01", "2017-02-01"]
    days, oks = [], []
    for month, value in zip(months, values):
        days += [month] * 100
        oks += [True] * value + [False] * (100 - value)
    return {"d": days, "ok": oks}


def test_benchmarks_by_wilson_interval_for_percentages():
    results = judged('polarity = "higher_is_better"\nbenchmarks = { a = 73.0, b = 80.0, c = 89.0 }', [0, 82])
    assert {"a": "better", "b": "similar", "c": "worse"} == {
        k: v["comparison"] for k, v in results[0].benchmarks.items()}
    assert 73 == results[0].benchmarks["a"]["value"]
    assert results[0].ci_low == pytest.approx(73.3326, abs=1e-3)
    assert results[0].ci_high == pytest.approx(88.2998, abs=1e-3)


def test_quartile_bands_follow_polarity():
    assert 1 == judged('polarity = "higher_is_better"\nquartiles = [50, 60, 70]', [0, 70])[0].quartile
    assert 4 == judged('polarity = "lower_is_better"\nquartiles = [50, 60, 70]', [0, 71])[0].quartile
    assert 1 == judged('quartiles = [50, 60, 70]', [0, 49])[0].quartile


@pytest.mark.parametrize("x, n, low, high", [
    (0, 10, 0.0, 0.277533), (1, 10, 0.017876, 0.404150), (5, 10, 0.236593, 0.763407),
    (10, 10, 0.722467, 1.0), (45, 50, 0.786398, 0.956524), (0, 1, 0.0, 0.793451)])
def test_wilson_matches_published_vectors(x, n, low, high):
    assert (low, high) == pytest.approx(wilson_interval(x, n), abs=1e-6)


@pytest.mark.parametrize("x, low, high", [(10, 4.787450, 18.391459), (48, 35.388475, 63.642439),
                                           (100, 81.362105, 121.627938)])
def test_byar_matches_published_vectors(x, low, high):
    assert (low, high) == pytest.approx(byar_interval(x), abs=1e-5)


def test_byar_lower_bound_is_zero_for_zero_count():
    low, high = byar_interval(0)
    assert 0.0 == low and math.isfinite(high)


def test_each_result_accounts_for_every_row_in_its_window():
    """Rows a filter rejects, a filter cannot judge, or an aggregate has no value for are named."""
    pack = """
    [indicators.lag]
    title = "Median days to decision, referrals"
    kind = "median"
    table = "t"
    date = "received"
    where = "outcome == 'referral'"
    of = "days(received, decided)"

    [indicators.children]
    title = "Children with a decision"
    table = "t"
    date = "received"
    numerator = "decided is not missing"
    distinct = "child"
    """
    table = {"t": {
        "received": ["2017-01-03", "2017-01-04", "2017-01-05", "2017-01-06", "2017-01-09", "2017-02-01", None],
        "decided": ["2017-01-04", None, "2017-01-06", "2017-01-07", "2017-01-09", "2017-02-02", "2017-01-02"],
        "outcome": ["referral", "referral", "nfa", None, "referral", "referral", "referral"],
        "child": [1, 1, 2, None, 3, 4, 5],
    }}
    results = run(pack, table, "2017-01")
    assert {"numerator": {"in_window": 5, "used": 2, "left_out": {
        "no value to aggregate": 1, "where false": 1, "where unknown": 1}}} == results.get("lag", "2017-01").rows
    assert {"numerator": {"in_window": 5, "used": 3, "left_out": {
        "missing child": 1, "numerator condition false": 1}}} == results.get("children", "2017-01").rows


def test_benchmarks_by_year_use_the_latest_listed_year_not_after_the_period():
    """A figure holds for its financial year and later unlisted years; none before the first."""
    extra = ('polarity = "higher_is_better"\n'
             'benchmarks = { national = { "2016/17" = 50, source = "DfE" }, england = 40 }')
    results = judged(extra, [0, 60, 60, 60, 60], "2017-01", "2017-04")
    assert [50, 50, 50, 50] == [r.benchmarks["national"]["value"] for r in results]
    assert [40] * 4 == [r.benchmarks["england"]["value"] for r in results]
    later = judged('benchmarks = { national = { "2017/18" = 50 } }', [0, 60, 60, 60, 60], "2017-01", "2017-04")
    assert [{}, {}, {}] == [r.benchmarks for r in later[:3]]  # 2016/17 has no figure
    assert {"national": {"value": 50, "comparison": "higher"}} == later[3].benchmarks
    assert ("national", "DfE") in results.pack.indicators["p"].benchmark_sources


def test_quartiles_by_year_band_each_period_against_its_year():
    extra = 'polarity = "higher_is_better"\nquartiles = { "2016/17" = [50, 60, 70], "2017/18" = [70, 80, 90] }'
    results = judged(extra, [0, 70, 70, 70, 70], "2017-01", "2017-04")
    assert [1, 1, 1, 3] == [r.quartile for r in results]  # 70 is q3 of 2016/17, q1 of 2017/18


@pytest.mark.parametrize("text, message", [
    ('benchmarks = { national = { "2016" = 5 } }', "financial year label"),
    ('benchmarks = { national = { "2016/17" = "x" } }', "expected a number"),
    ('benchmarks = { national = { "2016/17" = 5, source = 3 } }', "source"),
    ('benchmarks = { national = "5" }', "table by financial year"),
    ('quartiles = { "2016/17" = [3, 2, 1] }', "three ascending numbers"),
    ('quartiles = { "2016-17" = [1, 2, 3] }', "financial year label"),
])
def test_bad_benchmarks_by_year_are_located_load_errors(text, message):
    from indicators import PackError

    with pytest.raises(PackError) as caught:
        judged(text, [0, 1])
    assert message in str(caught.value)
