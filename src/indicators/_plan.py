"""The evaluation plan of a pack: the units of work an evaluation does, each once, and
the indicators that share each one.

A step is named by a canonical key computed from the pack alone (no data): the same
window over the same date, the same filter text on the same table, the same lookup.
The engine names its shared work by these keys, so a step is done once per evaluation
for every indicator that needs it; :func:`compile` lists them, and ``indicators plan
PACK`` prints the list.
"""

from __future__ import annotations

import attrs

from ._expressions import names_used
from ._pack import AGGREGATE_KINDS, Expr, Indicator, Lookup, Measure, Pack, columns_needed
from ._work import (Aggregate, Count, Derived, DuplicateRows, EndingBeforeStart, Key, LookupGrid, MissingKey,
                    Pairs, Placement, Read, Reasons, RowValue, Unknown, account_key, accounted_by_reasons,
                    is_pair_level, lookup_key, negative_durations_key, noted_measures, placement_key,
                    row_selection_key, selection_key, texts, undated_key)

def counted_by_reasons(measure: Measure, filters: tuple[Expr, ...]) -> bool:
    """Whether the rows a selection keeps and leaves out come from one pass of reason
    codes: every filter reads the row alone, and one byte holds the codes."""
    return len(filters) < 100 and not any(is_pair_level(expr, measure) for expr in filters)


def _reason_uses(indicator: Indicator) -> list[tuple[Measure, tuple[Expr, ...]]]:
    """The chains of filters whose reasons an indicator reads: a counted measure's own
    (its count and row accounting), and a numerator's that adds a condition to its base
    (rows for which that condition is missing)."""
    uses = []
    if indicator.kind in AGGREGATE_KINDS:
        return uses
    measures = [indicator.numerator]
    if isinstance(indicator.denominator, Measure) and indicator.kind in ("percentage", "rate", "ratio"):
        measures.append(indicator.denominator)
    for measure in measures:
        if not measure.distinct and counted_by_reasons(measure, measure.filters()):
            uses.append((measure, measure.filters()))
    numerator = indicator.numerator
    if indicator.kind in ("percentage", "rate", "ratio") and numerator.extra is not None:
        chain = (*attrs.evolve(numerator, extra=None).filters(), numerator.extra)
        if counted_by_reasons(numerator, chain):
            uses.append((numerator, chain))
    return uses


def reason_chains(pack: Pack) -> dict[tuple, list[tuple[Expr, ...]]]:
    """Per table and placement, the chains of filters counted by reasons in one pass each: every
    chain some indicator reads that no longer chain begins with, in pack order. A chain
    that begins another is read from the longer one's pass."""
    chains: dict[tuple, list[tuple[Expr, ...]]] = {}
    for indicator in pack.indicators.values():
        for measure, chain in _reason_uses(indicator):
            placed = chains.setdefault((measure.table, placement_key(measure)), [])
            own = texts(chain)
            if any(texts(other)[:len(own)] == own for other in placed):
                continue
            placed[:] = [other for other in placed if own[:len(other)] != texts(other)]
            placed.append(chain)
    return chains


def reason_chain_for(chains: dict[tuple, list[tuple[Expr, ...]]], measure: Measure,
                     filters: tuple[Expr, ...]) -> tuple[Expr, ...]:
    """The planned chain whose pass counts ``filters``' reasons (``filters`` itself when
    the plan has none: a selection no indicator of the pack makes)."""
    wanted = texts(filters)
    for chain in chains.get((measure.table, placement_key(measure)), ()):
        if texts(chain)[:len(wanted)] == wanted:
            return chain
    return filters


# ---------------------------------------------------------------------------------------
# The plan


@attrs.frozen
class Step:
    """One unit of work of an evaluation, done once for every indicator that needs it."""

    kind: str  # read | derive | duplicates | place | filter | lookup | pairs | reasons | count | aggregate
    #            | account | notes
    table: str
    description: str
    key: Key = attrs.field(repr=False)  # the name the engine does this work under
    users: tuple[str, ...] = ()  # indicator ids, in pack order

    @property
    def shared(self) -> bool:
        return len(self.users) > 1


@attrs.frozen
class Plan:
    """The steps of a pack's evaluation, table by table, each with the indicators using it."""

    pack: str
    steps: tuple[Step, ...]
    indicators: tuple[str, ...]

    def tables(self) -> list[str]:
        return sorted({step.table for step in self.steps})

    def to_text(self) -> str:
        """The plan as ``indicators plan`` prints it."""
        lines = [f"plan of {self.pack}: {len(self.indicators)} indicator(s), {len(self.steps)} step(s), "
                 f"{sum(step.shared for step in self.steps)} shared by more than one indicator"]
        for table in self.tables():
            lines.append("")
            lines.append(table)
            for step in (s for s in self.steps if s.table == table):
                users = ", ".join(step.users) if len(step.users) <= 6 else \
                    ", ".join(step.users[:5]) + f" and {len(step.users) - 5} more"
                lines.append(f"  {step.kind:<10} {step.description}")
                lines.append(f"  {'':<10} used by {users}")
        return "\n".join(lines) + "\n"

    def to_records(self) -> list[dict]:
        """The steps as plain dicts (``indicators plan --format json``)."""
        return [{"kind": s.kind, "table": s.table, "description": s.description, "used_by": list(s.users)}
                for s in self.steps]


class _Builder:
    def __init__(self) -> None:
        self.steps: dict[tuple[str, Key], Step] = {}

    def add(self, table: str, description: str, key: Key, user: str, kind: str | None = None) -> None:
        step = self.steps.get((table, key))
        if step is None:
            self.steps[(table, key)] = Step(kind or key.kind, table, description, key, (user,))
        elif user not in step.users:
            self.steps[(table, key)] = attrs.evolve(step, users=step.users + (user,))


def _window_text(source: Measure | Lookup) -> str:
    if source.window.is_snapshot:
        end = f" to {source.end.text}" if source.end is not None else ", never ending"
        return f"open at each month end, from {source.start.text}{end}"
    since = f" since {_day_text(source.since)}" if source.since is not None else ""
    return f"by {source.date.text}, {source.window.text} window{since}"


def _day_text(day: int) -> str:
    import numpy as np

    return str(np.datetime64(day, "D"))


def _selection_text(measure: Measure, filters: tuple[Expr, ...]) -> str:
    parts = [_window_text(measure)] + [f"where {e.text}" for e in filters]
    return "; ".join(parts)


def _derived_used(pack: Pack, table: str, names: set[str]) -> list[tuple[str, Expr]]:
    """The derived columns of a table that ``names`` need, directly or through others, in
    the order they are computed."""
    spec = pack.tables.get(table)
    if spec is None:
        return []
    derive = dict(spec.derive)
    wanted: set[str] = set()
    pending = [n for n in names if n in derive]
    while pending:
        name = pending.pop()
        if name not in wanted:
            wanted.add(name)
            pending.extend(n for n in names_used(derive[name].node) if n in derive)
    return [(name, expr) for name, expr in spec.derive if name in wanted]


def _measure_steps(plan: _Builder, pack: Pack, indicator: Indicator, measure: Measure, role: str) -> None:
    user = indicator.id
    table = measure.table
    plan.add(table, _window_text(measure), Placement(placement_key(measure)), user)
    names: set[str] = set()
    for expr in measure.expressions():
        names |= names_used(expr.node)
    if indicator.of is not None and role == "numerator":
        names |= names_used(indicator.of.node)
    if indicator.each is not None and role == "numerator":
        names.add(indicator.each)
    for name, expr in _derived_used(pack, table, names):
        plan.add(table, f"{name} = {expr.text}", Derived(name), user)
    for expr in measure.filters():
        if not is_pair_level(expr, measure):
            plan.add(table, expr.text, RowValue(texts((expr,))[0]), user, kind="filter")
    for lookup in measure.lookups:
        what = lookup.aggregate + (f"({lookup.column})" if lookup.column else "")
        plan.add(lookup.table, _window_text(lookup), Placement(placement_key(lookup)), user)
        plan.add(table, f"{lookup.name}: {what} of {lookup.table} by {lookup.key}, {_window_text(lookup)}",
                 LookupGrid(placement_key(measure), lookup_key(lookup)), user)
    filters = measure.filters()
    pair_level = [e for e in filters if is_pair_level(e, measure)]
    aggregate = indicator.kind in AGGREGATE_KINDS and role == "numerator"
    if pair_level or aggregate:
        _pairs_step(plan, measure, user)
    if aggregate:
        if indicator.each is not None:
            held = f"distinct {measure.distinct}" if measure.distinct else "rows"
            what, key = f"{held} held by each {indicator.each}", Aggregate(
                selection_key(measure), indicator.kind, measure.distinct, each=indicator.each)
        else:
            what, key = indicator.of.text, Aggregate(selection_key(measure), indicator.kind, measure.distinct,
                                                     of=texts((indicator.of,))[0])
        plan.add(table, f"{indicator.kind} of {what} over: " + _selection_text(measure, filters), key, user)
    else:
        what = f"distinct {measure.distinct}" if measure.distinct else "rows"
        source = " (from the reasons)" if not measure.distinct and counted_by_reasons(measure, filters) else ""
        plan.add(table, f"{what}{source} of: " + _selection_text(measure, filters),
                 Count(selection_key(measure), measure.distinct), user)
    # the row accounting: from the reasons pass where every filter reads the row alone,
    # else one pass giving each row (and row-month) the reason it was left out
    of = indicator.of if aggregate else None
    each = indicator.each if role == "numerator" else None
    if role == "numerator" or indicator.kind in ("percentage", "rate", "ratio"):
        how = "from the reasons pass" if accounted_by_reasons(measure, of, each) else "one pass"
        plan.add(table, f"rows left out by reason, {how}: " + _selection_text(measure, filters),
                 account_key(measure, of, each), user)


def _pairs_step(plan: _Builder, measure: Measure, user: str) -> None:
    row_level = tuple(e for e in measure.filters() if not is_pair_level(e, measure))
    plan.add(measure.table, "rows x months of: " + _selection_text(measure, row_level),
             Pairs(row_selection_key(measure)), user)


def _note_steps(plan: _Builder, indicator: Indicator) -> None:
    """The data-quality notes an indicator reads: one step each, shared by the measures alike."""
    user = indicator.id
    for measure, of in noted_measures(indicator):
        table, window = measure.table, _window_text(measure)
        plan.add(table, "rows without a date that the filters keep: " + window, undated_key(measure), user)
        if measure.window.is_snapshot and measure.end is not None:
            plan.add(table, f"episodes ending before they start: {measure.end.text} < {measure.start.text}",
                     EndingBeforeStart(texts((measure.start,))[0], texts((measure.end,))[0]), user)
        for lookup in measure.lookups:
            plan.add(table, f"rows without a {lookup.on} to look {lookup.name} up by: {window}",
                     MissingKey(placement_key(measure), lookup.on), user)
        durations = negative_durations_key(measure, of)
        if durations is not None:
            plan.add(table, f"negative durations ({', '.join(durations.durations)}), one pass: {window}",
                     durations, user)
    numerator = indicator.numerator
    if indicator.kind in ("percentage", "rate", "ratio") and numerator.extra is not None:
        base = attrs.evolve(numerator, extra=None)
        chain = (*base.filters(), numerator.extra)
        if not counted_by_reasons(base, chain):
            _pairs_step(plan, base, user)
        plan.add(base.table, f"rows for which {numerator.extra.text} is missing: "
                 + _selection_text(base, base.filters()),
                 Unknown(selection_key(base), texts((numerator.extra,))[0]), user)


def compile(pack: Pack) -> Plan:
    """The plan of ``pack``: every step an evaluation does, each once, with its users."""
    plan = _Builder()
    needed = columns_needed(pack)
    chains = reason_chains(pack)
    for indicator in pack.indicators.values():
        measures = [("numerator", indicator.numerator)]
        if isinstance(indicator.denominator, Measure):
            measures.append(("denominator", indicator.denominator))
        for _, measure in measures:
            for table in (measure.table, *(lookup.table for lookup in measure.lookups)):
                columns = tuple(sorted(needed.get(table, ())))
                plan.add(table, "columns " + ", ".join(columns), Read(columns), indicator.id)
            plan.add(measure.table, "rows equal to an earlier row (a digest of each row, one sort)",
                     DuplicateRows(), indicator.id)
        for role, measure in measures:
            _measure_steps(plan, pack, indicator, measure, role)
        for measure, chain in _reason_uses(indicator):
            chain = reason_chain_for(chains, measure, chain)
            plan.add(measure.table, "rows by the first filter that leaves them out, one pass: "
                     + _selection_text(measure, chain), Reasons(placement_key(measure), texts(chain)), indicator.id)
        _note_steps(plan, indicator)
    order = ("read", "derive", "duplicates", "place", "filter", "lookup", "pairs", "reasons", "count",
             "aggregate", "account", "notes")
    steps = sorted(plan.steps.values(), key=lambda s: (s.table, order.index(s.kind)))
    return Plan(pack.name, tuple(steps), tuple(pack.indicators))
