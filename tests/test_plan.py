"""The evaluation plan: each unit of work listed once with the indicators sharing it, and
the engine doing exactly the counts the plan lists, each once."""

from __future__ import annotations

import datetime
import json

import pytest

import indicators
from conftest import pack_from
from indicators._cli import main
from hypothesis import given, settings, strategies as st

from indicators._breakdowns import GroupedTableEvaluation
from indicators._table_evaluation import TableEvaluation
from indicators._work import (Account, Aggregate, Count, Derived, EndingBeforeStart, HeldByEach, LookupGrid, MissingKey,
                              MonthBuckets, NegativeDurations, Pairs, Placement, Reasons, Undated, Unknown, pass_placement,
                              selection_key)
from strategies import contacts, episodes, indicator_packs, with_teams
from test_properties import OPEN_EPISODES, PACK as PROPERTY_PACK

SHARED = """
[indicators.decided_1wd]
title = "Decided within 1 working day"
kind = "percentage"
table = "contacts"
date = "received_on"
where = "decided_on is not missing"
numerator = "working_days(received_on, decided_on) <= 1"

[indicators.decided_1wd_ytd]
title = "Decided within 1 working day, year to date"
kind = "percentage"
table = "contacts"
date = "received_on"
window = "ytd"
where = "decided_on is not missing"
numerator = "working_days(received_on, decided_on) <= 1"

[indicators.decided]
title = "Contacts decided"
table = "contacts"
date = "received_on"
where = "decided_on is not missing"
"""


def steps(plan: indicators.Plan, kind: str) -> list[indicators.Step]:
    return [step for step in plan.steps if step.kind == kind]


def test_a_filter_two_indicators_read_is_one_step_used_by_both():
    plan = indicators.compile(pack_from(SHARED))
    (timely,) = [s for s in steps(plan, "filter") if s.description == "working_days(received_on, decided_on) <= 1"]
    assert ("decided_1wd", "decided_1wd_ytd") == timely.users
    (months,) = [s for s in steps(plan, "place") if s.description == "by received_on, in months"]
    assert ("decided_1wd", "decided_1wd_ytd", "decided") == months.users
    assert not [s for s in steps(plan, "place") if "window" in s.description]  # no window's ranges needed
    (denominator,) = [s for s in steps(plan, "count")
                      if s.description == "rows (from the reasons) of: by received_on, month window; "
                      "where decided_on is not missing"]
    assert ("decided_1wd", "decided") == denominator.users  # the count of one is the other's denominator


def test_one_reasons_pass_counts_a_denominator_its_numerator_and_every_window_over_the_date():
    plan = indicators.compile(pack_from(SHARED))
    (counted,) = steps(plan, "reasons")  # the month and year-to-date windows count from one pass by month
    assert counted.description == ("rows by the first filter that leaves them out, one pass: by received_on, "
                                   "by month (every window's counts); where decided_on is not missing; "
                                   "where working_days(received_on, decided_on) <= 1; "
                                   "and negative working_days(received_on, decided_on)")
    assert ("decided_1wd", "decided_1wd_ytd", "decided") == counted.users
    (by_month,) = [s for s in steps(plan, "place") if s.description == "by received_on, in months"]
    assert ("decided_1wd", "decided_1wd_ytd", "decided") == by_month.users


def contacts_and_episodes() -> dict:
    day = datetime.date(2016, 4, 1)
    days = [day + datetime.timedelta(days=9 * i) for i in range(40)]
    return {
        "contacts": {"child_id": [i % 7 for i in range(40)], "received_on": days,
                     "decided_on": [d + datetime.timedelta(days=i % 4) if i % 5 else None for i, d in enumerate(days)],
                     "outcome": [["nfa", "referral", None][i % 3] for i in range(40)]},
        "episodes": {"child_id": [i % 7 for i in range(12)], "started_on": days[:12],
                     "ended_on": [None if i % 2 else d + datetime.timedelta(days=200) for i, d in enumerate(days[:12])]},
    }


# the work the plan names and the engine does under the same keys (internal steps of
# these, such as the rows some window holds or a key's codes, are not listed)
LISTED = (Derived, Placement, MonthBuckets, LookupGrid, Pairs, Reasons, Count, Aggregate, HeldByEach, Account,
          Unknown, Undated, EndingBeforeStart, MissingKey, NegativeDurations)
# work the plan lists that every evaluation does, whatever the data
ALWAYS_DONE = (Placement, MonthBuckets, Reasons, Count, Aggregate, HeldByEach, Account, Unknown, Undated,
               EndingBeforeStart, MissingKey, NegativeDurations)


def work_done(monkeypatch, pack: indicators.Pack, tables: dict, **options) -> set:
    """Every (table, key) of the listed kinds an evaluation did, by a breakdown's groups
    too (work is released once no indicator left reads its table: read before that)."""
    evaluations, done = [], set()

    def keys_of(evaluation: TableEvaluation) -> set:
        return {(evaluation.table.name, key) for key in [*evaluation.work, *evaluation.row_work]
                if isinstance(key, LISTED)}

    for cls in (TableEvaluation, GroupedTableEvaluation):
        def spy(self, *args, __init__=cls.__init__):
            __init__(self, *args)
            evaluations.append(self)
        monkeypatch.setattr(cls, "__init__", spy)
    release = TableEvaluation.release

    def released(self):
        done.update(keys_of(self))
        release(self)

    monkeypatch.setattr(TableEvaluation, "release", released)
    indicators.evaluate(pack, tables, "2016-03", "2017-02", **options)
    return done.union(*map(keys_of, evaluations))


def planned(pack: indicators.Pack) -> set:
    return {(step.table, step.key) for step in indicators.compile(pack).steps}


@pytest.mark.parametrize("pack", [pack_from(SHARED), PROPERTY_PACK], ids=["shared", "mixed kinds"])
def test_the_engine_does_exactly_the_work_the_plan_lists(monkeypatch, pack):
    done = work_done(monkeypatch, pack, contacts_and_episodes())
    listed = planned(pack)
    assert done <= listed
    assert {(table, key) for table, key in listed if isinstance(key, ALWAYS_DONE)} <= done


@settings(max_examples=60, deadline=None)
@given(indicator_packs(), with_teams(contacts(max_rows=30)), with_teams(episodes(max_rows=20)), st.booleans())
def test_the_engine_does_only_work_the_plan_lists_for_any_pack(text, contact_rows, episode_rows, by_team):
    """Whatever the indicator (kind, window, filters reading the row, the period or a
    lookup, distinct keys, aggregates, derived columns), broken down or not: every count,
    reasons pass, placement, pairs, lookup, aggregate, row accounting and note the engine
    does is a step of the plan, and the counts, passes, accountings and notes the plan
    lists are all done."""
    pack = pack_from(text)
    with pytest.MonkeyPatch.context() as monkeypatch:
        done = work_done(monkeypatch, pack, {"contacts": contact_rows, "episodes": episode_rows},
                         **({"by": ["team"]} if by_team else {}))
    listed = planned(pack)
    assert done <= listed
    assert {(table, key) for table, key in listed if isinstance(key, ALWAYS_DONE)} <= done


def test_two_indicators_alike_share_each_step_of_the_work():
    pack = pack_from(SHARED)
    plan = indicators.compile(pack)
    decided = pack.indicators["decided"].numerator
    (count,) = [s for s in steps(plan, "count") if s.key == Count(selection_key(decided), None)]
    assert ("decided_1wd", "decided") == count.users  # the count of one is the other's denominator
    (reasons,) = [s for s in steps(plan, "reasons") if s.key.placement == pass_placement(decided)]
    assert reasons.key.chain == ("(decided_on is not missing)", "(working_days(received_on, decided_on) <= 1)")
    assert ("decided_1wd", "decided_1wd_ytd", "decided") == reasons.users
    undated = [s for s in steps(plan, "notes") if isinstance(s.key, Undated)]
    assert [("decided_1wd", "decided_1wd_ytd", "decided")] == [s.users for s in undated]


def test_plan_prints_steps_and_their_users(tmp_path, capsys):
    (tmp_path / "pack.toml").write_text(SHARED)
    assert 0 == main(["plan", str(tmp_path / "pack.toml")])
    out = capsys.readouterr().out
    assert out.startswith("plan of pack: 3 indicator(s), ")
    assert "  filter     working_days(received_on, decided_on) <= 1\n             used by decided_1wd, " \
           "decided_1wd_ytd\n" in out
    assert 0 == main(["plan", str(tmp_path / "pack.toml"), "--format", "json"])
    records = json.loads(capsys.readouterr().out)
    assert {"kind": "filter", "table": "contacts", "description": "decided_on is not missing",
            "used_by": ["decided_1wd", "decided_1wd_ytd", "decided"]} in records


def test_plan_of_a_broken_pack_is_one_message(tmp_path, capsys):
    (tmp_path / "pack.toml").write_text(SHARED.replace("working_days(", "working_dayz("))
    assert 1 == main(["plan", str(tmp_path / "pack.toml")])
    assert "unknown function 'working_dayz'" in capsys.readouterr().err


def test_tables_placed_by_columns_of_one_name_keep_their_own_reasons():
    """Two tables with a date column of the same name, one filtered by a column only it
    has: each table's counts come from its own pass."""
    pack = pack_from("""
[indicators.nfa]
title = "Contacts with no further action"
table = "contacts"
date = "received_on"
where = "outcome == 'nfa'"

[indicators.letters]
title = "Letters received"
table = "letters"
date = "received_on"
""")
    day = datetime.date(2016, 4, 1)
    tables = {"contacts": {"received_on": [day, day, day], "outcome": ["nfa", "referral", "nfa"]},
              "letters": {"received_on": [day, day + datetime.timedelta(days=40)]}}
    results = indicators.evaluate(pack, tables, "2016-04", "2016-05")
    counts = {(r["indicator"], r["period"]): r["numerator"] for r in results.to_records()}
    assert counts == {("nfa", "2016-04"): 2, ("nfa", "2016-05"): 0,
                      ("letters", "2016-04"): 1, ("letters", "2016-05"): 1}
    assert {("contacts", "by received_on, by month (every window's counts); where outcome == 'nfa'"),
            ("letters", "by received_on, by month (every window's counts)")} == \
        {(s.table, s.description.split(": ", 1)[1]) for s in steps(indicators.compile(pack), "reasons")}


def test_a_tables_work_is_released_once_no_indicator_left_reads_it(monkeypatch):
    """The contacts' placements, passes and values are let go after the last indicator
    reading contacts, before the episodes' indicator begins; nothing reads them after."""
    pack = pack_from(SHARED + OPEN_EPISODES)
    events = []
    shared, release = TableEvaluation.shared, TableEvaluation.release

    def logged_shared(self, key, compute):
        events.append(("work", self.table.name))
        return shared(self, key, compute)

    def logged_release(self):
        events.append(("release", self.table.name, len(list(self.work)) + len(list(self.row_work))))
        release(self)
        assert not list(self.work) and not list(self.row_work)

    monkeypatch.setattr(TableEvaluation, "shared", logged_shared)
    monkeypatch.setattr(TableEvaluation, "release", logged_release)
    indicators.evaluate(pack, contacts_and_episodes(), "2016-04", "2017-03")
    (contacts,) = [i for i, event in enumerate(events) if event[:2] == ("release", "contacts")]
    assert events[contacts][2] > 0  # it held work
    assert ("work", "contacts") not in events[contacts:]
    assert events.index(("work", "episodes")) > contacts


TWO_TABLES = """
[indicators.a]
title = "A"
kind = "percentage"
table = "contacts"
date = "d"
where = "x > 0"
numerator = "n > 0 and days(d, e) > 1"

[indicators.a.lookups]
n = { table = "eps", key = "child_id", date = "s", window = "to_date", aggregate = "count" }

[indicators.b]
title = "B"
kind = "percentage"
table = "referrals"
date = "d"
numerator = "n > 0 and days(d, e) > 1"

[indicators.b.lookups]
n = { table = "eps", key = "child_id", date = "s", window = "to_date", aggregate = "count" }

[indicators.x]
title = "X"
kind = "percentage"
table = "contacts"
date = "d"
where = "x > 0"
numerator = "y > 0"

[indicators.y]
title = "Y"
kind = "percentage"
table = "contacts"
date = "d"
where = "y > 0"
numerator = "x > 0"
"""


def test_work_alike_but_on_another_table_or_in_another_order_is_not_shared():
    """Two tables with a date column of one name, each with its own filters, durations and
    lookup keys; and two measures whose where and numerator swap: each indicator's records
    (figures, notes, rows used and left out by reason) are those it has evaluated alone."""
    pack = pack_from(TWO_TABLES)
    tables = {"contacts": {"d": ["2017-01-03", "2017-01-04", "2017-01-05", "2017-01-06"],
                           "e": ["2017-01-01", "2017-01-09", None, "2017-01-10"], "x": [1, 0, 1, 1],
                           "y": [1, 0, 0, 0], "child_id": [1, None, 2, 1]},
              "referrals": {"d": ["2017-01-03", "2017-01-04", "2017-01-05", "2017-01-06"],
                            "e": ["2017-01-02", "2017-01-09", "2017-01-09", "2017-01-01"], "child_id": [None, 2, 3, 1]},
              "eps": {"s": ["2016-01-01", "2016-05-01"], "child_id": [1, 2]}}
    together = indicators.evaluate(pack, tables, "2017-01", "2017-01")
    assert not together.failures
    for ident in pack.indicators:
        (alone,) = indicators.select([pack], [ident])
        assert [r for r in together.to_records() if r["indicator"] == ident] == \
            indicators.evaluate(alone, tables, "2017-01", "2017-01").to_records()
    notes = {r["indicator"]: r["notes"] for r in together.to_records()}
    assert notes["b"]["negative duration (days(d, e))"] == 2 and notes["b"]["lookup key missing (n)"] == 1


DERIVED_DURATIONS = """
[tables.referrals.derive]
previous_on = "previous(referred_on, by = child_id)"
next_on = "next(referred_on, by = child_id)"

[indicators.rereferred]
title = "Re-referrals within 12 months"
kind = "percentage"
table = "referrals"
date = "referred_on"
numerator = "days(previous_on, referred_on) <= 365"

[indicators.referred_again]
title = "Referred again within 12 months"
kind = "percentage"
table = "referrals"
date = "referred_on"
where = "child_id is not missing"
numerator = "days(referred_on, next_on) <= 365"
"""


def test_a_duration_of_a_derived_column_its_filters_read_is_counted_in_their_pass():
    """A derived column that a chain of filters reads already (in any of its filters)
    cannot fail the pass anew: its negative-duration note is counted beside the chain, not
    in a pass of its own; and the notes and figures are the naive counts."""
    plan = indicators.compile(pack_from(DERIVED_DURATIONS))
    descriptions = [step.description for step in steps(plan, "reasons")]
    assert descriptions == [
        "rows by the first filter that leaves them out, one pass: by referred_on, by month (every window's "
        "counts); where days(previous_on, referred_on) <= 365; and negative days(previous_on, referred_on)",
        "rows by the first filter that leaves them out, one pass: by referred_on, by month (every window's "
        "counts); where child_id is not missing; where days(referred_on, next_on) <= 365; "
        "and negative days(referred_on, next_on)"]
    # child 1 referred on 03-01, 01-10 (earlier, entered out of order) and 06-15: the
    # previous referral of the row dated 03-01 is 01-10; one row a child
    days = ["2017-01-10", "2017-01-03", "2017-01-20", "2017-01-15", "2017-01-25"]
    tables = {"referrals": {"child_id": [1, 1, 2, 1, None], "referred_on": days}}
    records = {r["indicator"]: r for r in indicators.evaluate(pack_from(DERIVED_DURATIONS), tables,
                                                               "2017-01", "2017-01").to_records()}
    assert records["rereferred"]["numerator"] == 2  # 01-10 after 01-03, 01-15 after 01-10
    assert records["rereferred"]["notes"].get("negative duration (days(previous_on, referred_on))", 0) == 0
    assert records["referred_again"]["numerator"] == 2
    assert records["referred_again"]["notes"].get("negative duration (days(referred_on, next_on))", 0) == 0
