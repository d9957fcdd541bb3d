"""Tables from mappings and CSV folders (SPEC section 2)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

import indicators
from indicators._tables import infer_text_type, table_from_rows

pytestmark = pytest.mark.usefixtures("csv_reader")  # every test with both CSV readers


def write(path, text: str, encoding: str = "utf-8") -> None:
    path.write_bytes(text.encode(encoding))


def test_csv_reads_iso_and_uk_dates_and_empty_cells_as_missing(tmp_path):
    write(tmp_path / "contacts.csv", "\ufeffchild_id,received_on,outcome\n1,2017-01-31,nfa\n2,31/01/2017,\n3,,referral\n")
    table = indicators.read_csv_folder(tmp_path)["contacts"]
    assert "int" == table["child_id"].type
    assert "date" == table["received_on"].type
    dates = table["received_on"].to_numpy()
    assert np.datetime64("2017-01-31") == dates[0] == dates[1]
    assert np.isnat(dates[2])
    assert [ "nfa", None, "referral"] == list(table["outcome"].to_numpy())


@pytest.mark.parametrize("cells, expected", [
    (["1", "-2", ""], "int"),
    (["1", "2.5"], "float"),
    (["2017-01-31", "01/02/2017"], "date"),
    (["true", "FALSE"], "bool"),
    (["yes", "no"], "str"),
    (["", " "], "null"),
])
def test_undeclared_column_type_is_inferred_in_spec_order(cells, expected):
    assert expected == infer_text_type(np.array(cells))


def test_unreadable_values_become_missing_and_are_counted(tmp_path):
    write(tmp_path / "t.csv", "d\n2017-02-30\n2017-01-01\nsoon\n")
    table = indicators.read_csv_table(tmp_path / "t.csv", schema={"d": "date"})
    column = table["d"]
    assert 2 == column.unreadable
    assert [True, False, True] == list(column.missing_mask())
    assert (0, "2017-02-30") == column.unreadable_examples[0]


def test_strict_reading_names_table_column_row_and_text(tmp_path):
    write(tmp_path / "t.csv", "d\n2017-01-01\n31/02/2017\n")
    with pytest.raises(indicators.DataError) as info:
        indicators.read_csv_table(tmp_path / "t.csv", schema={"d": "date"}, strict=True)
    message = str(info.value)
    assert "t.d" in message and "row 2 (line 3 of t.csv)" in message and "'31/02/2017'" in message


def test_bools_accept_the_spec_spellings_when_declared(tmp_path):
    write(tmp_path / "t.csv", "b\nTrue\nf\nYES\nn\n1\n0\n")
    table = indicators.read_csv_table(tmp_path / "t.csv", schema={"b": "bool"})
    assert [True, False, True, False, True, False] == list(table["b"].to_numpy())


def test_non_utf8_file_is_a_clear_error(tmp_path):
    write(tmp_path / "t.csv", "name\ncafé\n", encoding="latin-1")
    with pytest.raises(indicators.DataError, match="not UTF-8"):
        indicators.read_csv_table(tmp_path / "t.csv")


def test_empty_file_and_ragged_rows_are_errors(tmp_path):
    write(tmp_path / "e.csv", "")
    with pytest.raises(indicators.DataError, match="empty"):
        indicators.read_csv_table(tmp_path / "e.csv")
    write(tmp_path / "r.csv", "a,b\n1,2,3\n")
    with pytest.raises(indicators.DataError, match="3 cells but the header has 2"):
        indicators.read_csv_table(tmp_path / "r.csv")


def test_mapping_of_python_values_and_numpy_arrays():
    import datetime

    table = indicators.table_from_mapping("t", {
        "d": [datetime.date(2017, 1, 2), None],
        "n": np.array([1.0, np.nan]),
        "s": ["x", None],
        "i": [1, 2],
        "text_dates": ["2017-01-02", ""],
    })
    assert ["date", "float", "str", "int", "date"] == [table[c].type for c in "d n s i text_dates".split()]
    assert [False, True] == list(table["n"].missing_mask())


def test_declared_types_apply_to_mappings():
    table = indicators.table_from_mapping("t", {"d": ["2017-01-02", "x"]}, {"d": "date"})
    assert "date" == table["d"].type
    assert 1 == table["d"].unreadable


def test_columns_of_different_lengths_are_an_error():
    with pytest.raises(indicators.DataError, match="different lengths"):
        indicators.table_from_mapping("t", {"a": [1, 2], "b": [1]})


def test_mixed_python_types_are_read_as_text_or_by_the_declared_type():
    import datetime

    table = indicators.table_from_mapping("t", {"mixed": [1, "two", 3.5, None],
                                                "dates": [datetime.date(2017, 1, 2), "03/01/2017", None, "soon"]},
                                          {"dates": "date"})
    assert "str" == table["mixed"].type
    assert ["1", "two", "3.5", None] == list(table["mixed"].to_numpy())
    assert "date" == table["dates"].type and 1 == table["dates"].unreadable


def test_pandas_and_pyarrow_tables_are_inputs():
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"received_on": pd.to_datetime(["2017-01-06", "2017-01-09", None]),
                          "n": pd.array([1, None, 3], dtype="Int64"), "team": ["a", None, "b"]})
    for data in (frame, pa.Table.from_pandas(frame)):
        table = indicators.table_from_mapping("t", data)
        assert ["date", "int", "str"] == [table[c].type for c in ("received_on", "n", "team")]
        assert [False, True, False] == list(table["n"].missing_mask())
        assert [False, False, True] == list(table["received_on"].missing_mask())


@given(st.lists(st.one_of(st.none(), st.sampled_from(["", " ", "nfa", "007", "3", "2.5", "2017-01-31", "31/01/2017",
                                                      "true", "No", "x" * 300])), max_size=12),
       st.sampled_from([None, "str", "int", "float", "date", "bool"]))
def test_pandas_text_columns_read_as_the_same_values_in_a_list(cells, declared):
    """A pandas text column (pandas 3's default for strings) is read without looking at
    each value's type, as the same cells in a plain list are read."""
    pd = pytest.importorskip("pandas")
    types = {} if declared is None else {"c": declared}
    expected = indicators.table_from_mapping("t", {"c": [c for c in cells] or np.zeros(0, dtype=str)}, types)["c"]
    for dtype in ("string", "str"):
        got = indicators.table_from_mapping("t", pd.DataFrame({"c": pd.Series(cells, dtype=dtype)}), types)["c"]
        assert (got.type, got.unreadable) == (expected.type, expected.unreadable)
        assert list(got.missing_mask()) == list(expected.missing_mask())
        assert [str(v) for v in got.to_numpy()] == [str(v) for v in expected.to_numpy()]


def test_a_narrow_integer_column_counts_as_int64_and_is_not_copied_until_read():
    codes = np.array([50, 120, -100, 50], dtype=np.int8)
    table = indicators.table_from_mapping("contacts", {"code": codes})
    column = table["code"]
    assert column.stored is not None and column.stored.dtype == np.int8  # as given, no copy yet
    assert column.data.dtype == np.int64 and column.data.tolist() == [50, 120, -100, 50]
    pack = indicators.loads_pack(
        '[indicators.big]\ntitle = "Big"\nkind = "count"\ntable = "contacts"\ndate = "received_on"\n'
        'where = "code * 100 > 1000"\n')  # int8 arithmetic would wrap 50 * 100 round
    day = np.array(["2017-01-05"] * 4, dtype="datetime64[D]")
    results = indicators.evaluate(pack, {"contacts": {"code": codes, "received_on": day}}, "2017-01", "2017-01")
    record = results.get("big", "2017-01")
    assert 3 == record.numerator
    assert {"duplicate rows (contacts)": 1} == record.notes  # the digest reads the column as given


def test_a_datetime64_column_finds_its_missing_days_and_extremes_on_first_use(monkeypatch):
    """Days given as datetime64 are used in place; their NaT cells and first and last
    day are found by one pass when first asked for (so the run begins its work beside it
    sooner), the same from two threads at once, and an evaluation reads them as missing."""
    import threading

    import indicators._arrays
    import indicators._tables

    scans = []
    scan = indicators._arrays.smallest_marks_missing
    monkeypatch.setattr(indicators._tables, "smallest_marks_missing", lambda days: scans.append(days.size) or scan(days))
    days = np.array(["2017-01-05", "NaT", "2016-12-31", "2017-02-01"] * 50_000, dtype="datetime64[D]")
    column = indicators.table_from_mapping("contacts", {"received_on": days})["received_on"]
    assert scans == [] and column.type == "date"
    assert np.shares_memory(column.data, days)  # no copy
    seen = []
    readers = [threading.Thread(target=lambda: seen.append((column.missing.nonzero()[0][:3].tolist(), column.extremes())))
               for _ in range(4)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    first, last = np.array(["2016-12-31", "2017-02-01"], dtype="datetime64[D]").astype(np.int64).tolist()
    assert seen == [([1, 5, 9], (first, last))] * 4
    assert 1 <= len(scans) <= 4 and column.missing.sum() == 50_000
    whole = np.array(["2017-01-05", "2016-12-31"], dtype="datetime64[D]")
    assert indicators.table_from_mapping("contacts", {"received_on": whole})["received_on"].missing is None
    pack = indicators.loads_pack('[indicators.all]\ntitle = "All"\nkind = "count"\ntable = "contacts"\n'
                                 'date = "received_on"\n')
    record = indicators.evaluate(pack, {"contacts": {"received_on": days}}, "2017-01", "2017-01").get("all", "2017-01")
    assert record.numerator == 50_000  # each January day once (and NaT cells in no month)
    assert record.notes["missing date (contacts.received_on)"] == 50_000


def test_a_declared_text_column_is_coded_when_first_read_and_reads_as_if_coded_at_once():
    """Text declared ``str``: kept as given until an indicator reads it (a team column
    nothing reads costs only its duplicate digest); once read, its codes, missing cells and
    categories are those of the same text coded when the table is built (as an undeclared
    column is, its type inferred), and so are figures and notes, read or not (the duplicate
    note digests text as given, or its codes once coded: texts apart by a space or a
    capital stay apart either way)."""
    rng = np.random.default_rng(5)
    words = np.array(["nfa", "advice", " ", "", "referral ", "referral", "Nfa", "é"])
    outcome = words[rng.integers(0, words.size, 3000)]
    data = {"outcome": outcome, "child_id": rng.integers(0, 400, 3000),
            "received_on": np.datetime64("2017-01-01") + rng.integers(0, 31, 3000)}
    lazy = indicators.table_from_mapping("contacts", data, {"outcome": "str"})["outcome"]
    eager = indicators.table_from_mapping("contacts", data)["outcome"]
    assert lazy.as_text and not eager.as_text
    assert lazy.data.tolist() == eager.data.tolist()
    assert lazy.missing.tolist() == eager.missing.tolist() and lazy.missing.sum() == np.isin(outcome, [" ", ""]).sum()
    assert lazy.categories.tolist() == eager.categories.tolist() == ["Nfa", "advice", "nfa", "referral",
                                                                     "referral ", "é"]
    indicators_text = ('[indicators.all]\ntitle = "Contacts"\nkind = "count"\ntable = "contacts"\n'
                       'date = "received_on"\n')
    reading = ('[indicators.nfa]\ntitle = "No further action"\nkind = "percentage"\ntable = "contacts"\n'
               'date = "received_on"\nnumerator = "outcome == \'nfa\'"\n\n')
    for text in (indicators_text, reading + indicators_text):  # the column not read, then read
        declared = indicators.loads_pack('[tables.contacts]\ncolumns = { outcome = "str" }\n\n' + text)
        got = indicators.evaluate(declared, {"contacts": data}, "2017-01", "2017-01").to_records()
        want = indicators.evaluate(indicators.loads_pack(text), {"contacts": data}, "2017-01", "2017-01").to_records()
        assert got == want
        assert got[-1]["notes"]["duplicate rows (contacts)"] > 0  # some rows repeat: the note is exercised


def test_text_in_the_other_byte_order_is_coded_when_the_table_is_built():
    """The digest of text not yet coded reads its code points in the machine's byte order;
    text in the other order is coded at once, and repeats as the same text would."""
    cells = np.array(["nfa", " ", "", "nfa"] * 300)
    swapped = cells.astype(cells.dtype.newbyteorder())
    native = indicators.table_from_mapping("contacts", {"outcome": cells}, {"outcome": "str"})
    other = indicators.table_from_mapping("contacts", {"outcome": swapped}, {"outcome": "str"})
    assert native["outcome"].as_text and not other["outcome"].as_text
    assert other["outcome"].data.tolist() == native["outcome"].data.tolist()


def test_text_in_the_other_byte_order_repeats_as_its_codes_do():
    """A column built directly from text in the other byte order (a plugin's loader, say)
    is digested as its codes would be: blank cells of any width are all missing, so the
    duplicate note does not depend on whether an indicator has coded the column first."""
    from indicators._arrays import repeated_rows

    cells = np.array([" ", "", "nfa", "nfa "] * 600, dtype=">U4")
    column = indicators.Column("outcome", "str", cells)
    as_text = repeated_rows([(column.stored, None)], cells.size)
    as_codes = repeated_rows([(column.data, None)], cells.size)
    assert as_text.tolist() == as_codes.tolist()
    assert 1 in as_text.tolist()  # the empty cell repeats the blank one before it


def test_text_read_from_a_file_is_coded_when_the_table_is_built():
    """Cells read from a file are a temporary array: coded at once, they are not kept
    beside their codes (a caller's own array is kept as given, being held anyway)."""
    rows = [[str(i % 7), "nfa" if i % 3 else "advice"] for i in range(2000)]
    table = table_from_rows("contacts", ["child_id", "outcome"], rows, {"outcome": "str"})
    assert not table["outcome"].as_text
    assert table["outcome"].categories.tolist() == ["advice", "nfa"]
