"""Whether a run's months lie within the dates the data holds.

A run outside the data gives zeros and empty values that look like real figures; these
warnings say so, naming each table and the dates it holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

import numpy as np

from ._dates import format_period, month_code, month_end, month_start, to_iso
from ._expressions import names_used

if TYPE_CHECKING:
    from ._pack import Lookup, Measure, Pack
    from ._tables import Table


def placement_columns(pack: Pack) -> dict[str, set[str]]:
    """The columns that place each table's rows in periods (of measures and lookups). A
    lookup over all time up to each period (``to_date``, a date of birth, say) does not
    count: its dates are not the period the data covers."""
    out: dict[str, set[str]] = {}
    for indicator in pack.indicators.values():
        for measure in indicator.measures():
            owners: tuple[Measure | Lookup, ...] = (
                measure, *(lookup for lookup in measure.lookups if lookup.window.kind != "to_date"))
            for owner in owners:
                names = out.setdefault(owner.table, set())
                for expr in (owner.date, owner.start, owner.end):
                    if expr is not None:
                        names |= names_used(expr.node)
    return out


def date_ranges(pack: Pack, tables: Mapping[str, Table]) -> dict[str, tuple[int, int] | None]:
    """The first and last day (day numbers) in each table's placing date columns; None
    when those columns hold no date."""
    out: dict[str, tuple[int, int] | None] = {}
    for name, columns in sorted(placement_columns(pack).items()):
        table = tables.get(name)
        if table is None:
            continue
        lows, highs = [], []
        for column_name in sorted(columns):
            column = table.columns.get(column_name)
            if column is None or column.type != "date" or not len(column):
                continue
            extremes = column.extremes()
            if extremes is not None:
                lows.append(extremes[0])
                highs.append(extremes[1])
        if lows or any(c in table.columns and table.columns[c].type == "date" for c in columns):
            out[name] = (min(lows), max(highs)) if lows else None
    return out


def _months(first: int, last: int) -> str:
    return format_period(first) if first == last else f"{format_period(first)} to {format_period(last)}"


def coverage_warnings(pack: Pack, tables: Mapping[str, Table], first: int, last: int,
                      ranges: Mapping[str, tuple[int, int] | None] | None = None) -> list[str]:
    """One warning per way the run's months (month codes ``first``..``last``) fall outside
    the tables' dates, naming the tables and the dates they hold (``ranges``: the
    tables' :func:`date_ranges`, when already known)."""
    run_start, run_end = int(month_start(first)), int(month_end(last))
    grouped: dict[tuple, list[str]] = {}
    for name, span in (date_ranges(pack, tables) if ranges is None else ranges).items():
        if span is None:
            grouped.setdefault(("none",), []).append(f"{name} (no dates)")
            continue
        low, high = span
        before = after = None
        if run_start < low:
            last_before = int(month_code(np.array([low]))[0]) - 1  # months ending before the first date
            if last_before >= first:
                before = (first, min(last_before, last))
        if run_end > high:
            first_after = int(month_code(np.array([high]))[0]) + 1
            if first_after <= last:
                after = (max(first_after, first), last)
        if before or after:
            grouped.setdefault((before, after), []).append(f"{name} {to_iso(low)} to {to_iso(high)}")
    warnings = []
    for key, names in grouped.items():
        if key == ("none",):
            warnings.append("the data holds no dates to place rows in months: " + ", ".join(names))
            continue
        before, after = key
        if before == (first, last) or after == (first, last):
            where = f"the run {_months(first, last)} lies outside the dates in the data"
        else:
            parts = [f"{'month' if span[0] == span[1] else 'months'} {_months(*span)} "
                     f"{'lies' if span[0] == span[1] else 'lie'} {side}"
                     for side, span in (("before", before), ("after", after)) if span]
            where = f"{' and '.join(parts)} the dates in the data"
        warnings.append(f"{where}, which hold: " + ", ".join(names))
    return warnings
