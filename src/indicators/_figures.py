"""Figures: an indicator's numerator, denominator and value for every period, from a
run's counts, or from raw counts and values that chunks of the data combine."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._errors import PluginError, ResourceError
from ._pack import AGGREGATE_KINDS, Constant, Indicator, Measure, Pack
from ._table_aggregates import aggregate, aggregate_each, aggregate_values, distinct_keys, each_members
from ._windows import Periods

if TYPE_CHECKING:
    from ._table_evaluation import TableEvaluation


def population_by_period(pack: Pack, name: str, periods: Periods) -> np.ndarray:
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


def failure_text(indicator: Indicator, error: PluginError | ResourceError) -> str:
    """How ``results.failures`` names an indicator that failed, and why."""
    return f"indicators.{indicator.id}: " + "; ".join(str(p) for p in error.problems)


def empty_figures(indicator: Indicator, periods: Periods) -> dict[str, np.ndarray]:
    """Figures of an indicator that could not be computed: every value missing."""
    starts, ends = periods.window_bounds(indicator.base.window.kind, indicator.base.window.months,
                                         indicator.base.since)
    nothing = np.full(periods.count, np.nan)
    return {"numerator": np.full(periods.count, None, dtype=object), "denominator": nothing, "value": nothing,
            "counted_denominator": False, "window_start": starts, "window_end": ends}


def _denominator(indicator: Indicator, pack: Pack, evaluations: dict[str, TableEvaluation],
                 periods: Periods, mergeable: bool = False):
    den = indicator.denominator
    if indicator.kind in AGGREGATE_KINDS or indicator.kind == "count" or den is None:
        return None
    if isinstance(den, Measure):
        evaluation = evaluations[den.table]
        return distinct_keys(evaluation, den) if mergeable and den.distinct else evaluation.count(den)
    if isinstance(den, Constant):
        return np.full(periods.count, den.value)
    return population_by_period(pack, den.name, periods)


def raw_figures(indicator: Indicator, pack: Pack, evaluations: dict[str, TableEvaluation], periods: Periods,
                mergeable: bool = False) -> tuple:
    """Numerator and denominator before they become values: counts, or (``mergeable``)
    the distinct keys or aggregated values of each period, which chunks can combine."""
    evaluation = evaluations[indicator.numerator.table]
    if indicator.kind in AGGREGATE_KINDS and indicator.each is not None:
        if mergeable:
            return each_members(evaluation, indicator.numerator, indicator.each), None
        return aggregate_each(evaluation, indicator.numerator, indicator.each, indicator.kind), None
    if indicator.kind in AGGREGATE_KINDS:
        if mergeable:
            return aggregate_values(evaluation, indicator.numerator, indicator.of), None
        return aggregate(evaluation, indicator.numerator, indicator.of, indicator.kind), None
    if mergeable and indicator.numerator.distinct:
        numerator = distinct_keys(evaluation, indicator.numerator)
    else:
        numerator = evaluation.count(indicator.numerator)
    return numerator, _denominator(indicator, pack, evaluations, periods, mergeable)


def _as_counts(raw) -> np.ndarray:
    if isinstance(raw, list):
        return np.array([values.size for values in raw], dtype=np.int64)
    return raw


def _aggregate_of(kind: str, values: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    counts = np.array([v.size for v in values], dtype=np.int64)
    out = np.full(len(values), np.nan)
    for p, v in enumerate(values):
        if v.size:
            out[p] = {"sum": np.sum, "mean": np.mean, "min": np.min, "max": np.max, "median": np.median}[kind](v)
    return counts, out


def figures_from_raw(indicator: Indicator, periods: Periods, numerator, denominator) -> dict[str, np.ndarray]:
    """Numerator, denominator and value of one indicator for every period."""
    if indicator.kind in AGGREGATE_KINDS:
        counts, value = _aggregate_of(indicator.kind, numerator) if isinstance(numerator, list) else numerator
        numerator, den_values = counts, np.full(periods.count, np.nan)
    else:
        numerator = _as_counts(numerator)
        value = numerator.astype(np.float64)
        den_values = np.full(periods.count, np.nan) if denominator is None else _as_counts(denominator)
        if indicator.kind != "count":
            scale = {"percentage": 100.0, "rate": indicator.per, "ratio": 1.0}[indicator.kind]
            den_float = np.asarray(den_values, dtype=np.float64)
            usable = np.isfinite(den_float) & (den_float != 0)
            value = np.full(periods.count, np.nan)
            value[usable] = scale * numerator[usable] / den_float[usable]
    starts, ends = periods.window_bounds(indicator.base.window.kind, indicator.base.window.months,
                                         indicator.base.since)
    return {"numerator": numerator, "denominator": den_values, "value": value,
            "counted_denominator": isinstance(indicator.denominator, Measure)
            and indicator.kind not in AGGREGATE_KINDS and indicator.kind != "count",
            "window_start": starts, "window_end": ends}


def indicator_figures(indicator: Indicator, pack: Pack, evaluations: dict[str, TableEvaluation],
             periods: Periods) -> dict[str, np.ndarray]:
    return figures_from_raw(indicator, periods, *raw_figures(indicator, pack, evaluations, periods))
