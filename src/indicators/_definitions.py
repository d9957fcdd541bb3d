"""The pieces a pack is made of: indicators, their measures, windows, lookups and
denominators, each remembering where it was written. :mod:`indicators._pack` reads them
from TOML and checks them."""

from __future__ import annotations

import functools
import re
from typing import Any

import attrs

from ._errors import ExpressionError, Problem
from ._expressions import Node, uses_period

KINDS = ("count", "percentage", "rate", "ratio", "mean", "median", "min", "max", "sum")
COUNTING_KINDS = ("count", "percentage", "rate", "ratio")
AGGREGATE_KINDS = ("mean", "median", "min", "max", "sum")
POLARITIES = ("higher_is_better", "lower_is_better", "neutral")


@attrs.frozen(cache_hash=True)
class Location:
    """Where a definition was written: file, line and key path."""

    file: str
    line: int | None
    path: str

    def problem(self, message: str, detail: str | None = None) -> Problem:
        return Problem(message, self.file, self.line, self.path, detail)


@attrs.frozen(cache_hash=True)
class Expr:
    """An expression of a pack: its text, its tree and where it was written."""

    text: str
    # equal text parses to an equal tree: comparing and hashing the text, not the tree,
    # keeps a flat expression of thousands of terms from recursing once per term
    node: Node = attrs.field(eq=False)
    location: Location

    @property
    def uses_period(self) -> bool:
        return uses_period(self.node)

    def problem(self, error: ExpressionError) -> Problem:
        return self.location.problem(error.message, error.render(self.text))


@attrs.frozen(cache_hash=True)
class Window:
    """A window kind and, for rolling windows, its number of months."""

    kind: str  # "month" | "ytd" | "rolling" | "cumulative" | "snapshot"
    months: int = 1

    @property
    def text(self) -> str:
        return f"rolling_{self.months}" if self.kind == "rolling" else self.kind

    @property
    def is_snapshot(self) -> bool:
        return self.kind == "snapshot"


def parse_window(text: Any) -> Window | None:
    """A window from its pack text, or None when the text is not one."""
    if not isinstance(text, str):
        return None
    if text in ("month", "ytd", "cumulative", "snapshot"):
        return Window(text)
    match = re.fullmatch(r"rolling_([1-9][0-9]?)", text)  # no leading zero: one spelling per window
    if match and 1 <= int(match.group(1)) <= 60:
        return Window("rolling", int(match.group(1)))
    return None


@attrs.frozen(cache_hash=True)
class Lookup:
    """A per-key aggregate of another table, joined onto a measure's rows for each period."""

    name: str
    table: str
    key: str  # the column in the looked-up table
    on: str  # the measure's own column holding the key
    window: Window
    aggregate: str  # count | count_distinct | sum | min | max | mean
    location: Location
    column: str | None = None
    date: Expr | None = None
    start: Expr | None = None
    end: Expr | None = None
    since: int | None = None
    where: Expr | None = None

    def expressions(self) -> tuple[Expr, ...]:
        return tuple(e for e in (self.date, self.start, self.end, self.where) if e is not None)

    @functools.cached_property
    def placement(self) -> tuple:
        """What places its rows in periods (see :func:`_placement`), computed once."""
        return _placement(self)

    def result_type(self, column_type: str | None) -> str:
        if self.aggregate in ("count", "count_distinct"):
            return "int"
        if self.aggregate == "mean":
            return "float"
        return column_type or "null"


@attrs.frozen(cache_hash=True)
class Measure:
    """Rows of one table that fall in the window and pass the filters."""

    table: str
    window: Window
    location: Location
    date: Expr | None = None
    start: Expr | None = None
    end: Expr | None = None
    since: int | None = None  # day number
    where: Expr | None = None
    extra: Expr | None = None  # a numerator's string filter, ANDed with ``where``
    distinct: str | None = None
    lookups: tuple[Lookup, ...] = ()

    def lookup_names(self) -> frozenset[str]:
        return frozenset(lookup.name for lookup in self.lookups)

    def filters(self) -> tuple[Expr, ...]:
        return tuple(e for e in (self.where, self.extra) if e is not None)

    def expressions(self) -> tuple[Expr, ...]:
        return tuple(e for e in (self.date, self.start, self.end, self.where, self.extra) if e is not None)

    @functools.cached_property
    def placement(self) -> tuple:
        """What places its rows in periods (see :func:`_placement`), computed once."""
        return _placement(self)


def _placement(source: Measure | Lookup) -> tuple:
    """The window, since, and the canonical text of the date or start and end: two
    sources alike in these place rows alike."""
    return (source.window.text, source.since,
            tuple(e.node.canonical if e is not None else None for e in (source.date, source.start, source.end)))


@attrs.frozen(cache_hash=True)
class Constant:
    """A constant denominator."""

    value: float


@attrs.frozen(cache_hash=True)
class PopulationRef:
    """A reference population denominator, by name."""

    name: str


@attrs.frozen(cache_hash=True)
class Indicator:
    """One checked indicator definition."""

    id: str
    title: str
    kind: str
    location: Location
    base: Measure
    numerator: Measure
    denominator: Measure | Constant | PopulationRef | None = None
    of: Expr | None = None
    # aggregate kinds: the values aggregated are the rows (or distinct values) held by each
    # value of this column, instead of ``of`` on each row
    each: str | None = None
    per: float = 10000.0
    polarity: str = "neutral"
    decimals: int = 1
    description: str | None = None
    unit: str | None = None
    group: str | None = None
    source: str | None = None
    target: tuple[tuple[int | None, float], ...] = ()  # (financial year start, value); None = any
    tolerance: float | None = None
    tolerance_is_share: bool = False
    rag: tuple[float, float] | None = None  # (green, amber) thresholds
    # by name: ((financial year start or None for any, value), ...), each name once
    benchmarks: tuple[tuple[str, tuple[tuple[int | None, float], ...]], ...] = ()
    quartiles: tuple[tuple[int | None, tuple[float, float, float]], ...] = ()
    # where each benchmark's figures come from ("quartiles" for the quartile boundaries)
    benchmark_sources: tuple[tuple[str, str], ...] = ()
    # last year's outturn as published: (financial year start, value), and where it is from
    outturn: tuple[tuple[int, float], ...] = ()
    outturn_source: str | None = None

    def measures(self) -> tuple[Measure, ...]:
        out = [self.numerator]
        if isinstance(self.denominator, Measure):
            out.append(self.denominator)
        return tuple(out)


@attrs.frozen
class TableSpec:
    """A table the pack declares: its columns and their types."""

    name: str
    columns: dict[str, str]
    location: Location
    description: str | None = None
    derive: tuple[tuple[str, Expr], ...] = ()  # in the order they can be computed
    cyclic: frozenset[str] = frozenset()  # derived columns in a cycle (already a problem)
