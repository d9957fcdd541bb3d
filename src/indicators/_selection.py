"""Choosing what a command-line run evaluates: several packs, some of their indicators,
and their tables read once each."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

import attrs

from ._checker import suggest
from ._errors import DataError, IndicatorsError, PackError, Problem
from ._pack import Pack, load_pack
from ._registry import Registry
from ._tables import Table, table_from_mapping

if TYPE_CHECKING:
    from ._progress import Progress


def load_packs(names: Sequence[str | os.PathLike], registry: Registry) -> list[Pack]:
    """Every pack named, checked together: all their problems, and no indicator id twice."""
    packs, problems = [], []
    twice = sorted({str(name) for name in names if list(map(str, names)).count(str(name)) > 1})
    if twice:
        raise PackError([Problem(f"pack {name!r} is named more than once; name each pack once") for name in twice])
    for name in names:
        try:
            packs.append(load_pack(name, registry=registry))
        except PackError as exc:
            problems.extend(exc.problems)
    seen: dict[str, Pack] = {}
    for pack in packs:
        for ident, indicator in pack.indicators.items():
            if ident in seen and seen[ident] is not pack:
                problems.append(indicator.location.problem(
                    f"indicator {ident!r} is also in pack {seen[ident].name!r} "
                    f"({seen[ident].indicators[ident].location.file}); one run cannot hold both",
                    "run the packs apart"))
            seen.setdefault(ident, pack)
    if problems:
        raise PackError(problems)
    return packs


def select(packs: Sequence[Pack], indicators: Iterable[str] = (), groups: Iterable[str] = ()) -> list[Pack]:
    """The packs cut down to the indicators named and those of the report groups named
    (all of them when neither is given); packs left with none are dropped."""
    indicators, groups = list(dict.fromkeys(indicators)), list(dict.fromkeys(groups))
    if not indicators and not groups:
        return list(packs)
    known_ids = {ident for pack in packs for ident in pack.indicators}
    known_groups = {i.group for pack in packs for i in pack.indicators.values() if i.group}
    problems = []
    for ident in indicators:
        if ident not in known_ids:
            hint = suggest(ident, sorted(known_ids))
            problems.append(Problem(f"--indicator {ident}: no such indicator in "
                                    + ", ".join(pack.name for pack in packs) + (f"; {hint}" if hint else "")))
    for group in groups:
        if group not in known_groups:
            hint = suggest(group, sorted(known_groups))
            problems.append(Problem(f"--group {group!r}: no indicator has this group" + (f"; {hint}" if hint else ""),
                                    detail="groups: " + ", ".join(sorted(known_groups)) if known_groups else
                                    "no indicator declares a group"))
    if problems:
        raise IndicatorsError(problems)
    chosen = []
    for pack in packs:
        kept = {ident: indicator for ident, indicator in pack.indicators.items()
                if ident in indicators or indicator.group in groups}
        if kept:
            chosen.append(attrs.evolve(pack, indicators=kept))
    return chosen


def load_tables(packs: Sequence[Pack], location: str | os.PathLike, loader: str, strict: bool | None,
                registry: Registry, progress: Progress | None = None) -> list[dict[str, Table] | str | os.PathLike]:
    """Each pack's tables from ``location``, read table by table with the named loader
    (its ``only`` argument); a table read alike by several packs (same declared types
    and strictness) is read once. A pack some of whose tables are not there gets the
    location instead, for the engine to report what is missing."""
    read = registry.loader(loader)
    wanted = []  # (pack index, table name, schema, strict)
    for index, pack in enumerate(packs):
        schemas = pack.schemas()
        for name in sorted(pack.tables_used()):
            wanted.append((index, name, schemas.get(name), pack.strict if strict is None else strict))
    keys = list(dict.fromkeys((name, tuple(sorted((schema or {}).items())), s) for _, name, schema, s in wanted))
    cache: dict[tuple, Table] = {}
    problems: dict[str, Problem] = {}
    for done, key in enumerate(keys):  # table by table, so that progress can name them
        if progress is not None:
            progress.step("reading tables", done, len(keys), key[0])
        name, schema, table_strict = key
        try:
            loaded = read(Path(location), {name: dict(schema)}, strict=table_strict, only={name})
            if name in loaded:
                cache[key] = table_from_mapping(name, loaded[name], dict(schema), strict=table_strict)
        except DataError as exc:
            for problem in exc.problems:
                problems.setdefault(str(problem), problem)
    if progress is not None:
        progress.step("reading tables", len(keys), len(keys))
    if problems:
        raise DataError(list(problems.values()))
    out: list[dict[str, Table] | str | os.PathLike] = [{} for _ in packs]
    for index, name, declared, table_strict in wanted:
        key = (name, tuple(sorted((declared or {}).items())), table_strict)
        if key in cache and isinstance(out[index], dict):
            out[index][name] = cache[key]  # type: ignore[index]
        elif key not in cache:
            # the engine reports a missing table best from the location itself (what it holds,
            # the nearest name): give it the location
            out[index] = location
    return out
