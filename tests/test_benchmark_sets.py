"""Benchmark sets: figures from a CSV beside the pack, a CSV given at run time, or a plugin."""

from __future__ import annotations

import json
import re
import types

import pytest

import indicators
from indicators._plugins import PluginHost, _reset_default_host

PACK = """
[indicators.rereferrals]
title = "Re-referrals"
kind = "percentage"
table = "t"
date = "d"
numerator = "again"
polarity = "lower_is_better"
benchmarks = { national = { "2015/16" = 22.3, source = "pack" } }
"""


def _data(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    rows = ["d,again"] + [f"2016-0{m}-0{d},{'true' if d <= 2 else 'false'}" for m in (3, 4) for d in range(1, 9)]
    (data / "t.csv").write_text("\n".join(rows) + "\n")
    return data


def test_a_csv_beside_a_pack_file_adds_and_overrides_figures_by_year(tmp_path):
    """Statistical neighbours arrive without editing the pack; the CSV wins for the same year."""
    (tmp_path / "pack.toml").write_text(PACK)
    (tmp_path / "pack.benchmarks.csv").write_text(
        "indicator,benchmark,year,value,source\n"
        "rereferrals,statistical_neighbours,2015/16,25.5,Our neighbours 2016\n"
        "rereferrals,national,2016/17,21.9,DfE 2017\n"
        "rereferrals,quartile_1,2015/16,10,Q\nrereferrals,quartile_2,2015/16,20,Q\nrereferrals,quartile_3,2015/16,30,Q\n")
    pack = indicators.load_pack(tmp_path / "pack.toml")
    results = indicators.evaluate(pack, _data(tmp_path), "2016-03", "2016-04")
    march, april = results.get("rereferrals", "2016-03"), results.get("rereferrals", "2016-04")
    assert {"national": 22.3, "statistical_neighbours": 25.5} == {k: v["value"] for k, v in march.benchmarks.items()}
    assert 21.9 == april.benchmarks["national"]["value"]
    assert 3 == march.quartile  # 25% lies between q2 = 20 and q3 = 30
    assert ("statistical_neighbours", "Our neighbours 2016") in pack.indicators["rereferrals"].benchmark_sources


def test_a_set_given_at_run_time_on_the_command_line(tmp_path, capsys):
    from indicators._cli import main

    (tmp_path / "pack.toml").write_text(PACK)
    extra = tmp_path / "neighbours.csv"
    extra.write_text("indicator,benchmark,year,value\nrereferrals,statistical_neighbours,,24\n")
    status = main(["evaluate", str(tmp_path / "pack.toml"), "--data", str(_data(tmp_path)), "--from", "2016-04",
                   "--to", "2016-04", "--format", "json", "--benchmarks", str(extra)])
    record = json.loads(capsys.readouterr().out)[0]
    assert 0 == status
    assert {"national": 22.3, "statistical_neighbours": 24} == {k: v["value"] for k, v in record["benchmarks"].items()}


def test_a_set_figure_for_every_year_replaces_the_packs_dated_figures(tmp_path):
    """A council's own figure without a year holds for every period: the pack's figures of
    that benchmark by year (the shipped pack's neighbours, say) no longer apply."""
    (tmp_path / "pack.toml").write_text(PACK)
    (tmp_path / "pack.benchmarks.csv").write_text(
        "indicator,benchmark,year,value\n"
        "rereferrals,national,,24\nrereferrals,national,2016/17,21.9\n")
    results = indicators.evaluate(indicators.load_pack(tmp_path / "pack.toml"), _data(tmp_path), "2016-03", "2016-04")
    assert [24, 21.9] == [r.benchmarks["national"]["value"] for r in results]


@pytest.mark.parametrize("text, message", [
    ("indicator,benchmark,year,value\nrereferrals,national,,x\n", "row 2, column value: 'x' is not a number"),
    ("indicator,benchmark,year,value\nrereferrals,national,2016,1\n", "row 2, column year"),
    ("indicator,benchmark,year,value\nnope,national,,1\n", "no indicator 'nope'"),
    ("indicator,value\nrereferrals,1\n", "lacks the column(s) benchmark, year"),
    ("indicator,benchmark,year,value\nrereferrals,quartile_1,2016/17,5\n", "quartile_1 <= quartile_2"),
])
def test_a_bad_set_is_one_message_naming_file_and_row(tmp_path, capsys, text, message):
    from indicators._cli import main

    (tmp_path / "pack.toml").write_text(PACK)
    (tmp_path / "pack.benchmarks.csv").write_text(text)
    with pytest.raises(indicators.PackError) as caught:
        indicators.load_pack(tmp_path / "pack.toml")
    assert message in str(caught.value) and "pack.benchmarks.csv" in str(caught.value)
    assert 1 == main(["validate", str(tmp_path / "pack.toml")])
    assert "Traceback" not in capsys.readouterr().err


def test_a_plugin_provides_a_named_set(tmp_path):
    plugin = types.SimpleNamespace(indicators_benchmarks=indicators.hookimpl(lambda: {
        "our-neighbours": [{"indicator": "rereferrals", "benchmark": "statistical_neighbours",
                            "year": "2015/16", "value": 26.0, "source": "Plugin"}]}))
    host = PluginHost(entry_points=None)
    host.register(plugin, name="neighbours")
    _reset_default_host(host)
    try:
        pack = indicators.with_benchmarks(indicators.loads_pack(PACK), "our-neighbours")
        listing = indicators.default_registry().listing()
        with pytest.raises(indicators.PackError, match="no benchmark set file 'missing'"):
            indicators.with_benchmarks(pack, "missing")
    finally:
        _reset_default_host(None)
    assert ("benchmarks", "our-neighbours", "neighbours") in listing
    result = indicators.evaluate(pack, {"t": {"d": ["2016-04-01"], "again": [True]}}, "2016-04", "2016-04")[0]
    assert 26.0 == result.benchmarks["statistical_neighbours"]["value"]


def test_a_benchmarks_csv_in_a_pack_folder_and_a_plugin_set_given_as_a_path(tmp_path):
    """A figure for every year holds until the first dated one; a plugin may name a CSV file."""
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "pack.toml").write_text(PACK)
    (folder / "benchmarks.csv").write_text("indicator,benchmark,year,value\n"
                                           "rereferrals,statistical_neighbours,,30\n"
                                           "rereferrals,statistical_neighbours,2016/17,20\n")
    other = tmp_path / "other.csv"
    other.write_text("indicator,benchmark,year,value,source\nrereferrals,region,2015/16,27,Regional set\n")
    plugin = types.SimpleNamespace(indicators_benchmarks=indicators.hookimpl(lambda: {"region": other}))
    host = PluginHost(entry_points=None)
    host.register(plugin, name="regional")
    _reset_default_host(host)
    try:
        pack = indicators.with_benchmarks(indicators.load_pack(folder), "region")
    finally:
        _reset_default_host(None)
    results = indicators.evaluate(pack, _data(tmp_path), "2016-03", "2016-04")
    assert [30, 20] == [r.benchmarks["statistical_neighbours"]["value"] for r in results]
    assert [27, 27] == [r.benchmarks["region"]["value"] for r in results]


def test_one_set_serves_every_pack_of_a_run(tmp_path, capsys):
    """With several packs, each row goes to the pack that holds its indicator."""
    from indicators._cli import main

    (tmp_path / "pack.toml").write_text(PACK)
    (tmp_path / "other.toml").write_text(PACK.replace("rereferrals", "again_rate").replace("[pack]", ""))
    both = tmp_path / "both.csv"
    both.write_text("indicator,benchmark,year,value\nrereferrals,statistical_neighbours,,24\n"
                    "again_rate,statistical_neighbours,,26\n")
    common = ["evaluate", str(tmp_path / "pack.toml"), str(tmp_path / "other.toml"), "--data", str(_data(tmp_path)),
              "--from", "2016-04", "--to", "2016-04", "--format", "json"]
    assert 0 == main(common + ["--benchmarks", str(both)])
    records = json.loads(capsys.readouterr().out)
    assert {"rereferrals": 24, "again_rate": 26} == {
        r["indicator"]: r["benchmarks"]["statistical_neighbours"]["value"] for r in records}
    both.write_text("indicator,benchmark,year,value\nnope,statistical_neighbours,,24\n")
    assert 1 == main(common + ["--benchmarks", str(both)])
    assert "no indicator 'nope' in packs 'pack', 'other'" in capsys.readouterr().err


@pytest.mark.parametrize("data, message", [
    (b"indicator,benchmark,year,value\nrereferrals,national,2016/17,21\nrereferrals,national,2016/17,11\n",
     "row 3: repeats the indicator, benchmark and year of row 2"),
    (b"indicator,benchmark,year,value,colour\nrereferrals,national,,21,red\n", "unknown column(s) colour"),
    (b"indicator,benchmark,year,value\nrereferrals,national,,21,extra\n", "row 2: more cells than the header"),
    (b"indicator,benchmark,year,value,source\nrereferrals,national,,21,\x93DfE\x94\n",
     "line 2: byte 0x93 is not UTF-8"),
])
def test_a_set_that_would_lose_or_hide_a_figure_is_refused(tmp_path, data, message):
    (tmp_path / "pack.toml").write_text(PACK)
    (tmp_path / "pack.benchmarks.csv").write_bytes(data)
    with pytest.raises(indicators.PackError, match=re.escape(message)):
        indicators.load_pack(tmp_path / "pack.toml")
