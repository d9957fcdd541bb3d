"""Evaluation: a checked pack over tables, for every indicator and period at once.

Per table, each placement of rows in periods and each filter is computed once and
shared by every indicator that asks for it (keyed by the canonical text of its
expressions). Filters that do not mention period variables are evaluated once per row
and counted into periods through difference arrays; filters that do are evaluated on
the (row, period) pairs of the window, still in one vectorised pass.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ._dates import NAT, format_period, parse_period
from ._errors import DataError, PackError, Problem
from ._evaluator import Context, evaluate as evaluate_node
from ._expressions import to_text
from ._judgement import judge
from ._pack import (
    AGGREGATE_KINDS,
    Constant,
    Expr,
    Indicator,
    Measure,
    Pack,
    PopulationRef,
    check_pack,
    columns_needed,
)
from ._results import Results
from ._tables import Column, Table, table_from_mapping
from ._vectors import Vec
from ._windows import Periods, distinct_range_counts, expand, range_counts


def _column_vec(column: Column) -> Vec:
    if column.type == "null":
        return Vec("null", column.data, column.missing_mask())
    return Vec(column.type, column.data, column.missing, column.categories)


class TableEvaluation:
    """One table during one run, with the work shared between indicators."""

    def __init__(self, table: Table, periods: Periods, pack: Pack, calendar) -> None:
        self.table = table
        self.periods = periods
        self.pack = pack
        self.calendar = calendar
        self._vecs: dict[str, Vec] = {}
        self._row_values: dict[str, Vec] = {}
        self._placements: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}

    def vec(self, name: str) -> Vec:
        if name not in self._vecs:
            self._vecs[name] = _column_vec(self.table[name])
        return self._vecs[name]

    def row_value(self, expr: Expr) -> Vec:
        """An expression without period variables, for every row (shared by text)."""
        key = to_text(expr.node)
        if key not in self._row_values:
            ctx = Context(self.table.n_rows, self.vec, self.pack.registry.functions, self.calendar)
            self._row_values[key] = evaluate_node(expr.node, ctx)
        return self._row_values[key]

    def row_filter(self, expr: Expr) -> np.ndarray:
        return self.row_value(expr).is_true()

    def _days(self, expr: Expr | None) -> np.ndarray | None:
        if expr is None:
            return None
        value = self.row_value(expr)
        if value.type == "null":
            return np.full(self.table.n_rows, NAT, dtype=np.int64)
        if value.missing is None:
            return value.data
        return np.where(value.missing, NAT, value.data)

    def placement(self, measure: Measure) -> tuple[np.ndarray, np.ndarray]:
        """The period range ``[lo, hi)`` of every row for the measure's window."""
        window = measure.window
        texts = tuple(to_text(e.node) if e is not None else None
                      for e in (measure.date, measure.start, measure.end))
        key = (window.text, measure.since, texts)
        if key not in self._placements:
            if window.is_snapshot:
                placed = self.periods.place_episodes(self._days(measure.start), self._days(measure.end))
            else:
                placed = self.periods.place_events(self._days(measure.date), window.kind,
                                                   window.months, measure.since)
            self._placements[key] = placed
        return self._placements[key]

    def pair_context(self, measure: Measure, rows: np.ndarray, periods: np.ndarray) -> Context:
        """Evaluation context over (row, period) pairs, with the period variables."""
        window = measure.window
        starts, ends = self.periods.window_bounds(window.kind, window.months, measure.since)
        variables = {
            "period_start": Vec("date", self.periods.starts[periods]),
            "period_end": Vec("date", self.periods.ends[periods]),
            "window_start": Vec("date", starts[periods]),
            "window_end": Vec("date", ends[periods]),
        }
        return Context(rows.size, lambda name: self.vec(name).take(rows),
                       self.pack.registry.functions, self.calendar, variables)

    def _selected(self, measure: Measure, extra: Expr | None = None):
        """Rows in some window passing the period-free filters, and the period filters left."""
        lo, hi = self.placement(measure)
        keep = lo < hi
        pending = []
        for expr in measure.filters() + ((extra,) if extra is not None else ()):
            if expr.uses_period:
                pending.append(expr)
            else:
                keep &= self.row_filter(expr)
        return lo, hi, keep, pending

    def _keys(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Integer keys of a column and where they are present."""
        vec = self.vec(name)
        present = ~vec.mask() if vec.type != "null" else np.zeros(len(vec), bool)
        if vec.type == "float":
            _, codes = np.unique(np.where(present, vec.data, 0.0), return_inverse=True)
            return codes.astype(np.int64), present
        return vec.data.astype(np.int64, copy=False), present

    def count(self, measure: Measure) -> np.ndarray:
        """Rows (or distinct values) of the measure in each period's window."""
        n_periods = self.periods.count
        lo, hi, keep, pending = self._selected(measure)
        if measure.distinct:
            keys, present = self._keys(measure.distinct)
            keep &= present
        if not pending:
            if measure.distinct:
                return distinct_range_counts(keys[keep], lo[keep], hi[keep], n_periods)
            return range_counts(lo[keep], hi[keep], n_periods)
        rows, periods = expand(np.flatnonzero(keep), lo, hi)
        ctx = self.pair_context(measure, rows, periods)
        mask = np.ones(rows.size, dtype=bool)
        for expr in pending:
            mask &= evaluate_node(expr.node, ctx).is_true()
        if measure.distinct:
            pairs = np.unique(np.stack([periods[mask], keys[rows[mask]]]), axis=1)
            return np.bincount(pairs[0], minlength=n_periods).astype(np.int64)
        return np.bincount(periods[mask], minlength=n_periods).astype(np.int64)

    def aggregate(self, measure: Measure, of: Expr, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """Rows aggregated and the aggregate of ``of`` in each period (NaN where none)."""
        n_periods = self.periods.count
        lo, hi, keep, pending = self._selected(measure)
        rows, periods = expand(np.flatnonzero(keep), lo, hi)
        ctx = self.pair_context(measure, rows, periods)
        mask = np.ones(rows.size, dtype=bool)
        for expr in pending:
            mask &= evaluate_node(expr.node, ctx).is_true()
        values = evaluate_node(of.node, ctx)
        if values.type != "null":
            mask &= ~values.mask()
        else:
            mask[:] = False
        p = periods[mask]
        v = values.data[mask].astype(np.float64) if values.type != "null" else np.zeros(0)
        counts = np.bincount(p, minlength=n_periods).astype(np.int64)
        out = np.full(n_periods, np.nan)
        has = counts > 0
        if kind in ("sum", "mean"):
            sums = np.bincount(p, weights=v, minlength=n_periods)
            out[has] = sums[has] if kind == "sum" else sums[has] / counts[has]
            return counts, out
        order = np.lexsort((v, p))
        v_sorted = v[order]
        ends = np.cumsum(counts)
        starts = ends - counts
        if kind == "min":
            out[has] = v_sorted[starts[has]]
        elif kind == "max":
            out[has] = v_sorted[ends[has] - 1]
        else:  # median: mean of the middle two when the count is even
            low = starts + (counts - 1) // 2
            high = starts + counts // 2
            out[has] = (v_sorted[low[has]] + v_sorted[high[has]]) / 2
        return counts, out


def _resolve_tables(pack: Pack, tables: Any, strict: bool) -> dict[str, Table]:
    schemas = pack.schemas()
    needed = pack.tables_used()
    if isinstance(tables, (str, os.PathLike)):
        loader = pack.registry.loaders["csv"]
        return loader(Path(tables), schemas, strict=strict, only=needed)
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
    return out


def _check_data(pack: Pack, tables: dict[str, Table]) -> None:
    problems = []
    for name in sorted(pack.tables_used()):
        if name not in tables:
            users = sorted(i.id for i in pack.indicators.values()
                           if any(m.table == name for m in i.measures()))
            problems.append(Problem(
                f"no table {name!r} in the data (needed by {', '.join(users[:5])}"
                f"{' and others' if len(users) > 5 else ''})",
                detail=f"tables given: {', '.join(sorted(tables)) or 'none'}"))
    for name, columns in columns_needed(pack).items():
        table = tables.get(name)
        if table is None:
            continue
        for column in sorted(columns - set(table.columns)):
            if name in pack.tables and column not in pack.tables[name].columns:
                continue  # reported by the expression check as an unknown name
            problems.append(Problem(
                f"table {name!r} has no column {column!r}",
                file=table.source, detail=f"columns present: {', '.join(sorted(table.columns))}"))
    if problems:
        raise DataError(problems)
    type_problems = check_pack(pack, {name: t.column_types() for name, t in tables.items()})
    if type_problems:
        raise PackError(type_problems)


def _population(pack: Pack, name: str, periods: Periods) -> np.ndarray:
    """A reference population for each period, by the calendar year of its last day."""
    entries = pack.populations[name]
    years = periods.codes // 12
    out = np.full(periods.count, np.nan)
    for year, value in entries:
        if year is None:
            out[:] = value
        else:
            out[years >= year] = value  # entries are sorted: later years overwrite
    return out


def evaluate(pack: Pack, tables: Any, start: str, end: str, *, strict: bool | None = None,
             suppress_below: int | None = None) -> Results:
    """Evaluate every indicator of ``pack`` for every period from ``start`` to ``end``.

    ``tables`` maps table names to tables (mappings of column to array-like, or data
    frames), or is the path of a folder of CSV files. Periods are ``YYYY-MM``.
    """
    try:
        first, last = parse_period(start), parse_period(end)
    except ValueError as exc:
        raise DataError([Problem(str(exc))]) from None
    if last < first:
        raise DataError([Problem(f"the run ends ({end}) before it starts ({start})")])
    strict = pack.strict if strict is None else strict
    if suppress_below is None:
        suppress_below = pack.suppress_below
    loaded = _resolve_tables(pack, tables, strict)
    _check_data(pack, loaded)
    calendar = pack.registry.calendar(pack.calendar, pack.extra_holidays)
    # One month more than asked for, so that the first period has a direction of travel.
    periods = Periods(first - 1, last, pack.financial_year_start)
    evaluations = {name: TableEvaluation(table, periods, pack, calendar) for name, table in loaded.items()}
    records = []
    for indicator in pack.indicators.values():
        figures = _figures(indicator, pack, evaluations, periods)
        records.extend(judge(indicator, periods, figures, suppress_below,
                             _notes(indicator, loaded)))
    return Results(records, pack, format_period(first), format_period(last))


def _figures(indicator: Indicator, pack: Pack, evaluations: dict[str, TableEvaluation],
             periods: Periods) -> dict[str, np.ndarray]:
    """Numerator, denominator and value of one indicator for every period."""
    numerator_eval = evaluations[indicator.numerator.table]
    denominator = np.full(periods.count, np.nan)
    counted_denominator = False
    if indicator.kind in AGGREGATE_KINDS:
        numerator, value = numerator_eval.aggregate(indicator.numerator, indicator.of, indicator.kind)
    else:
        numerator = numerator_eval.count(indicator.numerator)
        value = numerator.astype(np.float64)
        den = indicator.denominator
        if isinstance(den, Measure):
            denominator = evaluations[den.table].count(den)
            counted_denominator = True
        elif isinstance(den, Constant):
            denominator = np.full(periods.count, den.value)
        elif isinstance(den, PopulationRef):
            denominator = _population(pack, den.name, periods)
        if indicator.kind != "count":
            scale = {"percentage": 100.0, "rate": indicator.per, "ratio": 1.0}[indicator.kind]
            den_float = np.asarray(denominator, dtype=np.float64)
            usable = np.isfinite(den_float) & (den_float != 0)
            value = np.full(periods.count, np.nan)
            value[usable] = scale * numerator[usable] / den_float[usable]
    starts, ends = periods.window_bounds(indicator.base.window.kind, indicator.base.window.months,
                                         indicator.base.since)
    return {"numerator": numerator, "denominator": denominator, "value": value,
            "counted_denominator": counted_denominator, "window_start": starts, "window_end": ends}


def _notes(indicator: Indicator, tables: dict[str, Table]) -> dict[str, int]:
    """Counts of unreadable cells in the columns the indicator reads."""
    from ._expressions import names_used

    notes: dict[str, int] = {}
    for measure in indicator.measures():
        table = tables[measure.table]
        names = set()
        for expr in measure.expressions():
            names |= names_used(expr.node)
        if measure.distinct:
            names.add(measure.distinct)
        for name in sorted(names):
            column = table.columns.get(name)
            if column is not None and column.unreadable:
                notes[f"unreadable {measure.table}.{name}"] = column.unreadable
    return notes
