"""Work that would exceed the memory budget is refused before it begins: the indicator
that needs it fails with a message naming it, the others are complete (issue 18)."""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest

import indicators
from conftest import pack_from
from indicators._cli import _memory_size, main
from indicators._memory import DEFAULT_MEMORY_BUDGET, machine_memory_budget

PACK = """
[indicators.three_placements]
title = "Looked-after children with 3 or more placements in 12 months"
kind = "percentage"
table = "episodes"
window = "snapshot"
start = "started_on"
end = "ended_on"
numerator = "placements_12m >= 3"

[indicators.three_placements.lookups]
placements_12m = { table = "placements", key = "child_id", date = "started_on", window = "rolling_12", aggregate = "count" }

[indicators.starts]
title = "Episodes starting"
table = "episodes"
date = "started_on"
"""


def many_children(n: int) -> dict:
    """n children, each with one open episode and one placement, over 40 years."""
    rng = np.random.default_rng(7)
    days = rng.integers(np.datetime64("1990-01-01").astype(int), np.datetime64("2030-12-01").astype(int), n)
    started = days.astype("datetime64[D]")
    return {"episodes": {"child_id": np.arange(n), "started_on": started,
                         "ended_on": np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")},
            "placements": {"child_id": np.arange(n), "started_on": started}}


def test_a_lookup_grid_over_the_budget_is_refused_up_front_and_fails_only_its_indicator():
    """250 thousand keys by 493 months would take about 4.6 GiB: over a budget of 4 GiB."""
    tables = many_children(250_000)
    tracemalloc.start()
    results = indicators.evaluate(pack_from(PACK), tables, "1990-01", "2030-12", memory_budget=4 * 2**30)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 100 * 2**20  # nothing near the grid's size was allocated (about 30 MiB here)
    (failure,) = results.failures
    assert failure.startswith("indicators.three_placements: lookup 'placements_12m' (a grid of 250,000 keys")
    assert "over the memory budget of 4.0 GiB" in failure and "--memory-budget" in failure
    starts = [r for r in results.to_records() if r["indicator"] == "starts"]
    assert sum(r["numerator"] for r in starts) == 250_000 - int(
        (tables["episodes"]["started_on"] < np.datetime64("1990-01-01")).sum())
    assert all(r["value"] is None for r in results.to_records() if r["indicator"] == "three_placements")


def test_the_same_lookup_runs_within_a_larger_budget_or_none():
    tables = many_children(2_000)
    pack = pack_from(PACK)
    refused = indicators.evaluate(pack, tables, "1990-01", "2030-12", memory_budget=2**20)
    assert [f.split(":")[0] for f in refused.failures] == ["indicators.three_placements"]
    unlimited = indicators.evaluate(pack, tables, "1990-01", "2030-12", memory_budget=None)
    assert [] == unlimited.failures
    assert 0 == sum(r["numerator"] for r in unlimited.to_records() if r["indicator"] == "three_placements")


def test_row_months_over_the_budget_are_refused():
    """A median over a 60-month window of every row, for 40 years: rows x 60 pairs."""
    text = """
    [indicators.median_age]
    title = "Median episode start day"
    kind = "median"
    table = "episodes"
    date = "started_on"
    window = "rolling_60"
    of = "days(started_on, period_end)"
    """
    results = indicators.evaluate(pack_from(text), many_children(20_000), "1990-01", "2030-12",
                                  memory_budget=10 * 2**20)
    (failure,) = results.failures
    assert failure.startswith("indicators.median_age: episodes rows in each month of their rolling_60 window")
    assert "over the memory budget of 10.0 MiB" in failure


def test_the_command_line_takes_a_budget_and_names_the_refused_indicator(tmp_path, capsys):
    (tmp_path / "pack.toml").write_text(PACK)
    data = tmp_path / "data"
    data.mkdir()
    (data / "episodes.csv").write_text("child_id,started_on,ended_on\n1,2016-01-05,\n2,2016-03-01,2016-06-30\n")
    (data / "placements.csv").write_text("child_id,started_on\n1,2016-01-05\n1,2016-02-05\n1,2016-03-05\n")
    command = ["evaluate", str(tmp_path / "pack.toml"), "--data", str(data), "--from", "2016-01",
               "--to", "2016-12", "--format", "json"]
    assert 1 == main(command + ["--memory-budget", "1KiB"])
    captured = capsys.readouterr()
    assert "error: indicators.three_placements: lookup 'placements_12m'" in captured.err
    assert 12 == len([r for r in json.loads(captured.out) if r["indicator"] == "starts"])
    assert 0 == main(command)
    assert {"2016-03": 50.0} == {r["period"]: r["value"] for r in json.loads(capsys.readouterr().out)
                                  if r["indicator"] == "three_placements" and r["period"] == "2016-03"}


@pytest.mark.parametrize("text, size", [("4GiB", 4 * 2**30), ("500MB", 500 * 10**6), ("1.5 GiB", 3 * 2**29),
                                        ("1024", 1024), ("0", None)])
def test_memory_sizes_read_as_a_person_writes_them(text, size):
    assert size == _memory_size(text)


def test_the_default_budget_is_half_the_machines_memory(monkeypatch):
    import os

    assert DEFAULT_MEMORY_BUDGET == os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    monkeypatch.delattr(os, "sysconf")
    assert 4 * 2**30 == machine_memory_budget()  # where the machine cannot say
