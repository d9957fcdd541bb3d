"""Renderers: results into a named output format (text, or bytes for binary formats).

A renderer may carry two optional attributes the command line reads before a run:
``binary = True`` (its output is bytes, never written to a terminal) and
``requires = (module, requirement)`` (a module it imports when called, and what to
``pip install`` for it).
"""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING

from ._records import RECORD_FIELDS, format_number

if TYPE_CHECKING:
    from ._results import Results


def render_json(results: Results) -> str:
    """The records as a JSON array (SPEC section 10)."""
    return results.to_json() + "\n"


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


TOTAL = "(all)"  # a breakdown column's cell on the total's rows


def breakdown_columns(results: Results) -> list[str]:
    """The columns the results are broken down by, in the order of ``by``."""
    return list(dict.fromkeys(name for record in results for name in record.group))


def _group_cell(record: dict, name: str):
    return TOTAL if not record["group"] else record["group"].get(name)


def render_csv(results: Results) -> str:
    """One row per record; benchmarks, notes and group as JSON text; text that a spreadsheet
    would take for a formula is written with a leading apostrophe. A breakdown adds a
    column per breakdown column after ``period`` (``(all)`` on the total's rows)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    by = breakdown_columns(results)
    header = list(RECORD_FIELDS)
    header[header.index("period") + 1:header.index("period") + 1] = [
        f"group_{name}" if name in RECORD_FIELDS else name for name in by]
    writer.writerow(header)
    for record in results.to_records():
        row = []
        for name in RECORD_FIELDS:
            value = record[name]
            if name == "period":
                row.append(value)
                row.extend(csv_cell(_group_cell(record, column)) for column in by)
                continue
            row.append(csv_cell(value))
        writer.writerow(row)
    return out.getvalue()


def csv_cell(value):
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True) if value else ""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value  # a spreadsheet would run it as a formula (packs may come from strangers)
    return value


def _change(previous, r) -> str:
    """The scorecard's convention: an arrow for the value's movement, a word for better or worse."""
    from ._scorecard import FEELING, MOVES, movement

    move = movement([previous, r] if previous is not None else [r])
    if move is None:
        return ""
    feeling = FEELING.get(r.direction or "", "")
    return MOVES[move] + (f" {feeling}" if feeling in ("better", "worse") else "")


def render_table(results: Results) -> str:
    """A plain-text table for reading in a terminal."""
    by = breakdown_columns(results)
    header = ("indicator", "period", *by, "numerator", "denominator", "value", "target", "rag", "change",
              "projected year end", "last year's outturn")
    rows = []
    previous: dict = {}
    for r in results:
        groups = tuple(TOTAL if not r.group else "(missing)" if r.group.get(name) is None else
                       str(r.group[name]).lower() if isinstance(r.group[name], bool) else str(r.group[name])
                       for name in by)
        unit = "%" if r.kind == "percentage" else ""
        if r.suppressed:
            value = "suppressed"
        else:
            value = format_number(r.value, r.decimals) + (unit if r.value is not None else "")
        key = (r.indicator, tuple(sorted(r.group.items())))
        rows.append((
            r.indicator, r.period, *groups,
            "" if r.numerator is None else format_number(r.numerator, 0 if isinstance(r.numerator, int) else r.decimals),
            "" if r.denominator is None else format_number(r.denominator, 0 if float(r.denominator).is_integer() else 1),
            value, "" if r.target is None else format_number(r.target, r.decimals) + unit,
            r.rag or "", _change(previous.get(key), r),
            "" if r.projected_year_end is None else format_number(r.projected_year_end, 0),
            "" if r.outturn is None else format_number(r.outturn, r.decimals) + unit,
        ))
        previous[key] = r
    # the projection and outturn columns only where a figure has one
    kept = [i for i in range(len(header)) if i < 8 + len(by) or any(row[i] for row in rows)]
    header, rows = tuple(header[i] for i in kept), [tuple(row[i] for i in kept) for row in rows]
    widths = [max(len(h), *(len(str(row[i])) for row in rows)) if rows else len(h) for i, h in enumerate(header)]
    numeric = {i + len(by) for i in (2, 3, 4, 5, 8, 9)}
    lines = []
    for row in [header, tuple("-" * w for w in widths), *rows]:
        cells = [str(c).rjust(w) if i in numeric else str(c).ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def render_html(results: Results) -> str:
    """The scorecard page (see :mod:`indicators._scorecard`)."""
    from ._scorecard import render_html as scorecard

    return scorecard(results)


def render_terminal(results: Results, *, color: bool = False, explain_command: str | None = None) -> str:
    """The scorecard for a terminal: each indicator's latest month by report group, with its
    target, RAG rating (in colour with ``color``), change, year to date, same month last
    year and outturn. With ``explain_command`` (text holding ``{indicator}``, ``{period}``
    and ``{group}``), followed by each broken-down indicator's group furthest on the wrong
    side of its target, and that command filled in for one of them, to list its rows."""
    from ._scorecard import render_team_lines, render_terminal as scorecard

    text = scorecard(results, color=color)
    return text + (render_team_lines(results, explain_command) if explain_command is not None else "")


def render_xlsx(results: Results) -> bytes:
    """An Excel workbook (see :mod:`indicators._workbook`); needs the ``xlsx`` extra."""
    from ._workbook import render_xlsx as workbook

    return workbook(results)


render_xlsx.binary = True  # type: ignore[attr-defined]
render_xlsx.requires = ("openpyxl", "indicators[xlsx]")  # type: ignore[attr-defined]

BUILTIN_RENDERERS = {"json": render_json, "csv": render_csv, "table": render_table, "html": render_html,
                     "xlsx": render_xlsx}
