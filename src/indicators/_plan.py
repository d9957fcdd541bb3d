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

from ._expressions import Call, Name, names_used, walk
from ._pack import AGGREGATE_KINDS, Expr, Indicator, Lookup, Measure, Pack, columns_needed
from ._work import (Aggregate, Count, Derived, DuplicateRows, EndingBeforeStart, HeldByEach, Key, LookupGrid,
                    MissingKey, MonthBuckets, Pairs, Placement, Read, Reasons, RowValue, Unknown, account_key,
                    accounted_by_reasons, durations_taken, is_pair_level, lookup_key, lookups_read,
                    cell_columns, negative_durations_key, noted_measures, pass_placement, placement_key,
                    row_level_where, row_selection_key, selection_key, texts, undated_key)


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


def _reason_chains(pack: Pack) -> dict[tuple, list[tuple[Expr, ...]]]:
    """Per table and pass placement (an event's date, whatever its window; a snapshot's
    start and end), the chains of filters counted by reasons in one pass each: every
    chain some indicator reads that no longer chain begins with, in pack order. A chain
    that begins another is read from the longer one's pass."""
    chains: dict[tuple, list[tuple[Expr, ...]]] = {}
    for indicator in pack.indicators.values():
        for measure, chain in _reason_uses(indicator):
            placed = chains.setdefault((measure.table, pass_placement(measure)), [])
            own = texts(chain)
            if any(texts(other)[:len(own)] == own for other in placed):
                continue
            placed[:] = [other for other in placed if own[:len(other)] != texts(other)]
            placed.append(chain)
    return chains


@attrs.frozen
class ReasonPass:
    """One pass over a table's rows in a placement: each row's code is the first filter of
    a chain that leaves it out (missing or false; 0 if none does), plus one bit for each of
    some durations that is negative on the row and each of some columns missing there."""

    table: str
    placement: tuple
    chain: tuple[Expr, ...]
    durations: tuple[Expr, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def key(self) -> Reasons:
        return Reasons(self.placement, texts(self.chain), texts(self.durations), self.missing)

    @property
    def n_reasons(self) -> int:
        return 2 * len(self.chain) + 1

    @property
    def n_bits(self) -> int:
        return len(self.durations) + len(self.missing)

    def fits(self, n_bits: int) -> bool:
        """Whether the codes stay within a byte with ``n_bits`` bits beside the reasons."""
        return self.n_reasons << n_bits <= 256


def _reads_columns_only(expr: Expr, derived: set[str]) -> bool:
    """Whether a duration reads only the table's own columns and constants: no other call,
    none of the ``derived`` columns (which a plugin function may fail; the caller leaves
    out those the chain reads already), so that counting it beside a chain of filters can
    never fail the indicators reading that chain."""
    return all(not isinstance(node, (Call, Name)) or node is expr.node
               or (isinstance(node, Name) and node.name not in derived) for node in walk(expr.node))


def note_passes(measure: Measure, of: Expr | None = None) -> dict[Key, tuple[ReasonPass, ...]]:
    """The passes of a measure's negative-duration and missing-lookup-key notes when no
    reasons pass counts them: the durations under the row-level ``where``, as many to a
    pass as a byte holds; a pass per lookup key column."""
    placement, placed = placement_key(measure), pass_placement(measure)
    out: dict[Key, tuple[ReasonPass, ...]] = {}
    key = negative_durations_key(measure, of)
    if key is not None:
        where = row_level_where(measure)
        durations = durations_taken(measure, of)
        chain = (where,) if where is not None else ()
        per_pass = (256 // (2 * len(chain) + 1)).bit_length() - 1
        out[key] = tuple(ReasonPass(measure.table, placed, chain, tuple(durations[i:i + per_pass]))
                         for i in range(0, len(durations), per_pass))
    for lookup in measure.lookups:
        out[MissingKey(placement, lookup.on)] = (ReasonPass(measure.table, placed, (), missing=(lookup.on,)),)
    return out


@attrs.frozen
class ReasonPasses:
    """The reasons passes of a pack, by table and placement, and the passes that count
    each negative-duration and missing-lookup-key note: a planned chain's, as more bits of
    its codes, where one over the same rows has room (and, for durations under a
    ``where``, begins with it), else passes of the note's own."""

    chains: dict[tuple, tuple[ReasonPass, ...]]  # (table, placement) -> passes
    notes: dict[tuple[str, Key], tuple[ReasonPass, ...]]  # (table, note) -> the passes counting it

    def for_note(self, table: str, key: Key, own: tuple[ReasonPass, ...]) -> tuple[ReasonPass, ...]:
        """The passes that count a note on ``table`` (``own`` when the plan has none)."""
        return self.notes.get((table, key), own)

    def for_filters(self, measure: Measure, filters: tuple[Expr, ...]) -> ReasonPass:
        """The planned pass whose chain begins with ``filters`` (a pass of ``filters``
        alone when the plan has none: a selection no indicator of the pack makes)."""
        wanted = texts(filters)
        for planned in self.chains.get((measure.table, pass_placement(measure)), ()):
            if texts(planned.chain)[:len(wanted)] == wanted:
                return planned
        return ReasonPass(measure.table, pass_placement(measure), tuple(filters))


def reason_passes(pack: Pack) -> ReasonPasses:
    """Every reasons pass of ``pack``, with the notes each counts beside its chain: worked
    out once per pack and kept with it (``Pack.memo``)."""
    if "reason_passes" not in pack.memo:
        pack.memo["reason_passes"] = _reason_passes(pack)
    return pack.memo["reason_passes"]


def _reason_passes(pack: Pack) -> ReasonPasses:
    chains = {place: [ReasonPass(place[0], place[1], chain) for chain in chained]
              for place, chained in _reason_chains(pack).items()}
    # notes are named by table too: tables with a date column of one name place alike
    answered: dict[tuple[str, Key], tuple[tuple, int]] = {}
    own: dict[tuple[str, Key], tuple[ReasonPass, ...]] = {}
    for indicator in pack.indicators.values():
        for measure, of in noted_measures(indicator):
            place = (measure.table, pass_placement(measure))
            spec = pack.tables.get(measure.table)
            derived = {name for name, _ in spec.derive} if spec else set()
            for key, passes in note_passes(measure, of).items():
                note = (measure.table, key)
                if note in answered or note in own:
                    continue
                at = _room_in(chains.get(place, []), key, measure, of, derived)
                if at is None:
                    own[note] = passes
                    continue
                answered[note] = (place, at)
    notes = {note: (chains[place][at],) for note, (place, at) in answered.items()}
    notes.update(own)
    return ReasonPasses({place: tuple(passes) for place, passes in chains.items()}, notes)


def _room_in(passes: list[ReasonPass], key: Key, measure: Measure, of: Expr | None, derived: set[str]
             ) -> int | None:
    """The index of the first pass of ``passes`` that can count the note ``key`` beside its
    chain, made to count it; None when none can."""
    for at, planned in enumerate(passes):
        bits = len(planned.durations) + len(planned.missing)
        if isinstance(key, MissingKey):
            if key.on in planned.missing:
                return at
            if key.on not in derived and planned.fits(bits + 1):
                passes[at] = attrs.evolve(planned, missing=planned.missing + (key.on,))
                return at
            continue
        if key.where is not None and texts(planned.chain)[:1] != (key.where,):
            continue  # the rows the where keeps are not told apart in this pass
        durations = durations_taken(measure, of)
        # a derived column the chain reads already gives the pass no new way to fail
        unread = derived.difference(*(names_used(f.node) for f in planned.chain))
        if not all(_reads_columns_only(d, unread) for d in durations):
            continue
        have = texts(planned.durations)
        new = tuple(d for d in durations if texts((d,))[0] not in have)
        if planned.fits(bits + len(new)):
            passes[at] = attrs.evolve(planned, durations=planned.durations + new)
            return at
    return None


# ---------------------------------------------------------------------------------------
# The plan


@attrs.frozen
class Step:
    """One unit of work of an evaluation, done once for every indicator that needs it."""

    kind: str  # read | derive | duplicates | place | filter | lookup | pairs | reasons | count | hold
    #            | aggregate | account | notes
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
    aggregate = indicator.kind in AGGREGATE_KINDS and role == "numerator"
    of = indicator.of if aggregate else None
    each = indicator.each if role == "numerator" else None
    if _placed_by_window(measure, of, each):
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
    for lookup in lookups_read(measure, of):
        what = lookup.aggregate + (f"({lookup.column})" if lookup.column else "")
        plan.add(lookup.table, _window_text(lookup), Placement(placement_key(lookup)), user)
        plan.add(table, f"{lookup.name}: {what} of {lookup.table} by {lookup.key}, {_window_text(lookup)}",
                 LookupGrid(placement_key(measure), lookup_key(lookup)), user)
    filters = measure.filters()
    pair_level = [e for e in filters if is_pair_level(e, measure)]
    if pair_level or aggregate:
        _pairs_step(plan, measure, user)
    if aggregate:
        if indicator.each is not None:
            held = f"distinct {measure.distinct}" if measure.distinct else "rows"
            what, key = f"{held} held by each {indicator.each}", Aggregate(
                selection_key(measure), indicator.kind, measure.distinct, each=indicator.each)
            # the holding itself, which a mean and a largest over the same selection share
            plan.add(table, f"{what} over: " + _selection_text(measure, filters),
                     HeldByEach(selection_key(measure), measure.distinct, indicator.each), user)
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
    if role == "numerator" or indicator.kind in ("percentage", "rate", "ratio"):
        how = "from the reasons pass" if accounted_by_reasons(measure, of, each) else "one pass"
        plan.add(table, f"rows left out by reason, {how}: " + _selection_text(measure, filters),
                 account_key(measure, of, each), user)


def _placed_by_window(measure: Measure, of: Expr | None, each: str | None) -> bool:
    """Whether an evaluation places the measure's rows in its window's period ranges: a
    snapshot's passes count by them, and pairs, distinct counts, aggregates and lookups
    read them; events counted and accounted for by their passes are counted by month."""
    return (measure.window.is_snapshot or bool(lookups_read(measure, of)) or measure.distinct is not None
            or not accounted_by_reasons(measure, of, each) or not counted_by_reasons(measure, measure.filters()))


def _pairs_step(plan: _Builder, measure: Measure, user: str) -> None:
    row_level = tuple(e for e in measure.filters() if not is_pair_level(e, measure))
    columns = cell_columns(measure, [e for e in measure.filters() if is_pair_level(e, measure)], (measure.distinct,))
    by_values = " and ".join(columns) or "nothing of the row"
    plan.add(measure.table, "rows x months of: " + _selection_text(measure, row_level)
             + f" (judged once per {by_values} and month where those are few enough)",
             Pairs(row_selection_key(measure)), user)


def _pass_text(planned: ReasonPass, measure: Measure) -> str:
    """What a reasons pass counts, as the plan describes it."""
    beside = ([f"negative {', '.join(texts(planned.durations))}"] if planned.durations else []) + \
        ([f"missing {', '.join(planned.missing)}"] if planned.missing else [])
    placed = _window_text(measure)
    if not measure.window.is_snapshot:  # counted by month, for every event window over the date
        since = f" since {_day_text(measure.since)}" if planned.placement[2] is not None else ""
        placed = f"by {measure.date.text}, by month{since} (every window's counts)"
    if not planned.chain:
        return f"rows{' with ' if beside else ''}{' and '.join(beside)}, one pass: {placed}"
    text = "rows by the first filter that leaves them out, one pass: " + "; ".join(
        [placed] + [f"where {e.text}" for e in planned.chain])
    return text + "".join(f"; and {what}" for what in beside)


def _pass_steps(plan: _Builder, planned: ReasonPass, measure: Measure, user: str) -> None:
    """A reasons pass, and the placing of events in months it counts by."""
    if planned.placement[0] == "events":
        since = f" since {_day_text(measure.since)}" if planned.placement[2] is not None else ""
        plan.add(measure.table, f"by {measure.date.text}, in months{since}", MonthBuckets(planned.placement), user)
    plan.add(measure.table, _pass_text(planned, measure), planned.key, user)


def _note_steps(plan: _Builder, passes: ReasonPasses, indicator: Indicator) -> None:
    """The data-quality notes an indicator reads: one step each, shared by the measures
    alike, and the passes that count them."""
    user = indicator.id
    for measure, of in noted_measures(indicator):
        table, window = measure.table, _window_text(measure)
        plan.add(table, "rows without a date that the filters keep: " + window, undated_key(measure), user)
        if measure.window.is_snapshot and measure.end is not None:
            plan.add(table, f"episodes ending before they start: {measure.end.text} < {measure.start.text}",
                     EndingBeforeStart(texts((measure.start,))[0], texts((measure.end,))[0]), user)
        counted = [(key, f"rows without a {key.on} to look {lookup.name} up by")
                   for lookup in measure.lookups for key in (MissingKey(placement_key(measure), lookup.on),)]
        durations = negative_durations_key(measure, of)
        if durations is not None:
            counted.append((durations, f"negative durations ({', '.join(durations.durations)})"))
        for key, what in counted:
            beside = passes.notes[(table, key)]
            shared = beside[0] in passes.chains.get((table, pass_placement(measure)), ())
            plan.add(table, f"{what}: {window}" + (" (from the reasons pass)" if shared else ""), key, user)
            for planned in beside:
                _pass_steps(plan, planned, measure, user)
    numerator = indicator.numerator
    if indicator.kind in ("percentage", "rate", "ratio") and numerator.extra is not None:
        base = attrs.evolve(numerator, extra=None)
        chain = (*base.filters(), numerator.extra)
        if not counted_by_reasons(base, chain):
            plan.add(base.table, _window_text(base), Placement(placement_key(base)), user)
            _pairs_step(plan, base, user)
        plan.add(base.table, f"rows for which {numerator.extra.text} is missing: "
                 + _selection_text(base, base.filters()),
                 Unknown(selection_key(base), texts((numerator.extra,))[0]), user)


def compile(pack: Pack) -> Plan:
    """The plan of ``pack``: every step an evaluation does, each once, with its users."""
    plan = _Builder()
    needed = columns_needed(pack)
    passes = reason_passes(pack)
    for indicator in pack.indicators.values():
        measures = [("numerator", indicator.numerator)]
        if isinstance(indicator.denominator, Measure):
            measures.append(("denominator", indicator.denominator))
        for _, measure in measures:
            for table in (measure.table, *(lookup.table for lookup in measure.lookups)):
                columns = tuple(sorted(needed.get(table, ())))
                plan.add(table, "columns " + ", ".join(columns), Read(columns), indicator.id)
            plan.add(measure.table, "rows equal to an earlier row, among those the run's windows may hold "
                     "(a digest of each, one sort)", DuplicateRows(), indicator.id)
        for role, measure in measures:
            _measure_steps(plan, pack, indicator, measure, role)
        for measure, chain in _reason_uses(indicator):
            _pass_steps(plan, passes.for_filters(measure, chain), measure, indicator.id)
        _note_steps(plan, passes, indicator)
    order = ("read", "derive", "duplicates", "place", "filter", "lookup", "pairs", "reasons", "count", "hold",
             "aggregate", "account", "notes")
    steps = sorted(plan.steps.values(), key=lambda s: (s.table, order.index(s.kind)))
    return Plan(pack.name, tuple(steps), tuple(pack.indicators))
