"""Importing the annex-a, ssda903 and childrens-social-care plugins from their source
folders, so that their tests run whether or not the distributions are installed."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import indicators
from indicators._plugins import PluginHost

PLUGINS = Path(__file__).resolve().parent.parent / "plugins"


def plugin(name: str, module: str):
    """The plugin module of plugins/NAME, imported from its source folder."""
    src = str(PLUGINS / name / "src")
    if src not in sys.path:
        sys.path.insert(0, src)
    return importlib.import_module(module)


annex_a = plugin("annex-a", "indicators_annex_a")
ssda903 = plugin("ssda903", "indicators_ssda903")
childrens_social_care = plugin("childrens-social-care", "indicators_childrens_social_care")


def registry() -> indicators.Registry:
    """A registry of the built-ins, both loader plugins and the childrens-social-care pack
    (and no other installed plugin)."""
    host = PluginHost(entry_points=None)
    host.register(annex_a, name="annex-a")
    host.register(ssda903, name="ssda903")
    host.register(childrens_social_care, name="childrens-social-care")
    return host.registry()
