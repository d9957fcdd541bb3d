"""Benchmark sets: benchmark figures kept apart from a pack, so that a council can add its
own statistical neighbours (or a newer year's national figures) without editing a shipped
pack. A set is a CSV file, or rows that a plugin provides, with the columns

``indicator, benchmark, year, value, source``

(``year`` a financial year label such as ``2015/16``, or empty for every year; ``source``
optional). The benchmark names ``quartile_1``, ``quartile_2`` and ``quartile_3`` give a
year's three quartile boundaries. A set's figures are merged into the pack's: for the same
indicator, benchmark and year the set wins, and a figure for every year replaces all the
pack's figures of that indicator and benchmark.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

import attrs

from ._errors import PackError, Problem
from ._plugins import default_registry

if TYPE_CHECKING:
    from ._pack import Pack
    from ._registry import Registry

COLUMNS = ("indicator", "benchmark", "year", "value", "source")
QUARTILE_NAMES = ("quartile_1", "quartile_2", "quartile_3")
_FY_LABEL = re.compile(r"^(\d{4})/(\d{2})$")


@attrs.frozen
class BenchmarkFigure:
    """One figure of a benchmark set."""

    indicator: str
    benchmark: str
    year: int | None  # the calendar year the financial year starts in; None for every year
    value: float
    source: str | None
    where: str  # file and row, for messages


def read_rows(rows: Iterable[Mapping[str, Any]], origin: str, first_row: int = 1) -> list[BenchmarkFigure]:
    """Checked figures from row mappings; every bad row is reported, naming ``origin`` and row."""
    figures, problems = [], []
    seen: dict[tuple, int] = {}
    for number, row in enumerate(rows, start=first_row):
        where = f"row {number}"
        if any(str(v).strip() for v in row.get(None) or []):  # csv puts cells past the header under None
            problems.append(Problem(f"{where}: more cells than the header has columns", file=origin))
            continue
        missing = [c for c in ("indicator", "benchmark", "value") if not str(row.get(c) or "").strip()]
        if missing:
            problems.append(Problem(f"{where}: no {', '.join(missing)}", file=origin))
            continue
        text = str(row["value"]).strip()
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            problems.append(Problem(f"{where}, column value: {text!r} is not a number", file=origin))
            continue
        label = str(row.get("year") or "").strip()
        year = None
        if label:
            match = _FY_LABEL.match(label)
            if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
                problems.append(Problem(f"{where}, column year: expected a financial year label such as "
                                        f"2015/16 (or empty for every year), got {label!r}", file=origin))
                continue
            year = int(match.group(1))
        source = str(row.get("source") or "").strip() or None
        identity = (str(row["indicator"]).strip(), str(row["benchmark"]).strip(), year)
        if identity in seen:
            problems.append(Problem(f"{where}: repeats the indicator, benchmark and year of row {seen[identity]}",
                                    file=origin))
            continue
        seen[identity] = number
        figures.append(BenchmarkFigure(str(row["indicator"]).strip(), str(row["benchmark"]).strip(),
                                       year, value, source, f"{origin}, {where}"))
    if problems:
        raise PackError(problems)
    return figures


def read_csv(path: str | os.PathLike) -> list[BenchmarkFigure]:
    """The figures of a benchmark set CSV file (UTF-8, a byte-order mark allowed)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise PackError([Problem(f"cannot read the benchmark set: {exc}", file=str(path))]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise PackError([Problem(f"line {line}: byte 0x{data[exc.start]:02x} is not UTF-8; save the file as "
                                 "UTF-8 (CSV UTF-8 in Excel)", file=str(path))]) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [c for c in COLUMNS[:4] if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown:
        raise PackError([Problem(f"the header lacks the column(s) {', '.join(missing)}" if missing else
                                 f"the header has unknown column(s) {', '.join(unknown)}",
                                 file=str(path), detail="expected columns: " + ", ".join(COLUMNS))])
    return read_rows(reader, str(path), first_row=2)


def figures_of(set_: Any, origin: str) -> list[BenchmarkFigure]:
    """The figures of a set given as a CSV path or as rows (what a plugin provides)."""
    if isinstance(set_, (str, os.PathLike)):
        return read_csv(set_)
    return read_rows(list(set_), origin)


def apply(pack: Pack, figures: list[BenchmarkFigure]) -> Pack:
    """The pack with the set's figures merged into its indicators' benchmarks and quartiles.

    An indicator the pack lacks, or a year whose three quartile boundaries are incomplete
    or not ascending, is a :class:`PackError` naming the file and row.
    """
    problems = []
    by_indicator: dict[str, list[BenchmarkFigure]] = {}
    for figure in figures:
        if figure.indicator not in pack.indicators:
            problems.append(Problem(f"{figure.where}: no indicator {figure.indicator!r} in pack {pack.name!r}"))
            continue
        by_indicator.setdefault(figure.indicator, []).append(figure)
    indicators = dict(pack.indicators)
    for ident, rows in by_indicator.items():
        indicator = indicators[ident]
        benchmarks = {name: dict(by_year) for name, by_year in indicator.benchmarks}
        quartiles = dict(indicator.quartiles)
        sources = dict(indicator.benchmark_sources)
        boundaries: dict[int | None, dict[str, BenchmarkFigure]] = {}
        # a figure for every year replaces what the pack gives for every year, so that a
        # council's own statistical neighbours are not outlived by the pack's dated ones
        for figure in rows:
            if figure.year is None:
                if figure.benchmark in QUARTILE_NAMES:
                    quartiles = {}
                else:
                    benchmarks[figure.benchmark] = {}
        for figure in rows:
            if figure.benchmark in QUARTILE_NAMES:
                boundaries.setdefault(figure.year, {})[figure.benchmark] = figure
                if figure.source:
                    sources["quartiles"] = figure.source
                continue
            benchmarks.setdefault(figure.benchmark, {})[figure.year] = figure.value
            if figure.source:
                sources[figure.benchmark] = figure.source
        for year, named in boundaries.items():
            triple = tuple(named[n].value for n in QUARTILE_NAMES if n in named)
            where = next(iter(named.values())).where
            if len(triple) != 3 or not triple[0] <= triple[1] <= triple[2]:
                problems.append(Problem(f"{where}: {ident} needs quartile_1 <= quartile_2 <= quartile_3 "
                                        f"for the year {_label(year)}"))
                continue
            quartiles[year] = triple
        indicators[ident] = attrs.evolve(
            indicator,
            benchmarks=tuple((name, _ordered(by_year)) for name, by_year in benchmarks.items()),
            quartiles=_ordered(quartiles),
            benchmark_sources=tuple(sources.items()))
    if problems:
        raise PackError(problems)
    return attrs.evolve(pack, indicators=indicators)


def _ordered(by_year: dict) -> tuple:
    # a figure for every year (None) holds until the first dated one
    return tuple(sorted(by_year.items(), key=lambda item: -1 if item[0] is None else item[0]))


def _label(year: int | None) -> str:
    return "(every year)" if year is None else f"{year}/{(year + 1) % 100:02d}"


def beside(pack: Pack, path: Path) -> Pack:
    """The pack with the benchmark sets kept beside it: ``benchmarks.csv`` (or any
    ``*.benchmarks.csv``) in a pack folder, ``STEM.benchmarks.csv`` beside a pack file."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.csv") if p.name == "benchmarks.csv" or p.name.endswith(".benchmarks.csv"))
    else:
        files = [p for p in [path.with_name(path.stem + ".benchmarks.csv")] if p.is_file()]
    for file in files:
        pack = apply(pack, read_csv(file))
    return pack


def _read_set(registry: Registry, set_: str | os.PathLike) -> list[BenchmarkFigure]:
    """A benchmark set's figures: a CSV path, or the name of a set a plugin provides."""
    if Path(set_).is_file():
        return read_csv(set_)
    name = str(set_)
    if registry.unavailable("benchmarks", name):
        raise PackError([Problem(registry.unavailable("benchmarks", name))])
    if name not in registry.benchmarks:
        known = ", ".join(sorted(registry.benchmarks)) or "none"
        raise PackError([Problem(f"no benchmark set file {name!r}, and no plugin provides a set of that name",
                                 detail=f"benchmark sets from plugins: {known}")])
    return figures_of(registry.benchmarks[name], f"benchmark set {name!r}")


def with_benchmarks(pack: Pack, *sets: str | os.PathLike, registry: Registry | None = None) -> Pack:
    """The pack with benchmark sets added: each a CSV path or the name of a set a plugin of
    ``registry`` (None: :func:`indicators.default_registry`) provides."""
    registry = registry or default_registry()
    for set_ in sets:
        pack = apply(pack, _read_set(registry, set_))
    return pack


def with_benchmarks_for(packs: list[Pack], *sets: str | os.PathLike, registry: Registry | None = None
                        ) -> list[Pack]:
    """Several packs of one run with benchmark sets added: each row goes to the pack that
    holds its indicator, and an indicator none of them holds is an error."""
    if len(packs) == 1:
        return [with_benchmarks(packs[0], *sets, registry=registry)]
    registry = registry or default_registry()
    for set_ in sets:
        figures = _read_set(registry, set_)
        known = {ident for pack in packs for ident in pack.indicators}
        names = ", ".join(repr(pack.name) for pack in packs)
        problems = [Problem(f"{figure.where}: no indicator {figure.indicator!r} in packs {names}")
                    for figure in figures if figure.indicator not in known]
        if problems:
            raise PackError(problems)
        packs = [apply(pack, [f for f in figures if f.indicator in pack.indicators]) for pack in packs]
    return packs
