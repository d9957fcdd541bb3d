"""A JSON Schema of the pack format, for editors (taplo / Even Better TOML).

The keys, kinds, polarities, column types and patterns come from the pack loader's own
definitions in :mod:`indicators._pack`, so that the schema cannot drift from what
loads: a key the loader accepts but this module does not describe is an error when the
schema is built. JSON Schema draft 4, the newest that taplo supports.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from . import _pack
from ._tables import TYPES

DRAFT = "http://json-schema.org/draft-04/schema#"

_STRING = {"type": "string"}
_TEXT = {"type": "string", "minLength": 1}
_NUMBER = {"type": "number"}
_DATE = {"type": "string", "description": "a date, YYYY-MM-DD (a TOML date or a string)"}
_EXPRESSION = {"type": "string", "minLength": 1, "description": "an expression (see expressions.md)"}
_WINDOW = {"type": "string",
           "pattern": "^(month|ytd|cumulative|snapshot|rolling_([1-9]|[1-5][0-9]|60))$",
           "description": 'month, ytd, rolling_N (N = 1..60), cumulative or snapshot'}
_LOOKUP_WINDOW = {"type": "string",
                  "pattern": "^(to_date|month|ytd|cumulative|snapshot|rolling_([1-9]|[1-5][0-9]|60))$",
                  "description": 'to_date (the default), month, ytd, rolling_N, cumulative or snapshot'}


def _by_year(label_pattern: str, what: str) -> dict[str, Any]:
    return {"description": f"a number, or a table of {what} = number",
            "oneOf": [_NUMBER, {"type": "object", "patternProperties": {label_pattern: _NUMBER},
                                "additionalProperties": False, "minProperties": 1}]}


_QUARTILES = {"type": "array", "items": _NUMBER, "minItems": 3, "maxItems": 3,
              "description": "[q1, q2, q3], ascending"}


def _by_financial_year(value: dict[str, Any], what: str) -> dict[str, Any]:
    """A value, or a table of financial year = value with an optional source (benchmarks
    and quartiles by year)."""
    return {"description": f"{what}, or a table of financial year (\"2016/17\") = {what}, with an optional source",
            "oneOf": [value, {"type": "object", "patternProperties": {_pack.FY_LABEL_PATTERN.pattern: value},
                              "properties": {"source": _STRING}, "additionalProperties": False,
                              "minProperties": 1}]}


def _object(keys: Iterable[str], described: Mapping[str, dict[str, Any]], required: Iterable[str] = (),
            description: str | None = None) -> dict[str, Any]:
    """An object with exactly the loader's keys, each as ``described`` says."""
    keys = tuple(keys)
    missing = [key for key in keys if key not in described]
    extra = [key for key in described if key not in keys]
    if missing or extra:
        raise KeyError(f"the schema and the pack loader disagree on keys: not described {missing}, "
                       f"not accepted by the loader {extra}")
    out: dict[str, Any] = {"type": "object", "properties": {key: described[key] for key in keys},
                           "additionalProperties": False}
    if required:
        out["required"] = list(required)
    if description:
        out["description"] = description
    return out


def _measure_keys() -> dict[str, dict[str, Any]]:
    return {
        "table": {**_TEXT, "description": "the table whose rows are counted"},
        "date": {**_EXPRESSION, "description": "the date that places each row in a period"},
        "start": {**_EXPRESSION, "description": "snapshot: when each episode began"},
        "end": {**_EXPRESSION, "description": "snapshot: when each episode ended (missing: still open)"},
        "window": _WINDOW,
        "since": {**_DATE, "description": "cumulative windows: the first day counted"},
        "where": {**_EXPRESSION, "description": "a filter: only rows where this is true"},
        "distinct": {**_TEXT, "description": "count distinct values of this column instead of rows"},
        "lookups": {"type": "object", "additionalProperties": {"$ref": "#/definitions/lookup"},
                    "description": "per-key aggregates of other tables, by name"},
    }


def pack_schema() -> dict[str, Any]:
    """The JSON Schema (draft 4) of a pack file, as ``indicators schema`` prints it: for
    completion and inline errors in an editor (taplo, Even Better TOML)."""
    measure = _measure_keys()
    measure_object = _object(_pack.MEASURE_KEYS, measure, description="a measure: rows of a table")
    indicator_keys: dict[str, dict[str, Any]] = {
        **measure,
        "title": {**_TEXT, "description": "the indicator's title"},
        "description": _STRING, "unit": _STRING, "source": _STRING,
        "group": {**_STRING, "description": "the report group: the scorecard's section"},
        "decimals": {"type": "integer", "minimum": 0, "maximum": 6, "description": "decimals shown (default 1)"},
        "kind": {"enum": list(_pack.KINDS), "description": "what the value is (default count)"},
        "numerator": {"description": "a filter on the denominator's rows, or a measure of its own",
                      "oneOf": [_EXPRESSION, {"$ref": "#/definitions/measure"}]},
        "denominator": {"description": "a measure, a constant, or { population = NAME }",
                        "oneOf": [{"$ref": "#/definitions/measure"},
                                  {"type": "number"},
                                  {"type": "object", "properties": {"population": _TEXT},
                                   "required": ["population"], "additionalProperties": False}]},
        "of": {**_EXPRESSION, "description": "mean, median, min, max, sum: the numeric expression aggregated"},
        "each": {**_TEXT, "description": "mean, median, min, max, sum: aggregate the rows (or distinct values) "
                                         "held by each value of this column, instead of of"},
        "per": {"type": "number", "minimum": 0, "description": "rate: per how many (default 10000)"},
        "target": _by_year(_pack.FY_LABEL_PATTERN.pattern, 'financial year ("2016/17")'),
        "polarity": {"enum": list(_pack.POLARITIES), "description": "which way is better (default neutral)"},
        "tolerance": {"description": 'how far from target is amber: a number, or a share such as "10%"',
                      "oneOf": [{"type": "number", "minimum": 0},
                                {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*%\s*$"}]},
        "rag": {"type": "object", "properties": {"green": _NUMBER, "amber": _NUMBER},
                "required": ["green", "amber"], "additionalProperties": False,
                "description": "fixed RAG thresholds instead of a target and tolerance"},
        "benchmarks": {"type": "object", "additionalProperties": _by_financial_year(_NUMBER, "number"),
                       "description": "name = value, or name = { \"2016/17\" = value, source = \"...\" }"},
        "quartiles": _by_financial_year(_QUARTILES, "[q1, q2, q3]"),
        "outturn": {"type": "object", "patternProperties": {_pack.FY_LABEL_PATTERN.pattern: _NUMBER},
                    "properties": {"source": _STRING}, "additionalProperties": False, "minProperties": 1,
                    "description": "each financial year's outturn as published: { \"2015/16\" = 330, "
                                   "source = \"...\" }; records of the next year carry it"},
    }
    lookup_keys: dict[str, dict[str, Any]] = {
        "table": {**_TEXT, "description": "the table looked up"},
        "key": {**_TEXT, "description": "the key column of the looked-up table"},
        "on": {**_TEXT, "description": "the measure's own column holding the key (default: key)"},
        "date": measure["date"], "start": measure["start"], "end": measure["end"],
        "window": _LOOKUP_WINDOW, "since": measure["since"], "where": measure["where"],
        "aggregate": {"type": "string", "pattern": _pack.AGGREGATE_PATTERN.pattern,
                      "description": "count, count_distinct(col), sum(col), min(col), max(col) or mean(col)"},
    }
    pack_keys: dict[str, dict[str, Any]] = {
        "name": _TEXT, "title": _TEXT, "description": _TEXT, "version": _TEXT,
        "financial_year_start": {"type": "integer", "minimum": 1, "maximum": 12,
                                 "description": "the month the financial year starts (default 4)"},
        "calendar": {**_TEXT, "description": "a holiday calendar (indicators list shows them)"},
        "extra_holidays": {"type": "array", "items": _DATE},
        "suppress_below": {"type": "integer", "minimum": 1},
        "strict": {"type": "boolean"},
        "missing_tables": {"enum": ["error", "skip"],
                           "description": "skip: leave out the indicators that read a table the data lacks"},
        "missing_columns": {"enum": ["error", "skip"],
                            "description": "skip: leave out the indicators that read a column the data lacks"},
    }
    table_keys: dict[str, dict[str, Any]] = {
        "columns": {"type": "object", "additionalProperties": {"enum": list(TYPES)},
                    "description": "column = type"},
        "description": _STRING,
        "derive": {"type": "object", "additionalProperties": _EXPRESSION,
                   "description": "derived column = expression"},
    }
    top_keys: dict[str, dict[str, Any]] = {
        "pack": _object(_pack.PACK_KEYS, pack_keys, description="the pack's settings"),
        "populations": {"type": "object", "additionalProperties": _by_year(r"^\d{4}$", "calendar year"),
                        "description": "reference populations for rates, by name"},
        "tables": {"type": "object", "additionalProperties": _object(_pack.TABLE_KEYS, table_keys),
                   "description": "the tables the pack reads, with their column types"},
        "indicators": {"type": "object",
                       "patternProperties": {_pack.ID_PATTERN.pattern: {"$ref": "#/definitions/indicator"}},
                       "additionalProperties": False,
                       "description": "the indicators, by id (lower case letters, digits and _)"},
    }
    schema = _object(_pack.TOP_KEYS, top_keys)
    return {
        "$schema": DRAFT,
        "title": "indicators pack",
        "description": "A pack of performance indicators for the indicators engine.",
        **schema,
        "definitions": {
            "indicator": _object(_pack.INDICATOR_KEYS, indicator_keys, required=("title", "table")),
            "measure": measure_object,
            "lookup": _object(_pack.LOOKUP_KEYS, lookup_keys, required=("table", "key", "aggregate")),
        },
    }
