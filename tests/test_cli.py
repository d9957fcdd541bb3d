"""The command line: formats, exit statuses and messages without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from indicators._cli import main

PACK = textwrap.dedent("""
    [tables.contacts.columns]
    received_on = "date"
    decided_on = "date"

    [indicators.decided]
    title = "Decided in 1 working day"
    kind = "percentage"
    table = "contacts"
    date = "received_on"
    numerator = "working_days(received_on, decided_on) <= 1"
    target = 90
    polarity = "higher_is_better"
""")


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pack.toml").write_text(PACK)
    data = tmp_path / "data"
    data.mkdir()
    (data / "contacts.csv").write_text("received_on,decided_on\n06/01/2017,09/01/2017\n2017-01-10,2017-01-13\n")
    return tmp_path


def test_evaluate_json_is_the_records_list(project, capsys):
    status = main(["evaluate", str(project / "pack.toml"), "--data", str(project / "data"),
                   "--from", "2017-01", "--to", "2017-01", "--format", "json"])
    records = json.loads(capsys.readouterr().out)
    assert 0 == status
    assert [("decided", "2017-01", 1, 2, 50.0, "red")] == [
        (r["indicator"], r["period"], r["numerator"], r["denominator"], r["value"], r["rag"]) for r in records]


def test_evaluate_csv_and_table(project, capsys):
    main(["evaluate", str(project / "pack.toml"), "--data", str(project / "data"),
          "--from", "2017-01", "--to", "2017-01", "--format", "csv"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("indicator,title,period")
    assert lines[1].startswith("decided,Decided in 1 working day,2017-01")
    main(["evaluate", str(project / "pack.toml"), "--data", str(project / "data"),
          "--from", "2017-01", "--to", "2017-01"])
    assert "50.0%" in capsys.readouterr().out


def test_output_file_is_written_whole(project):
    target = project / "out.json"
    main(["evaluate", str(project / "pack.toml"), "--data", str(project / "data"),
          "--from", "2017-01", "--to", "2017-02", "--format", "json", "--output", str(target)])
    assert 2 == len(json.loads(target.read_text()))
    assert [] == [p.name for p in project.iterdir() if p.name.startswith(".out.json")]
    assert target.stat().st_mode & 0o044  # readable by others, like any file the user writes


def test_validate_reports_every_problem_and_exits_1(project, capsys):
    bad = PACK.replace('kind = "percentage"', 'kind = "percent"').replace("<= 1", "<= 'x'")
    (project / "bad.toml").write_text(bad)
    assert 1 == main(["validate", str(project / "bad.toml")])
    err = capsys.readouterr().err
    assert "bad.toml:8: indicators.decided.kind: unknown kind 'percent'" in err
    assert "bad.toml:11: indicators.decided.numerator: cannot compare int with str" in err
    assert "2 problems found" in err


def test_validate_a_good_pack(project, capsys):
    assert 0 == main(["validate", str(project / "pack.toml"), "--data", str(project / "data")])
    assert "1 indicator(s), no problems found" in capsys.readouterr().out


def test_bad_data_is_one_clear_message(project, capsys):
    (project / "data" / "contacts.csv").write_text("received_on\n2017-01-01\n")
    status = main(["evaluate", str(project / "pack.toml"), "--data", str(project / "data"),
                   "--from", "2017-01", "--to", "2017-01"])
    err = capsys.readouterr().err
    assert 1 == status
    assert "table 'contacts' has no column 'decided_on'" in err
    assert "Traceback" not in err


def test_unreadable_cells_warn_and_strict_stops(project, capsys):
    (project / "data" / "contacts.csv").write_text("received_on,decided_on\n2017-01-02,31/02/2017\n")
    args = ["evaluate", str(project / "pack.toml"), "--data", str(project / "data"), "--from", "2017-01", "--to", "2017-01"]
    assert 0 == main(args)
    err = capsys.readouterr().err
    assert "contacts.decided_on: 1 value(s) could not be read" in err
    assert "(row 1 (line 2 of contacts.csv): '31/02/2017')" in err  # where to look
    assert 1 == main(args + ["--strict"])
    assert "row 1 (line 2 of contacts.csv): cannot read '31/02/2017' as date" in capsys.readouterr().err


@pytest.mark.parametrize("args", [
    ["evaluate", "p.toml", "--data", "d", "--from", "2017-13", "--to", "2017-01"],
    ["evaluate", "p.toml", "--from", "2017-01", "--to", "2017-01"],
    ["frobnicate"],
    [],
])
def test_wrong_usage_exits_2(args):
    with pytest.raises(SystemExit) as info:
        main(args)
    assert 2 == info.value.code


def test_unknown_format_exits_2(project, capsys):
    assert 2 == main(["evaluate", str(project / "pack.toml"), "--data", str(project / "data"),
                      "--from", "2017-01", "--to", "2017-01", "--format", "xml"])
    assert "unknown format 'xml'" in capsys.readouterr().err


def test_missing_pack_file_through_the_installed_script(tmp_path):
    completed = subprocess.run([sys.executable, "-m", "indicators._cli", "validate", str(tmp_path / "nope.toml")],
                               capture_output=True, text=True)
    assert 1 == completed.returncode
    assert "no pack file or folder" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_suppressed_results_are_blank_in_every_format(project, capsys):
    base = ["evaluate", str(project / "pack.toml"), "--data", str(project / "data"),
            "--from", "2017-01", "--to", "2017-01", "--suppress-below", "5"]
    main(base + ["--format", "json"])
    (record,) = json.loads(capsys.readouterr().out)
    assert record["suppressed"] is True
    assert [None] * 5 == [record[k] for k in ("numerator", "denominator", "value", "ci_low", "rag")]
    main(base + ["--format", "csv"])
    header, row = capsys.readouterr().out.splitlines()
    cells = dict(zip(header.split(","), row.split(",")))
    assert ("", "", "", "true") == (cells["numerator"], cells["denominator"], cells["value"], cells["suppressed"])
    main(base + ["--format", "table"])
    table = capsys.readouterr().out
    assert "suppressed" in table and "50.0" not in table


def test_input_names_the_loader_as_loader_does(project, capsys):
    """`--input NAME` (the issue's word) and `--loader NAME` are one option."""
    common = ["evaluate", str(project / "pack.toml"), "--data", str(project / "data"), "--from", "2017-01",
              "--to", "2017-01", "--format", "json"]
    assert 0 == main(common + ["--input", "csv"])
    by_input = capsys.readouterr().out
    assert 0 == main(common + ["--loader", "csv"])
    assert by_input == capsys.readouterr().out
    assert 1 == main(common + ["--input", "nosuch"])
    assert "unknown loader 'nosuch'" in capsys.readouterr().err
    assert 1 == main(common + ["--input", "cvs"])
    assert "unknown loader 'cvs'; installed loaders: " in (err := capsys.readouterr().err) and "did you mean 'csv'?" in err


def test_csv_text_a_spreadsheet_would_run_as_a_formula_is_quoted(project, capsys):
    """A title from a stranger's pack must not become a formula when the CSV is opened."""
    (project / "pack.toml").write_text(PACK.replace('title = "Decided in 1 working day"',
                                                    'title = "=HYPERLINK(\\"http://x\\", \\"y\\")"'))
    main(["evaluate", str(project / "pack.toml"), "--data", str(project / "data"), "--from", "2017-01",
          "--to", "2017-01", "--format", "csv"])
    import csv
    import io

    (row,) = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert "'=HYPERLINK(\"http://x\", \"y\")" == row["title"]
    assert "50.0" == row["value"]


def test_an_output_that_cannot_be_written_is_refused_before_the_work(project, capsys, monkeypatch):
    import indicators

    monkeypatch.setattr(indicators, "evaluate", lambda *a, **k: pytest.fail("evaluated anyway"))
    common = ["evaluate", str(project / "pack.toml"), "--data", str(project / "data"), "--from", "2017-01",
              "--to", "2017-01", "--format", "json"]
    assert 1 == main(common + ["--output", str(project / "nowhere" / "x.json")])
    err = capsys.readouterr().err
    assert f"the folder {project / 'nowhere'} does not exist" in err and "Traceback" not in err
    assert 1 == main(common + ["--output", str(project)])
    assert "is a folder; name a file in it" in capsys.readouterr().err


def test_output_through_a_link_keeps_the_link_and_the_files_permissions(project):
    real = project / "real.json"
    real.write_text("old")
    real.chmod(0o640)
    (project / "link.json").symlink_to(real)
    assert 0 == main(["evaluate", str(project / "pack.toml"), "--data", str(project / "data"), "--from",
                      "2017-01", "--to", "2017-01", "--format", "json", "--output", str(project / "link.json")])
    assert (project / "link.json").is_symlink()
    assert 1 == len(json.loads(real.read_text()))
    assert 0o640 == real.stat().st_mode & 0o777
    assert [] == [p.name for p in project.iterdir() if p.name.startswith(".real.json")]


def test_output_to_a_device_writes_to_it_instead_of_replacing_it(project):
    import stat

    assert 0 == main(["evaluate", str(project / "pack.toml"), "--data", str(project / "data"), "--from",
                      "2017-01", "--to", "2017-01", "--format", "json", "--output", "/dev/null"])
    assert stat.S_ISCHR(__import__("os").stat("/dev/null").st_mode)


def test_a_skipping_pack_that_finds_none_of_its_tables_is_an_error_not_an_empty_run(tmp_path, capsys):
    (tmp_path / "pack.toml").write_text('[pack]\nmissing_tables = "skip"\n' + PACK)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "List 1.csv").write_text("received_on\n2017-01-06\n")
    for command in (["validate", str(tmp_path / "pack.toml"), "--data", str(tmp_path / "data")],
                    ["evaluate", str(tmp_path / "pack.toml"), "--data", str(tmp_path / "data"), "--from",
                     "2017-01", "--to", "2017-01"]):
        assert 1 == main(command)
        err = capsys.readouterr().err
        assert "the data holds none of the tables pack 'pack' reads" in err
        assert "the data offers: List 1" in err
