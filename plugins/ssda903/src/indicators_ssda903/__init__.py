"""SSDA903 for indicators: the ``ssda903`` loader and the ``ssda903`` pack."""

from __future__ import annotations

from importlib.resources import files

import indicators

from ._loader import TABLES, read_ssda903

PACK = files(__name__) / "ssda903.toml"

__all__ = ["PACK", "TABLES", "read_ssda903"]


@indicators.hookimpl
def indicators_loaders():
    return {"ssda903": read_ssda903}


@indicators.hookimpl
def indicators_packs():
    return {"ssda903": PACK}
