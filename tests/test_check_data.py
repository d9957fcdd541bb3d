"""indicators.check_data: the data checked against a pack before any work, as `indicators
validate --data` and evaluate check it."""

from __future__ import annotations

import pytest

import indicators
from conftest import pack_from

PACK = """
[pack]
name = "checks"
{settings}

[tables.contacts.columns]
received_on = "date"
decided_on = "date"

[indicators.decided]
title = "Contacts decided"
table = "contacts"
date = "received_on"
where = "decided_on is not missing"

[indicators.referred]
title = "Contacts referred"
table = "contacts"
date = "received_on"
where = "outcome == 'referral'"
"""


def write(folder, name: str, text: str):
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def test_the_tables_read_count_what_could_not_be_read(tmp_path):
    data = write(tmp_path / "data", "contacts", "received_on,decided_on,outcome\n"
                 "2017-01-05,2017-01-06,referral\n2017-01-07,not a date,nfa\n")
    tables, skipped = indicators.check_data(pack_from(PACK.format(settings="")), data)
    assert skipped == {}
    column = tables["contacts"].columns["decided_on"]
    assert column.unreadable == 1
    assert [text for _, text in column.unreadable_examples] == ["not a date"]
    assert tables["contacts"].columns["received_on"].unreadable == 0


def test_every_missing_table_or_column_is_one_located_problem():
    pack = pack_from(PACK.format(settings=""))
    with pytest.raises(indicators.DataError) as caught:
        indicators.check_data(pack, {"contacts": {"received_on": ["2017-01-05"], "outcome": ["nfa"]}})
    assert [p.message for p in caught.value.problems] == [
        "table 'contacts' has no column 'decided_on', which the pack declares"]
    with pytest.raises(indicators.DataError) as caught:
        indicators.check_data(pack, {"referrals": {"received_on": ["2017-01-05"]}})
    (problem,) = caught.value.problems
    assert "no table 'contacts' in the data (needed by decided, referred)" in problem.message
    assert problem.file == "test.toml" and problem.line is not None


def test_under_skip_an_indicator_lacking_a_column_is_named_not_refused():
    pack = pack_from(PACK.format(settings='missing_columns = "skip"'))
    tables, skipped = indicators.check_data(
        pack, {"contacts": {"received_on": ["2017-01-05"], "decided_on": ["2017-01-05"]}})
    assert skipped == {"referred": "no column contacts.outcome in the data"}
    assert set(tables) == {"contacts"}


def test_an_expression_that_clashes_with_the_datas_types_is_a_pack_error():
    pack = pack_from(PACK.format(settings="").replace("outcome == 'referral'", "outcome > 2"))
    with pytest.raises(indicators.PackError) as caught:
        indicators.check_data(pack, {"contacts": {"received_on": ["2017-01-05"], "decided_on": [None],
                                                  "outcome": ["referral"]}})
    (problem,) = caught.value.problems
    assert "cannot compare str with int" in problem.message
    assert problem.path == "indicators.referred.where"
