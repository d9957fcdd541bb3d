"""Open declarations (SPEC section 2) and the zero-denominator, inheritance and tolerance
rules of sections 7 and 8: packs written as the SPEC describes load and run."""

from __future__ import annotations

import datetime
import json
import textwrap

import pytest
from hypothesis import given, strategies as st

import indicators
from conftest import pack_from, run
from indicators._cli import main
from strategies import contacts, episodes

REFERRALS = {
    "child_id": [1, 1, 2, 1, 3],
    "referred_on": ["2016-02-01", "2016-11-20", "2016-11-21", "2017-01-05", "2017-01-09"],
}

RE_REFERRALS = """
[tables.referrals.derive]
previous_referral_on = "previous(referred_on, by = child_id)"

[indicators.rereferrals]
title = "Re-referrals within 12 months"
kind = "percentage"
table = "referrals"
date = "referred_on"
window = "rolling_12"
numerator = "days(previous_referral_on, referred_on) <= 365"
"""


def records(results: indicators.Results) -> list[dict]:
    return json.loads(results.to_json())


def test_a_derive_block_alone_leaves_the_tables_columns_to_the_data():
    """The issue's example: child_id and referred_on come straight from the data."""
    (result,) = run(RE_REFERRALS, {"referrals": REFERRALS}, "2017-01")
    # all five fall in Feb 2016 - Jan 2017; 2016-11-20 (previous 2016-02-01) and 2017-01-05
    # (previous 2016-11-20) are re-referrals
    assert (2, 5) == (result.numerator, result.denominator)


def test_declaring_some_columns_fixes_their_types_and_closes_nothing():
    text = RE_REFERRALS.replace("[tables.referrals.derive]", '[tables.referrals.columns]\nreferred_on = "date"\n\n'
                                "[tables.referrals.derive]")
    data = {"referrals": {**REFERRALS, "child_id": [str(c) for c in REFERRALS["child_id"]]}}
    (result,) = run(text, data, "2017-01")
    assert (2, 5) == (result.numerator, result.denominator)


def test_a_pack_that_declares_one_table_need_not_declare_the_others():
    text = RE_REFERRALS + """
    [indicators.contacts]
    title = "Contacts"
    table = "contacts"
    date = "received_on"
    """
    data = {"referrals": REFERRALS, "contacts": {"received_on": ["2017-01-03", "2016-12-30"]}}
    assert [("rereferrals", 2), ("contacts", 1)] == [(r.indicator, r.numerator) for r in run(text, data, "2017-01")]


UNDECLARED = textwrap.dedent("""
    [indicators.decided]
    title = "Decided in 1 working day"
    kind = "percentage"
    table = "contacts"
    date = "received_on"
    numerator = "working_days(received_on, decided_on) <= 1"
""")


@pytest.mark.parametrize("numerator, message", [
    ("frobnicate(received_on) <= 1", "unknown function 'frobnicate'"),
    ("open('/etc/passwd') == 'x'", "unknown function 'open'"),
    ("working_days(received_on) <= 1", "working_days() takes 2 arguments, got 1"),
    ("working_days(received_on, decided_on) <= 'one'", "cannot compare int with str"),
    ("decided_on + 'x' > received_on", "cannot apply '+' to unknown and str"),
])
def test_what_does_not_depend_on_the_data_is_checked_when_the_pack_loads(tmp_path, capsys, numerator, message):
    """Undeclared tables included: validate refuses these without any data."""
    (tmp_path / "pack.toml").write_text(UNDECLARED.replace("working_days(received_on, decided_on) <= 1", numerator))
    assert 1 == main(["validate", str(tmp_path / "pack.toml")])
    err = capsys.readouterr().err
    assert f"pack.toml:7: indicators.decided.numerator: {message}" in err, err


def test_type_clashes_with_declared_and_derived_columns_are_load_errors():
    text = UNDECLARED + textwrap.dedent("""
        [tables.contacts.columns]
        outcome = "str"

        [tables.contacts.derive]
        lag = "days(received_on, decided_on)"
        """)
    for numerator, message in [("outcome > 3", "cannot compare str with int"),
                               ("lag == 'x'", "cannot compare int with str"),
                               ("lag and outcome == 'a'", "'and' needs true/false values")]:
        with pytest.raises(indicators.PackError) as info:
            indicators.loads_pack(text.replace("working_days(received_on, decided_on) <= 1", numerator))
        assert message in str(info.value)


def test_validate_lists_the_names_it_will_check_against_the_data(tmp_path, capsys):
    (tmp_path / "pack.toml").write_text(UNDECLARED + '\n[tables.contacts.columns]\nreceived_on = "date"\n')
    assert 0 == main(["validate", str(tmp_path / "pack.toml")])
    out = capsys.readouterr().out
    assert "contacts: decided_on (not declared: checked against the data when it arrives)" in out
    assert "no problems found" in out


def test_validate_with_data_checks_the_undeclared_names(tmp_path, capsys):
    (tmp_path / "pack.toml").write_text(UNDECLARED)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "contacts.csv").write_text("received_on,decided\n2017-01-06,2017-01-09\n")
    assert 1 == main(["validate", str(tmp_path / "pack.toml"), "--data", str(tmp_path / "data")])
    err = capsys.readouterr().err
    assert "pack.toml:7: indicators.decided.numerator: unknown name 'decided_on': not a column of table " \
           "'contacts'" in err


def test_a_constant_zero_denominator_gives_missing_values_and_the_pack_runs(tmp_path, capsys):
    text = UNDECLARED + textwrap.dedent("""
        [indicators.zero]
        title = "Over nothing"
        kind = "ratio"
        table = "contacts"
        date = "received_on"
        denominator = 0
        """)
    results = run(text, {"contacts": {"received_on": ["2017-01-06"], "decided_on": ["2017-01-09"]}},
                  "2016-12", "2017-01")
    zero = [r for r in records(results) if r["indicator"] == "zero"]
    assert [(0, 0, None), (1, 0, None)] == [(r["numerator"], r["denominator"], r["value"]) for r in zero]
    assert [100.0] == [r.value for r in results if r.indicator == "decided" and r.period == "2017-01"]
    (tmp_path / "pack.toml").write_text(text)
    assert 0 == main(["validate", str(tmp_path / "pack.toml")])
    assert "warning: " in capsys.readouterr().err


CUMULATIVE = """
[indicators.since_april]
title = "Contacts since April, and this month's"
kind = "percentage"
table = "contacts"
date = "received_on"
window = "cumulative"
since = "2016-04-01"
numerator = { window = "month" }
"""


def test_an_inherited_key_the_measures_window_does_not_use_is_ignored():
    data = {"contacts": {"received_on": ["2016-03-31", "2016-04-01", "2016-12-31", "2017-01-06"]}}
    (result,) = run(CUMULATIVE, data, "2017-01")
    assert (1, 3) == (result.numerator, result.denominator)


def test_the_same_key_written_in_the_measure_itself_is_a_load_error():
    text = CUMULATIVE.replace('{ window = "month" }', '{ window = "month", since = "2016-04-01" }')
    with pytest.raises(indicators.PackError, match="since applies only to cumulative windows"):
        pack_from(text)


@pytest.mark.parametrize("value, rag", [(-375, "green"), (-400, "amber"), (-450, "amber"), (-451, "red")])
def test_a_percentage_tolerance_is_a_share_of_the_targets_size(value, rag):
    """target -375 and tolerance 20%: the amber band is 75 wide, below the target."""
    text = f"""
    [indicators.net]
    title = "Net change"
    kind = "sum"
    table = "t"
    date = "d"
    of = "x"
    target = -375
    tolerance = "20%"
    polarity = "higher_is_better"
    """
    (result,) = run(text, {"t": {"d": ["2017-01-02"], "x": [value]}}, "2017-01")
    assert rag == result.rag


# ---------------------------------------------------------------------------------------
# Declared, partly declared or inferred: the same records

TYPES = {
    "contacts": {"child_id": "int", "received_on": "date", "decided_on": "date", "outcome": "str"},
    "episodes": {"child_id": "int", "started_on": "date", "ended_on": "date"},
}

INDICATORS = {
    "decided": """
        kind = "percentage"
        table = "contacts"
        date = "received_on"
        window = "{window}"
        where = "outcome is not missing"
        numerator = "working_days(received_on, decided_on) <= {n}"
        """,
    "children": """
        kind = "rate"
        table = "contacts"
        date = "received_on"
        window = "{window}"
        distinct = "child_id"
        denominator = {{ population = "children" }}
        """,
    "lag": """
        kind = "median"
        table = "contacts"
        date = "coalesce(decided_on, received_on)"
        window = "{window}"
        of = "days(received_on, decided_on) + {n}"
        """,
    "again": """
        kind = "percentage"
        table = "contacts"
        date = "received_on"
        window = "{window}"
        numerator = "days(previous_received_on, received_on) <= {n} * 10"
        """,
    "since": """
        kind = "percentage"
        table = "contacts"
        date = "received_on"
        window = "cumulative"
        since = "2016-0{n}-01"
        numerator = {{ window = "{window}", where = "outcome in ['nfa', 'referral']" }}
        """,
    "open": """
        kind = "percentage"
        table = "episodes"
        window = "snapshot"
        start = "started_on"
        end = "ended_on"
        numerator = "contacts_before >= 1 and days(started_on, period_end) > {n}"
        lookups = {{ contacts_before = {{ table = "contacts", key = "child_id", date = "received_on", window = "{window}", aggregate = "count" }} }}
        """,
    "zero": """
        kind = "ratio"
        table = "episodes"
        window = "snapshot"
        start = "started_on"
        denominator = 0
        """,
}
WINDOWS = st.sampled_from(["month", "ytd", "rolling_3", "rolling_12"])
COLUMNS = [(table, column) for table, columns in TYPES.items() for column in columns]


def pack_text(chosen: dict[str, tuple[str, int]], declared: set[tuple[str, str]]) -> str:
    parts = ["[populations]\nchildren = 1000\n",
             '[tables.contacts.derive]\nprevious_received_on = "previous(received_on, by = child_id)"\n']
    for table, columns in TYPES.items():
        named = [f'{column} = "{type_}"' for column, type_ in columns.items() if (table, column) in declared]
        if named:
            parts.append(f"[tables.{table}.columns]\n" + "\n".join(named) + "\n")
    for ident, (window, n) in chosen.items():
        body = textwrap.dedent(INDICATORS[ident]).format(window=window, n=n)
        parts.append(f'[indicators.{ident}]\ntitle = "{ident}"\n{body}')
    return "\n".join(parts)


@given(contact_rows=contacts(), episode_rows=episodes(),
       chosen=st.dictionaries(st.sampled_from(sorted(INDICATORS)), st.tuples(WINDOWS, st.integers(1, 9)), min_size=1),
       some=st.sets(st.sampled_from(COLUMNS)))
def test_declaring_every_some_or_no_column_gives_the_same_records(contact_rows, episode_rows, chosen, some):
    tables = {"contacts": contact_rows, "episodes": episode_rows}
    inferred = {name: indicators.table_from_mapping(name, data).column_types() for name, data in tables.items()}
    everything = set(COLUMNS)
    expected = records(indicators.evaluate(pack_from(pack_text(chosen, everything)), tables, "2016-03", "2017-04"))
    for declared in (some, set()):
        if any(inferred[table].get(column) != TYPES[table][column] for table, column in everything - declared):
            continue  # the data gives another type than the declaration would: a different question
        got = records(indicators.evaluate(pack_from(pack_text(chosen, declared)), tables, "2016-03", "2017-04"))
        assert expected == got


def test_the_property_compares_inferred_packs_for_typical_data():
    """Guard against the property above skipping every case: with full columns the
    inferred types are the declared ones."""
    day = datetime.date(2016, 5, 3)
    tables = {"contacts": {"child_id": [1], "received_on": [day], "decided_on": [day], "outcome": ["nfa"]},
              "episodes": {"child_id": [1], "started_on": [day], "ended_on": [day]}}
    assert TYPES == {name: indicators.table_from_mapping(name, data).column_types() for name, data in tables.items()}


def test_a_declared_table_no_indicator_reads_is_a_warning_with_a_suggestion():
    """With open declarations a misspelt table name would otherwise declare nothing, unseen."""
    pack = pack_from(UNDECLARED + '\n[tables.contactz.columns]\nreceived_on = "date"\n')
    (warning,) = pack.warnings
    assert "tables.contactz" == warning.path
    assert "no indicator reads table 'contactz', so what it declares applies to nothing; did you mean " \
           "'contacts'?" == warning.message
