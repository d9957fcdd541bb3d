"""End to end: synthetic Annex A and SSDA903 files from ``indicators demo-data``, read by
the plugins' loaders and evaluated by their packs, checked against counts made directly
from the generated rows."""

from __future__ import annotations

import csv
import datetime
import importlib.metadata
import json
from pathlib import Path

import pytest

import indicators
from indicators._cli import main
from indicators.demo._returns import annex_a_lists, ssda903_returns
from returns import registry

SEED, SCALE = 7, 0.3
MONTHS = ["2016-10", "2016-11", "2016-12", "2017-01", "2017-02", "2017-03"]


def month_end(period: str) -> datetime.date:
    year, month = map(int, period.split("-"))
    return datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)


def in_month(day: datetime.date | None, period: str) -> bool:
    return day is not None and f"{day.year:04d}-{day.month:02d}" == period


def open_at(start: datetime.date | None, end: datetime.date | None, day: datetime.date) -> bool:
    return start is not None and start <= day and (end is None or end > day)


def by_indicator(results: indicators.Results, name: str) -> dict[str, indicators.Result]:
    return {r.period: r for r in results if r.indicator == name}


@pytest.fixture(scope="module")
def annex_a_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("annex-a")
    assert 0 == main(["demo-data", str(folder), "--format", "annex-a", "--seed", str(SEED), "--scale", str(SCALE)])
    return folder


@pytest.fixture(scope="module")
def ssda903_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ssda903")
    assert 0 == main(["demo-data", str(folder), "--format", "ssda903", "--seed", str(SEED), "--scale", str(SCALE)])
    return folder


@pytest.fixture(scope="module")
def lists():
    rows = {}
    for number, (_, headers, body) in annex_a_lists(seed=SEED, scale=SCALE).items():
        rows[number] = [dict(zip(headers, row)) for row in body]
    return rows


@pytest.mark.parametrize("location", ["annex-a.xlsx", "annex-a-csv"])
def test_the_annex_a_pack_on_the_demo_workbook_and_csv_folder_counts_the_generated_rows(annex_a_folder, lists,
                                                                                           location):
    pack = indicators.load_pack("annex-a", registry=registry())
    results = indicators.evaluate(pack, annex_a_folder / location, MONTHS[0], MONTHS[-1], loader="annex-a")
    assert [] == results.failures
    contacts, nfa = by_indicator(results, "contacts"), by_indicator(results, "referrals_nfa")
    cp, lac = by_indicator(results, "cp_count"), by_indicator(results, "lac_count")
    adoptions = by_indicator(results, "adoptions")
    for period in MONTHS:
        end = month_end(period)
        assert sum(in_month(r["Date of Contact"], period) for r in lists[1]) == contacts[period].value
        referred = [r for r in lists[3] if in_month(r["Date of referral"], period)]
        assert sum(r["Referral NFA?"] in ("a) Yes", "Yes") for r in referred) == nfa[period].numerator
        assert len(referred) == nfa[period].denominator
        assert len({r["Child Unique ID"] for r in lists[7] if open_at(r["Child Protection Plan Start Date"],
                                                                     r["Child Protection Plan End Date"], end)}) \
            == cp[period].value
        assert len({r["Child Unique ID"] for r in lists[8]
                    if open_at(r["Date Started to be Looked After"], r["Date Ceased to be Looked After "], end)
                    and r["Child's Legal Status"][:2] not in ("V3", "V4")}) == lac[period].value
        assert sum(in_month(r["Date of Adoption Order "], period) for r in lists[10]) == adoptions[period].value
    assert contacts["2017-01"].value > 100  # the demo's volumes, not an empty list


def read_return(folder: Path) -> dict[str, list[dict[str, str]]]:
    """Each table's rows, years merged by hand: the latest year's row of each key wins."""
    keys = {"episodes": ("CHILD", "DECOM"), "oc3": ("CHILD", "YEAR")}
    merged: dict[str, dict] = {}
    for year in sorted(p for p in folder.iterdir() if p.is_dir()):
        for path in year.glob("*.csv"):
            with open(path, newline="", encoding="utf-8") as stream:
                for row in csv.DictReader(stream):
                    row["YEAR"] = year.name
                    key = tuple(row[k] for k in keys.get(path.stem, ("CHILD", "YEAR")))
                    merged.setdefault(path.stem, {})[key] = row
    return {name: list(rows.values()) for name, rows in merged.items()}


def uk(text: str) -> datetime.date | None:
    return datetime.datetime.strptime(text, "%d/%m/%Y").date() if text else None


def test_the_ssda903_pack_on_the_demo_returns_counts_the_generated_episodes(ssda903_folder):
    pack = indicators.load_pack("ssda903", registry=registry())
    months = ["2016-04", "2016-09", "2017-01", "2017-03"]
    results = indicators.evaluate(pack, ssda903_folder, months[0], months[-1], loader="ssda903")
    assert [] == results.failures
    tables = read_return(ssda903_folder)
    episodes = [dict(e, decom=uk(e["DECOM"]), dec=uk(e["DEC"])) for e in tables["episodes"]]
    lac, started = by_indicator(results, "lac_count"), by_indicator(results, "lac_started")
    three = by_indicator(results, "lac_3_placements")
    for period in months:
        end = month_end(period)
        looked_after = {e["CHILD"] for e in episodes if open_at(e["decom"], e["dec"], end)
                        and e["LS"] not in ("V3", "V4")}
        assert len(looked_after) == lac[period].value
        assert sum(in_month(e["decom"], period) and e["RNE"] == "S" and e["LS"] not in ("V3", "V4")
                   for e in episodes) == started[period].value
        year, month = end.year, end.month
        first = datetime.date(year - (1 if month < 12 else 0), month % 12 + 1, 1)  # the 12 months to `end`
        moves = {child: sum(1 for e in episodes if e["CHILD"] == child and e["RNE"] in ("S", "P", "B")
                            and first <= e["decom"] <= end) for child in looked_after}
        assert sum(count >= 3 for count in moves.values()) == three[period].numerator
        assert len(looked_after) == three[period].denominator
    oc3 = [row for row in tables["oc3"] if row["YEAR"] == "2017"]
    eet = by_indicator(results, "oc3_eet")["2017-03"]
    assert (sum(row["ACTIV"][:1] in ("F", "P") for row in oc3), len(oc3)) == (eet.numerator, eet.denominator)
    assert lac["2017-01"].value > 50


def test_demo_data_formats_write_what_the_loaders_read(annex_a_folder, ssda903_folder):
    assert {"annex-a.xlsx", "annex-a-csv", "README.txt"} == {p.name for p in annex_a_folder.iterdir()}
    assert {"2015", "2016", "2017", "README.txt"} == {p.name for p in ssda903_folder.iterdir()}
    assert "SYNTHETIC" in (annex_a_folder / "README.txt").read_text()
    written = sorted(p.stem for p in (ssda903_folder / "2017").iterdir())
    assert sorted(ssda903_returns(seed=SEED, scale=SCALE)[2017]) == written


def installed(distribution: str) -> bool:
    try:
        importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


@pytest.mark.skipif(not installed("indicators-annex-a"), reason="plugins/annex-a is not installed")
def test_the_command_line_evaluates_the_annex_a_pack_through_its_loader(annex_a_folder, lists, capsys):
    """What the issue asks a council to run: indicators evaluate PACK --data WORKBOOK --loader annex-a."""
    status = main(["evaluate", "annex-a", "--data", str(annex_a_folder / "annex-a.xlsx"), "--loader", "annex-a",
                   "--from", "2017-01", "--to", "2017-01", "--format", "json"])
    records = json.loads(capsys.readouterr().out)
    assert 0 == status
    contacts = next(r for r in records if r["indicator"] == "contacts")
    assert sum(in_month(r["Date of Contact"], "2017-01") for r in lists[1]) == contacts["value"]


def test_an_annex_a_with_only_some_lists_skips_the_indicators_of_the_others(tmp_path, lists):
    """A council's Annex A often lacks lists (early help held elsewhere, no adopters): the
    pack evaluates what the lists given support and names what it skipped, and why."""
    from indicators.demo._returns import ANNEX_A_HEADERS
    from indicators._xlsx import write_xlsx

    headers = ANNEX_A_HEADERS[1][1]
    rows = [[r[h] for h in headers] for r in lists[1]]
    workbook = write_xlsx(tmp_path / "contacts-only.xlsx", {"List 1": [headers] + rows})
    pack = indicators.load_pack("annex-a", registry=registry())
    results = indicators.evaluate(pack, workbook, "2017-01", "2017-01", loader="annex-a")
    assert ["contacts", "contacts_from_police"] == [r.indicator for r in results]
    assert "no table 'annex_a_adoption' in the data" == results.skipped["adoptions"]
    assert set(pack.indicators) == {"contacts", "contacts_from_police"} | set(results.skipped)


@pytest.mark.skipif(not installed("indicators-annex-a"), reason="plugins/annex-a is not installed")
@pytest.mark.parametrize("command", ["validate", "evaluate"])
def test_the_command_line_names_what_it_skipped(annex_a_folder, tmp_path, capsys, command):
    (tmp_path / "List 1.csv").write_bytes((annex_a_folder / "annex-a-csv" / "List 1.csv").read_bytes())
    extra = ["--from", "2017-01", "--to", "2017-01"] if command == "evaluate" else []
    status = main([command, "annex-a", "--data", str(tmp_path), "--loader", "annex-a", *extra])
    err = capsys.readouterr().err
    assert 0 == status
    assert "skipped: indicators.adoptions: no table 'annex_a_adoption' in the data\n" in err
    assert "skipped: indicators.contacts:" not in err


@pytest.mark.skipif(not installed("indicators-ssda903"), reason="plugins/ssda903 is not installed")
def test_a_stray_quote_in_a_return_fails_validate_with_the_file_and_line(ssda903_folder, tmp_path, capsys):
    """The QA recipe (#14): a " at the start of line 101 of episodes.csv made validate say
    "no problems found" while lac_count fell from 509 to 47."""
    import shutil

    shutil.copytree(ssda903_folder, tmp_path / "returns")
    episodes = tmp_path / "returns" / "2017" / "episodes.csv"
    lines = episodes.read_bytes().split(b"\n")
    lines[100] = b'"' + lines[100]
    episodes.write_bytes(b"\n".join(lines))
    status = main(["validate", "ssda903", "--data", str(tmp_path / "returns"), "--loader", "ssda903"])
    err = capsys.readouterr().err
    assert 1 == status
    assert f"{episodes}:101: unbalanced quote: the quoted cell starting on line 101" in err
    assert "Traceback" not in err and "internal error" not in err


@pytest.mark.skipif(not installed("indicators-ssda903"), reason="plugins/ssda903 is not installed")
def test_loose_files_beside_year_folders_fail_evaluate_rather_than_give_wrong_figures(ssda903_folder, tmp_path,
                                                                                      capsys):
    import shutil

    shutil.copytree(ssda903_folder / "2016", tmp_path / "y2" / "2016")
    for path in (ssda903_folder / "2017").glob("*.csv"):
        shutil.copy(path, tmp_path / "y2")
    status = main(["evaluate", "ssda903", "--data", str(tmp_path / "y2"), "--loader", "ssda903",
                   "--from", "2017-03", "--to", "2017-03"])
    assert 1 == status
    assert "holds both CSV files" in capsys.readouterr().err
