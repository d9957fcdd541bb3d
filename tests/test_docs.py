"""The documentation keeps up with the code."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from indicators import hookspecs

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_every_hook_is_documented_with_its_real_signature():
    text = (DOCS / "plugins.md").read_text()
    documented = dict(re.findall(r"^### `(indicators_\w+)(\(\).*)`$", text, flags=re.M))
    hooks = {name: getattr(hookspecs, name) for name in dir(hookspecs) if name.startswith("indicators_")}
    assert set(hooks) == set(documented)
    for name, hook in hooks.items():
        signature = inspect.signature(hook)
        assert f"() -> {signature.return_annotation}" == documented[name]


def test_every_builtin_function_is_documented():
    from indicators._functions import BUILTIN_FUNCTIONS

    text = (DOCS / "expressions.md").read_text()
    for function in BUILTIN_FUNCTIONS:
        assert f"`{function.name}(" in text, function.name


def test_every_public_name_is_in_the_api_reference():
    """The documentation site's API reference covers all of ``indicators.__all__``."""
    import indicators

    text = (DOCS / "api.md").read_text()
    documented = set(re.findall(r"^::: indicators\.(\w+)", text, flags=re.M))
    assert set(indicators.__all__) - {"hookimpl"} <= documented  # hookimpl: a pluggy marker, in plugins.md


def test_the_limits_table_states_the_limits_the_code_enforces():
    from indicators import _expressions, _functions, _text

    text = (DOCS / "reliability.md").read_text()
    table = text[text.index("## Limits"):text.index("## Dirty data")]
    for row, value in (("expression length", _expressions.MAX_LENGTH), ("expression nesting", _expressions.MAX_DEPTH),
                       ("string literal", _expressions.MAX_STRING), ("list after `in`", _expressions.MAX_LIST_ITEMS),
                       ("text cell", _text.MAX_CELL_CHARS), ("plugin function call", int(_functions.DEFAULT_TIME_LIMIT))):
        line = next(line for line in table.splitlines() if line.startswith(f"| {row}"))
        assert f"{value:,}" in line, (row, value)
    assert f"longer than {_text.NARROW} characters" in table
