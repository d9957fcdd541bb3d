"""Ofsted Annex A for indicators: the ``annex-a`` loader, the ``annex-a`` pack, and the
``childrens-social-care`` pack on Annex A (``--input annex-a``)."""

from __future__ import annotations

from importlib.resources import files

import indicators

from ._inputs import pack_inputs
from ._loader import read_annex_a
from ._spec import LISTS

PACK = files(__name__) / "annex-a.toml"

__all__ = ["LISTS", "PACK", "read_annex_a"]


@indicators.hookimpl
def indicators_loaders():
    return {"annex-a": read_annex_a}


@indicators.hookimpl
def indicators_packs():
    return {"annex-a": PACK}


@indicators.hookimpl
def indicators_pack_inputs():
    return pack_inputs(PACK)
