"""The errors the engine raises: every one names where the problem is and what was expected."""

from __future__ import annotations

from typing import Iterable

import attrs


@attrs.frozen
class Problem:
    """One problem in a pack or in data, located as precisely as it can be."""

    message: str
    file: str | None = None
    line: int | None = None
    path: str | None = None
    detail: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "")
        head = ": ".join(part for part in (where, self.path, self.message) if part)
        return head + ("\n" + self.detail if self.detail else "")


class IndicatorsError(Exception):
    """Base of every error this library raises on purpose."""

    def __init__(self, problems: Iterable[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class PackError(IndicatorsError):
    """A pack (TOML, expressions, definitions) is wrong; holds every problem found."""


class DataError(IndicatorsError):
    """Input tables are unusable: unreadable files, missing columns, wrong types."""


class PluginError(IndicatorsError):
    """A plugin failed to load or misbehaved."""


class ResourceError(IndicatorsError):
    """Work would exceed a resource limit (the memory budget) and was refused before it began."""


class ExpressionError(Exception):
    """A problem in one expression, with the character span it concerns.

    Raised by the parser and checker; the pack loader turns it into a :class:`Problem`
    with the file, line and key path of the expression.
    """

    def __init__(self, message: str, start: int = 0, end: int | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = start + 1 if end is None else max(end, start + 1)
        self.hint = hint

    def render(self, text: str, width: int = 76) -> str:
        """The expression with a caret line under the offending span; a long expression
        is cut to ``width`` characters around the span's start."""
        line = text.replace("\n", " ")
        start = min(self.start, len(line))
        span = max(1, min(self.end, len(line) + 1) - start)
        if len(line) > width:
            first = max(0, min(start - width // 3, len(line) - width))
            shown = line[first:first + width]
            prefix = "…" if first > 0 else ""
            suffix = "…" if first + width < len(line) else ""
            line = prefix + shown + suffix
            start = start - first + len(prefix)
            span = max(1, min(span, len(shown) + len(prefix) - start))
        out = f"    {line}\n    {' ' * start}{'^' * span}"
        if self.hint:
            out += f"\n    {self.hint}"
        return out


INDICATOR_FAILURES = (PluginError, ResourceError)  # what fails one indicator, not the run
