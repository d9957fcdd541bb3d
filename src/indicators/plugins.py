"""Plugins for host applications: register, choose between clashing plugins, inspect.

Installed plugins are found through the ``indicators`` entry-point group; an application
that embeds the engine can also register plugin objects or modules at run time::

    import indicators.plugins

    indicators.plugins.register(my_plugin_module)
    pack = indicators.load_pack("my-pack")   # a pack my_plugin_module provides

See ``docs/plugins.md`` for the hooks.
"""

from __future__ import annotations

from typing import Any

from ._plugins import PluginHost, default_host
from ._registry import PluginFailure, Provider, Registry
from .hookspecs import hookimpl

__all__ = [
    "PluginFailure",
    "PluginHost",
    "Provider",
    "Registry",
    "failures",
    "hookimpl",
    "prefer",
    "register",
    "registry",
    "unregister",
]


def register(plugin: Any, name: str | None = None) -> str:
    """Register a plugin (a module or object with ``@hookimpl`` functions); returns its name."""
    return default_host().register(plugin, name)


def unregister(name: str) -> None:
    """Remove a plugin registered with :func:`register`."""
    default_host().unregister(name)


def prefer(kind: str, name: str, plugin: str) -> None:
    """When several plugins provide ``name`` (a pack, function, calendar, loader or
    renderer, as ``kind``), use the one from ``plugin``."""
    default_host().prefer(kind, name, plugin)


def registry() -> Registry:
    """Everything the built-ins and plugins provide, with who provided it."""
    return default_host().registry()


def failures() -> list[PluginFailure]:
    """Plugins that failed to import or raised in a hook, with what they were doing."""
    return registry().failures
