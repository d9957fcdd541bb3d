"""Choosing what a run evaluates: several packs loaded together, and some of their
indicators."""

from __future__ import annotations

import os
from typing import Iterable, Sequence

import attrs

from ._benchmark_sets import with_benchmarks_for
from ._checker import suggest
from ._errors import IndicatorsError, PackError, Problem
from ._pack import Pack, load_pack
from ._plugins import default_registry
from ._registry import Registry


def load_packs(names: Sequence[str | os.PathLike] | str | os.PathLike, *,
               benchmarks: Sequence[str | os.PathLike] | str | os.PathLike = (),
               registry: Registry | None = None) -> list[Pack]:
    """The packs of one run (as ``indicators evaluate A B`` reads them), each a file, folder
    or installed pack's name, loaded together: every pack's problems in one
    :class:`indicators.PackError`, and no indicator id in two packs. Each benchmark set of
    ``benchmarks`` (a CSV path or a set a plugin provides) is added row by row to the pack
    that holds the row's indicator. One name (or set) alone may be given as it is.
    ``registry`` is as for :func:`indicators.load_pack`."""
    registry = registry or default_registry()
    names = [names] if isinstance(names, (str, os.PathLike)) else list(names)
    benchmarks = [benchmarks] if isinstance(benchmarks, (str, os.PathLike)) else list(benchmarks)
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
    return with_benchmarks_for(packs, *benchmarks, registry=registry)


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
