"""One table during one run, with the work its indicators share.

Each piece of work (a placement of rows in periods, a filter, a pass, a count, a note) is
done once, under its key (:mod:`indicators._work`, the keys the plan lists), and shared by
every indicator that asks for it. Filters that read the row alone are evaluated block by
block in one ``reasons`` pass per placement and chain of filters, whose codes are counted
by month (events, whatever the window) or by period range (snapshots); filters that read
the period are evaluated on the (row, period) pairs of the window, still in one vectorised
pass.
"""

from __future__ import annotations

import functools
import itertools
from typing import TYPE_CHECKING, Any, Callable, Sequence

import attrs
import numpy as np

from ._arrays import block_rows, dense_codes, positions, present_extremes, repeated_rows, row_chunks, unique
from ._dates import NAT, TABLE_FIRST_DAY, TABLE_LAST_DAY
from ._duration_codes import DurationCodes
from ._errors import INDICATOR_FAILURES
from ._evaluator import Context, evaluate as evaluate_node, sorts_read
from ._expressions import PERIOD_VARIABLES, SHIFT_FUNCTIONS, Binary, Call, Literal, Name, Node, names_used, to_text, walk
from ._functions import engine_calls_only
from ._memory import BYTES_PER_PAIR
from ._pack import Expr, Lookup, Measure
from ._grids import KeyGrid, grid_from_ranges
from ._pairs import CellFrame, LazyVariables, MaskFrame, PairFrame
from ._plan import ReasonPass, counted_by_reasons, note_passes
from ._tables import Column, Table
from ._vectors import Vec, missing_mask, truth
from . import _windows
from ._windows import (MASK_PERIODS, coded_bucket_counts, coded_range_counts, distinct_range_counts, expand,
                       masked_range_counts, period_bits, period_dtype, period_masks, range_counts, row_dtype)
from ._work import (Cells, ColumnValues, Count, Derived, DuplicateRows, EndingBeforeStart, Key, Masks, MissingKey,
                    MonthBuckets, Pairs, PlacedRows, WindowCounts,
                    Placement, RowCodes, RowValue, Shared, Sorted, TiedRows, Unknown, account_key, accounted_by_reasons,
                    expressions_over, filter_roles, cell_columns, is_pair_level, negative_durations_key, pass_placement,
                    placement_key, placing,
                    row_selection_key,
                    selection_key, texts, undated_filters, undated_key)

if TYPE_CHECKING:
    from ._run import Run


def _few_enough(candidates: np.ndarray | None, n_rows: int) -> bool:
    """Whether the rows that may repeat, as a sort's ties give them, are few enough for the
    duplicate note to compare them alone (else it digests every row)."""
    return candidates is not None and candidates.size <= n_rows // 4


def _held_codes(row_codes: np.ndarray, n_codes: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Of some rows' codes 0..n_codes-1: each row's code among those the rows hold
    (renumbered 0..U-1 in code order), the codes held, ascending, and a row holding each."""
    held = np.zeros(n_codes, dtype=bool)
    held[row_codes] = True
    held_codes = np.flatnonzero(held)
    renumbered = np.zeros(n_codes, dtype=np.int64)
    renumbered[held_codes] = np.arange(held_codes.size)
    row_codes = renumbered.take(row_codes)
    representative = np.zeros(held_codes.size, dtype=rows.dtype)
    representative[row_codes] = rows
    return row_codes, held_codes, representative


def _column_codes(vec: Vec) -> tuple[np.ndarray, int]:
    """Codes 0..K-1 of a column's values, equal for equal values (the missing cells, when
    there are any, a code of their own), and K. Text is coded by its categories and
    integers and dates of a span no wider than the column by their offset from the
    smallest, as they are; so some codes may hold no row."""
    missing = vec.missing if vec.missing is not None and vec.missing.any() else None
    if vec.categories is not None:
        codes, count = vec.data.astype(np.int64), len(vec.categories)
    elif vec.data.dtype.kind == "b":
        codes, count = vec.data.astype(np.int64), 2
    elif vec.data.dtype.kind in "iu" and vec.type != "float":
        extremes = present_extremes(vec.data, missing)
        low, high = extremes if extremes is not None else (0, -1)
        if high - low < len(vec):
            codes, count = np.subtract(vec.data, low, dtype=np.int64), high - low + 1
        else:
            codes, count = _dense_present_codes(vec.data.astype(np.int64, copy=False), missing)
    else:
        values = unique(vec.data if missing is None else np.where(missing, 0.0, vec.data), return_inverse=True)[1]
        codes, count = _dense_present_codes(values, missing)
    if missing is None:
        return codes, count
    codes[missing] = count
    return codes, count + 1


def _dense_present_codes(values: np.ndarray, missing: np.ndarray | None) -> tuple[np.ndarray, int]:
    """Codes 0..K-1 of the present values (in value order) and K; missing cells' codes
    are left for the caller."""
    if missing is None:
        return dense_codes(values)
    present = ~missing
    present_codes, count = dense_codes(values[present])
    codes = np.zeros(values.size, dtype=np.int64)
    codes[present] = present_codes
    return codes, count


def _column_vec(column: Column) -> Vec:
    if column.type == "null":
        return Vec("null", column.data, column.missing_mask())
    return Vec(column.type, column.data, column.missing, column.categories,
               column.extremes() if column.type == "date" else None)


@attrs.frozen(eq=False)
class Accounting:
    """A measure's rows in each period's window, those it used and those it left out by
    reason: used + the sum of left out = in window."""

    in_window: np.ndarray
    used: np.ndarray
    left_out: dict[str, np.ndarray]

    def map(self, transform: Callable[[np.ndarray], np.ndarray]) -> Accounting:
        """Each count of rows transformed alike (a group's periods cut out, say)."""
        return Accounting(transform(self.in_window), transform(self.used),
                          {reason: transform(counts) for reason, counts in self.left_out.items()})


@attrs.frozen(eq=False)
class PassCounts:
    """A reasons pass's rows in each period, by the bits counted beside the reasons (each
    of some durations negative, each of some columns missing) and by reason."""

    counts: np.ndarray  # (2 ** bits, reasons, periods)
    numeric: tuple[bool, ...]  # whether each duration was a number (else it is not noted)

    def reasons(self) -> np.ndarray:
        """Rows by reason, whatever the bits: (reasons, periods)."""
        return self.counts.sum(axis=0)

    def with_bit(self, bit: int) -> np.ndarray:
        """Rows by reason among those with ``bit`` set: (reasons, periods)."""
        patterns = np.arange(self.counts.shape[0])
        return self.counts[(patterns >> bit & 1) == 1].sum(axis=0)


@attrs.frozen(eq=False)
class Selection:
    """The rows a measure keeps before the filters that read the period."""

    lo: np.ndarray  # each row's range of periods [lo, hi)
    hi: np.ndarray
    keep: np.ndarray  # in some period's window, and kept by every filter reading the row alone
    pending: tuple[Expr, ...]  # the filters left, judged on (row, period) pairs
    pairs: Pairs  # the (row, period) pairs of these rows, shared by the selections alike


class TableEvaluation:
    """One table during one run, with the work shared between indicators."""

    def __init__(self, table: Table, run: Run) -> None:
        self.table = table
        self.run = run
        self.periods = run.periods
        self.pack = run.pack
        self.calendar = run.calendar
        spec = run.pack.tables.get(table.name)
        self.derived = dict(spec.derive) if spec else {}
        self.row_work = Shared()  # values of rows: shared by a breakdown's groups
        self.work = Shared()  # placements, pairs and counts: a breakdown's groups have their own
        self.n_groups = 1

    def shared(self, key: Key, compute: Callable[[], Any]) -> Any:
        """The work under ``key``, done the first time it is asked for."""
        return self.work.get(key, compute)

    def release(self) -> None:
        """Forget the work done on the table (no indicator left reads it)."""
        self.work.close()
        self.row_work.close()

    def vec(self, name: str) -> Vec:
        """A column, or a derived column computed on first use (beside the run, when begun
        there)."""
        if name in self.table.columns:
            return self.row_work.get(ColumnValues(name), lambda: _column_vec(self._column(name)))
        if Derived(name) not in self.row_work and (self.table.name, Derived(name)) in self.run.background:
            try:  # begun beside the run: its value is then shared; not begun: done here
                self.run.background.result((self.table.name, Derived(name)), lambda: None)
            except Exception:  # noqa: BLE001 - worked out again below, failing in this thread
                pass
        return self.derived_vec(name)

    def derived_vec(self, name: str) -> Vec:
        """A derived column, computed here on first use."""
        if Derived(name) not in self.row_work:
            # the derived columns it reads first, each after those it reads (the pack's
            # order), so that a chain of derived columns is computed in a loop
            for needed in self._derived_needs(name):
                self.row_work.get(Derived(needed), lambda: self.row_value(self.derived[needed]))
        return self.row_work.get(Derived(name), lambda: self.row_value(self.derived[name]))

    def sort_beside(self, name: str) -> None:
        """Work out a derived column that sorts the table (the job beside the run): of each
        sort it makes that no other expression over the table reads, only the rows that
        share their key and order are kept (for the duplicate-row note), so that the sort's
        positions are not held while the run goes on with other tables."""
        self.derived_vec(name)
        exprs = [expr for other, expr in self.derived.items() if other != name]
        exprs += [expr for indicator in self.pack.indicators.values()
                  for expr in expressions_over(indicator, self.table.name)]
        others = set().union(*(sorts_read(expr.node) for expr in exprs))
        for sort in sorts_read(self.derived[name].node) - others:
            sequence = next((value for key, value in self.row_work.items() if key == sort), None)
            if sequence is not None:  # kept only where few enough for the note to read (None: too many)
                tied = sequence.rows_sharing_key_and_order()
                self.row_work.offer(TiedRows(sort.by, sort.order), tied if _few_enough(tied, self.table.n_rows) else None)
                self.row_work.discard(sort)

    def sorts_beside(self, name: str) -> bool:
        """Whether a derived column is worth working out beside the run, and may be: it
        sorts the table (``previous()``/``next()``) and reads nothing but the table's stored
        columns through the engine's own functions (no plugin code runs beside the run)."""
        expr = self.derived.get(name)
        if expr is None or name in self.table.columns:
            return False
        calls = [node for node in walk(expr.node) if isinstance(node, Call)]
        functions = self.run.functions
        return (any(call.name in SHIFT_FUNCTIONS for call in calls)
                and names_used(expr.node) <= self.table.columns.keys()
                and all(call.name in SHIFT_FUNCTIONS or (call.name in functions and functions[call.name].builtin)
                        for call in calls))

    def _column(self, name: str) -> Column:
        """A column of the table, its text coded (beside the run, when begun there)."""
        column = self.table[name]
        if column.awaits_coding:
            self.run.background.result((self.table.name, ColumnValues(name)), column.code)
        return column

    def _derived_needs(self, name: str) -> list[str]:
        """``name`` and the derived columns it reads, directly or not, that are not yet
        computed, in an order where each comes after those it reads."""
        needed = {name}
        stack = [name]
        while stack:
            for used in names_used(self.derived[stack.pop()].node):
                if (used in self.derived and used not in self.table.columns and used not in needed
                        and Derived(used) not in self.row_work):
                    needed.add(used)
                    stack.append(used)
        return [derived for derived in self.derived if derived in needed]

    def repeated_rows(self) -> np.ndarray:
        """Positions of the rows that equal an earlier row in every column, among the rows
        some period of the run's duplicate-row notes on this table may hold (:attr:`noted_scope`);
        kept with the table, since they depend on nothing else, for the next run over the
        same months (rows compared over the whole table serve every run)."""
        scope = self.noted_scope
        kept = self._kept_repeated_rows(scope)
        if kept is None:
            kept, compared = self.run.background.result(
                (self.table.name, DuplicateRows()), lambda: self._repeated_rows(scope, self._rows_that_may_repeat()))
            if compared is None:
                self.table.cache["repeated_rows"] = kept
            else:  # one run's scope at a time
                self.table.cache["repeated_rows_in"] = (compared, kept)
        return kept

    def _kept_repeated_rows(self, scope: tuple | None) -> np.ndarray | None:
        """The repeated rows kept with the table for ``scope``: the whole table's serve any."""
        cache = self.table.cache
        if "repeated_rows" in cache:
            return cache["repeated_rows"]
        kept_scope, kept = cache.get("repeated_rows_in", (None, None))
        return kept if kept_scope == scope and scope is not None else None

    def repeated_rows_job(self) -> Callable[[], tuple[np.ndarray, tuple | None]] | None:
        """The duplicate-row note as work another thread may do, when it will be needed
        and cannot be found more cheaply by this run: not kept with the table already,
        and no ``previous()``/``next()`` of the table's derived columns will have sorted
        its rows (whose ties then give the candidates, :meth:`_rows_that_may_repeat`).
        Only for a table whose noted measures are placed by its date columns: the note is
        read once the indicators are counted, when the table's work may be let go, and a
        placement by anything else (an expression, a plugin's function) would be worked
        out again then (:meth:`placement_at`)."""
        scope = self.noted_scope
        if scope is None or self._kept_repeated_rows(scope) is not None or any(
                isinstance(node, Call) and node.name in SHIFT_FUNCTIONS
                for expr in self.derived.values() for node in walk(expr.node)):
            return None
        return lambda: self._repeated_rows(scope, None)

    @functools.cached_property
    def noted_scope(self) -> tuple | None:
        """What bounds the rows that the run's duplicate-row notes on this table count: for
        each measure noted, its date column and the first and last day of any window of
        the run's periods with results (an episode's start and end columns, and the last
        and first month end), sorted; None when a measure places its rows by something
        other than a date column, so that any row may be in a window. Equal rows have
        equal dates: either both are in a window or neither is."""
        clauses = set()
        for measure in self.run.noted_measures(self.table.name):
            window = measure.window
            # period 0 has no results, so no notes: its window is left out
            starts, ends = self.periods.window_bounds(window.kind, window.months, measure.since)
            if window.is_snapshot:
                if self._date_column(measure.start) is None or (
                        measure.end is not None and self._date_column(measure.end) is None):
                    return None
                end = "" if measure.end is None else measure.end.node.name
                clauses.add(("open", measure.start.node.name, end, int(ends[1:].max()), int(ends[1:].min())))
            else:
                if self._date_column(measure.date) is None:
                    return None
                clauses.add(("dated", measure.date.node.name, int(starts[1:].min()), int(ends[1:].max())))
        return tuple(sorted(clauses)) or None

    def _rows_in_scope(self, scope: tuple) -> np.ndarray:
        """Mask of the rows whose dates fall in the bounds of :attr:`noted_scope` (a row in
        some window of a period with results is among them; rows dated nowhere are not)."""
        columns = self.table.columns
        held = np.zeros(self.table.n_rows, dtype=bool)
        for kind, *clause in scope:
            if kind == "dated":  # a missing day, NaT, is the least of all: before any first day
                name, first, last = clause
                days = columns[name].data
                held |= (days >= first) & (days <= last)
            else:  # open at some month end: begun by the last, and not ended by the first
                start, end, last_end, first_end = clause
                begun = columns[start].data
                opened = (begun != NAT) & (begun <= last_end)
                if end:
                    ended = columns[end].data
                    opened &= (ended == NAT) | (ended > first_end)
                held |= opened
        return held

    def _repeated_rows(self, scope: tuple | None, candidates: np.ndarray | None) -> tuple[np.ndarray, tuple | None]:
        """:meth:`repeated_rows` among the rows in ``scope`` and ``candidates`` (None: every
        row), and the scope they were compared in (None: the whole table). Reads nothing
        but the table's columns as given, so that another thread may do it."""
        # a date's NaT and a string's code -1 are its missing cells already: no mask to apply;
        # text already coded is read as its codes (equal texts, equal codes; blank cells -1,
        # as the text's digest takes them), text no one has read as it is
        columns = [(column.data if column.type == "str" and not column.awaits_coding else column.stored,
                    None if column.type in ("date", "str") else column.missing)
                   for column in self.table.columns.values()]
        n_rows = self.table.n_rows
        if scope is not None:
            held = self._rows_in_scope(scope)
            if candidates is not None:
                candidates = candidates[held[candidates]]
            elif np.count_nonzero(held) <= n_rows * 3 // 4:
                candidates = positions(held)
            else:  # reading most rows where they are costs more than digesting them all
                scope = None
            del held  # not held while the rows are digested
        if candidates is None:
            return repeated_rows(columns, n_rows), None
        return repeated_rows(columns, n_rows, among=candidates), scope

    def _rows_that_may_repeat(self) -> np.ndarray | None:
        """The rows that can equal another, when a ``previous()``/``next()`` has already
        sorted the table by two of its columns and few rows share their values of both
        (equal rows share every value); None otherwise."""
        for key, sorted_rows in self.row_work.items():
            if isinstance(key, (Sorted, TiedRows)) and key.by in self.table.columns and key.order in self.table.columns:
                candidates = sorted_rows.rows_sharing_key_and_order() if isinstance(key, Sorted) else sorted_rows
                if _few_enough(candidates, self.table.n_rows):
                    return candidates
        return None

    def duplicate_rows(self, measures: Sequence[Measure]) -> np.ndarray:
        """How many rows in each period's window of any of ``measures`` (an indicator's,
        over this table) equal an earlier row in every column (none in period 0, which has
        no results): each row once, however many of the windows hold it."""
        repeated = self.repeated_rows()
        ranges = [self.placement_at(measure, repeated) for measure in measures]
        n_periods = self.periods.count
        # the rows in a union of windows, by inclusion and exclusion: an intersection of
        # period ranges is a range (its start the latest, its end the earliest)
        counts = np.zeros(n_periods, dtype=np.int64)
        for size in range(1, len(ranges) + 1):
            for chosen in itertools.combinations(ranges, size):
                lo = functools.reduce(np.maximum, (lo for lo, _ in chosen))
                hi = np.maximum(functools.reduce(np.minimum, (hi for _, hi in chosen)), lo)
                counts += (1 if size % 2 else -1) * range_counts(lo, hi, n_periods)
        counts.reshape(-1, self.run.periods.count)[:, 0] = 0  # a breakdown's periods are per group
        return counts

    def row_context(self) -> Context:
        # calls inside expressions share values with whole expressions of the same text
        return Context(self.table.n_rows, self.vec, self.run.functions, self.calendar,
                       limits=self.run.limits, shared=self.row_work)

    def row_value(self, expr: Expr) -> Vec:
        """An expression without period variables, for every row (shared by text)."""
        return self._node_value(expr.node)

    def _node_value(self, node: Node) -> Vec:
        return self.row_work.get(RowValue(to_text(node)), lambda: evaluate_node(node, self.row_context()))

    def row_filter(self, expr: Expr) -> np.ndarray:
        return self.row_value(expr).is_true()

    def days(self, expr: Expr | None) -> np.ndarray | None:
        """Day numbers of a date expression for every row (NaT where missing)."""
        if expr is None:
            return None
        value = self.row_value(expr)
        if value.type == "null":
            return np.full(self.table.n_rows, NAT, dtype=np.int64)
        if value.missing is None or self._date_column(expr) is not None:  # a column's missing days are NaT
            return value.data
        return np.where(value.missing, NAT, value.data)

    def day_span(self, expr: Expr | None) -> tuple[int, int] | None:
        """The first and last day of a date column's present days (None where the
        expression is not a date column: worked out by whoever needs them)."""
        column = self._date_column(expr)
        return None if column is None else column.extremes()

    def _date_column(self, expr: Expr | None) -> Column | None:
        if expr is None or not isinstance(expr.node, Name):
            return None
        column = self.table.columns.get(expr.node.name)
        return column if column is not None and column.type == "date" else None

    def placement(self, source: Measure | Lookup) -> tuple[np.ndarray, np.ndarray]:
        """The period range ``[lo, hi)`` of every row for a measure's (or lookup's) window."""
        return self.shared(Placement(placement_key(source)), lambda: self._place(source))

    def placement_at(self, source: Measure | Lookup, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`placement` of the rows at ``rows`` alone: read from the whole table's when
        it is made already, else worked out for those rows only (a few, such as the
        repeated ones)."""
        if Placement(placement_key(source)) in self.work:
            lo, hi = self.placement(source)
            return lo[rows], hi[rows]
        return self._place(source, rows)

    def _place(self, source: Measure | Lookup, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The period ranges of every row, or of the rows at ``rows``."""
        def days(expr: Expr | None) -> np.ndarray | None:
            every = self.days(expr)
            return every if rows is None or every is None else every[rows]

        window = source.window
        if window.is_snapshot:
            return self.periods.place_episodes(days(source.start), days(source.end),
                                               (self.day_span(source.start), self.day_span(source.end)))
        return self.periods.place_events(days(source.date), window.kind, window.months, source.since,
                                         self.day_span(source.date))

    def placed_rows(self, source: Measure | Lookup) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The rows some period's window holds, and their period ranges."""
        def placed() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            lo, hi = self.placement(source)
            rows = np.flatnonzero(lo < hi).astype(row_dtype(lo.size))
            return rows, lo[rows], hi[rows]

        return self.shared(PlacedRows(placement_key(source)), placed)

    def pair_context(self, source: Measure | Lookup, rows: np.ndarray, periods: np.ndarray,
                     lookups: dict[str, Callable[[], Vec]] | None = None) -> Context:
        """Evaluation context over (row, period) pairs, with period variables and lookups
        (some of whose values ``lookups`` may give another way)."""
        window = source.window
        starts, ends = self.periods.window_bounds(window.kind, window.months, source.since)
        lazy = {  # gathered only when an expression names them
            "period_start": lambda: Vec("date", self.periods.starts[periods]),
            "period_end": lambda: Vec("date", self.periods.ends[periods]),
            "window_start": lambda: Vec("date", starts[periods]),
            "window_end": lambda: Vec("date", ends[periods]),
        }
        for lookup in getattr(source, "lookups", ()):
            lazy[lookup.name] = (lambda lookup=lookup: self.lookup_values(lookup, source, rows, periods))
        lazy.update(lookups or {})
        return Context(rows.size, lambda name: self.vec(name).take(rows),
                       self.run.functions, self.calendar, LazyVariables(lazy), self.run.limits)

    def lookup_values(self, lookup: Lookup, measure: Measure, rows: np.ndarray, periods: np.ndarray) -> Vec:
        """A lookup's value for each (row, period) pair."""
        grid = self.run.lookup_grid(lookup, measure)
        data = np.empty(rows.size, dtype=np.int64 if grid.has is None else grid.values.dtype)  # counts: int64
        missing = np.zeros(rows.size, dtype=bool)
        # block by block, with cells in numpy's own index type (taking by int32 is slower),
        # so that no full-length temporary is made
        cells = np.empty(block_rows(rows.size), dtype=np.intp)
        for block in row_chunks(rows.size):
            at, lost = cells[:block.stop - block.start], missing[block]
            at[...] = rows[block]
            at[...] = grid.codes.take(at)
            np.less(at, 0, out=lost)  # a missing key matches nothing
            np.maximum(at, 0, out=at)
            at *= grid.stride
            at += periods[block]
            data[block] = grid.values.take(at)
            if grid.has is not None:
                lost |= ~grid.has.take(at)
        if grid.has is None:  # counts: a missing key counts 0
            np.copyto(data, 0, where=missing)
            return Vec(grid.type, data)
        return Vec(grid.type, data, missing if missing.any() else None)

    def selected(self, measure: Measure, filters: tuple[Expr, ...] | None = None) -> Selection:
        """The rows in some window that the row-level filters keep (``filters`` in place
        of the measure's own, when given), and the filters left for (row, period) pairs."""
        if filters is None:
            filters = measure.filters()
        lo, hi = self.placement(measure)
        keep = lo < hi
        pending = []
        for expr in filters:
            if is_pair_level(expr, measure):
                pending.append(expr)
            else:
                keep = keep & self.row_filter(expr)
        return Selection(lo, hi, keep, tuple(pending), Pairs(row_selection_key(measure, filters)))

    def keys(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Integer keys of a column and where they are present."""
        vec = self.vec(name)
        present = ~vec.mask() if vec.type != "null" else np.zeros(len(vec), bool)
        if vec.type == "float":
            _, codes = unique(np.where(present, vec.data, 0.0), return_inverse=True)
            return codes.astype(np.int64), present
        return vec.data.astype(np.int64, copy=False), present

    def frame(self, measure: Measure, selection: Selection) -> PairFrame:
        """The (row, period) pairs of a selection, shared by every measure that makes it."""
        def pairs() -> PairFrame:
            lo, hi = selection.lo, selection.hi
            # the grids of the lookups the filters read come first: refused, they spare the pairs
            used = set().union(*(names_used(expr.node) for expr in measure.filters()))
            for lookup in measure.lookups:
                if lookup.name in used:
                    self.run.lookup_grid(lookup, measure)
            kept = np.flatnonzero(selection.keep)
            n_pairs = int((hi[kept] - lo[kept]).sum(dtype=np.int64))
            self.run.within_budget(BYTES_PER_PAIR * n_pairs, f"{measure.table} rows in each month of their "
                                   f"{measure.window.text} window ({n_pairs:,} row-months)")
            rows, periods = expand(kept, lo, hi)
            return PairFrame(rows, periods, self.periods.count, self.pair_context(measure, rows, periods),
                             lambda node, r, p: self.pair_value_by_rows(measure, node, r, p),
                             lambda r, p: self.pair_context(measure, r, p),
                             lambda node: self._pairs_by_blocks(measure, node))

        return self.shared(selection.pairs, pairs)

    def cells(self, measure: Measure, selection: Selection, exprs: Sequence[Expr] = (),
              each: str | None = None) -> CellFrame | None:
        """The (values, period) cells standing for a selection's (row, period) pairs: one
        per combination of values of the columns that decide its filters on pairs (and
        ``exprs``), with its distinct key and ``each``, in each period
        (:func:`cell_columns`), weighing the rows it has there. None when the cells would
        be no fewer than the pairs. A function (a plugin's too) is then called on the
        cells' values, as on the pairs' (never on a table's whole column)."""
        judged = (*selection.pending, *exprs)
        if not judged:
            return None
        columns = cell_columns(measure, judged, (measure.distinct, each))
        return self.shared(Cells(selection.pairs.selection, columns),
                           lambda: self._cells(measure, selection, judged, columns))

    def _cells(self, measure: Measure, selection: Selection, judged: Sequence[Expr],
               columns: tuple[str, ...]) -> CellFrame | None:
        lo, hi, keep = selection.lo, selection.hi, selection.keep
        n_periods = self.periods.count
        kept = np.flatnonzero(keep)
        most = int((hi[kept] - lo[kept]).sum(dtype=np.int64)) // (n_periods + 1)  # codes fewer than the pairs
        used = set().union(*(names_used(expr.node) for expr in judged))
        read = [lookup for lookup in measure.lookups if lookup.name in used]
        # the lookup grids first: refused by the memory budget, they spare the cells
        grids = {lookup.name: self.run.lookup_grid(lookup, measure) for lookup in read}
        joined = [lookup for lookup in read if (lookup.on,) == columns]
        if joined:  # cells by one key column: the key codes of its lookup grid (made already)
            grid = grids[joined[0].name]
            n_keys = grid.n_keys
            if n_keys + 1 > most:
                return None
            codes, n_codes = np.where(grid.codes >= 0, grid.codes, n_keys), n_keys + 1  # missing: a code of its own
        else:
            if self._most_combinations(columns) > most:
                return None
            codes, n_codes, _ = self.row_codes(columns)
            if n_codes > most:
                return None
        weights, _, _, stride = grid_from_ranges("count", codes, lo, hi, keep, None, n_codes, n_periods)
        cells = np.flatnonzero(weights)
        representative = np.zeros(n_codes, dtype=np.int64)
        representative[codes[kept]] = kept  # a row of each combination that some window holds
        rows = representative[cells // stride].astype(row_dtype(lo.size))
        periods = (cells % stride).astype(lo.dtype)
        return CellFrame(rows, periods, n_periods, weights[cells], self.pair_context(measure, rows, periods))

    def judged_pairs(self, measure: Measure, selection: Selection, exprs: Sequence[Expr] = (),
                     each: str | None = None) -> MaskFrame | CellFrame | PairFrame:
        """The selection's (row, period) pairs, to judge its filters on pairs (and
        ``exprs``) on: as bits where they may be, else as cells where those are fewer,
        else pair by pair."""
        return (self.masks(measure, selection, exprs) or self.cells(measure, selection, exprs, each)
                or self.frame(measure, selection))

    def masks(self, measure: Measure, selection: Selection, exprs: Sequence[Expr] = ()) -> MaskFrame | None:
        """The selection's (row, period) pairs as bits (:class:`MaskFrame`), when the run's
        periods fit a mask and each of its filters on pairs (and ``exprs``) is decided by
        few enough (values, period) cells (:meth:`_deciding_codes`). None otherwise."""
        judged = (*selection.pending, *exprs)
        if not judged or self.periods.count > MASK_PERIODS:
            return None
        key = Masks(selection.pairs.selection)
        if key in self.work:
            n_pairs = self.shared(key, lambda: None).n_pairs
        else:  # hi >= lo in the periods' own small type, a byte a row; kept rows alone
            spans = np.subtract(selection.hi, selection.lo)
            spans *= selection.keep
            n_pairs = int(spans.sum(dtype=np.int64))
        if any(self._deciding_codes(measure, expr, n_pairs) is None for expr in judged):
            return None
        return self.shared(key, lambda: self._masks(measure, selection, n_pairs))

    def _masks(self, measure: Measure, selection: Selection, n_pairs: int) -> MaskFrame:
        kept = np.flatnonzero(selection.keep).astype(row_dtype(selection.keep.size))
        return MaskFrame(kept, period_masks(selection.lo[kept], selection.hi[kept]), self.periods.count, n_pairs,
                         lambda expr: self._judge_cells(measure, expr, kept, n_pairs))

    def _deciding_codes(self, measure: Measure, expr: Expr, n_pairs: int
                        ) -> tuple[Callable[[], np.ndarray], int, KeyGrid | None] | None:
        """What gives each row's code (of the table) of the combination of values that
        decides a condition on pairs with the period (:func:`cell_columns`), how many codes
        there are, and the lookup grid whose key codes they are where the condition is
        decided by its key column alone (None: codes of the columns' values).

        None where judging every (code, period) cell would cost more than the pairs,
        decided before any code is made from the columns' types, categories and spans (or
        from the grid's key codes): more cells than pairs, or twice as many where the
        condition's lookups are read straight from that grid (no gather a cell); or, for
        a condition judged at once rather than block by block, cells whose values would
        not fit the memory budget (the pairs may, a few at a time)."""
        columns = cell_columns(measure, [expr])
        used = names_used(expr.node)
        joined = [lookup for lookup in measure.lookups if lookup.name in used and (lookup.on,) == columns]
        most = (2 if joined else 1) * n_pairs // self.periods.count
        budget = self.run.memory_budget
        if budget is not None and not self._pairs_by_blocks(measure, expr.node):
            most = min(most, budget // (BYTES_PER_PAIR * self.periods.count))
        if joined:
            grid = self.run.lookup_grid(joined[0], measure)
            if grid.n_keys + 1 > most:
                return None
            # a missing key: a code of its own
            return lambda: np.where(grid.codes >= 0, grid.codes, grid.n_keys), grid.n_keys + 1, grid
        if self._most_combinations(columns) > 2 * most:  # a bound: spans count values no row holds
            return None
        codes, n_codes, _ = self.row_codes(columns)
        return (lambda: codes, n_codes, None) if n_codes <= most else None

    def _judge_cells(self, measure: Measure, expr: Expr, rows: np.ndarray, n_pairs: int
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """A condition on the pairs of ``rows`` judged once per (code, period) cell of the
        codes those rows hold (:meth:`_deciding_codes`; no other row's values are read,
        as on the pairs), through one of the rows holding each, block by block: each row's
        code among those, and each code's periods where the condition is true and where
        it is missing (None: nowhere), as bits."""
        codes_of, n_codes, grid = self._deciding_codes(measure, expr, n_pairs)
        n_periods = self.periods.count
        row_codes, held_codes, representative = _held_codes(codes_of().take(rows), n_codes, rows)
        n_held = held_codes.size
        # the condition's lookups on that grid read straight from it, cell by cell in code order
        used = names_used(expr.node)
        direct = [lookup for lookup in measure.lookups if grid is not None and lookup.name in used
                  and self.run.lookup_grid(lookup, measure) is grid]
        # block by block where pairs would be (:meth:`_pairs_by_blocks`), else at once (within
        # the memory budget: :meth:`_deciding_codes`)
        by_blocks = self._pairs_by_blocks(measure, expr.node)
        per_block = max(1, block_rows(n_held * n_periods) // n_periods) if by_blocks else max(n_held, 1)
        true, unknown = np.zeros(n_held, dtype=np.uint64), None
        periods = np.arange(n_periods, dtype=period_dtype(n_periods))
        # a condition reading those lookups alone reads no row or period: placeholders then
        reads_rows = bool(used - {lookup.name for lookup in direct})
        for block in row_chunks(n_held, per_block):
            size = block.stop - block.start
            if reads_rows:
                cell_rows, cell_periods = np.repeat(representative[block], n_periods), np.tile(periods, size)
            else:
                cell_rows = np.broadcast_to(rows.dtype.type(0), (size * n_periods,))
                cell_periods = np.broadcast_to(periods.dtype.type(0), (size * n_periods,))
            from_grid = {lookup.name: lambda block=block: grid.cell_values(held_codes[block], n_periods)
                         for lookup in direct}
            value = evaluate_node(expr.node, self.pair_context(measure, cell_rows, cell_periods, from_grid))
            true[block] = period_bits(value.is_true().reshape(size, n_periods))
            if value.type == "null" or value.missing is not None:
                if unknown is None:
                    unknown = np.zeros(n_held, dtype=np.uint64)
                unknown[block] = period_bits(missing_mask(value).reshape(size, n_periods))
        return row_codes, true, unknown

    def _most_combinations(self, columns: tuple[str, ...]) -> int:
        """At most how many combinations of values (missing among them) ``columns`` hold,
        from their types, categories and spans: one pass over each column, no codes."""
        bound = 1
        for name in columns:
            vec = self.vec(name)
            n = len(vec)
            if vec.type == "null":
                continue
            if vec.type == "bool":
                values = 2
            elif vec.categories is not None:
                values = len(vec.categories)
            elif vec.data.dtype.kind in "iu":
                extremes = present_extremes(vec.data, vec.missing)
                values = 0 if extremes is None else extremes[1] - extremes[0] + 1
            else:
                values = n
            bound *= min(values, n) + 1
        return bound

    def _pairs_by_blocks(self, measure: Measure, node: Node) -> bool:
        """Whether an expression over (row, month) pairs is better evaluated on some pairs at
        a time: it reads a lookup (whose values, one a pair, are then never held for every
        pair), calls the engine's own functions alone and reads no text (whose categories
        would be matched again on every block)."""
        names = names_used(node)
        lookups = {lookup.name: lookup for lookup in measure.lookups}
        if not names & lookups.keys() or not engine_calls_only(node, self.run.functions):
            return False
        for name in names - set(PERIOD_VARIABLES):
            lookup = lookups.get(name)
            if lookup is None:
                vec = self.vec(name)
            elif lookup.column is None:
                continue
            else:
                vec = self.run.tables[lookup.table].vec(lookup.column)
            if vec.type == "str":
                return False
        return True

    def pair_value_by_rows(self, source: Measure, node: Node, rows: np.ndarray, periods: np.ndarray) -> Vec | None:
        """An expression's value on (row, period) pairs computed without evaluating it on
        every pair: one that reads no period is the row's value; one that reads a period
        but few distinct row values (an age at month end reads one date of birth) is
        evaluated once per (distinct values, period) and gathered. None: no cheaper way."""
        names = names_used(node)
        # both ways below do work in proportion to the table's rows: worth it for most of them
        most = 2 * rows.size >= self.table.n_rows
        if names & source.lookup_names():
            return None
        if not names & set(PERIOD_VARIABLES):
            return self._node_value(node).take(rows) if most or RowValue(to_text(node)) in self.row_work else None
        columns = tuple(sorted(names - set(PERIOD_VARIABLES)))
        if not most and RowCodes(columns) not in self.row_work:
            return None
        codes, n_codes, representative = self.row_codes(columns)
        n_periods = self.periods.count
        if 2 * n_codes * n_periods > rows.size:
            return None
        grid_codes = np.repeat(np.arange(n_codes), n_periods)
        grid_periods = np.tile(np.arange(n_periods), n_codes)
        context = self.pair_context(source, representative[grid_codes], grid_periods)
        return evaluate_node(node, context).take(codes[rows] * n_periods + periods)

    def row_codes(self, columns: tuple[str, ...]) -> tuple[np.ndarray, int, np.ndarray]:
        """Codes 0..K-1 of each row's combination of values of ``columns`` (missing being
        a value of its own; K at most the rows, some codes may hold no row), K, and one row
        holding each combination (any row for a code that none holds)."""
        def codes_of_rows() -> tuple[np.ndarray, int, np.ndarray]:
            n = self.table.n_rows
            combined, size = None, 1
            for name in columns:
                vec = self.vec(name)
                if vec.type == "null":
                    continue
                codes, count = _column_codes(vec)
                if combined is None:
                    combined, size = codes, count
                    continue
                combined *= count
                combined += codes
                size *= count
                if size > 2**40:  # keep the mixed-radix code within int64
                    combined, size = dense_codes(combined)
            if combined is None:
                combined, size = np.zeros(n, dtype=np.int64), 1
            elif size > max(n, 1):  # more possible combinations than rows: codes of those present
                combined, size = dense_codes(combined)
            representative = np.zeros(size, dtype=np.int64)
            representative[combined] = np.arange(n)
            return combined, size, representative

        return self.row_work.get(RowCodes(columns), codes_of_rows)

    def count(self, measure: Measure) -> np.ndarray:
        """Rows (or distinct values) of the measure in each period's window."""
        def counted() -> np.ndarray:
            own = measure.filters()
            if not measure.distinct and counted_by_reasons(measure, own):
                return self.reasons(measure, own)[0]
            return self._count(measure, self.selected(measure))

        # measures making the same selection (a numerator here, a denominator there) count once
        return self.shared(Count(selection_key(measure), measure.distinct), counted)

    def reasons(self, measure: Measure, filters: tuple[Expr, ...]) -> np.ndarray:
        """Rows of each period's window by the first of ``filters`` (all reading the row
        alone) that leaves them out: row 0 of the result holds the rows every filter keeps,
        row 2j + 1 (2j + 2) those that filter j leaves out first, being missing (false).

        Counted in one pass over the table for the plan's chain of filters that begins
        with ``filters`` (:class:`ReasonPasses`), which every count and row accounting of
        its first filters reads, whatever indicator needs them.
        """
        planned = self.run.reason_passes.for_filters(measure, filters)
        try:
            counts = self.window_counts(measure, planned).reasons()
        except INDICATOR_FAILURES:
            if len(planned.chain) == len(filters):
                raise
            # a later filter of the chain fails its own indicator (a plugin function that
            # raises), not this one: these filters are counted on their own
            planned = ReasonPass(measure.table, pass_placement(measure), filters)
            counts = self.window_counts(measure, planned).reasons()
        if len(planned.chain) == len(filters):
            return counts
        first = counts[:2 * len(filters) + 1].copy()
        first[0] += counts[2 * len(filters) + 1:].sum(axis=0)  # kept by the first filters, left out by later ones
        return first

    def window_counts(self, measure: Measure, planned: ReasonPass) -> PassCounts:
        """The counts of a reasons pass over the measure's rows in each period's window
        (an event pass counts by month: each event window's counts come from those)."""
        by_months = planned.placement[0] == "events"
        if by_months and (planned.n_reasons << planned.n_bits) * self.run.periods.n_months * self.n_groups \
                > _windows.MONTH_HISTOGRAM_CELLS:
            # a breakdown by many groups: months by codes by groups would be a large histogram,
            # added to block by block; the pass counts each window's period ranges instead
            return self.shared(attrs.evolve(planned.key, window=measure.window.text),
                               lambda: self._count_pass(measure, planned, by_months=False))
        counted = self.shared(planned.key, lambda: self._count_pass(measure, planned, by_months))
        if not by_months:
            return counted

        def in_windows() -> PassCounts:
            by_month = counted.counts.reshape(*counted.counts.shape[:2], self.n_groups, -1)
            window = self.run.periods.month_window_counts(by_month, measure.window.kind, measure.window.months)
            return PassCounts(window.reshape(*counted.counts.shape[:2], -1), counted.numeric)

        # the counts, the accounting and the notes of a measure read them: worked out once
        return self.shared(WindowCounts(planned.key, measure.window.text), in_windows)

    def month_buckets(self, source: Measure | Lookup) -> np.ndarray:
        """Each event's bucket on the run's month axis (:meth:`Periods.place_months`)."""
        placement = pass_placement(source)
        return self.shared(MonthBuckets(placement), lambda: self.periods.place_months(
            self.days(source.date), placement[2], self.day_span(source.date)))

    def pass_buckets(self, source: Measure) -> tuple[np.ndarray, Callable[[slice, np.ndarray], None] | None]:
        """The month buckets of an event pass's rows: those worked out already; else an
        array for the pass to fill block by block as it reads the dates' blocks (one read
        of the column less), and what fills it."""
        placement = pass_placement(source)
        if MonthBuckets(placement) in self.work:
            return self.month_buckets(source), None
        days = self.days(source.date)
        buckets = np.empty(days.size, dtype=period_dtype(self.periods.n_months))
        return buckets, self.periods.month_placer(days, placement[2], self.day_span(source.date))

    def _count_pass(self, measure: Measure, planned: ReasonPass, by_months: bool) -> PassCounts:
        by_sums = self._duration_codes(measure, planned) if by_months else None
        if by_sums is not None:  # the same codes from two lookups and a sum a row
            return self._count_by_months(measure, planned, by_sums.fill_codes, by_sums.fill_buckets,
                                         (True,) * len(planned.durations))
        chain, durations = planned.chain, planned.durations
        values = self._block_values((*chain, *durations))
        missing = [self.vec(name) for name in planned.missing]
        missing = [np.ones(self.table.n_rows, bool) if vec.type == "null" else vec.mask() for vec in missing]
        n_reasons, n_bits = planned.n_reasons, planned.n_bits
        size = block_rows(self.table.n_rows)
        scratch, bits, term = (np.empty(size, dtype=bool), np.empty(size, dtype=np.uint8),
                               np.empty(size, dtype=np.uint8))
        numeric = [True] * len(durations)

        # Codes are made by arithmetic on whole blocks: a masked write (copyto(where=),
        # out[mask] |= ...) of a scattered mask costs several times as much here.
        def fill(rows: slice, codes: np.ndarray) -> None:
            k = codes.size
            flag, add = scratch[:k], term[:k]
            block = values(rows)
            if not chain:
                codes[...] = 0
            for j in reversed(range(len(chain))):  # the first filter to leave a row out names it
                value = block[j]
                if value.type == "null":
                    codes[...] = 2 * j + 1
                    continue
                left_out = np.logical_not(value.data, out=flag)
                if value.missing is not None:
                    np.logical_or(left_out, value.missing, out=left_out)
                # left out: 2j + 2, or 2j + 1 where missing (missing rows are all left out);
                # the last filter's codes are written as they are, the others' added where
                # they leave a row out, a later filter's code giving way there
                last = j == len(chain) - 1
                code = codes if last else add
                np.multiply(left_out.view(np.uint8), 2 * j + 2, out=code)
                if value.missing is not None:
                    np.subtract(code, value.missing.view(np.uint8), out=code)
                if not last:
                    np.logical_not(left_out, out=left_out)
                    np.multiply(codes, left_out.view(np.uint8), out=codes)
                    np.add(codes, add, out=codes)
            if not n_bits:
                return
            on = bits[:k]
            on[...] = 0
            for i, value in enumerate(block[len(chain):]):  # bit i: duration i negative
                numeric[i] = numeric[i] and value.type in ("int", "float")
                if numeric[i]:
                    np.less(value.data, 0, out=flag)
                    if value.missing is not None:
                        np.greater(flag, value.missing, out=flag)  # negative and not missing
                    np.left_shift(flag.view(np.uint8), i, out=add)
                    np.bitwise_or(on, add, out=on)
            for i, mask in enumerate(missing, start=len(durations)):  # then: column missing
                np.left_shift(mask[rows].view(np.uint8), i, out=add)
                np.bitwise_or(on, add, out=on)
            on *= n_reasons
            codes += on

        if by_months:
            return self._count_by_months(measure, planned, fill, None, numeric)
        lo, hi = self.placement(measure)
        counts = coded_range_counts(lo, hi, fill, n_reasons << n_bits, self.periods.count)
        return PassCounts(counts.reshape(1 << n_bits, n_reasons, -1), tuple(numeric))

    def _count_by_months(self, measure: Measure, planned: ReasonPass, fill_codes: Callable[[slice, np.ndarray], None],
                         fill_buckets: Callable[[slice, np.ndarray], None] | None, numeric: Sequence[bool]
                         ) -> PassCounts:
        """An event pass's codes (``fill_codes``) counted by month bucket: the buckets made
        already, or written by ``fill_buckets`` where given, else by the month lookup as the
        pass reads the dates' blocks, and kept for the next pass."""
        buckets, place = self.pass_buckets(measure)
        offered = place is not None
        if fill_buckets is None:
            fill_buckets = place
        elif not offered:  # the buckets made already are shared: not written over
            buckets = np.empty_like(buckets)
        n_reasons, n_bits = planned.n_reasons, planned.n_bits
        counts = coded_bucket_counts(buckets, fill_codes, n_reasons << n_bits,
                                     self.run.periods.n_months * self.n_groups, fill_buckets)
        if offered:  # the pass has placed every row: the next one reads them
            self.work.offer(MonthBuckets(pass_placement(measure)), buckets)
        return PassCounts(counts.reshape(1 << n_bits, n_reasons, -1), tuple(numeric))

    def _duration_codes(self, measure: Measure, planned: ReasonPass) -> DurationCodes | None:
        """For an event pass (of the whole table) whose one filter compares ``days()`` or
        ``working_days()`` of two dates, one of them the pass's own, with a whole number,
        noting nothing but that duration's sign: what works out its buckets and codes from
        two table lookups and a sum a row (:mod:`._duration_codes`); else None. Only for
        two of the table's date columns whose present days lie from 1970-01-02 on, in a
        table of days no longer than the table has rows, as the month lookup's."""
        chain, durations = planned.chain, planned.durations
        if (len(chain) != 1 or planned.missing or self.n_groups != 1 or type(self.periods) is not _windows.Periods
                or not isinstance(measure.date.node, Name)):
            return None
        node = chain[0].node
        if not (isinstance(node, Binary) and isinstance(node.right, Literal) and node.right.type == "int"
                and DurationCodes.fits(node.op, node.right.value) and isinstance(node.left, Call)):
            return None
        call = node.left
        function = self.run.functions.get(call.name)
        if (function is None or not function.builtin or call.name not in ("days", "working_days") or call.kwargs
                or not all(isinstance(arg, Name) for arg in call.args)
                or any(to_text(expr.node) != to_text(call) for expr in durations)):
            return None
        placed_name = measure.date.node.name
        names = [arg.name for arg in call.args]
        if placed_name not in names:
            return None
        columns = [self.table.columns.get(name) for name in names]
        if not all(column is not None and column.type == "date" for column in columns):
            return None  # a derived date would be copied with NaT where missing, and scanned
        spans = [column.extremes() for column in columns]
        if not all(span is None or (0 < span[0] and span[1] <= TABLE_LAST_DAY) for span in spans):
            return None
        days = [column.data for column in columns]  # NaT is a date column's missing cell
        highest = max((span[1] for span in spans if span is not None), default=0)
        if highest >= self.table.n_rows:  # tables longer than the column: the expression's way
            return None
        placed_first = names[0] == placed_name
        placed = days[0] if placed_first else days[1]
        since = pass_placement(measure)[2]
        month_of_day = self.periods.month_table(since, highest)
        if call.name == "working_days":
            count_of_day = self.calendar.cumulative_working_days[-TABLE_FIRST_DAY:][:highest + 1]
        else:
            count_of_day = np.arange(highest + 1, dtype=np.int64)
        return DurationCodes(placed, days[1] if placed_first else days[0], month_of_day, count_of_day, placed_first,
                             node.op, node.right.value, self.run.periods.n_months, planned.n_reasons,
                             with_sign=bool(durations))

    def _block_values(self, exprs: Sequence[Expr]) -> Callable[[slice], list[Vec]]:
        """The values of row-level expressions on a block of rows. Those no other step has
        evaluated are evaluated block by block (their values, and their calls' values,
        never exist for the whole table); the others are views of the shared values."""
        whole = [None if self._by_blocks(expr) else self.row_value(expr) for expr in exprs]

        def values(rows: slice) -> list[Vec]:
            block = None
            out = []
            for expr, value in zip(exprs, whole):
                if value is None:
                    block = block or self._context_at(rows, rows.stop - rows.start)
                    value = evaluate_node(expr.node, block)
                else:
                    value = value.take(rows)
                out.append(value)
            return out

        return values

    def _by_blocks(self, expr: Expr) -> bool:
        """Whether a row-level filter is better evaluated block by block than for the
        whole table: a large table, and a value to be computed on some rows alone."""
        return block_rows(self.table.n_rows) < self.table.n_rows and self._on_some_rows(expr)

    def _on_some_rows(self, expr: Expr) -> bool:
        """Whether a row-level expression may be evaluated on some rows alone: a value not
        computed already, and only the engine's own element-wise functions (a plugin
        function sees the whole column, as anywhere)."""
        if RowValue(to_text(expr.node)) in self.row_work:
            return False
        return engine_calls_only(expr.node, self.run.functions)

    def _values_at(self, exprs: Sequence[Expr], rows: np.ndarray) -> list[Vec]:
        """Row-level expressions' values at some rows: the shared whole-table values where
        they exist (or a plugin function needs the whole column), else computed there alone."""
        context = None
        out = []
        for expr in exprs:
            if self._on_some_rows(expr):
                context = context or self._context_at(rows, rows.size)
                out.append(evaluate_node(expr.node, context))
            else:
                out.append(self.row_value(expr).take(rows))
        return out

    def _context_at(self, rows: slice | np.ndarray, n: int) -> Context:
        """Row-level evaluation on ``n`` rows of the table (a block as views, or some rows)."""
        return Context(n, lambda name: self.vec(name).take(rows), self.run.functions, self.calendar,
                       limits=self.run.limits, shared=Shared())

    def _count(self, measure: Measure, selection: Selection) -> np.ndarray:
        n_periods = self.periods.count
        lo, hi, keep, pending = selection.lo, selection.hi, selection.keep, selection.pending
        if not pending:
            if not measure.distinct:
                return masked_range_counts(lo, hi, keep, n_periods)
            kept = np.flatnonzero(keep & self.keys(measure.distinct)[1])
            codes, n_codes, _ = self.row_codes((measure.distinct,))
            return distinct_range_counts(codes[kept], n_codes, lo[kept], hi[kept], n_periods)
        frame = self.judged_pairs(measure, selection)
        mask = frame.all_true(pending)
        if measure.distinct:
            codes, n_codes, _ = self.row_codes((measure.distinct,))
            return frame.distinct(mask & frame.of_rows(self.keys(measure.distinct)[1]), codes, n_codes)
        return frame.period_counts(mask)

    def _account_by_counts(self, measure: Measure, roles: tuple) -> Accounting:
        """The accounting of a measure whose filters all read the row alone, from counts
        the indicators share: after each filter, the rows still kept are the count of the
        measure with the filters so far (mostly counted already for some indicator); rows a
        filter could not judge are counted only where it can be missing; the rest it left
        out were false."""
        reasons = self.reasons(measure, measure.filters())
        in_window = reasons.sum(axis=0)
        left_out: dict = {}
        for k, (role, _) in enumerate(roles):
            for reason, counts in ((f"{role} unknown", reasons[2 * k + 1]), (f"{role} false", reasons[2 * k + 2])):
                if counts.any():
                    left_out[reason] = left_out.get(reason, 0) + counts
        return Accounting(in_window, reasons[0], left_out)

    def count_unknown(self, measure: Measure, condition: Expr) -> np.ndarray:
        """Rows of the measure in each window for which ``condition`` is missing."""
        return self.shared(Unknown(selection_key(measure), to_text(condition.node)),
                           lambda: self._count_unknown(measure, condition))

    def _count_unknown(self, measure: Measure, condition: Expr) -> np.ndarray:
        filters = (*measure.filters(), condition)
        if counted_by_reasons(measure, filters):
            return self.reasons(measure, filters)[2 * len(filters) - 1]
        selection = self.selected(measure)
        frame = self.judged_pairs(measure, selection, (condition,))
        return frame.period_counts(frame.all_true(selection.pending) & frame.truth(condition)[1])

    def count_missing_key(self, measure: Measure, lookup: Lookup) -> np.ndarray:
        """Rows in each period's window of the measure whose lookup key is missing."""
        key = MissingKey(placement_key(measure), lookup.on)

        def counted(passes: tuple[ReasonPass, ...]) -> np.ndarray:
            (planned,) = passes
            counts = self.window_counts(measure, planned)
            return counts.with_bit(len(planned.durations) + planned.missing.index(lookup.on)).sum(axis=0)

        return self.shared(key, lambda: self._note(key, note_passes(measure)[key], counted))

    def _note(self, key: Key, own: tuple[ReasonPass, ...], counted: Callable[[tuple[ReasonPass, ...]], Any]):
        """A note counted by the passes the plan gives it (more bits of a chain's reasons
        pass, or passes of its own); by its own passes when a filter of that chain fails its
        indicators (a plugin function that raises), since the note does not read it."""
        planned = self.run.reason_passes.for_note(self.table.name, key, own)
        if planned == own:
            return counted(own)
        try:
            return counted(planned)
        except INDICATOR_FAILURES:
            return counted(own)

    def account(self, measure: Measure, of: Expr | None = None, each: str | None = None) -> Accounting:
        """Rows in each period's window, the rows the measure used, and the rows it left
        out by reason, so that used + left out = in window. A row left out for several
        reasons is counted under the first: row-level filters, then period-level ones,
        then a missing distinct key, then a missing ``each`` value, then a missing ``of``
        value."""
        roles = filter_roles(measure)
        if accounted_by_reasons(measure, of, each):
            return self.shared(account_key(measure, of, each), lambda: self._account_by_counts(measure, roles))
        return self.shared(account_key(measure, of, each), lambda: self._account_by_reasons(measure, roles, of, each))

    def _account_by_reasons(self, measure: Measure, roles: tuple, of: Expr | None, each: str | None = None
                            ) -> Accounting:
        """The accounting of any measure, by one reason code per row (and per (row,
        period) pair for what reads the period), counted in one pass each."""
        selection = self.selected(measure)
        n_periods = self.periods.count
        # only rows some window holds count: work on those (often a third of the table)
        placed, placed_lo, placed_hi = self.placed_rows(measure)
        # one reason code per row (0: still used), then every reason counted in one pass
        labels = ["used"]
        reason = np.zeros(placed.size, dtype=np.int8)

        def leave_out(codes: np.ndarray, label: str, rows: np.ndarray) -> None:
            """Give ``label`` to the rows still used."""
            labels.append(label)
            hit = np.equal(codes, 0)
            hit &= rows
            # by arithmetic: a masked write on a scattered mask costs many times as much
            codes += hit.view(np.int8) * np.int8(len(labels) - 1)

        pair_level = []
        for role, expr in roles:
            if is_pair_level(expr, measure):
                pair_level.append((role, expr))
                continue
            true, unknown = truth(self.row_value(expr))
            leave_out(reason, f"{role} unknown", unknown[placed])
            leave_out(reason, f"{role} false", ~true[placed])
        present = self.keys(measure.distinct)[1] if measure.distinct else None
        if not pair_level and of is None and present is not None:
            leave_out(reason, f"missing {measure.distinct}", ~present[placed])
        holder = self.keys(each)[1] if each is not None else None
        if not pair_level and holder is not None:
            leave_out(reason, f"missing {each}", ~holder[placed])
        of_by_rows = of is not None and not pair_level and not is_pair_level(of, measure)
        if of_by_rows:  # no (row, period) pairs needed
            leave_out(reason, "no value to aggregate", missing_mask(self.row_value(of))[placed])
        if len(labels) == 1:
            by_reason = range_counts(placed_lo, placed_hi, n_periods)[None, :]
        else:
            by_reason = coded_range_counts(placed_lo, placed_hi, lambda rows, out: np.copyto(out, reason[rows], casting="unsafe"),
                                           len(labels), n_periods)
        if pair_level or (of is not None and not of_by_rows):
            # rows still used go on as (row, period) pairs for the filters that need the period
            # (key, period) cells where they can stand for the pairs: no value of a row is read
            frame = self.judged_pairs(measure, selection, each=each) if of is None else self.frame(measure, selection)
            pair_reasons = []  # (label, the pairs it leaves out)
            for role, expr in pair_level:
                true, unknown = frame.truth(expr)
                pair_reasons += [(f"{role} unknown", unknown), (f"{role} false", ~true)]
            if present is not None:
                pair_reasons.append((f"missing {measure.distinct}", ~frame.of_rows(present)))
            if holder is not None:
                pair_reasons.append((f"missing {each}", ~frame.of_rows(holder)))
            if of is not None:
                pair_reasons.append(("no value to aggregate", missing_mask(frame.value(of))))
            labels += [label for label, _ in pair_reasons]
            pair_counts = frame.first_reason_counts([pairs for _, pairs in pair_reasons])
            by_reason = np.concatenate([by_reason, pair_counts[1:]])
            by_reason[0] = pair_counts[0]
        left_out: dict[str, np.ndarray] = {}
        for label, counts in zip(labels[1:], by_reason[1:]):
            if counts.any():
                left_out[label] = left_out.get(label, 0) + counts
        return Accounting(by_reason.sum(axis=0), by_reason[0], left_out)

    def undated_rows(self, measure: Measure) -> int:
        """Rows the measure's own row-level filters keep but that no date places in any
        period (rows whose date could not be read are counted as unreadable instead)."""
        def rows() -> np.ndarray:
            date = placing(measure)
            column = self._date_column(date)
            if column is not None:  # a date column's missing mask says it: no pass over its days
                if column.missing is None:
                    return np.zeros(0, dtype=np.intp)
                undated = column.missing
            else:
                undated = self.days(date) == NAT
            placed_by = self.table.columns.get(date.text.strip())
            if placed_by is not None and placed_by.unreadable_rows is not None:
                undated = undated & ~placed_by.unreadable_rows
            at = np.flatnonzero(undated)  # usually few: the filters are evaluated on them alone
            kept = np.ones(at.size, dtype=bool)
            for value in self._values_at(undated_filters(measure), at):
                kept &= value.is_true()
            return at[kept]

        return self.shared(undated_key(measure), lambda: self.rows_counted(rows()))

    def ending_before_start(self, measure: Measure) -> int:
        """Episodes whose end precedes their start."""
        def rows() -> np.ndarray:
            starts, ends = self.days(measure.start), self.days(measure.end)
            return (ends != NAT) & (starts != NAT) & (ends < starts)

        return self.shared(EndingBeforeStart(to_text(measure.start.node), to_text(measure.end.node)),
                           lambda: self.rows_counted(rows()))

    def rows_counted(self, rows: np.ndarray) -> int:
        """How many rows a mask (or an array of row positions) holds: a data-quality count
        that no period places."""
        return int(np.count_nonzero(rows)) if rows.dtype == bool else int(rows.size)

    def negative_durations(self, measure: Measure, of: Expr | None = None) -> dict[str, np.ndarray]:
        """Rows in each window, kept by the measure's ``where``, for which a duration its
        expressions take between two of the row's dates (``days``, ``working_days``,
        ``months``, ``age``) is negative: usually a date entered wrongly."""
        key = negative_durations_key(measure, of)
        if key is None:
            return {}

        def counted(passes: tuple[ReasonPass, ...]) -> dict[str, np.ndarray]:
            out = {}
            for planned in passes:
                counts = self.window_counts(measure, planned)
                # the where is the chain's first filter: rows it leaves out have reasons 1 and 2
                kept = slice(None) if key.where is None else [0, *range(3, planned.n_reasons)]
                for i, text in enumerate(texts(planned.durations)):
                    if text in key.durations and counts.numeric[i]:
                        out[text] = counts.with_bit(i)[kept].sum(axis=0)
            return {text: out[text] for text in key.durations if text in out}

        return self.shared(key, lambda: self._note(key, note_passes(measure, of)[key], counted))
