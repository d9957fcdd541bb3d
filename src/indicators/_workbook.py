"""Results as an Excel workbook a manager can open: a sheet per report group with RAG
colours, every record as a data sheet, the notes, and the definitions behind the figures.

openpyxl is imported only when a workbook is written (the ``xlsx`` extra).
"""

from __future__ import annotations

import datetime
import io
import re
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from ._definitions import AGGREGATE_KINDS, Constant, Measure, PopulationRef
from ._frames import columns

if TYPE_CHECKING:
    from ._definitions import Indicator
    from ._results import Result, Results

# Excel's own "Good", "Neutral" and "Bad" cell styles
RAG_FILLS = {"green": ("FFC6EFCE", "FF006100"), "amber": ("FFFFEB9C", "FF9C5700"), "red": ("FFFFC7CE", "FF9C0006")}
DEFINITION_HEADERS = ("id", "title", "group", "kind", "numerator", "denominator", "window", "target",
                      "tolerance", "polarity", "source", "description", "pack")
_NOT_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


def number_format(decimals: int, kind: str) -> str:
    """The Excel number format that shows a value as the scorecard does."""
    text = "#,##0" + ("." + "0" * decimals if decimals else "")
    return text + '"%"' if kind == "percentage" else text


def _sheet_name(name: str, taken: set[str]) -> str:
    base = _NOT_IN_SHEET_NAME.sub("-", name).strip("'") or "Sheet"
    base = base[:31]
    candidate, n = base, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def _put(sheet: Any, row: int, column: int, value: Any) -> Any:
    """Write one cell; text is always text, never a formula (a title or a data value
    starting with "=" must not run in the manager's Excel)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)  # control characters Excel cannot hold
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell


def _groups(results: Results) -> OrderedDict[str, OrderedDict[str, list[Result]]]:
    """Each report group's indicators with their totals in period order."""
    groups: OrderedDict[str, OrderedDict[str, list[Result]]] = OrderedDict()
    for record in results:
        if record.group:
            continue
        group = groups.setdefault(record.report_group or "Other indicators", OrderedDict())
        group.setdefault(record.indicator, []).append(record)
    return groups


def _periods(results: Results) -> list[str]:
    return sorted({record.period for record in results})


def render_xlsx(results: Results) -> bytes:
    """The workbook as the bytes of an .xlsx file."""
    try:
        from openpyxl import Workbook
    except ImportError:
        raise ImportError("the xlsx format needs openpyxl: pip install 'indicators[xlsx]'") from None
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    taken = {"records", "notes", "definitions"}
    bold = Font(bold=True)
    periods = _periods(results)
    heading = " · ".join(t for t in (results.title, f"{results.start} to {results.end}"
                                     if results.start else None) if t)

    for group, series_by_indicator in _groups(results).items():
        sheet = book.create_sheet(_sheet_name(group, taken))
        _put(sheet, 1, 1, group).font = Font(bold=True, size=14)
        _put(sheet, 2, 1, heading)
        if results.caption:
            _put(sheet, 3, 1, results.caption).font = Font(bold=True, color="9C0006")
        header = ["Indicator", "Id", "Target"] + periods
        for column, text in enumerate(header, start=1):
            cell = _put(sheet, 5, column, text)
            cell.font = bold
            if column > 2:
                cell.alignment = Alignment(horizontal="right")
        for row, (indicator, series) in enumerate(series_by_indicator.items(), start=6):
            latest = series[-1]
            fmt = number_format(latest.decimals, latest.kind)
            _put(sheet, row, 1, latest.title)
            _put(sheet, row, 2, indicator)
            target = _put(sheet, row, 3, latest.target)
            target.number_format = fmt
            by_period = {record.period: record for record in series}
            for column, period in enumerate(periods, start=4):
                record = by_period.get(period)
                if record is None:
                    continue
                if record.suppressed:
                    cell = _put(sheet, row, column, "suppressed")
                    cell.font = Font(italic=True, color="808080")
                    cell.alignment = Alignment(horizontal="right")
                    continue
                cell = _put(sheet, row, column, record.value)
                cell.number_format = fmt
                if record.rag in RAG_FILLS:
                    fill, text = RAG_FILLS[record.rag]
                    cell.fill = PatternFill("solid", start_color=fill, end_color=fill)
                    cell.font = Font(color=text)
        sheet.freeze_panes = "D6"
        sheet.column_dimensions["A"].width = min(70, max([12] + [len(s[-1].title) + 2 for s in series_by_indicator.values()]))
        sheet.column_dimensions["B"].width = min(40, max([6] + [len(i) + 2 for i in series_by_indicator]))
        for column in range(3, len(header) + 1):
            sheet.column_dimensions[get_column_letter(column)].width = 11

    _records_sheet(book.create_sheet("Records"), results, bold)
    _notes_sheet(book.create_sheet("Notes"), results, bold)
    _definitions_sheet(book.create_sheet("Definitions"), results, bold)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _records_sheet(sheet, results: Results, bold) -> None:
    """Every record as one row, with the data frames' flat columns."""
    cols = columns(results)
    for column, (name, _, _) in enumerate(cols, start=1):
        _put(sheet, 1, column, name).font = bold
    formats = {r.indicator: number_format(r.decimals, r.kind) for r in results}
    indicators = [r.indicator for r in results]
    for column, (name, kind, values) in enumerate(cols, start=1):
        for row, value in enumerate(values, start=2):
            if value is None:
                continue
            if kind == "date":
                value = datetime.date.fromisoformat(value)
            cell = _put(sheet, row, column, value)
            if kind == "date":
                cell.number_format = "yyyy-mm-dd"
            if name in ("value", "target", "ci_low", "ci_high") or (
                    name.startswith("benchmark_") and name.endswith("_value")):
                cell.number_format = formats[indicators[row - 2]]
    sheet.freeze_panes = "C2"


def _notes_sheet(sheet, results: Results, bold) -> None:
    """Data-quality notes, failed indicators and the caption, so no caveat is lost."""
    rows: list[tuple[Any, ...]] = []
    if results.caption:
        rows.append(("", "", results.caption, None))
    for failure in results.failures:
        rows.append((failure.split(":", 1)[0].removeprefix("indicators."), "", failure, None))
    for ident, reason in results.skipped.items():
        rows.append((ident, "", f"not evaluated: {reason}", None))
    for record in results:
        for reason, count in record.notes.items():
            rows.append((record.indicator, record.period, reason, count))
        if record.suppressed:
            rows.append((record.indicator, record.period, "suppressed (small numbers)", None))
    for column, text in enumerate(("indicator", "period", "note", "rows"), start=1):
        _put(sheet, 1, column, text).font = bold
    if not rows:
        _put(sheet, 2, 3, "no notes: no data-quality problems were counted")
    for row, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            if value not in (None, ""):
                _put(sheet, row, column, value)
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["C"].width = 70
    sheet.freeze_panes = "A2"


def _definitions_sheet(sheet, results: Results, bold) -> None:
    """How each indicator is defined, so that its figures can be checked."""
    for column, text in enumerate(DEFINITION_HEADERS, start=1):
        _put(sheet, 1, column, text).font = bold
    shown = {r.indicator for r in results}
    row = 2
    for pack in results.packs:
        for indicator in pack.indicators.values():
            if indicator.id not in shown:
                continue
            for column, value in enumerate(definition(indicator) + (pack.name,), start=1):
                if value is not None:
                    _put(sheet, row, column, value)
            row += 1
    if row == 2:
        _put(sheet, 2, 1, "the definitions are not known: these results came without their pack")
    for letter, width in zip("ABCDEFGHIJKLM", (28, 50, 24, 11, 60, 60, 30, 20, 10, 16, 30, 50, 20)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "B2"


def _measure_text(measure: Measure, extra_only: bool = False) -> str:
    filters = [e.text for e in ((measure.extra,) if extra_only else measure.filters()) if e is not None]
    text = f"rows of {measure.table}"
    if measure.distinct:
        text = f"distinct {measure.distinct} of {measure.table}"
    return text + (" where " + " and ".join(f"({f})" if " or " in f else f for f in filters) if filters else "")


def _window_text(measure: Measure) -> str:
    window = measure.window.text
    if measure.window.is_snapshot:
        placed = f"open between {measure.start.text if measure.start else '?'}" + (
            f" and {measure.end.text}" if measure.end else "")
    else:
        placed = f"by {measure.date.text}" if measure.date else ""
    return f"{window} {placed}".strip()


def _target_text(indicator: Indicator) -> str | None:
    if not indicator.target:
        return None
    parts = [f"{value:g}" if year is None else f"{year}/{(year + 1) % 100:02d}: {value:g}"
             for year, value in indicator.target]
    return "; ".join(parts)


def definition(indicator: Indicator) -> tuple[Any, ...]:
    """One row of the definitions sheet, in the order of DEFINITION_HEADERS but the pack."""
    if indicator.kind in AGGREGATE_KINDS:
        held = f"distinct {indicator.numerator.distinct}" if indicator.numerator.distinct else "rows"
        of = indicator.of.text if indicator.of is not None else f"the {held} held by each {indicator.each}"
        numerator = f"{indicator.kind} of {of} over " + _measure_text(indicator.numerator)
    elif indicator.numerator.table == indicator.base.table and indicator.numerator.extra is not None \
            and indicator.denominator is indicator.base:
        numerator = "denominator " + _measure_text(indicator.numerator, extra_only=True).replace(
            f"rows of {indicator.numerator.table}", "rows", 1)
    else:
        numerator = _measure_text(indicator.numerator)
    den = indicator.denominator
    if isinstance(den, Measure):
        denominator = _measure_text(den)
    elif isinstance(den, Constant):
        denominator = f"{den.value:g}"
    elif isinstance(den, PopulationRef):
        denominator = f"population {den.name}"
    else:
        denominator = None
    if indicator.kind == "rate" and denominator is not None:
        denominator += f" (per {indicator.per:g})"
    tolerance = None
    if indicator.tolerance is not None:
        tolerance = f"{indicator.tolerance * 100:g}%" if indicator.tolerance_is_share else f"{indicator.tolerance:g}"
    elif indicator.rag is not None:
        tolerance = f"green {indicator.rag[0]:g}, amber {indicator.rag[1]:g}"
    return (indicator.id, indicator.title, indicator.group, indicator.kind, numerator, denominator,
            _window_text(indicator.base), _target_text(indicator), tolerance, indicator.polarity,
            indicator.source, indicator.description)
