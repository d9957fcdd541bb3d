"""Drill-down: the rows behind a figure (SPEC section 11), in Python and on the command line."""

from __future__ import annotations

import json
import textwrap

import pytest
from hypothesis import given, strategies as st

import indicators
from conftest import pack_from
from indicators._cli import main
from strategies import contacts, episodes, indicator_packs, with_teams

RUN = ("2016-03", "2016-08")
MONTHS = st.sampled_from(["2016-03", "2016-04", "2016-06", "2016-08"])


def counts(explanation) -> tuple:
    return explanation.numerator, explanation.denominator, explanation.accounting


@given(indicator_packs(), with_teams(contacts(max_rows=80)), with_teams(episodes(max_rows=40)), MONTHS)
def test_explanation_counts_are_the_results_numerator_denominator_and_rows(text, contact_rows, episode_rows,
                                                                           month):
    """Any kind, window, filter, distinct key, aggregate, lookup or derived column: the
    explanation counts exactly what the result counts."""
    tables = {"contacts": contact_rows, "episodes": episode_rows}
    results = indicators.evaluate(pack_from(text), tables, *RUN)
    result = results.get("chosen", month)
    explanation = results.explain("chosen", month)
    assert (result.numerator, result.denominator, result.rows) == counts(explanation), text
    # every listed row has one role, and the roles agree with the accounting
    roles = explanation.counts()
    used = explanation.accounting["numerator"]["used"]
    assert used == roles["numerator"]
    assert len(explanation.rows) == sum(roles.values())
    assert all(row.sides.get("numerator") in (None, "used", *result.rows["numerator"]["left_out"])
               for row in explanation.rows)


def _cut(table: dict, column: str, value) -> dict:
    keep = [i for i, v in enumerate(table[column]) if v == value]
    return {name: [values[i] for i in keep] for name, values in table.items()}


@given(indicator_packs(), with_teams(contacts(max_rows=80)), with_teams(episodes(max_rows=40)), MONTHS, st.data())
def test_a_groups_counts_equal_its_breakdown_result_and_the_table_cut_to_the_group(text, contact_rows, episode_rows,
                                                                           month, data):
    """A group's explanation counts what the breakdown's result for that group counts,
    which is the table cut down to the group where nothing reads across its rows; the
    groups (missing included) partition the total."""
    tables = {"contacts": contact_rows, "episodes": episode_rows}
    pack = pack_from(text)
    indicator = pack.indicators["chosen"]
    read = [m.table for m in indicator.measures()]
    present = set.union(*({v for v in tables[name]["team"] if v is not None} for name in read))
    team = data.draw(st.sampled_from(sorted(present) + [None]))
    results = indicators.evaluate(pack, tables, *RUN, by=["team"])
    explanation = results.explain("chosen", month, group={"team": team})
    assert {"team": team} == explanation.group
    try:
        result = results.get("chosen", month, {"team": team})
    except KeyError:  # no row of the broken-down tables has that value: no group, nothing to list
        assert () == explanation.rows
    else:
        assert (result.numerator, result.denominator, result.rows) == counts(explanation), text
    assert all(row.values.get("team", team) == team for row in explanation.rows)
    # a row's previous contact, or a lookup into contacts, reads other rows of contacts:
    # those come from the whole table, so the cut table gives the same only without them
    body = text.split("[indicators.chosen]")[1].split("[indicators.chosen.lookups]")[0]
    reads_across = "contacts" in read and ("contacts_ytd" in body or "previous_contact_on" in body)
    if not reads_across:
        cut = {name: _cut(table, "team", team) if name in read else table for name, table in tables.items()}
        alone = indicators.evaluate(pack, cut, *RUN).get("chosen", month)
        assert (alone.numerator, alone.denominator, alone.rows) == counts(explanation), text
    # the groups (missing included) hold every row of the total
    whole = results.explain("chosen", month)
    parts = [results.explain("chosen", month, group={"team": value}) for value in sorted(present) + [None]]
    for side, account in whole.accounting.items():
        assert account["in_window"] == sum(part.accounting[side]["in_window"] for part in parts)
        assert account["used"] == sum(part.accounting[side]["used"] for part in parts)
    assert sorted((r.table, r.row) for p in parts for r in p.rows) == sorted((r.table, r.row) for r in whole.rows)


PACK = """
[tables.contacts.derive]
previous_contact_on = "previous(received_on, by = child_id)"

[indicators.quick]
title = "Referrals decided within a day"
kind = "percentage"
table = "contacts"
date = "received_on"
where = "outcome == 'referral'"
numerator = "days(received_on, decided_on) <= 1 and contacts_ytd >= 1"

[indicators.quick.lookups]
contacts_ytd = { table = "contacts", key = "child_id", date = "received_on", window = "ytd", aggregate = "count" }

[indicators.repeat]
title = "Repeat contacts"
table = "contacts"
date = "received_on"
where = "previous_contact_on is not missing"
"""

CONTACTS = {
    "child_id": [1, 1, 2, 3, 4, None],
    "received_on": ["2016-12-20", "2017-01-05", "2017-01-09", "2017-01-10", "2017-01-11", "2017-01-12"],
    "decided_on": ["2016-12-20", "2017-01-05", "2017-01-13", None, "2017-01-11", "2017-01-12"],
    "outcome": ["referral", "referral", "referral", "referral", "nfa", None],
    "team": ["Duty 1", "Duty 1", "Duty 2", "Duty 1", None, "Duty 2"],
}


@pytest.fixture
def results():
    return indicators.evaluate(pack_from(PACK), {"contacts": CONTACTS}, "2016-12", "2017-01")


def test_each_row_has_its_role_reason_key_and_values_for_the_period(results):
    explanation = results.explain("quick", "2017-01", key="child_id")
    assert (1, 3, 100 / 3) == (explanation.numerator, explanation.denominator, explanation.value)
    assert ("received_on", "outcome", "decided_on", "contacts_ytd") == explanation.columns
    assert [(r.row, r.key, r.role, r.reason) for r in explanation.rows] == [
        (2, 1, "numerator", None),
        (3, 2, "denominator only", "numerator condition false"),
        (4, 3, "denominator only", "numerator condition unknown"),
        (5, 4, "left out", "where false"),
        (6, None, "left out", "where unknown"),
    ]
    # the lookup as evaluated for January: child 1's two contacts are in different financial-year months
    assert explanation.rows[0].values == {"received_on": "2017-01-05", "outcome": "referral",
                                          "decided_on": "2017-01-05", "contacts_ytd": 2}
    assert explanation.rows[3].values["contacts_ytd"] == 1  # shown for every row, used or not
    assert explanation.rows[4].sides == {"numerator": "where unknown", "denominator": "where unknown"}


def test_derived_values_and_a_count_without_a_denominator(results):
    explanation = results.explain("repeat", "2017-01")
    assert "child_id" == explanation.key  # by default, the key previous() goes by
    assert (1, None) == (explanation.numerator, explanation.denominator)
    assert [(r.key, r.role, r.reason, r.values["previous_contact_on"]) for r in explanation.rows] == [
        (1, "numerator", None, "2016-12-20"), (2, "left out", "where false", None),
        (3, "left out", "where false", None), (4, "left out", "where false", None),
        (None, "left out", "where false", None)]


def test_a_denominator_on_another_table_lists_its_rows_too():
    """Rows of both tables, each with its table; the key is shown where the table has it."""
    pack = pack_from("""
        [indicators.children_per_worker]
        title = "Children contacted per worker"
        kind = "ratio"
        table = "contacts"
        date = "received_on"
        distinct = "child_id"
        denominator = { table = "staff", window = "snapshot", start = "joined_on", end = "left_on" }
        """)
    staff = {"worker": ["a", "b", "c"], "joined_on": ["2015-01-01", "2016-06-01", "2017-02-01"],
             "left_on": [None, "2017-01-15", None]}
    results = indicators.evaluate(pack, {"contacts": CONTACTS, "staff": staff}, "2017-01", "2017-01")
    explanation = results.explain("children_per_worker", "2017-01")
    result = results.get("children_per_worker", "2017-01")
    assert (result.numerator, result.denominator, result.rows) == (
        explanation.numerator, explanation.denominator, explanation.accounting)
    assert (4, 1) == (explanation.numerator, explanation.denominator)  # four children; one worker open at month end
    assert [("contacts", 2, 1, "numerator", None), ("contacts", 3, 2, "numerator", None),
            ("contacts", 4, 3, "numerator", None), ("contacts", 5, 4, "numerator", None),
            ("contacts", 6, None, "left out", "missing child_id"), ("staff", 1, None, "denominator only", None)] \
        == [(r.table, r.row, r.key, r.role, r.reason) for r in explanation.rows]


def test_a_group_keeps_its_rows_and_none_keeps_the_missing(results):
    duty_1 = results.explain("quick", "2017-01", group={"team": "Duty 1"})
    assert [(r.row, r.role) for r in duty_1.rows] == [(2, "numerator"), (4, "denominator only")]
    assert (1, 2) == (duty_1.numerator, duty_1.denominator)
    missing = results.explain("quick", "2017-01", group={"team": None})
    assert [(r.row, r.reason) for r in missing.rows] == [(5, "where false")]


@pytest.mark.parametrize(("call", "message"), [
    (lambda r: r.explain("quik", "2017-01"), "no indicator 'quik' in test; did you mean 'quick'?"),
    (lambda r: r.explain("quick", "2017-02"), "period 2017-02 is outside the run (2016-12 to 2017-01)"),
    (lambda r: r.explain("quick", "Jan 2017"), "expected a period as YYYY-MM"),
    (lambda r: r.explain("quick", "2017-01", group={"tem": "Duty 1"}),
     "table 'contacts' has no column 'tem'; did you mean 'team'?"),
    (lambda r: r.explain("quick", "2017-01", key="child"), "table 'contacts' has no column 'child'"),
    (lambda r: r.explain("quick", "2017-01", group={"team": "Duty1"}),
     "no row has contacts.team = 'Duty1'; did you mean 'Duty 1'?"),
    (lambda r: r.explain("quick", "2017-01", group={"child_id": "one"}),
     "contacts.child_id holds whole numbers; 'one' is not one"),
])
def test_mistakes_are_named(results, call, message):
    with pytest.raises(indicators.DataError) as caught:
        call(results)
    assert message in str(caught.value)


def test_results_without_data_say_why_they_cannot_explain():
    partial = indicators.evaluate_partial(pack_from(PACK), {"contacts": CONTACTS}, "2017-01", "2017-01")
    with pytest.raises(indicators.DataError, match="keep no data to explain"):
        partial.results(pack_from(PACK)).explain("quick", "2017-01")


def test_an_indicator_skipped_for_want_of_a_table_is_named():
    pack = pack_from('[pack]\nmissing_tables = "skip"\n' + PACK + """
        [indicators.visits]
        title = "Visits"
        table = "visits"
        date = "visited_on"
        """)
    results = indicators.evaluate(pack, {"contacts": CONTACTS}, "2017-01", "2017-01")
    with pytest.raises(indicators.DataError, match="'visits' was skipped in this run \\(no table 'visits'"):
        results.explain("visits", "2017-01")


def test_combined_results_explain_each_packs_indicators(results):
    other = indicators.evaluate(pack_from(PACK.replace("[indicators.quick", "[indicators.fast")
                                          .replace("[indicators.repeat]", "[indicators.again]")),
                                {"contacts": CONTACTS}, "2017-01", "2017-01")
    combined = indicators.Results.combine([results, other])
    assert combined.explain("fast", "2017-01").numerator == combined.explain("quick", "2017-01").numerator == 1


@pytest.mark.parametrize("month", ["2016-12", "2017-01"])
@pytest.mark.parametrize("options", [{"key": "child_id"}, {"group": {"team": "Duty 1"}}, {"group": {"team": None}}])
def test_explain_from_the_data_is_the_results_explanation_of_that_month(results, month, options):
    """indicators.explain reads that month alone and lists what results.explain lists."""
    for indicator in ("quick", "repeat"):
        direct = indicators.explain(pack_from(PACK), {"contacts": CONTACTS}, indicator, month, **options)
        assert direct == results.explain(indicator, month, **options)
        assert direct.warnings == ()


def test_explain_from_the_data_shows_more_columns_and_warns_of_a_month_outside_its_dates():
    why = indicators.explain(pack_from(PACK), {"contacts": CONTACTS}, "quick", "2017-03", columns=["team"])
    assert why.columns[-1] == "team" and why.rows == ()
    assert len(why.warnings) == 1 and "contacts" in why.warnings[0] and "2017-01-12" in why.warnings[0]
    assert "warnings" not in why.to_record()


@pytest.mark.parametrize("call, message", [
    (lambda pack: indicators.explain(pack, {"contacts": CONTACTS}, "quik", "2017-01"),
     "no indicator 'quik' in pack 'test'; did you mean 'quick'?"),
    (lambda pack: indicators.explain(pack, {"contacts": CONTACTS}, "quick", "January"), "YYYY-MM"),
    (lambda pack: indicators.explain(pack, {}, "quick", "2017-01"), "no table 'contacts' in the data"),
])
def test_explain_from_the_data_names_its_mistakes(call, message):
    with pytest.raises(indicators.DataError) as caught:
        call(pack_from('[pack]\nname = "test"\nmissing_tables = "skip"\n' + PACK))
    assert message in str(caught.value)


# ---------------------------------------------------------------------------------------
# Command line


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pack.toml").write_text(textwrap.dedent(PACK))
    data = tmp_path / "data"
    data.mkdir()
    lines = ["child_id,received_on,decided_on,outcome,team"]
    for row in zip(*CONTACTS.values()):
        lines.append(",".join("" if v is None else str(v) for v in row))
    (data / "contacts.csv").write_text("\n".join(lines) + "\n")
    return tmp_path


def explain(project, *extra: str) -> int:
    return main(["explain", str(project / "pack.toml"), "--data", str(project / "data"), *extra])


def test_the_table_names_counts_and_rows_with_their_file_lines(project, capsys):
    assert 0 == explain(project, "--indicator", "quick", "--period", "2017-01", "--key", "child_id")
    out = capsys.readouterr().out
    assert "numerator 1, denominator 3, value 33.33" in out
    assert "numerator rows: 5 in window = 1 used + 1 numerator condition false + 1 numerator condition unknown" \
           " + 1 where false + 1 where unknown" in out
    lines = out.splitlines()
    header = lines.index(next(line for line in lines if line.startswith("row")))
    assert lines[header].split() == ["row", "line", "child_id", "role", "reason", "received_on", "outcome",
                                     "decided_on", "contacts_ytd"]
    assert lines[header + 1].split() == ["2", "3", "1", "numerator", "2017-01-05", "referral", "2017-01-05", "2"]


def test_csv_and_json_with_a_group_and_extra_columns(project, capsys, tmp_path):
    assert 0 == explain(project, "--indicator", "quick", "--period", "2017-01", "--group", "team=Duty 1",
                        "--by", "team", "--format", "csv")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "row,line,child_id,role,reason,received_on,outcome,decided_on,contacts_ytd,team"
    assert lines[1:] == ["2,3,1,numerator,,2017-01-05,referral,2017-01-05,2,Duty 1",
                         "4,5,3,denominator only,numerator condition unknown,2017-01-10,referral,,1,Duty 1"]
    target = tmp_path / "out.json"
    assert 0 == explain(project, "--indicator", "quick", "--period", "2017-01", "--group", "team=",
                        "--format", "json", "--output", str(target))
    text = target.read_text()
    record = json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in JSON"))
    assert {"team": None} == record["group"]
    assert (0, 0, None) == (record["numerator"], record["denominator"], record["value"])
    assert [(r["row"], r["line"], r["role"], r["reason"]) for r in record["rows"]] == [
        (5, 6, "left out", "where false")]


def test_csv_cells_a_spreadsheet_would_run_are_quoted(project, capsys):
    data = project / "data" / "contacts.csv"
    data.write_text(data.read_text().replace(",nfa,", ",=HYPERLINK(1),"))
    assert 0 == explain(project, "--indicator", "quick", "--period", "2017-01", "--format", "csv")
    assert "5,6,4,left out,where false,2017-01-11,'=HYPERLINK(1),2017-01-11,1" in capsys.readouterr().out.splitlines()


@pytest.mark.parametrize(("options", "message"), [
    (["--indicator", "quik", "--period", "2017-01"],
     "--indicator quik: no such indicator in pack; did you mean 'quick'?"),
    (["--indicator", "quick", "--period", "2017-03", "--from", "2016-12", "--to", "2017-01"],
     "--period 2017-03 is outside the run (2016-12 to 2017-01)"),
    (["--indicator", "quick", "--period", "2017-01", "--group", "teem=Duty 1"],
     "table 'contacts' has no column 'teem'; did you mean 'team'?"),
    (["--indicator", "quick", "--period", "2017-01", "--key", "childid"],
     "table 'contacts' has no column 'childid'; did you mean 'child_id'?"),
    (["--indicator", "quick", "--period", "2017-01", "--by", "outcom"],
     "table 'contacts' has no column 'outcom'; did you mean 'outcome'?"),
    (["--indicator", "quick", "--period", "2017-01", "--group", "Duty 1"],
     "--group 'Duty 1': expected COLUMN=VALUE"),
    (["--indicator", "quick", "--period", "2017-01", "--from", "2016-12"], "--from and --to go together"),
])
def test_command_line_mistakes_are_one_message_without_a_traceback(project, capsys, options, message):
    assert 1 == explain(project, *options)
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err and "internal error" not in err


def test_an_indicator_whose_table_is_missing_is_named_even_where_the_pack_skips_it(project, capsys):
    pack = project / "pack.toml"
    pack.write_text('[pack]\nname = "test"\nmissing_tables = "skip"\n' + pack.read_text() + textwrap.dedent("""
        [indicators.visits]
        title = "Visits"
        table = "visits"
        date = "visited_on"
        """))
    assert 1 == explain(project, "--indicator", "visits", "--period", "2017-01")
    err = capsys.readouterr().err
    assert "pack.toml:" in err and "indicators.visits: no table 'visits' in the data" in err


def test_a_bad_period_is_a_usage_error(project, capsys):
    with pytest.raises(SystemExit) as caught:
        explain(project, "--indicator", "quick", "--period", "January")
    assert caught.value.code == 2
    assert "expected a period as YYYY-MM" in capsys.readouterr().err


def test_on_another_input_the_indicator_is_explained_as_that_input_answers_it(tmp_path, capsys):
    """A loader whose input redefines the pack's indicators (Annex A) is explained by the
    same definitions evaluate uses, and one it cannot answer is named with why."""
    pytest.importorskip("indicators_annex_a")
    assert 0 == main(["demo-data", str(tmp_path / "annex"), "--format", "annex-a", "--seed", "7", "--scale", "0.3"])
    data = str(tmp_path / "annex" / "annex-a-csv")
    capsys.readouterr()
    assert 0 == main(["evaluate", "childrens-social-care", "--data", data, "--input", "annex-a", "--from", "2017-01",
                      "--to", "2017-01", "--format", "json", "--indicator", "assessments_45wd", "--quiet"])
    result = json.loads(capsys.readouterr().out)[0]
    assert 0 == main(["explain", "childrens-social-care", "--data", data, "--input", "annex-a", "--indicator",
                      "assessments_45wd", "--period", "2017-01", "--format", "json"])
    record = json.loads(capsys.readouterr().out)
    assert (result["numerator"], result["denominator"], result["rows"]) == (
        record["numerator"], record["denominator"], record["accounting"])
    assert 1 == main(["explain", "childrens-social-care", "--data", data, "--input", "annex-a", "--indicator",
                      "contacts_decided_1wd", "--period", "2017-01"])
    assert ("error: --indicator contacts_decided_1wd: cannot be explained from the 'annex-a' input: Annex A holds no "
            "contact decisions (list 1 has no decision date)") in capsys.readouterr().err


@pytest.fixture(scope="module")
def demo_results():
    from indicators.demo import generate

    tables = generate(seed=2017)
    return [indicators.evaluate(indicators.load_pack(name), tables, "2016-12", "2017-01")
            for name in ("childrens-social-care", "early-help")]


def test_every_indicator_of_the_shipped_packs_is_explained_exactly_on_the_demo_data(demo_results):
    """Real packs (lookups, derived columns, snapshots, caseloads per worker, populations)
    on the demo data: each explanation counts what the result counts."""
    for results in demo_results:
        for ident in results.pack.indicators:
            result = results.get(ident, "2017-01")
            explanation = results.explain(ident, "2017-01")
            assert (result.numerator, result.denominator, result.rows) == (
                explanation.numerator, explanation.denominator, explanation.accounting), ident
