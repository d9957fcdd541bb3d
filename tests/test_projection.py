"""projected_year_end (SPEC section 11): a year-to-date count scaled to the whole
financial year by the days elapsed."""

from __future__ import annotations

import json

import pytest

from conftest import run

YTD = """
[indicators.starts_ytd]
title = "Children starting to be looked after, year to date"
table = "episodes"
date = "started_on"
window = "ytd"
"""


def test_a_year_to_date_count_is_scaled_by_days_elapsed_in_its_financial_year():
    # 2016/17 (April to March, 365 days): by 31 January 2017, 306 days have passed
    days = ["2016-04-01", "2016-07-14", "2016-12-31", "2017-01-20", "2016-03-31"]
    results = run(YTD, {"episodes": {"started_on": days}}, "2016-04", "2017-01")
    january = results.get("starts_ytd", "2017-01")
    assert 4 == january.numerator
    assert 4 * 365 / 306 == pytest.approx(january.projected_year_end)
    april = results.get("starts_ytd", "2016-04")
    assert 1 * 365 / 30 == pytest.approx(april.projected_year_end)


def test_a_leap_financial_year_has_366_days():
    results = run(YTD, {"episodes": {"started_on": ["2015-05-02"]}}, "2015-05")  # 2015/16 holds 29 Feb 2016
    assert 366 / 61 == pytest.approx(results.get("starts_ytd", "2015-05").projected_year_end)


@pytest.mark.parametrize("change", [
    ('window = "ytd"', 'window = "month"'),                      # not a year-to-date window
    ('title = "Children', 'kind = "percentage"\ndenominator = 7\ntitle = "Children'),  # not a count
])
def test_other_indicators_have_no_projection(change):
    results = run(YTD.replace(*change), {"episodes": {"started_on": ["2016-04-02"]}}, "2016-04")
    assert [None] == [r.projected_year_end for r in results]


def test_a_suppressed_count_is_not_projected_and_json_says_null():
    results = run(YTD, {"episodes": {"started_on": ["2016-04-02"]}}, "2016-04", suppress_below=5)
    (record,) = json.loads(results.to_json())
    assert record["suppressed"] and record["projected_year_end"] is None


def test_the_terminal_table_shows_the_projection_only_where_there_is_one():
    from indicators._renderers import render_table

    with_projection = render_table(run(YTD, {"episodes": {"started_on": ["2016-04-02"]}}, "2016-04"))
    assert with_projection.splitlines()[0].endswith("projected year end")
    assert with_projection.splitlines()[2].endswith("  12")  # 1 x 365 / 30, rounded
    without = render_table(run(YTD.replace("ytd", "month"), {"episodes": {"started_on": ["2016-04-02"]}}, "2016-04"))
    assert "projected" not in without
