"""An explanation: the rows behind one indicator's figure in one period, as a value, and
its forms for reading (text), spreadsheets (CSV) and programs (JSON)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import attrs

from ._renderers import csv_cell

ROLES = ("numerator", "denominator only", "left out")


@attrs.frozen
class ExplainedRow:
    """One row behind a figure.

    ``row`` is its 1-based number in ``table`` and ``line`` its line in the file it was
    read from (None when not read from a file): the numbers the loader's messages use.
    ``sides`` says, for each counted side whose window holds the row, ``"used"`` or the
    reason it was left out, as the row accounting names it; ``reason`` is the one that
    explains the role (the numerator's, for a row in the denominator only).
    """

    table: str
    row: int
    line: int | None
    key: Any
    role: str
    reason: str | None
    values: dict[str, Any]
    sides: dict[str, str]

    def to_record(self) -> dict[str, Any]:
        """A plain dict with JSON-safe values."""
        return {"table": self.table, "row": self.row, "line": self.line, "key": self.key, "role": self.role,
                "reason": self.reason, "values": dict(self.values), "sides": dict(self.sides)}


@attrs.frozen
class Explanation:
    """The rows behind one indicator's figure in one period (and group).

    ``numerator``, ``denominator`` and ``accounting`` are computed from the listed rows;
    they equal the result's ``numerator``, ``denominator`` and ``rows`` (for a group, those
    of an evaluation of the table cut down to the group). ``value`` follows from them.
    ``warnings`` (from :func:`indicators.explain`) name the tables whose dates the month
    lies outside; they are not part of :meth:`to_record`.
    """

    indicator: str
    title: str
    kind: str
    period: str
    window_start: str | None
    window_end: str | None
    group: dict[str, Any]
    key: str | None
    columns: tuple[str, ...]
    numerator: int | None
    denominator: int | float | None
    value: float | None
    accounting: dict[str, dict[str, Any]]
    rows: tuple[ExplainedRow, ...]
    # months outside the data's dates (filled by indicators.explain; not part of the record)
    warnings: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        """How many listed rows have each role."""
        out = dict.fromkeys(ROLES, 0)
        for row in self.rows:
            out[row.role] += 1
        return out

    def to_record(self) -> dict[str, Any]:
        """A plain dict with JSON-safe values (None, never NaN)."""
        return {"indicator": self.indicator, "title": self.title, "kind": self.kind, "period": self.period,
                "window_start": self.window_start, "window_end": self.window_end, "group": dict(self.group),
                "key": self.key, "columns": list(self.columns), "numerator": self.numerator,
                "denominator": self.denominator, "value": self.value, "accounting": self.accounting,
                "rows": [row.to_record() for row in self.rows]}

    def to_json(self, indent: int | None = 2) -> str:
        """:meth:`to_record` as JSON text (``null``, never NaN)."""
        return json.dumps(self.to_record(), indent=indent, allow_nan=False, ensure_ascii=False)

    def to_csv(self) -> str:
        """One line per listed row (table, row, line, key, role, reason and the columns
        shown), its cells written as ``indicators evaluate --format csv`` writes them: text
        a spreadsheet would take for a formula gets a leading apostrophe."""
        header, rows = _grid(self)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([[csv_cell(cell) for cell in row] for row in rows])
        return out.getvalue()

    def to_text(self) -> str:
        """For reading: the figure, its window and the row accounting, then the listed rows
        as an aligned table (what ``indicators explain`` prints)."""
        header, rows = _grid(self)
        return _summary(self) + "\n" + _aligned(header, rows)


def _grid(explanation: Explanation) -> tuple[list[str], list[list[Any]]]:
    """Column names and one list of cells per listed row."""
    tables = {row.table for row in explanation.rows}
    show_table = len(tables) > 1
    show_line = any(row.line is not None for row in explanation.rows)
    header = (["table"] if show_table else []) + ["row"] + (["line"] if show_line else []) \
        + ([explanation.key] if explanation.key else []) + ["role", "reason", *explanation.columns]
    rows = []
    for row in explanation.rows:
        rows.append(([row.table] if show_table else []) + [row.row] + ([row.line] if show_line else [])
                    + ([row.key] if explanation.key else []) + [row.role, row.reason]
                    + [row.values.get(column) for column in explanation.columns])
    return header, rows


def _number(value: float | int | None) -> str:
    if value is None:
        return "none"
    return str(value) if isinstance(value, int) else f"{value:.4g}"


def _summary(explanation: Explanation) -> str:
    group = ", ".join(f"{name} = {value!r}" if value is not None else f"{name} missing"
                      for name, value in explanation.group.items())
    lines = [f"{explanation.indicator}: {explanation.title} ({explanation.kind})",
             f"period {explanation.period}, window {explanation.window_start} to {explanation.window_end}"
             + (f", group {group}" if group else ""),
             f"numerator {_number(explanation.numerator)}"
             + (f", denominator {_number(explanation.denominator)}" if explanation.denominator is not None else "")
             + f", value {_number(explanation.value)}"]
    for side, account in explanation.accounting.items():
        left = "".join(f" + {count} {reason}" for reason, count in account["left_out"].items())
        lines.append(f"{side} rows: {account['in_window']} in window = {account['used']} used{left}")
    counts = explanation.counts()
    lines.append(f"{len(explanation.rows)} row(s) listed: " + ", ".join(f"{n} {role}" for role, n in counts.items()))
    return "\n".join(lines) + "\n"


def _aligned(header: list[str], rows: list[list[Any]]) -> str:
    cells = [header] + [["" if cell is None else str(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() + "\n"
                   for row in cells)
