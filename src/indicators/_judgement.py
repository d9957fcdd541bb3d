"""Judging values: targets, RAG, direction of travel, benchmarks, intervals, quartiles and
disclosure control, as SPEC section 8 settles them."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import attrs
import numpy as np

from ._dates import month_start, to_iso
from ._pack import Indicator
from ._results import Result
from ._windows import Periods

if TYPE_CHECKING:
    from ._table_evaluation import Accounting

Z95 = 1.959963984540054


def wilson_interval(x: float, n: float, z: float = Z95) -> tuple[float, float] | None:
    """95% Wilson score interval of the proportion x/n (None when it does not exist)."""
    if not (n > 0) or x < 0 or x > n:
        return None
    centre = 2 * x + z * z
    spread = z * math.sqrt(z * z + 4 * x * (1 - x / n))
    denominator = 2 * (n + z * z)
    return max(0.0, (centre - spread) / denominator), min(1.0, (centre + spread) / denominator)


def byar_interval(x: float, z: float = Z95) -> tuple[float, float] | None:
    """Byar's approximation of the exact Poisson interval of a count."""
    if x < 0 or not math.isfinite(x):
        return None
    lower = 0.0 if x == 0 else x * (1 - 1 / (9 * x) - z / (3 * math.sqrt(x))) ** 3
    upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * math.sqrt(x + 1))) ** 3
    return max(0.0, lower), upper


def for_year(by_year: tuple, financial_year: int):
    """The figure of the financial year starting in ``financial_year`` from ``((year, figure), ...)``
    in ascending years: that year's, else the latest earlier year's, else None (a year of None
    holds for every year)."""
    chosen = None
    for year, value in by_year:
        if year is None or year <= financial_year:
            chosen = value
    return chosen


def target_for(indicator: Indicator, financial_year: int) -> float | None:
    """The target of the financial year starting in ``financial_year``."""
    return for_year(indicator.target, financial_year)


def benchmarks_for(indicator: Indicator, financial_year: int) -> list[tuple[str, float]]:
    """Each named benchmark's figure for the financial year (names without one are left out)."""
    out = []
    for name, by_year in indicator.benchmarks:
        value = for_year(by_year, financial_year)
        if value is not None:
            out.append((name, value))
    return out


def outturn_for(indicator: Indicator, financial_year: int) -> float | None:
    """The published outturn of the financial year before the one starting in ``financial_year``."""
    return dict(indicator.outturn).get(financial_year - 1)


def rag_for(indicator: Indicator, value: float | None, target: float | None) -> str | None:
    """Red, amber or green for an unrounded value."""
    if value is None or indicator.polarity == "neutral":
        return None
    higher = indicator.polarity == "higher_is_better"
    if indicator.rag is not None:
        green, amber = indicator.rag
    elif target is None:
        return None
    else:
        tolerance = indicator.tolerance or 0.0
        if indicator.tolerance_is_share:
            tolerance = abs(target) * tolerance
        green, amber = target, (target - tolerance if higher else target + tolerance)
    if higher:
        return "green" if value >= green else "amber" if value >= amber else "red"
    return "green" if value <= green else "amber" if value <= amber else "red"


def direction_for(indicator: Indicator, value: float | None, previous: float | None) -> str | None:
    """Improving, declining or same against the previous month, after rounding both."""
    if value is None or previous is None or indicator.polarity == "neutral":
        return None
    now, before = round(value, indicator.decimals), round(previous, indicator.decimals)
    if now == before:
        return "same"
    better = now > before if indicator.polarity == "higher_is_better" else now < before
    return "improving" if better else "declining"


def compare_benchmark(indicator: Indicator, value: float | None, benchmark: float,
                      interval: tuple[float, float] | None) -> str | None:
    """Better, similar or worse (higher, similar or lower for neutral indicators)."""
    if value is None:
        return None
    if indicator.kind == "percentage":
        if interval is None:
            return None
        if interval[0] <= benchmark <= interval[1]:
            return "similar"
    elif value == benchmark:
        return "similar"
    higher = value > benchmark
    if indicator.polarity == "neutral":
        return "higher" if higher else "lower"
    better = higher if indicator.polarity == "higher_is_better" else not higher
    return "better" if better else "worse"


def quartile_for(indicator: Indicator, value: float | None, financial_year: int) -> int | None:
    """Band 1 (best quarter) to 4 against the pack's quartile boundaries for the financial year."""
    return _quartile_band(indicator, value, for_year(indicator.quartiles, financial_year))


def _quartile_band(indicator: Indicator, value: float | None, boundaries: tuple | None) -> int | None:
    if value is None or boundaries is None:
        return None
    q1, q2, q3 = boundaries
    if indicator.polarity == "higher_is_better":
        return 1 if value >= q3 else 2 if value >= q2 else 3 if value >= q1 else 4
    if indicator.polarity == "lower_is_better":
        return 1 if value <= q1 else 2 if value <= q2 else 3 if value <= q3 else 4
    return 4 if value >= q3 else 3 if value >= q2 else 2 if value >= q1 else 1


def interval_for(indicator: Indicator, numerator: float | None,
                 denominator: float | None) -> tuple[float, float] | None:
    """The value's 95% confidence interval, scaled like the value."""
    if numerator is None or denominator is None or not denominator:
        return None
    if indicator.kind == "percentage":
        bounds = wilson_interval(numerator, denominator)
        return None if bounds is None else (100 * bounds[0], 100 * bounds[1])
    if indicator.kind == "rate":
        bounds = byar_interval(numerator)
        scale = indicator.per / denominator
        return None if bounds is None else (bounds[0] * scale, bounds[1] * scale)
    return None


def _number(value) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (np.integer, int)):
        return int(value)
    value = float(value)
    if not math.isfinite(value):
        return None
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _numbers(values) -> list:
    """:func:`_number` of each of an array's values."""
    array = np.asarray(values)
    if array.dtype.kind in "iu":  # integers as they are, without a call each
        return array.tolist()
    return [_number(v) for v in array.tolist()]


def _nonzero_by_period(counts: list[tuple[str, np.ndarray]], n_periods: int) -> list[dict[str, int]]:
    """For each period, the counts of ``(reason, counts by period)`` that are not zero, in
    the order given."""
    out: list[dict[str, int]] = [{} for _ in range(n_periods)]
    for reason, by_period in counts:
        by_period = np.asarray(by_period, dtype=np.int64)
        values = by_period.tolist()
        for p in np.flatnonzero(by_period).tolist():
            out[p][reason] = values[p]
    return out


def _rows_by_period(accounting: dict[str, Accounting], n_periods: int) -> list[dict[str, dict]]:
    """Each period's row accounting: in window = used + the sum of left out."""
    sides = [(side, np.asarray(rows.in_window, dtype=np.int64).tolist(), np.asarray(rows.used, dtype=np.int64).tolist(),
              _nonzero_by_period(sorted(rows.left_out.items()), n_periods))
             for side, rows in accounting.items()]
    return [{side: {"in_window": in_window[p], "used": used[p], "left_out": left_out[p]}
             for side, in_window, used, left_out in sides}
            for p in range(n_periods)]


@attrs.frozen
class _YearTerms:
    """What a financial year fixes for every period in it."""

    target: float | None
    target_number: float | int | None
    benchmarks: list[tuple[str, float | int | None, float]]  # (name, as recorded, as compared)
    outturn: float | None
    quartiles: tuple[float, float, float] | None


def _year_terms(indicator: Indicator, financial_year: int) -> _YearTerms:
    target = target_for(indicator, financial_year)
    benchmarks = [(name, _number(value), value) for name, value in benchmarks_for(indicator, financial_year)]
    return _YearTerms(target, _number(target), benchmarks, outturn_for(indicator, financial_year),
                      for_year(indicator.quartiles, financial_year))


def judge(indicator: Indicator, periods: Periods, figures: dict, suppress_below: int | None,
          notes: dict[str, np.ndarray], accounting: dict[str, Accounting] | None = None,
          group: dict | None = None) -> list[Result]:
    """Result records for periods 1.. of the run (period 0 only feeds direction), of one
    group of a breakdown when ``group`` names it."""
    # plain Python numbers: indexing numpy arrays one element at a time is slow
    has_denominator = indicator.denominator is not None and indicator.kind not in ("count",)
    numerators = _numbers(figures["numerator"])
    denominators = _numbers(figures["denominator"]) if has_denominator else [None] * periods.count
    values = np.asarray(figures["value"], dtype=np.float64).tolist()
    fy_years = periods.financial_years
    years = {year: _year_terms(indicator, year) for year in set(fy_years)}
    starts = [to_iso(day) for day in np.asarray(figures["window_start"]).tolist()]
    ends = [to_iso(day) for day in np.asarray(figures["window_end"]).tolist()]
    notes_by_period = _nonzero_by_period([(reason, notes[reason]) for reason in sorted(notes)], periods.count)
    rows_by_period = None if accounting is None else _rows_by_period(accounting, periods.count)
    projects = indicator.kind == "count" and indicator.base.window.kind == "ytd"
    if projects:  # days elapsed in each period's window, and days in its financial year
        first_months = periods.financial_year_first_month(periods.codes)
        elapsed = (np.asarray(figures["window_end"]) - np.asarray(figures["window_start"]) + 1).tolist()
        year_days = (month_start(first_months + 12) - month_start(first_months)).tolist()
    suppressing = suppress_below is not None and suppress_below > 1
    small = lambda x: x is not None and 1 <= x < suppress_below  # noqa: E731
    counted_denominator = figures["counted_denominator"]
    period_texts = periods.texts
    shared = {"indicator": indicator.id, "title": indicator.title, "kind": indicator.kind,
              "polarity": indicator.polarity, "decimals": indicator.decimals, "unit": indicator.unit,
              "report_group": indicator.group, "window": indicator.base.window.text}
    results = []
    previous_value = None
    for p in range(periods.count):
        numerator = numerators[p]
        denominator = denominators[p]
        value = values[p] if math.isfinite(values[p]) else None
        suppressed = False
        if suppressing:
            suppressed = small(numerator) or (counted_denominator and small(denominator))
        record_value = None if suppressed else value
        if p == 0:  # only the direction of travel of period 1 reads it
            previous_value = record_value
            continue
        year = years[fy_years[p]]
        interval = None if suppressed else interval_for(indicator, numerator, denominator)
        direction = direction_for(indicator, record_value, previous_value)
        previous_value = record_value
        benchmarks = {
            name: {"value": recorded,
                   "comparison": None if suppressed else compare_benchmark(indicator, record_value, bench, interval)}
            for name, recorded, bench in year.benchmarks
        }
        results.append(Result(
            period=period_texts[p],
            window_start=starts[p],
            window_end=ends[p],
            numerator=None if suppressed else numerator,
            denominator=None if suppressed else denominator,
            value=record_value,
            target=year.target_number,
            rag=None if suppressed else rag_for(indicator, record_value, year.target),
            direction=None if suppressed else direction,
            benchmarks=benchmarks,
            quartile=None if suppressed else _quartile_band(indicator, record_value, year.quartiles),
            ci_low=None if interval is None else interval[0],
            ci_high=None if interval is None else interval[1],
            suppressed=suppressed,
            notes=notes_by_period[p],
            rows=None if suppressed or rows_by_period is None else rows_by_period[p],
            group=group if group is not None else {},
            projected_year_end=record_value * year_days[p] / elapsed[p]
            if projects and record_value is not None else None,
            outturn=year.outturn,
            **shared,
        ))
    return results
