"""Bad input of every kind: a clear error or a counted note, never a crash or a lost row."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import indicators
from indicators._cli import main

pytestmark = pytest.mark.usefixtures("csv_reader")  # every test with both CSV readers

PACK = textwrap.dedent("""
    [tables.contacts.columns]
    child_id = "int"
    received_on = "date"
    decided_on = "date"

    [indicators.decided]
    title = "Decided in 1 working day"
    kind = "percentage"
    table = "contacts"
    date = "received_on"
    where = "decided_on is not missing"
    numerator = "working_days(received_on, decided_on) <= 1"
""")


@given(st.text(max_size=300))
@settings(max_examples=1000)
def test_any_pack_text_gives_a_pack_or_a_pack_error(text):
    try:
        indicators.loads_pack(text)
    except indicators.PackError as exc:
        assert exc.problems and all(str(p) for p in exc.problems)


toml_lines = st.lists(st.sampled_from([
    "[indicators.x]", 'title = "X"', 'table = "t"', 'date = "d"', 'kind = "rate"', 'window = "ytd"',
    'numerator = "d is missing"', "denominator = 0", 'denominator = { population = "p" }', "[populations]",
    "p = 5", 'where = "(((("', "[tables.t.columns]", 'd = "date"', 'd = "when"', "[tables.t.derive]",
    'e = "previous(d, by = d)"', 'f = "e + g"', 'g = "f"', "[indicators.x.lookups]",
    'l = { table = "t", key = "d", aggregate = "max(d)" }', "target = { \"2016/17\" = 1 }", "tolerance = \"5%\"",
    "quartiles = [1, 2]", "[pack]", "suppress_below = 0", 'calendar = "mars"', "extra_holidays = [1]",
]), max_size=25)


@given(toml_lines)
@settings(max_examples=1000)
def test_generated_packs_load_or_fail_with_located_problems(lines):
    try:
        indicators.loads_pack("\n".join(lines), file="fuzz.toml")
    except indicators.PackError as exc:
        for problem in exc.problems:
            assert problem.file == "fuzz.toml"


def test_a_table_the_data_lacks_is_named_with_a_suggestion():
    pack = indicators.loads_pack(PACK.replace('table = "contacts"', 'table = "contact"'), file="p.toml")
    with pytest.raises(indicators.DataError) as info:
        indicators.evaluate(pack, {"contacts": {"received_on": ["2017-01-06"]}}, "2017-01", "2017-01")
    (problem,) = info.value.problems
    assert ("p.toml", "indicators.decided") == (problem.file, problem.path)
    assert "no table 'contact' in the data (needed by decided); did you mean 'contacts'?" == problem.message


NUMERATOR = 'numerator = "working_days(received_on, decided_on) <= 1"'
HOSTILE_PACKS = {  # what replaces the numerator line (line 13), and the message it must give
    "code": ("numerator = \"__import__('os').system('x')\"", 13, "attribute access is not part of the language"),
    "subscript": ('numerator = "decided_on[0] > 1"', 13, "found '['"),
    "lambda": ('numerator = "(lambda: 1)() > 0"', 13, "unexpected character ':'"),
    "comprehension": ('numerator = "[x for x in child_id] > 0"', 13, "a list may only follow 'in' or 'not in'"),
    "f-string": ("numerator = \"f'{child_id}' == 'x'\"", 13, "prefixed strings (such as f-strings)"),
    "huge exponent": ('numerator = "2 ** 99999 > 1"', 13, "'**' is not an operator of the language"),
    "10,000 parentheses": ('numerator = "' + "(" * 10_000 + "1" + ")" * 10_000 + ' > 0"', 13, "longer than 10000"),
    "deep nesting": ('numerator = "' + "(" * 100 + "1" + ")" * 100 + ' > 0"', 13, "nested more than 64 levels"),
    "long string": ("numerator = \"child_id == '" + "x" * 5000 + "'\"", 13, "string longer than 1000"),
    "enormous list": ('numerator = "child_id in [' + ", ".join(["1"] * 1500) + ']"', 13, "list longer than 1000 items"),
    "malformed TOML": ('numerator = "unclosed', 13, "not valid TOML"),
    "wrong type": (NUMERATOR + "\ndecimals = \"two\"", 14, "indicators.decided.decimals: expected"),
    "unknown key": (NUMERATOR + '\npolarty = "neutral"', 14, "did you mean 'polarity'?"),
    "duplicate id": (NUMERATOR + '\n[indicators.decided]\ntitle = "Again"', 14, "not valid TOML"),
    "cyclic derived": (NUMERATOR + '\n[tables.contacts.derive]\na = "b + 1"\nb = "a + 1"', 15, "cycle"),
    "unknown function": ('numerator = "frobnicate(received_on) <= 1"', 13, "unknown function 'frobnicate'"),
    "open a file": ("numerator = \"open('/etc/passwd') == 'x'\"", 13, "unknown function 'open'"),
    "argument count": ('numerator = "working_days(received_on) <= 1"', 13, "working_days() takes 2 arguments"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_PACKS))
def test_every_hostile_or_broken_pack_gets_one_located_message_from_validate_and_evaluate(tmp_path, capsys, case):
    replacement, line, message = HOSTILE_PACKS[case]
    (tmp_path / "pack.toml").write_text(PACK.replace(NUMERATOR, replacement))
    (tmp_path / "data").mkdir()
    write(tmp_path / "data", "contacts.csv", b"child_id,received_on,decided_on\n1,2017-01-06,2017-01-09\n")
    target = tmp_path / "out.json"
    for command in (["validate", str(tmp_path / "pack.toml")],
                    ["evaluate", str(tmp_path / "pack.toml"), "--data", str(tmp_path / "data"),
                     "--from", "2017-01", "--to", "2017-01", "--output", str(target)]):
        assert 1 == main(command)
        captured = capsys.readouterr()
        errors = [text for text in captured.err.splitlines() if text.startswith("error:")]
        assert 1 == len(errors), captured.err
        assert errors[0].startswith(f"error: {tmp_path / 'pack.toml'}:{line}: ") and message in captured.err
        assert "Traceback" not in captured.err and "" == captured.out
        assert not target.exists() and [] == [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")]
        assert all(len(text) < 200 for text in captured.err.splitlines())  # long expressions are shown cut


def write(folder, name, data: bytes):
    (folder / name).write_bytes(data)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pack.toml").write_text(PACK)
    (tmp_path / "data").mkdir()
    return tmp_path


def evaluate_cli(project, *extra):
    return main(["evaluate", str(project / "pack.toml"), "--data", str(project / "data"), "--from", "2017-01",
                 "--to", "2017-01", "--format", "json", *extra])


@pytest.mark.parametrize("content, expected", [
    (b"\xef\xbb\xbfchild_id,received_on,decided_on\r\n1,2017-01-06,2017-01-09\r\n2,2017-01-09,2017-01-20\r\n", (1, 2)),
    (b"child_id,received_on,decided_on\n1,06/01/2017,09/01/2017\n\n2,2017-01-09,\n", (1, 1)),
    (b'child_id,received_on,decided_on\n"1","2017-01-06","2017-01-09"\n', (1, 1)),
    (b"child_id,received_on,decided_on\n", (0, 0)),
    (b"child_id,received_on,decided_on\n1,1900-01-02,2199-12-31\n2,2017-01-10,2017-01-11\n", (1, 1)),
])
def test_awkward_but_readable_files(project, capsys, content, expected):
    write(project / "data", "contacts.csv", content)
    assert 0 == evaluate_cli(project)
    (record,) = json.loads(capsys.readouterr().out)
    assert expected == (record["numerator"], record["denominator"])


@pytest.mark.parametrize("content, message", [
    (b"", "the file is empty"),
    (b"child_id,received_on,decided_on\n1,2017-01-06,2017-01-09,9\n", "has 4 cells but the header has 3"),
    (b"child_id,received_on,decided_on\n1,caf\xe9,2017-01-09\n", "not UTF-8"),
    (b"child_id,received_on\n1,2017-01-06\n", "table 'contacts' has no column 'decided_on'"),
    (b"child_id,child_id,received_on,decided_on\n1,1,2017-01-06,2017-01-09\n", "appears twice in the header"),
])
def test_unusable_files_give_one_clear_message_and_exit_1(project, capsys, content, message):
    write(project / "data", "contacts.csv", content)
    for run in (lambda: evaluate_cli(project),
                lambda: main(["validate", str(project / "pack.toml"), "--data", str(project / "data")])):
        assert 1 == run()
        captured = capsys.readouterr()
        assert 1 == sum(text.startswith("error:") for text in captured.err.splitlines())
        assert message in captured.err and "Traceback" not in captured.err
        assert "" == captured.out


def test_unreadable_cells_are_counted_not_dropped(project, capsys):
    write(project / "data", "contacts.csv",
          b"child_id,received_on,decided_on\nx,2017-01-06,31/02/2017\n2,2017-13-01,2017-01-09\n3,2017-01-10,2017-01-11\n")
    assert 0 == evaluate_cli(project)
    captured = capsys.readouterr()
    (record,) = json.loads(captured.out)
    assert {"unreadable (contacts.decided_on)": 1, "unreadable (contacts.received_on)": 1} == record["notes"]
    assert (1, 1) == (record["numerator"], record["denominator"])
    # the unreadable decision date leaves its row out of the cohort, and says so
    assert {"in_window": 2, "used": 1, "left_out": {"where false": 1}} == record["rows"]["denominator"]
    assert "could not be read" in captured.err
    assert 0 == main(["validate", str(project / "pack.toml"), "--data", str(project / "data")])
    warnings = capsys.readouterr().err.splitlines()
    missing = "value(s) could not be read as {} and will count as missing (row {} (line {} of contacts.csv): {!r})"
    assert ["warning: contacts.child_id: 1 " + missing.format("int", 1, 2, "x"),
            "warning: contacts.received_on: 1 " + missing.format("date", 2, 3, "2017-13-01"),
            "warning: contacts.decided_on: 1 " + missing.format("date", 1, 2, "31/02/2017")] == warnings


def test_missing_data_folder_and_table(project, capsys):
    assert 1 == main(["evaluate", str(project / "pack.toml"), "--data", str(project / "nowhere"),
                      "--from", "2017-01", "--to", "2017-01"])
    assert "no such folder of CSV files" in capsys.readouterr().err
    assert 1 == evaluate_cli(project)
    assert "no table 'contacts' in the data" in capsys.readouterr().err


def test_the_same_inputs_give_byte_identical_json(project):
    write(project / "data", "contacts.csv",
          b"child_id,received_on,decided_on\n1,2017-01-06,2017-01-09\n2,2017-01-09,2017-01-20\n3,2017-01-31,\n")
    outputs = set()
    for _ in range(2):
        completed = subprocess.run([sys.executable, "-m", "indicators._cli", "evaluate", str(project / "pack.toml"),
                                    "--data", str(project / "data"), "--from", "2016-11", "--to", "2017-02",
                                    "--format", "json"], capture_output=True, check=True)
        outputs.add(completed.stdout)
    assert 1 == len(outputs)


def test_counts_are_integers_and_percentages_come_from_them(project, capsys):
    write(project / "data", "contacts.csv",
          b"child_id,received_on,decided_on\n" + b"".join(b"%d,2017-01-06,2017-01-09\n" % i for i in range(3))
          + b"9,2017-01-06,2017-01-20\n")
    evaluate_cli(project)
    (record,) = json.loads(capsys.readouterr().out)
    assert isinstance(record["numerator"], int) and isinstance(record["denominator"], int)
    assert 100 * 3 / 4 == record["value"]


def test_a_failed_write_leaves_no_file(project, capsys, monkeypatch):
    write(project / "data", "contacts.csv", b"child_id,received_on,decided_on\n1,2017-01-06,2017-01-09\n")
    from indicators import _cli

    def broken(results):
        raise RuntimeError("disk full")

    monkeypatch.setitem(indicators.default_registry().renderers, "json", broken)
    target = project / "out.json"
    status = evaluate_cli(project, "--output", str(target))
    assert 1 == status and not target.exists()
    assert [] == [p.name for p in project.iterdir() if p.name.startswith(".out.json")]
    assert "Traceback" not in capsys.readouterr().err
    del _cli


def test_importing_indicators_imports_no_heavy_library():
    code = ("import sys, indicators; "
            "print([m for m in ('pandas', 'pyarrow', 'duckdb', 'matplotlib', 'holidays') if m in sys.modules])")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "[]" == completed.stdout.strip()


def test_duplicate_rows_are_counted_as_given_and_noted(project, capsys):
    write(project / "data", "contacts.csv",
          b"child_id,received_on,decided_on\n1,2017-01-06,2017-01-09\n1,2017-01-06,2017-01-09\n2,2017-01-10,2017-01-11\n")
    assert 0 == evaluate_cli(project)
    (record,) = json.loads(capsys.readouterr().out)
    assert (3, 3) == (record["numerator"], record["denominator"])
    assert {"duplicate rows (contacts)": 1} == record["notes"]


def test_rows_alike_in_their_missing_cells_are_duplicates():
    pack = indicators.loads_pack(
        '[indicators.contacts]\ntitle = "Contacts"\nkind = "count"\ntable = "contacts"\ndate = "received_on"\n')
    day = datetime.date(2017, 1, 5)
    contacts = {"child_id": ["a", "a", None, None, "a", None, "b", "c", "c"],
                "received_on": [day, day, day, day, day, day, day, None, None],
                "outcome": [None, None, 2, 2, 2, None, None, 1, 1]}
    record = indicators.evaluate(pack, {"contacts": contacts}, "2017-01", "2017-01").get("contacts", "2017-01")
    # rows 2 and 4 repeat rows 1 and 3; rows 5 and 6 differ from 1 and 3 in a missing cell
    # alone; rows 8 and 9 are alike but dated nowhere, so in no month's window
    assert {"duplicate rows (contacts)": 2, "missing date (contacts.received_on)": 2} == record.notes


_BY_WINDOW = textwrap.dedent("""
    [indicators.month]
    title = "Contacts in the month"
    kind = "count"
    table = "contacts"
    date = "received_on"
    window = "month"

    [indicators.year]
    title = "Contacts in the year to date"
    kind = "count"
    table = "contacts"
    date = "received_on"
    window = "ytd"

    [indicators.open]
    title = "Open episodes"
    kind = "count"
    table = "episodes"
    window = "snapshot"
    start = "started_on"
    end = "ended_on"
    """)


def test_duplicate_rows_are_noted_in_each_period_whose_window_holds_them():
    """The note counts the rows of each result's window that equal an earlier row: a
    month's repeats in that month, a year to date's from the year's first month on, an
    episode's at each month end it is open, and repeats dated before every window nowhere."""
    pack = indicators.loads_pack(_BY_WINDOW)
    day = datetime.date
    received = [day(2016, 3, 9)] * 2 + [day(2016, 12, 1)] * 2 + [day(2017, 1, 5)] * 2 + [day(2017, 3, 1)] * 3
    contacts = {"child_id": [1] * len(received), "received_on": received}
    episodes = {"child_id": [7, 7, 8], "started_on": [day(2016, 12, 20)] * 3,
                "ended_on": [day(2017, 2, 10), day(2017, 2, 10), None]}
    results = indicators.evaluate(pack, {"contacts": contacts, "episodes": episodes}, "2017-01", "2017-03")

    def noted(indicator: str, table: str) -> list[int]:
        return [results.get(indicator, period).notes.get(f"duplicate rows ({table})", 0)
                for period in ("2017-01", "2017-02", "2017-03")]

    assert [1, 0, 2] == noted("month", "contacts")
    assert [2, 2, 4] == noted("year", "contacts")  # December's pair is in the year; March 2016's in none
    assert [1, 0, 0] == noted("open", "episodes")  # the pair ends in February: open at January's end


def test_a_row_in_a_numerators_and_a_denominators_window_is_noted_once():
    """Two measures over one table (a numerator with its own window, or its own filter):
    a repeated row counts once in each period where either window holds it."""
    pack = indicators.loads_pack(textwrap.dedent("""
        [indicators.recent]
        title = "Contacts this month among the last three months'"
        kind = "percentage"
        table = "contacts"
        date = "received_on"
        window = "rolling_3"
        numerator = { table = "contacts", window = "month" }

        [indicators.first]
        title = "First outcomes"
        kind = "percentage"
        table = "contacts"
        date = "received_on"
        numerator = { table = "contacts", where = "outcome == 1" }
        """))
    day = datetime.date(2017, 3, 5)
    contacts = {"child_id": [1, 1, 2], "received_on": [day] * 3, "outcome": [1, 1, 1]}
    results = indicators.evaluate(pack, {"contacts": contacts}, "2017-03", "2017-06")
    assert [1, 1, 1, 0] == [results.get("recent", period).notes.get("duplicate rows (contacts)", 0)
                            for period in ("2017-03", "2017-04", "2017-05", "2017-06")]
    assert {"duplicate rows (contacts)": 1} == results.get("first", "2017-03").notes


@settings(deadline=None, max_examples=60)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 20), st.one_of(st.none(), st.integers(0, 12))),
                max_size=80), st.integers(0, 2**32 - 1))
def test_duplicate_rows_noted_by_period_equal_a_naive_count(rows, seed):
    """Per period, the rows in the window equal to an earlier row, counted naively, for
    event windows and episodes, whether the note compares the rows its windows may hold
    or (holding most) the whole table."""
    rng = np.random.default_rng(seed)
    rows = rows + [rows[int(i)] for i in rng.integers(0, len(rows), len(rows) // 2)] if rows else rows
    origin = datetime.date(2016, 1, 1)
    as_day = lambda months: None if months is None else origin + datetime.timedelta(days=31 * months)  # noqa: E731
    received = [as_day(m) for _, m, _ in rows]
    ended = [None if e is None else as_day(m + e) for _, m, e in rows]
    table = {"child_id": [c for c, _, _ in rows], "received_on": received, "started_on": received, "ended_on": ended}
    pack = indicators.loads_pack(_BY_WINDOW)
    results = indicators.evaluate(pack, {"contacts": table, "episodes": table}, "2016-10", "2017-03")
    keys = [(c, r, e) for c, r, e in zip(table["child_id"], received, ended)]
    periods = [(2016, 10), (2016, 11), (2016, 12), (2017, 1), (2017, 2), (2017, 3)]
    for year, month in periods:
        first = datetime.date(year, month, 1)
        last = datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)
        windows = {
            ("month", "contacts"): lambda r, e: r is not None and first <= r <= last,
            ("year", "contacts"): lambda r, e: r is not None and datetime.date(2016, 4, 1) <= r <= last,
            ("open", "episodes"): lambda r, e: r is not None and r <= last and (e is None or e > last),
        }
        # contacts and episodes are the same rows, equal where all their cells are
        for (indicator, table_name), holds in windows.items():
            expected = sum(1 for p, (_, r, e) in enumerate(keys) if holds(r, e) and keys[p] in keys[:p])
            record = results.get(indicator, f"{year}-{month:02d}")
            assert expected == record.notes.get(f"duplicate rows ({table_name})", 0), (indicator, year, month)


@settings(deadline=None, max_examples=40)
@given(st.integers(0, 2**32 - 1), st.integers(0, 6))
def test_duplicate_rows_of_a_table_sorted_for_previous_are_all_found(seed, copies):
    """A table that ``previous()`` has sorted by child and date: the duplicate-row note reads
    the sort's ties (few rows share a child and a day), and still counts every row equal to
    an earlier one, missing cells alike."""
    rng = np.random.default_rng(seed)
    n = 400
    children = [None if rng.random() < 0.03 else int(c) for c in rng.integers(0, 150, n)]
    days = [None if rng.random() < 0.03 else datetime.date(2017, 1, 1) + datetime.timedelta(days=int(d))
            for d in rng.integers(0, 200, n)]
    teams = [None if rng.random() < 0.2 else str(t) for t in rng.choice(["north", "south"], n)]
    rows = list(zip(children, days, teams))
    for _ in range(copies):  # exact copies of some rows, and a near copy differing in a team
        rows.append(rows[int(rng.integers(0, len(rows)))])
        child, day, team = rows[int(rng.integers(0, n))]
        rows.append((child, day, "east" if team != "east" else None))
    order = rng.permutation(len(rows))
    rows = [rows[i] for i in order]
    pack = indicators.loads_pack(textwrap.dedent("""
        [tables.referrals.derive]
        previous_referral_on = "previous(referred_on, by = child_id)"

        [indicators.rereferrals]
        title = "Re-referrals"
        kind = "percentage"
        table = "referrals"
        date = "referred_on"
        window = "ytd"
        numerator = "days(previous_referral_on, referred_on) <= 365"
        polarity = "lower_is_better"
        """))
    table = {"child_id": [c for c, _, _ in rows], "referred_on": [d for _, d, _ in rows], "team": [t for _, _, t in rows]}
    results = indicators.evaluate(pack, {"referrals": table}, "2017-07", "2017-07")
    in_window = lambda day: day is not None and datetime.date(2017, 4, 1) <= day <= datetime.date(2017, 7, 31)  # noqa: E731
    expected = sum(1 for p in range(len(rows)) if in_window(rows[p][1]) and rows[p] in rows[:p])
    assert expected == results.get("rereferrals", "2017-07").notes.get("duplicate rows (referrals)", 0)


def test_negative_durations_are_counted_as_given_and_noted(project, capsys):
    write(project / "data", "contacts.csv",
          b"child_id,received_on,decided_on\n1,2017-01-06,2017-01-03\n2,2017-01-10,2017-01-11\n3,2016-12-20,2016-12-01\n")
    assert 0 == evaluate_cli(project)
    (record,) = json.loads(capsys.readouterr().out)
    assert (2, 2) == (record["numerator"], record["denominator"])  # the figure uses the dates as given
    # only January's row: December's is in no window of this run
    assert {"negative duration (working_days(received_on, decided_on))": 1} == record["notes"]


def test_a_negative_duration_is_noted_only_on_rows_the_where_keeps():
    pack = indicators.loads_pack(
        '[indicators.quick]\ntitle = "Quick"\nkind = "percentage"\ntable = "contacts"\ndate = "received_on"\n'
        'where = "outcome is not missing"\nnumerator = "working_days(received_on, decided_on) <= 1"\n'
        'polarity = "higher_is_better"\n\n[indicators.lag]\ntitle = "Lag"\nkind = "median"\ntable = "contacts"\n'
        'date = "received_on"\nof = "days(received_on, decided_on)"\npolarity = "lower_is_better"\n')
    day = datetime.date
    contacts = {"child_id": [1, 2, 3], "received_on": [day(2017, 1, 10)] * 3,
                "decided_on": [day(2017, 1, 2), day(2017, 1, 3), day(2017, 1, 11)], "outcome": [None, "nfa", "nfa"]}
    results = indicators.evaluate(pack, {"contacts": contacts}, "2017-01", "2017-01")
    # child 1's decision is before its contact too, but the where leaves that row out
    assert {"negative duration (working_days(received_on, decided_on))": 1} == results.get("quick", "2017-01").notes
    assert {"negative duration (days(received_on, decided_on))": 2} == results.get("lag", "2017-01").notes


def test_a_duration_with_a_missing_date_is_not_noted_as_negative():
    pack = indicators.loads_pack(
        '[indicators.quick]\ntitle = "Quick"\nkind = "percentage"\ntable = "contacts"\ndate = "received_on"\n'
        'numerator = "working_days(received_on, decided_on) <= 1"\npolarity = "higher_is_better"\n')
    day = datetime.date
    contacts = {"child_id": [1, 2, 3], "received_on": [day(2017, 1, 10)] * 3,
                "decided_on": [None, day(2017, 1, 3), day(2017, 1, 11)]}
    record = indicators.evaluate(pack, {"contacts": contacts}, "2017-01", "2017-01").get("quick", "2017-01")
    assert (2, 3) == (record.numerator, record.denominator)  # a missing decision is not within a day
    # child 1's missing decision is no negative duration; child 2's decision before its contact is
    assert 1 == record.notes["negative duration (working_days(received_on, decided_on))"]


def test_rows_without_a_date_are_noted_only_where_the_measures_filters_keep_them():
    pack = indicators.loads_pack(
        '[indicators.quick]\ntitle = "Quick"\nkind = "percentage"\ntable = "contacts"\ndate = "received_on"\n'
        'where = "outcome is not missing and days(decided_on, closed_on) >= 0"\n'
        'numerator = "working_days(received_on, decided_on) <= 1"\npolarity = "higher_is_better"\n')
    day = datetime.date
    contacts = {
        "child_id": [1, 2, 3, 4, 5, 6],
        "received_on": [None, None, None, None, day(2017, 1, 10), None],
        "decided_on": [day(2017, 1, 2), day(2017, 1, 2), day(2017, 1, 9), None, day(2017, 1, 11), day(2017, 1, 3)],
        "closed_on": [day(2017, 1, 5), day(2017, 1, 5), day(2017, 1, 1), day(2017, 1, 5), day(2017, 1, 12),
                      day(2017, 1, 4)],
        "outcome": ["nfa", None, "nfa", "nfa", "nfa", "nfa"],
        "team": ["A", "A", "B", "B", "A", "B"]}
    # undated: children 1, 2, 3, 4, 6; the where keeps 1 and 6 (2 has no outcome, 3 closes
    # before its decision, 4 has no decision); the numerator's own condition does not count
    results = indicators.evaluate(pack, {"contacts": contacts}, "2017-01", "2017-01")
    assert 2 == results.get("quick", "2017-01").notes["missing date (contacts.received_on)"]
    by_team = indicators.evaluate(pack, {"contacts": contacts}, "2017-01", "2017-01", by=["team"])
    noted = {tuple(r["group"].values()): r["notes"].get("missing date (contacts.received_on)")
             for r in json.loads(by_team.to_json()) if r["group"]}
    assert {("A",): 1, ("B",): 1} == noted
