"""Mergeable partial results: evaluate chunks of a table apart, combine them exactly.

Each chunk's partial keeps, for every indicator and period, what combines without loss:
counts (which add), the distinct keys counted (which unite), the values an aggregate
indicator aggregates (which concatenate, so that a median is exact), data-quality
counts and the row accounting (which add). This is the seam a distributed backend stands on. Chunks must keep all the rows
of a key together when the pack uses derived columns (``previous``/``next``) or lookups,
since those read across rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._arrays import unique
from ._dates import format_period
from ._engine import accounting, figures_from_raw, parse_run, raw_figures, start_run, _notes
from ._errors import DataError, Problem
from ._functions import DEFAULT_TIME_LIMIT
from ._judgement import judge
from ._pack import Pack
from ._results import Results
from ._windows import Periods


def _merge(a, b):
    if a is None:
        return None
    if isinstance(a, list):
        if a and a[0].dtype.kind == "f":
            return [np.sort(np.concatenate([x, y])) for x, y in zip(a, b)]
        return [unique(np.concatenate([x, y])) for x, y in zip(a, b)]
    if np.issubdtype(np.asarray(a).dtype, np.integer):
        return a + b
    return a  # constants and populations do not depend on the rows


def _add_counts(a: dict, b: dict) -> dict:
    """Counts by reason of two chunks together."""
    return {k: a.get(k, 0) + b.get(k, 0) for k in set(a) | set(b)}


class Partial:
    """The partial aggregates of one chunk (or of several chunks merged)."""

    def __init__(self, pack: Pack, first: int, last: int, parts: dict[str, tuple]) -> None:
        self.pack = pack
        self.first = first
        self.last = last
        self.parts = parts

    def merge(self, other: Partial) -> Partial:
        """The partial of both chunks together."""
        if other.pack is not self.pack or (other.first, other.last) != (self.first, self.last):
            raise DataError([Problem("partials merge only when they come from the same pack and run")])
        parts = {}
        for name, (numerator, denominator, notes, rows) in self.parts.items():
            other_num, other_den, other_notes, other_rows = other.parts[name]
            merged_rows = {side: (rows[side][0] + other_rows[side][0], rows[side][1] + other_rows[side][1],
                                  _add_counts(rows[side][2], other_rows[side][2]))
                           for side in rows}
            parts[name] = (_merge(numerator, other_num), _merge(denominator, other_den),
                           _add_counts(notes, other_notes), merged_rows)
        return Partial(self.pack, self.first, self.last, parts)

    def results(self, suppress_below: int | None = None) -> Results:
        """Final results, judged, as :func:`indicators.evaluate` gives them."""
        if suppress_below is None:
            suppress_below = self.pack.suppress_below
        periods = Periods(self.first - 1, self.last, self.pack.financial_year_start)
        records = []
        for name, indicator in self.pack.indicators.items():
            numerator, denominator, notes, rows = self.parts[name]
            figures = figures_from_raw(indicator, periods, numerator, denominator)
            records.extend(judge(indicator, periods, figures, suppress_below, notes, rows))
        return Results(records, self.pack, format_period(self.first), format_period(self.last))


def evaluate_partial(pack: Pack, tables: Any, start: str, end: str, *, strict: bool | None = None,
                     loader: str = "csv", function_time_limit: float | None = DEFAULT_TIME_LIMIT) -> Partial:
    """Partial aggregates of every indicator over one chunk of the data (a plugin
    function's failure or overrunning the time limit raises :class:`PluginError`)."""
    first, last = parse_run(start, end)
    run = start_run(pack, tables, first, last, strict, loader, function_time_limit)
    parts = {}
    for name, indicator in pack.indicators.items():
        numerator, denominator = raw_figures(indicator, pack, run.tables, run.periods, mergeable=True)
        # a row's duplicate may sit in another chunk, so partials leave that note out
        parts[name] = (numerator, denominator, _notes(indicator, run, duplicates=False), accounting(indicator, run))
    return Partial(pack, first, last, parts)


def merge_partials(partials: list[Partial]) -> Partial:
    """All chunks' partials combined."""
    merged = partials[0]
    for partial in partials[1:]:
        merged = merged.merge(partial)
    return merged
