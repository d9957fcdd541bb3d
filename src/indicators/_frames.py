"""Results as data frames: flat columns with stable names for pandas, polars and Arrow.

Each library is imported only when its conversion is called; none is a dependency.
The nested parts of a record become columns of their own:

- ``benchmark_<name>_value`` and ``benchmark_<name>_comparison`` for each benchmark;
- ``note_<reason>`` for each data-quality note (0 where the record has no such note);
- ``rows_<side>_in_window``, ``rows_<side>_used`` and ``rows_<side>_left_out_<reason>``
  for the row accounting (missing where a record has none, e.g. when suppressed);
- ``group_<column>`` for each breakdown column (missing on the totals).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, Iterable

from ._records import RECORD_FIELDS

if TYPE_CHECKING:
    import pandas
    import polars
    import pyarrow

    from ._results import Results

# The type of each plain record field in a frame. "number" is an integer column when
# every value is a whole number (counts), otherwise a float column.
FIELD_TYPES = {
    "indicator": "str", "title": "str", "period": "month", "window_start": "date", "window_end": "date",
    "numerator": "number", "denominator": "number", "value": "float", "target": "float", "rag": "str",
    "direction": "str", "quartile": "int", "ci_low": "float", "ci_high": "float", "suppressed": "bool",
    "projected_year_end": "float", "outturn": "float", "kind": "str", "polarity": "str", "decimals": "int", "unit": "str",
    "report_group": "str", "window": "str",
}
_NESTED = ("benchmarks", "notes", "rows", "group")


def _keys(records: list[dict[str, Any]], field: str) -> list[str]:
    return sorted({key for record in records for key in (record[field] or {})})


def columns(results: Results | Iterable) -> list[tuple[str, str, list[Any]]]:
    """The frame's columns in order: (name, type, values), with one value per record.

    Types are ``str``, ``int``, ``float``, ``bool``, ``month`` (a ``YYYY-MM`` period) and
    ``date`` (ISO text); missing values are None.
    """
    records = results.to_records() if hasattr(results, "to_records") else [r.to_record() for r in results]
    out: list[tuple[str, str, list[Any]]] = []
    for field in RECORD_FIELDS:
        if field == "benchmarks":
            for name in _keys(records, field):
                got = [r[field].get(name) or {} for r in records]
                out.append((f"benchmark_{name}_value", "float", [b.get("value") for b in got]))
                out.append((f"benchmark_{name}_comparison", "str", [b.get("comparison") for b in got]))
        elif field == "notes":
            for reason in _keys(records, field):
                out.append((f"note_{reason}", "int", [r[field].get(reason, 0) for r in records]))
        elif field == "rows":
            out.extend(_rows_columns(records))
        elif field == "group":
            for name in _keys(records, field):
                values = [r[field].get(name) for r in records]
                out.append((f"group_{name}", _value_type(values), values))
        else:
            values = [r[field] for r in records]
            kind = FIELD_TYPES.get(field) or _value_type(values)  # a field added later: as its values say
            if kind == "number":
                kind = "int" if all(v is None or float(v).is_integer() for v in values) else "float"
            out.append((field, kind, values))
    return out


def _rows_columns(records: list[dict[str, Any]]) -> list[tuple[str, str, list[Any]]]:
    sides = sorted({side for r in records for side in (r["rows"] or {})},
                   key=lambda side: (side != "numerator", side))
    out = []
    for side in sides:
        parts = [(r["rows"] or {}).get(side) for r in records]
        out.append((f"rows_{side}_in_window", "int", [p and p["in_window"] for p in parts]))
        out.append((f"rows_{side}_used", "int", [p and p["used"] for p in parts]))
        for reason in sorted({reason for p in parts if p for reason in p["left_out"]}):
            out.append((f"rows_{side}_left_out_{reason}", "int",
                        [None if p is None else p["left_out"].get(reason, 0) for p in parts]))
    return out


def _value_type(values: list[Any]) -> str:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return "bool"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "int"
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return "float"
    return "str"


def _date(text: str | None) -> datetime.date | None:
    return None if text is None else datetime.date.fromisoformat(text)


def _month(text: str | None) -> datetime.date | None:
    return None if text is None else datetime.date.fromisoformat(text + "-01")


def _require(module: str, extra: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"this needs {module}: pip install 'indicators[{extra}]'") from None


def to_pandas(results: Results) -> pandas.DataFrame:
    """A pandas DataFrame: periods as ``period[M]``, dates as ``datetime64``, counts as
    nullable ``Int64``, numbers as nullable ``Float64``, flags as ``boolean``."""
    pd = _require("pandas", "pandas")
    data = {}
    for name, kind, values in columns(results):
        if kind == "month":
            data[name] = pd.Series(pd.PeriodIndex([pd.NaT if v is None else v for v in values], freq="M"))
        elif kind == "date":
            data[name] = pd.Series(pd.to_datetime([_date(v) for v in values]), dtype="datetime64[ns]")
        elif kind == "int":
            data[name] = pd.Series(values, dtype="Int64")
        elif kind == "float":
            data[name] = pd.Series([None if v is None else float(v) for v in values], dtype="Float64")
        elif kind == "bool":
            data[name] = pd.Series(values, dtype="boolean")
        else:
            data[name] = pd.Series(values, dtype="object")
    return pd.DataFrame(data)


def _python_values(kind: str, values: list) -> list:
    """A column's values as the frame libraries take them: months and dates as dates,
    numbers as floats, missing as None."""
    if kind == "month":
        return [_month(v) for v in values]
    if kind == "date":
        return [_date(v) for v in values]
    if kind == "float":
        return [None if v is None else float(v) for v in values]
    return values


def to_arrow(results: Results) -> pyarrow.Table:
    """A pyarrow Table: periods as ``date32`` (the first day of the month), dates as
    ``date32``, counts as ``int64``, numbers as ``float64``; missing values are null."""
    pa = _require("pyarrow", "arrow")
    types = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(),
             "month": pa.date32(), "date": pa.date32()}
    names, arrays = [], []
    for name, kind, values in columns(results):
        names.append(name)
        arrays.append(pa.array(_python_values(kind, values), type=types[kind]))
    return pa.table(arrays, names=names)


def to_polars(results: Results) -> polars.DataFrame:
    """A polars DataFrame: periods as ``Date`` (the first day of the month), dates as
    ``Date``, counts as ``Int64``, numbers as ``Float64``; missing values are null."""
    pl = _require("polars", "polars")
    types = {"str": pl.String, "int": pl.Int64, "float": pl.Float64, "bool": pl.Boolean,
             "month": pl.Date, "date": pl.Date}
    series = [pl.Series(name, _python_values(kind, values), dtype=types[kind])
              for name, kind, values in columns(results)]
    return pl.DataFrame(series)
