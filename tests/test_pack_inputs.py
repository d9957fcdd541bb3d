"""A pack run on another input (indicators.PackInput): childrens-social-care on an Annex A
workbook or CSV folder and on SSDA903 returns gives what the input supports, by the
annex-a and ssda903 packs' definitions, and names the rest as skipped with the reason."""

from __future__ import annotations

import csv
import datetime
import json
import zlib
from pathlib import Path

import pytest

import indicators
from indicators._cli import main
from indicators.demo._returns import annex_a_lists
from indicators._plugins import PluginHost
from returns import registry

REGISTRY = registry()  # what the packs of these tests are loaded and evaluated with
ANNEX_A_REASONS = REGISTRY.pack_inputs["childrens-social-care from annex-a"].unsupported
SSDA903_REASONS = REGISTRY.pack_inputs["childrens-social-care from ssda903"].unsupported
from test_returns import by_indicator, in_month, installed, month_end, open_at, read_return, uk

SEED, SCALE = 7, 0.3
MONTHS = ["2016-10", "2016-11", "2016-12", "2017-01", "2017-02", "2017-03"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("inputs")
    for format_ in ("annex-a", "ssda903"):
        assert 0 == main(["demo-data", str(folder / format_), "--format", format_, "--seed", str(SEED),
                          "--scale", str(SCALE)])
    return folder


@pytest.fixture(scope="module")
def packs() -> dict[str, indicators.Pack]:
    return {name: indicators.load_pack(name, registry=REGISTRY)
            for name in ("childrens-social-care", "annex-a", "ssda903")}


def figures(results: indicators.Results) -> dict[tuple[str, str], tuple]:
    return {(r.indicator, r.period): (r.numerator, r.denominator, r.value, r.notes) for r in results}


def check_against(results: indicators.Results, reference: indicators.Results, pack: indicators.Pack,
                  unsupported: dict[str, str]) -> None:
    """Every indicator of ``pack`` is evaluated (with the reference pack's figures and its
    own title and benchmarks) or skipped with the declared reason, never both."""
    evaluated = {r.indicator for r in results}
    assert set() == evaluated & set(results.skipped)
    assert set(pack.indicators) == evaluated | set(results.skipped)
    assert evaluated == set(pack.indicators) & {r.indicator for r in reference}
    assert {ident: unsupported[ident] for ident in results.skipped} == results.skipped
    assert [] == results.failures
    expected = figures(reference)
    assert {key: expected[key] for key in figures(results)} == figures(results)
    for record in results:
        assert pack.indicators[record.indicator].title == record.title


@pytest.mark.parametrize("location", ["annex-a.xlsx", "annex-a-csv"])
def test_childrens_social_care_on_annex_a_gives_what_annex_a_supports_and_names_the_rest(demo, packs, location):
    data = demo / "annex-a" / location
    pack = packs["childrens-social-care"]
    results = indicators.evaluate(pack, data, MONTHS[0], MONTHS[-1], loader="annex-a", registry=REGISTRY)
    reference = indicators.evaluate(packs["annex-a"], data, MONTHS[0], MONTHS[-1], loader="annex-a", registry=REGISTRY)
    check_against(results, reference, pack, ANNEX_A_REASONS)
    assert "Annex A holds no contact decisions (list 1 has no decision date)" == \
        results.skipped["contacts_decided_1wd"]
    assert list(results.skipped) == [ident for ident in pack.indicators if ident in results.skipped]
    # the pack's own benchmarks and titles stay with its indicators
    assert "national" in results.get("lac_rate", "2017-01").benchmarks
    assert "Children in need (not on a protection plan)" == results.get("cin_count", "2017-01").title


def test_children_in_need_on_annex_a_leave_out_children_on_a_plan_as_the_pack_defines_them(demo, packs):
    """cin_count is the pack's: children in need not on a protection plan (list 6 less list
    7's open plans); cin_rate counts them all."""
    lists = {n: [dict(zip(headers, row)) for row in body]
             for n, (_, headers, body) in annex_a_lists(seed=SEED, scale=SCALE).items()}
    results = indicators.evaluate(packs["childrens-social-care"], demo / "annex-a" / "annex-a.xlsx", MONTHS[0],
                                  MONTHS[-1], loader="annex-a", registry=REGISTRY)
    for period in MONTHS:
        end = month_end(period)
        in_need = {r["Child Unique ID"] for r in lists[6] if open_at(r["CIN Start Date"], r["CIN Closure Date"], end)}
        on_plan = {r["Child Unique ID"] for r in lists[7] if open_at(r["Child Protection Plan Start Date"],
                                                                    r["Child Protection Plan End Date"], end)}
        assert len(in_need - on_plan) == results.get("cin_count", period).value
        assert len(in_need) == results.get("cin_rate", period).numerator
        assert on_plan & in_need  # the demo's list 6 holds children on plans, so the two differ
    assert sum(in_month(r["Date of Adoption Order "], month) for r in lists[10]
               for month in ["2016-04", "2016-05", "2016-06", "2016-07", "2016-08", "2016-09", "2016-10"]) \
        == results.get("adoptions_ytd", "2016-10").value


def test_at_the_extract_annex_a_gives_the_figures_the_case_level_data_gives(demo, packs):
    """The demo's Annex A is made from the demo's case-level tables: in the month of the
    extract, every indicator the pack evaluates on Annex A equals the pack on those tables."""
    from indicators.demo import generate

    pack = packs["childrens-social-care"]
    on_annex_a = indicators.evaluate(pack, demo / "annex-a" / "annex-a.xlsx", "2017-03", "2017-03",
                                     loader="annex-a", registry=REGISTRY)
    on_cases = indicators.evaluate(pack, generate(seed=SEED, scale=SCALE), "2017-03", "2017-03", registry=REGISTRY)
    assert len(on_annex_a) == 15
    for record in on_annex_a:
        case = on_cases.get(record.indicator, "2017-03")
        assert (case.numerator, case.denominator, case.value) == (record.numerator, record.denominator,
                                                                  record.value), record.indicator


def test_childrens_social_care_on_ssda903_gives_the_looked_after_children_indicators(demo, packs):
    data = demo / "ssda903"
    pack = packs["childrens-social-care"]
    months = ["2016-04", "2017-03"]
    results = indicators.evaluate(pack, data, *months, loader="ssda903", registry=REGISTRY)
    reference = indicators.evaluate(packs["ssda903"], data, *months, loader="ssda903", registry=REGISTRY)
    check_against(results, reference, pack, SSDA903_REASONS)
    assert {"lac_count", "lac_rate", "lac_3_placements", "lac_long_term_stability", "adoptions", "adoptions_ytd"} \
        == {r.indicator for r in results}
    episodes = read_return(data)["episodes"]
    adopted = [uk(e["DEC"]) for e in episodes if e["REC"] in ("E11", "E12")]
    for period in ("2016-04", "2016-09", "2017-03"):
        assert sum(in_month(day, period) for day in adopted) == results.get("adoptions", period).value
    year = sum(datetime.date(2016, 4, 1) <= day <= datetime.date(2017, 3, 31) for day in adopted)
    assert year == results.get("adoptions_ytd", "2017-03").value > 0
    assert results.get("lac_count", "2017-01").value > 50


def test_every_indicator_of_the_pack_is_defined_or_declared_unsupported_by_each_input(packs):
    pack, definitions = packs["childrens-social-care"], {"annex-a": packs["annex-a"], "ssda903": packs["ssda903"]}
    for name, unsupported in (("annex-a", ANNEX_A_REASONS), ("ssda903", SSDA903_REASONS)):
        defined = set(pack.indicators) & set(definitions[name].indicators)
        assert set() == defined & set(unsupported), name
        assert set(pack.indicators) == defined | set(unsupported), name
        assert all(reason.strip() for reason in unsupported.values())


def split_by_child(source: Path, target: Path, n: int) -> list[Path]:
    """Each list's rows dealt to ``n`` folders by child, so that a child's rows share one."""
    folders = [target / f"chunk-{i}" for i in range(n)]
    for folder in folders:
        folder.mkdir(parents=True)
    for path in source.glob("*.csv"):
        with open(path, newline="", encoding="utf-8") as stream:
            header, *rows = list(csv.reader(stream))
        for i, folder in enumerate(folders):
            with open(folder / path.name, "w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                writer.writerow(header)
                writer.writerows(row for row in rows if zlib.crc32(row[0].encode()) % n == i)
    return folders


def test_partials_of_a_pack_on_another_input_merge_into_the_whole_result(demo, packs, tmp_path):
    pack = packs["childrens-social-care"]
    folders = split_by_child(demo / "annex-a" / "annex-a-csv", tmp_path, 3)
    partials = [indicators.evaluate_partial(pack, folder, MONTHS[0], MONTHS[-1], loader="annex-a", registry=REGISTRY)
                for folder in folders]
    merged = indicators.merge_partials(partials).results(pack, registry=REGISTRY)
    whole = indicators.evaluate(pack, demo / "annex-a" / "annex-a-csv", MONTHS[0], MONTHS[-1], loader="annex-a",
                                registry=REGISTRY)
    assert whole.to_records() == merged.to_records()
    assert whole.skipped == merged.skipped
    assert "contacts_decided_1wd" in merged.skipped


def test_partials_honour_missing_tables_skip_and_refuse_chunks_that_disagree(demo, packs, tmp_path):
    pack = packs["annex-a"]
    folders = split_by_child(demo / "annex-a" / "annex-a-csv", tmp_path, 2)
    for folder in folders:
        (folder / "List 10.csv").unlink()
    partials = [indicators.evaluate_partial(pack, folder, "2017-01", "2017-03", loader="annex-a", registry=REGISTRY)
                for folder in folders]
    merged = indicators.merge_partials(partials).results(pack, registry=REGISTRY)
    whole_folder = tmp_path / "whole"
    whole_folder.mkdir()
    for path in (demo / "annex-a" / "annex-a-csv").glob("*.csv"):
        if path.name != "List 10.csv":
            (whole_folder / path.name).write_bytes(path.read_bytes())
    whole = indicators.evaluate(pack, whole_folder, "2017-01", "2017-03", loader="annex-a", registry=REGISTRY)
    assert whole.to_records() == merged.to_records()
    assert "no table 'annex_a_adoption' in the data" == merged.skipped["adoptions"] == whole.skipped["adoptions"]
    # a chunk that lacks a list another chunk has cannot be merged into a whole result
    (folders[1] / "List 10.csv").write_bytes((demo / "annex-a" / "annex-a-csv" / "List 10.csv").read_bytes())
    other = indicators.evaluate_partial(pack, folders[1], "2017-01", "2017-03", loader="annex-a", registry=REGISTRY)
    with pytest.raises(indicators.DataError, match="'adoptions' was skipped in one chunk .* give every chunk every"):
        partials[0].merge(other)


# ---------------------------------------------------------------------------------------
# the mechanism, as a third party's plugin uses it

PACK = """
[pack]
name = "council"
title = "Council"

[tables.visits]
columns = { child_id = "int", visited_on = "date" }

[indicators.visits]
title = "Visits"
table = "visits"
date = "visited_on"
target = 30

[indicators.visited_children]
title = "Children visited"
table = "visits"
date = "visited_on"
distinct = "child_id"

[indicators.late_visits]
title = "Late visits"
kind = "percentage"
table = "visits"
date = "visited_on"
numerator = "visited_on > visited_on"
"""

DEFINITIONS = """
[pack]
name = "council-on-logs"
title = "Council from visit logs"

[tables.log]
columns = { who = "str", day = "date" }

[indicators.visits]
title = "Visits in the log"
table = "log"
date = "day"
"""


def host_with(tmp_path: Path, definitions: str | None = DEFINITIONS, provided=None) -> indicators.Registry:
    (tmp_path / "council.toml").write_text(PACK)
    if definitions is not None:
        (tmp_path / "logs.toml").write_text(definitions)

    def read_logs(location, schemas, *, strict=False, only=None):
        return {"log": {"who": ["a", "b", "a"], "day": ["2020-01-03", "2020-01-09", "2020-02-01"]}}

    class Plugin:
        @staticmethod
        @indicators.hookimpl
        def indicators_packs():
            return {"council": tmp_path / "council.toml"}

        @staticmethod
        @indicators.hookimpl
        def indicators_loaders():
            return {"logs": read_logs}

        @staticmethod
        @indicators.hookimpl
        def indicators_pack_inputs():
            if provided is not None:
                return provided
            return [indicators.PackInput("council", "logs", tmp_path / "logs.toml",
                                         {"visited_children": "the log names no children"})]

    host = PluginHost(entry_points=None)
    host.register(Plugin, name="logs-plugin")
    return host.registry()


def test_a_third_party_plugin_declares_how_its_loader_answers_a_pack(tmp_path):
    reg = host_with(tmp_path)
    pack = indicators.load_pack("council", registry=reg)
    results = indicators.evaluate(pack, tmp_path, "2020-01", "2020-02", loader="logs", registry=reg)
    assert [2, 1] == [results.get("visits", p).value for p in ("2020-01", "2020-02")]
    assert 30 == results.get("visits", "2020-01").target  # the pack's target, the definitions' counting
    assert "Visits" == results.get("visits", "2020-01").title
    assert {"visited_children": "the log names no children",
            "late_visits": "the logs input gives no definition of it (plugin logs-plugin)"} == results.skipped
    assert ("input", "council from logs", "logs-plugin") in reg.listing()
    # on its own tables (the csv loader) the pack is itself
    assert indicators.pack_for_input(pack, "csv", registry=reg) == (pack, {})


def test_a_broken_declaration_is_one_clear_message(tmp_path):
    reg = host_with(tmp_path, provided=[{"pack": "council"}])
    assert ["plugin logs-plugin failed while providing inputs (indicators_pack_inputs): TypeError: expected "
            "indicators.PackInput objects, got {'pack': 'council'}"] == [str(f) for f in reg.failures]

    (tmp_path / "none").mkdir()
    reg = host_with(tmp_path / "none", definitions=None)
    pack = indicators.load_pack("council", registry=reg)
    with pytest.raises(indicators.PackError) as caught:
        indicators.evaluate(pack, tmp_path, "2020-01", "2020-02", loader="logs", registry=reg)
    assert 1 == len(caught.value.problems)
    assert str(caught.value.problems[0]).startswith(
        "the 'logs' input of pack 'council' (plugin logs-plugin): its definitions pack ")

    (tmp_path / "kind").mkdir()
    reg = host_with(tmp_path / "kind", DEFINITIONS.replace('title = "Visits in the log"',
                                                           'title = "Visits in the log"\nkind = "mean"\nof = "1"'))
    pack = indicators.load_pack("council", registry=reg)
    with pytest.raises(indicators.PackError, match="indicator 'visits' is a count in the pack but a mean in the "
                                                   "definitions"):
        indicators.evaluate(pack, tmp_path, "2020-01", "2020-02", loader="logs", registry=reg)


# ---------------------------------------------------------------------------------------
# the command line


needs_plugins = pytest.mark.skipif(
    not all(installed(d) for d in ("indicators-annex-a", "indicators-ssda903", "indicators-childrens-social-care")),
    reason="plugins/annex-a, plugins/ssda903 and plugins/childrens-social-care are not installed")


@needs_plugins
@pytest.mark.parametrize("format_", ["json", "html"])
def test_the_command_line_runs_the_pack_on_annex_a_and_names_what_it_skipped(demo, capsys, format_):
    status = main(["evaluate", "childrens-social-care", "--data", str(demo / "annex-a" / "annex-a.xlsx"),
                   "--input", "annex-a", "--from", "2017-01", "--to", "2017-01", "--format", format_, "--quiet"])
    out, err = capsys.readouterr()
    assert 0 == status
    assert ("skipped: indicators.contacts_decided_1wd: Annex A holds no contact decisions (list 1 has no decision "
            "date)\n") in err
    if format_ == "json":
        assert {"contacts", "cin_count", "lac_rate", "adoptions_ytd"} <= {r["indicator"] for r in json.loads(out)}
    else:  # the scorecard's data-quality section names each one left out, and why
        assert "contacts_decided_1wd: not evaluated, Annex A holds no contact decisions" in out


@needs_plugins
def test_validate_and_list_show_the_pack_on_other_inputs(demo, capsys):
    assert 0 == main(["validate", "childrens-social-care", "--data", str(demo / "ssda903"), "--input", "ssda903"])
    err = capsys.readouterr().err
    assert "skipped: indicators.contacts: the SSDA903 return holds children looked after only: no contacts" in err
    assert "skipped: indicators.lac_count" not in err
    assert 0 == main(["list"])
    out = capsys.readouterr().out
    assert "Packs on other inputs:" in out and "childrens-social-care from ssda903" in out


def test_a_pack_with_none_of_its_tables_in_an_extract_names_what_the_extract_holds(demo, capsys):
    """A pack meant for other data, run on an extract: the error lists the extract's own
    tables (the loader read with the pack's names finds none of them)."""
    status = main(["evaluate", "early-help", "--data", str(demo / "ssda903"), "--input", "ssda903",
                   "--from", "2016-10", "--to", "2016-10"])
    err = capsys.readouterr().err
    assert 1 == status
    assert "no table 'eh_contacts' in the data" in err
    assert "tables given: episodes, header" in err
