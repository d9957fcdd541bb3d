"""Results as data frames: flat, stably named columns with the right types."""

from __future__ import annotations

import datetime
import subprocess
import sys

import pytest
from hypothesis import given

from conftest import run
from strategies import contacts

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")
pl = pytest.importorskip("polars")

PACK = """
[indicators.decided_1wd]
title = "Contacts decided within 1 working day"
kind = "percentage"
table = "contacts"
date = "received_on"
where = "decided_on is not missing"
numerator = "working_days(received_on, decided_on) <= 1"
target = 90
polarity = "higher_is_better"
benchmarks = { national = 80, statistical_neighbours = 85.5 }

[indicators.contacts]
title = "Contacts"
table = "contacts"
date = "received_on"
decimals = 0
"""

TABLES = {"contacts": {
    "received_on": ["2017-01-03", "2017-01-04", "2017-01-05", "2017-02-01", "2017-02-02", None],
    "decided_on": ["2017-01-03", "2017-01-20", None, "2017-02-01", "2017-02-01", "2017-02-01"],
}}


def _plain(value):
    """A frame cell as a plain Python value, missing as None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, pd.Period):
        return str(value)
    if isinstance(value, (pd.Timestamp, datetime.datetime)):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def _flat(record: dict) -> dict:
    """A record flattened by hand, as docs/python.md names the columns."""
    out = {k: v for k, v in record.items() if k not in ("benchmarks", "notes", "rows", "group")}
    for name, bench in record["benchmarks"].items():
        out[f"benchmark_{name}_value"] = bench["value"]
        out[f"benchmark_{name}_comparison"] = bench["comparison"]
    for reason, count in record["notes"].items():
        out[f"note_{reason}"] = count
    for side, rows in (record["rows"] or {}).items():
        out[f"rows_{side}_in_window"] = rows["in_window"]
        out[f"rows_{side}_used"] = rows["used"]
        for reason, count in rows["left_out"].items():
            out[f"rows_{side}_left_out_{reason}"] = count
    for column, value in record["group"].items():
        out[f"group_{column}"] = value
    return out


def _frame_rows(frame) -> list[dict]:
    if isinstance(frame, pd.DataFrame):
        return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]
    rows = frame.to_dicts() if isinstance(frame, pl.DataFrame) else frame.to_pylist()
    return [{k: _plain(v) for k, v in row.items()} for row in rows]


def _agrees(results, frame, period_as_date: bool) -> None:
    rows = _frame_rows(frame)
    assert len(results) == len(rows)
    for record, row in zip(results.to_records(), rows):
        expected = _flat(record)
        if period_as_date:
            expected["period"] += "-01"
        for name, value in expected.items():
            assert value == row[name], name
        # a note or left-out reason the record lacks is a zero count, never invented
        for name, value in row.items():
            if name not in expected:
                assert name.startswith(("note_", "rows_", "benchmark_")), name
                assert value in (0, None), name


@pytest.mark.parametrize("convert, period_as_date", [("to_pandas", False), ("to_polars", True), ("to_arrow", True)])
def test_every_record_field_is_a_flat_column(convert, period_as_date):
    """Each record becomes one row whose flat columns hold exactly the record's values."""
    results = run(PACK, TABLES, "2017-01", "2017-02")
    frame = getattr(results, convert)()
    _agrees(results, frame, period_as_date)
    names = list(frame.columns) if not isinstance(frame, pa.Table) else frame.column_names
    assert ["indicator", "title", "period", "window_start", "window_end", "numerator", "denominator", "value",
            "target", "rag", "direction", "benchmark_national_value", "benchmark_national_comparison",
            "benchmark_statistical_neighbours_value", "benchmark_statistical_neighbours_comparison"] == names[:15]


@given(contacts())
def test_frames_agree_with_records_on_messy_data(table):
    """Missing dates, missing decisions and empty months: the frames still hold the records' values."""
    results = run(PACK, {"contacts": table}, "2016-11", "2017-02", suppress_below=3)
    _agrees(results, results.to_pandas(), False)
    _agrees(results, results.to_arrow(), True)


def test_pandas_types():
    """Periods are periods, dates are dates, counts are integers with missing kept missing."""
    frame = run(PACK, TABLES, "2017-01", "2017-02").to_pandas()
    assert "period[M]" == str(frame["period"].dtype)
    assert "datetime64[ns]" == str(frame["window_start"].dtype)
    assert "Int64" == str(frame["numerator"].dtype)
    assert "Int64" == str(frame["denominator"].dtype)
    assert "Float64" == str(frame["value"].dtype)
    assert "boolean" == str(frame["suppressed"].dtype)
    counts = frame[frame["indicator"] == "contacts"]
    assert counts["denominator"].isna().all()
    assert counts["rows_denominator_in_window"].isna().all()


def test_polars_and_arrow_types():
    results = run(PACK, TABLES, "2017-01", "2017-02")
    frame = results.to_polars()
    assert (pl.Date, pl.Int64, pl.Float64, pl.Boolean) == (
        frame.schema["period"], frame.schema["numerator"], frame.schema["value"], frame.schema["suppressed"])
    table = results.to_arrow()
    assert (pa.date32(), pa.int64(), pa.float64()) == (
        table.schema.field("period").type, table.schema.field("numerator").type, table.schema.field("value").type)
    assert datetime.date(2017, 2, 1) == table.column("period")[1].as_py()


def test_suppressed_counts_stay_missing():
    """A suppressed count is missing in the frame, not zero and not NaN in an integer column."""
    frame = run(PACK, TABLES, "2017-01", "2017-02", suppress_below=2).to_pandas()
    assert [True, False, False, False] == frame["suppressed"].tolist()
    assert [True, False, False, False] == frame["numerator"].isna().tolist()
    assert [True, False, False, False] == frame["rows_numerator_used"].isna().tolist()
    assert [2, 3, 2] == frame["rows_numerator_in_window"].dropna().tolist()


def test_a_numerator_column_is_integer_only_when_every_value_is_whole():
    """A constant denominator of 2.5 makes a float column; counts an integer one."""
    pack = """
    [indicators.per_worker]
    title = "Contacts per worker"
    kind = "ratio"
    table = "contacts"
    date = "received_on"
    denominator = 2.5
    """
    results = run(pack, TABLES, "2017-01", "2017-02")
    frame = results.to_pandas()
    assert [2.5, 2.5] == frame["denominator"].tolist()
    assert "Float64" == str(frame["denominator"].dtype)
    assert "Int64" == str(frame["numerator"].dtype)


def test_empty_results_give_an_empty_frame_with_the_columns():
    import indicators

    frame = indicators.Results([]).to_pandas()
    assert 0 == len(frame)
    assert "numerator" in frame.columns and "Int64" == str(frame["numerator"].dtype)


def test_libraries_are_imported_only_when_called():
    code = ("import sys, indicators; "
            "print(sorted(m for m in ('pandas', 'polars', 'pyarrow') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "[]" == out.strip()


def test_a_missing_library_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "polars", None)
    with pytest.raises(ImportError, match=r"pip install 'indicators\[polars\]'"):
        run(PACK, TABLES, "2017-01").to_polars()
