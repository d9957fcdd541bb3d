"""Aggregates over a table's rows in a run: the mean, median, minimum, maximum or sum of
a value (``of``) or of the rows held by each value of a column (``each``), in each period;
and the values, distinct keys and holders that chunks of a table combine (partials)."""

from __future__ import annotations

import numpy as np

from . import _aggregates
from ._aggregates import aggregate_by_period
from ._arrays import dense_codes, distinct_per_group, unique
from ._expressions import to_text
from ._pack import Expr, Measure
from ._table_evaluation import TableEvaluation
from ._windows import merged_ranges
from ._work import Aggregate, HeldByEach, is_pair_level, selection_key


def distinct_keys(evaluation: TableEvaluation, measure: Measure) -> list[np.ndarray]:
    """The distinct keys counted in each period (mergeable across chunks of a table)."""
    selection = evaluation.selected(measure)
    keys, present = evaluation.keys(measure.distinct)
    frame = evaluation.frame(measure, selection)
    mask = frame.all_true(selection.pending) & present[frame.rows]
    periods, values = frame.periods[mask], keys[frame.rows[mask]]
    return [unique(values[periods == p]) for p in range(evaluation.periods.count)]


def aggregate_values(evaluation: TableEvaluation, measure: Measure, of: Expr) -> list[np.ndarray]:
    """The sorted values an aggregate indicator aggregates in each period."""
    selection = evaluation.selected(measure)
    frame = evaluation.frame(measure, selection)
    values = frame.value(of)
    if values.type == "null":
        return [np.zeros(0) for _ in range(evaluation.periods.count)]
    mask = frame.all_true(selection.pending) & ~values.mask()
    periods, data = frame.periods[mask], values.data[mask].astype(np.float64)
    return [np.sort(data[periods == p]) for p in range(evaluation.periods.count)]


def aggregate(evaluation: TableEvaluation, measure: Measure, of: Expr, kind: str
              ) -> tuple[np.ndarray, np.ndarray]:
    """Rows aggregated and the aggregate of ``of`` in each period (NaN where none)."""
    return evaluation.shared(Aggregate(selection_key(measure), kind, measure.distinct, of=to_text(of.node)),
                       lambda: _aggregate(evaluation, measure, of, kind))


def _aggregate(evaluation: TableEvaluation, measure: Measure, of: Expr, kind: str
               ) -> tuple[np.ndarray, np.ndarray]:
    n_periods = evaluation.periods.count
    selection = evaluation.selected(measure)
    if not selection.pending and not is_pair_level(of, measure):
        by_ranges = _aggregate_by_ranges(evaluation, selection.lo, selection.hi, selection.keep, of, kind)
        if by_ranges is not None:
            return by_ranges
    frame = evaluation.frame(measure, selection)
    mask = frame.all_true(selection.pending)
    values = frame.value(of)
    if values.type != "null":
        mask = mask & ~values.mask()
    else:
        mask = np.zeros(frame.rows.size, dtype=bool)
    p = frame.periods[mask]
    v = values.data[mask].astype(np.float64) if values.type != "null" else np.zeros(0)
    codes = None
    if kind in ("min", "max", "median") and not is_pair_level(of, measure) and p.size >= evaluation.table.n_rows:
        # the values as codes into the sorted distinct values of the rows: one sort of
        # rows, not of (row, period) pairs
        row = evaluation.row_value(of)
        distinct, row_codes = unique(np.where(row.mask(), 0.0, row.data.astype(np.float64)), return_inverse=True)
        codes = (distinct, row_codes[frame.rows[mask]])
    return aggregate_by_period(p, v, kind, n_periods, codes)


def _each_pairs(evaluation: TableEvaluation, measure: Measure, each: str) -> tuple[np.ndarray, np.ndarray]:
    """The (row, period) pairs the measure keeps whose ``each`` value (and distinct
    value, when the measure has one) is present."""
    selection = evaluation.selected(measure)
    frame = evaluation.frame(measure, selection)
    mask = frame.all_true(selection.pending) & evaluation.keys(each)[1][frame.rows]
    if measure.distinct:
        mask &= evaluation.keys(measure.distinct)[1][frame.rows]
    return frame.rows[mask], frame.periods[mask].astype(np.int64)


def _values(evaluation: TableEvaluation, name: str, rows: np.ndarray) -> np.ndarray:
    """A column's values at ``rows`` as the column holds them (text as text)."""
    column = evaluation.vec(name)
    return column.categories[column.data[rows]] if column.type == "str" else column.data[rows]


def _aggregate_by_ranges(evaluation: TableEvaluation, lo: np.ndarray, hi: np.ndarray, keep: np.ndarray, of: Expr,
                         kind: str) -> tuple[np.ndarray, np.ndarray] | None:
    """The aggregate of a value that reads only its row, without a (row, period) pair:
    how many rows of each distinct value each period's window holds, from one
    difference array over (period, value). None where that grid would be large (many
    distinct values), or for sums of decimals, whose order of addition must stay the
    pairs' (the caller then works on pairs)."""
    values = evaluation.row_value(of)
    if values.type == "null":
        return None
    present = keep & ~values.mask()
    data = values.data[present]
    if kind in ("sum", "mean") and data.dtype.kind not in "iub":
        return None
    distinct, rank = unique(data, return_inverse=True)
    n_periods, width = evaluation.periods.count, max(distinct.size, 1)
    if (n_periods + 1) * width > 4 * _aggregates.HISTOGRAM_CELLS:  # one setting, read at run time
        return None
    size = (n_periods + 1) * width
    starts = lo[present].astype(np.int64) * width + rank
    stops = hi[present].astype(np.int64) * width + rank
    diff = np.bincount(starts, minlength=size) - np.bincount(stops, minlength=size)
    grid = np.cumsum(diff.reshape(n_periods + 1, width), axis=0)[:n_periods]  # rows per (period, value)
    counts = grid.sum(axis=1).astype(np.int64)
    out = np.full(n_periods, np.nan)
    has = counts > 0
    if not has.any():
        return counts, out
    if kind in ("sum", "mean"):
        sums = (grid @ distinct.astype(np.int64)).astype(np.float64)  # exact: whole numbers
        out[has] = sums[has] if kind == "sum" else sums[has] / counts[has]
        return counts, out
    cumulative = np.cumsum(grid[has], axis=1)
    as_float = distinct.astype(np.float64)

    def kth(k: np.ndarray) -> np.ndarray:  # the k-th smallest value (0-based) of each period
        return as_float[(cumulative > k[:, None]).argmax(axis=1)]

    n = counts[has]
    if kind == "min":
        out[has] = kth(np.zeros_like(n))
    elif kind == "max":
        out[has] = kth(n - 1)
    else:  # median: mean of the middle two when the count is even
        out[has] = (kth((n - 1) // 2) + kth(n // 2)) / 2
    return counts, out


_COUNTED_CELLS_PER_ROW = 4  # past this many (period, key) cells per row, held_by_each sorts


def held_by_each(evaluation: TableEvaluation, measure: Measure, each: str) -> tuple[np.ndarray, np.ndarray]:
    """For every (period, value of ``each``) holding rows of the measure: the period
    and how many rows it holds (or distinct values of the measure's ``distinct``
    column). Rows whose ``each`` (or distinct) value is missing hold none."""
    selection = evaluation.selected(measure)
    if not selection.pending:
        held = _held_by_ranges(evaluation, measure, each, selection)
        if held is not None:
            return held
    rows, periods = _each_pairs(evaluation, measure, each)
    codes, n_keys = dense_codes(evaluation.keys(each)[0][rows])
    n_keys = max(n_keys, 1)
    cells = periods * n_keys + codes
    n_cells = evaluation.periods.count * n_keys
    if measure.distinct:  # distinct members per (period, key)
        member_codes, _ = dense_codes(evaluation.keys(measure.distinct)[0][rows])
        held = distinct_per_group(cells, member_codes, n_cells)
    elif n_cells <= _COUNTED_CELLS_PER_ROW * cells.size + 1_000_000:  # a count per cell, no sort
        held = np.bincount(cells, minlength=n_cells)
    else:
        cells = np.sort(cells)
        starts = np.flatnonzero(np.r_[True, cells[1:] != cells[:-1]]) if cells.size else np.zeros(0, np.int64)
        return cells[starts] // n_keys, np.diff(np.r_[starts, cells.size])
    return _holding(held, n_keys)


def _holding(held: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    """The period and count of each (period, key) cell that holds any, from counts laid
    out period-major."""
    holding = np.flatnonzero(held)
    return holding // n_keys, held[holding]


def _held_by_ranges(evaluation: TableEvaluation, measure: Measure, each: str, selection
                    ) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`held_by_each` from each row's range of periods, without (row, period) pairs,
    for a selection with no filter left to judge per pair: rows per (key, period) from one
    difference array; with ``distinct``, each (key, member)'s ranges merged first, so that
    a member counts once. None where the (key, period) grid would be large."""
    keys, keep = evaluation.keys(each)
    keep = keep & selection.keep & (selection.lo < selection.hi)
    if measure.distinct:
        members, member_present = evaluation.keys(measure.distinct)
        keep &= member_present
    rows = np.flatnonzero(keep)
    codes, n_keys = dense_codes(keys[rows])
    n_keys = max(n_keys, 1)
    n_periods = evaluation.periods.count
    width = n_periods + 1
    if n_keys * width > _COUNTED_CELLS_PER_ROW * rows.size + 1_000_000:
        return None
    lo, hi = selection.lo[rows].astype(np.int64), selection.hi[rows].astype(np.int64)
    if measure.distinct and rows.size:
        member_codes, n_members = dense_codes(members[rows])
        n_pairs = n_keys * n_members
        if n_pairs * width * width >= 2**62:  # past one packed sort of (key, member, start, end)
            return None
        run_pairs, lo, hi = merged_ranges(codes * n_members + member_codes, lo, hi, n_periods, n_codes=n_pairs)
        codes = run_pairs // n_members
    size = n_keys * width
    diff = np.bincount(codes * width + lo, minlength=size) - np.bincount(codes * width + hi, minlength=size)
    held = np.cumsum(diff.reshape(-1, width), axis=1)[:, :n_periods].T.ravel()  # period-major, as cells sort
    return _holding(held, n_keys)


def each_members(evaluation: TableEvaluation, measure: Measure, each: str
                 ) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each period, the ``each`` value of every row the measure keeps there and
    its distinct value (or a count of 1 per row): what chunks of a table combine."""
    rows, periods = _each_pairs(evaluation, measure, each)
    keys = _values(evaluation, each, rows)
    members = _values(evaluation, measure.distinct, rows) if measure.distinct else np.ones(rows.size, np.int64)
    order = np.argsort(periods, kind="stable")
    bounds = np.searchsorted(periods[order], np.arange(evaluation.periods.count + 1))
    return [(keys[order[a:b]], members[order[a:b]]) for a, b in zip(bounds[:-1], bounds[1:])]


def aggregate_each(evaluation: TableEvaluation, measure: Measure, each: str, kind: str
                   ) -> tuple[np.ndarray, np.ndarray]:
    """How many values of ``each`` hold rows in each period, and the ``kind`` of the
    rows they hold (a mean caseload per worker, say)."""
    def aggregated() -> tuple[np.ndarray, np.ndarray]:
        periods, held = evaluation.shared(HeldByEach(selection_key(measure), measure.distinct, each),
                                          lambda: held_by_each(evaluation, measure, each))
        return aggregate_by_period(periods, held.astype(np.float64), kind, evaluation.periods.count)

    return evaluation.shared(Aggregate(selection_key(measure), kind, measure.distinct, each=each), aggregated)
