"""The Excel workbook: sheets by report group, numbers as numbers, RAG colours, notes and
definitions, read back with openpyxl."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap

import pytest

from conftest import pack_from
from indicators import Results, evaluate
from indicators._cli import main
from indicators import render_xlsx

openpyxl = pytest.importorskip("openpyxl")

PACK = """
[pack]
name = "front-door"
title = "Front door"

[indicators.decided_1wd]
title = "Contacts decided within 1 working day"
group = "Contact and referral"
kind = "percentage"
table = "contacts"
date = "received_on"
where = "decided_on is not missing"
numerator = "working_days(received_on, decided_on) <= 1"
target = 60
tolerance = 15
polarity = "higher_is_better"
source = "Working Together 2015"

[indicators.contacts]
title = "Contacts"
group = "Contact and referral"
table = "contacts"
date = "received_on"
decimals = 0

[indicators.referrals_per_10k]
title = "Referrals per 10,000 children"
group = "Referrals: rates/ratios"
kind = "rate"
table = "contacts"
date = "received_on"
where = "outcome == 'referral'"
denominator = { population = "children" }
decimals = 2

[populations]
children = 20000
"""

TABLES = {"contacts": {
    "received_on": ["2017-01-03", "2017-01-04", "2017-01-05", "2017-01-05", "2017-02-01", "2017-02-02"],
    "decided_on": ["2017-01-03", "2017-01-20", None, None, "2017-02-01", "2017-02-20"],
    "outcome": ["referral", "nfa", "referral", "referral", "nfa", "referral"],
}}


def _book(results: Results):
    return openpyxl.load_workbook(io.BytesIO(render_xlsx(results)))


def _row(sheet, indicator: str) -> list:
    for row in sheet.iter_rows():
        if row[1].value == indicator:
            return list(row)
    raise KeyError(indicator)


@pytest.fixture
def results() -> Results:
    return evaluate(pack_from(PACK), TABLES, "2017-01", "2017-02")


def test_one_sheet_per_report_group_then_records_notes_and_definitions(results):
    book = _book(results)
    assert ["Contact and referral", "Referrals- rates-ratios", "Records", "Notes", "Definitions"] == book.sheetnames


def test_values_are_numbers_in_the_values_format(results):
    """A manager sees 50.0%, but the cell holds the number 50 for their own formulas."""
    sheet = _book(results)["Contact and referral"]
    assert ["Indicator", "Id", "Target", "2017-01", "2017-02"] == [c.value for c in sheet[5]]
    decided = _row(sheet, "decided_1wd")
    assert [50.0, 50.0] == [c.value for c in decided[3:5]]
    assert '#,##0.0"%"' == decided[3].number_format
    assert 60 == decided[2].value
    contacts = _row(sheet, "contacts")
    assert [4, 2] == [c.value for c in contacts[3:5]]
    assert "#,##0" == contacts[3].number_format
    rate = _row(_book(results)["Referrals- rates-ratios"], "referrals_per_10k")
    assert [1.5, 0.5] == [c.value for c in rate[3:5]]
    assert "#,##0.00" == rate[3].number_format


def test_rag_is_the_cell_colour(results):
    """50% against a target of 60 with a tolerance of 15 is amber; a count has no RAG."""
    assert ["amber", "amber"] == [r.rag for r in results.for_indicator("decided_1wd")]
    sheet = _book(results)["Contact and referral"]
    assert "FFFFEB9C" == _row(sheet, "decided_1wd")[3].fill.fgColor.rgb
    assert _row(sheet, "contacts")[3].fill.fill_type is None


def test_red_and_green_cells():
    pack = PACK.replace("target = 60", "target = 95").replace("tolerance = 15", "tolerance = 1")
    results = evaluate(pack_from(pack), TABLES, "2017-01", "2017-01")
    assert "FFFFC7CE" == _row(_book(results)["Contact and referral"], "decided_1wd")[3].fill.fgColor.rgb
    pack = PACK.replace("target = 60", "target = 40")
    results = evaluate(pack_from(pack), TABLES, "2017-01", "2017-01")
    assert "FFC6EFCE" == _row(_book(results)["Contact and referral"], "decided_1wd")[3].fill.fgColor.rgb


def test_suppressed_cells_say_so_and_the_notes_sheet_lists_them():
    results = evaluate(pack_from(PACK), TABLES, "2017-01", "2017-02", suppress_below=2)
    book = _book(results)
    decided = _row(book["Contact and referral"], "decided_1wd")
    assert ["suppressed", "suppressed"] == [c.value for c in decided[3:5]]
    notes = list(book["Notes"].iter_rows(min_row=2, values_only=True))
    assert ("decided_1wd", "2017-01", "suppressed (small numbers)", None) in notes


def test_notes_sheet_holds_the_data_quality_notes(results):
    notes = list(_book(results)["Notes"].iter_rows(min_row=2, values_only=True))
    expected = [(r.indicator, r.period, reason, count) for r in results for reason, count in r.notes.items()]
    assert expected, "the duplicate contact should be noted"
    assert set(expected) <= set(notes)
    assert ("contacts", "2017-01", "duplicate rows (contacts)", 1) in notes


def test_definitions_sheet_lets_the_figures_be_checked(results):
    rows = list(_book(results)["Definitions"].iter_rows(values_only=True))
    assert ("id", "title", "group", "kind", "numerator", "denominator", "window", "target", "tolerance",
            "polarity", "source", "description", "pack") == rows[0]
    by_id = {row[0]: row for row in rows[1:]}
    assert ["decided_1wd", "contacts", "referrals_per_10k"] == list(by_id)
    decided = by_id["decided_1wd"]
    assert "denominator rows where working_days(received_on, decided_on) <= 1" == decided[4]
    assert "rows of contacts where decided_on is not missing" == decided[5]
    assert ("month by received_on", "60", "15") == decided[6:9]
    assert "Working Together 2015" == decided[10]
    assert "front-door" == decided[12]
    assert "population children (per 10000)" == by_id["referrals_per_10k"][5]


def test_records_sheet_holds_every_record(results):
    rows = list(_book(results)["Records"].iter_rows(values_only=True))
    header = rows[0]
    assert len(results) == len(rows) - 1
    values = [dict(zip(header, row)) for row in rows[1:]]
    assert [r.value for r in results] == [row["value"] for row in values]
    assert [r.numerator for r in results] == [row["numerator"] for row in values]


def test_two_packs_in_one_workbook_define_every_indicator():
    other = textwrap.dedent("""
    [pack]
    name = "other"
    [indicators.nfa]
    title = "No further action"
    table = "contacts"
    date = "received_on"
    where = "outcome == 'nfa'"
    """)
    results = Results.combine([evaluate(pack_from(PACK), TABLES, "2017-01", "2017-01"),
                               evaluate(pack_from(other), TABLES, "2017-01", "2017-01")])
    book = _book(results)
    assert "Other indicators" in book.sheetnames
    ids = [row[0] for row in book["Definitions"].iter_rows(min_row=2, values_only=True)]
    assert ["decided_1wd", "contacts", "referrals_per_10k", "nfa"] == ids


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pack.toml").write_text(PACK)
    data = tmp_path / "data"
    data.mkdir()
    (data / "contacts.csv").write_text("received_on,decided_on,outcome\n2017-01-03,2017-01-03,referral\n")
    return tmp_path


def test_command_line_writes_the_workbook(project):
    target = project / "out.xlsx"
    status = main(["evaluate", str(project / "pack.toml"), "--data", str(project / "data"),
                   "--from", "2017-01", "--to", "2017-01", "--format", "xlsx", "--output", str(target)])
    assert 0 == status
    assert 100.0 == _row(openpyxl.load_workbook(target)["Contact and referral"], "decided_1wd")[3].value


def test_command_line_writes_the_workbook_to_a_pipe(project):
    out = subprocess.run([sys.executable, "-m", "indicators._cli", "evaluate", str(project / "pack.toml"),
                          "--data", str(project / "data"), "--from", "2017-01", "--to", "2017-01",
                          "--format", "xlsx"], capture_output=True, check=True).stdout
    assert "Definitions" in openpyxl.load_workbook(io.BytesIO(out)).sheetnames


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_command_line_refuses_a_workbook_to_a_terminal(project, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdout", _Terminal())
    status = main(["evaluate", str(project / "pack.toml"), "--data", str(project / "data"),
                   "--from", "2017-01", "--to", "2017-01", "--format", "xlsx"])
    assert 2 == status
    assert "binary file, not for a terminal: give --output FILE.xlsx" in capsys.readouterr().err
    assert "" == sys.stdout.getvalue()


def test_command_line_names_the_extra_when_openpyxl_is_missing(project, monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "openpyxl" else real(name, *a))
    status = main(["evaluate", str(project / "pack.toml"), "--data", str(project / "data"),
                   "--from", "2017-01", "--to", "2017-01", "--format", "xlsx", "--output", str(project / "x.xlsx")])
    assert 2 == status
    assert "error: the xlsx format needs openpyxl: pip install 'indicators[xlsx]'" in capsys.readouterr().err
    assert not (project / "x.xlsx").exists()


def test_text_is_never_a_formula_and_control_characters_do_not_break_the_workbook():
    """A title starting with "=" stays text; a control character is shown, not fatal."""
    pack = PACK.replace('title = "Contacts"', 'title = "=HYPERLINK(\\"http://example.invalid\\")"').replace(
        'group = "Referrals: rates/ratios"', 'group = "Bell\\u0007 group"')
    results = evaluate(pack_from(pack), TABLES, "2017-01", "2017-01")
    book = _book(results)
    cell = _row(book["Contact and referral"], "contacts")[0]
    assert ('=HYPERLINK("http://example.invalid")', "s") == (cell.value, cell.data_type)
    assert "Bell- group" in book.sheetnames
    assert "Bell\ufffd group" == book["Bell- group"]["A1"].value


def test_no_results_still_make_a_workbook():
    book = _book(Results([]))
    assert ["Records", "Notes", "Definitions"] == book.sheetnames


def test_notes_sheet_names_skipped_indicators():
    results = evaluate(pack_from(PACK), TABLES, "2017-01", "2017-01")
    results.skipped["adoptions"] = "no table 'adoptions' in the data"
    notes = list(_book(results)["Notes"].iter_rows(min_row=2, values_only=True))
    assert ("adoptions", None, "not evaluated: no table 'adoptions' in the data", None) in notes  # empty cell
