"""Breakdowns by group (SPEC section 11): evaluate(..., by=[...]) and --by."""

from __future__ import annotations

import datetime
import json

import pytest
from hypothesis import given

import indicators
from conftest import pack_from, run
from strategies import contacts, episodes, with_teams
from test_properties import MERGE_PACK, PACK as WITH_LOOKUP

# with test_properties' MERGE_PACK (percentage, rate by population, distinct counts, median,
# sum, max, snapshot): the other kinds and windows, a derived column, a constant denominator
BREAKDOWN_PACK = """
[tables.contacts.derive]
lag = "days(received_on, decided_on)"

[indicators.contacts_since]
title = "Contacts since January 2016"
table = "contacts"
date = "received_on"
window = "cumulative"
since = "2016-01-01"

[indicators.referrals_ytd]
title = "Contacts referred, year to date"
table = "contacts"
date = "received_on"
window = "ytd"
numerator = "outcome == 'referral'"

[indicators.mean_lag]
title = "Mean days to decision, last 12 months"
kind = "mean"
table = "contacts"
date = "received_on"
window = "rolling_12"
of = "lag"

[indicators.late_this_month]
title = "Decisions later than the month's first week"
kind = "ratio"
table = "contacts"
date = "received_on"
numerator = "decided_on > period_start + 7"
denominator = 4

[indicators.episodes_per_child]
title = "Open episodes held per child"
kind = "max"
table = "episodes"
window = "snapshot"
start = "started_on"
end = "ended_on"
each = "child_id"
"""

PACK = pack_from(BREAKDOWN_PACK)
FROM, TO = "2016-03", "2017-05"
ADDITIVE = {"decided_1wd", "contacts_since", "referrals_ytd", "late_this_month"}  # counts of rows


def only(table: dict, team) -> dict:
    """The rows of a table whose team is ``team``."""
    keep = [i for i, t in enumerate(table["team"]) if t == team]
    return {name: [values[i] for i in keep] for name, values in table.items()}


def by_group(results) -> dict:
    out: dict = {}
    for record in results.to_records():
        out.setdefault(json.dumps(record["group"]), []).append(record)
    return out


def without_group(records: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "group"} for r in records]


@pytest.mark.parametrize("pack", [PACK, MERGE_PACK], ids=["breakdown", "merge"])
@given(contact_rows=with_teams(contacts()), episode_rows=with_teams(episodes()))
def test_each_group_is_the_evaluation_of_its_rows_and_counts_add_up(pack, contact_rows, episode_rows):
    tables = {"contacts": contact_rows, "episodes": episode_rows}
    results = indicators.evaluate(pack, tables, FROM, TO, by=["team"])
    groups = by_group(results)
    # the total is the evaluation without a breakdown, to the byte
    plain = indicators.evaluate(pack, tables, FROM, TO)
    assert groups.pop("{}") == plain.to_records()
    teams = {t for t in contact_rows["team"] + episode_rows["team"]}
    assert {json.loads(g)["team"] for g in groups} == teams
    for group, records in groups.items():
        team = json.loads(group)["team"]
        assert all(r["group"] == {"team": team} for r in records)
        alone = indicators.evaluate(pack, {"contacts": only(contact_rows, team), "episodes": only(episode_rows, team)},
                                    FROM, TO)
        assert without_group(records) == without_group(alone.to_records())
    # groups' counts add up to the total's exactly (a missing team being a group)
    for total in plain:
        parts = [r for r in results if r.group and r.indicator == total.indicator and r.period == total.period]
        assert len(parts) == len(teams)
        for side, account in (total.rows or {}).items():
            for field in ("in_window", "used"):
                assert sum(p.rows[side][field] for p in parts) == account[field]
            left_out: dict = {}
            for p in parts:
                for reason, count in p.rows[side]["left_out"].items():
                    left_out[reason] = left_out.get(reason, 0) + count
            assert left_out == account["left_out"]
        if total.indicator in ADDITIVE:
            assert sum(p.numerator for p in parts) == total.numerator
            if total.kind == "percentage":
                assert sum(p.denominator for p in parts) == total.denominator
        notes: dict = {}
        for p in parts:
            for reason, count in p.notes.items():
                notes[reason] = notes.get(reason, 0) + count
        assert notes == total.notes


@given(with_teams(contacts()), with_teams(episodes()))
def test_a_lookup_reads_its_other_table_whole(contact_rows, episode_rows):
    """The group is a column of the measure's table: a child's contacts count for the
    lookup whatever team holds them."""
    results = indicators.evaluate(WITH_LOOKUP, {"contacts": contact_rows, "episodes": episode_rows}, FROM, TO,
                                  by=["team"])
    for group, records in by_group(results).items():
        if group == "{}":
            continue
        team = json.loads(group)["team"]
        alone = indicators.evaluate(WITH_LOOKUP, {"contacts": contact_rows, "episodes": only(episode_rows, team)},
                                    FROM, TO)
        looked_up = [r for r in alone.to_records() if r["indicator"] == "open_with_contact"]
        assert without_group([r for r in records if r["indicator"] == "open_with_contact"]) == without_group(looked_up)


CONTACTS = """
[indicators.decided_1wd]
title = "Decided within 1 working day"
kind = "percentage"
table = "contacts"
date = "received_on"
numerator = "working_days(received_on, decided_on) <= 1"
target = 80
polarity = "higher_is_better"
"""


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def contact_table(teams: list, bands: list | None = None) -> dict:
    n = len(teams)
    table = {"received_on": [day("2016-05-02")] * n, "decided_on": [day("2016-05-03")] * (n - 1) + [None],
             "team": teams}
    if bands is not None:
        table["age_band"] = bands
    return table


def test_rows_without_a_team_form_their_own_group():
    results = run(CONTACTS, {"contacts": contact_table(["A", "A", None, "B", None])}, "2016-05", by=["team"])
    assert [(r.group, r.numerator, r.denominator) for r in results] == [
        ({}, 4, 5), ({"team": "A"}, 2, 2), ({"team": "B"}, 1, 1), ({"team": None}, 1, 2)]
    assert json.loads(results.to_json())[3]["group"] == {"team": None}


def test_several_columns_give_the_combinations_the_rows_hold():
    table = contact_table(["A", "A", "B", "B"], ["0-4", "5-9", "0-4", None])
    results = run(CONTACTS, {"contacts": table}, "2016-05", by=["team", "age_band"])
    assert [r.group for r in results] == [
        {}, {"team": "A", "age_band": "0-4"}, {"team": "A", "age_band": "5-9"},
        {"team": "B", "age_band": "0-4"}, {"team": "B", "age_band": None}]


def test_numbers_and_dates_as_groups_keep_their_json_types():
    table = contact_table([3, 1, 3, None])
    table["opened_on"] = [day("2016-01-01"), None, day("2016-01-01"), day("2015-06-30")]
    results = run(CONTACTS, {"contacts": table}, "2016-05", by=["team", "opened_on"])
    assert [r["group"] for r in json.loads(results.to_json())][1:] == [
        {"team": 1, "opened_on": None}, {"team": 3, "opened_on": "2016-01-01"},
        {"team": None, "opened_on": "2015-06-30"}]


def test_suppression_applies_to_each_group():
    table = contact_table(["A"] * 6 + ["B"] * 2)
    results = run(CONTACTS, {"contacts": table}, "2016-05", by=["team"], suppress_below=3)
    total, a, b = results
    assert (total.suppressed, total.numerator) == (False, 7)
    assert (a.suppressed, a.numerator, a.rag) == (False, 6, "green")
    assert (b.suppressed, b.numerator, b.denominator, b.value, b.rag, b.rows) == (True, None, None, None, None, None)


def test_direction_is_against_the_same_groups_previous_month():
    table = {"received_on": [day("2016-04-04")] * 4 + [day("2016-05-02")] * 4,
             "decided_on": [day("2016-04-05"), day("2016-04-05"), day("2016-04-20"), day("2016-04-20"),
                            day("2016-05-03"), day("2016-05-20"), day("2016-05-03"), day("2016-05-03")],
             "team": ["A", "A", "B", "B", "A", "A", "B", "B"]}
    results = run(CONTACTS, {"contacts": table}, "2016-05", by=["team"])
    assert {r.group.get("team"): (r.value, r.direction) for r in results} == {
        None: (75.0, "improving"), "A": (50.0, "declining"), "B": (100.0, "improving")}


def test_a_constant_or_population_denominator_applies_to_every_group():
    tables = {"contacts": dict(contact_table(["A", "A", "B"]), child_id=[1, 2, 3], outcome=["nfa"] * 3),
              "episodes": {"child_id": [], "started_on": [], "ended_on": [], "team": []}}
    tables["contacts"]["decided_on"] = [day("2016-05-20")] * 3  # late in the month
    for pack, indicator, denominator in ((PACK, "late_this_month", 4), (MERGE_PACK, "children_contacted", 1000)):
        results = indicators.evaluate(pack, tables, "2016-05", "2016-05", by=["team"])
        assert results.groups() == [{"team": "A"}, {"team": "B"}]
        assert [(results.get(indicator, "2016-05", g).denominator, results.get(indicator, "2016-05", g).numerator)
                for g in [{}, *results.groups()]] == [(denominator, 3), (denominator, 2), (denominator, 1)]


def test_a_derived_column_can_be_the_breakdown():
    pack = CONTACTS + """
    [tables.contacts.derive]
    quick = "days(received_on, decided_on) <= 0"
    """
    results = run(pack, {"contacts": contact_table(["A", "A", "B"])}, "2016-05", by=["quick"])
    assert [(r.group, r.denominator) for r in results] == [({}, 3), ({"quick": False}, 2), ({"quick": None}, 1)]


def test_a_breakdown_column_a_measure_table_lacks_is_one_located_error():
    pack = CONTACTS + """
    [indicators.open]
    title = "Open episodes"
    table = "episodes"
    window = "snapshot"
    start = "started_on"
    denominator = { table = "contacts", date = "received_on", window = "month" }
    kind = "ratio"
    """
    tables = {"contacts": contact_table(["A"]), "episodes": {"started_on": [day("2016-01-01")]}}
    with pytest.raises(indicators.DataError) as caught:
        run(pack, tables, "2016-05", by=["team"])
    (problem,) = caught.value.problems
    assert "cannot break down by 'team': table 'episodes' has no column 'team'" in str(problem)
    assert "open (numerator)" in str(problem) and "test.toml" in str(problem)
    assert "break down only the indicators whose tables have 'team'" in str(problem)


def test_without_by_records_keep_an_empty_group():
    results = run(CONTACTS, {"contacts": contact_table(["A", "B"])}, "2016-05")
    assert [r["group"] for r in results.to_records()] == [{}]


@pytest.mark.parametrize("by", [[], [""], ["team", "team"], [3]])
def test_a_malformed_by_is_refused(by):
    with pytest.raises(indicators.DataError):
        run(CONTACTS, {"contacts": contact_table(["A"])}, "2016-05", by=by)


def test_partials_refuse_a_breakdown_rather_than_give_totals_only():
    with pytest.raises(indicators.DataError, match="does not break figures down"):
        indicators.evaluate_partial(pack_from(CONTACTS), {"contacts": contact_table(["A"])}, "2016-05", "2016-05",
                                    by=["team"])


def test_a_breakdown_whose_results_would_exceed_the_memory_budget_is_refused_before_counting(monkeypatch):
    """A column with a value per child (a mistake for --by) would make a result per child,
    indicator and month: refused up front, naming the column and how many results."""
    from indicators._breakdowns import Breakdown

    table = contact_table(["A"] * 2000)
    table["child_id"] = list(range(2000))  # 2,000 groups: 2,001 results a month with the total
    counted = []
    monkeypatch.setattr(Breakdown, "count", lambda self, indicator: counted.append(indicator) or None)
    with pytest.raises(indicators.ResourceError) as refused:
        run(CONTACTS, {"contacts": table}, "2016-04", "2016-05", by=["child_id"], memory_budget=20 * 2**20)
    message = str(refused.value)
    assert "a breakdown by 'child_id' into 2,000 groups (4,002 results: 1 indicator by 2 months" in message
    assert "over the memory budget of 20.0 MiB" in message and "fewer values" in message
    assert counted == []  # refused before any indicator was counted
    monkeypatch.undo()
    results = run(CONTACTS, {"contacts": table}, "2016-05", by=["child_id"], memory_budget=20 * 2**20)
    assert len(results) == 2001 and results.groups()[-1] == {"child_id": 1999}


def test_the_command_line_refuses_a_breakdown_over_the_budget_in_one_message(tmp_path, capsys):
    from indicators._cli import main

    (tmp_path / "pack.toml").write_text(CONTACTS)
    write_contacts(tmp_path, "".join(f"2016-05-02,2016-05-03,team {i}\n" for i in range(300)))
    args = ["evaluate", str(tmp_path / "pack.toml"), "--data", str(tmp_path), "--from", "2016-05",
            "--to", "2016-05", "--quiet", "--by", "team"]
    assert main(args + ["--memory-budget", "1MiB"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: a breakdown by 'team' into 300 groups (301 results")
    assert "Traceback" not in captured.err
    assert main(args + ["--memory-budget", "2MiB"]) == 0


def write_contacts(folder, rows: str) -> None:
    (folder / "contacts.csv").write_text("received_on,decided_on,team\n" + rows)


def test_command_line_by_adds_the_group_columns(tmp_path, capsys):
    from indicators._cli import main

    (tmp_path / "pack.toml").write_text(CONTACTS)
    write_contacts(tmp_path, "2016-05-02,2016-05-03,Duty 1\n2016-05-03,2016-05-20,\n2016-05-03,2016-05-04,-1\n")
    pack, data = str(tmp_path / "pack.toml"), str(tmp_path)
    args = ["evaluate", pack, "--data", data, "--from", "2016-05", "--to", "2016-05", "--quiet", "--by", "team"]
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["indicator", "period", "team"]
    assert [line.split()[2] for line in lines[2:]] == ["(all)", "-1", "Duty", "(missing)"]
    assert main(args + ["--format", "csv"]) == 0
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["team"], r["numerator"], r["group"]) for r in rows] == [
        ("(all)", "2", ""), ("'-1", "1", '{"team": "-1"}'), ("Duty 1", "1", '{"team": "Duty 1"}'),
        ("", "0", '{"team": null}')]
    assert main(args[:-1] + ["nowhere"]) == 1
    assert "cannot break down by 'nowhere'" in capsys.readouterr().err
    assert main(args + ["--workers", "2"]) == 2
    assert "--by does not work with --workers" in capsys.readouterr().err


def test_the_scorecard_offers_each_group_and_compares_them_in_the_latest_month(tmp_path):
    from indicators._scorecard import render_html

    table = contact_table(["A", "A", "B", None])
    page = render_html(run(CONTACTS, {"contacts": table}, "2016-04", "2016-05", by=["team"]))
    options = ['<option value="view-0">All rows (total)</option>', '<option value="view-1">team: A</option>',
               '<option value="view-2">team: B</option>', '<option value="view-3">team: not recorded</option>']
    assert '<label for="breakdown">Show the scorecard for</label>' in page and "".join(options) in page
    for i in range(4):  # a whole scorecard per group, titled
        assert f'<section class="view" id="view-{i}" aria-labelledby="view-{i}-title">' in page
    assert page.count('<tr data-indicator="decided_1wd">') == 4
    compare = page[page.index('<section class="compare">'):]
    assert compare.count('<th scope="row">') == 4
    assert '<th scope="row">team: A</th><td class="num">100.0%<span class="counts">2 / 2</span>' in compare
    assert '<th scope="row">team: not recorded</th><td class="num">0.0%<span class="counts">0 / 1</span>' in compare
    plain = render_html(run(CONTACTS, {"contacts": table}, "2016-04", "2016-05"))
    assert "<select" not in plain and "<script" not in plain and "view-title" not in plain


def test_groups_whose_work_is_refused_are_a_failure_not_silent_empties(monkeypatch):
    from indicators._breakdowns import GroupedTableEvaluation

    def refuse(*args, **kwargs):
        raise indicators.ResourceError([indicators.Problem("over the memory budget")])

    monkeypatch.setattr(GroupedTableEvaluation, "count", refuse)
    results = run(CONTACTS, {"contacts": contact_table(["A", "B"])}, "2016-05", by=["team"])
    assert results.failures == ["indicators.decided_1wd (its groups by team): over the memory budget"]
    total, a, b = results
    assert total.value is not None and a.value is None and b.value is None
