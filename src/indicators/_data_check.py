"""The data checked against a pack before a run: the tables it reads loaded, every table,
declared column and expression checked (with located messages), the indicators the data
cannot answer left out where the pack says to skip them, and the run's months read."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

import attrs
import numpy as np

from ._calendars import Calendar
from ._checker import suggest
from ._dates import parse_period
from ._errors import DataError, PackError, Problem
from ._expressions import PERIOD_VARIABLES, names_used
from ._functions import DEFAULT_TIME_LIMIT
from ._inputs import pack_for_input
from ._memory import DEFAULT_MEMORY_BUDGET
from ._pack import Pack, check_pack, columns_needed
from ._plugins import default_registry
from ._registry import Registry
from ._run import Run
from ._tables import Table, table_from_mapping
from ._text import as_text
from ._windows import Periods


def _resolve_tables(pack: Pack, tables: Any, strict: bool, loader: str, registry: Registry
                    ) -> tuple[dict[str, Table], list[str]]:
    """The tables the pack reads, and the names of every table the data offers."""
    schemas = pack.schemas()
    needed = pack.tables_used()
    if isinstance(tables, (str, os.PathLike)):
        read = registry.loader(loader)
        loaded = read(Path(tables), schemas, strict=strict, only=needed)
        if loader == "csv":
            offered = sorted({*loaded, *(p.stem for p in Path(tables).glob("*.csv"))})
        elif not loaded and needed:  # none of the pack's tables: say what the input does hold
            offered = sorted(read(Path(tables), {}, strict=False, only=None))
        else:
            offered = sorted(loaded)
        return {name: table_from_mapping(name, table, schemas.get(name), strict=strict)
                for name, table in loaded.items() if name in needed}, offered
    if not isinstance(tables, Mapping):
        raise DataError([Problem(f"expected a mapping of table name to table, or a folder of CSV "
                                 f"files, got {type(tables).__name__}")])
    out = {}
    problems = []
    for name, data in tables.items():
        if name not in needed:
            continue
        try:
            out[name] = table_from_mapping(name, data, schemas.get(name), strict=strict)
        except DataError as exc:
            problems.extend(exc.problems)
    if problems:
        raise DataError(problems)
    return out, sorted(map(str, tables))


def _check_data(pack: Pack, tables: dict[str, Table], offered: list[str] | None, registry: Registry) -> None:
    """Check the pack against the data before anything is computed: every table it reads
    is there, every declared column it needs is there, and every expression checks with
    the types the data gives (the names no declaration accounts for, with the same
    located messages as when the pack loads)."""
    problems = []
    for name in sorted(pack.tables_used()):
        if name not in tables:
            users = [i for i in pack.indicators.values()
                     if any(name in (m.table, *(lookup.table for lookup in m.lookups)) for m in i.measures())]
            ids = [i.id for i in users]
            offered = sorted(tables) if offered is None else offered
            hint = suggest(name, offered)
            problems.append(users[0].location.problem(
                f"no table {name!r} in the data (needed by {', '.join(ids[:5])}"
                f"{' and others' if len(ids) > 5 else ''})" + (f"; {hint}" if hint else ""),
                f"tables given: {', '.join(offered) or 'none'}"))
    needed = columns_needed(pack)
    types: dict[str, dict[str, str]] = {}
    for name, table in tables.items():
        declared = pack.tables[name].columns if name in pack.tables else {}
        for column in sorted((needed.get(name, set()) & set(declared)) - set(table.columns)):
            problems.append(Problem(
                f"table {name!r} has no column {column!r}, which the pack declares",
                file=table.source, path=name, detail=f"columns present: {', '.join(sorted(table.columns))}"))
        # a declared column the data lacks is reported above, not again as an unknown name
        types[name] = {**declared, **table.column_types()}
    type_problems = check_pack(pack, types, registry)
    if problems:
        raise DataError(problems + type_problems)
    if type_problems:
        raise PackError(type_problems + _text_that_looks_like_dates(pack, tables))


def _text_that_looks_like_dates(pack: Pack, tables: dict[str, Table]) -> list[Problem]:
    """For undeclared text columns that are mostly dates: which cells would not read, and
    the declaration that would make the column a date."""
    from ._dates import parse_date_text

    problems = []
    for name, columns in columns_needed(pack).items():
        table = tables.get(name)
        if table is None:
            continue
        for column_name in sorted(columns):
            column = table.columns.get(column_name)
            if column is None or column.type != "str" or column.declared or column.categories is None:
                continue
            _, readable = parse_date_text(as_text(column.categories))
            if not readable.any():
                continue
            bad_codes = np.flatnonzero(~readable)
            rows = np.flatnonzero(np.isin(column.data, bad_codes))
            shown = ", ".join(f"{table.row_label(int(r))} {column.categories[column.data[r]]!r}" for r in rows[:5])
            problems.append(Problem(
                f"column {column_name!r} was read as text because {rows.size} cell(s) are not dates: {shown}",
                file=table.source, path=f"{name}.{column_name}",
                detail=f"declare it so that those cells count as unreadable instead:\n"
                       f"    [tables.{name}.columns]\n    {column_name} = \"date\""))
    return problems


def parse_run(start: str, end: str) -> tuple[int, int]:
    """Month codes of a run's first and last periods."""
    try:
        first, last = parse_period(start), parse_period(end)
    except ValueError as exc:
        raise DataError([Problem(str(exc))]) from None
    if last < first:
        raise DataError([Problem(f"the run ends ({end}) before it starts ({start})")])
    return first, last


def skip_missing(pack: Pack, tables: dict[str, Table], offered: list[str] | None = None
                 ) -> tuple[Pack, dict[str, str]]:
    """Under ``missing_tables = "skip"`` (``missing_columns = "skip"``), the pack without the
    indicators that read a table (a column of a table) the data lacks, and why each was
    left out (indicator id to reason). Data that leaves no indicator to evaluate is an
    error: most likely the wrong folder or loader."""
    if pack.missing_tables != "skip" and pack.missing_columns != "skip":
        return pack, {}
    skipped = {}
    for indicator in pack.indicators.values():
        read = {name for m in indicator.measures() for name in (m.table, *(lookup.table for lookup in m.lookups))}
        absent = sorted(read - set(tables))
        if absent and pack.missing_tables == "skip":
            skipped[indicator.id] = f"no table {', '.join(repr(a) for a in absent)} in the data"
        elif not absent and pack.missing_columns == "skip":
            lacking = [f"{table}.{column}"
                       for table, columns in sorted(columns_needed(pack, only=indicator).items())
                       for column in sorted(columns - set(tables[table].columns))]
            if lacking:
                skipped[indicator.id] = f"no column {', '.join(lacking)} in the data"
    if pack.missing_columns == "skip":
        pack = _without_unavailable_derived(pack, tables)
    if not skipped:
        return pack, {}
    kept = {ident: indicator for ident, indicator in pack.indicators.items() if ident not in skipped}
    if not kept:
        offered = sorted(tables) if offered is None else offered
        lacks = ("none of the tables" if all(reason.startswith("no table") for reason in skipped.values())
                 else "not the tables or columns that any indicator of")
        raise DataError([Problem(
            f"the data holds {lacks} pack {pack.name!r} reads, so every indicator would be "
            "skipped; is the folder (or --loader) right?",
            detail=f"the pack reads: {', '.join(sorted(pack.tables_used()))}\n"
                   f"the data offers: {', '.join(offered) or 'no tables'}\n"
                   f"first reason: {next(iter(skipped.values()))}")])
    return attrs.evolve(pack, indicators=kept), skipped


def _without_unavailable_derived(pack: Pack, tables: dict[str, Table]) -> Pack:
    """The pack without the derived columns that read, directly or through one another, a
    column the data lacks (the indicators using them are skipped already)."""
    pruned = {}
    for name, spec in pack.tables.items():
        if not spec.derive or name not in tables:
            continue
        available = set(tables[name].columns) | set(PERIOD_VARIABLES)
        kept = []
        for derived, expr in spec.derive:  # in the order they can be computed
            if names_used(expr.node) <= available:
                available.add(derived)
                kept.append((derived, expr))
        if len(kept) < len(spec.derive):
            pruned[name] = attrs.evolve(spec, derive=tuple(kept))
    return attrs.evolve(pack, tables={**pack.tables, **pruned}) if pruned else pack


def _calendar(pack: Pack, registry: Registry) -> Calendar:
    """The pack's calendar with its extra closure days, from ``registry``; one clear message
    when that registry lacks it (the pack was loaded with another)."""
    if pack.calendar not in registry.calendars:
        reason = registry.unavailable("calendar", pack.calendar) or registry.lacking("calendar", pack.calendar)
        raise PackError([Problem(f"pack {pack.name!r}: {reason}", file=pack.files[0] if len(pack.files) == 1 else None,
                                 path="pack.calendar")])
    return registry.calendar(pack.calendar, pack.extra_holidays)


def start_run(pack: Pack, tables: Any, first: int, last: int, strict: bool | None, loader: str = "csv",
              function_time_limit: float | None = DEFAULT_TIME_LIMIT,
              memory_budget: int | None = DEFAULT_MEMORY_BUDGET, skip: bool = False, *,
              registry: Registry) -> Run:
    """Tables loaded and checked, and the run's periods, ready to evaluate. With ``skip``,
    the run's pack is the pack as the ``loader``'s input answers it (:func:`pack_for_input`,
    also ``run.pack_as_run``) without what :func:`skip_missing` leaves out, and
    ``run.skipped`` says why each indicator left out is, in the pack's order. The run's
    functions, calendar, loader and the input's definitions come from ``registry``."""
    strict = pack.strict if strict is None else strict
    order = list(pack.indicators)
    unsupported: dict[str, str] = {}
    if skip:
        pack, unsupported = pack_for_input(pack, loader, registry=registry)
    as_run = pack
    loaded, offered = _resolve_tables(pack, tables, strict, loader, registry)
    skipped: dict[str, str] = {}
    if skip:
        pack, skipped = skip_missing(pack, loaded, offered)
        skipped = {**unsupported, **skipped}
        skipped = {ident: skipped[ident] for ident in order if ident in skipped}
    _check_data(pack, loaded, offered, registry)
    # One month more than asked for, so that the first period has a direction of travel.
    run = Run(pack, loaded, Periods(first - 1, last, pack.financial_year_start), _calendar(pack, registry),
              registry.functions, function_time_limit, memory_budget)
    run.skipped = skipped
    run.pack_as_run = as_run
    return run


def check_data(pack: Pack, tables: Any, *, loader: str = "csv", strict: bool | None = None,
               registry: Registry | None = None) -> tuple[dict[str, Table], dict[str, str]]:
    """Check ``pack`` against ``tables`` as :func:`indicators.evaluate` does before it
    computes anything, and compute nothing: the pack as ``loader``'s input answers it
    (:func:`indicators.pack_for_input`), every table and declared column it reads present
    (under ``missing_tables``/``missing_columns = "skip"``, the indicators that lack one left
    out), every expression checked with the types the data gives.

    Returns the tables read (name to :class:`indicators.Table`; each column counts the
    values it could not read and those not in its code list) and the indicators that would
    be skipped, with why (those the input cannot answer first). Raises
    :class:`indicators.DataError` or :class:`indicators.PackError` listing every problem.
    ``tables``, ``strict`` and ``registry`` are as for :func:`indicators.evaluate`.
    """
    registry = registry or default_registry()
    adapted, unsupported = pack_for_input(pack, loader, registry=registry)
    loaded, offered = _resolve_tables(adapted, tables, pack.strict if strict is None else strict, loader, registry)
    checked, skipped = skip_missing(adapted, loaded, offered)
    _check_data(checked, loaded, offered, registry)
    return loaded, {**unsupported, **skipped}
