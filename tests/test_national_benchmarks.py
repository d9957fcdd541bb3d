"""The shipped packs' England figures and national quartiles, against the published figures.

`tests/data/national-figures.csv.gz` holds, for each DfE measure the packs are compared
with, England's figure and every local authority's figure by year, as published in DfE's
Local Authority Interactive Tool data set (`lait`: github.com/dfe-analytical-services/
local-authority-interactive-tool, 01_data/02_prod/bds_long_0.parquet, commit 2e30e39) and
DfE's NEET and participation dashboard data (`nccis`: github.com/dfe-analytical-services/
nccis_localauthority_dashboard, data/UD_NEETNK_LA_dashboard_*.csv, 2021-2025), values as
written there (DfE's figures, Open Government Licence v3.0). A year `Y` is the year ending
31 March `Y` (NEET: December `Y-1` to February `Y`), the financial year `Y-1/Y`. LAIT's
quartile bands are R's `quantile()` of the local authorities' figures, type 7, which is
numpy's default linear percentile.

`tests/data/rotherham-statistical-neighbours.csv` holds Rotherham's ten statistical
neighbours as LAIT lists them (01_data/02_prod/sn_may_2025.xlsx, sheet "LA SN Groups", same
commit). LAIT's statistical neighbours' figure is the plain mean of the neighbours' figures
for the year, a neighbour without one left out (R/lait_modules/mod_la_lvl_table.R,
`mean(values_num, na.rm = TRUE)`).
"""

from __future__ import annotations

import csv
import gzip
import re
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

import indicators
from indicators._cli import main

FIGURES = Path(__file__).parent / "data" / "national-figures.csv.gz"
NEIGHBOURS = Path(__file__).parent / "data" / "rotherham-statistical-neighbours.csv"

# (pack, indicator, data set, measure): every indicator given DfE's figures
COMPARED = [
    ("childrens-social-care", "re_referrals", "lait", "ReReferral"),
    ("childrens-social-care", "re_referrals_12m", "lait", "ReReferral"),
    ("childrens-social-care", "assessments_45wd", "lait", "Continue_Assess_Comp"),
    ("childrens-social-care", "assessments_45wd_ytd", "lait", "Continue_Assess_Comp"),
    ("childrens-social-care", "s47_rate", "lait", "Section_47"),
    ("childrens-social-care", "icpc_15wd", "lait", "CP_conf_15days"),
    ("childrens-social-care", "icpc_15wd_ytd", "lait", "CP_conf_15days"),
    ("childrens-social-care", "cin_rate", "lait", "CIN"),
    ("childrens-social-care", "cp_rate", "lait", "CPP_rate"),
    ("childrens-social-care", "lac_rate", "lait", "LAC"),
    ("childrens-social-care", "lac_3_placements", "lait", "LACStable_2016on"),
    ("childrens-social-care", "lac_long_term_stability", "lait", "LAC_LongStable%"),
    ("childrens-social-care", "lac_dental", "lait", "LACDental%"),
    ("childrens-social-care", "lac_health_assessments", "lait", "LACHealth%"),
    ("childrens-social-care", "care_leavers_suitable_accommodation", "lait", "CareLeaverAcc"),
    ("childrens-social-care", "care_leavers_eet", "lait", "CareLeaverEET"),
    ("childrens-social-care", "care_leavers_eet_18_plus", "lait", "CareLeaverEET"),
    ("early-help", "neet", "lait", "16-17 NEET"),
    ("early-help", "not_known", "nccis", "Notknown_percent"),
]

# (pack, indicator, data set, measure): every indicator given Rotherham's statistical neighbours' figure;
# LAIT holds activity not known too (the England figure above comes from the dashboard data)
NEIGHBOURED = [c for c in COMPARED if c[2] == "lait"] + [("early-help", "not_known", "lait", "16-17_not known")]


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:  # "-", "c", "x": no figure (not published, suppressed)
        return None


@pytest.fixture(scope="module")
def by_area():
    """(data set, measure) -> financial year -> area -> (LA number, figure or None where not published)."""
    figures: dict = defaultdict(lambda: defaultdict(dict))
    with gzip.open(FIGURES, "rt", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            key, year = (row["dataset"], row["measure"]), int(row["year"]) - 1
            assert row["area"] not in figures[key][year], row  # one figure per area and year
            figures[key][year][row["area"]] = (row["la"], _number(row["value"]))
    return figures


@pytest.fixture(scope="module")
def published(by_area):
    """(data set, measure) -> (England by financial year, local authorities' figures by financial year)."""
    england: dict = defaultdict(dict)
    areas: dict = defaultdict(lambda: defaultdict(list))
    for key, years in by_area.items():
        for year, figures in years.items():
            for area, (la, value) in figures.items():
                if value is None:
                    continue
                if la == "England":
                    england[key][year] = value
                elif la:  # a row without an LA number is no council (the dashboard's 2021 "LA demo")
                    areas[key][year].append(value)
    return england, areas


@pytest.fixture(scope="module")
def neighbours():
    """Rotherham's statistical neighbours: area -> LA number."""
    with NEIGHBOURS.open(encoding="utf-8", newline="") as f:
        return {row["area"]: row["la"] for row in csv.DictReader(f)}


@pytest.fixture(scope="module")
def packs():
    return {name: indicators.load_pack(name) for name in ("childrens-social-care", "early-help")}


@pytest.mark.parametrize("pack, indicator, dataset, measure", COMPARED, ids=[c[1] for c in COMPARED])
def test_england_figure_of_every_published_year(published, packs, pack, indicator, dataset, measure):
    england = published[0][(dataset, measure)]
    definition = packs[pack].indicators[indicator]
    national = dict(dict(definition.benchmarks)["national"])
    first = min(england)
    assert sorted(england) == sorted(year for year in national if year >= first)
    for year, value in england.items():
        assert national[year] == pytest.approx(value, abs=5e-5), year
    assert "national" in dict(definition.benchmark_sources)


@pytest.mark.parametrize("pack, indicator, dataset, measure", COMPARED, ids=[c[1] for c in COMPARED])
def test_quartiles_are_those_of_the_local_authorities_figures(published, packs, pack, indicator, dataset, measure):
    areas = published[1][(dataset, measure)]
    definition = packs[pack].indicators[indicator]
    quartiles = dict(definition.quartiles)
    assert sorted(areas) == sorted(quartiles)
    for year, values in areas.items():
        assert len(values) >= 140, year  # every local authority with a figure, not a sample
        expected = np.percentile(values, [25, 50, 75])  # linear: R's quantile() type 7, as LAIT
        assert quartiles[year] == pytest.approx(tuple(expected), abs=5e-5), year
    assert "github.com/dfe-analytical-services/" in dict(definition.benchmark_sources)["quartiles"]


def test_the_figures_file_holds_england_and_the_local_authorities(published):
    england, areas = published
    measures = {(dataset, measure) for _, _, dataset, measure in COMPARED + NEIGHBOURED}
    assert measures == set(england) == set(areas)
    # two spot checks against the publications' own text: re-referrals 21.9% in 2016/17
    # (Characteristics of children in need 2017), looked-after children 67 per 10,000 at 31 March 2025
    assert 21.9 == england[("lait", "ReReferral")][2016]
    assert 67 == england[("lait", "LAC")][2024]


@pytest.mark.parametrize("pack, indicator, dataset, measure", NEIGHBOURED, ids=[c[1] for c in NEIGHBOURED])
def test_statistical_neighbours_are_the_mean_of_rotherhams_neighbours(by_area, neighbours, packs, pack, indicator,
                                                                       dataset, measure):
    definition = packs[pack].indicators[indicator]
    carried = dict(dict(definition.benchmarks)["statistical_neighbours"])
    expected = {}
    for year, figures in by_area[(dataset, measure)].items():
        assert set(neighbours) <= set(figures), year  # each neighbour is listed, with a figure or a published gap
        values = [figures[area][1] for area in neighbours if figures[area][1] is not None]
        if values:
            expected[year] = np.mean(values)
    assert sorted(expected) == sorted(carried)
    for year, value in expected.items():
        assert carried[year] == pytest.approx(value, abs=5e-5), year
    source = dict(definition.benchmark_sources)["statistical_neighbours"]
    assert "sn_may_2025.xlsx" in source and "commit 2e30e39" in source
    assert all(area in source for area in neighbours)


def test_the_neighbours_are_ten_local_authorities_of_the_figures_file(by_area, neighbours):
    assert 10 == len(neighbours) and "Rotherham" not in neighbours
    for (dataset, measure), years in by_area.items():
        for year, figures in years.items():
            for area, la in neighbours.items():
                if area in figures:
                    assert la == figures[area][0], (measure, year, area)  # the same council, by name and number


RANKED = {"re_referrals", "re_referrals_12m", "assessments_45wd", "assessments_45wd_ytd", "icpc_15wd",
          "icpc_15wd_ytd", "lac_3_placements", "care_leavers_suitable_accommodation", "care_leavers_eet",
          "care_leavers_eet_18_plus"}
NEUTRAL = {"s47_rate", "cin_rate", "cp_rate", "lac_rate"}


def test_demo_scorecard_shows_the_national_quartile(tmp_path, capsys):
    """January 2017 is in 2016/17: the indicators with that year's quartiles and a polarity
    show their band; neutral ones, which have boundaries too, show none."""
    target = tmp_path / "scorecard.html"
    assert 0 == main(["demo", "--output", str(target), "--no-color"])
    capsys.readouterr()
    page = target.read_text()
    total = page.split('<section class="view" id="view-0"')[1].split('<section class="view" id="view-1"')[0]
    quartile = {}
    for indicator, cells in re.findall(r'<tr data-indicator="(\w+)">(.*?)</tr>', total, re.S):
        quartile[indicator] = re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)[8]  # the title is a <th>
    for indicator in RANKED:
        assert re.fullmatch(r"1 \(best\)|2|3|4 \(worst\)", quartile[indicator]), (indicator, quartile[indicator])
    for indicator in NEUTRAL:
        assert "–" == quartile[indicator]
    shown = {i for i, text in quartile.items() if text != "–"}
    assert RANKED == shown  # no other indicator has 2016/17 boundaries (dental checks start in 2017/18)
    assert "Benchmark sources" in page and "R quantile(), type 7" in page
