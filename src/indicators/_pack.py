"""Packs: TOML text checked into indicator definitions.

Loading collects every problem it finds (unknown keys with a suggestion, wrong types,
bad windows, expressions that do not parse or type-check) and raises them together in
one :class:`PackError`, each with file, line, key path and what was expected.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import re
import textwrap
from pathlib import Path
from typing import Any, Iterable, Mapping

import attrs
import numpy as np

from ._checker import WILDCARDS, Scope, check, check_filter, suggest
from ._dates import parse_date_text
from ._definitions import (
    AGGREGATE_KINDS,
    COUNTING_KINDS,
    Constant,
    Expr,
    Indicator,
    KINDS,
    Location,
    Lookup,
    Measure,
    POLARITIES,
    PopulationRef,
    TableSpec,
    Window,
    parse_window,
)
from ._errors import ExpressionError, PackError, Problem
from ._expressions import names_used, parse
from ._plugins import default_registry
from ._registry import Registry
from ._tables import TYPES
from ._vectors import UNKNOWN
from ._toml import key_lines, line_of, load_toml

MEASURE_KEYS = ("table", "date", "start", "end", "window", "since", "where", "distinct", "lookups")
INDICATOR_KEYS = MEASURE_KEYS + (
    "title", "description", "unit", "group", "decimals", "source", "kind", "numerator",
    "denominator", "of", "each", "per", "target", "polarity", "tolerance", "rag", "benchmarks", "quartiles", "outturn")
PACK_KEYS = ("name", "title", "description", "version", "financial_year_start", "calendar",
             "extra_holidays", "suppress_below", "strict", "missing_tables",
             "missing_columns")
TOP_KEYS = ("pack", "populations", "tables", "indicators")
TABLE_KEYS = ("columns", "description", "derive")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
FY_LABEL_PATTERN = re.compile(r"^(\d{4})/(\d{2})$")


@attrs.frozen
class Pack:
    """A loaded, checked pack: a plain value of its definitions and settings.

    It holds no plugins: the functions, calendars, loaders and pack inputs it names are
    looked up, when it is evaluated, in the registry given then (by default
    :func:`indicators.default_registry`). It compares by value and pickles as it is.
    """

    name: str
    title: str
    indicators: dict[str, Indicator]
    files: tuple[str, ...] = ()
    description: str | None = None
    version: str | None = None
    financial_year_start: int = 4
    calendar: str = "england-and-wales"
    extra_holidays: tuple[str, ...] = ()
    suppress_below: int | None = None
    strict: bool = False
    missing_tables: str = "error"  # or "skip": leave out the indicators that read a table the data lacks
    missing_columns: str = "error"  # or "skip": leave out the indicators that read a column the data lacks
    populations: dict[str, tuple[tuple[int | None, float], ...]] = attrs.field(factory=dict)
    tables: dict[str, TableSpec] = attrs.field(factory=dict)
    warnings: tuple[Problem, ...] = ()  # what loads but is probably not meant (validate shows them)

    @functools.cached_property
    def fingerprint(self) -> str:
        """A SHA-256 of the pack's definitions and settings (not of where it was read
        from, nor of its warnings): equal for the same pack text loaded in any process.
        What a partial result names its pack by."""
        text = json.dumps(_canonical(self), separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @functools.cached_property
    def memo(self) -> dict[str, Any]:
        """What the engine computes from the pack alone, kept with it for the next
        evaluation (a pack never changes): not part of its value, neither compared nor
        pickled."""
        return {}

    def tables_used(self) -> set[str]:
        """Names of the tables the indicators read, looked-up tables included."""
        used = set()
        for indicator in self.indicators.values():
            for measure in indicator.measures():
                used.add(measure.table)
                used.update(lookup.table for lookup in measure.lookups)
        return used

    def schemas(self) -> dict[str, dict[str, str]]:
        """Declared column types by table."""
        return {name: dict(spec.columns) for name, spec in self.tables.items()}

    def names_checked_against_data(self) -> dict[str, list[str]]:
        """By table, the column names the pack reads that no declaration accounts for:
        they are checked (and their types inferred) when the data arrives."""
        out = {}
        for table, names in sorted(columns_needed(self).items()):
            declared = self.tables[table].columns if table in self.tables else {}
            undeclared = sorted(names - set(declared))
            if undeclared:
                out[table] = undeclared
        return out


def _canonical(value: Any) -> Any:
    """A JSON-ready form of a pack's definitions: no locations, no object ids."""
    if isinstance(value, Expr):
        return value.text
    if attrs.has(type(value)):
        return [type(value).__name__, {f.name: _canonical(getattr(value, f.name))
                                       for f in attrs.fields(type(value))
                                       if f.name not in ("warnings", "files", "location")}]
    if isinstance(value, dict):
        return [[_canonical(k), _canonical(v)] for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))]
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_canonical(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    raise TypeError(f"no canonical form for {type(value).__name__}")


# ---------------------------------------------------------------------------------------
# Loading


class _Source:
    """One TOML file being read, with its key lines and the problems (and warnings) found so far."""

    def __init__(self, file: str, text: str, problems: list[Problem]) -> None:
        self.file = file
        self.lines = key_lines(text)
        self.problems = problems
        self.warnings: list[Problem] = []

    def warn(self, path: tuple[str, ...], message: str, detail: str | None = None) -> None:
        self.warnings.append(self.at(path).problem(message, detail))

    def at(self, path: tuple[str, ...]) -> Location:
        return Location(self.file, line_of(self.lines, path), ".".join(path))

    def problem(self, path: tuple[str, ...], message: str, detail: str | None = None) -> None:
        self.problems.append(self.at(path).problem(message, detail))

    def unknown_keys(self, table: Mapping, allowed: Iterable[str], path: tuple[str, ...], what: str) -> None:
        allowed = tuple(allowed)
        for key in table:
            if key not in allowed:
                hint = suggest(key, allowed)
                self.problem(path + (key,), f"unknown key in {what}" + (f"; {hint}" if hint else ""),
                             textwrap.fill("expected one of: " + ", ".join(allowed), 100, subsequent_indent="    "))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _type_name(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "a list", dict: "a table"}.get(type(value), type(value).__name__)


def _date_value(value: Any) -> int | None:
    import datetime

    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return int(np.datetime64(value, "D").astype(np.int64))
    if isinstance(value, str):
        days, ok = parse_date_text(np.array([value]))
        if ok[0]:
            return int(days[0])
    return None


def _discover_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*.toml") if p.is_file())
    return [path]


def load_pack(path_or_name: str | os.PathLike, *, registry: Registry | None = None) -> Pack:
    """Load and check a pack from a TOML file or a folder of them.

    Raises :class:`PackError` holding every problem found.
    """
    registry = registry or default_registry()
    path = Path(path_or_name)
    if not path.exists():
        name = str(path_or_name)
        if name in registry.packs:
            path = Path(str(registry.packs[name]))
        elif registry.unavailable("pack", name):
            raise PackError([Problem(registry.unavailable("pack", name))])
        else:
            known = ", ".join(sorted(registry.packs)) or "none"
            hint = suggest(name, registry.packs)
            raise PackError([Problem(f"no pack file or folder {name!r}, and no installed plugin "
                                     f"provides a pack of that name" + (f"; {hint}" if hint else ""),
                                     detail=f"packs from plugins: {known}")])
    files = _discover_files(path)
    if not files:
        raise PackError([Problem("the folder holds no .toml files", file=str(path))])
    documents = []
    problems: list[Problem] = []
    for file in files:
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(f"cannot read the pack file: {exc}", file=str(file)))
            continue
        data, errors = load_toml(text, str(file))
        problems.extend(errors)
        if data is not None:
            documents.append((_Source(str(file), text, problems), data))
    if problems and not documents:
        raise PackError(problems)
    pack = _build_pack(documents, problems, registry, default_name=path.stem)
    if problems:
        raise PackError(problems)
    from ._benchmark_sets import beside

    return beside(pack, path)


def loads_pack(text: str, *, file: str = "<pack>", registry: Registry | None = None) -> Pack:
    """Load and check a pack from TOML text."""
    registry = registry or default_registry()
    data, problems = load_toml(text, file)
    if data is None:
        raise PackError(problems)
    pack = _build_pack([(_Source(file, text, problems), data)], problems, registry,
                       default_name=Path(file).stem)
    if problems:
        raise PackError(problems)
    return pack


def _build_pack(documents: list[tuple[_Source, dict]], problems: list[Problem], registry: Registry,
                default_name: str) -> Pack | None:
    settings: dict[str, Any] = {}
    settings_source: _Source | None = None
    populations: dict[str, tuple] = {}
    tables: dict[str, TableSpec] = {}
    raw_indicators: dict[str, tuple[_Source, dict]] = {}
    for source, data in documents:
        source.unknown_keys(data, TOP_KEYS, (), "the pack file")
        if "pack" in data:
            if settings_source is not None:
                source.problem(("pack",), f"[pack] is already set in {settings_source.file}",
                               "a folder is one pack; to evaluate several packs together, name each: "
                               "indicators evaluate A.toml B.toml ...")
            elif not isinstance(data["pack"], dict):
                source.problem(("pack",), "expected a table [pack]")
            else:
                settings, settings_source = data["pack"], source
        for name, value in _table_items(source, data, "populations"):
            populations[name] = _read_by_year(source, ("populations", name), value, "population",
                                              label="calendar year", fy=False)
        for name, value in _table_items(source, data, "tables"):
            spec = _read_table_spec(source, name, value)
            if spec is not None:
                if name in tables:
                    source.problem(("tables", name), f"table {name!r} is already declared in "
                                   f"{tables[name].location.file}")
                tables[name] = spec
        for ident, value in _table_items(source, data, "indicators"):
            if ident in raw_indicators:
                other = raw_indicators[ident][0]
                source.problem(("indicators", ident), f"indicator {ident!r} is defined twice "
                               f"(also in {other.file}, line {line_of(other.lines, ('indicators', ident))})")
                continue
            raw_indicators[ident] = (source, value)

    pack_source = settings_source or (documents[0][0] if documents else None)
    pack_kwargs = _read_settings(pack_source, settings, registry) if pack_source else {}
    indicators = {}
    for ident, (source, value) in raw_indicators.items():
        indicator = _read_indicator(source, ident, value, populations, tables)
        if indicator is not None:
            indicators[ident] = indicator
    if not raw_indicators and documents:
        documents[0][0].problem(("indicators",), "the pack defines no indicators",
                                "add at least one [indicators.ID] table")
    pack = Pack(
        name=pack_kwargs.pop("name", default_name),
        title=pack_kwargs.pop("title", default_name),
        indicators=indicators,
        files=tuple(s.file for s, _ in documents),
        populations={k: v for k, v in populations.items() if v is not None},
        tables=tables,
        warnings=tuple(w for source, _ in documents for w in source.warnings),
        **pack_kwargs,
    )
    problems.extend(check_pack(pack, {n: t.columns for n, t in tables.items()}, registry, open_=True))
    return attrs.evolve(pack, warnings=pack.warnings + tuple(_unread_tables(pack)))


def _unread_tables(pack: Pack) -> list[Problem]:
    """Declared tables that no indicator reads: usually a misspelt table name, whose
    declarations then apply to nothing."""
    used = pack.tables_used()
    warnings = []
    for name, spec in pack.tables.items():
        if name not in used:
            hint = suggest(name, sorted(used))
            warnings.append(spec.location.problem(
                f"no indicator reads table {name!r}, so what it declares applies to nothing"
                + (f"; {hint}" if hint else "")))
    return warnings


def _table_items(source: _Source, data: dict, key: str):
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, dict):
        source.problem((key,), f"expected a table [{key}], got {_type_name(value)}")
        return []
    return list(value.items())


def _read_settings(source: _Source, settings: dict, registry: Registry) -> dict:
    source.unknown_keys(settings, PACK_KEYS, ("pack",), "[pack]")
    out: dict[str, Any] = {}
    for key in ("name", "title", "description", "version"):
        if key in settings:
            if isinstance(settings[key], str) and settings[key].strip():
                out[key] = settings[key]
            else:
                source.problem(("pack", key), f"expected a non-empty string, got {_type_name(settings[key])}")
    fys = settings.get("financial_year_start", 4)
    if isinstance(fys, int) and not isinstance(fys, bool) and 1 <= fys <= 12:
        out["financial_year_start"] = fys
    else:
        source.problem(("pack", "financial_year_start"), f"expected a month number 1-12, got {fys!r}")
    calendar = settings.get("calendar", "england-and-wales")
    if not isinstance(calendar, str):
        source.problem(("pack", "calendar"), f"expected a calendar name, got {_type_name(calendar)}")
    elif registry.unavailable("calendar", calendar):
        source.problem(("pack", "calendar"), registry.unavailable("calendar", calendar))
    elif calendar not in registry.calendars:
        hint = suggest(calendar, registry.calendars)
        source.problem(("pack", "calendar"), f"unknown calendar {calendar!r}" + (f"; {hint}" if hint else ""),
                       "known calendars: " + ", ".join(sorted(registry.calendars)))
    else:
        out["calendar"] = calendar
    extra = settings.get("extra_holidays", [])
    if not isinstance(extra, list):
        source.problem(("pack", "extra_holidays"), f"expected a list of dates, got {_type_name(extra)}")
    else:
        days = []
        for item in extra:
            day = _date_value(item)
            if day is None:
                source.problem(("pack", "extra_holidays"), f"{item!r} is not a date (YYYY-MM-DD)")
            else:
                days.append(str(np.datetime64(day, "D")))
        out["extra_holidays"] = tuple(days)
    if "suppress_below" in settings:
        value = settings["suppress_below"]
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            out["suppress_below"] = value
        else:
            source.problem(("pack", "suppress_below"), f"expected a whole number of at least 1, got {value!r}")
    if "strict" in settings:
        if isinstance(settings["strict"], bool):
            out["strict"] = settings["strict"]
        else:
            source.problem(("pack", "strict"), "expected true or false")
    for setting in ("missing_tables", "missing_columns"):
        if setting in settings:
            if settings[setting] in ("error", "skip"):
                out[setting] = settings[setting]
            else:
                source.problem(("pack", setting), f"expected \"error\" or \"skip\", got {settings[setting]!r}")
    return out


def _read_by_year(source: _Source, path: tuple[str, ...], value: Any, what: str, label: str,
                  fy: bool) -> tuple | None:
    """A number, or a table of year (or financial-year label) to number."""
    if _is_number(value):
        return ((None, float(value)),)
    if not isinstance(value, dict):
        source.problem(path, f"expected a number or a table by {label}, got {_type_name(value)}")
        return None
    items = []
    for key, number in value.items():
        if fy:
            match = FY_LABEL_PATTERN.match(str(key))
            if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
                source.problem(path + (str(key),), f"expected a financial year label such as "
                               f"\"2016/17\", got {key!r}")
                continue
            year = int(match.group(1))
        else:
            if not re.fullmatch(r"\d{4}", str(key)):
                source.problem(path + (str(key),), f"expected a {label} such as 2017, got {key!r}")
                continue
            year = int(key)
        if not _is_number(number):
            source.problem(path + (str(key),), f"expected a number for the {what}, got {_type_name(number)}")
            continue
        items.append((year, float(number)))
    if not items:
        if not value:
            source.problem(path, f"the {what} table is empty")
        return None
    return tuple(sorted(items))


def _read_table_spec(source: _Source, name: str, value: Any) -> TableSpec | None:
    path = ("tables", name)
    if not isinstance(value, dict):
        source.problem(path, f"expected a table, got {_type_name(value)}")
        return None
    source.unknown_keys(value, TABLE_KEYS, path, f"[tables.{name}]")
    columns = value.get("columns", {})
    if not isinstance(columns, dict):
        source.problem(path + ("columns",), f"expected a table of column = type, got {_type_name(columns)}")
        return None
    checked = {}
    for column, type_ in columns.items():
        if type_ not in TYPES:
            source.problem(path + ("columns", column), f"unknown column type {type_!r}",
                           "expected one of: " + ", ".join(TYPES))
        else:
            checked[column] = type_
    description = value.get("description")
    derive, cyclic = _read_derive(source, name, value.get("derive", {}), checked)
    return TableSpec(name, checked, source.at(path), description if isinstance(description, str) else None,
                     derive, cyclic)


def _read_derive(source: _Source, table: str, raw: Any, columns: dict[str, str]) -> tuple[tuple, frozenset]:
    """Derived columns in an order where each comes after those it uses, and the names
    in a cycle (each cycle is one problem; its members are left out of the order)."""
    path = ("tables", table, "derive")
    if not isinstance(raw, dict):
        source.problem(path, f"expected a table of name = \"expression\", got {_type_name(raw)}")
        return (), frozenset()
    parsed: dict[str, Expr] = {}
    for name, text in raw.items():
        if name in columns:
            source.problem(path + (name,), f"{name!r} is already a declared column of {table!r}")
            continue
        expr = _expr(source, path + (name,), text)
        if expr is not None:
            parsed[name] = expr
    ordered: list[tuple[str, Expr]] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done
    cyclic: set[str] = set()

    def visit(root: str) -> None:
        # depth first with a stack of (name, the names it reads still to visit), not
        # recursion, so that a chain of a thousand derived columns is no problem
        if state.get(root) == 2:
            return
        state[root] = 1
        stack = [(root, iter(sorted(names_used(parsed[root].node) & set(parsed))))]
        while stack:
            name, pending = stack[-1]
            used = next(pending, None)
            if used is None:
                stack.pop()
                state[name] = 2
                ordered.append((name, parsed[name]))
            elif state.get(used) == 1:
                trail = [entry[0] for entry in stack]
                cycle = tuple(trail[trail.index(used):]) + (used,)
                source.problem(path + (used,), "derived columns refer to each other in a cycle: "
                               + " -> ".join(cycle))
                cyclic.update(cycle)
            elif state.get(used) != 2:
                state[used] = 1
                stack.append((used, iter(sorted(names_used(parsed[used].node) & set(parsed)))))

    for name in parsed:
        visit(name)
    return tuple((name, expr) for name, expr in ordered if name not in cyclic), frozenset(cyclic)


def _expr(source: _Source, path: tuple[str, ...], text: Any) -> Expr | None:
    if not isinstance(text, str):
        source.problem(path, f"expected an expression in a string, got {_type_name(text)}")
        return None
    location = source.at(path)
    try:
        node = parse(text)
    except ExpressionError as exc:
        source.problems.append(location.problem(exc.message, exc.render(text)))
        return None
    return Expr(text, node, location)


def _read_placement(source: _Source, path: tuple[str, ...], keys: dict, window: Window):
    """The date (or start and end) and since of a window, as a measure or lookup gives them."""
    since = None
    if window.kind == "cumulative":
        if "since" not in keys:
            source.problem(path + ("since",), 'a cumulative window needs since = "YYYY-MM-DD"')
        else:
            since = _date_value(keys["since"])
            if since is None:
                source.problem(path + ("since",), f"expected a date as YYYY-MM-DD, got {keys['since']!r}")
    elif "since" in keys:
        source.problem(path + ("since",), f"since applies only to cumulative windows; this window is {window.text}")
    date = start = end = None
    if window.is_snapshot:
        if "start" not in keys:
            source.problem(path + ("start",), "a snapshot window needs start (the column when each "
                           "episode began) and usually end")
        else:
            start = _expr(source, path + ("start",), keys["start"])
        if "end" in keys:
            end = _expr(source, path + ("end",), keys["end"])
    else:
        if "date" not in keys:
            source.problem(path + ("date",), f"a {window.text} window needs date (the column that "
                           "places each row in a period)")
        else:
            date = _expr(source, path + ("date",), keys["date"])
    return date, start, end, since


LOOKUP_KEYS = ("table", "key", "on", "date", "start", "end", "window", "since", "aggregate", "where")
AGGREGATE_PATTERN = re.compile(r"^\s*(count|count_distinct|sum|min|max|mean)\s*(?:\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\))?\s*$")


def _read_lookups(source: _Source, path: tuple[str, ...], raw: Any) -> tuple[Lookup, ...]:
    if not isinstance(raw, dict):
        source.problem(path, f"expected a table of name = {{ table = ..., key = ..., ... }}, got {_type_name(raw)}")
        return ()
    lookups = []
    for name, spec in raw.items():
        here = path + (name,)
        if not isinstance(spec, dict):
            source.problem(here, f"expected a table {{ table = ..., key = ..., aggregate = ... }}, got {_type_name(spec)}")
            continue
        source.unknown_keys(spec, LOOKUP_KEYS, here, "a lookup")
        missing = [k for k in ("table", "key", "aggregate") if not isinstance(spec.get(k), str)]
        for k in missing:
            source.problem(here + (k,), f"a lookup needs {k} (a string)")
        window_text = spec.get("window", "to_date")
        window = Window("to_date") if window_text == "to_date" else parse_window(window_text)
        if window is None:
            source.problem(here + ("window",), f"unknown window {window_text!r}",
                           'expected "to_date", "month", "ytd", "rolling_N", "cumulative" or "snapshot"')
            continue
        aggregate = AGGREGATE_PATTERN.match(spec.get("aggregate", "")) if "aggregate" not in missing else None
        if "aggregate" not in missing and aggregate is None:
            source.problem(here + ("aggregate",), f"unknown aggregate {spec['aggregate']!r}",
                           "expected count, count_distinct(col), sum(col), min(col), max(col) or mean(col)")
        elif aggregate is not None:
            needs_column = aggregate.group(1) != "count"
            if needs_column != bool(aggregate.group(2)):
                source.problem(here + ("aggregate",), f"{aggregate.group(1)} "
                               + ("needs a column, as in " + aggregate.group(1) + "(col)" if needs_column
                                  else "takes no column"))
                aggregate = None
        date, start, end, since = _read_placement(source, here, spec, window)
        where = _expr(source, here + ("where",), spec["where"]) if "where" in spec else None
        if missing or aggregate is None:
            continue
        lookups.append(Lookup(name, spec["table"], spec["key"], spec.get("on", spec["key"]), window,
                              aggregate.group(1), source.at(here), aggregate.group(2), date, start, end,
                              since, where))
    return tuple(lookups)


def _read_measure(source: _Source, path: tuple[str, ...], raw: dict, inherit: dict | None) -> Measure | None:
    """A measure from its keys, inheriting from the base measure's keys as SPEC section 7 says."""
    keys = dict(raw)
    if inherit is not None:
        if "table" in raw and raw["table"] != inherit.get("table"):
            inherited = {k: inherit[k] for k in ("window", "since") if k in inherit}
        else:
            inherited = {k: v for k, v in inherit.items() if k in MEASURE_KEYS}
        keys = {**inherited, **raw}
        if "since" not in raw and parse_window(keys.get("window", "month")) != Window("cumulative"):
            keys.pop("since", None)  # inherited, and unused by this measure's window (SPEC section 7)
    lookups = _read_lookups(source, path + ("lookups",), keys.get("lookups", {}))
    table = keys.get("table")
    if not isinstance(table, str) or not table:
        source.problem(path + ("table",), "expected the name of the table the measure counts"
                       if table is None else f"expected a table name, got {_type_name(table)}")
        return None
    window = parse_window(keys.get("window", "month"))
    if window is None:
        source.problem(path + ("window",), f"unknown window {keys.get('window')!r}",
                       'expected "month", "ytd", "rolling_N" (N = 1..60), "cumulative" or "snapshot"')
        return None
    date, start, end, since = _read_placement(source, path, keys, window)
    where = _expr(source, path + ("where",), keys["where"]) if "where" in keys else None
    distinct = keys.get("distinct")
    if distinct is not None and not (isinstance(distinct, str) and distinct):
        source.problem(path + ("distinct",), f"expected a column name, got {_type_name(distinct)}")
        distinct = None
    return Measure(table, window, source.at(path), date, start, end, since, where, None, distinct, lookups)


def _read_indicator(source: _Source, ident: str, raw: Any, populations: dict,
                    tables: dict[str, TableSpec]) -> Indicator | None:
    path = ("indicators", ident)
    if not isinstance(raw, dict):
        source.problem(path, f"expected a table [indicators.{ident}], got {_type_name(raw)}")
        return None
    if not ID_PATTERN.match(ident):
        source.problem(path, "an indicator id must be lower case letters, digits and _ "
                       "and start with a letter")
    source.unknown_keys(raw, INDICATOR_KEYS, path, "an indicator")

    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        source.problem(path + ("title",), "every indicator needs a title (a non-empty string)")
        title = ident
    kind = raw.get("kind", "count")
    if kind not in KINDS:
        hint = suggest(str(kind), KINDS)
        source.problem(path + ("kind",), f"unknown kind {kind!r}" + (f"; {hint}" if hint else ""),
                       "expected one of: " + ", ".join(KINDS))
        kind = "count"
    strings = {}
    for key in ("description", "unit", "group", "source"):
        if key in raw:
            if isinstance(raw[key], str):
                strings[key] = raw[key]
            else:
                source.problem(path + (key,), f"expected a string, got {_type_name(raw[key])}")
    polarity = raw.get("polarity", "neutral")
    if polarity not in POLARITIES:
        source.problem(path + ("polarity",), f"unknown polarity {polarity!r}",
                       "expected one of: " + ", ".join(POLARITIES))
        polarity = "neutral"
    decimals = raw.get("decimals", 1)
    if not (isinstance(decimals, int) and not isinstance(decimals, bool) and 0 <= decimals <= 6):
        source.problem(path + ("decimals",), f"expected a whole number 0-6, got {decimals!r}")
        decimals = 1

    base_keys = {k: raw[k] for k in MEASURE_KEYS if k in raw}
    base = _read_measure(source, path, base_keys, None)

    numerator = base
    raw_num = raw.get("numerator")
    if isinstance(raw_num, str):
        extra = _expr(source, path + ("numerator",), raw_num)
        if base is not None:
            numerator = attrs.evolve(base, extra=extra, location=source.at(path + ("numerator",)))
    elif isinstance(raw_num, dict):
        source.unknown_keys(raw_num, MEASURE_KEYS, path + ("numerator",), "a numerator measure")
        numerator = _read_measure(source, path + ("numerator",), raw_num, base_keys)
    elif raw_num is not None:
        source.problem(path + ("numerator",), f"expected a filter string or a measure table, got {_type_name(raw_num)}")

    denominator: Measure | Constant | PopulationRef | None = None
    raw_den = raw.get("denominator")
    if kind == "count" or kind in AGGREGATE_KINDS:
        if raw_den is not None:
            source.problem(path + ("denominator",), f"a {kind} indicator has no denominator")
    elif raw_den is None:
        denominator = base
    elif _is_number(raw_den):
        if raw_den == 0:
            source.warn(path + ("denominator",), "a constant denominator of 0 gives a missing value "
                        "in every period")
        denominator = Constant(float(raw_den))
    elif isinstance(raw_den, dict) and set(raw_den) == {"population"}:
        name = raw_den["population"]
        if name not in populations:
            hint = suggest(str(name), populations)
            source.problem(path + ("denominator", "population"), f"unknown population {name!r}" +
                           (f"; {hint}" if hint else ""),
                           "declare it under [populations]" if not populations else
                           "known populations: " + ", ".join(sorted(populations)))
        denominator = PopulationRef(str(name))
    elif isinstance(raw_den, dict) and "population" in raw_den:
        source.problem(path + ("denominator",), "a population denominator takes no other keys",
                       'write denominator = { population = "NAME" }')
    elif isinstance(raw_den, dict):
        source.unknown_keys(raw_den, MEASURE_KEYS, path + ("denominator",), "a denominator measure")
        denominator = _read_measure(source, path + ("denominator",), raw_den, base_keys)
    else:
        source.problem(path + ("denominator",), f"expected a measure table, a number or "
                       f"{{ population = \"NAME\" }}, got {_type_name(raw_den)}")

    each = raw.get("each")
    if each is not None and not (isinstance(each, str) and each):
        source.problem(path + ("each",), f"expected a column name, got {_type_name(each)}")
        each = None
    if base is not None and base.distinct and kind not in COUNTING_KINDS and each is None:
        source.problem(path + ("distinct",), f"distinct applies to counting kinds "
                       f"({', '.join(COUNTING_KINDS)}), or with each, not {kind}")
    of = None
    if kind in AGGREGATE_KINDS:
        if "of" in raw and each is not None:
            source.problem(path + ("of",), "give of or each, not both: with each = COLUMN the values "
                           "aggregated are the number of rows of each value of COLUMN")
        elif "of" not in raw and each is None:
            source.problem(path + ("of",), f"a {kind} indicator needs of = \"<numeric expression>\" "
                           "(or each = \"COLUMN\", to aggregate the rows held by each value of COLUMN)")
        elif "of" in raw:
            of = _expr(source, path + ("of",), raw["of"])
    else:
        for key in ("of", "each"):
            if key in raw:
                source.problem(path + (key,), f"{key} applies to {', '.join(AGGREGATE_KINDS)} indicators, "
                               f"not {kind}")
        each = None
    per = raw.get("per", 10000)
    if "per" in raw and kind != "rate":
        source.problem(path + ("per",), f"per applies to rate indicators, not {kind}")
    if not _is_number(per) or per <= 0:
        source.problem(path + ("per",), f"expected a positive number, got {per!r}")
        per = 10000

    target = ()
    if "target" in raw:
        target = _read_by_year(source, path + ("target",), raw["target"], "target",
                               label="financial year", fy=True) or ()
    tolerance, share = None, False
    if "tolerance" in raw:
        value = raw["tolerance"]
        if _is_number(value) and value >= 0:
            tolerance = float(value)
        elif isinstance(value, str) and re.fullmatch(r"\s*\d+(\.\d+)?\s*%\s*", value):
            tolerance, share = float(value.strip().rstrip("%")) / 100, True
        else:
            source.problem(path + ("tolerance",), f"expected a number of the value's units or a "
                           f"share of the target such as \"10%\", got {value!r}")
    rag = None
    if "rag" in raw:
        value = raw["rag"]
        if (isinstance(value, dict) and set(value) == {"green", "amber"}
                and all(_is_number(v) for v in value.values())):
            green, amber = float(value["green"]), float(value["amber"])
            if polarity == "higher_is_better" and amber > green:
                source.problem(path + ("rag",), "with higher_is_better the amber threshold cannot exceed green")
            elif polarity == "lower_is_better" and amber < green:
                source.problem(path + ("rag",), "with lower_is_better the amber threshold cannot be below green")
            rag = (green, amber)
        else:
            source.problem(path + ("rag",), "expected { green = NUMBER, amber = NUMBER }")
    benchmarks, quartiles, benchmark_sources = _read_benchmarks(source, path, raw)
    outturn, outturn_source = _read_outturn(source, path, raw)

    if base is None or numerator is None:
        return None
    # An indicator with problems is still returned so that its expressions get checked
    # too: the user sees every problem at once. Loading fails on the problems anyway.
    return Indicator(
        id=ident, title=title, kind=kind, location=source.at(path), base=base, numerator=numerator,
        denominator=denominator, of=of, each=each, per=float(per), polarity=polarity, decimals=decimals,
        target=target, tolerance=tolerance, tolerance_is_share=share, rag=rag,
        benchmarks=benchmarks, quartiles=quartiles, benchmark_sources=benchmark_sources, outturn=outturn,
        outturn_source=outturn_source, **strings)


def _pop_source(source: _Source, path: tuple[str, ...], value: dict) -> tuple[dict, str | None]:
    """A by-year table without its ``source`` key, and that source."""
    if "source" not in value:
        return value, None
    text = value["source"]
    if not isinstance(text, str) or not text.strip():
        source.problem(path + ("source",), f"expected the text of the figures' source, got {_type_name(text)}")
        text = None
    return {k: v for k, v in value.items() if k != "source"}, text


def _read_outturn(source: _Source, path: tuple[str, ...], raw: dict) -> tuple[tuple, str | None]:
    """Published outturns by financial year, and their ``source``."""
    if "outturn" not in raw:
        return (), None
    value, where = raw["outturn"], path + ("outturn",)
    if not isinstance(value, dict):
        source.problem(where, f"expected a table by financial year such as {{ \"2015/16\" = 330 }} (an outturn "
                       f"is a year's figure), got {_type_name(value)}")
        return (), None
    value, text = _pop_source(source, where, value)
    return _read_by_year(source, where, value, "outturn", label="financial year", fy=True) or (), text


def _quartile_triple(value: Any) -> tuple[float, float, float] | None:
    if (isinstance(value, list) and len(value) == 3 and all(_is_number(v) for v in value)
            and value[0] <= value[1] <= value[2]):
        return (float(value[0]), float(value[1]), float(value[2]))
    return None


def _read_benchmarks(source: _Source, path: tuple[str, ...], raw: dict) -> tuple[tuple, tuple, tuple]:
    """Benchmarks and quartiles: plain figures, or by financial year with a ``source``."""
    benchmarks: list = []
    sources: list = []
    if "benchmarks" in raw:
        value = raw["benchmarks"]
        if not isinstance(value, dict):
            source.problem(path + ("benchmarks",), f"expected a table of name = number (or a table by "
                           f"financial year), got {_type_name(value)}")
            value = {}
        for name, figures in value.items():
            where = path + ("benchmarks", name)
            if isinstance(figures, dict):
                figures, text = _pop_source(source, where, figures)
                if text:
                    sources.append((name, text))
            elif not _is_number(figures):
                source.problem(where, f"expected a number or a table by financial year such as "
                               f"{{ \"2015/16\" = 22.3 }}, got {_type_name(figures)}")
                continue
            by_year = _read_by_year(source, where, figures, "benchmark", label="financial year", fy=True)
            if by_year:
                benchmarks.append((name, by_year))
    quartiles: list = []
    if "quartiles" in raw:
        value = raw["quartiles"]
        where = path + ("quartiles",)
        expected = "expected three ascending numbers [q1, q2, q3]"
        if isinstance(value, list):
            triple = _quartile_triple(value)
            if triple is None:
                source.problem(where, expected)
            else:
                quartiles.append((None, triple))
        elif isinstance(value, dict):
            value, text = _pop_source(source, where, value)
            if text:
                sources.append(("quartiles", text))
            for key, item in value.items():
                match = FY_LABEL_PATTERN.match(str(key))
                if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
                    source.problem(where + (str(key),), f"expected a financial year label such as "
                                   f"\"2016/17\", got {key!r}")
                    continue
                triple = _quartile_triple(item)
                if triple is None:
                    source.problem(where + (str(key),), expected)
                    continue
                quartiles.append((int(match.group(1)), triple))
            if not value:
                source.problem(where, "the quartiles table is empty")
        else:
            source.problem(where, expected + " or a table of them by financial year")
    return tuple(benchmarks), tuple(sorted(quartiles)), tuple(sources)


# ---------------------------------------------------------------------------------------
# Checking expressions against column types


def with_derived(pack: Pack, column_types: Mapping[str, Mapping[str, str]], registry: Registry,
                 open_: bool = False) -> tuple[dict[str, dict[str, str]], list[Problem]]:
    """Column types of each table including its derived columns, and their problems.

    With ``open_``, names no declaration accounts for are data columns of unknown type.
    """
    functions = registry.functions
    out: dict[str, dict[str, str]] = {}
    problems: list[Problem] = []
    for table, types in column_types.items():
        types = dict(types)
        spec = pack.tables.get(table)
        # a cycle was reported when the pack was read: its members check as untyped, silently
        types.update(dict.fromkeys(spec.cyclic if spec else (), "null"))
        for name, expr in (spec.derive if spec else ()):
            scope = Scope(types, functions, variables={}, table=table, derive=True,
                          unavailable=unavailable(registry, open_), open=open_)
            try:
                types[name] = check(expr.node, scope)
            except ExpressionError as exc:
                problems.append(expr.problem(exc))
                types[name] = "null"
        out[table] = types
    return out, problems


def unavailable(registry: Registry, open_: bool):
    """Why a function name cannot be used, for messages: two plugins give it; or, when the
    data is checked (not ``open_``), the registry the pack is evaluated with lacks it, which
    can only be another registry than the one the pack was loaded with (loading checks that
    every function it calls exists)."""
    def reason(name: str) -> str | None:
        clash = registry.unavailable("function", name)
        if clash or open_ or name in registry.functions:
            return clash
        return registry.lacking("function", name)
    return reason


def _check_placement(owner, columns: Mapping[str, str], functions, table: str,
                     unavailable=None, open_: bool = False) -> list[Problem]:
    problems = []
    row_scope = Scope(columns, functions, variables={}, table=table, unavailable=unavailable, open=open_)
    for expr in (owner.date, owner.start, owner.end):
        if expr is None:
            continue
        try:
            t = check(expr.node, row_scope)
            if t not in ("date", *WILDCARDS):
                raise ExpressionError(f"expected a date to place rows in periods, but this gives {t}",
                                      expr.node.start, expr.node.end,
                                      f"declare the column as date under [tables.{table}.columns]"
                                      if t == "str" else None)
        except ExpressionError as exc:
            problems.append(expr.problem(exc))
    return problems


def _column_type(columns: Mapping[str, str], name: str, open_: bool) -> str | None:
    """A column's type; unknown (until data arrives) for an undeclared name when open."""
    if name in columns:
        return columns[name]
    return UNKNOWN if open_ else None


def _lookup_types(measure: Measure, types: Mapping[str, Mapping[str, str]], functions, open_: bool,
                  unavailable_reason=None) -> tuple[dict[str, str], list[Problem]]:
    """The type of each lookup of a measure, and the problems of their definitions."""
    problems: list[Problem] = []
    out: dict[str, str] = {}
    own = types[measure.table]
    for lookup in measure.lookups:
        fail = lookup.location.problem
        if lookup.name in own:
            problems.append(fail(f"lookup {lookup.name!r} has the name of a column of {measure.table!r}"))
        other = types.get(lookup.table)
        if other is None:  # a table the data lacks: reported as such
            out[lookup.name] = lookup.result_type(None) if lookup.aggregate in ("count", "count_distinct", "mean") \
                else "null"
            continue
        problems.extend(_check_placement(lookup, other, functions, lookup.table, unavailable_reason, open_))
        key_types = []
        for column, table, columns in ((lookup.key, lookup.table, other), (lookup.on, measure.table, own)):
            key_type = _column_type(columns, column, open_)
            if key_type is None:
                hint = suggest(column, columns)
                problems.append(fail(f"the key column {column!r} is not a column of {table!r}"
                                     + (f"; {hint}" if hint else "")))
            key_types.append(key_type)
        a, b = key_types
        if a is not None and b is not None:
            if not (a == b or {a, b} & set(WILDCARDS) or {a, b} <= {"int", "float"}):
                problems.append(fail(f"the keys do not match: {lookup.table}.{lookup.key} is {a} but "
                                     f"{measure.table}.{lookup.on} is {b}"))
        column_type = None
        if lookup.column is not None:
            column_type = _column_type(other, lookup.column, open_)
            if column_type is None:
                hint = suggest(lookup.column, other)
                problems.append(fail(f"{lookup.aggregate}({lookup.column}) names no column of "
                                     f"{lookup.table!r}" + (f"; {hint}" if hint else "")))
            elif lookup.aggregate in ("sum", "mean") and column_type not in ("int", "float", *WILDCARDS):
                problems.append(fail(f"{lookup.aggregate}() needs a numeric column; "
                                     f"{lookup.column} is {column_type}"))
            elif lookup.aggregate in ("min", "max") and column_type not in ("int", "float", "date", *WILDCARDS):
                problems.append(fail(f"{lookup.aggregate}() needs a number or date column; "
                                     f"{lookup.column} is {column_type}"))
        if lookup.where is not None:
            try:
                check_filter(lookup.where.node, Scope(other, functions, table=lookup.table,
                                                      unavailable=unavailable_reason, open=open_))
            except ExpressionError as exc:
                problems.append(lookup.where.problem(exc))
        out[lookup.name] = lookup.result_type(column_type)
    return out, problems


def check_pack(pack: Pack, column_types: Mapping[str, Mapping[str, str]], registry: Registry, *,
               open_: bool = False) -> list[Problem]:
    """Problems of the pack's expressions against the given tables' column types.

    With ``open_`` (when the pack loads) every table the pack reads is checked, and names
    no declaration accounts for are data columns of unknown type, checked again when the
    data arrives. Without it, measures over tables missing from ``column_types`` are
    skipped (the data lacks them, which is reported as such).
    """
    functions = registry.functions
    if open_:
        column_types = {name: column_types.get(name, {}) for name in {*pack.tables_used(), *column_types}}
    types, problems = with_derived(pack, column_types, registry, open_)
    reason = unavailable(registry, open_)
    for indicator in pack.indicators.values():
        for measure in indicator.measures():
            if measure.table not in types:
                continue
            columns = types[measure.table]
            lookup_types, lookup_problems = _lookup_types(measure, types, functions, open_, reason)
            problems.extend(lookup_problems)
            problems.extend(_check_placement(measure, columns, functions, measure.table, reason, open_))
            scope = Scope({**columns, **lookup_types}, functions, table=measure.table,
                          unavailable=reason, open=open_)
            for expr in measure.filters():
                try:
                    check_filter(expr.node, scope)
                except ExpressionError as exc:
                    problems.append(expr.problem(exc))
            if measure.distinct and _column_type(columns, measure.distinct, open_) is None:
                hint = suggest(measure.distinct, columns)
                problems.append(measure.location.problem(
                    f"distinct names {measure.distinct!r}, which is not a column of table "
                    f"{measure.table!r}" + (f"; {hint}" if hint else "")))
            if indicator.each is not None and measure is indicator.numerator \
                    and _column_type(columns, indicator.each, open_) is None:
                hint = suggest(indicator.each, columns)
                problems.append(indicator.location.problem(
                    f"each names {indicator.each!r}, which is not a column of table {measure.table!r}"
                    + (f"; {hint}" if hint else "")))
            if indicator.of is not None and measure is indicator.numerator:
                try:
                    t = check(indicator.of.node, scope)
                    if t not in ("int", "float", *WILDCARDS):
                        raise ExpressionError(f"{indicator.kind} needs a number, but this gives {t}",
                                              indicator.of.node.start, indicator.of.node.end)
                except ExpressionError as exc:
                    problems.append(indicator.of.problem(exc))
    return _dedupe(problems)


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        key = (p.file, p.line, p.path, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def columns_needed(pack: Pack, only: Indicator | None = None) -> dict[str, set[str]]:
    """Column names each table must provide, from every expression of the pack (or of
    ``only`` that indicator, with the pack's derived columns).

    Derived columns and lookups are not data columns: the columns they read are needed
    instead.
    """
    from ._expressions import PERIOD_VARIABLES

    needed: dict[str, set[str]] = {}

    def need(table: str, exprs, extra=()) -> None:
        names = needed.setdefault(table, set())
        for expr in exprs:
            names |= names_used(expr.node)
        names.update(extra)

    for indicator in pack.indicators.values() if only is None else (only,):
        for measure in indicator.measures():
            need(measure.table, measure.expressions(), [measure.distinct] if measure.distinct else [])
            for lookup in measure.lookups:
                need(lookup.table, lookup.expressions(), [lookup.key] + ([lookup.column] if lookup.column else []))
                need(measure.table, (), [lookup.on])
            needed[measure.table] -= measure.lookup_names()
        if indicator.of is not None:
            need(indicator.numerator.table, [indicator.of])
            needed[indicator.numerator.table] -= indicator.numerator.lookup_names()
        if indicator.each is not None:
            need(indicator.numerator.table, (), [indicator.each])
    for table, spec in pack.tables.items():
        if spec.derive and table in needed:
            derived = dict(spec.derive)
            # the whole pack needs what every derived column reads; one indicator, what the
            # derived columns it uses read, directly or through one another
            pending = list(derived) if only is None else [name for name in needed[table] if name in derived]
            seen = set(pending)
            while pending:
                used = names_used(derived[pending.pop()].node)
                needed[table] |= used
                for name in used & derived.keys() - seen:
                    seen.add(name)
                    pending.append(name)
            needed[table] -= derived.keys()
    return {t: names - set(PERIOD_VARIABLES) for t, names in needed.items()}
