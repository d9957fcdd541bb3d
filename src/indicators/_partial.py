"""Mergeable partial results: evaluate chunks of the data apart, combine them exactly.

A :class:`Partial` is a plain, picklable value: the fingerprint of the pack it was
computed with (a hash of the pack's definitions and settings, the same on any machine
that loads the same pack), the run's first and last periods, and for every indicator
typed parts, each with its own merge rule: counts add, distinct keys unite, sums and
counts add (sums exactly), minima and maxima take the smaller or larger, and only a
median keeps every value. Data-quality counts and the row accounting add. An indicator
that failed in a chunk (a plugin function failed, or its work was over the memory budget)
is failed in the merge, with the first chunk's message, as one machine fails it. Chunks must
keep all the rows of a key together when the pack uses derived columns
(``previous``/``next``) or lookups, since those read across rows.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Sequence, Union

import attrs
import numpy as np

from ._arrays import unique
from ._breakdowns import refuse_by
from ._data_check import parse_run, start_run
from ._dates import format_period
from ._errors import INDICATOR_FAILURES, DataError, Problem
from ._figures import empty_figures, failure_text, figures_from_raw, raw_figures
from ._functions import DEFAULT_TIME_LIMIT
from ._inputs import pack_for_input
from ._judgement import judge
from ._memory import DEFAULT_MEMORY_BUDGET
from ._notes import accounting, indicator_notes
from ._pack import AGGREGATE_KINDS, Indicator, Measure, Pack
from ._plugins import default_registry
from ._registry import Registry
from ._results import Results
from ._run import Run
from ._table_evaluation import Accounting
from ._windows import Periods

PerPeriod = tuple  # one number per period of the run (the run's periods plus the month before)


def _refuse(message: str) -> DataError:
    return DataError([Problem(f"partials do not merge: {message}")])


def _add(a: PerPeriod, b: PerPeriod) -> PerPeriod:
    return tuple(x + y for x, y in zip(a, b))


def _add_by_reason(a: dict[str, PerPeriod], b: dict[str, PerPeriod]) -> dict[str, PerPeriod]:
    return {reason: _add(a[reason], b[reason]) if reason in a and reason in b else a.get(reason, b.get(reason))
            for reason in sorted(set(a) | set(b))}


@attrs.frozen
class Counts:
    """Rows counted in each period; chunks add."""

    counts: PerPeriod

    def merge(self, other: Counts) -> Counts:
        return Counts(_add(self.counts, other.counts))

    def raw(self) -> np.ndarray:
        return np.array(self.counts, dtype=np.int64)


def _unite(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.size == 0:
        return b
    if b.size == 0:
        return a
    if a.dtype.kind != b.dtype.kind:
        raise _refuse(f"distinct keys of different types ({a.dtype} and {b.dtype}) in two chunks")
    # each side sorted and distinct: a stable sort merges the two runs in one pass, where
    # the default sort starts again (the merges of a large run's partials took minutes)
    ordered = np.sort(np.concatenate([a, b]), kind="stable")
    first = np.empty(ordered.size, dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


@attrs.frozen(eq=False)
class DistinctKeys:
    """The distinct key values counted in each period (sorted); chunks unite."""

    keys: tuple[np.ndarray, ...]

    def merge(self, other: DistinctKeys) -> DistinctKeys:
        return DistinctKeys(tuple(_unite(a, b) for a, b in zip(self.keys, other.keys)))

    def raw(self) -> np.ndarray:
        return np.array([k.size for k in self.keys], dtype=np.int64)


@attrs.frozen
class Fixed:
    """Figures that do not depend on the rows (a constant or a population); chunks agree."""

    values: tuple[float | None, ...]

    def merge(self, other: Fixed) -> Fixed:
        if self.values != other.values:
            raise _refuse("their fixed denominators differ")
        return self

    def raw(self) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in self.values], dtype=np.float64)


def _exact_sum(values: np.ndarray) -> Fraction:
    """The exact sum of float64 values (as a fraction with a power-of-two denominator), so
    that sums merge exactly in any order; a plain float when some value is infinite."""
    if values.size == 0:
        return Fraction(0)
    if not np.isfinite(values).all():
        return float(np.sum(values))
    mantissa, exponent = np.frexp(values)
    whole = (mantissa * 2.0**53).astype(np.int64)  # exact: a mantissa has 53 bits
    exponent = exponent.astype(np.int64) - 53
    low = int(exponent.min())
    total = 0
    # values of one exponent are integers times 2**exponent: add them in two 27-bit halves
    # so that int64 sums cannot overflow (up to 2**36 values)
    for e in np.unique(exponent).tolist():
        chunk = whole[exponent == e]
        high_part, low_part = chunk >> 27, chunk & ((1 << 27) - 1)
        total += ((int(high_part.sum()) << 27) + int(low_part.sum())) << (e - low)
    return Fraction(total, 1) * Fraction(2) ** low


@attrs.frozen
class SumsAndCounts:
    """Values aggregated in each period and their exact sum (sum and mean); chunks add."""

    kind: str
    counts: PerPeriod
    sums: tuple[Fraction | float, ...]

    def merge(self, other: SumsAndCounts) -> SumsAndCounts:
        return SumsAndCounts(self.kind, _add(self.counts, other.counts), _add(self.sums, other.sums))

    def raw(self) -> tuple[np.ndarray, np.ndarray]:
        counts = np.array(self.counts, dtype=np.int64)
        sums = np.array([float(s) for s in self.sums])
        value = np.full(counts.size, np.nan)
        has = counts > 0
        value[has] = sums[has] if self.kind == "sum" else sums[has] / counts[has]
        return counts, value


@attrs.frozen
class Extremes:
    """Values aggregated in each period and their minimum or maximum; chunks take the
    smaller or larger."""

    kind: str  # "min" | "max"
    counts: PerPeriod
    values: tuple[float | None, ...]

    def merge(self, other: Extremes) -> Extremes:
        pick = min if self.kind == "min" else max
        values = tuple(b if a is None else a if b is None else pick(a, b) for a, b in zip(self.values, other.values))
        return Extremes(self.kind, _add(self.counts, other.counts), values)

    def raw(self) -> tuple[np.ndarray, np.ndarray]:
        return (np.array(self.counts, dtype=np.int64),
                np.array([np.nan if v is None else v for v in self.values], dtype=np.float64))


@attrs.frozen(eq=False)
class SortedValues:
    """Every value aggregated in each period, sorted (a median needs them all); chunks merge."""

    values: tuple[np.ndarray, ...]

    def merge(self, other: SortedValues) -> SortedValues:
        return SortedValues(tuple(np.sort(np.concatenate([a, b]), kind="stable")
                                  for a, b in zip(self.values, other.values)))

    def raw(self) -> tuple[np.ndarray, np.ndarray]:
        counts = np.array([v.size for v in self.values], dtype=np.int64)
        value = np.full(counts.size, np.nan)
        for p, v in enumerate(self.values):
            if v.size:  # the mean of the middle two when the count is even, as evaluate() does
                value[p] = (v[(v.size - 1) // 2] + v[v.size // 2]) / 2
        return counts, value


@attrs.frozen(eq=False)
class HeldByEach:
    """For each period, the rows (or distinct values) held by each value of an indicator's
    ``each`` column: the values seen and, per value, a count of rows that chunks add, or
    the distinct members that chunks unite."""

    kind: str
    distinct: bool
    keys: tuple[np.ndarray, ...]  # per period: the each-values
    members: tuple[np.ndarray, ...]  # per period: rows held (counts), or distinct members

    def merge(self, other: HeldByEach) -> HeldByEach:
        keys, members = [], []
        for k1, m1, k2, m2 in zip(self.keys, self.members, other.keys, other.members):
            k, m = _held(np.concatenate([k1, k2]), np.concatenate([m1, m2]), self.distinct)
            keys.append(k)
            members.append(m)
        return HeldByEach(self.kind, self.distinct, tuple(keys), tuple(members))

    def raw(self) -> tuple[np.ndarray, np.ndarray]:
        from ._aggregates import aggregate_by_period

        periods, held = [], []
        for p, (k, m) in enumerate(zip(self.keys, self.members)):
            if self.distinct:
                _, counts = np.unique(k, return_counts=True) if k.size else (k, np.zeros(0, np.int64))
            else:
                counts = m
            periods.append(np.full(len(counts), p, dtype=np.int64))
            held.append(np.asarray(counts, dtype=np.float64))
        return aggregate_by_period(np.concatenate(periods), np.concatenate(held), self.kind, len(self.keys))


_SORTABLE = "biuUS"
"""Array kinds whose values numpy orders and compares as Python does (no NaN, no objects)."""


def _as_sortable(values: np.ndarray) -> np.ndarray | None:
    """The values as an array numpy orders and compares as Python orders and compares them
    (text of an object array as numpy text), or None (floats, for NaN; other objects)."""
    if values.dtype.kind in _SORTABLE:
        return values
    if values.dtype.kind != "O":
        return None
    items = values.tolist()
    if set(map(type, items)) != {str}:
        return None
    text = values.astype(str)
    # numpy text drops trailing NULs, which Python keeps: such text compares as Python's only
    if int(np.char.str_len(text).sum()) != sum(map(len, items)):
        return None
    return text


def _sorted_codes(values: np.ndarray, sortable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and each value's index among them, found on ``sortable``
    (:func:`_as_sortable`); each distinct value is one of the given ones (for text held as
    Python strings, the given string objects, so that a pickle of many pairs holds each
    string once)."""
    distinct, codes = unique(sortable, return_inverse=True)
    representative = np.empty(distinct.size, dtype=np.int64)
    representative[codes] = np.arange(codes.size)
    return values[representative], codes.astype(np.int64, copy=False)


def _held(keys: np.ndarray, members: np.ndarray, distinct: bool) -> tuple[np.ndarray, np.ndarray]:
    """One entry per each-value (counts added) or per distinct (value, member) pair."""
    if keys.size == 0:
        return keys, members
    sortable_keys, sortable_members = _as_sortable(keys), _as_sortable(members)
    if distinct and sortable_keys is not None and sortable_members is not None:
        # the distinct (value, member) pairs, in order, by one sort of their codes: what
        # sorting the set of pairs gives, without a Python tuple per row
        distinct_keys, key_codes = _sorted_codes(keys, sortable_keys)
        distinct_members, member_codes = _sorted_codes(members, sortable_members)
        width = max(distinct_members.size, 1)
        pairs = unique(key_codes * width + member_codes)
        return distinct_keys[pairs // width], distinct_members[pairs % width]
    if distinct:  # floats (NaN is not equal to itself) and Python objects: as Python compares them
        pairs = sorted(set(zip(keys.tolist(), members.tolist())))
        return (np.array([k for k, _ in pairs], dtype=keys.dtype),
                np.array([m for _, m in pairs], dtype=members.dtype))
    distinct_keys, inverse = np.unique(keys, return_inverse=True)
    return distinct_keys, np.bincount(inverse, weights=members).astype(np.int64)


Part = Union[Counts, DistinctKeys, Fixed, SumsAndCounts, Extremes, SortedValues, HeldByEach]


@attrs.frozen
class RowCounts:
    """One counted side's row accounting: rows in each window, used, left out by reason."""

    in_window: PerPeriod
    used: PerPeriod
    left_out: dict[str, PerPeriod]

    def merge(self, other: RowCounts) -> RowCounts:
        return RowCounts(_add(self.in_window, other.in_window), _add(self.used, other.used),
                         _add_by_reason(self.left_out, other.left_out))

    def raw(self) -> Accounting:
        return Accounting(np.array(self.in_window, dtype=np.int64), np.array(self.used, dtype=np.int64),
                          {reason: np.array(c, dtype=np.int64) for reason, c in self.left_out.items()})


@attrs.frozen
class IndicatorPart:
    """What one indicator keeps of a chunk."""

    numerator: Part
    denominator: Part | None
    notes: dict[str, PerPeriod]
    rows: dict[str, RowCounts]

    def merge(self, other: IndicatorPart) -> IndicatorPart:
        for mine, theirs in ((self.numerator, other.numerator), (self.denominator, other.denominator)):
            if type(mine) is not type(theirs) or getattr(mine, "kind", None) != getattr(theirs, "kind", None):
                raise _refuse(f"parts of different kinds ({type(mine).__name__} and {type(theirs).__name__})")
        if set(self.rows) != set(other.rows):
            raise _refuse("their row accounting counts different sides")
        return IndicatorPart(
            self.numerator.merge(other.numerator),
            None if self.denominator is None else self.denominator.merge(other.denominator),
            _add_by_reason(self.notes, other.notes),
            {side: counts.merge(other.rows[side]) for side, counts in self.rows.items()})


@attrs.frozen
class Partial:
    """The partial aggregates of one chunk of the data (or of several merged): picklable,
    and mergeable with partials of the same pack and run computed anywhere."""

    fingerprint: str  # pack_fingerprint() of the pack
    first: int  # month codes of the run's first and last periods
    last: int
    parts: dict[str, IndicatorPart]
    skipped: dict[str, str] = attrs.field(factory=dict)  # indicators left out, as evaluate() leaves them out
    loader: str = "csv"  # the input the pack was evaluated on (see indicators.PackInput)
    failures: dict[str, str] = attrs.field(factory=dict)  # indicator to its results.failures line

    def merge(self, other: Partial) -> Partial:
        """The partial of both chunks together (an indicator failed in either is failed,
        with this partial's message when both failed)."""
        if other.fingerprint != self.fingerprint:
            raise _refuse("they come from different packs (their fingerprints differ)")
        if (other.first, other.last) != (self.first, self.last):
            raise _refuse(f"they come from different runs ({format_period(self.first)}..{format_period(self.last)} "
                          f"and {format_period(other.first)}..{format_period(other.last)})")
        if other.loader != self.loader:
            raise _refuse(f"they come from different inputs ({self.loader!r} and {other.loader!r})")
        for mine, theirs in ((self, other), (other, self)):
            for ident, reason in mine.skipped.items():
                if ident in theirs.parts or ident in theirs.failures:
                    raise _refuse(f"indicator {ident!r} was skipped in one chunk ({reason}) and evaluated in "
                                  "another; give every chunk every table, empty where it has no rows")
        if set(other.parts) | set(other.failures) != set(self.parts) | set(self.failures):
            raise _refuse("they hold different indicators")
        failures = {**other.failures, **self.failures}
        return Partial(self.fingerprint, self.first, self.last,
                       {name: part.merge(other.parts[name]) for name, part in self.parts.items()
                        if name not in failures}, {**self.skipped, **other.skipped}, self.loader, failures)

    def results(self, pack: Pack, suppress_below: int | None = None, *, registry: Registry | None = None
                ) -> Results:
        """Final results, judged, as :func:`indicators.evaluate` gives them; ``pack`` must
        be the pack the partials were computed with (same fingerprint). ``registry`` (None:
        :func:`indicators.default_registry`) gives the pack's input definitions, as for
        :func:`indicators.evaluate`."""
        if pack_fingerprint(pack) != self.fingerprint:
            raise DataError([Problem(f"these partials were computed with another pack than {pack.name!r} "
                                     "(their fingerprints differ)")])
        if suppress_below is None:
            suppress_below = pack.suppress_below
        pack, _ = pack_for_input(pack, self.loader, registry=registry)
        periods = Periods(self.first - 1, self.last, pack.financial_year_start)
        records, failures = [], []
        for name, indicator in pack.indicators.items():
            if name in self.skipped:
                continue
            if name in self.failures:  # as evaluate() gives a failed indicator: no figures
                failures.append(self.failures[name])
                records.extend(judge(indicator, periods, empty_figures(indicator, periods), suppress_below, {}, None))
                continue
            part = self.parts[name]
            denominator = None if part.denominator is None else part.denominator.raw()
            figures = figures_from_raw(indicator, periods, part.numerator.raw(), denominator)
            notes = {reason: np.array(counts, dtype=np.int64) for reason, counts in part.notes.items()}
            rows = {side: counts.raw() for side, counts in part.rows.items()}
            records.extend(judge(indicator, periods, figures, suppress_below, notes, rows))
        return Results(records, pack, format_period(self.first), format_period(self.last), failures=failures,
                       skipped=self.skipped)


# ---------------------------------------------------------------------------------------
# the pack's fingerprint


def pack_fingerprint(pack: Pack) -> str:
    """The pack's fingerprint (:attr:`indicators.Pack.fingerprint`)."""
    return pack.fingerprint


# ---------------------------------------------------------------------------------------
# evaluating a chunk


def _per_period(counts) -> PerPeriod:
    return tuple(int(c) for c in np.asarray(counts).tolist())


def _key_values(evaluation, measure: Measure, codes: list[np.ndarray]) -> tuple[np.ndarray, ...]:
    """Distinct keys as the values themselves: text and decimal keys reach the engine as
    codes that mean something only within one chunk."""
    vec = evaluation.vec(measure.distinct)
    if vec.type == "str":
        return tuple(np.asarray(vec.categories)[c] for c in codes)
    if vec.type == "float":  # codes index the sorted distinct values (missing read as 0)
        distinct = unique(np.where(vec.mask(), 0.0, vec.data))
        return tuple(distinct[c] for c in codes)
    return tuple(codes)


def _counted(raw, evaluation, measure) -> Part:
    if isinstance(raw, list):
        return DistinctKeys(_key_values(evaluation, measure, raw))
    return Counts(_per_period(raw))


def _aggregated(kind: str, values: list[np.ndarray]) -> Part:
    counts = tuple(v.size for v in values)
    if kind in ("sum", "mean"):
        return SumsAndCounts(kind, counts, tuple(_exact_sum(v) for v in values))
    if kind in ("min", "max"):
        pick = 0 if kind == "min" else -1
        return Extremes(kind, counts, tuple(float(v[pick]) if v.size else None for v in values))
    return SortedValues(tuple(values))


def evaluate_partial(pack: Pack, tables: Any, start: str, end: str, *, strict: bool | None = None,
                     loader: str = "csv", function_time_limit: float | None = DEFAULT_TIME_LIMIT,
                     memory_budget: int | None = DEFAULT_MEMORY_BUDGET, duplicates: bool = False,
                     by: Sequence[str] | None = None, registry: Registry | None = None) -> Partial:
    """Partial aggregates of every indicator over one chunk of the data. An indicator
    whose plugin function fails or overruns ``function_time_limit``, or whose work in one
    step would take more than ``memory_budget`` bytes of this chunk, is recorded as failed
    (``Partial.failures``, the line :func:`indicators.evaluate` gives it); the others are
    complete.

    With ``duplicates``, each indicator's ``duplicate rows (TABLE)`` note counts this
    chunk's duplicate rows: exact when the chunks were made so that equal rows always
    share a chunk (as :mod:`indicators.dask` makes them); left out otherwise, since a
    row's duplicate may sit in another chunk. Breakdowns (``by``) are refused.

    Indicators are left out as :func:`indicators.evaluate` leaves them out (a table the
    pack's ``missing_tables = "skip"`` lets the chunk lack, an indicator the ``loader``'s
    input cannot answer), with the reasons in the partial's ``skipped``. ``registry`` is as
    for :func:`indicators.evaluate`."""
    refuse_by(by, "evaluate_partial")
    first, last = parse_run(start, end)
    run = start_run(pack, tables, first, last, strict, loader, function_time_limit, memory_budget, skip=True,
                    registry=registry or default_registry())
    parts, failures = {}, {}
    run.begin_beside(duplicates)
    try:
        for name, indicator in run.pack.indicators.items():
            try:
                parts[name] = _indicator_part(indicator, run.pack, run, duplicates)
            except INDICATOR_FAILURES as exc:
                failures[name] = failure_text(indicator, exc)
            run.done_with(indicator)
    finally:
        run.end()
    return Partial(pack_fingerprint(pack), first, last, parts, run.skipped, loader, failures)


def _indicator_part(indicator: Indicator, pack: Pack, run: Run, duplicates: bool) -> IndicatorPart:
    """What one indicator keeps of a chunk."""
    numerator, denominator = raw_figures(indicator, pack, run.tables, run.periods, mergeable=True)
    evaluations = run.tables
    if indicator.each is not None:
        held = [_held(keys, members, bool(indicator.numerator.distinct)) for keys, members in numerator]
        num_part = HeldByEach(indicator.kind, bool(indicator.numerator.distinct),
                              tuple(k for k, _ in held), tuple(m for _, m in held))
    elif indicator.kind in AGGREGATE_KINDS:
        num_part = _aggregated(indicator.kind, numerator)
    else:
        num_part = _counted(numerator, evaluations[indicator.numerator.table], indicator.numerator)
    if denominator is None:
        den_part = None
    elif isinstance(indicator.denominator, Measure):
        den_part = _counted(denominator, evaluations[indicator.denominator.table], indicator.denominator)
    else:
        den_part = Fixed(tuple(None if math.isnan(v) else v for v in np.asarray(denominator, float).tolist()))
    notes = {reason: _per_period(c) for reason, c in indicator_notes(indicator, run, duplicates=duplicates).items()}
    rows = {side: RowCounts(_per_period(counted.in_window), _per_period(counted.used),
                            {reason: _per_period(c) for reason, c in counted.left_out.items()})
            for side, counted in accounting(indicator, run).items()}
    return IndicatorPart(num_part, den_part, notes, rows)


def merge_partials(partials: list[Partial]) -> Partial:
    """All chunks' partials combined (a :class:`DataError` when they come from different
    packs or runs)."""
    if not partials:
        raise DataError([Problem("no partials to merge")])
    merged = partials[0]
    for partial in partials[1:]:
        merged = merged.merge(partial)
    return merged
