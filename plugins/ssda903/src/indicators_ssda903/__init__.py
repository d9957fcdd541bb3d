"""SSDA903 for indicators: the ``ssda903`` loader, the ``ssda903`` pack, and the
``childrens-social-care`` pack's looked-after children indicators on SSDA903 returns
(``--input ssda903``)."""

from __future__ import annotations

from importlib.resources import files

import indicators

from ._inputs import pack_inputs
from ._loader import TABLES, read_ssda903

PACK = files(__name__) / "ssda903.toml"

__all__ = ["PACK", "TABLES", "read_ssda903"]


@indicators.hookimpl
def indicators_loaders():
    return {"ssda903": read_ssda903}


@indicators.hookimpl
def indicators_packs():
    return {"ssda903": PACK}


@indicators.hookimpl
def indicators_pack_inputs():
    return pack_inputs(PACK)
