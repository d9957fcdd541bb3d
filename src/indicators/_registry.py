"""Where the engine finds functions, calendars, loaders and renderers by name.

The engine only ever asks a :class:`Registry`; it never imports a capability directly.
Built-ins are added here the same way as anything else, which is the seam on which
plugins are registered.
"""

from __future__ import annotations

import functools
from typing import Callable, Iterable

import attrs

from ._calendars import BUILTIN_CALENDARS, Calendar
from ._functions import BUILTIN_FUNCTIONS, Function


@attrs.define(eq=False)
class Registry:
    """Named capabilities available to packs and to the command line."""

    functions: dict[str, Function] = attrs.field(factory=dict)
    calendars: dict[str, Callable[[], Iterable]] = attrs.field(factory=dict)
    loaders: dict[str, Callable] = attrs.field(factory=dict)
    renderers: dict[str, Callable] = attrs.field(factory=dict)

    def add_function(self, function: Function) -> None:
        self.functions[function.name] = function

    def add_calendar(self, name: str, holidays: Callable[[], Iterable]) -> None:
        self.calendars[name] = holidays
        self._calendar.cache_clear()

    def add_loader(self, name: str, loader: Callable) -> None:
        self.loaders[name] = loader

    def add_renderer(self, name: str, renderer: Callable) -> None:
        self.renderers[name] = renderer

    def calendar(self, name: str, extra_holidays: tuple = ()) -> Calendar:
        """The named calendar with a pack's extra closure days."""
        return self._calendar(name).with_extra_holidays(extra_holidays)

    @functools.lru_cache(maxsize=16)  # noqa: B019 - registries live as long as the process
    def _calendar(self, name: str) -> Calendar:
        return Calendar(name, list(self.calendars[name]()))


@functools.lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The registry of built-in capabilities."""
    from ._loaders import BUILTIN_LOADERS
    from ._renderers import BUILTIN_RENDERERS

    registry = Registry()
    for function in BUILTIN_FUNCTIONS:
        registry.add_function(function)
    for name, holidays in BUILTIN_CALENDARS.items():
        registry.add_calendar(name, holidays)
    for name, loader in BUILTIN_LOADERS.items():
        registry.add_loader(name, loader)
    for name, renderer in BUILTIN_RENDERERS.items():
        registry.add_renderer(name, renderer)
    return registry
