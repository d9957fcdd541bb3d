"""Packs run on another input: a loader's plugin says how its tables answer a pack written
for other tables.

A :class:`PackInput` (from the ``indicators_pack_inputs`` hook) names a pack, a loader and
a pack of definitions over that loader's tables. Run with that loader, the named pack's
indicators that the definitions pack also defines (same ids) are evaluated by those
definitions, keeping the named pack's titles, groups, targets and benchmarks; each other
indicator is skipped with the reason the declaration gives (``results.skipped``).
"""

from __future__ import annotations

import os
from typing import Mapping

import attrs

from ._errors import PackError, Problem
from ._pack import Indicator, Pack

# what an indicator takes from the pack it belongs to, rather than from the definitions:
# how it is named and judged, never how it is computed
PRESENTATION = ("title", "group", "unit", "decimals", "polarity", "target", "tolerance", "tolerance_is_share",
                "rag", "benchmarks", "quartiles", "benchmark_sources")


def _reasons(value: Mapping[str | tuple[str, ...], str]) -> dict[str, str]:
    """Reasons by indicator id; a tuple of ids as a key gives each of them the same reason."""
    out = {}
    for key, reason in dict(value).items():
        for ident in key if isinstance(key, tuple) else (key,):
            out[str(ident)] = str(reason)
    return out


@attrs.frozen
class PackInput:
    """How the tables of ``loader`` answer the pack named ``pack``.

    ``definitions`` is a pack (a TOML file or folder, or an installed pack's name) over the
    loader's tables whose indicators with the named pack's ids define them for this input;
    ``unsupported`` gives, for the named pack's other indicators, why this input cannot
    answer them ("Annex A holds no contact decisions"); a key may be a tuple of ids that
    share a reason.
    """

    pack: str
    loader: str
    definitions: str | os.PathLike
    unsupported: dict[str, str] = attrs.field(factory=dict, converter=_reasons)

    @property
    def name(self) -> str:
        """How ``indicators list`` names it: ``childrens-social-care from annex-a``."""
        return f"{self.pack} from {self.loader}"


def pack_for_input(pack: Pack, loader: str | None) -> tuple[Pack, dict[str, str]]:
    """The pack as evaluated on ``loader``'s tables, and the indicators it leaves out with
    why (id to reason, in the pack's order); the pack itself when no installed plugin
    declares how ``loader`` answers it."""
    declared = pack.registry.pack_inputs.get(f"{pack.name} from {loader}") if loader else None
    if declared is None:
        return pack, {}
    provider = pack.registry.providers.get(("input", declared.name))
    where = f"the {loader!r} input of pack {pack.name!r}" + (f" (plugin {provider})" if provider else "")
    from ._pack import load_pack

    try:
        definitions = load_pack(declared.definitions, registry=pack.registry)
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
