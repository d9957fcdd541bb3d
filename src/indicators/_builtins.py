"""The engine's own capabilities, provided through the same hooks as any plugin."""

from __future__ import annotations

from .hookspecs import hookimpl


@hookimpl
def indicators_functions():
    from ._functions import BUILTIN_FUNCTIONS

    return BUILTIN_FUNCTIONS


@hookimpl
def indicators_calendars():
    from ._calendars import BUILTIN_CALENDARS

    return BUILTIN_CALENDARS


@hookimpl
def indicators_loaders():
    from ._loaders import BUILTIN_LOADERS

    return BUILTIN_LOADERS


@hookimpl
def indicators_renderers():
    from ._renderers import BUILTIN_RENDERERS

    return BUILTIN_RENDERERS
