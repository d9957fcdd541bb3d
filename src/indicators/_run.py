"""A run: one evaluation's periods, calendar, functions, time limits and memory budget,
every table's shared work, and the lookup grids the tables share."""

from __future__ import annotations

import collections
import functools
from typing import Iterator, Mapping

import numpy as np

from ._allocator import keep_freed_arrays
from ._arrays import distinct_per_group
from ._background import MIN_BACKGROUND_ROWS, NOTHING_BESIDE, Background, processors
from ._derived import sort_codes
from ._errors import ResourceError
from ._evaluator import evaluate as evaluate_node
from ._expressions import PERIOD_VARIABLES, names_used
from ._functions import DEFAULT_TIME_LIMIT, CallLimits, Function, engine_calls_only
from ._grids import KeyGrid, extremes, grid_from_ranges, key_grid, shared_codes, sum_or_mean
from ._memory import BYTES_PER_PAIR, DEFAULT_MEMORY_BUDGET, GRID_COPIES, size_text
from ._pack import Indicator, Lookup, Measure, Pack, columns_needed
from ._plan import reason_passes
from ._table_evaluation import TableEvaluation
from ._tables import Table
from ._vectors import Vec
from ._windows import Periods, expand
from ._work import (ColumnValues, Derived, DuplicateRows, KeyCodes, LookupGrid, lookup_key, lookups_read,
                    names_read, noted_measures, placement_key, tables_read)


class Run:
    """One evaluation: the periods, the calendar, the functions expressions call (a
    registry's) and every table's shared work."""

    def __init__(self, pack: Pack, tables: dict[str, Table], periods: Periods, calendar,
                 functions: Mapping[str, Function], function_time_limit: float | None = DEFAULT_TIME_LIMIT,
                 memory_budget: int | None = DEFAULT_MEMORY_BUDGET) -> None:
        keep_freed_arrays()  # the arrays this run frees, kept for the next (:mod:`._allocator`)
        self.pack = pack
        self.periods = periods
        self.calendar = calendar
        self.functions = functions
        self.memory_budget = memory_budget
        self.limits = CallLimits(function_time_limit)
        self.tables = {name: TableEvaluation(table, self) for name, table in tables.items()}
        self.reason_passes = reason_passes(pack)
        self.skipped: dict[str, str] = {}  # indicators left out for want of a table: id to reason
        self.pack_as_run = pack  # the pack the caller gave, as the input answers it (before skipping)
        self._readers_left: collections.Counter | None = None  # each table: the indicators still to read it
        self._noted: dict[str, tuple[Measure, ...]] | None = None
        self.background = NOTHING_BESIDE
        self._read_beside: dict[tuple, set[str]] = {}  # each grid or sort queued beside the run: the tables it reads
        # each indicator's text columns and grids queued beside the run: it waits while one is under way
        self._beside_reads: dict[str, list[tuple]] = {}

    def begin_beside(self, duplicates: bool = True) -> None:
        """Begin, beside the run, the work that reads nothing but tables' stored columns,
        where another processor can take it and some table is large: coding the large
        tables' text columns that indicators read, in the order the indicators first need
        them, then the lookup grids that call the engine's own functions alone (of any
        tables, :meth:`_grid_beside`), then (with ``duplicates``) each large table's
        duplicate-row note."""
        large = {name for name, evaluation in self.tables.items()
                 if evaluation.table.n_rows >= MIN_BACKGROUND_ROWS}
        if not large or processors() < 2:
            return
        jobs: dict = {}
        # after the coding, the sorts of previous() and next(), which the run asks for once
        # it has counted the indicators that do not read them (:meth:`evaluation_order`)
        sorts: dict = {}
        # after the coding, which the first indicators read, the grids, which the run asks
        # for before the notes: after the notes, a grid was worked out while the run held
        # its most memory (0.37 to 0.48 of the input's size at size 600, not 0.39 to 0.41)
        grids: dict = {}
        notes: dict = {}
        for indicator in self.pack.indicators.values():
            reads = self._beside_reads[indicator.id] = []
            for table, names in sorted(columns_needed(self.pack, indicator).items()):
                if table not in large:
                    continue
                evaluation = self.tables[table]
                for name in sorted(names):
                    column = evaluation.table.columns.get(name)
                    if column is not None and column.awaits_coding:
                        reads.append((table, ColumnValues(name)))
                        jobs.setdefault((table, ColumnValues(name)), column.code)
            for table, name in self._derived_read(indicator):
                key = (table, Derived(name))
                if table in large and key not in sorts and self.tables[table].sorts_beside(name):
                    sorts[key] = functools.partial(self.tables[table].sort_beside, name)
                    self._read_beside[key] = {table}
            for measure in indicator.measures():
                for lookup in lookups_read(measure, indicator.of if measure is indicator.numerator else None):
                    key = (measure.table, _grid_key(lookup, measure))
                    if key in grids:
                        reads.append(key)
                    # a grid of small tables too: the thread runs for the large ones anyway,
                    # and such a grid can take milliseconds (the yardstick's (g), 52 and 55
                    # thousand rows at size 60: 3.5 ms, 1 ms off the run, 2026-12-05)
                    elif self._grid_beside(lookup, measure):
                        grids[key] = functools.partial(self._compute_grid, lookup, measure)
                        self._read_beside[key] = {measure.table, lookup.table}
                        reads.append(key)
            if not duplicates:
                continue
            for measure, _ in noted_measures(indicator):
                if measure.table in large and (measure.table, DuplicateRows()) not in notes:
                    job = self.tables[measure.table].repeated_rows_job()
                    if job is not None:
                        notes[measure.table, DuplicateRows()] = job
        if grids or sorts:  # the only jobs beside the run that read or add to the tables' shared work
            for evaluation in self.tables.values():
                evaluation.work.share_between_threads()
                evaluation.row_work.share_between_threads()
        self.background = Background([*jobs.items(), *sorts.items(), *grids.items(), *notes.items()])

    def _derived_read(self, indicator: Indicator) -> list[tuple[str, str]]:
        """The (table, derived column) pairs ``indicator`` reads by name."""
        return [(table, name) for table in sorted(tables_read(indicator)) if table in self.tables
                for name in sorted(names_read(indicator, table)) if name in self.tables[table].derived]

    def evaluation_order(self) -> Iterator[Indicator]:
        """The indicators in the order the run counts them: the pack's, except that one
        that would wait for work beside the run waits in a queue instead, so that the run
        counts the others meanwhile: one reading a derived column worked out there until
        that is done, one reading a text column being coded or a grid being worked out
        there until that is (a column or grid not yet begun there it works out itself).
        The first of the queue that would not wait goes next; once the pack's order is
        done, the first of the queue that waits for no sort, else the first. Read as the
        run goes: which waits are over depends on the moment."""
        background = self.background

        def ready(sorts: list[tuple], reads: list[tuple]) -> bool:
            return background.done(sorts) and not background.under_way(reads)

        waiting = []
        for indicator in self.pack.indicators.values():
            sorts = [(table, Derived(name)) for table, name in self._derived_read(indicator)
                     if (table, Derived(name)) in background]
            reads = self._beside_reads.get(indicator.id, [])
            if not ready(sorts, reads):
                waiting.append((indicator, sorts, reads))
                continue
            while waiting and (next_ready := next((w for w in waiting if ready(*w[1:])), None)):
                waiting.remove(next_ready)
                yield next_ready[0]
            yield indicator
        while waiting:
            # else one that waits for no sort (columns and grids come before sorts there)
            next_ready = (next((w for w in waiting if ready(*w[1:])), None)
                          or next((w for w in waiting if background.done(w[1])), waiting[0]))
            waiting.remove(next_ready)
            yield next_ready[0]

    def _grid_beside(self, lookup: Lookup, measure: Measure) -> bool:
        """Whether a lookup's grid may be worked out beside the run: both tables are in the
        data, and the grid reads their stored columns through the engine's own functions
        alone (no plugin code runs beside the run, and no derived column is computed there)."""
        if measure.table not in self.tables or lookup.table not in self.tables:
            return False
        placing = [expr for expr in (measure.date, measure.start, measure.end) if expr is not None]
        for table, names, exprs in ((measure.table, {lookup.on}, placing),
                                    (lookup.table, {lookup.key, lookup.column} - {None}, lookup.expressions())):
            stored = self.tables[table].table.columns.keys()
            for expr in exprs:
                names |= names_used(expr.node) - set(PERIOD_VARIABLES)
            if not names <= stored or not all(engine_calls_only(expr.node, self.functions) for expr in exprs):
                return False
        return True

    def noted_measures(self, table: str) -> tuple[Measure, ...]:
        """The measures over ``table`` whose rows the run's duplicate-row notes count."""
        if self._noted is None:
            noted: dict[str, list[Measure]] = {}
            for indicator in self.pack.indicators.values():
                for measure, _ in noted_measures(indicator):
                    noted.setdefault(measure.table, []).append(measure)
            self._noted = {name: tuple(measures) for name, measures in noted.items()}
        return self._noted.get(table, ())

    def duplicates_beside(self, table: str) -> bool:
        """Whether ``table``'s duplicate-row note was begun beside the run."""
        return (table, DuplicateRows()) in self.background

    def take_over_notes(self, indicators: list[Indicator]) -> None:
        """Work out here the duplicate-row notes of ``indicators`` queued beside the run that
        have not begun there, once the run has nothing left to do but ask for them."""
        tables = {measure.table for indicator in indicators for measure, _ in noted_measures(indicator)}
        # the largest table's first: a note's time goes with its rows
        beside = sorted((table for table in tables if self.duplicates_beside(table)),
                        key=lambda table: self.tables[table].table.n_rows, reverse=True)
        self.background.take_over([(table, DuplicateRows()) for table in beside])

    def end(self) -> None:
        """Drop the work queued beside the run that nothing has asked for, and wait for the
        job under way (work nothing asked for: its indicator failed)."""
        self.background.close()

    def done_with(self, indicator: Indicator, *more: Mapping[str, TableEvaluation]) -> None:
        """Release the work on every table that ``indicator`` is the last (of those the run
        has counted) to read, in this run's evaluations and in ``more`` (a breakdown's): what the
        indicators after it keep in memory is then only what they read."""
        if self._readers_left is None:
            self._readers_left = collections.Counter(
                table for counted in self.pack.indicators.values() for table in tables_read(counted))
        released = set()
        for table in tables_read(indicator):
            self._readers_left[table] -= 1
            if self._readers_left[table] == 0:
                released.add(table)
        for table in released:
            for evaluations in (self.tables, *more):
                if table in evaluations:
                    evaluations[table].release()
        # a grid or sort beside the run that reads a released table is not wanted (its
        # indicator failed before asking for it): not begun, or let go if done
        self.background.drop([key for key, tables in self._read_beside.items() if tables & released])

    def within_budget(self, n_bytes: float, what: str,
                      instead: str = "evaluate fewer months or a narrower window") -> None:
        """Refuse, before it begins, work that would take more memory than the budget; the
        message suggests ``instead`` or raising the budget."""
        if self.memory_budget is not None and n_bytes > self.memory_budget:
            raise ResourceError(
                f"{what} would take about {size_text(n_bytes)} of memory, over the memory budget of "
                f"{size_text(self.memory_budget)}; {instead}, or raise "
                "the budget (evaluate(..., memory_budget=BYTES), --memory-budget SIZE)")

    def lookup_grid(self, lookup: Lookup, measure: Measure) -> KeyGrid:
        """Per (key, period) aggregate of a lookup, and the measure rows' key codes
        (worked out beside the run, when begun there)."""
        key = _grid_key(lookup, measure)
        return self.tables[measure.table].shared(key, lambda: self.background.result(
            (measure.table, key), lambda: self._compute_grid(lookup, measure)))

    def key_codes(self, measure: Measure, on: str, table: str, key: str) -> tuple:
        """Codes of the measure's keys (0..K-1, -1 missing) and of the looked-up rows' keys
        into the same codes (-1 where missing or absent). Only keys of rows that fall in
        some period of the run are coded, which keeps the key x period grids small."""
        evaluation = self.tables[measure.table]

        def coded() -> tuple:
            lo, hi = evaluation.placement(measure)
            own = evaluation.vec(on)
            in_run = lo < hi
            scoped = Vec(own.type, own.data, own.mask() | ~in_run if own.type != "null" else own.missing,
                         own.categories)
            own_codes, other_codes, n_keys = shared_codes(scoped, self.tables[table].vec(key))
            # cells of a key x period grid: in int32 where they fit, else int64
            cell_type = np.int32 if n_keys * (self.periods.count + 1) < 2**31 else np.int64
            own_codes, other_codes = own_codes.astype(cell_type, copy=False), other_codes.astype(cell_type, copy=False)
            return own_codes, other_codes, n_keys

        return evaluation.shared(KeyCodes(placement_key(measure), on, table, key), coded)

    def _compute_grid(self, lookup: Lookup, measure: Measure) -> KeyGrid:
        other = self.tables[lookup.table]
        own_codes, other_codes, n_keys = self.key_codes(measure, lookup.on, lookup.table, lookup.key)
        n_periods = self.periods.count
        what = (f"lookup {lookup.name!r} (a grid of {n_keys:,} keys of {lookup.table}.{lookup.key} by "
                f"{n_periods} months)")
        self.within_budget(GRID_COPIES * 8 * n_keys * (n_periods + 1), what)
        lo, hi = other.placement(lookup)
        keep = (lo < hi) & (other_codes >= 0)
        where = lookup.where
        if where is not None and not where.uses_period:
            keep &= other.row_filter(where)
        column = other.vec(lookup.column) if lookup.column else None
        if column is not None:
            keep &= ~column.mask() if column.type != "null" else np.zeros(len(column), bool)
        prefix = lookup.window.kind in ("to_date", "cumulative")
        if (where is None or not where.uses_period) and (
                lookup.aggregate in ("count", "sum", "mean") or (prefix and lookup.aggregate in ("min", "max"))):
            return key_grid(own_codes, *grid_from_ranges(lookup.aggregate, other_codes, lo, hi, keep, column,
                                                         n_keys, n_periods))
        kept = np.flatnonzero(keep)
        self.within_budget(BYTES_PER_PAIR * int((hi[kept] - lo[kept]).sum(dtype=np.int64)),
                           f"{what}, through each looked-up row in each month of its window,")
        rows, periods = expand(kept, lo, hi)
        if where is not None and where.uses_period:
            mask = evaluate_node(where.node, other.pair_context(lookup, rows, periods)).is_true()
            rows, periods = rows[mask], periods[mask]
        cells = other_codes[rows] * n_periods + periods
        size = n_keys * n_periods
        if lookup.aggregate == "count":
            return key_grid(own_codes, np.bincount(cells, minlength=size), None, "int", n_periods)
        values = column.data[rows]
        counts = np.bincount(cells, minlength=size)
        if lookup.aggregate == "count_distinct":
            codes = sort_codes(column)[rows]
            grid = distinct_per_group(cells, codes, size)
            return key_grid(own_codes, grid, None, "int", n_periods)
        if lookup.aggregate in ("sum", "mean"):
            sums = np.bincount(cells, weights=values.astype(np.float64), minlength=size)
            return key_grid(own_codes, *sum_or_mean(lookup.aggregate, sums, counts, column.type), n_periods)
        return key_grid(own_codes, extremes(lookup.aggregate, cells, values, size), counts > 0, column.type,
                       n_periods)


def _grid_key(lookup: Lookup, measure: Measure) -> LookupGrid:
    return LookupGrid(placement_key(measure), lookup_key(lookup))
