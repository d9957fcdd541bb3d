"""``evaluate``: every indicator of a pack for every month of a run, judged, with its
breakdowns, the data's coverage, what an explanation needs and the report framing."""

from __future__ import annotations

import os
from typing import Any, Callable, Sequence

from ._breakdowns import Breakdown, check_by
from ._coverage import coverage_warnings
from ._data_check import parse_run, start_run
from ._dates import format_period
from ._errors import INDICATOR_FAILURES
from ._explain import inputs_of
from ._figures import empty_figures, failure_text, indicator_figures
from ._framing import read_framing
from ._functions import DEFAULT_TIME_LIMIT
from ._judgement import judge
from ._memory import DEFAULT_MEMORY_BUDGET
from ._notes import Counted, accounting, duplicate_notes, indicator_notes
from ._pack import Pack
from ._plugins import default_registry
from ._registry import Registry
from ._run import Run
from ._results import Results


def evaluate(pack: Pack, tables: Any, start: str, end: str, *, strict: bool | None = None,
             suppress_below: int | None = None, loader: str = "csv",
             function_time_limit: float | None = DEFAULT_TIME_LIMIT,
             memory_budget: int | None = DEFAULT_MEMORY_BUDGET,
             progress: Callable[[int, int, str], None] | None = None,
             by: Sequence[str] | None = None, registry: Registry | None = None) -> Results:
    """Evaluate every indicator of ``pack`` for every period from ``start`` to ``end``.

    ``tables`` maps table names to tables (mappings of column to array-like, or data
    frames), or is a location that the named ``loader`` reads (by default a folder of
    CSV files). Periods are ``YYYY-MM``. A plugin function call that takes longer than
    ``function_time_limit`` seconds (None: no limit) fails the indicators that use it, as
    does work that would take more than ``memory_budget`` bytes in one step (None: no limit).
    ``progress(done, total, indicator)`` is called before each indicator, and as
    ``progress(total, total, "")`` once every indicator is counted, before judging. Months of the
    run outside the data's dates are listed in ``results.warnings``. When a plugin declares
    how ``loader``'s tables answer ``pack`` (:class:`indicators.PackInput`), the pack is
    evaluated by those definitions and the indicators they cannot answer are in
    ``results.skipped`` with why; ``loader`` names the input even when ``tables`` are
    passed already read. ``by`` names columns of the indicators' tables to break every
    figure down by (SPEC section 11): each indicator's results for the total are then
    followed by those of each group. The functions, calendar, loader and pack inputs the
    pack names are taken from ``registry`` (None: :func:`indicators.default_registry`); a
    function or calendar it lacks (the pack was loaded with another registry) is a
    :class:`indicators.PackError` naming it, located in the pack.
    """
    first, last = parse_run(start, end)
    if by is not None:
        by = check_by(by)
    if suppress_below is None:
        suppress_below = pack.suppress_below
    run = start_run(pack, tables, first, last, strict, loader, function_time_limit, memory_budget, skip=True,
                    registry=registry or default_registry())
    pack = run.pack_as_run
    breakdown = Breakdown(run, by) if by is not None else None
    run.begin_beside()
    try:
        records, failures = _records(run, pack, breakdown, suppress_below, progress, by)
    finally:
        run.end()
    results = Results(records, pack, format_period(first), format_period(last), failures=failures,
                      skipped=run.skipped)
    results.warnings = coverage_warnings(run.pack, {n: e.table for n, e in run.tables.items()}, first, last)
    results.explain_sources = [inputs_of(run, first, last)]
    if isinstance(tables, (str, os.PathLike)) and os.path.isdir(tables):
        results.framing = read_framing(tables)
        if results.framing is not None:
            results.warnings.extend(results.framing.unused(run.pack.indicators))
    return results


def _records(run: Run, pack: Pack, breakdown: Breakdown | None, suppress_below: int | None,
             progress: Callable[[int, int, str], None] | None, by: Sequence[str] | None) -> tuple[list, list[str]]:
    """Every indicator's result records (each followed by its groups'), and the failures."""
    periods = run.periods
    chosen = run.pack.indicators
    counted = {}
    failed: dict[str, str] = {}
    for done, indicator in enumerate(run.evaluation_order()):
        if progress is not None:
            progress(done, len(chosen), indicator.id)
        # the groups first: the total's counts of rows are then the sums of theirs
        groups = breakdown.count(indicator) if breakdown else None
        try:
            figures = indicator_figures(indicator, pack, run.tables, periods)
            notes = duplicate_notes(indicator, run, indicator_notes(indicator, run, duplicates=False), beside=False)
            rows = accounting(indicator, run)
        except INDICATOR_FAILURES as exc:
            # a plugin function failed, or the work was too big: this indicator has no
            # figures, the others still do
            failed[indicator.id] = failure_text(indicator, exc)
            counted[indicator.id] = (indicator, Counted(empty_figures(indicator, periods), None, None), groups)
        else:
            if groups is not None and groups.failure is not None:
                failed[indicator.id] = f"indicators.{indicator.id} (its groups by {', '.join(by)}): {groups.failure}"
            counted[indicator.id] = (indicator, Counted(figures, notes, rows), groups)
        run.done_with(indicator, *((breakdown.tables,) if breakdown else ()))
    if progress is not None:
        progress(len(chosen), len(chosen), "")
    # records and failures in the pack's order, whatever order the run counted them in
    counted = [counted[id] for id in chosen]
    failures = [failed[id] for id in chosen if id in failed]
    # judged once every indicator is counted: the duplicate-row notes worked out beside the
    # run are asked for last, so that the run waits for them as little as it can
    run.take_over_notes([indicator for indicator, total, _ in counted if total.notes is not None])
    records = []
    for indicator, total, groups in counted:
        notes = {} if total.notes is None else duplicate_notes(indicator, run, total.notes, beside=True)
        records.extend(judge(indicator, periods, total.figures, suppress_below, notes, total.rows))
        if breakdown:
            records.extend(breakdown.records(indicator, groups, suppress_below))
    return records, failures
