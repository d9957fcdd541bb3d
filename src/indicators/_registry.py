"""Where the engine finds packs, functions, calendars, loaders and renderers by name.

The engine only ever asks a :class:`Registry`; it never imports a capability directly.
Registries are filled by :mod:`indicators._plugins` from the plugin hooks, the engine's
own built-ins included, and remember which plugin gave each name.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Iterable

import attrs

from ._calendars import Calendar
from ._functions import Function

KINDS = ("pack", "function", "calendar", "loader", "renderer", "benchmarks", "input")


@attrs.frozen
class Provider:
    """The plugin that provided something, with its distribution and version."""

    plugin: str
    distribution: str | None = None
    version: str | None = None

    def __str__(self) -> str:
        if self.distribution:
            return f"{self.plugin} ({self.distribution} {self.version or ''})".replace(" )", ")")
        return self.plugin


@attrs.frozen
class PluginFailure:
    """A plugin that failed to load or raised in a hook; reported once, then left out."""

    provider: Provider
    action: str
    error: str

    def __str__(self) -> str:
        return f"plugin {self.provider} failed while {self.action}: {self.error}"


@attrs.define(eq=False)
class Registry:
    """Named capabilities available to packs and to the command line."""

    packs: dict[str, Any] = attrs.field(factory=dict)
    functions: dict[str, Function] = attrs.field(factory=dict)
    calendars: dict[str, Callable[[], Iterable]] = attrs.field(factory=dict)
    loaders: dict[str, Callable] = attrs.field(factory=dict)
    renderers: dict[str, Callable] = attrs.field(factory=dict)
    benchmarks: dict[str, Any] = attrs.field(factory=dict)  # benchmark sets: a CSV path or rows
    pack_inputs: dict[str, Any] = attrs.field(factory=dict)  # PackInput by "PACK from LOADER"
    providers: dict[tuple[str, str], Provider] = attrs.field(factory=dict)
    clashes: dict[tuple[str, str], tuple[Provider, ...]] = attrs.field(factory=dict)
    failures: list[PluginFailure] = attrs.field(factory=list)
    preferences: dict[tuple[str, str], str] = attrs.field(factory=dict)
    offers: dict[tuple[str, str], dict[str, tuple[Any, Provider]]] = attrs.field(factory=dict, repr=False)

    def _table(self, kind: str) -> dict:
        return {"pack": self.packs, "function": self.functions, "calendar": self.calendars,
                "loader": self.loaders, "renderer": self.renderers,
                "benchmarks": self.benchmarks, "input": self.pack_inputs}[kind]

    def add(self, kind: str, name: str, value: Any, provider: Provider | None = None) -> None:
        """Add a capability; a second plugin giving the same name is a clash unless preferred."""
        provider = provider or Provider("host")
        key = (kind, name)
        offers = self.offers.setdefault(key, {})
        offers[provider.plugin] = (value, provider)
        chosen = provider.plugin
        if len(offers) > 1:
            self.clashes[key] = tuple(p for _, p in offers.values())
            chosen = self.preferences.get(key)
        table = self._table(kind)
        if chosen in offers:
            table[name], self.providers[key] = offers[chosen]
        else:
            table.pop(name, None)
            self.providers.pop(key, None)
        if kind == "calendar":
            self._calendar.cache_clear()

    def add_function(self, function: Function, provider: Provider | None = None) -> None:
        self.add("function", function.name, function, provider)

    def add_calendar(self, name: str, holidays: Callable[[], Iterable] | Iterable,
                     provider: Provider | None = None) -> None:
        self.add("calendar", name, holidays if callable(holidays) else (lambda h=tuple(holidays): h), provider)

    def add_loader(self, name: str, loader: Callable, provider: Provider | None = None) -> None:
        self.add("loader", name, loader, provider)

    def add_renderer(self, name: str, renderer: Callable, provider: Provider | None = None) -> None:
        self.add("renderer", name, renderer, provider)

    def add_benchmarks(self, name: str, set_: Any, provider: Provider | None = None) -> None:
        self.add("benchmarks", name, set_, provider)

    def add_pack(self, name: str, path: Any, provider: Provider | None = None) -> None:
        self.add("pack", name, path, provider)

    def add_input(self, name: str, pack_input: Any, provider: Provider | None = None) -> None:
        """Add a :class:`indicators.PackInput` under its name, ``PACK from LOADER``."""
        self.add("input", name, pack_input, provider)

    def unavailable(self, kind: str, name: str) -> str | None:
        """Why a name is unavailable (two plugins give it), or None."""
        key = (kind, name)
        if key in self.clashes and name not in self._table(kind):
            names = " and ".join(str(p) for p in self.clashes[key])
            return (f"the {kind} {name!r} is provided by {names}; choose one with "
                    f"indicators.plugins.prefer({kind!r}, {name!r}, PLUGIN)")
        return None

    def lacking(self, kind: str, name: str) -> str:
        """Why a pack evaluated with this registry cannot use a name that loading it found:
        it was loaded with another registry."""
        return (f"no plugin of the registry the pack is evaluated with provides the {kind} {name!r}, "
                "which the registry it was loaded with had; install or register that plugin here, or "
                "pass the same registry= to evaluate as to load_pack")

    def loader(self, name: str) -> Callable:
        """The named loader; a :class:`DataError` naming the installed ones (and the closest)
        when there is none."""
        if name in self.loaders:
            return self.loaders[name]
        from ._checker import suggest
        from ._errors import DataError, Problem

        hint = suggest(name, sorted(self.loaders))
        raise DataError([Problem(self.unavailable("loader", name) or (
            f"unknown loader {name!r}; installed loaders: {', '.join(sorted(self.loaders))}"
            + (f"; {hint}" if hint else "")))])

    def calendar(self, name: str, extra_holidays: tuple = ()) -> Calendar:
        """The named calendar with a pack's extra closure days."""
        return self._calendar(name).with_extra_holidays(extra_holidays)

    @functools.lru_cache(maxsize=16)  # noqa: B019 - a registry lives as long as its packs
    def _calendar(self, name: str) -> Calendar:
        return Calendar(name, list(self.calendars[name]()))

    def listing(self) -> list[tuple[str, str, str]]:
        """(kind, name, provider) of everything available, sorted."""
        rows = []
        for kind in KINDS:
            for name in sorted(self._table(kind)):
                rows.append((kind, name, str(self.providers[(kind, name)])))
        return rows
