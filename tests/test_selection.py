"""What a command-line run evaluates: several packs, chosen indicators and groups; and
what it says while and after it runs (data dates, progress)."""

from __future__ import annotations

import datetime
import io
import json
import re
import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st

import indicators
from conftest import pack_from, run
from indicators import _progress
from indicators._cli import build_parser, main
from indicators._progress import Progress
from strategies import contacts

FRONT_DOOR = textwrap.dedent("""
    [pack]
    name = "front-door"
    title = "Front door"

    [indicators.contacts]
    title = "Contacts"
    group = "Contacts"
    table = "contacts"
    date = "received_on"

    [indicators.referrals]
    title = "Contacts becoming referrals"
    group = "Referrals"
    table = "contacts"
    date = "received_on"
    where = "outcome == 'referral'"
""")

EARLY_HELP = textwrap.dedent("""
    [pack]
    name = "help"
    title = "Early help"

    [indicators.eh_contacts]
    title = "Early help contacts"
    group = "Contacts"
    table = "eh_contacts"
    date = "received_on"
""")


@pytest.fixture
def project(tmp_path):
    (tmp_path / "front-door.toml").write_text(FRONT_DOOR)
    (tmp_path / "help.toml").write_text(EARLY_HELP)
    data = tmp_path / "data"
    data.mkdir()
    (data / "contacts.csv").write_text("received_on,outcome\n2017-01-03,referral\n2017-01-09,nfa\n2017-02-01,nfa\n")
    (data / "eh_contacts.csv").write_text("received_on\n2017-01-04\n2017-02-07\n2017-02-08\n")
    return tmp_path


def _evaluate(project, *extra: str, start="2017-01", end="2017-02") -> list[tuple]:
    return ["evaluate", *extra, "--data", str(project / "data"), "--from", start, "--to", end, "--format", "json"]


def _figures(out: str) -> list[tuple]:
    return [(r["indicator"], r["period"], r["value"]) for r in json.loads(out)]


def test_two_packs_make_one_set_of_results(project, capsys):
    status = main(_evaluate(project, str(project / "front-door.toml"), str(project / "help.toml")))
    captured = capsys.readouterr()
    assert 0 == status, captured.err
    assert [("contacts", "2017-01", 2.0), ("contacts", "2017-02", 1.0),
            ("referrals", "2017-01", 1.0), ("referrals", "2017-02", 0.0),
            ("eh_contacts", "2017-01", 1.0), ("eh_contacts", "2017-02", 2.0)] == _figures(captured.out)


def test_two_packs_make_one_scorecard(project, capsys):
    target = project / "both.html"
    main(["evaluate", str(project / "front-door.toml"), str(project / "help.toml"), "--data",
          str(project / "data"), "--from", "2017-01", "--to", "2017-02", "--format", "html", "--output", str(target)])
    page = target.read_text()
    assert "Front door and Early help" in page
    assert "Contacts becoming referrals" in page and "Early help contacts" in page


def test_indicators_and_groups_choose_what_runs(project, capsys):
    main(_evaluate(project, str(project / "front-door.toml"), str(project / "help.toml"),
                   "--indicator", "referrals", "--group", "Contacts"))
    assert ["contacts", "referrals", "eh_contacts"] == list(dict.fromkeys(i for i, _, _ in _figures(capsys.readouterr().out)))
    main(_evaluate(project, str(project / "front-door.toml"), str(project / "help.toml"), "--indicator", "eh_contacts"))
    assert {"eh_contacts"} == {i for i, _, _ in _figures(capsys.readouterr().out)}


def test_a_pack_left_without_indicators_reads_none_of_its_tables(project, capsys):
    (project / "data" / "eh_contacts.csv").unlink()
    status = main(_evaluate(project, str(project / "front-door.toml"), str(project / "help.toml"),
                            "--indicator", "contacts"))
    assert 0 == status
    assert {"contacts"} == {i for i, _, _ in _figures(capsys.readouterr().out)}


def test_unknown_indicator_and_group_are_named_with_a_suggestion(project, capsys):
    status = main(_evaluate(project, str(project / "front-door.toml"), "--indicator", "referals",
                            "--group", "Referral"))
    err = capsys.readouterr().err
    assert 1 == status
    assert "error: --indicator referals: no such indicator in front-door; did you mean 'referrals'?" in err
    assert "error: --group 'Referral': no indicator has this group; did you mean 'Referrals'?" in err
    assert "Traceback" not in err


def test_the_same_indicator_in_two_packs_is_refused(project, capsys):
    (project / "copy.toml").write_text(FRONT_DOOR.replace('name = "front-door"', 'name = "copy"'))
    status = main(_evaluate(project, str(project / "front-door.toml"), str(project / "copy.toml")))
    err = capsys.readouterr().err
    assert 1 == status
    assert "indicator 'contacts' is also in pack 'front-door'" in err


def test_problems_of_every_pack_are_reported_together(project, capsys):
    (project / "bad1.toml").write_text("[indicators.a]\ntitle = 1\ntable = 't'\ndate = 'd'\n")
    (project / "bad2.toml").write_text("[indicators.b]\ntitle = 'B'\ntable = 't'\n")
    status = main(_evaluate(project, str(project / "bad1.toml"), str(project / "bad2.toml")))
    err = capsys.readouterr().err
    assert 1 == status
    assert "bad1.toml" in err and "bad2.toml" in err


def test_a_folder_of_two_packs_says_how_to_run_both(project, capsys):
    folder = project / "packs"
    folder.mkdir()
    (folder / "a.toml").write_text(FRONT_DOOR)
    (folder / "b.toml").write_text(EARLY_HELP)
    assert 1 == main(_evaluate(project, str(folder)))
    assert "indicators evaluate A.toml B.toml" in capsys.readouterr().err


def test_a_table_two_packs_read_alike_is_read_once(project, monkeypatch, capsys):
    from indicators import _loaders

    reads = []
    real = _loaders.read_csv_table
    monkeypatch.setattr(_loaders, "read_csv_table", lambda path, *a, **k: reads.append(path.stem) or real(path, *a, **k))
    (project / "more.toml").write_text(FRONT_DOOR.replace('name = "front-door"', 'name = "more"')
                                       .replace("indicators.contacts]", "indicators.all_contacts]")
                                       .replace("indicators.referrals]", "indicators.all_referrals]"))
    assert 0 == main(_evaluate(project, str(project / "front-door.toml"), str(project / "more.toml")))
    assert ["contacts"] == reads


def test_help_lists_every_installed_format():
    from indicators._plugins import default_registry

    text = build_parser()._subparsers._group_actions[0].choices["evaluate"].format_help()
    for name in default_registry().renderers:
        assert name in " ".join(text.split())
    assert "xlsx needs openpyxl" in " ".join(text.split())


# --- the run's months against the data's dates


def test_a_run_after_the_data_warns_naming_tables_and_dates(project, capsys):
    status = main(_evaluate(project, str(project / "front-door.toml"), str(project / "help.toml"),
                            start="2018-01", end="2018-03"))
    err = capsys.readouterr().err
    assert 0 == status
    assert ("warning: the run 2018-01 to 2018-03 lies outside the dates in the data, which hold: "
            "contacts 2017-01-03 to 2017-02-01") in err
    assert "eh_contacts 2017-01-04 to 2017-02-08" in err


def test_months_partly_outside_the_data_are_named():
    pack = """
    [indicators.contacts]
    title = "Contacts"
    table = "contacts"
    date = "received_on"
    """
    tables = {"contacts": {"received_on": ["2017-01-15", "2017-03-31", None]}}
    assert [] == run(pack, tables, "2017-01", "2017-03").warnings
    assert ["months 2016-11 to 2016-12 lie before and month 2017-04 lies after the dates in the data, "
            "which hold: contacts 2017-01-15 to 2017-03-31"] == run(pack, tables, "2016-11", "2017-04").warnings
    assert ["the run 2016-01 lies outside the dates in the data, which hold: contacts 2017-01-15 to 2017-03-31"
            ] == run(pack, tables, "2016-01").warnings


def test_a_snapshot_counts_its_start_and_end_dates():
    pack = """
    [indicators.open]
    title = "Open episodes"
    table = "episodes"
    window = "snapshot"
    start = "started_on"
    end = "ended_on"
    """
    tables = {"episodes": {"started_on": ["2016-05-02"], "ended_on": ["2017-02-10"]}}
    assert [] == run(pack, tables, "2016-05", "2017-02").warnings
    assert ["month 2017-03 lies after the dates in the data, which hold: episodes 2016-05-02 to 2017-02-10"
            ] == run(pack, tables, "2017-01", "2017-03").warnings


def test_a_table_without_dates_is_named():
    pack = """
    [indicators.contacts]
    title = "Contacts"
    table = "contacts"
    date = "received_on"

    [tables.contacts.columns]
    received_on = "date"
    """
    assert ["the data holds no dates to place rows in months: contacts (no dates)"] == run(
        pack, {"contacts": {"received_on": [None, None]}}, "2017-01").warnings


# --- progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_appears_only_after_a_second_and_is_cleared():
    now = [0.0]
    stream = _Terminal()
    progress = Progress(stream, clock=lambda: now[0], delay=1.0, interval=0.0)
    progress.step("reading tables", 0, 3, "contacts")
    assert "" == stream.getvalue()
    now[0] = 1.5
    progress.step("reading tables", 1, 3, "referrals")
    assert "\rreading tables 1/3 referrals  2s" == stream.getvalue()
    progress.close()
    assert stream.getvalue().endswith("\r" + " " * len("reading tables 1/3 referrals  2s") + "\r")


def test_progress_is_off_when_not_a_terminal():
    stream = io.StringIO()
    progress = Progress(stream, delay=0.0)
    progress.step("evaluating", 1, 2, "contacts")
    progress.close()
    assert "" == stream.getvalue()


def test_command_line_shows_progress_on_a_terminal_unless_quiet(project, monkeypatch, capsys):
    monkeypatch.setattr(_progress, "DELAY", 0.0)
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert 0 == main(_evaluate(project, str(project / "front-door.toml"), str(project / "help.toml")))
    shown = terminal.getvalue()
    assert "reading tables 0/2 contacts" in shown
    assert "evaluating 3/3" in shown
    assert shown.endswith("\r")
    assert "reading" not in capsys.readouterr().out
    quiet = _Terminal()
    monkeypatch.setattr("sys.stderr", quiet)
    assert 0 == main(_evaluate(project, str(project / "front-door.toml"), "--quiet"))
    assert "" == quiet.getvalue()


def test_progress_shows_each_new_stage_even_within_the_interval():
    now = [5.0]
    stream = _Terminal()
    progress = Progress(stream, clock=lambda: now[0], delay=0.0, interval=10.0)
    progress.step("evaluating", 1, 3, "contacts")
    progress.step("evaluating", 2, 3, "referrals")
    progress.step("writing", 0, 0, "xlsx")
    assert ["", "evaluating 1/3 contacts  0s", "writing xlsx  0s"] == [
        line.strip() for line in stream.getvalue().split("\r")]


def _month(code: int) -> datetime.date:
    return datetime.date(code // 12, code % 12 + 1, 1)


def _named_months(warning: str) -> set[str]:
    """Every month a warning names, its spans expanded."""
    named = set()
    for first, last in re.findall(r"(\d{4}-\d{2})(?: to (\d{4}-\d{2}))?", warning.split(", which hold")[0]):
        code = int(first[:4]) * 12 + int(first[5:]) - 1
        end = int((last or first)[:4]) * 12 + int((last or first)[5:]) - 1
        named |= {_month(c).strftime("%Y-%m") for c in range(code, end + 1)}
    return named


@given(contacts(), st.integers(0, 30), st.integers(0, 6))
def test_warnings_name_exactly_the_months_without_data(table, first, length):
    """The months named are exactly those before the first date's month or after the
    last date's month; with no dates at all, the table is named as having none."""
    pack = """
    [indicators.contacts]
    title = "Contacts"
    table = "contacts"
    date = "received_on"

    [tables.contacts.columns]
    received_on = "date"
    """
    start = 2015 * 12 + 6 + first
    months = [_month(code) for code in range(start, start + length + 1)]
    warnings = run(pack, {"contacts": table}, months[0].strftime("%Y-%m"), months[-1].strftime("%Y-%m")).warnings
    dates = [d for d in table["received_on"] if d is not None]
    if not dates:
        assert ["the data holds no dates to place rows in months: contacts (no dates)"] == warnings
        return
    low, high = min(dates), max(dates)
    outside = {m.strftime("%Y-%m") for m in months
               if (m.year, m.month) < (low.year, low.month) or (m.year, m.month) > (high.year, high.month)}
    if not outside:
        assert [] == warnings
        return
    assert 1 == len(warnings)
    assert warnings[0].endswith(f", which hold: contacts {low.isoformat()} to {high.isoformat()}")
    assert outside == _named_months(warnings[0])


def test_a_missing_table_is_named_with_what_the_folder_holds(project, capsys):
    """With several packs, a table the folder lacks is reported as for one pack: who needs
    it, the nearest name in the folder, and the tables given."""
    (project / "data" / "contacts.csv").rename(project / "data" / "contact.csv")
    status = main(_evaluate(project, str(project / "front-door.toml"), str(project / "help.toml")))
    err = capsys.readouterr().err
    assert 1 == status
    assert "no table 'contacts' in the data (needed by contacts, referrals); did you mean 'contact'?" in err
    assert "Traceback" not in err


def test_a_lookup_over_all_time_does_not_set_the_datas_dates():
    """A date of birth read through a to_date lookup is not the period the data covers:
    it must not make every run warn that it lies after the data."""
    text = """
    [indicators.open_young]
    title = "Open episodes of children born after 2000"
    kind = "percentage"
    table = "episodes"
    window = "snapshot"
    start = "started_on"
    numerator = "born >= 1"

    [indicators.open_young.lookups]
    born = { table = "children", key = "child_id", date = "born_on", aggregate = "count", where = "year(born_on) > 2000" }
    """
    tables = {"episodes": {"child_id": [1, 2], "started_on": ["2016-05-01", "2016-12-01"]},
              "children": {"child_id": [1, 2], "born_on": ["1999-03-01", "2005-07-01"]}}
    results = indicators.evaluate(pack_from(text), tables, "2016-06", "2016-12")
    assert [] == results.warnings
    assert 50.0 == results.get("open_young", "2016-12").value


def test_a_pack_named_twice_is_one_message(capsys):
    assert 1 == main(["evaluate", "early-help", "early-help", "--data", ".", "--from", "2016-04", "--to", "2016-04"])
    err = capsys.readouterr().err
    assert ["error: pack 'early-help' is named more than once; name each pack once"] == err.splitlines()


def test_load_packs_gives_each_pack_the_benchmark_rows_of_its_indicators(project):
    """From Python as on the command line: one set serves every pack of a run, and a row
    for an indicator none of them holds names the packs."""
    (project / "set.csv").write_text("indicator,benchmark,year,value\ncontacts,national,,10\n"
                                     "eh_contacts,national,,20\n")
    front_door, early_help = indicators.load_packs([project / "front-door.toml", project / "help.toml"],
                                                   benchmarks=[project / "set.csv"])
    assert ((("national", ((None, 10.0),)),), ()) == (front_door.indicators["contacts"].benchmarks,
                                                     front_door.indicators["referrals"].benchmarks)
    assert (("national", ((None, 20.0),)),) == early_help.indicators["eh_contacts"].benchmarks
    (project / "help-set.csv").write_text("indicator,benchmark,year,value\neh_contacts,national,,20\n")
    (alone,) = indicators.load_packs(project / "help.toml", benchmarks=project / "help-set.csv")  # one, as it is
    assert early_help == alone
    (project / "set.csv").write_text("indicator,benchmark,year,value\nnope,national,,10\n")
    with pytest.raises(indicators.PackError, match="no indicator 'nope' in packs 'front-door', 'help'"):
        indicators.load_packs([project / "front-door.toml", project / "help.toml"], benchmarks=[project / "set.csv"])


@given(st.integers(1, 9999), st.integers(1, 12))
def test_a_period_reads_into_its_month_code_and_back(year, month):
    text = f"{year:04d}-{month:02d}"
    code = indicators.parse_period(text)
    assert (year * 12 + month - 1, text) == (code, indicators.format_period(code))


@pytest.mark.parametrize("text", ["2017-13", "2017-00", "2017-1", "17-01", "2017/01", ""])
def test_a_text_that_is_no_period_is_a_value_error_saying_what_is_expected(text):
    with pytest.raises(ValueError, match="expected a period as YYYY-MM"):
        indicators.parse_period(text)
