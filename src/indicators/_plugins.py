"""Finding plugins and building a registry from their hooks, one plugin failing alone.

Each hook implementation is called on its own, so a plugin that raises is reported
(with its name, distribution and what it was doing) and left out, while every other
plugin's capabilities are still registered.
"""

from __future__ import annotations

import importlib.metadata
from typing import Any, Callable, Iterable

import attrs
import pluggy

from . import _builtins, hookspecs
from ._functions import Function
from ._pack_input import PackInput
from ._registry import Provider, PluginFailure, Registry
from ._version import __version__

ENTRY_POINT_GROUP = "indicators"
HOOKS = (("pack", "indicators_packs"), ("function", "indicators_functions"),
         ("calendar", "indicators_calendars"), ("loader", "indicators_loaders"),
         ("renderer", "indicators_renderers"), ("benchmarks", "indicators_benchmarks"),
         ("input", "indicators_pack_inputs"))


def _entry_points() -> Iterable[importlib.metadata.EntryPoint]:
    return importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


class PluginHost:
    """The plugins of one process: built-ins, entry points and those the host registers."""

    def __init__(self, entry_points: Callable[[], Iterable] | None = _entry_points,
                 builtins: bool = True) -> None:
        self._entry_points = entry_points
        self._builtins = builtins
        self._registered: list[tuple[str, Any, Provider]] = []
        self._preferences: dict[tuple[str, str], str] = {}
        self._registry: Registry | None = None

    def register(self, plugin: Any, name: str | None = None, distribution: str | None = None,
                 version: str | None = None) -> str:
        """Register a plugin object or module at run time; returns its name."""
        name = name or getattr(plugin, "__name__", None) or type(plugin).__name__
        if any(existing == name for existing, _, _ in self._registered):
            raise ValueError(f"a plugin named {name!r} is already registered")
        self._registered.append((name, plugin, Provider(name, distribution, version)))
        self._registry = None
        return name

    def unregister(self, name: str) -> None:
        """Remove a plugin registered with :meth:`register`."""
        self._registered = [entry for entry in self._registered if entry[0] != name]
        self._registry = None

    def prefer(self, kind: str, name: str, plugin: str) -> None:
        """Settle a clash: when several plugins give ``name``, take ``plugin``'s."""
        self._preferences[(kind, name)] = plugin
        self._registry = None

    def registry(self) -> Registry:
        """The registry of every plugin's capabilities (built once, until plugins change)."""
        if self._registry is None:
            self._registry = self._build()
        return self._registry

    def _plugins(self, failures: list[PluginFailure]) -> list[tuple[str, Any, Provider]]:
        plugins = []
        if self._builtins:
            plugins.append(("indicators", _builtins, Provider("indicators", "indicators", __version__)))
        for entry_point in sorted(self._entry_points() if self._entry_points else (), key=lambda e: e.name):
            dist = getattr(entry_point, "dist", None)
            provider = Provider(entry_point.name, dist.metadata["Name"] if dist else None,
                                dist.version if dist else None)
            try:
                plugins.append((entry_point.name, entry_point.load(), provider))
            except Exception as exc:  # noqa: BLE001 - a broken plugin must not stop the others
                failures.append(PluginFailure(provider, f"importing {entry_point.value}", _describe(exc)))
        plugins.extend(self._registered)
        return plugins

    def _build(self) -> Registry:
        failures: list[PluginFailure] = []
        registry = Registry(preferences=dict(self._preferences), failures=failures)
        manager = pluggy.PluginManager(hookspecs.PROJECT)
        manager.add_hookspecs(hookspecs)
        for name, plugin, provider in self._plugins(failures):
            unknown = [attr for attr in dir(plugin) if attr.startswith("indicators_")
                       and not hasattr(manager.hook, attr) and callable(getattr(plugin, attr, None))]
            for attr in unknown:
                failures.append(PluginFailure(provider, "registering", f"unknown hook {attr!r}; "
                                              f"hooks are: {', '.join(h for _, h in HOOKS)}"))
            try:
                manager.register(plugin, name=name)
            except Exception as exc:  # noqa: BLE001
                failures.append(PluginFailure(provider, "registering", _describe(exc)))
                continue
            for kind, hook_name in HOOKS:
                for impl in getattr(manager.hook, hook_name).get_hookimpls():
                    if impl.plugin is plugin:
                        self._collect(registry, kind, hook_name, impl.function, provider, failures)
        return registry

    @staticmethod
    def _collect(registry: Registry, kind: str, hook_name: str, function: Callable, provider: Provider,
                 failures: list[PluginFailure]) -> None:
        action = f"providing {kind}s ({hook_name})"
        try:
            provided = function()
        except Exception as exc:  # noqa: BLE001 - isolate the plugin
            failures.append(PluginFailure(provider, action, _describe(exc)))
            return
        if provided is None:
            return
        try:
            if kind == "function":
                items = [(f.name, f) for f in provided]
                bad = [repr(f) for _, f in items if not isinstance(f, Function)]
                if bad:
                    raise TypeError(f"expected indicators.Function objects, got {', '.join(bad)}")
            elif kind == "input":
                items = list(provided)
                bad = [repr(p) for p in items if not isinstance(p, PackInput)]
                if bad:
                    raise TypeError(f"expected indicators.PackInput objects, got {', '.join(bad)}")
                items = [(p.name, p) for p in items]
            else:
                items = list(dict(provided).items())
                if kind in ("loader", "renderer"):
                    bad = [n for n, v in items if not callable(v)]
                    if bad:
                        raise TypeError(f"expected callables for {', '.join(bad)}")
        except Exception as exc:  # noqa: BLE001
            failures.append(PluginFailure(provider, action, _describe(exc)))
            return
        for name, value in items:
            if kind == "function":
                # only the engine's own functions run without a time limit
                trusted = value.builtin and provider.plugin == "indicators"
                registry.add_function(attrs.evolve(value, provider=str(provider), builtin=trusted), provider)
            else:
                getattr(registry, f"add_{kind}")(name, value, provider)


_default_host: PluginHost | None = None


def default_host() -> PluginHost:
    """The process-wide plugin host used by :func:`indicators.load_pack` and the CLI."""
    global _default_host
    if _default_host is None:
        _default_host = PluginHost()
    return _default_host


def _reset_default_host(host: PluginHost | None = None) -> None:
    """Replace the process-wide host (for tests and embedding applications)."""
    global _default_host
    _default_host = host


def default_registry() -> Registry:
    """The registry of the built-ins and every installed or registered plugin."""
    return default_host().registry()
