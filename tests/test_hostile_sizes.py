"""Hostile sizes (issue 18): memory in proportion to the input, no internal errors."""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import indicators
from indicators import _text
from indicators._cli import main
from indicators._tables import column_from_text

from conftest import run

ROWS = 5_000
PACK = """
[indicators.nfa]
title = "No further action"
table = "contacts"
date = "received_on"
where = "outcome == 'no further action'"
"""


def contacts_csv(long_cell: str, quoted: bool, distinct: bool = False) -> str:
    """ROWS contacts, and one more whose outcome is ``long_cell``; with ``distinct``, every
    referral's outcome differs."""
    lines = ["contact_id,received_on,outcome"]
    lines += [f"{i},2017-01-{i % 28 + 1:02d},{'no further action' if i % 3 else 'referral'}"
              f"{f' {i}' if distinct and not i % 3 else ''}" for i in range(ROWS)]
    cell = f'"{long_cell}"' if quoted else long_cell
    lines.append(f"{ROWS},2017-01-05,{cell}")
    return "\n".join(lines) + "\n"


def peak_bytes(work) -> int:
    """The most memory Python and numpy held at once while ``work()`` ran, after a first
    run that fills the caches one process fills once (calendars, imports)."""
    work()
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.usefixtures("csv_reader")
@pytest.mark.parametrize("distinct", [False, True], ids=["few-values", "distinct-values"])
@pytest.mark.parametrize("quoted", [True, False], ids=["quoted", "plain"])
def test_one_long_text_cell_does_not_widen_every_row(tmp_path, quoted, distinct):
    """A 10,000-character cell among 5,000 short ones: as fixed-width numpy strings every
    row (or every distinct value) would take 40 kB; held as text it costs its own size."""
    text = contacts_csv("x" * _text.MAX_CELL_CHARS, quoted, distinct)
    (tmp_path / "contacts.csv").write_text(text)
    pack = indicators.loads_pack(PACK)
    holder = {}
    peak = peak_bytes(lambda: holder.update(results=indicators.evaluate(pack, tmp_path, "2017-01", "2017-01")))
    assert peak < 10_000_000, f"{peak:,} bytes for a {len(text):,}-byte file"
    expected = sum(1 for i in range(ROWS) if i % 3)
    assert expected == holder["results"].get("nfa", "2017-01").numerator
    outcome = indicators.read_csv_table(tmp_path / "contacts.csv")["outcome"]
    assert ["no further action", "x" * _text.MAX_CELL_CHARS] == [outcome.categories[0], outcome.categories[-1]]
    assert (ROWS // 3 + 3 if distinct else 3) == len(outcome.categories)


def test_a_long_cell_in_a_mapping_does_not_widen_every_row():
    outcomes = ["no further action"] * ROWS + ["y" * _text.MAX_CELL_CHARS]
    tables = {"contacts": {"received_on": ["2017-01-02"] * (ROWS + 1), "outcome": outcomes}}
    holder = {}
    peak = peak_bytes(lambda: holder.update(results=run(PACK, tables, "2017-01")))
    assert peak < 10_000_000, f"{peak:,} bytes"
    assert ROWS == holder["results"].get("nfa", "2017-01").numerator


@pytest.mark.usefixtures("csv_reader")
@pytest.mark.parametrize("quoted", [True, False], ids=["quoted", "plain"])
def test_a_cell_beyond_the_limit_is_an_error_naming_its_row(tmp_path, capsys, quoted):
    (tmp_path / "contacts.csv").write_text(contacts_csv("x" * (_text.MAX_CELL_CHARS + 1), quoted))
    (tmp_path / "pack.toml").write_text(PACK)
    status = main(["evaluate", str(tmp_path / "pack.toml"), "--data", str(tmp_path), "--from", "2017-01",
                   "--to", "2017-01"])
    out, err = capsys.readouterr()
    assert 1 == status and "" == out
    assert [f"error: contacts.outcome: row {ROWS + 1} (line {ROWS + 2} of contacts.csv): a text cell of "
            "10,001 characters; a cell may hold at most 10,000 (docs/data.md)"] == err.strip().splitlines()


def test_a_long_cell_in_a_declared_number_column_is_unreadable_not_a_crash(tmp_path):
    (tmp_path / "t.csv").write_text('n\n1\n"' + "9" * 5_000 + '"\n 2 \n')
    column = indicators.read_csv_table(tmp_path / "t.csv", schema={"n": "int"})["n"]
    assert [1.0, 2.0] == [column.to_numpy()[0], column.to_numpy()[2]] and np.isnan(column.to_numpy()[1])
    assert 1 == column.unreadable


CELLS = st.lists(st.one_of(
    st.sampled_from(["", " ", "1", "-2", "+3", " 4 ", "2.5", "1e3", "2017-01-31", "31/01/2017", "2017-02-30",
                     "true", "FALSE", "yes", "n", "0x10", "1_000", "\u0663", "nan", "inf", "1e309"]),
    # (numpy's fixed-width strings drop trailing NULs, which CSV files cannot hold anyway)
    st.text(st.characters(blacklist_characters="\x00"), max_size=40)), max_size=30)


@given(CELLS, st.sampled_from([None, "int", "float", "date", "bool", "str"]))
def test_wide_columns_read_exactly_as_narrow_ones(cells, type_):
    """A column held as Python strings (because one cell is long) reads each cell as the
    fixed-width reader does."""
    def build():
        try:
            return column_from_text("c", list(cells), type_, table="t")
        except indicators.DataError as exc:
            return str(exc)

    narrow = build()
    saved = _text.NARROW
    _text.NARROW = -1  # every column wide
    try:
        wide = build()
    finally:
        _text.NARROW = saved
    if isinstance(narrow, str):
        assert narrow == wide
        return
    assert (narrow.type, narrow.unreadable, narrow.unreadable_examples) == (wide.type, wide.unreadable,
                                                                            wide.unreadable_examples)
    assert list(narrow.missing_mask()) == list(wide.missing_mask())
    assert [repr(v) for v in narrow.to_numpy()] == [repr(v) for v in wide.to_numpy()]


@pytest.mark.usefixtures("csv_reader")
@pytest.mark.parametrize("type_, cell, inferred", [
    ("int", "0x10", "str"), ("int", "0X1A", "str"), ("int", "1_000", "str"), ("int", "\u0663", "str"),
    ("int", "\uff15", "str"), ("int", "99999999999999999999", "float"), ("float", "1_000.5", "str"),
    ("float", "\u0663.5", "str"), ("float", "1e309", "str"), ("float", "inf", "str"), ("float", "0x1p3", "str"),
])
def test_numbers_are_an_optional_sign_and_ascii_digits(tmp_path, type_, cell, inferred):
    """SPEC section 2: a declared number column reads only ASCII numbers; anything else is
    unreadable (missing and counted), and an undeclared column holding it is text."""
    (tmp_path / "t.csv").write_text(f"n\n7\n{cell}\n-3\n", encoding="utf-8")
    column = indicators.read_csv_table(tmp_path / "t.csv", schema={"n": type_})["n"]
    assert [False, True, False] == list(column.missing_mask())
    assert (1, ((1, cell),)) == (column.unreadable, column.unreadable_examples)
    assert [7, -3] == [column.to_numpy()[0], column.to_numpy()[2]]
    assert inferred == indicators.read_csv_table(tmp_path / "t.csv")["n"].type


def test_numbers_from_a_mapping_follow_the_same_rule():
    table = indicators.table_from_mapping("t", {"n": ["0x10", "1_000", "\u0663", "+5"]}, {"n": "int"})
    assert [True, True, True, False] == list(table["n"].missing_mask())
    assert 5 == table["n"].data[3]


@pytest.mark.parametrize("content, line, message", [
    ('a,b\n1,x\n2,"open\n3,y\n4,z\n', 3, "a quote opened in this row is never closed"),
    ('a,b\n1,x\n2,"open\n3,y\n4,z,w\n5,q\n', 3, "a quote opened in this row is never closed"),
    ('a,b\n1,x\n2,"two\nlines",extra\n3,y\n', 3, "has 3 cells but the header has 2"),
    ('a,b\n1,x\n2,"two\nlines"\n3,y,extra\n', 5, "has 3 cells but the header has 2"),
])
def test_csv_errors_name_the_line_the_row_starts_on(tmp_path, content, line, message):
    """An unbalanced quote would make the rest of the file one cell: it is an error at the
    line the quote opens on, and a row's line is where it starts, not where it ends."""
    (tmp_path / "t.csv").write_text(content)
    with pytest.raises(indicators.DataError) as info:
        indicators.read_csv_table(tmp_path / "t.csv")
    (problem,) = info.value.problems
    assert (line, True) == (problem.line, message in problem.message)


def test_a_row_after_a_multi_line_cell_is_labelled_by_its_first_line(tmp_path):
    (tmp_path / "t.csv").write_text('a,d\nx,2017-01-01\n"two\nlines",soon\n')
    column = indicators.read_csv_table(tmp_path / "t.csv", schema={"d": "date"})["d"]
    with pytest.raises(indicators.DataError, match=r"row 2 \(line 3 of t.csv\)"):
        indicators.read_csv_table(tmp_path / "t.csv", schema={"d": "date"}, strict=True)
    assert 1 == column.unreadable


AGGREGATE_PACK = """
[tables.t.columns]
d = "date"
x = "float"

[indicators.total]
title = "Total"
kind = "sum"
table = "t"
date = "d"
of = "x"
"""


@pytest.mark.usefixtures("csv_reader")
def test_an_aggregate_over_nan_inf_or_1e309_cells_notes_them(tmp_path):
    (tmp_path / "t.csv").write_text("d,x\n2017-01-02,1\n2017-01-03,nan\n2017-01-04,inf\n2017-01-05,1e309\n"
                                    "2017-01-06,2\n")
    record = run(AGGREGATE_PACK, tmp_path, "2017-01").to_records()[0]
    assert (3.0, 2, {"unreadable (t.x)": 3}) == (record["value"], record["numerator"], record["notes"])
    assert {"no value to aggregate": 3} == record["rows"]["numerator"]["left_out"]


def test_infinity_in_a_float_array_is_unreadable_and_nan_is_missing():
    tables = {"t": {"d": np.array(["2017-01-02", "2017-01-03", "2017-01-04", "2017-01-05"], dtype="datetime64[D]"),
                    "x": np.array([1.0, np.nan, np.inf, 2.0])}}
    record = run(AGGREGATE_PACK, tables, "2017-01").to_records()[0]
    assert (3.0, {"unreadable (t.x)": 1}) == (record["value"], record["notes"])
    with pytest.raises(indicators.DataError, match=r"t.x: row 3: cannot read inf as float"):
        run(AGGREGATE_PACK, tables, "2017-01", strict=True)


BIG = 3074457345618258602  # 3 * BIG fits in 64 bits, 4 * BIG does not


@pytest.mark.parametrize("expression, expected", [
    (f"x * {BIG}", [BIG, None, -BIG, 0]),
    (f"{BIG} * x", [BIG, None, -BIG, 0]),
    (f"x * {BIG} - {BIG}", [0, None, -2 * BIG, -BIG]),
    ("-(x - 1 - 9223372036854775807)", [2**63 - 1, 2**63 - 4, None, None]),  # -(-2**63) does not fit
    ("x + 9223372036854775807", [None, None, 9223372036854775806, 9223372036854775807]),
    ("-9223372036854775807 - x - x", [None, None, -9223372036854775805, -9223372036854775807]),
])
def test_int_arithmetic_beyond_64_bits_is_missing_not_wrapped(expression, expected):
    """An int result that does not fit in 64 bits is missing (as a float beyond the float
    range is), never a wrapped-around number that a filter would count."""
    pack = f"""
    [tables.t.columns]
    d = "date"
    x = "int"

    [tables.t.derive]
    y = "{expression}"

    [indicators.positive]
    title = "Positive"
    table = "t"
    date = "d"
    where = "y > 0"
    """
    tables = {"t": {"d": ["2017-01-02"] * 4, "x": [1, 4, -1, 0]}}
    results = run(pack, tables, "2017-01")
    record = results.to_records()[0]
    assert sum(1 for v in expected if v is not None and v > 0) == record["numerator"]
    assert expected.count(None) == record["rows"]["numerator"]["left_out"].get("where unknown", 0)


@given(st.lists(st.tuples(st.integers(0, 400), st.one_of(st.none(), st.integers(-5, 5), st.floats(-1e6, 1e6))),
                max_size=60),
       st.sampled_from(["min", "max", "median"]), st.booleans(), st.booleans())
def test_ordered_aggregates_over_rolling_windows_equal_a_direct_computation(rows, kind, by_period, histogram):
    """Minima, maxima and medians over overlapping windows (each row in many periods),
    for an ``of`` read per row and one that reads the period, by histogram or by sort,
    equal numpy's per period."""
    from indicators import _aggregates
    start = np.datetime64("2016-01-01")
    days = [start + offset for offset, _ in rows]
    values = [value for _, value in rows]
    of = "x + 0 * days(window_start, d)" if by_period else "x"
    pack = f"""
    [tables.t.columns]
    d = "date"
    x = "float"

    [indicators.a]
    title = "A"
    kind = "{kind}"
    table = "t"
    date = "d"
    window = "rolling_3"
    of = "{of}"
    """
    tables = {"t": {"d": np.array(days, dtype="datetime64[D]"), "x": np.array(
        [np.nan if v is None else float(v) for v in values], dtype=np.float64)}}
    saved = _aggregates.HISTOGRAM_CELLS
    _aggregates.HISTOGRAM_CELLS = saved if histogram else -(10**9)
    try:
        results = run(pack, tables, "2016-01", "2017-02")
    finally:
        _aggregates.HISTOGRAM_CELLS = saved
    for record in results.to_records():
        period = np.datetime64(record["period"], "M")
        first = (period - 2).astype("datetime64[D]")
        last = (period + 1).astype("datetime64[D]") - 1
        window = [float(v) for d, v in zip(days, values) if v is not None and first <= d <= last]
        expected = None if not window else float({"min": np.min, "max": np.max, "median": np.median}[kind](window))
        assert (len(window), expected) == (record["numerator"], record["value"])


# ---------------------------------------------------------------------------------------
# Long flat expressions and deep derived chains (issue 18 point 3)

FLAT = {
    "+": ("x", " + ", lambda n: f"{{}} > {n - 1}", lambda n, x: n * x > n - 1),
    "-": ("x", " - ", lambda n: "{} < 1", lambda n, x: x - (n - 1) * x < 1),
    "*": ("1", " * ", lambda n: "{} * x > 0", lambda n, x: x > 0),
    "or": ("x == {i}", " or ", lambda n: "{}", lambda n, x: 0 <= x < n),
    "and": ("x != {i}", " and ", lambda n: "{}", lambda n, x: not 0 <= x < n),
}


def flat_expression(op: str, n: int) -> str:
    term, joiner, outer, _ = FLAT[op]
    return outer(n).format(joiner.join(term.format(i=i) for i in range(n)))


@given(st.sampled_from(sorted(FLAT)), st.integers(1, 2_500))
def test_long_flat_expressions_up_to_the_length_limit_validate_and_evaluate(op, n):
    """A flat expression (nesting depth 1) of any number of terms within the 10,000-character
    limit checks and evaluates without recursing per term: no internal error."""
    from indicators._expressions import MAX_LENGTH

    expression = flat_expression(op, n)
    while len(expression) > MAX_LENGTH:  # as many terms as the length limit allows
        n = n * MAX_LENGTH // len(expression)
        expression = flat_expression(op, n)
    pack = f"""
    [tables.t.columns]
    d = "date"
    x = "int"

    [indicators.flat]
    title = "Flat"
    table = "t"
    date = "d"
    where = "{expression}"
    """
    xs = [-1, 0, 1, 2, 7]
    results = run(pack, {"t": {"d": ["2017-01-02"] * len(xs), "x": xs}}, "2017-01")
    assert sum(FLAT[op][3](n, x) for x in xs) == results.get("flat", "2017-01").numerator


def test_four_hundred_terms_through_the_command_line(tmp_path, capsys):
    (tmp_path / "t.csv").write_text("d,x\n2017-01-02,1\n2017-01-03,399\n2017-01-04,400\n")
    for op in ("+", "or"):
        (tmp_path / "pack.toml").write_text(
            f'[indicators.flat]\ntitle = "Flat"\ntable = "t"\ndate = "d"\nwhere = "{flat_expression(op, 400)}"\n')
        assert 0 == main(["validate", str(tmp_path / "pack.toml"), "--data", str(tmp_path)])
        assert "internal error" not in capsys.readouterr().err
        assert 0 == main(["evaluate", str(tmp_path / "pack.toml"), "--data", str(tmp_path), "--from", "2017-01",
                          "--to", "2017-01", "--format", "json"])
        out, err = capsys.readouterr()
        assert "internal error" not in err
        assert (3 if op == "+" else 2) == json.loads(out)[0]["numerator"]


@given(st.integers(1, 1_000), st.booleans())
@settings(max_examples=10)
def test_deep_chains_of_derived_columns_evaluate(depth, shift):
    """c1 = c0 + 1, c2 = c1 + 1, ... (or previous(c0), previous(c1), ...): each derived
    column is computed after those it reads, without recursing per link."""
    link = "previous(c{}, by = k, order = d)" if shift else "c{} + 1"
    derive = "\n".join(f'c{i + 1} = "{link.format(i)}"' for i in range(depth))
    pack = f"""
    [tables.t.columns]
    d = "date"
    k = "int"
    c0 = "int"

    [tables.t.derive]
    {derive}

    [indicators.deep]
    title = "Deep"
    table = "t"
    date = "d"
    where = "c{depth} is not missing"
    """
    days = [f"2017-01-{day:02d}" for day in range(1, 29)]
    tables = {"t": {"d": days, "k": [1] * len(days), "c0": list(range(len(days)))}}
    results = run(pack, tables, "2017-01")
    expected = max(0, len(days) - depth) if shift else len(days)
    assert expected == results.get("deep", "2017-01").numerator
