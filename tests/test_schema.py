"""The JSON Schema of the pack format: it accepts the shipped packs, rejects what the
loader rejects, and is built from the loader's own key definitions."""

from __future__ import annotations

import datetime
import json
import re
import sys
import textwrap
from pathlib import Path

import pytest

from indicators import _pack
from indicators._cli import main
from indicators._schema import pack_schema

jsonschema = pytest.importorskip("jsonschema")

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(ROOT.glob("plugins/*/src/*/*.toml")) + sorted(ROOT.glob("examples/**/*.toml"))


def _as_json(value):
    """TOML values as an editor's schema check sees them: dates as ISO text."""
    if isinstance(value, dict):
        return {k: _as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    return value


def _errors(text: str) -> list[str]:
    validator = jsonschema.Draft4Validator(pack_schema())
    document = _as_json(tomllib.loads(textwrap.dedent(text)))
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def test_the_schema_is_a_valid_draft_4_schema():
    jsonschema.Draft4Validator.check_schema(pack_schema())


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_packs_validate(path):
    assert [] == _errors(path.read_text(encoding="utf-8"))


def test_shipped_packs_are_found():
    assert len(SHIPPED) >= 2


@pytest.mark.parametrize("text, where", [
    ("[indicators.a]\ntitle = 'A'\ntable = 't'\ndate = 'd'\ntarrget = 90\n", "indicators/a: Additional properties"),
    ("[indicators.a]\ntitle = 'A'\ntable = 't'\ndate = 'd'\nkind = 'percent'\n", "indicators/a/kind"),
    ("[indicators.a]\ntitle = 'A'\ntable = 't'\ndate = 'd'\nwindow = 'rolling_61'\n", "indicators/a/window"),
    ("[indicators.a]\ntable = 't'\ndate = 'd'\n", "indicators/a: 'title' is a required property"),
    ("[indicators.A]\ntitle = 'A'\ntable = 't'\ndate = 'd'\n", "indicators: 'A' does not match"),
    ("[indicators.a]\ntitle = 'A'\ntable = 't'\ndate = 'd'\ntarget = { '2016' = 90 }\n", "indicators/a/target"),
    ("[indicators.a]\ntitle = 'A'\ntable = 't'\ndate = 'd'\ndecimals = 7\n", "indicators/a/decimals"),
    ("[indicators.a]\ntitle = 'A'\ntable = 't'\ndate = 'd'\noutturn = 330\n", "indicators/a/outturn"),
    ("[indicators.a]\ntitle = 'A'\ntable = 't'\ndate = 'd'\noutturn = { '2015-16' = 330 }\n", "indicators/a/outturn"),
    ("[pack]\nfinancial_year_start = 13\n[indicators.a]\ntitle = 'A'\ntable = 't'\ndate = 'd'\n",
     "pack/financial_year_start"),
    ("[tables.t.columns]\nd = 'datetime'\n[indicators.a]\ntitle = 'A'\ntable = 't'\ndate = 'd'\n", "tables/t/columns/d"),
    ("[indicators.a]\ntitle = 'A'\ntable = 't'\ndate = 'd'\n[indicators.a.lookups.n]\ntable = 'u'\nkey = 'k'\n"
     "aggregate = 'total(x)'\n", "indicators/a/lookups/n/aggregate"),
])
def test_what_the_loader_rejects_the_schema_rejects(text, where):
    """Each pack fails both to load and to validate, at the same place."""
    with pytest.raises(_pack.PackError):
        _pack.loads_pack(text)
    errors = _errors(text)
    assert any(e.startswith(where) for e in errors), errors


def test_every_key_the_loader_accepts_is_in_the_schema():
    schema = pack_schema()
    definitions = schema["definitions"]
    assert list(_pack.TOP_KEYS) == list(schema["properties"])
    assert list(_pack.PACK_KEYS) == list(schema["properties"]["pack"]["properties"])
    assert list(_pack.TABLE_KEYS) == list(schema["properties"]["tables"]["additionalProperties"]["properties"])
    assert list(_pack.INDICATOR_KEYS) == list(definitions["indicator"]["properties"])
    assert list(_pack.MEASURE_KEYS) == list(definitions["measure"]["properties"])
    assert list(_pack.LOOKUP_KEYS) == list(definitions["lookup"]["properties"])
    assert list(_pack.KINDS) == definitions["indicator"]["properties"]["kind"]["enum"]


def test_a_key_the_schema_does_not_describe_fails_loudly(monkeypatch):
    """A key added to the loader without the schema is caught when the schema is built."""
    monkeypatch.setattr(_pack, "PACK_KEYS", _pack.PACK_KEYS + ("colour",))
    with pytest.raises(KeyError, match="colour"):
        pack_schema()


@pytest.mark.parametrize("text", ["month", "ytd", "cumulative", "snapshot", "to_date", "rolling", "rolling_0",
                                  "rolling_01", "rolling_1", "rolling_12", "rolling_59", "rolling_60", "rolling_61",
                                  "rolling_100", "Month", ""])
def test_window_pattern_agrees_with_the_loader(text):
    pattern = pack_schema()["definitions"]["measure"]["properties"]["window"]["pattern"]
    assert (_pack.parse_window(text) is not None) == bool(re.search(pattern, text))


def test_command_line_prints_the_schema(capsys, tmp_path):
    assert 0 == main(["schema"])
    assert pack_schema() == json.loads(capsys.readouterr().out)
    assert 0 == main(["schema", "--output", str(tmp_path / "pack.schema.json")])
    assert pack_schema() == json.loads((tmp_path / "pack.schema.json").read_text())


def _example_packs() -> list[tuple[str, str]]:
    """Every pack written out in the documentation and the tests that loads on its own."""
    import ast

    texts = []
    for path in sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]:
        for n, block in enumerate(re.findall(r"```toml\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)):
            texts.append((f"{path.name}#{n}", block))
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "[indicators." in node.value:
                texts.append((f"{path.name}:{node.lineno}", textwrap.dedent(node.value)))
    out = []
    for name, text in texts:
        try:
            _pack.loads_pack(text)
        except (_pack.PackError, tomllib.TOMLDecodeError):
            continue
        out.append((name, text))
    return out


@pytest.mark.parametrize("name, text", _example_packs(), ids=lambda v: v if ("#" in str(v) or ":" in str(v)) and "\n" not in str(v) else "")
def test_packs_that_load_validate(name, text):
    """Whatever the loader accepts in the documentation and the tests, the schema accepts too."""
    assert [] == _errors(text)


def test_example_packs_are_found():
    assert len(_example_packs()) >= 20
