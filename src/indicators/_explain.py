"""Drill-down: the rows behind one indicator's figure in one period (SPEC section 11).

Each row a side's window holds (the numerator, and a counted denominator) gets the role
the row accounting gives it: used, or left out for the first reason that applies, in the
accounting's order (row-level filters, then filters that read the period, then a missing
``distinct`` key, a missing ``each`` value, no value to aggregate). The counts of an
explanation are therefore the result's numerator, denominator and ``rows`` exactly.
"""

from __future__ import annotations

import datetime
import math
from typing import Any, Mapping, Sequence

import attrs
import numpy as np

from ._arrays import unique
from ._checker import suggest
from ._dates import NAT, format_period, parse_date_text, parse_period, to_iso
from ._coverage import coverage_warnings
from ._data_check import start_run
from ._errors import DataError, Problem
from ._evaluator import evaluate as evaluate_node
from ._explanation import ExplainedRow, Explanation
from ._expressions import PERIOD_VARIABLES, SHIFT_FUNCTIONS, Call, Name, walk
from ._figures import population_by_period
from ._functions import DEFAULT_TIME_LIMIT
from ._inputs import pack_for_input
from ._memory import DEFAULT_MEMORY_BUDGET
from ._pack import AGGREGATE_KINDS, Constant, Expr, Indicator, Measure, Pack, PopulationRef
from ._work import is_pair_level
from ._plugins import default_registry
from ._registry import Registry
from ._run import Run
from ._selection import select
from ._table_evaluation import TableEvaluation
from ._tables import Table
from ._vectors import Vec, missing_mask, truth
from ._windows import Periods

_USED = "used"


@attrs.frozen(eq=False)
class RunInputs:
    """What an explanation needs of a run: its pack, loaded tables and settings."""

    pack: Pack
    tables: dict[str, Table]
    first: int
    last: int
    calendar: Any
    functions: Mapping[str, Any]
    function_time_limit: float | None
    memory_budget: int | None
    skipped: dict[str, str]


def inputs_of(run: Run, first: int, last: int) -> RunInputs:
    """The parts of ``run`` an explanation reuses (not its caches, which can be large)."""
    return RunInputs(run.pack, {name: e.table for name, e in run.tables.items()}, first, last, run.calendar,
                     run.functions, run.limits.seconds, run.memory_budget, dict(run.skipped))


def explain_results(sources: list[RunInputs], indicator: str, period: str, group: Mapping[str, Any] | None,
                    key: str | None, extra_columns: tuple[str, ...] = ()) -> Explanation:
    """``Results.explain``: find the run that holds ``indicator`` and explain it."""
    if not sources:
        raise DataError([Problem("these results keep no data to explain (they were merged from partial results "
                                 "or computed on Dask); explain with indicators.evaluate on the data instead")])
    for source in sources:
        if indicator in source.pack.indicators or indicator in source.skipped:
            break
    else:
        known = sorted(ident for source in sources for ident in source.pack.indicators)
        raise DataError([Problem(_unknown_indicator(indicator, known, ", ".join(s.pack.name for s in sources)))])
    if indicator in source.skipped:
        raise DataError([Problem(f"indicator {indicator!r} was skipped in this run ({source.skipped[indicator]}), "
                                 "so it has no rows to explain")])
    code = _period_code(period)
    if not source.first <= code <= source.last:
        raise DataError([Problem(f"period {period} is outside the run ({format_period(source.first)} to "
                                 f"{format_period(source.last)})")])
    run = Run(source.pack, source.tables, Periods(code - 1, code, source.pack.financial_year_start),
              source.calendar, source.functions, source.function_time_limit, source.memory_budget)
    return explain_run(run, source.pack.indicators[indicator], group, key, extra_columns)


def explain(pack: Pack, tables: Any, indicator: str, period: str, *, group: Mapping[str, Any] | None = None,
            key: str | None = None, columns: Sequence[str] = (), loader: str = "csv", strict: bool | None = None,
            function_time_limit: float | None = DEFAULT_TIME_LIMIT,
            memory_budget: int | None = DEFAULT_MEMORY_BUDGET, registry: Registry | None = None) -> Explanation:
    """The rows behind ``indicator``'s figure in ``period`` (``YYYY-MM``), read from
    ``tables`` for that month alone, as ``indicators explain`` lists them: without
    evaluating the rest of the pack or the other months.

    ``tables``, ``loader``, ``strict``, ``function_time_limit``, ``memory_budget`` and
    ``registry`` are as for :func:`indicators.evaluate`, but a table the indicator reads that the data lacks is
    an error even where the pack skips such indicators. ``group`` and ``key`` are as for
    :meth:`indicators.Results.explain`; ``columns`` names more columns to show for each row.
    The explanation's ``warnings`` say when the month lies outside the data's dates.
    """
    if indicator not in pack.indicators:
        raise DataError([Problem(_unknown_indicator(indicator, sorted(pack.indicators), f"pack {pack.name!r}"))])
    code = _period_code(period)
    registry = registry or default_registry()
    chosen, unsupported = pack_for_input(select([pack], [indicator])[0], loader, registry=registry)
    if indicator in unsupported:
        raise DataError([Problem(f"indicator {indicator!r} cannot be explained from the {loader!r} input: "
                                 f"{unsupported[indicator]}")])
    run = start_run(chosen, tables, code, code, strict, loader, function_time_limit, memory_budget,
                    registry=registry)
    explanation = explain_run(run, run.pack.indicators[indicator], group, key, tuple(columns))
    warnings = coverage_warnings(run.pack, {name: e.table for name, e in run.tables.items()}, code, code)
    return attrs.evolve(explanation, warnings=tuple(warnings))


def _unknown_indicator(indicator: str, known: list[str], packs: str) -> str:
    hint = suggest(indicator, known)
    return f"no indicator {indicator!r} in {packs}" + (f"; {hint}" if hint else "")


def _period_code(period: str) -> int:
    try:
        return parse_period(period)
    except ValueError as exc:
        raise DataError([Problem(str(exc))]) from None


def explain_run(run: Run, indicator: Indicator, group: Mapping[str, Any] | None = None, key: str | None = None,
                extra_columns: tuple[str, ...] = ()) -> Explanation:
    """The rows behind ``indicator`` in the last period of ``run`` (its periods are the
    month explained and the month before)."""
    group = dict(group or {})
    p = run.periods.count - 1
    sides = {"numerator": indicator.numerator}
    counted_denominator = isinstance(indicator.denominator, Measure) and indicator.kind in ("percentage", "rate",
                                                                                           "ratio")
    if counted_denominator:
        sides["denominator"] = indicator.denominator
    for measure in sides.values():
        evaluation = run.tables[measure.table]
        for name in (*group, *((key,) if key else ()), *extra_columns):
            _check_column(evaluation, name)
    # a key found for the numerator's table is shown where the other side's table has it too
    key = _key_column(indicator, key, run.tables[indicator.numerator.table])
    masks = _group_masks(run, sides, group)
    of = indicator.of if indicator.kind in AGGREGATE_KINDS else None
    each = indicator.each if indicator.kind in AGGREGATE_KINDS else None
    explained = {}
    for side, measure in sides.items():
        evaluation = run.tables[measure.table]
        found = _side(evaluation, measure, p, of if side == "numerator" else None,
                      each if side == "numerator" else None)
        explained[side] = found.within(masks[side]) if group else found

    accounting = {side: found.accounting() for side, found in explained.items()}
    num_measure, used = indicator.numerator, explained["numerator"].used()
    numerator_evaluation = run.tables[num_measure.table]
    value: float | None
    if each is not None:
        numerator, value = _each_figures(numerator_evaluation, num_measure, each, indicator.kind, used)
    elif of is not None:
        numerator, value = _aggregate_figures(numerator_evaluation, num_measure, of, indicator.kind, used, p)
    else:
        numerator = _count(numerator_evaluation, num_measure, used)
        value = float(numerator)
    denominator = _denominator(run, indicator, explained, p)
    if indicator.kind in ("percentage", "rate", "ratio"):
        scale = {"percentage": 100.0, "rate": indicator.per, "ratio": 1.0}[indicator.kind]
        value = scale * numerator / denominator if denominator not in (None, 0) and math.isfinite(denominator) \
            else None
    starts, ends = run.periods.window_bounds(indicator.base.window.kind, indicator.base.window.months,
                                             indicator.base.since)
    columns, listed = _listing(run, indicator, explained, p, key, extra_columns, tuple(group))
    return Explanation(
        indicator=indicator.id, title=indicator.title, kind=indicator.kind,
        period=format_period(int(run.periods.codes[p])), window_start=to_iso(int(starts[p])),
        window_end=to_iso(int(ends[p])), group={name: _plain(v) for name, v in group.items()}, key=key,
        columns=columns, numerator=numerator, denominator=denominator,
        value=value if value is None or math.isfinite(value) else None, accounting=accounting, rows=listed)


def _key_column(indicator: Indicator, key: str | None, evaluation: TableEvaluation) -> str | None:
    """The key column asked for, else the column whose values the numerator counts
    (``distinct``) or groups by (``each``), else the column its lookups join on, else the
    ``by`` of a ``previous()`` or ``next()`` it reads."""
    if key is not None:
        return key
    measure = indicator.numerator
    if measure.distinct:
        return measure.distinct
    if indicator.each:
        return indicator.each
    if measure.lookups:
        return measure.lookups[0].on
    seen: set[str] = set()
    pending = [n for n in _columns_read(indicator, measure, "numerator") if n in evaluation.derived]
    while pending:
        name = pending.pop(0)
        if name in seen:
            continue
        seen.add(name)
        for node in walk(evaluation.derived[name].node):
            if isinstance(node, Call) and node.name in SHIFT_FUNCTIONS:
                by = dict(node.kwargs).get("by")
                if isinstance(by, Name):
                    return by.name
            elif isinstance(node, Name) and node.name in evaluation.derived:
                pending.append(node.name)
    return None


def _check_column(evaluation: TableEvaluation, name: str) -> None:
    table = evaluation.table
    if name in table.columns or name in evaluation.derived:
        return
    known = sorted({*table.columns, *evaluation.derived})
    hint = suggest(name, known)
    raise DataError([Problem(f"table {table.name!r} has no column {name!r}" + (f"; {hint}" if hint else ""),
                             file=table.source, detail=f"columns: {', '.join(known)}")])


def _side(evaluation: TableEvaluation, measure: Measure, p: int, of: Expr | None, each: str | None) -> _Side:
    """The rows period ``p``'s window holds, and for each ``"used"`` or the reason it was
    left out, in the order of :meth:`TableEvaluation.account`."""
    lo, hi = evaluation.placement(measure)
    rows = np.flatnonzero((lo <= p) & (p < hi))
    labels = [_USED]
    codes = np.zeros(rows.size, dtype=np.int64)

    def leave_out(mask: np.ndarray, label: str, at: np.ndarray | None = None) -> None:
        labels.append(label)
        target = np.arange(rows.size) if at is None else at
        hit = target[mask & (codes[target] == 0)]
        codes[hit] = len(labels) - 1

    roles = [("where" if expr is measure.where else "numerator condition", expr) for expr in measure.filters()]
    for role, expr in roles:
        if not is_pair_level(expr, measure):
            true, unknown = truth(evaluation.row_value(expr).take(rows))
            leave_out(unknown, f"{role} unknown")
            leave_out(~true, f"{role} false")
    # what reads the period (or a lookup) is evaluated for the rows still used, as the engine does
    kept = np.flatnonzero(codes == 0)
    context = evaluation.pair_context(measure, rows[kept], np.full(kept.size, p, dtype=np.int64))
    for role, expr in roles:
        if is_pair_level(expr, measure):
            true, unknown = truth(evaluate_node(expr.node, context))
            leave_out(unknown, f"{role} unknown", kept)
            leave_out(~true, f"{role} false", kept)
    if measure.distinct:
        leave_out(~evaluation.keys(measure.distinct)[1][rows], f"missing {measure.distinct}")
    if each is not None:
        leave_out(~evaluation.keys(each)[1][rows], f"missing {each}")
    if of is not None:
        if is_pair_level(of, measure):
            leave_out(missing_mask(evaluate_node(of.node, context)), "no value to aggregate", kept)
        else:
            leave_out(missing_mask(evaluation.row_value(of).take(rows)), "no value to aggregate")
    return _Side(measure, rows, codes, tuple(labels))


@attrs.frozen(eq=False)
class _Side:
    """The rows one side's window holds in the month, and the code of each one's verdict
    (0: used; otherwise the index of the reason in ``labels``)."""

    measure: Measure
    rows: np.ndarray
    codes: np.ndarray
    labels: tuple[str, ...]

    def within(self, mask: np.ndarray) -> _Side:
        """The rows of ``mask`` (over the table's rows) only."""
        inside = mask[self.rows]
        return _Side(self.measure, self.rows[inside], self.codes[inside], self.labels)

    def used(self) -> np.ndarray:
        return self.rows[self.codes == 0]

    def verdicts(self) -> list[str]:
        return [self.labels[c] for c in self.codes.tolist()]

    def accounting(self) -> dict[str, Any]:
        """In window, used and left out by reason, in the form of a result's ``rows``."""
        tally = np.bincount(self.codes, minlength=len(self.labels)).tolist()
        left_out = {label: count for label, count in zip(self.labels[1:], tally[1:]) if count}
        return {"in_window": int(self.rows.size), "used": tally[0], "left_out": dict(sorted(left_out.items()))}


def _count(evaluation: TableEvaluation, measure: Measure, used: np.ndarray) -> int:
    if not measure.distinct:
        return int(used.size)
    keys, present = evaluation.keys(measure.distinct)
    return int(unique(keys[used[present[used]]]).size)


def _each_figures(evaluation: TableEvaluation, measure: Measure, each: str, kind: str, used: np.ndarray
                  ) -> tuple[int, float | None]:
    """Values of ``each`` holding used rows, and ``kind`` of the rows (or distinct
    members) each holds."""
    holders = evaluation.keys(each)[0][used]
    if measure.distinct:
        members = evaluation.keys(measure.distinct)[0][used]
        holders = np.unique(np.stack([holders, members], axis=1), axis=0)[:, 0]
    _, held = np.unique(holders, return_counts=True)
    return int(held.size), _aggregate(kind, held.astype(np.float64))


def _aggregate_figures(evaluation: TableEvaluation, measure: Measure, of: Expr, kind: str, used: np.ndarray,
                       p: int) -> tuple[int, float | None]:
    if is_pair_level(of, measure):
        values = evaluate_node(of.node, evaluation.pair_context(measure, used, np.full(used.size, p, np.int64)))
    else:
        values = evaluation.row_value(of).take(used)
    data = values.data.astype(np.float64) if values.type != "null" else np.zeros(0)
    return int(data.size), _aggregate(kind, data)


def _aggregate(kind: str, values: np.ndarray) -> float | None:
    if values.size == 0:
        return None
    return float({"sum": np.sum, "mean": np.mean, "min": np.min, "max": np.max, "median": np.median}[kind](values))


def _denominator(run: Run, indicator: Indicator, explained: dict, p: int) -> int | float | None:
    if indicator.kind not in ("percentage", "rate", "ratio"):
        return None
    den = indicator.denominator
    if "denominator" in explained:
        found = explained["denominator"]
        return _count(run.tables[found.measure.table], found.measure, found.used())
    if isinstance(den, Constant):
        return _plain(den.value)
    if isinstance(den, PopulationRef):
        return _plain(float(population_by_period(run.pack, den.name, run.periods)[p]))
    return None


def _plain(value: Any) -> Any:
    """A number as the records give it: whole floats as int, NaN as None."""
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if not math.isfinite(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, np.integer):
        return int(value)
    return value


# ---------------------------------------------------------------------------------------
# Groups


def _group_masks(run: Run, sides: dict[str, Measure], group: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """For each side, the rows of its table whose value of every group column equals the
    group's (None: is missing). A text value no side's table holds is an error (a typo,
    most likely), named with the values there are."""
    masks = {side: np.ones(run.tables[m.table].table.n_rows, dtype=bool) for side, m in sides.items()}
    for name, wanted in group.items():
        unseen = []
        for side, measure in sides.items():
            evaluation = run.tables[measure.table]
            mask, held = _equals(evaluation.vec(name), wanted, f"{measure.table}.{name}")
            masks[side] &= mask
            if held is not None:
                unseen.append((f"{measure.table}.{name}", held))
        if len(unseen) == len(sides):
            where = " or ".join(dict.fromkeys(w for w, _ in unseen))
            present = sorted({str(v) for _, held in unseen for v in held})
            hint = suggest(str(wanted), present)
            raise DataError([Problem(f"no row has {where} = {str(wanted)!r}" + (f"; {hint}" if hint else ""),
                                     detail="values: " + ", ".join(repr(v) for v in present[:20])
                                     + (" ..." if len(present) > 20 else ""))])
    return masks


def _equals(vec: Vec, wanted: Any, where: str) -> tuple[np.ndarray, list | None]:
    """Where ``vec`` equals ``wanted``, and, when ``wanted`` is text the column never
    holds, the values it does hold (else None)."""
    missing = missing_mask(vec)
    if wanted is None:
        return missing, None
    if vec.type == "null":
        return np.zeros(len(vec), dtype=bool), []
    if vec.type == "str":
        text = str(wanted)
        codes = np.flatnonzero(vec.categories == text) if vec.categories is not None else np.zeros(0, np.int64)
        if codes.size == 0:
            held = vec.categories[unique(vec.data[~missing])].tolist() if vec.categories is not None else []
            return np.zeros(len(vec), dtype=bool), held
        return np.isin(vec.data, codes) & ~missing, None
    return (vec.data == _typed(vec.type, wanted, where)) & ~missing, None


def _typed(type_: str, wanted: Any, where: str):
    """A group value as a column of ``type_`` holds it."""
    try:
        if type_ == "date":
            if isinstance(wanted, datetime.date):
                return (np.datetime64(wanted, "D") - np.datetime64(0, "D")).astype(np.int64)
            days, readable = parse_date_text(np.array([str(wanted)], dtype=object))
            if not readable[0] or days[0] == NAT:
                raise ValueError
            return int(days[0])
        if type_ == "bool":
            if isinstance(wanted, (bool, np.bool_)):
                return bool(wanted)
            return {"true": True, "false": False}[str(wanted).strip().lower()]
        if type_ == "int":
            number = float(wanted)
            if not number.is_integer():
                raise ValueError
            return int(number)
        return float(wanted)
    except (ValueError, KeyError, TypeError, OverflowError):
        raise DataError([Problem(f"{where} holds {'whole numbers' if type_ == 'int' else type_ + 's'}; "
                                 f"{wanted!r} is not one")]) from None


# ---------------------------------------------------------------------------------------
# The listing


def _columns_read(indicator: Indicator, measure: Measure, side: str) -> list[str]:
    """The columns (derived columns and lookups included) a side's placement, filters and
    value read, in the order they are written."""
    exprs = [e for e in (measure.date, measure.start, measure.end, *measure.filters()) if e is not None]
    if side == "numerator" and indicator.kind in AGGREGATE_KINDS and indicator.of is not None:
        exprs.append(indicator.of)
    names: list[str] = []
    for expr in exprs:
        for node in walk(expr.node):
            if isinstance(node, Name) and node.name not in PERIOD_VARIABLES and node.name not in names:
                names.append(node.name)
    for name in (measure.distinct, indicator.each if side == "numerator" else None):
        if name and name not in names:
            names.append(name)
    return names


def _listing(run: Run, indicator: Indicator, explained: dict[str, _Side], p: int, key: str | None,
             extra_columns: tuple[str, ...], group_columns: tuple[str, ...]
             ) -> tuple[tuple[str, ...], tuple[ExplainedRow, ...]]:
    """The columns shown, and the rows of every side's window, table by table (the
    numerator's first) in row order, each with its values, verdicts and role."""
    columns: list[str] = []
    listed: list[ExplainedRow] = []
    for table_name in dict.fromkeys(found.measure.table for found in explained.values()):
        here = {side: found for side, found in explained.items() if found.measure.table == table_name}
        evaluation = run.tables[table_name]
        rows = np.unique(np.concatenate([found.rows for found in here.values()]))
        owners: dict[str, Measure] = {}  # each column, and the measure whose lookup it may be
        for side, found in here.items():
            for name in (*_columns_read(indicator, found.measure, side), *extra_columns):
                if name != key:
                    owners.setdefault(name, found.measure)
        columns.extend(name for name in owners if name not in columns)
        values = {name: _python_values(_values_at(evaluation, owner, name, rows, p))
                  for name, owner in owners.items()}
        has_key = key is not None and (key in evaluation.table.columns or key in evaluation.derived)
        keys = _python_values(evaluation.vec(key).take(rows)) if has_key else [None] * rows.size
        verdicts = {}
        for side, found in here.items():
            verdict = np.full(rows.size, None, dtype=object)
            verdict[np.searchsorted(rows, found.rows)] = np.array(found.labels, dtype=object)[found.codes]
            verdicts[side] = verdict.tolist()
        file_lines = evaluation.table.lines
        lines = file_lines[rows].tolist() if file_lines is not None else [None] * rows.size
        names = [name for name in columns if name in owners]
        for i, row in enumerate(rows.tolist()):
            sides = {side: verdict[i] for side, verdict in verdicts.items() if verdict[i] is not None}
            numerator, denominator = sides.get("numerator"), sides.get("denominator")
            if numerator == _USED:
                role, reason = "numerator", None
            elif denominator == _USED:
                role, reason = "denominator only", numerator
            else:
                role, reason = "left out", denominator or numerator
            listed.append(ExplainedRow(
                table=table_name, row=row + 1, line=None if lines[i] is None else int(lines[i]), key=keys[i],
                role=role, reason=reason, values={name: values[name][i] for name in names}, sides=sides))
    shown = [c for c in columns if c not in group_columns or c in extra_columns]
    return tuple(shown), tuple(listed)


def _values_at(evaluation: TableEvaluation, measure: Measure, name: str, rows: np.ndarray, p: int) -> Vec:
    """A column's values at ``rows``; a lookup's as evaluated for period ``p``."""
    for lookup in measure.lookups:
        if lookup.name == name:
            return evaluation.lookup_values(lookup, measure, rows, np.full(rows.size, p, dtype=np.int64))
    return evaluation.vec(name).take(rows)


def _python_values(vec: Vec) -> list:
    """Plain Python values: text, ISO dates, numbers, booleans; None where missing."""
    n = len(vec)
    if vec.type == "null" or n == 0:
        return [None] * n
    missing = vec.mask().tolist()
    if vec.type == "str":
        codes = np.where(vec.mask(), 0, vec.data)
        values = vec.categories[codes].tolist() if vec.categories is not None and len(vec.categories) else [None] * n
    elif vec.type == "date":
        values = [to_iso(day) for day in vec.data.tolist()]
    elif vec.type == "float":
        values = [v if math.isfinite(v) else None for v in vec.data.astype(np.float64).tolist()]
    else:
        values = vec.data.tolist()
    return [None if m else v for v, m in zip(values, missing)]
