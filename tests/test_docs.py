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
