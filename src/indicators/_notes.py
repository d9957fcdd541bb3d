"""What an indicator's rows come to: the rows in each period's window, used and left out
by reason, and the data-quality notes on the rows it reads (unreadable values, unknown
codes, duplicate rows, missing dates, negative durations, ...)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import attrs
import numpy as np

from ._expressions import names_used
from ._pack import AGGREGATE_KINDS, Indicator, Measure
from ._work import noted_measures, placing

if TYPE_CHECKING:
    from ._run import Run
    from ._table_evaluation import Accounting


@attrs.frozen(eq=False)
class Counted:
    """An indicator counted (for the total, or every group of a breakdown), before judging."""

    figures: dict
    notes: dict[str, np.ndarray] | None  # None: the counting failed
    rows: dict[str, Accounting] | None
    failure: str | None = None  # why the figures are empty (a plugin function failed, or the budget)


def accounting(indicator: Indicator, run: Run) -> dict[str, Accounting]:
    """For the numerator and any counted denominator: rows in each period's window, rows
    used and rows left out by reason (see :meth:`TableEvaluation.account`)."""
    numerator = indicator.numerator
    of = indicator.of if indicator.kind in AGGREGATE_KINDS else None
    sides = {"numerator": run.tables[numerator.table].account(numerator, of, indicator.each)}
    if isinstance(indicator.denominator, Measure) and indicator.kind in ("percentage", "rate", "ratio"):
        sides["denominator"] = run.tables[indicator.denominator.table].account(indicator.denominator)
    return sides


def _adder(notes: dict[str, np.ndarray], n_periods: int) -> Callable[[str, Any], None]:
    def add(reason: str, counts) -> None:
        """Add counts by period (or one count for every period) under ``reason``."""
        counts = np.asarray(counts, dtype=np.int64)
        if not counts.any():
            return
        if counts.ndim == 0:
            counts = np.full(n_periods, counts)
        notes[reason] = notes.get(reason, 0) + counts

    return add


def duplicate_notes(indicator: Indicator, run: Run, notes: dict[str, np.ndarray],
                    beside: bool | None = None) -> dict[str, np.ndarray]:
    """``notes`` (an indicator's, made without duplicates) with the duplicate-row notes of
    the tables its measures read added: those whose note is worked out beside the run
    (``beside`` True), the others (False), or all (None)."""
    add = _adder(notes, run.periods.count)
    by_table: dict[str, list[Measure]] = {}
    for measure, _ in noted_measures(indicator):
        by_table.setdefault(measure.table, []).append(measure)
    for table, measures in by_table.items():  # a row in both a numerator's and a denominator's window counts once
        if beside is None or run.duplicates_beside(table) == beside:
            add(f"duplicate rows ({table})", run.tables[table].duplicate_rows(measures))
    return notes


def indicator_notes(indicator: Indicator, run: Run, duplicates: bool = True) -> dict[str, np.ndarray]:
    """Data-quality counts by reason, one per period, for the rows an indicator reads
    (without the duplicate-row notes, :func:`duplicate_notes`, unless ``duplicates``)."""
    notes: dict[str, np.ndarray] = {}
    add = _adder(notes, run.periods.count)
    for measure, of in noted_measures(indicator):
        evaluation = run.tables[measure.table]
        table = evaluation.table
        names = set()
        for expr in measure.expressions():
            names |= names_used(expr.node)
        if of is not None:
            names |= names_used(of.node)  # an aggregate's values: NaN, inf or 1e309 cells
        names |= {measure.distinct} if measure.distinct else set()
        names |= {lookup.on for lookup in measure.lookups}
        for name in sorted(names):
            column = table.columns.get(name)
            if column is not None and column.unreadable:
                add(f"unreadable ({measure.table}.{name})", column.unreadable)
            if column is not None and column.unknown_codes:
                for label, count in column.unknown_by or ((None, column.unknown_codes),):
                    add(f"unknown code ({measure.table}.{name}{f', {label}' if label else ''})", count)
        add(f"missing {'start' if measure.window.is_snapshot else 'date'} "
            f"({measure.table}.{placing(measure).text})", evaluation.undated_rows(measure))
        if measure.window.is_snapshot and measure.end is not None:
            add(f"end before start ({measure.table})", evaluation.ending_before_start(measure))
        for lookup in measure.lookups:
            add(f"lookup key missing ({lookup.name})", evaluation.count_missing_key(measure, lookup))
        for text, counts in evaluation.negative_durations(measure, of).items():
            add(f"negative duration ({text})", counts)
    numerator = indicator.numerator
    if indicator.kind in ("percentage", "rate", "ratio") and numerator.extra is not None:
        evaluation = run.tables[numerator.table]
        base = attrs.evolve(numerator, extra=None)
        add("numerator unknown (missing values)", evaluation.count_unknown(base, numerator.extra))
    return duplicate_notes(indicator, run, notes) if duplicates else notes
