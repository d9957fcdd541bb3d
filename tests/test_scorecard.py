"""The scorecard's figures and text: what a performance manager reads beside each value."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

import indicators
from indicators._framing import read_framing
from indicators._results import Result
from indicators._scorecard import (
    counts_text, last_year_outturn, movement, projected_year_end, render_html, render_terminal,
    same_month_last_year, short_titles, shown_decimals, year_to_date,
)


def _result(period: str, value, numerator=None, denominator=None, **kw) -> Result:
    return Result(indicator=kw.pop("indicator", "p"), title=kw.pop("title", "P"), period=period,
                  window_start=kw.pop("window_start", None), window_end=kw.pop("window_end", None),
                  numerator=numerator, denominator=denominator, value=value, **kw)


def _months(first_year: int, first_month: int, n: int) -> list[str]:
    return [f"{(first_year * 12 + first_month - 1 + i) // 12}-{(first_month - 1 + i) % 12 + 1:02d}" for i in range(n)]


def test_year_to_date_last_year_and_same_month_last_year_from_monthly_counts():
    """A monthly percentage: year to date and last year's outturn are recomputed from the
    summed numerators and denominators, not averaged."""
    periods = _months(2015, 4, 22)  # April 2015 .. January 2017
    series = [_result(p, 100 * (i % 3) / 4, i % 3, 4, kind="percentage") for i, p in enumerate(periods)]
    assert "2016-01" == same_month_last_year(series).period
    label, outturn = last_year_outturn(series)
    assert "2015/16" == label
    assert pytest.approx(100 * sum(i % 3 for i in range(12)) / 48) == outturn
    assert pytest.approx(100 * sum(i % 3 for i in range(12, 22)) / 40) == year_to_date(series)
    assert last_year_outturn(series[12:]) is None  # the run does not cover 2015/16


def test_outturn_of_a_snapshot_is_its_march_value():
    series = [_result(p, float(i), kind="count", window="snapshot") for i, p in enumerate(_months(2015, 4, 22))]
    assert ("2015/16", 11.0) == last_year_outturn(series)


def test_the_projected_year_end_of_a_year_to_date_count_is_shown():
    """348 conferences by the end of January project to 348 x 365 / 306 over 2016/17."""
    pack = indicators.loads_pack('[indicators.icpcs]\ntitle = "ICPCs"\ntable = "t"\ndate = "d"\n'
                                 'window = "ytd"\ndecimals = 0\n')
    results = indicators.evaluate(pack, {"t": {"d": ["2016-05-02"] * 348}}, "2017-01", "2017-01")
    assert pytest.approx(348 * 365 / 306) == projected_year_end(list(results))
    assert f"{round(348 * 365 / 306):,}" in render_html(results).split('data-indicator="icpcs"')[1]
    assert projected_year_end([_result("2017-01", 348.0, 348, kind="count")]) is None


def test_movement_is_the_value_going_up_or_down_whatever_the_polarity():
    """One convention: the arrow says up or down; better or worse is the direction."""
    lower_better = [_result("2016-12", 12.8, polarity="lower_is_better"),
                    _result("2017-01", 11.7, polarity="lower_is_better", direction="improving")]
    assert "down" == movement(lower_better)
    higher_better = [_result("2017-01", 80.0, polarity="higher_is_better", direction="declining")]
    assert "down" == movement(higher_better)  # the previous month is outside the run
    assert "up" == movement([_result("2016-12", 1.0), _result("2017-01", 2.0)])


def test_a_red_value_equal_to_its_target_when_rounded_shows_more_decimals():
    r = _result("2017-01", 10.04, kind="percentage", target=10.0, rag="red", polarity="lower_is_better")
    assert 2 == shown_decimals(r)
    assert 1 == shown_decimals(_result("2017-01", 10.4, target=10.0, rag="red"))
    page = render_html(indicators.Results([r]))
    assert "10.04%" in page and "10.00%" in page


def test_counts_behind_a_percentage_and_none_behind_a_count():
    assert "1,173 / 1,466" == counts_text(_result("2017-01", 80.0, 1173, 1466, kind="percentage"))
    assert "" == counts_text(_result("2017-01", 1466.0, 1466, kind="count"))


@given(st.lists(st.text(alphabet="abc (", min_size=1, max_size=80), min_size=1, max_size=30, unique=True))
def test_terminal_titles_are_never_cut_to_the_same_text(titles):
    shortened = short_titles(titles, 20)
    assert len(set(shortened)) == len(titles)
    assert all(len(text) <= 20 for text in shortened)


def test_the_packs_two_initial_conference_rows_differ_on_the_terminal():
    a = "Initial conferences within 15 working days of the section 47 starting (in month)"
    b = "Initial conferences within 15 working days of the section 47 starting (year to date)"
    first, second = short_titles([a, b], 50)
    assert first != second and first.endswith("(in month)") and second.endswith("(year to date)")


def test_terminal_targets_are_in_the_values_unit():
    r = _result("2017-01", 29.2, kind="percentage", target=23.0, rag="red", polarity="lower_is_better")
    assert "23.0%" in render_terminal(indicators.Results([r]))
    from indicators._renderers import render_table

    assert "23.0%" in render_table(indicators.Results([r]))


def test_neutral_indicators_show_no_quartile():
    neutral = _result("2017-01", 50.0, quartile=4, polarity="neutral", indicator="n")
    ranked = _result("2017-01", 50.0, quartile=4, polarity="higher_is_better", indicator="r")
    page = render_html(indicators.Results([neutral, ranked]))
    assert "4 (worst)" in page.split('data-indicator="r"')[1]
    assert "4 (worst)" not in page.split('data-indicator="n"')[1].split('data-indicator="r"')[0]


def test_framing_and_commentary_from_the_data_folder(tmp_path):
    (tmp_path / "t.csv").write_text("d\n2017-01-02\n2017-01-03\n")
    (tmp_path / "commentary.toml").write_text(
        '[report]\ncouncil = "Anytown"\nextracted = 2017-02-03\n\n'
        '[commentary.n]\n"2017-01" = "Two contacts, both early in the month."\n')
    pack = indicators.loads_pack('[indicators.n]\ntitle = "N"\ntable = "t"\ndate = "d"\n')
    results = indicators.evaluate(pack, tmp_path, "2017-01", "2017-01")
    page = render_html(results, produced=datetime.date(2017, 2, 10))
    for text in ("Anytown", "January 2017", "2017-02-10", "2017-02-03", "Two contacts, both early in the month."):
        assert text in page


@pytest.mark.parametrize("text, message", [
    ('[report]\ncouncil = 3\n', "report.council"),
    ('[report]\nextracted = "yesterday"\n', "expected a date"),
    ('[commentary.n]\n"January" = "x"\n', "expected a period YYYY-MM"),
    ('[comentary.n]\n"2017-01" = "x"\n', "unknown key"),
])
def test_a_bad_commentary_file_is_a_located_error(tmp_path, text, message):
    (tmp_path / "commentary.toml").write_text(text)
    with pytest.raises(indicators.DataError) as caught:
        read_framing(tmp_path)
    assert message in str(caught.value) and "commentary.toml" in str(caught.value)


def test_the_data_quality_section_lists_notes_per_indicator():
    r = _result("2017-01", 50.0, 1, 2, kind="percentage", title="Assessments",
                notes={"missing date (assessments.completed_on)": 7},
                rows={"numerator": {"in_window": 10, "used": 2, "left_out": {"where false": 5, "missing completed_on": 3}}})
    page = render_html(indicators.Results([r]))
    quality = page.split('<section class="quality">')[1]
    assert "Caution needs to be applied" in quality
    assert "missing date (assessments.completed_on): 7" in quality and "missing completed_on" in quality
    assert "where false" not in quality  # the definition's own filter is not a data problem


def test_the_table_format_uses_the_scorecards_arrow_convention():
    """`--format table`: ▼ is the value going down, and the word says it is better."""
    from indicators._renderers import render_table

    rows = [_result("2016-12", 12.8, polarity="lower_is_better", kind="percentage"),
            _result("2017-01", 11.7, polarity="lower_is_better", kind="percentage", direction="improving")]
    last_line = render_table(indicators.Results(rows)).splitlines()[-1]
    assert last_line.endswith("▼ better")


def test_benchmark_sources_are_listed_with_the_figures_shown():
    pack = indicators.loads_pack(
        '[indicators.n]\ntitle = "N"\ntable = "t"\ndate = "d"\n'
        'benchmarks = { national = { "2016/17" = 3, source = "DfE, a release, table X" } }\n')
    results = indicators.evaluate(pack, {"t": {"d": ["2017-01-02"] * 2}}, "2017-01", "2017-01")
    page = render_html(results)
    assert "Benchmark sources" in page and "England: DfE, a release, table X" in page


@pytest.mark.parametrize("polarity, listed", [("neutral", False), ("higher_is_better", True)])
def test_quartile_sources_are_listed_only_where_a_quartile_is_shown(polarity, listed):
    pack = indicators.loads_pack(
        f'[indicators.n]\ntitle = "N"\ntable = "t"\ndate = "d"\npolarity = "{polarity}"\n'
        '[indicators.n.quartiles]\n"2016/17" = [1, 2, 3]\nsource = "DfE, quartiles of the LAs"\n')
    results = indicators.evaluate(pack, {"t": {"d": ["2017-01-02"] * 2}}, "2017-01", "2017-01")
    assert results[0].quartile is not None  # the record keeps the band, neutral or not
    assert listed == ("Quartiles: DfE, quartiles of the LAs" in render_html(results))


@given(st.lists(st.floats(0, 100), min_size=1, max_size=13))
def test_a_percentage_chart_spans_at_least_ten_points_within_0_to_100(values):
    """A move from 10.0% to 11.2% no longer fills the chart."""
    from indicators._scorecard import chart_scale

    low, high = chart_scale(values, "percentage")
    assert 0 <= low <= min(values) and max(values) <= high <= 100
    assert high - low >= 10 - 1e-9


def test_a_small_move_of_a_count_is_drawn_small():
    from indicators._scorecard import chart_scale

    low, high = chart_scale([330, 331, 332], "count")
    assert high - low >= 33 and low <= 330 and high >= 332


def test_a_percentage_over_100_stays_inside_its_chart():
    from indicators._scorecard import chart_scale

    low, high = chart_scale([99.0, 104.0], "percentage")
    assert low <= 99 and high >= 104


def test_skipped_and_failed_indicators_are_named_not_silently_absent():
    r = _result("2017-01", 50.0, 1, 2, kind="percentage", title="Assessments")
    results = indicators.Results([r], failures=["indicators.caseload: lookup 'x' would take about 5.0 GiB"],
                                 skipped={"adoptions": "no table 'adoptions' in the data"})
    quality = render_html(results).split('<section class="quality">')[1]
    assert "adoptions: not evaluated, no table &#x27;adoptions&#x27; in the data" in quality
    assert "caseload: lookup &#x27;x&#x27; would take about 5.0 GiB (its figures are empty)" in quality


def test_commentary_on_an_indicator_the_run_lacks_is_a_warning(tmp_path):
    (tmp_path / "t.csv").write_text("d\n2017-01-02\n")
    (tmp_path / "commentary.toml").write_text('[commentary.m]\n"2017-01" = "On a misspelt id."\n')
    pack = indicators.loads_pack('[indicators.n]\ntitle = "N"\ntable = "t"\ndate = "d"\n')
    results = indicators.evaluate(pack, tmp_path, "2017-01", "2017-01")
    assert [f"{tmp_path / 'commentary.toml'}: commentary on 'm', which is not an indicator of this run"] == \
        results.warnings
