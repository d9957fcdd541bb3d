"""The work an evaluation shares, by name: one key type per kind of work, built from the
pack alone, and the store that does each piece of work once.

The plan (:func:`indicators.compile`) lists its steps under these keys and the engine
computes under the same keys, so "the same work" has one definition: two measures with
the same window over the same date place their rows once, the same filter text on the
same table is evaluated once, two measures making the same selection count it once.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from typing import Any, Callable, ClassVar, Iterable, Iterator, TypeVar

import attrs

from ._definitions import Expr, Indicator, Lookup, Measure
from ._expressions import PERIOD_VARIABLES, Call, names_used, to_text, uses_period, walk

T = TypeVar("T")
_NOTHING = object()  # no value under a key (None may be one)


# ---------------------------------------------------------------------------------------
# What makes two pieces of work the same (memoised by value: a pack's pieces are
# immutable and keep their hash, so asking again costs one dictionary lookup)


def placement_key(source: Measure | Lookup) -> tuple:
    """What places rows in periods: the window, since, and the date or start and end."""
    return source.placement


@functools.lru_cache(maxsize=4096)
def pass_placement(source: Measure | Lookup) -> tuple:
    """What places rows for a reasons pass: an event's month, whatever its window (every
    event window's counts come from counts by month), or a snapshot's placement."""
    if source.window.is_snapshot:
        return source.placement
    since = source.since if source.window.kind == "cumulative" else None
    return ("events", to_text(source.date.node), since)


def lookup_key(lookup: Lookup) -> tuple:
    """What makes two lookups the same, whatever indicator declares them."""
    return (lookup.name, lookup.table, lookup.key, lookup.on, lookup.window.text, lookup.since,
            lookup.aggregate, lookup.column,
            tuple(to_text(e.node) if e else None for e in (lookup.date, lookup.start, lookup.end, lookup.where)))


@functools.lru_cache(maxsize=4096)
def is_pair_level(expr: Expr, measure: Measure) -> bool:
    """Whether a filter reads the period (or a lookup, which is per period): it is then
    judged on (row, period) pairs rather than once per row."""
    return expr.uses_period or bool(names_used(expr.node) & measure.lookup_names())


def cell_columns(measure: Measure, exprs: Iterable[Expr], also: Iterable[str | None] = ()) -> tuple[str, ...]:
    """The row columns whose values, with the period, decide ``exprs`` (expressions on a
    measure's (row, period) pairs): the columns they read, the columns their lookups are
    joined on, and ``also`` (a distinct key, an ``each`` column), sorted. Every pair of
    rows with the same values of these columns in a period gets the same answer, so such
    expressions can be judged once per (combination, period) cell rather than per pair."""
    lookups = {lookup.name: lookup for lookup in measure.lookups}
    columns = {name for name in also if name is not None}
    for expr in exprs:
        for name in names_used(expr.node):
            if name in lookups:
                columns.add(lookups[name].on)
            elif name not in PERIOD_VARIABLES:
                columns.add(name)
    return tuple(sorted(columns))


@functools.lru_cache(maxsize=4096)
def row_selection_key(measure: Measure, filters: tuple[Expr, ...] | None = None) -> tuple:
    """The rows a measure keeps before any filter that reads the period: its placement,
    its row-level filters (a conjunction, so in any order) and its lookups."""
    chosen = measure.filters() if filters is None else filters
    row_level = sorted(to_text(e.node) for e in chosen if not is_pair_level(e, measure))
    return (placement_key(measure), tuple(row_level), tuple(lookup_key(lookup) for lookup in measure.lookups))


@functools.lru_cache(maxsize=4096)
def selection_key(measure: Measure, filters: tuple[Expr, ...] | None = None) -> tuple:
    """The rows a measure counts in each period: its row selection and the filters that
    read the period."""
    chosen = measure.filters() if filters is None else filters
    pair_level = sorted(to_text(e.node) for e in chosen if is_pair_level(e, measure))
    return (row_selection_key(measure, chosen), tuple(pair_level))


DURATION_FUNCTIONS = ("days", "working_days", "months", "age")


@functools.lru_cache(maxsize=4096)
def durations_taken(measure: Measure, of: Expr | None = None) -> tuple[Expr, ...]:
    """The durations between two of a row's dates that a measure's expressions (and
    ``of``) take, reading no period or lookup, by canonical text: what the negative
    duration note checks."""
    calls = {}
    for expr in (*measure.expressions(), *((of,) if of is not None else ())):
        for node in walk(expr.node):
            if (isinstance(node, Call) and node.name in DURATION_FUNCTIONS and not uses_period(node)
                    and not names_used(node) & measure.lookup_names()):
                calls[to_text(node)] = Expr(to_text(node), node, expr.location)
    return tuple(calls[text] for text in sorted(calls))


def lookups_read(measure: Measure, of: Expr | None = None) -> tuple[Lookup, ...]:
    """The measure's lookups that its filters (or ``of``) read: those an evaluation builds."""
    names: set[str] = set()
    for expr in (*measure.filters(), *((of,) if of is not None else ())):
        names |= names_used(expr.node)
    return tuple(lookup for lookup in measure.lookups if lookup.name in names)


def row_level_where(measure: Measure) -> Expr | None:
    """The measure's ``where`` when it reads the row alone."""
    return measure.where if measure.where is not None and not is_pair_level(measure.where, measure) else None


def filter_roles(measure: Measure) -> tuple[tuple[str, Expr], ...]:
    """Each filter of a measure with the role it plays in the row accounting."""
    return tuple(("where" if expr is measure.where else "numerator condition", expr) for expr in measure.filters())


def accounted_by_reasons(measure: Measure, of: Expr | None, each: str | None) -> bool:
    """Whether a measure's row accounting is read from its reasons pass: counted rows,
    every filter reading the row alone."""
    return of is None and each is None and not measure.distinct and \
        not any(is_pair_level(e, measure) for e in measure.filters())


def placing(measure: Measure) -> Expr:
    """The date that places a measure's rows: its start for a snapshot, else its date."""
    return measure.start if measure.window.is_snapshot else measure.date


def undated_filters(measure: Measure) -> list[Expr]:
    """The filters the missing-date note applies: the measure's own (not a numerator's
    added condition) that read the row alone."""
    return [expr for expr in measure.filters() if expr is not measure.extra and not is_pair_level(expr, measure)]


@functools.lru_cache(maxsize=4096)
def noted_measures(indicator: Indicator) -> tuple[tuple[Measure, Expr | None], ...]:
    """The measures whose rows an indicator's data-quality notes count, each once (a
    numerator that is its base plus a condition reads the same rows), with the values
    an aggregate's ``of`` takes on the numerator's rows."""
    seen: list[Measure] = []
    out = []
    for measure in indicator.measures():
        plain = attrs.evolve(measure, extra=None, location=None)
        if plain in seen:
            continue
        seen.append(plain)
        out.append((measure, indicator.of if measure is indicator.numerator else None))
    return tuple(out)


def tables_read(indicator: Indicator) -> set[str]:
    """The tables ``indicator`` reads, by its measures or their lookups."""
    return {table for measure in indicator.measures()
            for table in (measure.table, *(lookup.table for lookup in measure.lookups))}


def expressions_over(indicator: Indicator, table: str) -> list[Expr]:
    """The expressions of ``indicator`` evaluated over ``table``'s rows: its measures'
    (with ``of``, the numerator's) where they count that table, its lookups' where they
    read it."""
    exprs = []
    for measure in indicator.measures():
        if measure.table == table:
            exprs.extend(measure.expressions())
            if measure is indicator.numerator and indicator.of is not None:
                exprs.append(indicator.of)
        exprs.extend(expr for lookup in measure.lookups if lookup.table == table for expr in lookup.expressions())
    return exprs


def names_read(indicator: Indicator, table: str) -> set[str]:
    """The names of ``table``'s columns (stored or derived) that ``indicator`` reads: in its
    expressions over the table, and as a distinct key, an ``each`` or a lookup's key."""
    names = set().union(*(names_used(expr.node) for expr in expressions_over(indicator, table)))
    for measure in indicator.measures():
        if measure.table == table:
            names.update(lookup.on for lookup in measure.lookups)
            names.update(name for name in (measure.distinct, indicator.each if measure is indicator.numerator else None)
                         if name)
        names.update(name for lookup in measure.lookups if lookup.table == table
                     for name in (lookup.key, lookup.column) if name)
    return names


def texts(exprs: Iterable[Expr]) -> tuple[str, ...]:
    """The canonical texts of expressions, in order."""
    return tuple(to_text(e.node) for e in exprs)


# ---------------------------------------------------------------------------------------
# The kinds of work: each a key type; ``kind`` names it in the plan


@attrs.frozen
class Key:
    """One piece of an evaluation's work, done once under this key."""

    kind: ClassVar[str] = ""
    # whether a whole table's value is the sum of its groups' in a breakdown (so the
    # groups' value gives the whole table's too)
    sums_over_groups: ClassVar[bool] = False


@attrs.frozen
class Read(Key):
    """The columns of a table an evaluation reads (as the plan lists them)."""

    kind: ClassVar[str] = "read"
    columns: tuple[str, ...]


@attrs.frozen
class ColumnValues(Key):
    """A table's column as the engine reads it."""

    kind: ClassVar[str] = "column"
    name: str


@attrs.frozen
class Derived(Key):
    """A derived column, computed after those it reads."""

    kind: ClassVar[str] = "derive"
    name: str


@attrs.frozen
class RowValue(Key):
    """An expression that reads no period (a filter, a date, a call inside either),
    evaluated on every row."""

    kind: ClassVar[str] = "value"
    text: str


@attrs.frozen
class Sorted(Key):
    """The rows in order within each key, for ``previous()`` and ``next()``."""

    kind: ClassVar[str] = "sort"
    by: str
    order: str


@attrs.frozen
class TiedRows(Key):
    """The rows of a sort (:class:`Sorted`) that share their key and order with another,
    kept where the sort itself is let go (for the duplicate-row note)."""

    kind: ClassVar[str] = "tied rows"
    by: str
    order: str


@attrs.frozen
class RowCodes(Key):
    """Codes of each row's combination of values of some columns."""

    kind: ClassVar[str] = "codes"
    columns: tuple[str, ...]


@attrs.frozen
class DuplicateRows(Key):
    """Rows equal in every column to an earlier row."""

    kind: ClassVar[str] = "duplicates"


@attrs.frozen
class Placement(Key):
    """Each row's range of periods whose window holds it."""

    kind: ClassVar[str] = "place"
    placement: tuple


@attrs.frozen
class MonthBuckets(Key):
    """Each event's month, as a bucket of the month axis that event passes count into."""

    kind: ClassVar[str] = "place"
    placement: tuple


@attrs.frozen
class PlacedRows(Key):
    """The rows some period's window holds, with their period ranges."""

    kind: ClassVar[str] = "place"
    placement: tuple


@attrs.frozen
class KeyCodes(Key):
    """A measure's key column and a looked-up table's key column, coded alike."""

    kind: ClassVar[str] = "lookup"
    placement: tuple
    on: str
    table: str
    key: str


@attrs.frozen
class LookupGrid(Key):
    """A lookup's aggregate per (key, period), joined on a measure's rows."""

    kind: ClassVar[str] = "lookup"
    placement: tuple
    lookup: tuple


@attrs.frozen
class Pairs(Key):
    """The (row, period) pairs of a row selection, for filters and values reading the period."""

    kind: ClassVar[str] = "pairs"
    selection: tuple


@attrs.frozen
class Cells(Key):
    """The (values, period) cells standing for a row selection's (row, period) pairs, each
    weighing the pairs of its combination of values of ``columns`` in its period
    (:func:`cell_columns`)."""

    kind: ClassVar[str] = "pairs"
    selection: tuple
    columns: tuple[str, ...]


@attrs.frozen
class Masks(Key):
    """A row selection's (row, period) pairs as bits: each row's periods in one integer."""

    kind: ClassVar[str] = "pairs"
    selection: tuple


@attrs.frozen
class Reasons(Key):
    """The rows of each period's window by the first filter of a chain that leaves them
    out, and by which of some durations are negative and some columns missing."""

    kind: ClassVar[str] = "reasons"
    placement: tuple
    chain: tuple[str, ...]
    durations: tuple[str, ...] = ()  # counted beside: rows on which each is negative
    missing: tuple[str, ...] = ()  # counted beside: rows on which each column is missing
    window: str | None = None  # an event pass counted by one window's period ranges, not by month


@attrs.frozen
class WindowCounts(Key):
    """An event pass's counts in each period's window of one kind, from its counts by month."""

    kind: ClassVar[str] = "reasons"
    counted: Reasons
    window: str


@attrs.frozen
class Count(Key):
    """Rows (or distinct values) a selection keeps in each period."""

    kind: ClassVar[str] = "count"
    selection: tuple
    distinct: str | None

    @property
    def sums_over_groups(self) -> bool:
        return self.distinct is None


@attrs.frozen
class HeldByEach(Key):
    """For each period, the rows (or distinct values of ``distinct``) of a selection held
    by each value of a column (``each``): what the aggregates of them (a mean caseload, the
    largest) share."""

    kind: ClassVar[str] = "hold"
    selection: tuple
    distinct: str | None
    each: str


@attrs.frozen
class Aggregate(Key):
    """The aggregate of a value (``of``), or of the rows held by each value of a column
    (``each``), over a selection in each period."""

    kind: ClassVar[str] = "aggregate"
    selection: tuple
    aggregate: str
    distinct: str | None
    of: str | None = None
    each: str | None = None


@attrs.frozen
class Account(Key):
    """Rows in each period's window, those used and those left out by reason."""

    kind: ClassVar[str] = "account"
    sums_over_groups: ClassVar[bool] = True
    selection: tuple
    roles: tuple[tuple[str, str], ...]  # (role, filter), in order
    distinct: str | None
    of: str | None
    each: str | None


@attrs.frozen
class Unknown(Key):
    """Rows of a selection for which a further condition is missing (a note)."""

    kind: ClassVar[str] = "notes"
    sums_over_groups: ClassVar[bool] = True
    selection: tuple
    condition: str


@attrs.frozen
class Undated(Key):
    """Rows the row-level filters keep that no date places in any period (a note)."""

    kind: ClassVar[str] = "notes"
    placing: str
    filters: tuple[str, ...]


@attrs.frozen
class EndingBeforeStart(Key):
    """Episodes whose end precedes their start (a note)."""

    kind: ClassVar[str] = "notes"
    start: str
    end: str


@attrs.frozen
class MissingKey(Key):
    """Rows of a measure's window whose lookup key is missing (a note)."""

    kind: ClassVar[str] = "notes"
    sums_over_groups: ClassVar[bool] = True
    placement: tuple
    on: str


@attrs.frozen
class NegativeDurations(Key):
    """Rows in each window kept by the ``where`` on which a duration is negative (a note)."""

    kind: ClassVar[str] = "notes"
    sums_over_groups: ClassVar[bool] = True
    placement: tuple
    durations: tuple[str, ...]
    where: str | None


@functools.lru_cache(maxsize=4096)
def account_key(measure: Measure, of: Expr | None = None, each: str | None = None) -> Account:
    """The key of a measure's row accounting (with the values ``of`` aggregates, or the
    holders ``each`` names)."""
    # the filters in their roles and order: rows left out are named by the first that leaves them out
    return Account(selection_key(measure), tuple((role, to_text(expr.node)) for role, expr in filter_roles(measure)),
                   measure.distinct, to_text(of.node) if of is not None else None, each)


@functools.lru_cache(maxsize=4096)
def undated_key(measure: Measure) -> Undated:
    """The key of the missing-date note of a measure."""
    return Undated(to_text(placing(measure).node), texts(undated_filters(measure)))


@functools.lru_cache(maxsize=4096)
def negative_durations_key(measure: Measure, of: Expr | None = None) -> NegativeDurations | None:
    """The key of the negative-duration note of a measure (None: it takes no duration)."""
    durations = durations_taken(measure, of)
    if not durations:
        return None
    where = row_level_where(measure)
    return NegativeDurations(placement_key(measure), texts(durations), to_text(where.node) if where else None)


# ---------------------------------------------------------------------------------------
# The store


class Shared:
    """Work done once: each value computed on first use under its key, then shared.

    Once closed (its table is done with), a store keeps nothing computed afterwards, so
    that work finishing late cannot fill memory again. A store that two threads use (the
    evaluation's and the one beside it, :mod:`._background`) is made safe between them
    by :meth:`share_between_threads`: a key asked for while another thread computes it is
    waited for, not computed twice, and the keys are read as they are at one moment. A
    store of one thread (a run with nothing beside it, a block's calls) takes no lock.
    """

    def __init__(self) -> None:
        self._done: dict[Key, Any] = {}
        self._open = True
        self._lock: threading.Lock | None = None  # guards the store once two threads use it
        # key -> [the thread computing it, the event set when it is done (made by a thread
        # that waits for it: none, mostly)]
        self._under_way: dict[Key, list] = {}

    def share_between_threads(self) -> None:
        """Make the store safe for two threads (before the second begins)."""
        self._lock = self._lock or threading.Lock()

    def get(self, key: Key, compute: Callable[[], T]) -> T:
        """The value under ``key``, computed by ``compute()`` the first time."""
        value = self._done.get(key, _NOTHING)
        if value is not _NOTHING:
            return value
        if self._lock is None:
            value = compute()
            if self._open:
                self._done[key] = value
            return value
        return self._get_shared(key, compute)

    def _get_shared(self, key: Key, compute: Callable[[], T]) -> T:
        me = threading.get_ident()
        while True:
            with self._lock:
                value = self._done.get(key, _NOTHING)
                if value is not _NOTHING:
                    return value
                entry = self._under_way.get(key)
                if entry is None:
                    self._under_way[key] = [me, None]
                    mine = True
                    break
                # the same thread may ask again inside the computation (an expression's
                # value is a call's, by text): it computes it as a store of one thread does
                if entry[0] == me:
                    mine = False
                    break
                if entry[1] is None:
                    entry[1] = threading.Event()
                done = entry[1]
            done.wait()  # another thread computes it: its value is this one's
        try:
            value = compute()
            with self._lock:
                if self._open:
                    self._done[key] = value
            return value
        finally:
            if mine:  # done, or failed: a thread waiting for it looks again
                with self._lock:
                    _, done = self._under_way.pop(key)
                if done is not None:
                    done.set()

    def offer(self, key: Key, value: Any) -> None:
        """Keep ``value`` under ``key`` unless a value is there already (work done as a
        by-product of other work)."""
        with self._lock or contextlib.nullcontext():
            if self._open:
                self._done.setdefault(key, value)

    def discard(self, key: Key) -> None:
        """Forget the value under ``key``, if any (nothing will read it again)."""
        with self._lock or contextlib.nullcontext():
            self._done.pop(key, None)

    def close(self) -> None:
        """Forget every value, and keep none computed from now on: the work is done with
        (its memory is released)."""
        with self._lock or contextlib.nullcontext():
            self._open = False
            self._done.clear()

    def __contains__(self, key: Key) -> bool:
        return key in self._done

    def __iter__(self) -> Iterator[Key]:
        with self._lock or contextlib.nullcontext():
            return iter(list(self._done))

    def items(self) -> Iterator[tuple[Key, Any]]:
        """The work done so far, under its keys (as they are now: a list)."""
        with self._lock or contextlib.nullcontext():
            return iter(list(self._done.items()))
