"""Loading and checking packs: every problem with file, line, key path and what was expected."""

from __future__ import annotations

import textwrap

import pytest

import indicators


def problems_of(text: str) -> list[indicators.Problem]:
    with pytest.raises(indicators.PackError) as info:
        indicators.loads_pack(textwrap.dedent(text), file="p.toml")
    return info.value.problems


GOOD = """
[tables.contacts.columns]
received_on = "date"
decided_on = "date"

[indicators.decided]
title = "Decided"
kind = "percentage"
table = "contacts"
date = "received_on"
numerator = "working_days(received_on, decided_on) <= 1"
"""


def test_a_good_pack_loads():
    pack = indicators.loads_pack(GOOD)
    assert ["decided"] == list(pack.indicators)
    assert "percentage" == pack.indicators["decided"].kind


def test_unknown_key_gets_a_suggestion_and_its_line():
    (problem,) = problems_of(GOOD.replace('kind = "percentage"', 'kind = "percentage"\ntarge = 90'))
    assert ("p.toml", 9, "indicators.decided.targe") == (problem.file, problem.line, problem.path)
    assert "did you mean 'target'?" in problem.message


def test_every_problem_is_reported_at_once():
    text = GOOD.replace('kind = "percentage"', 'kind = "percent"').replace(
        '"received_on"\nnumerator', '"received_on"\nwindow = "weekly"\nnumerator')
    messages = [p.message for p in problems_of(text)]
    assert any("unknown kind 'percent'" in m for m in messages)
    assert any("unknown window 'weekly'" in m for m in messages)


def test_expression_errors_point_at_the_key_with_a_caret():
    (problem,) = problems_of(GOOD.replace("working_days(", "working_dayz("))
    assert "indicators.decided.numerator" == problem.path
    assert 11 == problem.line
    assert "unknown function 'working_dayz'" in problem.message
    assert "^^^^^^^^^^^^" in problem.detail and "did you mean 'working_days'?" in problem.detail


def test_a_name_the_data_lacks_gets_the_same_located_message_when_data_arrives():
    pack = indicators.loads_pack(textwrap.dedent(GOOD.replace("decided_on) <= 1", "decidedon) <= 1")),
                                 file="p.toml")
    data = {"contacts": {"received_on": ["2017-01-06"], "decided_on": ["2017-01-09"]}}
    with pytest.raises(indicators.PackError) as info:
        indicators.evaluate(pack, data, "2017-01", "2017-01")
    (problem,) = info.value.problems
    assert ("p.toml", 11, "indicators.decided.numerator") == (problem.file, problem.line, problem.path)
    assert "unknown name 'decidedon': not a column of table 'contacts'" in problem.message
    assert "^^^^^^^^^" in problem.detail and "did you mean 'decided_on'?" in problem.detail


def test_type_clash_is_found_on_load():
    (problem,) = problems_of(GOOD.replace("<= 1", "<= 'one'"))
    assert "cannot compare int with str" in problem.message


def test_malformed_toml_names_the_line():
    (problem,) = problems_of("[indicators.x]\ntitle = \n")
    assert 2 == problem.line and "not valid TOML" in problem.message


@pytest.mark.parametrize("addition, message", [
    ('denominator = 5', "a count indicator has no denominator"),
    ('distinct = "x"\nkind = "mean"\nof = "x"', "distinct applies to counting kinds"),
    ('window = "cumulative"', "a cumulative window needs since"),
    ('since = "2016-01-01"', "since applies only to cumulative windows"),
    ('window = "rolling_61"', "unknown window 'rolling_61'"),
    ('target = { "2016/18" = 1 }', "financial year label"),
    ('tolerance = "ten"', "share of the target"),
    ('rag = { green = 1 }', "expected { green = NUMBER, amber = NUMBER }"),
    ('quartiles = [3, 2, 1]', "three ascending numbers"),
    ('denominator = { population = "kids" }\nkind = "rate"', "unknown population 'kids'"),
    ('polarity = "up"', "unknown polarity 'up'"),
])
def test_definition_mistakes(addition, message):
    text = f"""
    [indicators.x]
    title = "X"
    table = "t"
    date = "d"
    {addition}
    """
    messages = [p.message for p in problems_of(text)]
    assert any(message in m for m in messages), messages


def test_duplicate_ids_across_files_of_a_folder(tmp_path):
    (tmp_path / "a.toml").write_text('[indicators.x]\ntitle = "X"\ntable = "t"\ndate = "d"\n')
    (tmp_path / "b.toml").write_text('[indicators.x]\ntitle = "Y"\ntable = "t"\ndate = "d"\n')
    with pytest.raises(indicators.PackError, match="defined twice"):
        indicators.load_pack(tmp_path)


def test_bad_indicator_id():
    messages = [p.message for p in problems_of('[indicators.Bad-Id]\ntitle = "X"\ntable = "t"\ndate = "d"\n')]
    assert any("lower case" in m for m in messages)


def test_unknown_calendar():
    messages = [p.message for p in problems_of('[pack]\ncalendar = "england"\n' + GOOD)]
    assert any("unknown calendar 'england'" in m for m in messages)


def test_cyclic_derived_columns_are_a_load_error():
    text = GOOD + '\n[tables.contacts.derive]\na = "b + 1"\nb = "a + 1"\n'
    messages = [p.message for p in problems_of(text)]
    assert any("cycle: a -> b -> a" in m or "cycle: b -> a -> b" in m for m in messages), messages


def test_derived_columns_naming_what_the_data_lacks_fail_when_data_arrives():
    pack = indicators.loads_pack(GOOD + '\n[tables.contacts.derive]\ngap = "days(received_on, decidedon)"\n')
    data = {"contacts": {"received_on": ["2017-01-06"], "decided_on": ["2017-01-09"]}}
    with pytest.raises(indicators.PackError) as info:
        indicators.evaluate(pack, data, "2017-01", "2017-01")
    (problem,) = info.value.problems
    assert "tables.contacts.derive.gap" == problem.path and "unknown name 'decidedon'" in problem.message


def test_derived_columns_type_clashes_with_declared_columns_are_load_errors():
    (problem,) = problems_of(GOOD + '\n[tables.contacts.derive]\ngap = "received_on + decided_on"\n')
    assert "tables.contacts.derive.gap" == problem.path and "cannot apply '+' to date and date" in problem.message


def test_previous_outside_derived_columns_is_an_error():
    messages = [p.message for p in problems_of(GOOD.replace(
        '"working_days(received_on, decided_on) <= 1"', '"previous(received_on, by = received_on) is missing"'))]
    assert any("may appear only in derived columns" in m for m in messages)


def test_lookup_mistakes_are_found_when_data_arrives():
    text = GOOD + """
[tables.visits.columns]
child = "int"
visited_on = "date"

[indicators.decided.lookups]
visits = { table = "visits", key = "child", date = "visited_on", aggregate = "max(visted_on)" }
"""
    pack = indicators.loads_pack(text)
    data = {"contacts": {"received_on": ["2017-01-06"], "decided_on": ["2017-01-09"]},
            "visits": {"child": [1], "visited_on": ["2017-01-02"]}}
    with pytest.raises(indicators.PackError) as info:
        indicators.evaluate(pack, data, "2017-01", "2017-01")
    messages = [p.message for p in info.value.problems]
    assert any("names no column of 'visits'; did you mean 'visited_on'?" in m for m in messages), messages
    assert any("the key column 'child' is not a column of 'contacts'" in m for m in messages), messages


def test_lookup_over_a_declared_column_of_the_wrong_type_is_a_load_error():
    text = GOOD + """
[tables.visits.columns]
child = "str"

[indicators.decided.lookups]
visits = { table = "visits", key = "child", date = "visited_on", aggregate = "sum(child)" }
"""
    messages = [p.message for p in problems_of(text)]
    assert any("sum() needs a numeric column; child is str" in m for m in messages), messages


def test_undeclared_tables_are_checked_when_data_arrives():
    pack = indicators.loads_pack('[indicators.x]\ntitle = "X"\ntable = "t"\ndate = "d"\nwhere = "y > 1"\n')
    with pytest.raises(indicators.PackError, match="unknown name 'y': not a column of table 't'"):
        indicators.evaluate(pack, {"t": {"d": ["2017-01-01"]}}, "2017-01", "2017-01")
    with pytest.raises(indicators.PackError, match="cannot compare str with int"):
        indicators.evaluate(pack, {"t": {"d": ["2017-01-01"], "y": ["a"]}}, "2017-01", "2017-01")


def test_text_used_as_a_date_suggests_declaring_it():
    pack = indicators.loads_pack('[indicators.x]\ntitle = "X"\ntable = "t"\ndate = "d"\n')
    with pytest.raises(indicators.PackError) as info:
        indicators.evaluate(pack, {"t": {"d": ["soon", "2017-01-01"]}}, "2017-01", "2017-01")
    assert "declare the column as date" in str(info.value)


def test_missing_table_is_named_with_its_users():
    pack = indicators.loads_pack(GOOD)
    with pytest.raises(indicators.DataError, match="no table 'contacts' in the data"):
        indicators.evaluate(pack, {}, "2017-01", "2017-01")


def test_text_used_as_a_date_names_the_cells_that_would_not_read():
    pack = indicators.loads_pack('[indicators.x]\ntitle = "X"\nkind = "percentage"\ntable = "t"\ndate = "d"\n'
                                 'numerator = "working_days(d, e) <= 1"\n')
    with pytest.raises(indicators.PackError) as info:
        indicators.evaluate(pack, {"t": {"d": ["2017-01-02"] * 3, "e": ["2017-01-03", "soon", "31/02/2017"]}},
                            "2017-01", "2017-01")
    message = str(info.value)
    assert "argument 2 of working_days() must be date, not str" in message
    assert "2 cell(s) are not dates: row 2 'soon', row 3 '31/02/2017'" in message
    assert 'e = "date"' in message


def test_rag_thresholds_on_a_neutral_indicator_give_no_rag():
    pack = indicators.loads_pack('[indicators.x]\ntitle = "X"\ntable = "t"\ndate = "d"\n'
                                 'rag = { green = 1, amber = 0 }\n')
    (result,) = indicators.evaluate(pack, {"t": {"d": ["2017-01-02"]}}, "2017-01", "2017-01")
    assert result.rag is None


def test_missing_tables_skip_leaves_out_only_the_indicators_that_read_an_absent_table():
    """With missing_tables = "skip", data without a table skips its indicators (named with
    the reason) and evaluates the rest; a lookup's table counts as read."""
    pack = indicators.loads_pack(textwrap.dedent("""
    [pack]
    missing_tables = "skip"
    [indicators.contacts]
    title = "Contacts"
    table = "contacts"
    date = "received_on"
    [indicators.plans]
    title = "Plans"
    table = "plans"
    date = "started_on"
    [indicators.contacts_of_planned]
    title = "Contacts of children with a plan"
    table = "contacts"
    date = "received_on"
    where = "plans_open > 0"
    [indicators.contacts_of_planned.lookups]
    plans_open = { table = "plans", key = "child_id", date = "started_on", aggregate = "count" }
    """), file="p.toml")
    results = indicators.evaluate(pack, {"contacts": {"child_id": [1, 2], "received_on": ["2017-01-03", "2017-01-04"]}},
                                  "2017-01", "2017-01")
    assert [("contacts", 2.0)] == [(r.indicator, r.value) for r in results]
    assert {"plans": "no table 'plans' in the data",
            "contacts_of_planned": "no table 'plans' in the data"} == results.skipped
    assert [] == results.failures


def test_missing_columns_skip_leaves_out_only_the_indicators_that_read_an_absent_column():
    """With missing_columns = "skip", an export without a column skips the indicators that
    read it, directly or through a derived column, and evaluates the rest; without the
    setting the same data is an error naming the column."""
    text = textwrap.dedent("""
    [pack]
    missing_columns = "skip"
    [tables.assessments.columns]
    worker_id = "str"
    [tables.assessments.derive]
    allocated = "worker_id is not missing"
    unused = "team_type == 'duty'"
    [indicators.started]
    title = "Assessments started"
    table = "assessments"
    date = "started_on"
    [indicators.allocated]
    title = "Allocated assessments"
    table = "assessments"
    date = "started_on"
    where = "allocated"
    [indicators.per_worker]
    title = "Open assessments per worker"
    kind = "mean"
    each = "worker_id"
    table = "assessments"
    window = "snapshot"
    start = "started_on"
    end = "completed_on"
    """)
    data = {"assessments": {"child_id": [1, 2], "started_on": ["2017-01-03", "2017-01-04"],
                            "completed_on": ["2017-01-20", None]}}
    results = indicators.evaluate(indicators.loads_pack(text, file="p.toml"), data, "2017-01", "2017-01")
    assert [("started", 2.0)] == [(r.indicator, r.value) for r in results]
    assert {"allocated": "no column assessments.worker_id in the data",
            "per_worker": "no column assessments.worker_id in the data"} == results.skipped
    strict = indicators.loads_pack(text.replace('missing_columns = "skip"', ""), file="p.toml")
    with pytest.raises(indicators.DataError, match="no column 'worker_id'"):
        indicators.evaluate(strict, data, "2017-01", "2017-01")


@pytest.mark.parametrize("setting", ["missing_tables", "missing_columns"])
def test_missing_tables_and_columns_take_error_or_skip(setting):
    with pytest.raises(indicators.PackError, match=f'{setting}: expected "error" or "skip", got \'ignore\''):
        indicators.loads_pack(textwrap.dedent(f"""
        [pack]
        {setting} = "ignore"
        [indicators.contacts]
        title = "Contacts"
        table = "contacts"
        date = "received_on"
        """), file="p.toml")


def test_a_pack_is_a_plain_value_that_pickles_equal_and_evaluates_alike():
    """What a process pool or a Dask worker needs: the pack travels as a value, with no
    plugins inside; the process that evaluates it gives the registry."""
    import pickle

    pack = indicators.loads_pack(GOOD + '\n[tables.contacts.derive]\nlag = "days(received_on, decided_on)"\n')
    again = pickle.loads(pickle.dumps(pack))
    assert pack == again
    assert indicators.loads_pack(GOOD) != pack
    assert not hasattr(pack, "registry")
    assert object.__reduce__ is indicators.Pack.__reduce__  # no custom pickling
    data = {"contacts": {"received_on": ["2017-01-06", "2017-01-10"], "decided_on": ["2017-01-09", None]}}
    assert indicators.evaluate(pack, data, "2017-01", "2017-01").to_json() == \
        indicators.evaluate(again, data, "2017-01", "2017-01").to_json()
