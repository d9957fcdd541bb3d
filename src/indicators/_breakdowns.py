"""Breakdowns (SPEC section 11): every indicator's figures per value of some columns of
its base measure's table, beside the all-rows total.

Groups are folded into the period axis: a run of P months over G groups is counted as
G x P "periods", row r of group g being placed in ``g * P + lo .. g * P + hi``. So every
count, histogram, distinct count and aggregate of the engine gives each group's figures
in the same vectorised pass that it makes for one series, with no loop over groups or
rows. What does not depend on the group is shared with the total: column and filter
values per row, and the (row, period) pairs with the values evaluated on them (only
their period numbers are relabelled). Lookups read their other table whole: a group
selects the measure's rows, not the rows a lookup aggregates.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import attrs
import numpy as np

from ._arrays import unique
from ._dates import to_iso
from ._errors import DataError, PluginError, Problem, ResourceError
from ._figures import empty_figures, indicator_figures
from ._judgement import judge
from ._memory import BYTES_PER_RESULT
from ._notes import Counted, accounting, duplicate_notes, indicator_notes
from ._pack import AGGREGATE_KINDS, Indicator, Lookup, Measure
from ._pairs import PairFrame
from ._results import Result
from ._run import Run
from ._table_evaluation import Accounting, Selection, TableEvaluation
from ._vectors import Vec
from ._windows import Periods, period_dtype
from ._work import Key, MonthBuckets, Placement, Shared, pass_placement, placement_key


class GroupedPeriods:
    """The months of a run repeated once per group: what a grouped evaluation counts into."""

    def __init__(self, periods: Periods, n_groups: int) -> None:
        self.base = periods
        self.n_groups = n_groups
        self.count = periods.count * n_groups
        self.first = periods.first
        self.financial_year_start = periods.financial_year_start
        self.codes = np.tile(periods.codes, n_groups)
        self.starts = np.tile(periods.starts, n_groups)
        self.ends = np.tile(periods.ends, n_groups)

    def financial_year_first_month(self, codes: np.ndarray) -> np.ndarray:
        return self.base.financial_year_first_month(codes)

    def window_bounds(self, kind: str, months: int = 1, since: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        starts, ends = self.base.window_bounds(kind, months, since)
        return np.tile(starts, self.n_groups), np.tile(ends, self.n_groups)


class GroupedFrame(PairFrame):
    """The (row, period) pairs of a selection in the total, with each pair's period moved
    to its row's group; expression values are the total's (they do not read the group)."""

    def __init__(self, total: PairFrame, codes: np.ndarray, periods: GroupedPeriods, dtype: type) -> None:
        self.total = total
        self.rows = total.rows
        self.n_periods = periods.count
        n_periods = periods.base.count
        self.periods = (codes[total.rows].astype(dtype) * dtype(n_periods) + total.periods).astype(dtype, copy=False)

    def value(self, expr) -> Vec:
        return self.total.value(expr)


class GroupedTableEvaluation(TableEvaluation):
    """A table during a run, counted per (group, period): shares with the total's
    evaluation every value that does not depend on the group."""

    def __init__(self, total: TableEvaluation, codes: np.ndarray, periods: GroupedPeriods) -> None:
        self.total = total
        self.codes = codes
        self.n_groups = periods.n_groups
        self.table = total.table
        self.run = total.run
        self.periods = periods
        self.pack = total.pack
        self.calendar = total.calendar
        self.derived = total.derived
        self.row_work = total.row_work  # values of rows, and what they are computed from, are the total's
        self.work = Shared()  # counts and placements are per group
        self._dtype = period_dtype(periods.count)

    def placement(self, source: Measure | Lookup) -> tuple[np.ndarray, np.ndarray]:
        return self.shared(Placement(placement_key(source)),
                           lambda: self._in_groups(*self.total.placement(source), self.codes))

    def placement_at(self, source: Measure | Lookup, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self._in_groups(*self.total.placement_at(source, rows), self.codes[rows])

    def _in_groups(self, lo: np.ndarray, hi: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Period ranges of the total moved to the periods of each row's group."""
        offset = codes.astype(self._dtype) * self._dtype(self.total.periods.count)
        return lo.astype(self._dtype) + offset, hi.astype(self._dtype) + offset

    def month_buckets(self, source: Measure | Lookup) -> np.ndarray:
        def place() -> np.ndarray:
            buckets = self.total.month_buckets(source)
            n_months = self.run.periods.n_months
            dtype = period_dtype(n_months * self.n_groups)
            return buckets.astype(dtype) + self.codes.astype(dtype) * dtype(n_months)

        return self.shared(MonthBuckets(pass_placement(source)), place)

    def pass_buckets(self, source: Measure) -> tuple[np.ndarray, None]:
        return self.month_buckets(source), None

    def frame(self, measure: Measure, selection: Selection) -> PairFrame:
        def pairs() -> GroupedFrame:
            lo, hi = self.total.placement(measure)
            total = self.total.frame(measure, attrs.evolve(selection, lo=lo, hi=hi))
            return GroupedFrame(total, self.codes, self.periods, self._dtype)

        return self.shared(selection.pairs, pairs)

    def cells(self, measure: Measure, selection: Selection, exprs=(), each: str | None = None) -> None:
        """None: a group judges the total's (row, period) pairs, each moved to its row's
        group (:meth:`frame`), rather than cells of its own."""
        return None

    def masks(self, measure: Measure, selection: Selection, exprs=()) -> None:
        """None, as :meth:`cells`."""
        return None

    def shared(self, key: Key, compute: Callable[[], Any]) -> Any:
        """As the total's; and where the total's value is the sum of the groups' (rows
        counted, by reason or not), the groups' value gives the total its own."""
        value = super().shared(key, compute)
        if key.sums_over_groups:
            self.total.work.offer(key, _fold(value, self.n_groups))
        return value

    def rows_counted(self, rows: np.ndarray) -> np.ndarray:
        """Each group's count of the rows of a mask (or at row positions), for every one
        of its periods."""
        per_group = np.bincount(self.codes[rows], minlength=self.n_groups)
        return np.repeat(per_group, self.total.periods.count)

    def repeated_rows(self) -> np.ndarray:
        """The total's (equal rows share every column, so their group too)."""
        return self.total.repeated_rows()


def _fold(value, n_groups: int):
    """Per (group, period) counts, in accountings and dicts, summed over the groups."""
    if isinstance(value, Accounting):
        return value.map(lambda counts: _fold(counts, n_groups))
    if isinstance(value, dict):
        return {k: _fold(v, n_groups) for k, v in value.items()}
    return value.reshape(n_groups, -1).sum(axis=0)


class Breakdown:
    """The groups of a run's breakdown by some columns, and each table's group codes."""

    def __init__(self, run: Run, by: Sequence[str]) -> None:
        self.run = run
        self.by = tuple(by)
        tables = _tables_broken_down(run, self.by)
        self.groups, codes = _group_codes(run, self.by, tables)
        _within_budget(run, self.by, len(self.groups))
        grouped = GroupedPeriods(run.periods, len(self.groups))
        self.periods = grouped  # what the engine's counts of a run read: run.periods and run.tables
        self.tables = {name: GroupedTableEvaluation(run.tables[name], codes[name], grouped) for name in tables}

    def count(self, indicator: Indicator) -> Counted | None:
        """The indicator's figures, notes (without the duplicate-row notes worked out beside
        the run, :meth:`records` adds them) and row accounting for every group and period;
        None when the tables have no rows."""
        if not self.groups:  # tables without rows
            return None
        try:
            figures = indicator_figures(indicator, self.run.pack, self.tables, self.periods)
            notes = duplicate_notes(indicator, self, indicator_notes(indicator, self, duplicates=False), beside=False)
            rows = accounting(indicator, self)
        except (PluginError, ResourceError) as exc:
            failure = "; ".join(str(p) for p in exc.problems)
            return Counted(empty_figures(indicator, self.periods), None, None, failure)
        return Counted(figures, notes, rows)

    def duplicates_beside(self, table: str) -> bool:
        """Whether ``table``'s duplicate-row note is worked out beside the run."""
        return self.run.duplicates_beside(table)

    def records(self, indicator: Indicator, counted: Counted | None, suppress_below: int | None) -> list[Result]:
        """The indicator's results for every group and period, group by group, from
        :meth:`count` (empty figures where it failed)."""
        if counted is None:
            return []
        n = self.run.periods.count
        notes = {} if counted.notes is None else duplicate_notes(indicator, self, counted.notes, beside=True)
        rows = counted.rows
        out = []
        for g, group in enumerate(self.groups):
            part = slice(g * n, (g + 1) * n)
            out.extend(judge(
                indicator, self.run.periods,
                {name: value[part] if isinstance(value, np.ndarray) else value
                 for name, value in counted.figures.items()},
                suppress_below, {reason: counts[part] for reason, counts in notes.items()},
                None if rows is None else {side: accounted.map(lambda counts: counts[part])
                                           for side, accounted in rows.items()},
                group=group))
        return out


def _within_budget(run: Run, by: tuple[str, ...], n_groups: int) -> None:
    """Refuse, before anything is counted, a breakdown whose result records would take
    more memory than the run's budget (a column with a value per child makes millions)."""
    n_indicators, n_months = len(run.pack.indicators), run.periods.count - 1  # period 0 has no results
    n_results = n_indicators * n_months * (n_groups + 1)
    run.within_budget(
        BYTES_PER_RESULT * n_results,
        f"a breakdown by {', '.join(map(repr, by))} into {_plural(n_groups, 'group')} ({n_results:,} results: "
        f"{_plural(n_indicators, 'indicator')} by {_plural(n_months, 'month')} by the total and each group)",
        "break down by a column with fewer values (a team, a locality, an age band) or evaluate fewer "
        "indicators (the rows behind one figure are listed by explain)")


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def check_by(by: Any) -> tuple[str, ...]:
    """The breakdown columns as given to ``evaluate(..., by=...)``, checked."""
    if isinstance(by, str):
        by = [by]
    names = tuple(by)
    if not names or not all(isinstance(name, str) and name for name in names):
        raise DataError([Problem(f"by= takes a list of column names, got {by!r}")])
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise DataError([Problem(f"by= names {', '.join(map(repr, repeated))} more than once")])
    return names


def refuse_by(by: Any, what: str) -> None:
    """Breakdowns are not (yet) computed by ``what``: say so rather than give totals only."""
    if by:
        raise DataError([Problem(f"{what} does not break figures down (by=); use indicators.evaluate(..., by=...) "
                                 "on the whole tables instead")])


def _counted_measures(indicator: Indicator) -> list[tuple[str, Measure]]:
    """The measures whose rows a breakdown splits: the numerator, and a denominator that
    is a measure (a constant or a population applies to every group)."""
    sides = [("numerator", indicator.numerator)]
    if isinstance(indicator.denominator, Measure) and indicator.kind not in AGGREGATE_KINDS \
            and indicator.kind != "count":
        sides.append(("denominator", indicator.denominator))
    return sides


def _tables_broken_down(run: Run, by: tuple[str, ...]) -> list[str]:
    """The tables the breakdown splits; one located problem per measure table that lacks
    a breakdown column."""
    lacking: dict[tuple[str, str], list[tuple[Indicator, str]]] = {}
    tables: list[str] = []
    for indicator in run.pack.indicators.values():
        for side, measure in _counted_measures(indicator):
            evaluation = run.tables[measure.table]
            if measure.table not in tables:
                tables.append(measure.table)
            for name in by:
                if name not in evaluation.table.columns and name not in evaluation.derived:
                    lacking.setdefault((measure.table, name), []).append((indicator, side))
    problems = []
    hint = (f"break down only the indicators whose tables have {' and '.join(map(repr, by))}: choose them "
            "(--indicator ID or --group NAME on the command line; a pack of those indicators in Python)")
    for n, ((table, name), users) in enumerate(lacking.items(), start=1):
        indicator = users[0][0]
        sides: dict[str, list[str]] = {}
        for user, side in users:
            sides.setdefault(user.id, []).append(side)
        ids = [f"{ident} ({' and '.join(named)})" for ident, named in sides.items()]
        columns = sorted({*run.tables[table].table.columns, *run.tables[table].derived})
        problems.append(indicator.location.problem(
            f"cannot break down by {name!r}: table {table!r} has no column {name!r}, and it is the "
            f"table of {', '.join(ids[:5])}{' and others' if len(ids) > 5 else ''}",
            f"columns of {table}: {', '.join(columns)}" + (f"\n{hint}" if n == len(lacking) else "")))
    if problems:
        raise DataError(problems)
    return tables


def _python_values(vec: Vec, distinct: np.ndarray) -> list:
    """JSON-ready values of a column's distinct data (text from its codes, dates as ISO)."""
    if vec.type == "str":
        return [str(v) for v in vec.categories[distinct]]
    if vec.type == "date":
        return [to_iso(int(v)) for v in distinct]
    if vec.type == "bool":
        return [bool(v) for v in distinct]
    if vec.type == "int":
        return [int(v) for v in distinct]
    return [float(v) for v in distinct]


def _local_codes(vec: Vec) -> tuple[np.ndarray, list]:
    """Each row's code among the column's distinct values (the count of them where
    missing), and those values."""
    n = len(vec)
    present = np.zeros(n, dtype=bool) if vec.type == "null" else ~vec.mask()
    if not present.any():
        return np.zeros(n, dtype=np.int64), []
    if vec.type == "str":  # codes into the sorted categories already (those no row holds form no group)
        return np.where(present, vec.data, len(vec.categories)), _python_values(vec, np.arange(len(vec.categories)))
    data = vec.data if vec.type == "float" else vec.data.astype(np.int64, copy=False)
    values = data if present.all() else data[present]
    low, high = values.min(), values.max()
    if vec.type != "float" and high - low <= 4 * n + 1_000_000:
        # text (codes into sorted categories), whole numbers, dates, flags: no sort
        offsets = np.where(present, data - low, 0)
        seen = np.zeros(int(high - low) + 1, dtype=bool)
        seen[offsets[present]] = True
        distinct = np.flatnonzero(seen) + low
        codes = np.cumsum(seen, dtype=np.int64)[offsets] - 1
    else:
        distinct = unique(values)
        codes = np.searchsorted(distinct, data)
    return np.where(present, codes, distinct.size), _python_values(vec, distinct)


def _order(value) -> tuple:
    return (type(value).__name__, value)


def _group_codes(run: Run, by: tuple[str, ...], tables: list[str]) -> tuple[list[dict], dict[str, np.ndarray]]:
    """Every combination of the breakdown columns' values that some row of the tables
    holds (a missing value being one of them), in value order with missing last, and the
    code of each row's combination in each table."""
    # per table and column: each row's local code, and the local codes' values
    local: dict[str, list[tuple[np.ndarray, list]]] = {}
    universe: list[set] = [set() for _ in by]
    for table in tables:
        local[table] = [_local_codes(run.tables[table].vec(name)) for name in by]
        for c, (_, values) in enumerate(local[table]):
            universe[c].update(values)
    ordered = [sorted(values, key=_order) for values in universe]
    positions = [{_order(v): i for i, v in enumerate(values)} for values in ordered]
    radix = [len(values) + 1 for values in ordered]  # the last code of each column: missing
    combined: dict[str, np.ndarray] = {}
    for table in tables:
        code = np.zeros(run.tables[table].table.n_rows, dtype=np.int64)
        for c, (codes, values) in enumerate(local[table]):
            to_global = np.array([positions[c][_order(v)] for v in values] + [radix[c] - 1], dtype=np.int64)
            code = code * radix[c] + to_global[codes]  # the local code of missing takes the last entry
        combined[table] = code
    size = int(np.prod(radix))
    if size <= 1 << 22:  # a table of every combination: no sort of the rows
        held = np.zeros(size, dtype=bool)
        for t in tables:
            held[combined[t]] = True
        occurring = np.flatnonzero(held)
        code_of = np.cumsum(held) - 1
        codes = {t: code_of[combined[t]] for t in tables}
    else:
        occurring = unique(np.concatenate([combined[t] for t in tables]))
        codes = {t: np.searchsorted(occurring, combined[t]) for t in tables}
    groups = []
    for value in occurring.tolist():
        digits = []
        for size in reversed(radix):
            value, digit = divmod(value, size)
            digits.append(digit)
        digits.reverse()
        groups.append({name: ordered[c][d] if d < len(ordered[c]) else None
                       for c, (name, d) in enumerate(zip(by, digits))})
    return groups, codes
