"""Plugins: entry-point discovery, host registration, isolation, clashes and listing."""

from __future__ import annotations

import importlib
import json
import re
import sys
import textwrap
import threading
import types
from pathlib import Path

import numpy as np
import pytest

import indicators
from indicators import plugins
from indicators._plugins import PluginHost, _reset_default_host

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_SRC = ROOT / "plugins" / "example-function" / "src"
EARLY_HELP_SRC = ROOT / "plugins" / "early-help" / "src"


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A folder on sys.path where a test writes modules and a distribution's metadata,
    so that importlib.metadata finds their entry points as it finds installed ones."""
    monkeypatch.syspath_prepend(str(tmp_path))
    written = []

    def add(distribution: str, entry_points: dict[str, str], modules: dict[str, str]) -> None:
        info = tmp_path / f"{distribution.replace('-', '_')}-1.2.3.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 1.2.3\n")
        lines = ["[indicators]"] + [f"{name} = {target}" for name, target in entry_points.items()]
        (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
        for module, source in modules.items():
            (tmp_path / f"{module}.py").write_text(textwrap.dedent(source))
            written.append(module)
        importlib.invalidate_caches()

    yield add
    for module in written:
        sys.modules.pop(module, None)


GOOD_PLUGIN = """
    import indicators

    def double(x):
        return x * 2

    @indicators.hookimpl
    def indicators_functions():
        return [indicators.Function("double", ("number",), "common", double)]

    @indicators.hookimpl
    def indicators_renderers():
        return {"count-only": lambda results: f"{len(results)} results\\n"}
"""


def test_entry_point_plugins_are_discovered_with_their_distribution(site):
    site("indicators-test-good", {"good": "good_plugin"}, {"good_plugin": GOOD_PLUGIN})
    registry = PluginHost().registry()
    assert "double" in registry.functions
    assert "good (indicators-test-good 1.2.3)" == str(registry.providers[("function", "double")])
    assert "count-only" in registry.renderers
    assert "working_days" in registry.functions  # built-ins come through the same hooks
    assert "indicators" == registry.providers[("function", "working_days")].plugin


def test_a_plugin_that_fails_to_import_is_reported_once_and_others_still_work(site):
    site("indicators-test-mixed", {"good": "good_plugin", "broken": "broken_plugin"},
         {"good_plugin": GOOD_PLUGIN, "broken_plugin": "raise RuntimeError('no database')\n"})
    registry = PluginHost().registry()
    (failure,) = registry.failures
    assert "plugin broken (indicators-test-mixed 1.2.3) failed while importing broken_plugin: " \
           "RuntimeError: no database" == str(failure)
    assert "double" in registry.functions


def test_a_hook_that_raises_or_returns_nonsense_is_isolated():
    plugin = types.SimpleNamespace(
        indicators_functions=indicators.hookimpl(lambda: 1 / 0),
        indicators_calendars=indicators.hookimpl(lambda: ["not", "a", "mapping"]),
        indicators_renderers=indicators.hookimpl(lambda: {"fine": lambda results: ""}),
    )
    host = PluginHost()
    host.register(plugin, name="shaky")
    registry = host.registry()
    messages = [str(f) for f in registry.failures]
    assert any("plugin shaky failed while providing functions (indicators_functions): "
               "ZeroDivisionError" in m for m in messages)
    assert any("providing calendars" in m for m in messages)
    assert "fine" in registry.renderers and "working_days" in registry.functions


def test_a_misspelt_hook_is_reported():
    plugin = types.SimpleNamespace(indicators_function=indicators.hookimpl(lambda: []))
    host = PluginHost()
    host.register(plugin, name="typo")
    (failure,) = host.registry().failures
    assert "unknown hook 'indicators_function'" in str(failure)


def _function_plugin(name: str):
    return types.SimpleNamespace(indicators_functions=indicators.hookimpl(
        lambda: [indicators.Function("days", ("date", "date"), "int", lambda a, b: b - a)]))


def test_two_plugins_giving_one_name_is_an_error_naming_both_unless_the_host_chooses():
    host = PluginHost(builtins=False)
    host.register(_function_plugin("a"), name="first")
    host.register(_function_plugin("b"), name="second")
    registry = host.registry()
    assert "days" not in registry.functions
    reason = registry.unavailable("function", "days")
    assert "provided by first and second" in reason
    with pytest.raises(indicators.PackError, match="provided by first and second"):
        indicators.loads_pack('[tables.t.columns]\nd = "date"\n[indicators.x]\ntitle = "X"\n'
                              'table = "t"\ndate = "d"\nwhere = "days(d, d) > 0"\n', registry=registry)
    host.prefer("function", "days", "second")
    assert "second" == host.registry().providers[("function", "days")].plugin


def test_example_plugin_registers_through_the_public_path(monkeypatch):
    """The example third-party plugin, registered as a host application would register it."""
    monkeypatch.syspath_prepend(str(EXAMPLE_SRC))
    module = importlib.import_module("indicators_example_function")
    host = PluginHost(entry_points=None)
    _reset_default_host(host)
    try:
        plugins.register(module, name="example-function")
        registry = plugins.registry()
        assert "financial_quarter" in registry.functions
        pack = indicators.loads_pack("""
            [pack]
            calendar = "england-and-wales-christmas-closure"
            [indicators.late]
            title = "Decided after 1 working day"
            table = "t"
            date = "d"
            where = "working_days(d, decided) > 1 and financial_quarter(d) == 3"
        """.replace("\n            ", "\n"))
        data = {"t": {"d": ["2016-12-23", "2016-12-23", "2016-10-03"],
                      "decided": ["2017-01-03", "2017-01-04", "2016-10-06"]}}
        results = indicators.evaluate(pack, data, "2016-10", "2016-12")
        # 23 Dec -> 3 Jan is 1 working day when 27-31 December are closed; 4 Jan is 2.
        assert [1, 0, 1] == [r.numerator for r in results]
    finally:
        _reset_default_host(None)
        sys.modules.pop("indicators_example_function", None)


def test_load_pack_by_name_from_a_plugin(monkeypatch):
    monkeypatch.syspath_prepend(str(EARLY_HELP_SRC))
    module = importlib.import_module("indicators_early_help")
    host = PluginHost(entry_points=None)
    host.register(module, name="early-help")
    pack = indicators.load_pack("early-help", registry=host.registry())
    assert "eha_within_35_days" in pack.indicators
    with pytest.raises(indicators.PackError, match="no installed plugin provides a pack of that name; "
                                                   "did you mean 'early-help'"):
        indicators.load_pack("early-hlp", registry=host.registry())
    sys.modules.pop("indicators_early_help", None)


def test_a_function_that_raises_or_returns_the_wrong_length_spoils_only_its_indicator():
    host = PluginHost()
    host.register(types.SimpleNamespace(indicators_functions=indicators.hookimpl(lambda: [
        indicators.Function("boom", ("int",), "int", lambda x: 1 // 0),
        indicators.Function("short", ("int",), "int", lambda x: x[:-1]),
    ])), name="bad-functions")
    registry = host.registry()
    for name, message in (("boom", "function boom() failed: ZeroDivisionError"),
                          ("short", "returned an array of shape (1,) for 2 values")):
        pack = indicators.loads_pack(f'[indicators.x]\ntitle = "X"\ntable = "t"\ndate = "d"\n'
                                     f'where = "{name}(n) > 0"\n'
                                     '[indicators.fine]\ntitle = "Fine"\ntable = "t"\ndate = "d"\n',
                                     registry=registry)
        results = indicators.evaluate(pack, {"t": {"d": ["2017-01-01"] * 2, "n": [1, 2]}}, "2017-01", "2017-01",
                                     registry=registry)
        (failure,) = results.failures
        assert message in failure and "bad-functions" in failure and "indicators.x" in failure
        assert (None, None) == (results.get("x", "2017-01").numerator, results.get("x", "2017-01").value)
        assert 2 == results.get("fine", "2017-01").numerator
        assert "NaN" not in results.to_json()


def test_a_plugin_function_gets_a_literal_as_an_ordinary_array():
    """The engine keeps a literal as one broadcast value; a plugin function may reshape or
    view its arguments, so it gets them as ordinary arrays."""
    def low_bytes(x):
        return x.view(np.uint8).reshape(-1, 8)[:, 0].astype(np.int64)

    host = PluginHost()
    host.register(types.SimpleNamespace(indicators_functions=indicators.hookimpl(lambda: [
        indicators.Function("low_byte", ("int",), "int", low_bytes)])), name="bytes")
    registry = host.registry()
    pack = indicators.loads_pack('[indicators.x]\ntitle = "X"\ntable = "t"\ndate = "d"\n'
                                 'where = "low_byte(258) == 2 and low_byte(n) == n"\n', registry=registry)
    results = indicators.evaluate(pack, {"t": {"d": ["2017-01-01"] * 2, "n": [1, 2]}}, "2017-01", "2017-01",
                                 registry=registry)
    assert [] == results.failures
    assert 2 == results.get("x", "2017-01").numerator


def _clobber(x):
    x[:] = 100
    return x


def _clobber_vec(x):
    x.data[:] = 100
    return x


@pytest.mark.parametrize("function", [
    indicators.Function("clobber", ("int",), "int", _clobber),
    indicators.Function("clobber", ("int",), "int", _clobber_vec, handles_missing=True),
])
def test_a_function_cannot_change_its_arguments_and_writing_fails_only_its_indicator(function):
    """A function that writes into the array it is given must not change what other
    indicators, which use no plugin, read from the same column."""
    host = PluginHost()
    host.register(types.SimpleNamespace(indicators_functions=indicators.hookimpl(lambda: [function])),
                  name="careless")
    pack = indicators.loads_pack(
        '[indicators.x]\ntitle = "X"\ntable = "t"\ndate = "d"\nwhere = "clobber(n) > 0"\n'
        '[indicators.fine]\ntitle = "Fine"\ntable = "t"\ndate = "d"\nwhere = "n > 1"\n',
        registry=host.registry())
    tables = {"t": {"d": ["2017-01-02"] * 3, "n": [1, 2, 3]}}
    results = indicators.evaluate(pack, tables, "2017-01", "2017-01", registry=host.registry())
    (failure,) = results.failures
    assert failure.startswith("indicators.x: careless: function clobber() failed: ValueError")
    assert "must not change the arrays it is given" in failure
    assert None is results.get("x", "2017-01").numerator
    assert 2 == results.get("fine", "2017-01").numerator


def test_a_pack_evaluated_with_a_registry_lacking_its_function_is_one_located_message():
    """The pack holds no registry: evaluated with one that lacks a function the registry it
    was loaded with had, it names the function and where the pack calls it, not a KeyError."""
    host = PluginHost()
    host.register(types.SimpleNamespace(indicators_functions=indicators.hookimpl(lambda: [
        indicators.Function("double", ("number",), "common", lambda x: 2 * x)])), name="doubling")
    text = '[indicators.x]\ntitle = "X"\ntable = "t"\ndate = "d"\nwhere = "double(n) > 3"\n'
    pack = indicators.loads_pack(text, file="p.toml", registry=host.registry())
    tables = {"t": {"d": ["2017-01-02"] * 3, "n": [1, 2, 3]}}
    assert 2 == indicators.evaluate(pack, tables, "2017-01", "2017-01", registry=host.registry()
                                    ).get("x", "2017-01").numerator
    for run in (lambda: indicators.evaluate(pack, tables, "2017-01", "2017-01"),
                lambda: indicators.evaluate_partial(pack, tables, "2017-01", "2017-01"),
                lambda: indicators.check_data(pack, tables),
                lambda: indicators.explain(pack, tables, "x", "2017-01")):
        with pytest.raises(indicators.PackError) as caught:
            run()
        (problem,) = caught.value.problems
        assert ("p.toml", 5, "indicators.x.where") == (problem.file, problem.line, problem.path)
        assert problem.message.startswith("no plugin of the registry the pack is evaluated with provides the "
                                          "function 'double', which the registry it was loaded with had")


def test_a_pack_evaluated_with_a_registry_lacking_its_calendar_is_one_clear_message():
    host = PluginHost()
    host.register(types.SimpleNamespace(indicators_calendars=indicators.hookimpl(
        lambda: {"office": ["2017-01-03"]})), name="office-calendar")
    text = '[pack]\ncalendar = "office"\n[indicators.x]\ntitle = "X"\ntable = "t"\ndate = "d"\n'
    pack = indicators.loads_pack(text, file="p.toml", registry=host.registry())
    tables = {"t": {"d": ["2017-01-02"] * 3}}
    assert 3 == indicators.evaluate(pack, tables, "2017-01", "2017-01", registry=host.registry()
                                    ).get("x", "2017-01").numerator
    with pytest.raises(indicators.PackError) as caught:
        indicators.evaluate(pack, tables, "2017-01", "2017-01")
    (problem,) = caught.value.problems
    assert ("p.toml", "pack.calendar") == (problem.file, problem.path)
    assert problem.message.startswith("pack 'p': no plugin of the registry the pack is evaluated with provides "
                                      "the calendar 'office'")


def test_a_function_handing_back_its_argument_is_fine():
    """Returning an argument unchanged is allowed: the engine copies what it keeps."""
    host = PluginHost()
    host.register(types.SimpleNamespace(indicators_functions=indicators.hookimpl(lambda: [
        indicators.Function("same", ("int",), "int", lambda x: x)])), name="plain")
    pack = indicators.loads_pack('[indicators.x]\ntitle = "X"\ntable = "t"\ndate = "d"\nwhere = "same(n) > 1"\n',
                                 registry=host.registry())
    results = indicators.evaluate(pack, {"t": {"d": ["2017-01-02"] * 3, "n": [1, 2, 3]}}, "2017-01", "2017-01",
                                  registry=host.registry())
    assert [] == results.failures
    assert 2 == results.get("x", "2017-01").numerator


@pytest.mark.parametrize("declared, impl, message", [
    ("bool", lambda x: x, "declares bool but returned int64 values"),
    ("bool", lambda x: np.where(x > 1, 1, 0), "declares bool but returned int64 values"),
    ("int", lambda x: x * 0.5, "declares int but returned float64 values"),
    ("float", lambda x: np.array(["a"] * len(x)), "declares float but returned <U1 values"),
    ("int", lambda x: 1, "returned one value for 3 values"),
    ("bool", lambda x: True, "returned one value for 3 values"),
])
def test_a_function_must_return_one_value_per_row_of_its_declared_type(declared, impl, message):
    host = PluginHost()
    host.register(types.SimpleNamespace(indicators_functions=indicators.hookimpl(lambda: [
        indicators.Function("f", ("int",), declared, impl)])), name="sloppy")
    where = "f(n)" if declared == "bool" else "f(n) > 0"
    pack = indicators.loads_pack(f'[indicators.x]\ntitle = "X"\ntable = "t"\ndate = "d"\nwhere = "{where}"\n'
                                 '[indicators.fine]\ntitle = "Fine"\ntable = "t"\ndate = "d"\n',
                                 registry=host.registry())
    results = indicators.evaluate(pack, {"t": {"d": ["2017-01-02"] * 3, "n": [1, 2, 3]}}, "2017-01", "2017-01",
                                  registry=host.registry())
    (failure,) = results.failures
    assert failure.startswith("indicators.x: sloppy: function f()") and message in failure
    assert 3 == results.get("fine", "2017-01").numerator


def test_a_slow_function_is_stopped_waiting_for_and_spoils_only_its_indicators():
    release = threading.Event()

    def stuck(x):
        release.wait(60)
        return x

    host = PluginHost()
    host.register(types.SimpleNamespace(indicators_functions=indicators.hookimpl(lambda: [
        # claiming to be built in does not lift the limit: only the engine's own functions are trusted
        indicators.Function("stuck", ("int",), "int", stuck, builtin=True),
    ])), name="slow-functions")
    pack = indicators.loads_pack(
        '[indicators.x]\ntitle = "X"\ntable = "t"\ndate = "d"\nwhere = "stuck(n) > 0"\n'
        '[indicators.y]\ntitle = "Y"\ntable = "t"\ndate = "d"\nwhere = "stuck(n) > 1"\n'
        '[indicators.fine]\ntitle = "Fine"\ntable = "t"\ndate = "d"\nwhere = "working_days(d, d) == 0"\n',
        registry=host.registry())
    try:
        results = indicators.evaluate(pack, {"t": {"d": ["2017-01-02"] * 2, "n": [1, 2]}}, "2017-01", "2017-01",
                                      function_time_limit=0.05, registry=host.registry())
        assert not release.is_set()  # evaluate returned while the call was still waiting
    finally:
        release.set()
    first, second = results.failures
    assert "indicators.x: slow-functions: function stuck() did not finish within the time limit of 0.05 s" == first
    assert "indicators.y" in second and "earlier in this run" in second  # not called again
    assert [None, None, 2] == [results.get(i, "2017-01").numerator for i in ("x", "y", "fine")]


def test_a_missing_aware_function_must_return_one_value_per_row():
    host = PluginHost()
    host.register(types.SimpleNamespace(indicators_functions=indicators.hookimpl(lambda: [
        indicators.Function("first", ("int",), "int", lambda x: x.data[:1], handles_missing=True),
    ])), name="careless")
    pack = indicators.loads_pack('[indicators.x]\ntitle = "X"\ntable = "t"\ndate = "d"\nwhere = "first(n) > 0"\n',
                                 registry=host.registry())
    results = indicators.evaluate(pack, {"t": {"d": ["2017-01-02"] * 2, "n": [1, 2]}}, "2017-01", "2017-01",
                                  registry=host.registry())
    assert ["indicators.x: careless: function first() returned ndarray instead of 2 values"] == results.failures


def test_academic_age_counts_from_the_31_august_before():
    sys.path.insert(0, str(EARLY_HELP_SRC))
    try:
        from indicators_early_help import academic_age
    finally:
        sys.path.remove(str(EARLY_HELP_SRC))
    day = lambda text: np.array([np.datetime64(text, "D").astype(np.int64)])  # noqa: E731
    assert 16 == academic_age(day("2000-08-31"), day("2017-01-31"))[0]  # 16 on 31 Aug 2016
    assert 15 == academic_age(day("2000-09-01"), day("2017-01-31"))[0]
    assert 17 == academic_age(day("2000-08-31"), day("2017-09-01"))[0]


def test_indicators_list_shows_every_capability_with_its_plugin(site, capsys):
    from indicators._cli import main

    site("indicators-test-good", {"good": "good_plugin"}, {"good_plugin": GOOD_PLUGIN})
    _reset_default_host(PluginHost())
    try:
        assert 0 == main(["list"])
    finally:
        _reset_default_host(None)
    out = capsys.readouterr().out
    assert "Functions:" in out and "Calendars:" in out and "Loaders:" in out and "Renderers:" in out
    assert "double" in out and "good (indicators-test-good 1.2.3)  double(number) -> common" in out
    assert re.search(r"england-and-wales +indicators \(indicators 0\.1\.0\)", out)
    assert "count-only" in out


def test_a_loader_plugin_reads_a_location_into_tables(tmp_path):
    """A loader returns mappings of columns (or Tables); the pack's declared types apply."""
    (tmp_path / "contacts.tsv").write_text("received_on\t2017-01-05\n")

    def tsv_folder(location, schemas, *, strict=False, only=None):
        tables = {}
        for path in Path(location).glob("*.tsv"):
            columns = dict(line.split("\t", 1) for line in path.read_text().splitlines())
            tables[path.stem] = {name: [value] for name, value in columns.items()}
        return tables

    host = PluginHost(entry_points=None)
    host.register(types.SimpleNamespace(indicators_loaders=indicators.hookimpl(lambda: {"tsv": tsv_folder})),
                  name="tsv-loader")
    pack = indicators.loads_pack('[tables.contacts.columns]\nreceived_on = "date"\n'
                                 '[indicators.n]\ntitle = "N"\ntable = "contacts"\ndate = "received_on"\n',
                                 registry=host.registry())
    (result,) = indicators.evaluate(pack, tmp_path, "2017-01", "2017-01", loader="tsv", registry=host.registry())
    assert 1 == result.numerator
    with pytest.raises(indicators.DataError, match="unknown loader 'xml'"):
        indicators.evaluate(pack, tmp_path, "2017-01", "2017-01", loader="xml", registry=host.registry())


def test_a_calendar_plugin_given_as_a_list():
    host = PluginHost(entry_points=None)
    host.register(types.SimpleNamespace(indicators_calendars=indicators.hookimpl(
        lambda: {"office": ["2017-01-09"]})), name="office-closures")
    calendar = host.registry().calendar("office")
    friday, tuesday = (np.array([np.datetime64(d, "D").astype(np.int64)]) for d in ("2017-01-06", "2017-01-10"))
    assert 1 == calendar.working_days(friday, tuesday)[0]  # Monday 9th closed


def test_a_pack_plugin_and_a_renderer_plugin_through_the_command_line(tmp_path, capsys):
    from indicators._cli import main

    (tmp_path / "tiny.toml").write_text('[indicators.n]\ntitle = "N"\ntable = "t"\ndate = "d"\n')
    data = tmp_path / "data"
    data.mkdir()
    (data / "t.csv").write_text("d\n2017-01-02\n2017-01-03\n")
    plugin = types.SimpleNamespace(
        indicators_packs=indicators.hookimpl(lambda: {"tiny": tmp_path / "tiny.toml"}),
        indicators_renderers=indicators.hookimpl(lambda: {"count-only": lambda results: f"{len(results)}\n"}))
    host = PluginHost(entry_points=None)
    host.register(plugin, name="tiny-pack")
    _reset_default_host(host)
    try:
        status = main(["evaluate", "tiny", "--data", str(data), "--from", "2017-01", "--to", "2017-03",
                       "--format", "count-only"])
    finally:
        _reset_default_host(None)
    assert (0, "3\n") == (status, capsys.readouterr().out)


def test_the_command_line_writes_the_other_indicators_and_exits_1(tmp_path, capsys):
    from indicators._cli import main

    (tmp_path / "pack.toml").write_text('[indicators.x]\ntitle = "X"\ntable = "t"\ndate = "d"\nwhere = "boom(n) > 0"\n'
                                        '[indicators.fine]\ntitle = "Fine"\ntable = "t"\ndate = "d"\n')
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "t.csv").write_text("d,n\n2017-01-02,1\n")
    host = PluginHost()
    host.register(types.SimpleNamespace(indicators_functions=indicators.hookimpl(
        lambda: [indicators.Function("boom", ("int",), "int", lambda x: 1 // 0)])), name="bad-functions")
    _reset_default_host(host)
    try:
        status = main(["evaluate", str(tmp_path / "pack.toml"), "--data", str(tmp_path / "data"),
                       "--from", "2017-01", "--to", "2017-01", "--format", "json"])
    finally:
        _reset_default_host(None)
    captured = capsys.readouterr()
    assert 1 == status
    assert "error: indicators.x: bad-functions: function boom() failed" in captured.err
    assert [None, 1] == [r["numerator"] for r in json.loads(captured.out)]


def test_the_command_line_time_limit_for_plugin_functions(tmp_path, capsys):
    from indicators._cli import main

    (tmp_path / "pack.toml").write_text('[indicators.x]\ntitle = "X"\ntable = "t"\ndate = "d"\nwhere = "slow(n) > 0"\n')
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "t.csv").write_text("d,n\n2017-01-02,1\n")
    release = threading.Event()
    host = PluginHost()
    host.register(types.SimpleNamespace(indicators_functions=indicators.hookimpl(
        lambda: [indicators.Function("slow", ("int",), "int", lambda x: (release.wait(60), x)[1])])), name="slow")
    _reset_default_host(host)
    command = ["evaluate", str(tmp_path / "pack.toml"), "--data", str(tmp_path / "data"),
               "--from", "2017-01", "--to", "2017-01", "--format", "json"]
    try:
        assert 1 == main(command + ["--function-time-limit", "0.05"])
        assert "function slow() did not finish within the time limit of 0.05 s" in capsys.readouterr().err
        with pytest.raises(SystemExit) as exit_info:
            main(command + ["--function-time-limit", "soon"])
        assert 2 == exit_info.value.code
        assert "expected a number of seconds, got 'soon'" in capsys.readouterr().err
        release.set()
        assert 0 == main(command + ["--function-time-limit", "0"])  # 0: no limit
        assert [1] == [r["numerator"] for r in json.loads(capsys.readouterr().out)]
    finally:
        release.set()
        _reset_default_host(None)


def test_a_note_counted_beside_a_failing_chain_is_counted_on_its_own():
    """``fast``'s negative-duration note is planned as more bits of the reasons pass of
    ``x``'s chain (the first over the same rows beginning with the same ``where``); that
    pass fails on ``x``'s plugin function, and the note is still counted, by its own pass."""
    host = PluginHost()
    host.register(types.SimpleNamespace(indicators_functions=indicators.hookimpl(lambda: [
        indicators.Function("boom", ("int",), "int", lambda x: 1 // 0)])), name="bad-functions")
    registry = host.registry()
    fast = ('[indicators.fast]\ntitle = "Fast"\nkind = "percentage"\ntable = "t"\ndate = "d"\n'
            'where = "e is not missing"\nnumerator = "days(d, e) <= 1"\n')
    failing = ('[indicators.x]\ntitle = "X"\nkind = "percentage"\ntable = "t"\ndate = "d"\n'
               'where = "e is not missing"\nnumerator = "boom(n) > 0"\n')
    tables = {"t": {"d": ["2017-01-05", "2017-01-06", "2017-01-07"], "e": ["2017-01-05", "2017-01-02", None],
                    "n": [1, 2, 3]}}
    both = indicators.loads_pack(failing + fast, registry=registry)
    (x_pass,) = [step for step in indicators.compile(both).steps if step.kind == "reasons" and "x" in step.users]
    assert "fast" in x_pass.users and x_pass.key.durations == ("days(d, e)",)  # planned beside x's chain
    results = indicators.evaluate(both, tables, "2017-01", "2017-01", registry=registry)
    assert ["indicators.x"] == [failure.split(":")[0] for failure in results.failures]
    alone = indicators.evaluate(indicators.loads_pack(fast, registry=registry), tables, "2017-01", "2017-01",
                                registry=registry)
    assert 1 == alone.get("fast", "2017-01").notes["negative duration (days(d, e))"]
    assert alone.get("fast", "2017-01").notes == results.get("fast", "2017-01").notes
    assert (2, 2) == (results.get("fast", "2017-01").numerator, results.get("fast", "2017-01").denominator)
