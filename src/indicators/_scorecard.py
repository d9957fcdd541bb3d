"""The scorecard a council publishes: the latest month of every indicator, grouped as the
report groups them, as one self-contained HTML page (inline CSS and SVG, nothing fetched)
or as a table for the terminal."""

from __future__ import annotations

import html
import math
from collections import OrderedDict

from ._results import Result, Results, format_number

ARROWS = {"improving": ("▲", "better than last month"), "declining": ("▼", "worse than last month"),
          "same": ("►", "the same as last month")}
RAG_TEXT = {"green": "Green", "amber": "Amber", "red": "Red"}
BENCHMARK_NAMES = {"national": "England", "statistical_neighbours": "Statistical neighbours",
                   "national_top_quartile": "England top quartile"}


def _rows(results: Results) -> OrderedDict[str, list[list[Result]]]:
    """Each report group's indicators, each with its results in period order."""
    by_indicator: OrderedDict[str, list[Result]] = OrderedDict()
    for record in results:
        if record.group:
            continue
        by_indicator.setdefault(record.indicator, []).append(record)
    groups: OrderedDict[str, list[list[Result]]] = OrderedDict()
    for series in by_indicator.values():
        groups.setdefault(series[-1].report_group or "Other indicators", []).append(series)
    return groups


def _fmt(value, decimals: int, kind: str) -> str:
    if value is None:
        return "–"
    text = format_number(value, decimals)
    return text + ("%" if kind == "percentage" else "")


def year_to_date(series: list[Result]) -> float | None:
    """The financial year to date of a month-window indicator, from its monthly results.

    Counts add up; percentages and ratios are recomputed from the summed numerators and
    denominators. Other kinds and windows (and suppressed months) give None.
    """
    latest = series[-1]
    if latest.window != "month" or latest.kind not in ("count", "percentage", "ratio"):
        return None
    year, month = int(latest.period[:4]), int(latest.period[5:])
    start_year = year if month >= 4 else year - 1
    months = [r for r in series if (int(r.period[:4]), int(r.period[5:])) >= (start_year, 4)]
    if any(r.suppressed or r.numerator is None for r in months):
        return None
    numerator = sum(r.numerator for r in months)
    if latest.kind == "count":
        return float(numerator)
    if any(r.denominator is None for r in months):
        return None
    denominator = sum(r.denominator for r in months)
    if not denominator:
        return None
    return (100.0 if latest.kind == "percentage" else 1.0) * numerator / denominator


def _trend_svg(series: list[Result], width: int = 180, height: int = 48) -> str:
    """A small line chart of the values, with the target (dashed) and benchmarks (dotted)."""
    latest = series[-1]
    values = [None if r.suppressed else r.value for r in series]
    references = []
    if latest.target is not None:
        references.append(("target", "Target", latest.target))
    for name, bench in latest.benchmarks.items():
        if bench.get("value") is not None:
            references.append(("benchmark", BENCHMARK_NAMES.get(name, name.replace("_", " ")), bench["value"]))
    numbers = [v for v in values if v is not None] + [v for _, _, v in references]
    label = html.escape(f"{latest.title}: trend {series[0].period} to {latest.period}")
    if not numbers:
        return (f'<svg class="trend" role="img" aria-label="{label}" width="{width}" height="{height}" '
                f'viewBox="0 0 {width} {height}"><title>{label}</title>'
                f'<text x="4" y="{height / 2 + 4}" class="nodata">no data</text></svg>')
    low, high = min(numbers), max(numbers)
    if math.isclose(low, high):
        low, high = low - 1, high + 1
    pad = (high - low) * 0.12
    low, high = low - pad, high + pad
    step = (width - 8) / max(len(series) - 1, 1)

    def x(i: int) -> float:
        return 4 + i * step

    def y(v: float) -> float:
        return height - 4 - (v - low) / (high - low) * (height - 8)

    parts = [f'<svg class="trend" role="img" aria-label="{label}" data-indicator="{html.escape(latest.indicator)}" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}"><title>{label}</title>']
    for css, name, value in references:
        parts.append(f'<line class="{css}" x1="4" x2="{width - 4}" y1="{y(value):.1f}" y2="{y(value):.1f}">'
                     f'<title>{html.escape(name)}: {html.escape(_fmt(value, latest.decimals, latest.kind))}</title></line>')
    segment: list[str] = []
    segments = []
    for i, value in enumerate(values):
        if value is None:
            if segment:
                segments.append(segment)
            segment = []
        else:
            segment.append(f"{x(i):.1f},{y(value):.1f}")
    if segment:
        segments.append(segment)
    for points in segments:
        if len(points) > 1:
            parts.append(f'<polyline class="value" points="{" ".join(points)}"/>')
    for i, value in enumerate(values):
        if value is not None:
            cls = "point latest" if i == len(values) - 1 else "point"
            parts.append(f'<circle class="{cls}" cx="{x(i):.1f}" cy="{y(value):.1f}" r="{2.6 if i == len(values) - 1 else 1.6}">'
                         f'<title>{series[i].period}: {html.escape(_fmt(value, latest.decimals, latest.kind))}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


CSS = """
:root { --green: #2e7d32; --amber: #b26a00; --red: #c62828; --ink: #1d2330; --muted: #5b6475; --line: #d9dde5; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: var(--ink); margin: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; }
.caption { color: var(--muted); margin: 0 0 8px; }
.synthetic { border: 2px solid var(--amber); background: #fff4e0; padding: 6px 10px; font-weight: 600; display: inline-block; margin: 4px 0 12px; }
.key { color: var(--muted); font-size: 12px; margin-bottom: 16px; }
h2 { font-size: 17px; margin: 24px 0 6px; border-bottom: 2px solid var(--ink); padding-bottom: 2px; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; vertical-align: middle; text-align: left; }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.title { width: 30%; }
.desc { color: var(--muted); font-size: 12px; }
.notes { color: var(--amber); font-size: 12px; }
.rag { display: inline-block; min-width: 56px; text-align: center; border-radius: 3px; padding: 1px 6px; color: #fff; font-weight: 600; font-size: 12px; }
.rag.green { background: var(--green); } .rag.amber { background: var(--amber); } .rag.red { background: var(--red); }
.rag.none { background: none; color: var(--muted); font-weight: normal; }
.dot { font-size: 13px; } .dot.improving { color: var(--green); } .dot.declining { color: var(--red); } .dot.same { color: var(--muted); }
.suppressed { font-style: italic; color: var(--muted); }
svg.trend polyline.value { fill: none; stroke: var(--ink); stroke-width: 1.6; }
svg.trend circle.point { fill: var(--ink); } svg.trend circle.latest { fill: #1565c0; }
svg.trend line.target { stroke: var(--green); stroke-width: 1.2; stroke-dasharray: 4 3; }
svg.trend line.benchmark { stroke: #7b1fa2; stroke-width: 1.2; stroke-dasharray: 1 3; }
svg.trend text.nodata { fill: var(--muted); font-size: 11px; }
footer { color: var(--muted); font-size: 12px; margin-top: 24px; }
@media print {
  body { margin: 10mm; font-size: 11px; }
  tr, svg { page-break-inside: avoid; break-inside: avoid; }
  h2 { page-break-after: avoid; break-after: avoid; }
  .rag { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def render_html(results: Results) -> str:
    """The scorecard as one self-contained HTML page."""
    groups = _rows(results)
    latest_period = max((series[-1].period for rows in groups.values() for series in rows), default="")
    title = results.title or "Performance scorecard"
    caption = results.caption
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{html.escape(title)} – {html.escape(latest_period)}</title>",
           f"<style>{CSS}</style></head><body>",
           f"<h1>{html.escape(title)}</h1>",
           f'<p class="caption">Latest month: <strong>{html.escape(latest_period)}</strong>; trends from '
           f"{html.escape(results.start or '')} to {html.escape(results.end or '')}.</p>"]
    if caption:
        out.append(f'<p class="synthetic">{html.escape(caption)}</p>')
    out.append('<p class="key">RAG against target: <span class="rag green">Green</span> on target, '
               '<span class="rag amber">Amber</span> within tolerance, <span class="rag red">Red</span> outside it. '
               '▲ better, ▼ worse, ► same as last month. Trend: value (line), target (dashed green), '
               'benchmarks (dotted purple). Quartile 1 is the best quarter nationally.</p>')
    for group, rows in groups.items():
        out.append(f"<section><h2>{html.escape(group)}</h2><table>")
        out.append("<thead><tr><th>Indicator</th><th>Value</th><th>RAG</th><th>Target</th><th>Trend vs last month</th>"
                   "<th>Year to date</th><th>Benchmarks</th><th>Quartile</th><th>Trend</th></tr></thead><tbody>")
        for series in rows:
            out.append(_row_html(series))
        out.append("</tbody></table></section>")
    out.append("<footer>Made with indicators. Values are unrounded in the data and rounded here to each "
               "indicator's decimals; suppressed cells hide small numbers.</footer></body></html>")
    return "\n".join(out) + "\n"


def _row_html(series: list[Result]) -> str:
    r = series[-1]
    notes = "; ".join(f"{reason}: {count}" for reason, count in sorted(r.notes.items()))
    title = (f'<td class="title"><strong>{html.escape(r.title)}</strong>'
             + (f'<div class="notes">Data quality – {html.escape(notes)}</div>' if notes else "") + "</td>")
    if r.suppressed:
        value = '<td class="num suppressed">suppressed</td>'
    else:
        value = f'<td class="num">{html.escape(_fmt(r.value, r.decimals, r.kind))}</td>'
    rag = (f'<td><span class="rag {r.rag}">{RAG_TEXT[r.rag]}</span></td>' if r.rag
           else '<td><span class="rag none">–</span></td>')
    target = f'<td class="num">{html.escape(_fmt(r.target, r.decimals, r.kind))}</td>'
    if r.direction in ARROWS:
        arrow, words = ARROWS[r.direction]
        direction = f'<td><span class="dot {r.direction}" title="{words}">{arrow}</span> {words}</td>'
    else:
        direction = "<td>–</td>"
    ytd = year_to_date(series)
    ytd_cell = f'<td class="num">{html.escape(_fmt(ytd, r.decimals, r.kind))}</td>'
    benchmarks = "<br>".join(
        f"{html.escape(BENCHMARK_NAMES.get(name, name.replace('_', ' ')))}: "
        f"{html.escape(_fmt(b.get('value'), r.decimals, r.kind))}"
        + (f" ({html.escape(b['comparison'])})" if b.get("comparison") else "")
        for name, b in r.benchmarks.items()) or "–"
    quartile = f'<td class="num">{r.quartile if r.quartile is not None else "–"}</td>'
    return (f'<tr data-indicator="{html.escape(r.indicator)}">{title}{value}{rag}{target}{direction}{ytd_cell}'
            f"<td>{benchmarks}</td>{quartile}<td>{_trend_svg(series)}</td></tr>")


_ANSI = {"green": "\033[32m", "amber": "\033[33m", "red": "\033[31m", "bold": "\033[1m", "reset": "\033[0m"}


def render_terminal(results: Results, color: bool = False) -> str:
    """The latest month of each indicator, grouped, for a terminal (RAG coloured if asked)."""
    groups = _rows(results)
    lines = []
    if results.title:
        lines.append(results.title)
    if results.caption:
        lines.append(results.caption)
    width = 58
    header = f"{'Indicator':<{width}} {'Value':>9} {'Target':>8}  {'RAG':<6} {'DoT':<3} {'YTD':>9}"
    for group, rows in groups.items():
        lines += ["", (_ANSI["bold"] + group + _ANSI["reset"]) if color else group, header, "-" * len(header)]
        for series in rows:
            r = series[-1]
            name = r.title if len(r.title) <= width else r.title[: width - 1] + "…"
            value = "suppr." if r.suppressed else _fmt(r.value, r.decimals, r.kind)
            rag = RAG_TEXT.get(r.rag or "", "")
            rag_cell = f"{rag:<6}"
            if color and r.rag:
                rag_cell = _ANSI[r.rag] + rag_cell + _ANSI["reset"]
            arrow = ARROWS.get(r.direction or "", ("", ""))[0]
            lines.append(f"{name:<{width}} {value:>9} {_fmt(r.target, r.decimals, r.kind) if r.target is not None else '':>8}  "
                         f"{rag_cell} {arrow:<3} {_fmt(year_to_date(series), r.decimals, r.kind) if year_to_date(series) is not None else '':>9}")
    return "\n".join(lines) + "\n"
