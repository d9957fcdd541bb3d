"""The plugin hooks of indicators: one per capability a plugin can provide.

A plugin is any module or object with functions marked ``@indicators.hookimpl`` and named
after these specifications. It is found through the ``indicators`` entry-point group, or
registered by a host application with :func:`indicators.plugins.register`. The engine's
own built-ins are a plugin like any other, named ``indicators``.

Every hook takes no arguments and returns what the plugin provides; it is called once
when the registry is built, never while indicators are evaluated. Hook names and
signatures are stable public API.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Callable, Iterable, Mapping

import pluggy

if TYPE_CHECKING:
    import datetime

    from ._functions import Function
    from ._pack_input import PackInput
    from ._results import Results
    from ._tables import Table

PROJECT = "indicators"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def indicators_packs() -> Mapping[str, str | os.PathLike]:
    """Packs by name: the path of each pack's TOML file or folder.

    ``indicators.load_pack(name)`` and ``indicators evaluate NAME`` find them.
    """


@hookspec
def indicators_functions() -> Iterable[Function]:
    """Expression functions, each an :class:`indicators.Function` with declared types.

    The implementation is vectorised: numpy arrays in (missing positions filled with a
    harmless value; dates as int64 day numbers; strings as str arrays), one array of the
    same length out. The engine marks the result missing wherever an argument was.
    """


@hookspec
def indicators_calendars() -> Mapping[str, Callable[[], Iterable[datetime.date | str]] | Iterable]:
    """Holiday calendars by name: the holidays, or a function returning them.

    A pack chooses one with ``calendar = "NAME"``; Monday to Friday except those
    holidays (and the pack's ``extra_holidays``) are working days.
    """


@hookspec
def indicators_loaders() -> Mapping[str, Callable[..., Mapping[str, Table]]]:
    """Data loaders by name: ``loader(location, schemas, *, strict, only) -> {name: Table}``.

    ``schemas`` maps table names to declared column types; ``only`` is the set of table
    names the pack reads (None for all).
    """


@hookspec
def indicators_benchmarks() -> Mapping[str, str | os.PathLike | Iterable[Mapping[str, object]]]:
    """Benchmark sets by name: the path of a CSV file, or its rows as mappings, with the
    columns ``indicator, benchmark, year, value, source``.

    ``indicators.with_benchmarks(pack, NAME)`` and ``--benchmarks NAME`` add a set's figures
    to a pack's, so a council's statistical neighbours need no edit of a shipped pack.
    """


@hookspec
def indicators_renderers() -> Mapping[str, Callable[[Results], str | bytes]]:
    """Output formats by name: ``renderer(results) -> text`` (or bytes, for a binary format).

    ``indicators evaluate ... --format NAME`` uses them. A binary renderer should set
    ``renderer.binary = True`` so that the command line refuses to write it to a
    terminal before the run; ``renderer.requires = (module, requirement)`` names a module it
    needs and what to ``pip install`` for it, checked before the run too.
    """


@hookspec
def indicators_pack_inputs() -> Iterable[PackInput]:
    """How a loader's tables answer packs written for other tables: each an
    :class:`indicators.PackInput` naming a pack, a loader, a pack of definitions over the
    loader's tables (the same indicator ids) and why the other indicators cannot be answered.

    ``indicators evaluate PACK --input LOADER`` then evaluates what the definitions give and
    lists the rest as skipped with those reasons. Every plugin's declarations are kept; two
    for the same pack and loader are a clash, as for any name.
    """
