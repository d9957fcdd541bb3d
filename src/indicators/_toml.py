"""Reading TOML with the line numbers of its keys, for messages that point at the file."""

from __future__ import annotations

import re
import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

from ._errors import Problem

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=""")
_INLINE_KEY = re.compile(r"""[{,]\s*([A-Za-z0-9_-]+|"[^"]*"|'[^']*')\s*=""")
_ERROR_LINE = re.compile(r"at line (\d+)")


def _split_key(text: str) -> tuple[str, ...]:
    parts = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", text)
    return tuple(p[1:-1] if p[:1] in "\"'" else p for p in parts)


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Map each key path (as a tuple) to the line where it is written.

    A light scan, not a parser: it knows table headers, ``key = value`` lines, dotted
    keys and the keys of inline tables on the same line, which is where users look.
    """
    lines: dict[tuple[str, ...], int] = {}
    current: tuple[str, ...] = ()
    in_multiline = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if in_multiline in line:
                in_multiline = None
            continue
        header = _HEADER.match(line)
        if header and not _KEY.match(line):
            current = _split_key(header.group(1))
            lines.setdefault(current, number)
            continue
        key = _KEY.match(line)
        if not key:
            continue
        path = current + _split_key(key.group(1))
        lines.setdefault(path, number)
        rest = line[key.end():]
        for quote in ('"""', "'''"):
            if rest.count(quote) == 1:
                in_multiline = quote
        if "{" in rest:
            depth_path = path
            for inner in _INLINE_KEY.finditer(rest):
                lines.setdefault(depth_path + _split_key(inner.group(1)), number)
    return lines


def line_of(lines: dict[tuple[str, ...], int], path: tuple[str, ...]) -> int | None:
    """Line of a key path, or of its nearest written parent."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return None


def load_toml(text: str, file: str) -> tuple[dict | None, list[Problem]]:
    """Parse TOML text; on a syntax error, one problem with its line."""
    try:
        return tomllib.loads(text), []
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _ERROR_LINE.search(message)
        line = int(match.group(1)) if match else None
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
        message = re.sub(r"\s*\(at end of document\)", " at the end of the file", message)
        return None, [Problem(f"not valid TOML: {message}", file=file, line=line)]
