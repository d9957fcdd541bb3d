"""Aggregates of a value that reads only its row come from a (period, value) grid of
ranges, without (row, period) pairs: the figures and the row accounting are the pairs'."""

from __future__ import annotations

import json

from hypothesis import given, strategies as st

import indicators
from conftest import pack_from
from indicators import _table_aggregates
from strategies import contacts

KINDS = ("mean", "median", "min", "max", "sum")
WINDOWS = ("month", "ytd", "rolling_3", "rolling_60")


def pack_text(kind: str, window: str, of: str) -> str:
    return f"""
    [indicators.lag]
    title = "Days to decision"
    kind = "{kind}"
    table = "contacts"
    date = "received_on"
    window = "{window}"
    where = "outcome is not missing"
    of = "{of}"
    """


@given(rows=contacts(), kind=st.sampled_from(KINDS), window=st.sampled_from(WINDOWS),
       of=st.sampled_from(["days(received_on, decided_on)", "days(received_on, decided_on) / 2", "child_id"]))
def test_the_grid_gives_what_the_pairs_give(rows, kind, window, of):
    pack = pack_from(pack_text(kind, window, of))
    by_grid = indicators.evaluate(pack, {"contacts": rows}, "2016-01", "2017-06").to_json()
    original = _table_aggregates._aggregate_by_ranges
    _table_aggregates._aggregate_by_ranges = lambda *args, **kwargs: None  # every aggregate by pairs
    try:
        by_pairs = indicators.evaluate(pack, {"contacts": rows}, "2016-01", "2017-06").to_json()
    finally:
        _table_aggregates._aggregate_by_ranges = original
    assert by_pairs == by_grid


def test_a_long_rolling_median_makes_no_pairs():
    """The issue's case in small: a median over rolling_60 needs no (row, month) pair, so a
    tiny memory budget that refuses pairs does not refuse it."""
    rows = {"received_on": ["2016-01-05", "2016-03-01", "2016-07-20"], "decided_on": ["2016-01-06", "2016-03-05",
                                                                                      "2016-07-21"],
            "outcome": ["nfa", "nfa", "referral"]}
    results = indicators.evaluate(pack_from(pack_text("median", "rolling_60", "days(received_on, decided_on)")),
                                  {"contacts": rows}, "2016-01", "2020-12", memory_budget=1024)
    assert [] == results.failures
    assert [1.0, 1.0, 2.5] == [results.get("lag", p).value for p in ("2016-01", "2016-02", "2016-03")]
    record = json.loads(results.to_json())[-1]
    assert {"in_window": 3, "used": 3, "left_out": {}} == record["rows"]["numerator"]
