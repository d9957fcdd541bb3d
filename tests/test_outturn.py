"""`outturn`: last financial year's figure as published, carried by the next year's records."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

import indicators
from conftest import pack_from, run
from indicators._renderers import render_csv, render_table
from indicators._scorecard import render_html, render_terminal

ADOPTIONS = """
[indicators.adoptions_ytd]
title = "Adoptions (year to date)"
table = "adoptions"
date = "adopted_on"
window = "ytd"
decimals = 0
outturn = { "2015/16" = 43, "2016/17" = 30, source = "Performance report January 2017, 3.13.1" }
"""
# two adoptions a month from April 2015 to January 2017
DATA = {"adoptions": {"adopted_on": [f"{year}-{month:02d}-{day:02d}" for year, month in
                                     [(2015, m) for m in range(4, 13)] + [(2016, m) for m in range(1, 13)]
                                     + [(2017, 1)] for day in (3, 17)]}}


def test_each_period_carries_the_outturn_of_the_financial_year_before_its_own():
    results = run(ADOPTIONS, DATA, "2016-02", "2017-05")
    by_period = {r.period: r.outturn for r in results}
    assert [None, None] == [by_period["2016-02"], by_period["2016-03"]]  # 2015/16: no 2014/15 figure
    assert {43.0} == {by_period[f"2016-{m:02d}"] for m in range(4, 13)} | {by_period["2017-01"],
                                                                             by_period["2017-03"]}
    assert [30.0, 30.0] == [by_period["2017-04"], by_period["2017-05"]]


def test_a_year_not_listed_has_no_outturn_rather_than_an_older_one():
    """Unlike targets and benchmarks, an outturn is one year's figure: 2018/19 does not
    show 2016/17's as last year's."""
    results = run(ADOPTIONS, DATA, "2018-04")
    assert [None] == [r.outturn for r in results]


def test_the_financial_year_follows_the_packs_start_month():
    text = "[pack]\nname = \"p\"\ntitle = \"P\"\nfinancial_year_start = 1\n" + ADOPTIONS
    results = run(text, DATA, "2015-12", "2016-01")
    assert [None, 43.0] == [r.outturn for r in results]  # "2015/16" is the year starting January 2015


def test_records_csv_and_table_show_it():
    results = run(ADOPTIONS, DATA, "2016-03", "2016-04")
    records = json.loads(results.to_json())
    assert [None, 43] == [r["outturn"] for r in records]
    rows = list(csv.DictReader(io.StringIO(render_csv(results))))
    assert ["", "43.0"] == [row["outturn"] for row in rows]
    table = render_table(results)
    assert "last year's outturn" in table.splitlines()[0]
    assert table.splitlines()[-1].endswith(" 43")


def test_the_table_has_no_outturn_column_when_no_figure_has_one():
    results = run(ADOPTIONS.replace("outturn", "# outturn"), DATA, "2016-04")
    assert "outturn" not in render_table(results)


def test_a_suppressed_result_still_shows_the_published_outturn():
    """The outturn is a published figure, not a count of this run's rows."""
    (result,) = run(ADOPTIONS, DATA, "2016-04", suppress_below=10)
    assert result.suppressed and 43.0 == result.outturn


def _scorecard_cell(page: str) -> str:
    row = re.search(r'<tr data-indicator="adoptions_ytd">(.*?)</tr>', page, flags=re.S).group(1)
    return re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)[6]


def test_the_scorecard_shows_the_published_outturn_with_the_runs_own_figure_under_it():
    """Published figures are what the council reported; the run's figure from today's data
    may differ (late recording), so both are shown, the published one first."""
    covering = run(ADOPTIONS, DATA, "2015-04", "2017-01")
    assert "43<span class=\"counts\">2015/16 published</span><span class=\"counts\">data: 24</span>" == \
        _scorecard_cell(render_html(covering))
    assert "43<span class=\"counts\">2015/16 published</span>" == \
        _scorecard_cell(render_html(run(ADOPTIONS, DATA, "2016-10", "2017-01")))
    unpublished = run(ADOPTIONS.replace("outturn", "# outturn"), DATA, "2015-04", "2017-01")
    assert "24<span class=\"counts\">2015/16</span>" == _scorecard_cell(render_html(unpublished))


def test_the_scorecard_cites_the_outturns_source():
    page = render_html(run(ADOPTIONS, DATA, "2016-10", "2017-01"))
    assert "last year's outturn: Performance report January 2017, 3.13.1" in page


def test_the_terminal_scorecard_shows_the_published_outturn():
    line = render_terminal(run(ADOPTIONS, DATA, "2015-04", "2017-01")).splitlines()[-1]
    assert line.endswith(" 43")


@pytest.mark.parametrize("text, where, message", [
    ('outturn = 330', "indicators.adoptions_ytd.outturn", "expected a table by financial year"),
    ('outturn = { "2015-16" = 330 }', "indicators.adoptions_ytd.outturn.2015-16", "financial year label"),
    ('outturn = { "2015/17" = 330 }', "indicators.adoptions_ytd.outturn.2015/17", "financial year label"),
    ('outturn = { "2015/16" = "330" }', "indicators.adoptions_ytd.outturn.2015/16", "expected a number"),
    ('outturn = { "2015/16" = 330, source = 3 }', "indicators.adoptions_ytd.outturn.source", "source"),
    ('outturn = { source = "the report" }', "indicators.adoptions_ytd.outturn", "table is empty"),
])
def test_bad_outturns_are_located_load_errors(text, where, message):
    pack = re.sub(r"^outturn = .*$", text, ADOPTIONS, flags=re.M)
    with pytest.raises(indicators.PackError) as caught:
        pack_from(pack)
    (problem,) = caught.value.problems
    assert ("test.toml", 8) == (problem.file, problem.line)
    assert f"{where}: " in str(caught.value) and message in problem.message


def test_the_shipped_packs_outturns_are_the_reports_figures():
    """Each is quoted in its source, which names the January 2017 report."""
    pack = indicators.load_pack("childrens-social-care")
    quoted = {ident: indicator for ident, indicator in pack.indicators.items() if indicator.outturn}
    assert {"assessments_45wd_ytd", "s47_not_substantiated_ytd", "icpcs_ytd", "cp_count", "lac_rate",
            "adoptions_ytd"} == set(quoted)
    for ident, indicator in quoted.items():
        ((year, figure),) = indicator.outturn
        assert 2015 == year and indicator.outturn_source.startswith("Performance report January 2017")
        assert f"{figure:g}" in indicator.outturn_source, ident
