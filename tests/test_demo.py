"""The demo: synthetic data shaped like the January 2017 report, and the scorecard."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import indicators
from indicators._cli import main
from indicators.demo import SYNTHETIC_NOTE, generate, write_csv


@pytest.fixture(scope="module")
def data():
    return generate(seed=2017)


@pytest.fixture(scope="module")
def january(data):
    results = {}
    for name in ("childrens-social-care", "early-help"):
        pack = indicators.load_pack(name)
        for record in indicators.evaluate(pack, data, "2016-04", "2017-01"):
            if record.period == "2017-01":
                results[record.indicator] = record
    return results


# (indicator, the report's January 2017 figure, tolerance)
HEADLINES = [
    ("contacts", 1450, 150),  # 1,300-1,600 a month since September 2016
    ("contacts_decided_1wd", 79.8, 3),
    ("re_referrals", 22.7, 4),
    ("re_referrals_12m", 28.1, 3),
    ("assessments_45wd", 67.7, 5),
    ("assessments_45wd_ytd", 84.4, 4),
    ("s47_rate", 244.0, 15),
    ("icpc_15wd_ytd", 90.6, 4),
    ("cp_count", 330, 25),
    ("cp_rate", 58.6, 4.5),
    ("cin_rate", 357.3, 30),
    ("lac_count", 482, 35),
    ("lac_rate", 85.5, 6.5),
    ("lac_visits_national", 78.7, 6),
    ("lac_3_placements", 11.7, 4),
    ("care_leavers", 224, 25),
    ("adoptions", 9, 0),
    ("caseload_duty_assessment", 15.8, 2),
    ("caseload_safeguarding", 15, 2),  # down from 26
    ("caseload_lac", 12.9, 2),
    ("eh_contacts", 403, 40),
    ("neet", 3.2, 0.8),
]


@pytest.mark.parametrize("indicator, figure, tolerance", HEADLINES, ids=[h[0] for h in HEADLINES])
def test_january_2017_lands_near_the_report(january, indicator, figure, tolerance):
    assert abs(january[indicator].value - figure) <= tolerance, january[indicator]


def test_every_indicator_of_both_packs_has_a_january_value(january):
    missing = [name for name, record in january.items() if record.value is None]
    assert [] == missing


def test_the_data_is_seeded_and_scales(data):
    again = generate(seed=2017)
    def same(a, b):
        return np.array_equal(a.view("i8"), b.view("i8")) if a.dtype.kind == "M" else np.array_equal(a, b)

    assert all(same(data[t][c], again[t][c]) for t in data for c in data[t])
    bigger = generate(seed=2017, scale=3)
    ratio = bigger["contacts"]["child_id"].size / data["contacts"]["child_id"].size
    assert 2.8 < ratio < 3.2


def test_demo_data_writes_labelled_csv_that_both_packs_validate(tmp_path, capsys):
    assert 0 == main(["demo-data", str(tmp_path), "--scale", "0.2"])
    assert SYNTHETIC_NOTE in (tmp_path / "README.txt").read_text()
    assert "SYNTHETIC" in capsys.readouterr().err
    for name in ("childrens-social-care", "early-help"):
        assert 0 == main(["validate", name, "--data", str(tmp_path)])


def test_demo_prints_the_scorecard_and_writes_html(tmp_path, capsys):
    target = tmp_path / "scorecard.html"
    assert 0 == main(["demo", "--output", str(target), "--no-color"])
    out = capsys.readouterr().out
    assert "SYNTHETIC DATA" in out and "Looked-after children" in out
    assert "\033[" not in out
    page = target.read_text()
    assert "SYNTHETIC DATA" in page
    n_indicators = len(indicators.load_pack("childrens-social-care").indicators) + len(
        indicators.load_pack("early-help").indicators)
    # the total's view holds every indicator; the teams' views, those broken down by team
    total = page.split('<section class="view" id="view-0"')[1].split('<section class="view" id="view-1"')[0]
    assert n_indicators == len(re.findall(r'<tr data-indicator="', total))
    assert n_indicators == len(re.findall(r'<svg class="trend"', total))
    duty = page.split('<section class="view" id="view-1"')[1].split('<section class="view" id="view-2"')[0]
    assert "team: Duty 1" in duty and 'data-indicator="assessments_45wd"' in duty
    assert 'data-indicator="contacts"' not in duty  # contacts record no team
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page


def test_html_is_also_a_format_of_evaluate(tmp_path, capsys):
    write_csv(generate(seed=1, scale=0.1), tmp_path)
    assert 0 == main(["evaluate", "early-help", "--data", str(tmp_path), "--from", "2016-10",
                      "--to", "2017-01", "--format", "html"])
    page = capsys.readouterr().out
    assert page.startswith("<!DOCTYPE html>") and 'data-indicator="neet"' in page


def test_suppressed_cells_are_shown_plainly():
    from indicators._scorecard import render_html

    pack = indicators.loads_pack('[indicators.n]\ntitle = "N"\ntable = "t"\ndate = "d"\n')
    results = indicators.evaluate(pack, {"t": {"d": ["2017-01-02"] * 2}}, "2017-01", "2017-01", suppress_below=5)
    assert '<td class="num suppressed">suppressed</td>' in render_html(results)


def test_demo_data_never_overwrites_a_users_files(tmp_path, capsys):
    from indicators._cli import main

    (tmp_path / "mine.csv").write_text("precious\n")
    assert 1 == main(["demo-data", str(tmp_path)])
    assert "is not empty and holds no earlier demo data" in capsys.readouterr().err
    assert 1 == main(["demo-data", str(tmp_path / "mine.csv")])
    assert "is a file" in capsys.readouterr().err
    assert "precious\n" == (tmp_path / "mine.csv").read_text()
    assert 0 == main(["demo-data", str(tmp_path / "demo"), "--scale", "0.05"])
    assert 0 == main(["demo-data", str(tmp_path / "demo"), "--scale", "0.05"])  # its own earlier output: fine


def test_demo_names_the_team_furthest_from_target_and_a_drill_down_that_works(tmp_path, capsys):
    """The demo's terminal output ends with each broken-down indicator's worst team and an
    explain command; that command, pasted, lists the rows behind the team's figure."""
    import shlex

    assert 0 == main(["demo", "--output", str(tmp_path / "scorecard.html"), "--no-color"])
    out = capsys.readouterr().out
    teams = out.split("Groups furthest from target")[1]
    assert "Re-referrals within 12 months (rolling 12 months)" in teams and "team Duty" in teams
    command = teams.strip().splitlines()[-1].strip()
    make_data, explain = (shlex.split(part) for part in command.split("&&"))
    assert make_data[:2] == ["indicators", "demo-data"] and explain[:2] == ["indicators", "explain"]
    folder = str(tmp_path / "demo")
    assert 0 == main(["demo-data", folder])
    args = [folder if arg == "demo/" else arg for arg in explain[1:]]
    capsys.readouterr()
    assert 0 == main(args + ["--format", "json"])
    explanation = json.loads(capsys.readouterr().out)
    period, group = args[args.index("--period") + 1], dict([args[args.index("--group") + 1].split("=")])
    result = indicators.evaluate(indicators.load_pack("childrens-social-care"), folder, period, period)
    listed = sum(row["role"] == "numerator" for row in explanation["rows"])
    assert listed == explanation["numerator"] and group["team"] in json.dumps(explanation)
    assert explanation["denominator"] < result.get(args[args.index("--indicator") + 1], period).denominator
