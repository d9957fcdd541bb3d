"""Packs run on another input: a loader's plugin says how its tables answer a pack written
for other tables.

A :class:`PackInput` (:mod:`indicators._pack_input`, from the ``indicators_pack_inputs`` hook) names a pack, a loader and
a pack of definitions over that loader's tables. Run with that loader, the named pack's
indicators that the definitions pack also defines (same ids) are evaluated by those
definitions, keeping the named pack's titles, groups, targets and benchmarks; each other
indicator is skipped with the reason the declaration gives (``results.skipped``).
"""

from __future__ import annotations

import attrs

from ._errors import PackError, Problem
from ._pack import Indicator, Pack, load_pack
from ._plugins import default_registry
from ._registry import Registry

# what an indicator takes from the pack it belongs to, rather than from the definitions:
# how it is named and judged, never how it is computed
PRESENTATION = ("title", "group", "unit", "decimals", "polarity", "target", "tolerance", "tolerance_is_share",
                "rag", "benchmarks", "quartiles", "benchmark_sources")


def pack_for_input(pack: Pack, loader: str | None, *, registry: Registry | None = None
                   ) -> tuple[Pack, dict[str, str]]:
    """The pack as evaluated on ``loader``'s tables, and the indicators it leaves out with
    why (id to reason, in the pack's order); the pack itself when no plugin of ``registry``
    (None: :func:`indicators.default_registry`) declares how ``loader`` answers it."""
    registry = registry or default_registry()
    declared = registry.pack_inputs.get(f"{pack.name} from {loader}") if loader else None
    if declared is None:
        return pack, {}
    provider = registry.providers.get(("input", declared.name))
    where = f"the {loader!r} input of pack {pack.name!r}" + (f" (plugin {provider})" if provider else "")
    try:
        definitions = load_pack(declared.definitions, registry=registry)
    except PackError as exc:
        raise PackError([Problem(f"{where}: its definitions pack {str(declared.definitions)!r} does not load: "
                                 f"{exc.problems[0]}" + (f" (and {len(exc.problems) - 1} more problems)"
                                                         if len(exc.problems) > 1 else ""))]) from None
    both = sorted(set(declared.unsupported) & set(definitions.indicators))
    clashing = sorted(ident for ident, indicator in pack.indicators.items()
                      if ident in definitions.indicators and definitions.indicators[ident].kind != indicator.kind)
    problems = [Problem(f"{where}: indicator {ident!r} is both defined and declared unsupported") for ident in both]
    problems += [Problem(f"{where}: indicator {ident!r} is a {pack.indicators[ident].kind} in the pack but a "
                         f"{definitions.indicators[ident].kind} in the definitions") for ident in clashing]
    if problems:
        raise PackError(problems)
    indicators: dict[str, Indicator] = {}
    skipped: dict[str, str] = {}
    for ident, indicator in pack.indicators.items():
        if ident in definitions.indicators:
            indicators[ident] = attrs.evolve(definitions.indicators[ident],
                                             **{name: getattr(indicator, name) for name in PRESENTATION})
        else:
            skipped[ident] = declared.unsupported.get(
                ident, f"the {loader} input gives no definition of it (plugin {provider or declared.name})")
    adapted = attrs.evolve(
        pack, indicators=indicators, tables=definitions.tables,
        populations={**definitions.populations, **pack.populations},
        missing_tables=definitions.missing_tables, files=tuple(dict.fromkeys(pack.files + definitions.files)))
    return adapted, skipped
