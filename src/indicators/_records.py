"""The fields of a result record, in order, and how a figure is written as text: shared
by the results and everything that renders them."""

from __future__ import annotations

RECORD_FIELDS = (
    "indicator", "title", "period", "window_start", "window_end", "numerator", "denominator",
    "value", "target", "rag", "direction", "benchmarks", "quartile", "ci_low", "ci_high",
    "suppressed", "notes", "rows", "group", "projected_year_end", "outturn", "kind", "polarity", "decimals", "unit", "report_group", "window",
)


def format_number(value: float | None, decimals: int) -> str:
    if value is None:
        return ""
    return f"{round(value, decimals):.{decimals}f}"
