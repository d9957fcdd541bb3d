"""The scorecard a council publishes: the latest month of every indicator, grouped as the
report groups them, as one self-contained HTML page (inline CSS and SVG, nothing fetched)
or as a table for the terminal.

For each indicator: the value with the counts behind it, target and RAG, the change since
last month (an arrow for the value's movement, a colour for better or worse), year to date,
the same month last year, last year's outturn, benchmarks, quartile, projected year end and
a labelled trend chart; then the report's framing (council, period, dates, commentary from
``commentary.toml``) and a data-quality section made from the results' notes.
"""

from __future__ import annotations

import datetime
import html
from collections import Counter, OrderedDict
from typing import TYPE_CHECKING

from ._records import format_number

if TYPE_CHECKING:
    from ._results import Result, Results

RAG_TEXT = {"green": "Green", "amber": "Amber", "red": "Red"}
BENCHMARK_NAMES = {"national": "England", "statistical_neighbours": "Statistical neighbours",
                   "national_top_quartile": "England top quartile"}
# the value's movement since last month: an arrow for up or down; colour says better or worse
MOVES = {"up": "▲", "down": "▼", "same": "►"}
FEELING = {"improving": "better", "declining": "worse", "same": "same"}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
CHART_MONTHS = 13


# ---------------------------------------------------------------------------------------
# Figures the scorecard derives from each indicator's monthly results


def _rows(results: Results, group: dict | None = None) -> OrderedDict[str, list[list[Result]]]:
    """Each report group's indicators, each with its results in period order: the
    total's, or those of one ``group`` of a breakdown."""
    group = group or {}
    by_indicator: OrderedDict[str, list[Result]] = OrderedDict()
    for record in results:
        if record.group != group:
            continue
        by_indicator.setdefault(record.indicator, []).append(record)
    groups: OrderedDict[str, list[list[Result]]] = OrderedDict()
    for series in by_indicator.values():
        groups.setdefault(series[-1].report_group or "Other indicators", []).append(series)
    return groups


def _code(period: str) -> int:
    return int(period[:4]) * 12 + int(period[5:]) - 1


def _period(code: int) -> str:
    return f"{code // 12:04d}-{code % 12 + 1:02d}"


def _month_name(period: str) -> str:
    return f"{MONTHS[int(period[5:]) - 1]} {period[:4]}"


def _fy_first(period: str, fy_start: int) -> int:
    """Month code of the first month of the financial year holding ``period``."""
    code = _code(period)
    return code - (code % 12 - (fy_start - 1)) % 12


def _fy_label(first: int) -> str:
    year = first // 12
    return f"{year}/{(year + 1) % 100:02d}"


def _fy_start(results: Results, indicator: str) -> int:
    for pack in results.packs:
        if indicator in pack.indicators:
            return pack.financial_year_start
    return 4


def _shown(r: Result | None) -> float | None:
    return None if r is None or r.suppressed else r.value


def _aggregate(months: list[Result]) -> float | None:
    """Counts added up, percentages and ratios recomputed from summed numerators and denominators."""
    if not months:
        return None
    latest = months[-1]
    if latest.window != "month" or latest.kind not in ("count", "percentage", "ratio"):
        return None
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


def year_to_date(series: list[Result], fy_start: int = 4) -> float | None:
    """The financial year to date of a month-window indicator, from its monthly results.

    Counts add up; percentages and ratios are recomputed from the summed numerators and
    denominators. Other kinds and windows (and suppressed months) give None.
    """
    latest = series[-1]
    first = _fy_first(latest.period, fy_start)
    return _aggregate([r for r in series if _code(r.period) >= first])


def same_month_last_year(series: list[Result]) -> Result | None:
    """The result twelve months before the latest, when the run holds it."""
    wanted = _period(_code(series[-1].period) - 12)
    return next((r for r in series if r.period == wanted), None)


def last_year_outturn(series: list[Result], fy_start: int = 4) -> tuple[str, float | None] | None:
    """Last financial year's figure: the whole year aggregated for month-window indicators,
    the year's last month for the others; None when the run does not cover that year."""
    latest = series[-1]
    first = _fy_first(latest.period, fy_start) - 12
    label = _fy_label(first)
    if latest.window == "month":
        months = [r for r in series if first <= _code(r.period) < first + 12]
        if len(months) < 12:
            return None
        return label, _aggregate(months)
    last = next((r for r in series if _code(r.period) == first + 11), None)
    return None if last is None else (label, _shown(last))


def published_outturn(series: list[Result], fy_start: int = 4) -> tuple[str, float] | None:
    """Last financial year's outturn as the pack gives it (``outturn``), with the year's label."""
    r = series[-1]
    if r.outturn is None:
        return None
    return _fy_label(_fy_first(r.period, fy_start) - 12), r.outturn


def _outturn_cell(series: list[Result], fy_start: int) -> str:
    """The published outturn, and the run's own figure under it; or the run's alone."""
    r = series[-1]
    published = published_outturn(series, fy_start)
    computed = last_year_outturn(series, fy_start)
    computed = None if computed is None or computed[1] is None else computed
    if published is None:
        return "–" if computed is None else (
            f'{_fmt(computed[1], r.decimals, r.kind)}<span class="counts">{computed[0]}</span>')
    text = f'{_fmt(published[1], r.decimals, r.kind)}<span class="counts">{published[0]} published</span>'
    if computed is not None:
        text += f'<span class="counts">data: {_fmt(computed[1], r.decimals, r.kind)}</span>'
    return text


def projected_year_end(series: list[Result]) -> float | None:
    """The latest result's projected year end (year-to-date counts; SPEC section 11)."""
    r = series[-1]
    return None if r.suppressed else r.projected_year_end


def movement(series: list[Result]) -> str | None:
    """Whether the value went up, down or stayed the same since last month, after rounding."""
    r = series[-1]
    previous = series[-2] if len(series) > 1 and _code(series[-2].period) == _code(r.period) - 1 else None
    now, before = _shown(r), _shown(previous)
    if now is not None and before is not None:
        now, before = round(now, r.decimals), round(before, r.decimals)
        return "same" if now == before else "up" if now > before else "down"
    if r.direction == "same":
        return "same"
    if r.direction in ("improving", "declining") and r.polarity != "neutral":
        better_is_up = r.polarity == "higher_is_better"
        return "up" if (r.direction == "improving") == better_is_up else "down"
    return None


# ---------------------------------------------------------------------------------------
# Formatting


def _fmt(value, decimals: int, kind: str) -> str:
    if value is None:
        return "–"
    text = format_number(value, decimals)
    if kind == "count" and decimals == 0 or abs(value) >= 1000 and decimals == 0:
        text = f"{round(value):,}"
    return text + ("%" if kind == "percentage" else "")


def shown_decimals(r: Result) -> int:
    """The value's decimals, more when rounding would hide why a value equal to its target
    (as shown) is not green: a 10.04% against a target of 10% shows as 10.04% and 10.00%."""
    decimals = r.decimals
    if r.value is None or r.target is None or r.rag in (None, "green") or r.suppressed:
        return decimals
    while decimals < r.decimals + 4 and round(r.value, decimals) == round(r.target, decimals):
        decimals += 1
    return decimals


def counts_text(r: Result) -> str:
    """The numerator and denominator behind a value, for kinds that divide."""
    if r.suppressed or r.numerator is None or r.denominator is None or r.kind not in ("percentage", "rate", "ratio"):
        return ""
    return f"{_count(r.numerator)} / {_count(r.denominator)}"


def _count(value) -> str:
    return f"{value:,}" if float(value).is_integer() else f"{value:,.1f}"


def _benchmark_name(name: str) -> str:
    return BENCHMARK_NAMES.get(name, name.replace("_", " ").capitalize())


def _quartile_text(r: Result) -> str:
    if r.polarity == "neutral" or r.quartile is None:
        return "–"
    return {1: "1 (best)", 4: "4 (worst)"}.get(r.quartile, str(r.quartile))


# ---------------------------------------------------------------------------------------
# The trend chart


def _trend_svg(series: list[Result], width: int = 224, height: int = 72) -> str:
    """A line chart of the last 13 months: its scale labelled at top and bottom, first and
    last months named, the latest value written, the target (dashed) and benchmarks (dotted)."""
    latest = series[-1]
    series = series[-CHART_MONTHS:]
    values = [_shown(r) for r in series]
    references = []
    if latest.target is not None:
        references.append(("target", "Target", latest.target))
    for name, bench in latest.benchmarks.items():
        if bench.get("value") is not None:
            references.append(("benchmark", _benchmark_name(name), bench["value"]))
    label = html.escape(f"{latest.title}: trend {series[0].period} to {latest.period}")
    head = (f'<svg class="trend" role="img" aria-label="{label}" data-indicator="{html.escape(latest.indicator)}" '
            f'width="{width}" height="{height}" viewBox="0 0 {width} {height}"><title>{label}</title>')
    numbers = [v for v in values if v is not None] + [v for _, _, v in references]
    if not numbers:
        return head + f'<text x="4" y="{height / 2 + 4}" class="nodata">no data</text></svg>'
    low, high = chart_scale(numbers, latest.kind)
    left, right, top, bottom = 40, width - 42, 8, height - 14
    step = (right - left) / max(len(series) - 1, 1)

    def x(i: int) -> float:
        return left + i * step

    def y(v: float) -> float:
        return bottom - (v - low) / (high - low) * (bottom - top)

    fmt = lambda v: _fmt(v, latest.decimals, latest.kind)  # noqa: E731
    parts = [head,
             f'<line class="axis" x1="{left - 2}" x2="{left - 2}" y1="{top}" y2="{bottom}"/>',
             f'<text class="scale" x="{left - 5}" y="{top + 4}" text-anchor="end">{html.escape(fmt(high))}</text>',
             f'<text class="scale" x="{left - 5}" y="{bottom + 2}" text-anchor="end">{html.escape(fmt(low))}</text>',
             f'<text class="scale" x="{left}" y="{height - 2}">{_short_month(series[0].period)}</text>',
             f'<text class="scale" x="{right}" y="{height - 2}" text-anchor="end">{_short_month(latest.period)}</text>']
    for css, name, value in references:
        parts.append(f'<line class="{css}" x1="{left}" x2="{right}" y1="{y(value):.1f}" y2="{y(value):.1f}">'
                     f'<title>{html.escape(name)}: {html.escape(fmt(value))}</title></line>')
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
            last = i == len(values) - 1
            parts.append(f'<circle class="{"point latest" if last else "point"}" cx="{x(i):.1f}" cy="{y(value):.1f}" '
                         f'r="{2.6 if last else 1.6}"><title>{series[i].period}: {html.escape(fmt(value))}</title></circle>')
    if values[-1] is not None:
        parts.append(f'<text class="latest-value" x="{right + 3}" y="{y(values[-1]) + 3:.1f}">'
                     f'{html.escape(fmt(values[-1]))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def chart_scale(numbers: list[float], kind: str) -> tuple[float, float]:
    """The lowest and highest value a chart shows. A small move must not fill the box: a
    percentage chart spans at least 10 points (within 0-100), other charts at least a tenth
    of their largest value; a count, percentage or rate whose lowest value is under half its
    highest starts at 0."""
    low, high = min(numbers), max(numbers)
    least = 10.0 if kind == "percentage" else max(abs(low), abs(high)) / 10 or 1.0
    if high - low < least:
        middle = (low + high) / 2
        low, high = middle - least / 2, middle + least / 2
        within = 0 <= min(numbers) and (kind != "percentage" or max(numbers) <= 100)
        if within and low < 0:
            low, high = 0.0, least
        elif within and kind == "percentage" and high > 100:
            low, high = 100.0 - least, 100.0
    if kind in ("count", "percentage", "rate") and low >= 0 and high > 0 and low / high < 0.5:
        low = 0.0
    return low, high


def _short_month(period: str) -> str:
    return f"{MONTHS[int(period[5:]) - 1][:3]} {period[2:4]}"


# ---------------------------------------------------------------------------------------
# HTML


CSS = """
:root { --green: #1b6e20; --amber: #8a4b00; --red: #b71c1c; --ink: #1d2330; --muted: #4a5263; --line: #d9dde5; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: var(--ink); margin: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; }
dl.framing { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; margin: 8px 0; }
dl.framing dt { color: var(--muted); } dl.framing dd { margin: 0; font-weight: 600; }
.synthetic { border: 2px solid var(--amber); background: #fff4e0; padding: 6px 10px; font-weight: 600; display: inline-block; margin: 4px 0 12px; }
.key { color: var(--muted); font-size: 12px; margin-bottom: 16px; }
h2 { font-size: 17px; margin: 24px 0 6px; border-bottom: 2px solid var(--ink); padding-bottom: 2px; }
table.scorecard { border-collapse: collapse; width: 100%; table-layout: fixed; }
table.scorecard caption { text-align: left; position: absolute; left: -10000px; }
/* every column but the indicator's has a fixed width, so columns line up across sections */
col.c-value { width: 84px; } col.c-target { width: 62px; } col.c-rag { width: 72px; } col.c-move { width: 108px; }
col.c-ytd { width: 72px; } col.c-lastyear { width: 72px; } col.c-outturn { width: 76px; } col.c-bench { width: 150px; }
col.c-quartile { width: 72px; } col.c-proj { width: 80px; } col.c-trend { width: 236px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 6px; vertical-align: middle; text-align: left; overflow-wrap: break-word; }
thead th { font-size: 12px; color: var(--muted); font-weight: 600; overflow-wrap: normal; }
thead th.num { text-align: right; }
th[scope=row] { font-weight: normal; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.counts { display: block; color: var(--muted); font-size: 11px; }
.desc, .small { color: var(--muted); font-size: 12px; }
.commentary { font-size: 12px; margin-top: 3px; border-left: 3px solid var(--line); padding-left: 6px; }
.notes { color: var(--amber); font-size: 12px; }
.rag { display: inline-block; min-width: 52px; text-align: center; border-radius: 3px; padding: 1px 6px; color: #fff; font-weight: 600; font-size: 12px; }
.rag.green { background: var(--green); } .rag.amber { background: var(--amber); } .rag.red { background: var(--red); }
.rag.none { background: none; color: var(--muted); font-weight: normal; }
.move { white-space: nowrap; } .move.better { color: var(--green); } .move.worse { color: var(--red); } .move.same, .move.neutral { color: var(--muted); }
.cmp-better { color: var(--green); } .cmp-worse { color: var(--red); } .cmp-similar, .cmp-higher, .cmp-lower { color: var(--muted); }
.suppressed { font-style: italic; color: var(--muted); }
svg.trend { display: block; }
svg.trend polyline.value { fill: none; stroke: var(--ink); stroke-width: 1.6; }
svg.trend circle.point { fill: var(--ink); } svg.trend circle.latest { fill: #0d47a1; }
svg.trend line.axis { stroke: var(--muted); stroke-width: 0.8; }
svg.trend line.target { stroke: var(--green); stroke-width: 1.4; stroke-dasharray: 5 3; }
svg.trend line.benchmark { stroke: #6a1b9a; stroke-width: 1.2; stroke-dasharray: 1 3; }
svg.trend text { font-size: 9px; fill: var(--muted); font-family: inherit; }
svg.trend text.latest-value { fill: var(--ink); font-weight: 600; }
section.quality li { margin-bottom: 3px; }
p.caution { border-left: 4px solid var(--amber); padding: 4px 10px; background: #fff8ec; }
footer { color: var(--muted); font-size: 12px; margin-top: 24px; }
@page { size: A4 landscape; margin: 10mm; }
@media print {
  body { margin: 0; font-size: 9.5pt; }
  h1 { font-size: 15pt; } h2 { font-size: 12pt; margin-top: 10pt; }
  th, td { padding: 3px 4px; }
  thead th, .counts, .small, .commentary, .notes, .key { font-size: 8pt; }
  col.c-value { width: 62px; } col.c-target { width: 50px; } col.c-rag { width: 58px; } col.c-move { width: 70px; }
  col.c-ytd { width: 54px; } col.c-lastyear { width: 54px; } col.c-outturn { width: 58px; } col.c-bench { width: 110px; }
  col.c-quartile { width: 56px; } col.c-proj { width: 60px; } col.c-trend { width: 212px; }
  .move { white-space: normal; }
  svg.trend { width: 200px; height: auto; }
  svg.trend text { font-size: 10px; fill: #000; }
  thead { display: table-header-group; }
  tr, svg { page-break-inside: avoid; break-inside: avoid; }
  h2 { page-break-after: avoid; break-after: avoid; }
  .rag, .synthetic, p.caution { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""

# only on a page with a breakdown: the group selector, each group's view, the groups side by side
BREAKDOWN_CSS = """
h3 { font-size: 15px; margin: 18px 0 6px; border-bottom: 1px solid var(--ink); padding-bottom: 2px; }
div.breakdown { margin: 8px 0 4px; font-weight: 600; } div.breakdown select { font: inherit; margin-left: 6px; }
h2.view-title { font-size: 19px; border-bottom-width: 3px; }
table.compare { border-collapse: collapse; margin: 4px 0 14px; min-width: 560px; }
table.compare caption { text-align: left; font-weight: 600; padding: 6px 0 2px; }
table.compare th[scope=row] { min-width: 200px; }
"""

HEADINGS = (("c-title", "Indicator"), ("c-value", "Value"), ("c-target", "Target"), ("c-rag", "RAG"),
            ("c-move", "Since last month"), ("c-ytd", "Year to date"), ("c-lastyear", "Same month last year"),
            ("c-outturn", "Last year's outturn"), ("c-bench", "Benchmarks"), ("c-quartile", "National quartile"),
            ("c-proj", "Year end (projected)"), ("c-trend", "Last 13 months"))
NUMERIC = {"c-value", "c-target", "c-ytd", "c-lastyear", "c-outturn", "c-quartile", "c-proj"}


def _heading(css: str, name: str) -> str:
    return f'<th scope="col" class="num">{name}</th>' if css in NUMERIC else f'<th scope="col">{name}</th>'


def render_html(results: Results, produced: datetime.date | None = None) -> str:
    """The scorecard as one self-contained HTML page."""
    groups = _rows(results)
    latest_period = max((series[-1].period for rows in groups.values() for series in rows), default="")
    title = results.title or "Performance scorecard"
    framing = results.framing
    produced = produced or datetime.date.today()
    period_text = _month_name(latest_period) if latest_period else "–"
    breakdown = results.groups()
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{html.escape(title)} – {html.escape(period_text)}</title>",
           f"<style>{CSS}{BREAKDOWN_CSS if breakdown else ''}</style></head><body><main>",
           f"<h1>{html.escape(title)}</h1>", '<dl class="framing">']
    council = framing.council if framing and framing.council else None
    extracted = framing.extracted if framing and framing.extracted else None
    for term, text in (("Council", council or "not named (add [report] council to commentary.toml)"),
                       ("Period", f"{period_text} (trends from {results.start or '–'} to {results.end or '–'})"),
                       ("Produced", produced.isoformat()),
                       ("Data extracted", extracted or "not given (add [report] extracted to commentary.toml)")):
        out.append(f"<dt>{term}</dt><dd>{html.escape(text)}</dd>")
    out.append("</dl>")
    if results.caption:
        out.append(f'<p class="synthetic">{html.escape(results.caption)}</p>')
    out.append('<p class="key">RAG against target, judged on the unrounded value: '
               '<span class="rag green">Green</span> on target, <span class="rag amber">Amber</span> within '
               'tolerance, <span class="rag red">Red</span> outside it (a value shown equal to its target is '
               'given more decimals). Since last month: ▲ up, ▼ down, ► the same; green is better, red worse, '
               'grey neither. Counts behind a percentage or rate are shown under it. Benchmarks are compared '
               'by the 95% interval of the value. Quartile 1 is the best quarter nationally; neutral indicators '
               'have none. Chart: the value (line), target (dashed green), benchmarks (dotted purple).</p>')
    if not breakdown:
        out.extend(_sections_html(groups, results, period_text))
    else:  # a view of the whole scorecard per group, one shown at a time, and groups side by side
        views = [({}, TOTAL_LABEL)] + [(group, group_label(group)) for group in breakdown]
        out.append('<div class="breakdown"><label for="breakdown">Show the scorecard for</label> '
                   '<select id="breakdown" aria-controls="' + " ".join(f"view-{i}" for i in range(len(views)))
                   + '">' + "".join(f'<option value="view-{i}">{html.escape(label)}</option>'
                                    for i, (_, label) in enumerate(views)) + "</select></div>")
        for i, (group, label) in enumerate(views):
            out.append(f'<section class="view" id="view-{i}" aria-labelledby="view-{i}-title">'
                       f'<h2 class="view-title" id="view-{i}-title">{html.escape(label)}</h2>')
            out.extend(_sections_html(_rows(results, group), results, period_text, "h3"))
            out.append("</section>")
        out.append(_comparison_html(results, groups, views, latest_period, period_text))
    out.append(_quality_html(groups, period_text, results))
    out.append(_sources_html(results, groups))
    out.append("</main><footer>Made with indicators. Values are unrounded in the data and rounded here to each "
               "indicator's decimals; suppressed cells hide small numbers.</footer>"
               + (f"<script>{SELECTOR_SCRIPT}</script>" if breakdown else "") + "</body></html>")
    return "\n".join(out) + "\n"


TOTAL_LABEL = "All rows (total)"
# without scripts every view shows, one after another; with them, the one selected
SELECTOR_SCRIPT = """
(function () {
  var select = document.getElementById("breakdown");
  var views = document.querySelectorAll("section.view");
  function show() {
    for (var i = 0; i < views.length; i++) { views[i].hidden = views[i].id !== select.value; }
  }
  select.addEventListener("change", show);
  show();
})();
"""


def group_label(group: dict) -> str:
    """A breakdown group as a reader sees it: ``team: Duty 1, age_band: not recorded``."""
    return ", ".join(f"{name}: {'not recorded' if value is None else str(value).lower() if isinstance(value, bool) else value}"
                     for name, value in group.items())


def _sections_html(groups, results: Results, period_text: str, heading: str = "h2") -> list[str]:
    """A table per report group, a row per indicator."""
    out = []
    for group, rows in groups.items():
        out.append(f'<section><{heading}>{html.escape(group)}</{heading}><table class="scorecard">'
                   f"<caption>{html.escape(group)}: {html.escape(period_text)}</caption><colgroup>"
                   + "".join(f'<col class="{css}">' for css, _ in HEADINGS) + "</colgroup><thead><tr>"
                   + "".join(_heading(css, name) for css, name in HEADINGS) + "</tr></thead><tbody>")
        for series in rows:
            out.append(_row_html(series, results.framing, _fy_start(results, series[-1].indicator)))
        out.append("</tbody></table></section>")
    return out


def _comparison_html(results: Results, groups, views: list[tuple[dict, str]], latest_period: str,
                     period_text: str) -> str:
    """For each indicator broken down, its latest month in the total and in every group
    that holds rows for it, one row each (a team of another service is left out)."""
    out = [f'<section class="compare"><h2>Groups side by side: {html.escape(period_text)}</h2>']
    for rows in groups.values():
        for total in rows:
            ident = total[-1].indicator
            shown = [(label, series) for group, label in views
                     if (series := [r for r in results.for_indicator(ident, group) if r.period <= latest_period])
                     and (not group or any(_holds_rows(r) for r in series))]
            if len(shown) < 2:  # the total alone: the indicator is not broken down
                continue
            out.append(f'<table class="compare" data-compare="{html.escape(ident)}"><caption>'
                       f"{html.escape(total[-1].title)}</caption><thead><tr>"
                       + "".join(_heading(css, name) for css, name in COMPARE_HEADINGS) + "</tr></thead><tbody>")
            for label, series in shown:
                r = series[-1]
                out.append(f'<tr><th scope="row">{html.escape(label)}</th>{_value_cell(r)}'
                           f'<td class="num">{html.escape(_fmt(r.target, shown_decimals(r), r.kind))}</td>'
                           f"{_rag_cell(r)}{_move_cell(series)}</tr>")
            out.append("</tbody></table>")
    out.append("</section>")
    return "".join(out)


def _holds_rows(r: Result) -> bool:
    """Whether any row of the result's tables lies in its window (a suppressed result's
    counts are hidden, so it is taken to hold some)."""
    if r.suppressed or r.rows is None:
        return r.suppressed or bool(r.numerator) or bool(r.denominator)
    return any(side.get("in_window") for side in r.rows.values())


COMPARE_HEADINGS = (("c-title", "Group"), ("c-value", "Value"), ("c-target", "Target"), ("c-rag", "RAG"),
                    ("c-move", "Since last month"))


def _row_html(series: list[Result], framing, fy_start: int) -> str:
    r = series[-1]
    comment = framing.comment(r.indicator, r.period) if framing else None
    title = (f'<th scope="row"><strong>{html.escape(r.title)}</strong>'
             + (f'<div class="commentary">{html.escape(comment)}</div>' if comment else "")
             + ('<div class="notes">Data quality: see below</div>' if _quality_items(r) else "") + "</th>")
    decimals = shown_decimals(r)
    value, rag, direction = _value_cell(r), _rag_cell(r), _move_cell(series)
    target = f'<td class="num">{html.escape(_fmt(r.target, decimals, r.kind))}</td>'
    ytd = year_to_date(series, fy_start) if r.window == "month" else None
    last_year = same_month_last_year(series)
    outturn_text = _outturn_cell(series, fy_start)
    benchmarks = "<br>".join(
        f"{html.escape(_benchmark_name(name))}: {html.escape(_fmt(b.get('value'), r.decimals, r.kind))}"
        + (f' <span class="cmp-{b["comparison"]}">({html.escape(b["comparison"])})</span>' if b.get("comparison") else "")
        for name, b in r.benchmarks.items()) or "–"
    projection = projected_year_end(series)
    cells = [title, value, target, rag, direction,
             f'<td class="num">{html.escape(_fmt(ytd, r.decimals, r.kind))}</td>',
             f'<td class="num">{html.escape(_fmt(_shown(last_year), r.decimals, r.kind))}</td>',
             f'<td class="num">{outturn_text}</td>',
             f'<td class="small">{benchmarks}</td>',
             f'<td class="num">{_quartile_text(r)}</td>',
             f'<td class="num">{html.escape(_fmt(projection, 0, r.kind))}</td>',
             f"<td>{_trend_svg(series)}</td>"]
    return f'<tr data-indicator="{html.escape(r.indicator)}">' + "".join(cells) + "</tr>"


def _value_cell(r: Result) -> str:
    """The value with the counts behind it, or that it is suppressed."""
    if r.suppressed:
        return '<td class="num suppressed">suppressed</td>'
    counts = counts_text(r)
    return (f'<td class="num">{html.escape(_fmt(r.value, shown_decimals(r), r.kind))}'
            + (f'<span class="counts">{html.escape(counts)}</span>' if counts else "") + "</td>")


def _rag_cell(r: Result) -> str:
    return (f'<td><span class="rag {r.rag}">{RAG_TEXT[r.rag]}</span></td>' if r.rag
            else '<td><span class="rag none">–</span></td>')


def _move_cell(series: list[Result]) -> str:
    """The value's movement since last month, and whether that is better or worse."""
    r = series[-1]
    move = movement(series)
    if not move:
        return "<td>–</td>"
    feeling = FEELING.get(r.direction or "", "neutral")
    words = {"up": "up", "down": "down", "same": "same"}[move]
    words += "" if feeling in ("neutral", "same") else f", {feeling}"
    return (f'<td><span class="move {feeling}"><span aria-hidden="true">{MOVES[move]}</span> '
            f"{words}</span></td>")


_NOT_QUALITY = ("where false", "numerator condition false")


def _quality_items(r: Result) -> list[str]:
    """What the latest result says about the data: its notes, and rows left out for a
    missing or unknown value (a filter that is simply false is the definition, not a problem)."""
    items = [f"{reason}: {count:,}" for reason, count in sorted(r.notes.items())]
    for side, account in sorted((r.rows or {}).items()):
        for reason, count in sorted(account.get("left_out", {}).items()):
            if reason not in _NOT_QUALITY:
                items.append(f"{side}: {count:,} row(s) left out ({reason})")
    return items


def _quality_html(groups, period_text: str, results: Results) -> str:
    entries = [(series[-1], _quality_items(series[-1])) for rows in groups.values() for series in rows]
    entries = [(r, items) for r, items in entries if items]
    total = sum(len(rows) for rows in groups.values())
    out = ['<section class="quality"><h2>Data quality</h2>']
    missing = [f"{ident}: not evaluated, {reason}" for ident, reason in results.skipped.items()]
    missing += [f"{failure.removeprefix('indicators.')} (its figures are empty)" for failure in results.failures]
    if missing:  # indicators the page leaves out or shows empty, and why
        out.append('<p class="caution">Not shown or empty:</p><ul>'
                   + "".join(f"<li>{html.escape(text)}</li>" for text in missing) + "</ul>")
    if not entries:
        out.append(f"<p>No indicator has a data-quality note for {html.escape(period_text)}.</p></section>")
        return "".join(out)
    out.append(f'<p class="caution">Caution needs to be applied: for {len(entries)} of {total} indicators in '
               f"{html.escape(period_text)}, rows were left out or values could not be read, as listed below. "
               "Compare these figures with earlier months with care.</p><ul>")
    for r, items in entries:
        out.append(f'<li><strong>{html.escape(r.title)}</strong>: {html.escape("; ".join(items))}</li>')
    out.append("</ul></section>")
    return "".join(out)


def _sources_html(results: Results, groups) -> str:
    """Where each benchmark (and published outturn) shown comes from, as the packs (or
    benchmark sets) state it."""
    definitions = {}
    for pack in results.packs:
        definitions.update(pack.indicators)
    items = []
    for rows in groups.values():
        for series in rows:
            r = series[-1]
            definition = definitions.get(r.indicator)
            if definition is None:
                continue
            sources = dict(definition.benchmark_sources)
            ranked = r.quartile is not None and r.polarity != "neutral"
            for name in list(r.benchmarks) + (["quartiles"] if ranked else []):
                if name in sources:
                    label = "Quartiles" if name == "quartiles" else _benchmark_name(name)
                    items.append(f"<li><strong>{html.escape(r.title)}</strong>, {html.escape(label)}: "
                                 f"{html.escape(sources[name])}</li>")
            if r.outturn is not None and definition.outturn_source:
                items.append(f"<li><strong>{html.escape(r.title)}</strong>, last year's outturn: "
                             f"{html.escape(definition.outturn_source)}</li>")
    if not items:
        return ""
    return '<section class="sources"><h2>Benchmark sources and published outturns</h2><ul>' + "".join(items) + "</ul></section>"


# ---------------------------------------------------------------------------------------
# Terminal


_ANSI = {"green": "\033[32m", "amber": "\033[33m", "red": "\033[31m", "better": "\033[32m", "worse": "\033[31m",
         "bold": "\033[1m", "reset": "\033[0m"}


def short_titles(titles: list[str], width: int) -> list[str]:
    """Titles cut to ``width`` characters, never two alike: a long title keeps its start and
    its closing words (``… (year to date)``), and a clash left after that is numbered."""
    out = []
    for title in titles:
        if len(title) <= width:
            out.append(title)
            continue
        tail = title[title.rfind("("):] if title.endswith(")") and "(" in title else title.rsplit(" ", 1)[-1]
        tail = tail[: width // 2]
        out.append(title[: width - len(tail) - 2].rstrip() + "… " + tail)
    counts = Counter(out)
    numbered: Counter[str] = Counter()
    for i, text in enumerate(out):
        if counts[text] > 1:
            numbered[text] += 1
            suffix = f" #{numbered[text]}"
            out[i] = text[: width - len(suffix)] + suffix
    return out


def render_terminal(results: Results, color: bool = False) -> str:
    """The latest month of each indicator, grouped, for a terminal (RAG coloured if asked)."""
    groups = _rows(results)
    lines = []
    if results.title:
        lines.append(results.title)
    framing = results.framing
    if framing and framing.council:
        lines.append(framing.council)
    if results.caption:
        lines.append(results.caption)
    width = 50
    header = (f"{'Indicator':<{width}} {'Value':>9} {'Target':>8}  {'RAG':<6} {'Change':<9} {'YTD':>9} "
              f"{'Last yr':>9} {'Outturn':>9}")
    all_titles = short_titles([s[-1].title for rows in groups.values() for s in rows], width)
    names = iter(all_titles)
    for group, rows in groups.items():
        lines += ["", (_ANSI["bold"] + group + _ANSI["reset"]) if color else group, header, "-" * len(header)]
        for series in rows:
            r = series[-1]
            fy_start = _fy_start(results, r.indicator)
            decimals = shown_decimals(r)
            value = "suppr." if r.suppressed else _fmt(r.value, decimals, r.kind)
            target = _fmt(r.target, decimals, r.kind) if r.target is not None else ""
            rag_cell = f"{RAG_TEXT.get(r.rag or '', ''):<6}"
            if color and r.rag:
                rag_cell = _ANSI[r.rag] + rag_cell + _ANSI["reset"]
            move = movement(series)
            feeling = FEELING.get(r.direction or "", "")
            change = (MOVES[move] + (f" {feeling}" if feeling in ("better", "worse") else "")) if move else ""
            change_cell = f"{change:<9}"
            if color and feeling in ("better", "worse"):
                change_cell = _ANSI[feeling] + change_cell + _ANSI["reset"]
            ytd = year_to_date(series, fy_start) if r.window == "month" else None
            last_year = _shown(same_month_last_year(series))
            outturn = published_outturn(series, fy_start) or last_year_outturn(series, fy_start)
            cells = [_fmt(v, r.decimals, r.kind) if v is not None else ""
                     for v in (ytd, last_year, outturn[1] if outturn else None)]
            lines.append(f"{next(names):<{width}} {value:>9} {target:>8}  {rag_cell} {change_cell} "
                         f"{cells[0]:>9} {cells[1]:>9} {cells[2]:>9}".rstrip())
    return "\n".join(lines) + "\n"


def render_team_lines(results: Results, explain_command: str) -> str:
    """For the terminal: each broken-down indicator with a target, in its latest month, the
    group furthest on the wrong side of it, and how to list the rows behind that figure
    (``explain_command`` with ``{indicator}``, ``{period}`` and ``{group}``, the
    ``--group COLUMN="VALUE"`` options)."""
    latest = max((r.period for r in results), default=None)
    worst: dict[str, tuple[Result, float]] = {}  # indicator id to its group furthest from target
    for r in results:
        if r.period != latest or not r.group or r.target is None or r.value is None or r.polarity == "neutral":
            continue
        shortfall = (r.target - r.value) * (1 if r.polarity == "higher_is_better" else -1)
        if shortfall > worst.get(r.indicator, (r, 0.0))[1]:
            worst[r.indicator] = (r, shortfall)
    if not worst:
        return ""
    width = max(len(r.title) for r, _ in worst.values())
    out = [f"\nGroups furthest from target ({_month_name(latest)}; every group in the HTML page)"]
    example = None
    for r, _ in worst.values():
        group = ", ".join(f"{name} {value if value is not None else '(not recorded)'}" for name, value in r.group.items())
        out.append(f"  {r.title.ljust(width)}  {group}: {_fmt(r.value, r.decimals, r.kind)} "
                   f"against {_fmt(r.target, r.decimals, r.kind)}" + (f", {r.rag}" if r.rag else ""))
        if example is None and all(value is not None for value in r.group.values()):
            example = r
    if example is not None:
        options = " ".join(f'--group {column}="{value}"' for column, value in example.group.items())
        out.append("The rows behind a group's figure (the children to review):")
        out.append("  " + explain_command.format(indicator=example.indicator, period=example.period, group=options))
    return "\n".join(out) + "\n"
