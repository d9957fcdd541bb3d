"""``indicators evaluate`` over several packs: their tables read once each, through the
public API (a loader of the registry, :func:`indicators.table_from_mapping`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from . import DataError, Pack, Problem, Registry, Table, table_from_mapping
from ._progress import Progress


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
