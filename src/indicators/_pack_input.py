"""A plugin's declaration of how a loader's tables answer a pack written for other tables
(the ``indicators_pack_inputs`` hook); :mod:`indicators._inputs` applies it."""

from __future__ import annotations

import os
from typing import Mapping

import attrs


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
