"""indicators.dask: the same JSON as one machine, on the threaded scheduler and on a
two-worker LocalCluster, for tables split into any partitions; a killed worker's tasks
are retried without changing the result."""

from __future__ import annotations

import datetime
import json
import os
import random
import re
import signal
import sys
import threading
import time

import cloudpickle
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import indicators
from conftest import pack_from
from indicators._cli import main
from strategies import contacts, episodes
from test_memory_budget import PACK as BUDGET_TEXT
from test_properties import MERGE_PACK, PACK

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
indicators_dask = pytest.importorskip("indicators.dask")

# the workers are other processes, which cannot import this test module: ship its
# functions (the slow table of the worker test) by value
cloudpickle.register_pickle_by_value(sys.modules[__name__])

START, END = "2016-03", "2017-05"

DERIVED_TEXT = """
[tables.contacts.columns]
child_id = "int"
received_on = "date"
decided_on = "date"

[tables.contacts.derive]
previous_contact_on = "previous(received_on, by = child_id)"
days_since_previous = "days(previous_contact_on, received_on)"

[indicators.repeat_contacts]
title = "Contacts within 90 days of the child's previous one"
kind = "percentage"
table = "contacts"
date = "received_on"
window = "rolling_3"
numerator = "days_since_previous <= 90"

[indicators.children_contacted]
title = "Children contacted"
table = "contacts"
date = "received_on"
distinct = "child_id"
"""
DERIVED_PACK = pack_from(DERIVED_TEXT)


def frames(contact_rows: dict, episode_rows: dict) -> dict[str, pd.DataFrame]:
    """The strategies' tables as pandas frames, dates as datetime64."""
    contacts_frame = pd.DataFrame(contact_rows)
    for column in ("received_on", "decided_on"):
        contacts_frame[column] = pd.to_datetime(contacts_frame[column])
    episodes_frame = pd.DataFrame(episode_rows)
    for column in ("started_on", "ended_on"):
        episodes_frame[column] = pd.to_datetime(episodes_frame[column])
    return {"contacts": contacts_frame, "episodes": episodes_frame}


def example_rows(seed: int, n_contacts: int = 60, n_episodes: int = 40) -> tuple[dict, dict]:
    """Fixed contacts and episodes like the strategies' (missing values, lags of -2 to 9
    days) for the tests that are not property tests."""
    rng = random.Random(seed)
    first = datetime.date(2015, 10, 1)

    def day():
        return None if rng.random() < 0.1 else first + datetime.timedelta(days=rng.randrange(638))

    received = [day() for _ in range(n_contacts)]
    decided = [None if r is None or rng.random() < 0.1 else r + datetime.timedelta(days=rng.randint(-2, 9))
               for r in received]
    contact_rows = {"child_id": [None if rng.random() < 0.1 else rng.randint(1, 8) for _ in range(n_contacts)],
                    "received_on": received, "decided_on": decided,
                    "outcome": [rng.choice(["nfa", "referral", "early help", None]) for _ in range(n_contacts)]}
    episode_rows = {"child_id": [rng.randint(1, 8) for _ in range(n_episodes)],
                    "started_on": [day() for _ in range(n_episodes)], "ended_on": [day() for _ in range(n_episodes)]}
    return contact_rows, episode_rows


def with_repeats(table: pd.DataFrame, rng: random.Random) -> pd.DataFrame:
    """The table with some rows again (duplicates the engine notes), rows in random order."""
    if len(table):
        table = pd.concat([table, table.sample(n=rng.randrange(len(table) + 1), random_state=rng.randrange(99))])
    return table.sample(frac=1, random_state=rng.randrange(99)).reset_index(drop=True)


def as_dask(tables: dict[str, pd.DataFrame], rng: random.Random) -> dict:
    return {name: dd.from_pandas(frame, npartitions=rng.randint(1, 4), sort=False) for name, frame in tables.items()}


def local(pack, tables) -> str:
    return indicators.evaluate(pack, tables, START, END).to_json()


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=":0",
                                  silence_logs=50) as cluster, distributed.Client(cluster) as dask_client:
        yield dask_client


# ---------------------------------------------------------------------------------------
# which key each table is grouped by


def test_lookups_group_both_tables_by_their_key_and_tables_without_one_by_whole_rows():
    assert indicators_dask.partition_keys(PACK) == {"contacts": "child_id", "episodes": "child_id"}
    assert indicators_dask.partition_keys(MERGE_PACK) == {"contacts": None, "episodes": None}
    assert indicators_dask.partition_keys(DERIVED_PACK) == {"contacts": "child_id"}


def test_a_table_needing_two_keys_is_refused_naming_both():
    pack = pack_from("""
    [tables.contacts.derive]
    previous_contact_on = "previous(received_on, by = worker_id)"

    [indicators.open_with_contact]
    title = "Open episodes with a contact"
    kind = "percentage"
    table = "episodes"
    window = "snapshot"
    start = "started_on"
    end = "ended_on"
    numerator = "contacts_ytd >= 1"

    [indicators.open_with_contact.lookups]
    contacts_ytd = { table = "contacts", key = "child_id", date = "received_on", window = "ytd", aggregate = "count" }
    """)
    with pytest.raises(indicators.DataError, match=r"table 'contacts' needs its rows grouped by two different keys, "
                                                   r"which one partitioning cannot do: 'child_id' \(lookup contacts_ytd key\); 'worker_id'"):
        indicators_dask.partition_keys(pack)


# ---------------------------------------------------------------------------------------
# the threaded scheduler


@pytest.mark.parametrize("pack", [PACK, MERGE_PACK], ids=["lookups", "no-keys"])
@given(contacts(max_rows=60), episodes(max_rows=40), st.integers(1, 6), st.integers(0, 10**6))
@settings(max_examples=25)
def test_random_partitions_on_the_threaded_scheduler_give_the_local_json(pack, contact_rows, episode_rows,
                                                                         n_partitions, seed):
    rng = random.Random(seed)
    tables = {name: with_repeats(frame, rng) for name, frame in frames(contact_rows, episode_rows).items()}
    got = indicators_dask.evaluate(pack, as_dask(tables, rng), START, END, npartitions=n_partitions)
    expected = indicators.evaluate(pack, tables, START, END)
    assert got.to_json() == expected.to_json()
    assert got.warnings == expected.warnings  # months of the run outside the data's dates


def test_derived_previous_by_key_sees_each_childs_earlier_rows_in_other_input_partitions():
    rng = random.Random(7)
    days = pd.to_datetime("2016-01-01") + pd.to_timedelta([rng.randrange(500) for _ in range(300)], unit="D")
    table = pd.DataFrame({"child_id": [rng.randrange(40) for _ in range(300)], "received_on": days,
                          "decided_on": days})
    expected = local(DERIVED_PACK, {"contacts": table})
    result = indicators_dask.evaluate(DERIVED_PACK, {"contacts": dd.from_pandas(table, npartitions=7, sort=False)},
                                      START, END, npartitions=5)
    assert result.to_json() == expected
    assert any(r.numerator for r in result if r.indicator == "repeat_contacts")


def write_partitions(tables: dict[str, pd.DataFrame], folder, fmt: str, n: int = 3) -> None:
    for name, frame in tables.items():
        (folder / name).mkdir(parents=True)
        for i in range(n):
            chunk = frame.iloc[i::n]
            if fmt == "parquet":
                chunk.to_parquet(folder / name / f"part-{i}.parquet", index=False)
            else:
                chunk.to_csv(folder / name / f"part-{i}.csv", index=False, date_format="%Y-%m-%d")


def test_a_folder_of_csv_partitions_per_table_gives_what_the_csv_loader_gives_for_the_whole_files(tmp_path):
    tables = frames(*example_rows(5))
    write_partitions(tables, tmp_path / "parts", "csv")
    (tmp_path / "whole").mkdir()
    for name in tables:
        pieces = sorted((tmp_path / "parts" / name).iterdir())
        lines = [pieces[0].read_text().splitlines()[0]]
        for piece in pieces:
            lines.extend(piece.read_text().splitlines()[1:])
        (tmp_path / "whole" / f"{name}.csv").write_text("\n".join(lines) + "\n")
    expected = indicators.evaluate(PACK, tmp_path / "whole", START, END).to_json()
    assert indicators_dask.evaluate(PACK, tmp_path / "parts", START, END, npartitions=2).to_json() == expected
    # the folder one machine reads (one CSV file per table) runs as it is, each file split
    # into blocks by Dask
    assert indicators_dask.evaluate(PACK, tmp_path / "whole", START, END, npartitions=2).to_json() == expected


def test_a_table_given_as_a_file_and_as_a_folder_is_refused_naming_both(tmp_path):
    (tmp_path / "contacts").mkdir()
    (tmp_path / "contacts" / "part-0.csv").write_text("child_id\n1\n")
    (tmp_path / "contacts.csv").write_text("child_id\n2\n")
    with pytest.raises(indicators.DataError, match="'contacts' is given twice: contacts and contacts.csv"):
        indicators_dask.evaluate(PACK, tmp_path, START, END)


def test_a_folder_of_parquet_partitions_per_table(tmp_path):
    pytest.importorskip("pyarrow")
    tables = frames(*example_rows(5))
    write_partitions(tables, tmp_path, "parquet")
    whole = {name: pd.concat([pd.read_parquet(p) for p in sorted((tmp_path / name).iterdir())], ignore_index=True)
             for name in tables}
    assert indicators_dask.evaluate(PACK, tmp_path, START, END, npartitions=2).to_json() == local(PACK, whole)


def test_months_outside_the_datas_dates_are_warned_of_as_on_one_machine():
    tables = frames(*example_rows(4))
    dask_tables = {name: dd.from_pandas(frame, npartitions=3, sort=False) for name, frame in tables.items()}
    got = indicators_dask.evaluate(PACK, dask_tables, "2015-01", "2018-06", npartitions=4)
    expected = indicators.evaluate(PACK, tables, "2015-01", "2018-06")
    assert got.warnings == expected.warnings
    assert any("lie before" in w and "lie after" in w for w in got.warnings)
    assert got.to_json() == expected.to_json()


def test_commentary_on_an_indicator_the_run_lacks_is_warned_of_as_on_one_machine(tmp_path):
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "part-0.csv").write_text("d\n2017-01-02\n")
    (tmp_path / "commentary.toml").write_text('[commentary.m]\n"2017-01" = "On a misspelt id."\n')
    pack = indicators.loads_pack('[indicators.n]\ntitle = "N"\ntable = "t"\ndate = "d"\n')
    results = indicators_dask.evaluate(pack, tmp_path, "2017-01", "2017-01")
    assert results.framing.commentary
    assert [f"{tmp_path / 'commentary.toml'}: commentary on 'm', which is not an indicator of this run"] == \
        results.warnings


def test_the_command_line_checks_commentary_against_every_packs_indicators(tmp_path, capsys):
    (tmp_path / "data" / "t").mkdir(parents=True)
    (tmp_path / "data" / "t" / "part-0.csv").write_text("d\n2017-01-02\n")
    (tmp_path / "data" / "commentary.toml").write_text('[commentary.m]\n"2017-01" = "Of the other pack."\n'
                                                      '[commentary.zz]\n"2017-01" = "Of none."\n')
    for name, ident in (("one", "n"), ("two", "m")):
        (tmp_path / f"{name}.toml").write_text(f'[indicators.{ident}]\ntitle = "N"\ntable = "t"\ndate = "d"\n')
    status = main(["evaluate", str(tmp_path / "one.toml"), str(tmp_path / "two.toml"), "--data",
                   str(tmp_path / "data"), "--from", "2017-01", "--to", "2017-01", "--workers", "1", "--format",
                   "json", "--quiet"])
    err = capsys.readouterr().err
    assert status == 0
    assert [line for line in err.splitlines() if line.startswith("warning:")] == [
        f"warning: {tmp_path / 'data' / 'commentary.toml'}: commentary on 'zz', which is not an indicator of this run"]


def test_a_table_the_data_lacks_is_named():
    with pytest.raises(indicators.DataError, match="no table 'episodes' in the data; tables given: contacts"):
        indicators_dask.evaluate(PACK, {"contacts": pd.DataFrame({"child_id": [1]})}, START, END)


# ---------------------------------------------------------------------------------------
# a two-worker LocalCluster


@given(contacts(max_rows=60), episodes(max_rows=40), st.integers(1, 6), st.integers(0, 10**6))
@settings(max_examples=8)
def test_random_partitions_on_a_local_cluster_give_the_local_json(client, contact_rows, episode_rows, n_partitions,
                                                                  seed):
    rng = random.Random(seed)
    tables = {name: with_repeats(frame, rng) for name, frame in frames(contact_rows, episode_rows).items()}
    for pack in (PACK, MERGE_PACK):
        got = indicators_dask.evaluate(pack, as_dask(tables, rng), START, END, client=client,
                                       npartitions=n_partitions).to_json()
        assert got == local(pack, tables)


def slow_piece(frame: pd.DataFrame, seconds: float) -> pd.DataFrame:
    time.sleep(seconds)
    return frame


def test_a_worker_killed_mid_run_is_retried_and_the_result_is_unchanged(client):
    rng = random.Random(11)
    tables = {name: with_repeats(frame, rng) for name, frame in
              frames(*example_rows(11)).items()}
    expected = local(PACK, tables)
    # every input partition takes a while to read, so that both workers are busy when one dies
    slow = {name: dd.from_delayed([dask.delayed(slow_piece)(frame.iloc[i::4], 0.4) for i in range(4)],
                                  meta=frame.iloc[:0]) for name, frame in tables.items()}
    pids = client.run(os.getpid)  # worker address to process id
    outcome = {}

    def run():
        outcome["json"] = indicators_dask.evaluate(PACK, slow, START, END, client=client, npartitions=4).to_json()

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.time() + 30
    while time.time() < deadline and not any(client.processing().values()):
        time.sleep(0.05)
    busy = [address for address, tasks in client.processing().items() if tasks]
    assert busy, "no worker was running tasks"
    os.kill(pids[busy[0]], signal.SIGKILL)  # the worker process dies; its nanny starts another
    worker.join(timeout=120)
    assert outcome.get("json") == expected
    client.wait_for_workers(2, timeout=60)
    assert pids[busy[0]] not in client.run(os.getpid).values()


# ---------------------------------------------------------------------------------------
# the command line


def referrals_folders(tmp_path, bad: str | None = None):
    """The derived pack's file, its contacts as three CSV partitions, and as one file."""
    rng = random.Random(5)
    rows = ["child_id,received_on,decided_on"]
    for _ in range(200):
        day = datetime.date(2016, 1, 1) + datetime.timedelta(days=rng.randrange(500))
        rows.append(f"{rng.randrange(30)},{day},{day + datetime.timedelta(days=rng.randrange(4))}")
    if bad:
        rows[77] = bad
    (tmp_path / "pack.toml").write_text(DERIVED_TEXT)
    (tmp_path / "parts" / "contacts").mkdir(parents=True)
    for i in range(3):
        (tmp_path / "parts" / "contacts" / f"part-{i}.csv").write_text("\n".join([rows[0], *rows[1 + i::3]]) + "\n")
    (tmp_path / "whole").mkdir()
    (tmp_path / "whole" / "contacts.csv").write_text("\n".join(rows) + "\n")
    return tmp_path / "pack.toml"


def test_the_command_line_on_a_local_cluster_prints_what_one_machine_prints(tmp_path, capsys):
    pack = str(referrals_folders(tmp_path))
    run = ["evaluate", pack, "--from", START, "--to", END, "--format", "json", "--quiet"]
    assert main(run + ["--data", str(tmp_path / "whole")]) == 0
    expected = capsys.readouterr().out
    assert main(run + ["--data", str(tmp_path / "parts"), "--workers", "2", "--partitions", "3"]) == 0
    assert capsys.readouterr().out == expected


def test_the_command_line_starts_workers_with_the_memory_limit_and_reads_files_in_blocks(tmp_path, capsys,
                                                                                          monkeypatch):
    pack = str(referrals_folders(tmp_path))
    run = ["evaluate", pack, "--from", START, "--to", END, "--format", "json", "--quiet"]
    assert main(run + ["--data", str(tmp_path / "whole")]) == 0
    expected = capsys.readouterr().out
    started, read, limits, reads = indicators_dask.local_cluster, dd.read_csv, [], []

    def local_cluster(n_workers, memory_limit="auto", **kwargs):
        cluster = started(n_workers, memory_limit, **kwargs)
        limits.extend(worker.memory_manager.memory_limit for worker in cluster.workers.values())
        return cluster

    def read_csv(*args, **kwargs):
        reads.append(kwargs["blocksize"])
        return read(*args, **kwargs)

    monkeypatch.setattr(indicators_dask, "local_cluster", local_cluster)
    monkeypatch.setattr(indicators_dask.dd, "read_csv", read_csv)
    assert main(run + ["--data", str(tmp_path / "parts"), "--workers", "2", "--memory-limit", "400MiB",
                       "--block-size", "512"]) == 0
    assert capsys.readouterr().out == expected
    assert limits == [400 * 2**20] * 2 and reads == [512]


@pytest.mark.parametrize("flags, message", [
    (["--workers", "2", "--memory-limit", "lots"], "argument --memory-limit: expected a size such as 4GiB"),
    (["--workers", "2", "--block-size", "2 pages"], "argument --block-size: expected a size such as 4GiB"),
    (["--scheduler", "tcp://127.0.0.1:1", "--memory-limit", "1GiB"], "--memory-limit applies to the workers"),
    (["--memory-limit", "1GiB", "--partitions", "3"], "--partitions, --memory-limit apply only with --workers"),
])
def test_cluster_options_given_wrongly_are_one_clear_message(tmp_path, capsys, flags, message):
    pack = str(referrals_folders(tmp_path))
    try:
        status = main(["evaluate", pack, "--from", START, "--to", END, "--data", str(tmp_path / "parts"), *flags])
    except SystemExit as exc:  # argparse's own message for a value it cannot read
        status = exc.code
    err = capsys.readouterr().err
    assert status == 2
    assert message in err and "Traceback" not in err


def test_parquet_files_are_read_in_pieces_of_whole_row_groups_up_to_the_block_size(tmp_path):
    pytest.importorskip("pyarrow")
    contacts = wide_contacts(0, 4000)
    (tmp_path / "contacts").mkdir()
    for i in range(2):
        contacts.iloc[i::2].to_parquet(tmp_path / "contacts" / f"part-{i}.parquet", index=False, row_group_size=500)
    expected = local(DERIVED_PACK, {"contacts": pd.concat([contacts.iloc[0::2], contacts.iloc[1::2]],
                                                          ignore_index=True)})
    frames = {size: indicators_dask._as_dask("contacts", tmp_path / "contacts", size) for size in (None, 1, 2**30)}
    assert [frames[size].npartitions for size in (None, 1, 2**30)] == [2, 8, 2]  # one row group, or one file, each
    assert indicators_dask.evaluate(DERIVED_PACK, tmp_path, START, END, blocksize=1).to_json() == expected


def test_dask_counts_a_partials_arrays_so_that_workers_can_spill_partials_waiting_to_merge():
    import pickle

    from dask.sizeof import sizeof

    partials = [indicators.evaluate_partial(DERIVED_PACK, {"contacts": wide_contacts(0, n, width=0)}, START, END)
                for n in (100, 20_000)]  # distinct children: each partial keeps them
    sizes = [sizeof((partial, {})) for partial in partials]
    assert sizes[1] > 10 * sizes[0]
    assert 0.5 < sizes[1] / len(pickle.dumps(partials[1])) < 2


def test_a_restarted_worker_still_does_not_pause_for_memory():
    """A paused worker whose memory is its running task's own waits for ever: the workers
    local_cluster starts never pause, also after a restart."""
    def pause(dask_worker):
        return dask_worker.memory_manager.memory_pause_fraction

    with indicators_dask.local_cluster(1, "1GiB", silence_logs=50) as cluster, distributed.Client(cluster) as client:
        assert list(client.run(pause).values()) == [False]
        client.restart()
        assert list(client.run(pause).values()) == [False]


def test_bad_data_read_on_a_worker_is_one_clear_message(tmp_path, capsys):
    pack = str(referrals_folders(tmp_path, bad="4,2016-13-45,2016-02-01"))
    status = main(["evaluate", pack, "--from", START, "--to", END, "--strict", "--data", str(tmp_path / "parts"),
                   "--workers", "1"])
    err = capsys.readouterr().err
    assert status == 1
    assert "error:" in err and "2016-13-45" in err and "received_on" in err
    assert re.search(r"row numbers count within partition [123] of 3, ", err)
    assert "Traceback" not in err and "internal error" not in err


def test_without_the_dask_extra_the_command_line_says_which_extra(tmp_path, capsys, monkeypatch):
    pack = str(referrals_folders(tmp_path))
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed now fails
    status = main(["evaluate", pack, "--from", START, "--to", END, "--data", str(tmp_path / "parts"),
                   "--workers", "2"])
    assert status == 2
    assert "pip install 'indicators[dask]'" in capsys.readouterr().err


def test_the_shipped_early_help_pack_on_the_demo_data_gives_the_local_json():
    from indicators.demo import generate

    pack = indicators.load_pack("early-help")
    data = generate(seed=2017, scale=0.3)
    tables = {name: pd.DataFrame(data[name]) for name in pack.tables_used()}
    expected = indicators.evaluate(pack, tables, "2016-02", "2017-01").to_json()
    dask_tables = {name: dd.from_pandas(frame, npartitions=3, sort=False) for name, frame in tables.items()}
    assert indicators_dask.evaluate(pack, dask_tables, "2016-02", "2017-01", npartitions=4).to_json() == expected


def test_the_shipped_childrens_social_care_pack_routes_assessments_beside_their_referrals():
    """Its referrals are grouped by child (previous referral) and look assessments up by
    referral: assessments go to the partition of their referral, and the JSON is one
    machine's."""
    from indicators.demo import generate

    pack = indicators.load_pack("childrens-social-care")
    assert indicators_dask.partition_keys(pack)["assessments"] == indicators_dask.Route(
        "referrals", "referral_id", "referral_id", "assessments_started")
    data = generate(seed=2017, scale=0.3)
    tables = {name: pd.DataFrame(data[name]) for name in pack.tables_used()}
    expected = indicators.evaluate(pack, tables, "2016-02", "2017-01").to_json()
    dask_tables = {name: dd.from_pandas(frame, npartitions=3, sort=False) for name, frame in tables.items()}
    assert indicators_dask.evaluate(pack, dask_tables, "2016-02", "2017-01", npartitions=4).to_json() == expected


ROUTED_TEXT = """
[tables.referrals.derive]
previous_referral_on = "previous(referred_on, by = child_id)"

[indicators.assessed_re_referrals]
title = "Re-referrals with an assessment"
kind = "percentage"
table = "referrals"
date = "referred_on"
where = "previous_referral_on is not missing"
numerator = "assessments >= 1"

[indicators.assessed_re_referrals.lookups]
assessments = { table = "assessments", key = "referral_id", on = "referral_id", date = "started_on", window = "rolling_12", aggregate = "count" }
"""


@given(st.lists(st.tuples(st.integers(1, 12), st.integers(0, 400), st.integers(0, 6)), max_size=40),
       st.lists(st.tuples(st.one_of(st.none(), st.integers(0, 6)), st.integers(0, 400)), max_size=30),
       st.integers(1, 5), st.integers(0, 10**6))
@settings(max_examples=25)
def test_routed_lookups_on_random_data_give_the_local_json(referrals, assessments, n_partitions, seed):
    """Referral ids are the child's own (child * 10 + k), as a referral belongs to one child."""
    rng = random.Random(seed)
    day = pd.Timestamp("2016-01-01")
    tables = {"referrals": pd.DataFrame({"child_id": [c for c, _, _ in referrals],
                                         "referred_on": [day + pd.Timedelta(days=d) for _, d, _ in referrals],
                                         "referral_id": [c * 10 + k for c, _, k in referrals]},
                                        columns=["child_id", "referred_on", "referral_id"]),
              "assessments": pd.DataFrame({"referral_id": [None if k is None else (1 + k % 12) * 10 + k % 7
                                                           for k, _ in assessments],
                                           "started_on": [day + pd.Timedelta(days=d) for _, d in assessments]},
                                          columns=["referral_id", "started_on"])}
    tables["referrals"]["referred_on"] = pd.to_datetime(tables["referrals"]["referred_on"])
    tables["assessments"]["started_on"] = pd.to_datetime(tables["assessments"]["started_on"])
    pack = pack_from(ROUTED_TEXT)
    got = indicators_dask.evaluate(pack, as_dask(tables, rng), START, END, npartitions=n_partitions).to_json()
    assert got == local(pack, tables)


def test_a_referral_id_shared_by_two_children_cannot_be_routed_and_says_so():
    pack = pack_from(ROUTED_TEXT)
    tables = {"referrals": pd.DataFrame({"child_id": list(range(1, 11)), "referral_id": ["R1"] * 10,
                                         "referred_on": pd.to_datetime(["2016-04-01"] * 10)}),
              "assessments": pd.DataFrame({"referral_id": ["R1"], "started_on": pd.to_datetime(["2016-04-02"])})}
    with pytest.raises(indicators.DataError, match=r"table 'referrals': the rows with referral_id = 'R1' have "
                                                   r"different child_id, so no one partition holds them all "
                                                   r"beside the 'assessments' rows that lookup assessments reads"):
        indicators_dask.evaluate(pack, tables, START, END, npartitions=4)


# ---------------------------------------------------------------------------------------
# an indicator that fails on a worker fails alone, as on one machine



def placements_of(n: int, seed: int = 3) -> dict[str, pd.DataFrame]:
    """n children over 40 years, each with an episode and a few placements."""
    rng = random.Random(seed)
    first = datetime.date(1990, 1, 1)
    started = [first + datetime.timedelta(days=rng.randrange(14_600)) for _ in range(n)]
    episodes = pd.DataFrame({"child_id": range(n), "started_on": pd.to_datetime(started),
                             "ended_on": pd.to_datetime([d + datetime.timedelta(days=rng.randrange(900))
                                                         if rng.random() < 0.7 else None for d in started])})
    owners = [rng.randrange(n) for _ in range(3 * n)]
    placements = pd.DataFrame({"child_id": owners, "started_on": pd.to_datetime(
        [started[c] + datetime.timedelta(days=rng.randrange(400)) for c in owners])})
    return {"episodes": episodes, "placements": placements}


def test_the_memory_budget_reaches_the_workers_which_fail_only_the_indicator_over_it(client):
    """A grid of a partition's keys by 493 months is over a budget of 1 MiB: the lookup's
    indicator fails, named as on one machine; the other is complete, and the JSON is one
    machine's under the same budget."""
    pack = pack_from(BUDGET_TEXT)
    tables = placements_of(2_000)
    dask_tables = {name: dd.from_pandas(frame, npartitions=2, sort=False) for name, frame in tables.items()}
    local_run = indicators.evaluate(pack, tables, "1990-01", "2030-12", memory_budget=2**20)
    got = indicators_dask.evaluate(pack, dask_tables, "1990-01", "2030-12", client=client, npartitions=3,
                                   memory_budget=2**20)
    (failure,) = got.failures
    assert failure.startswith("indicators.three_placements: lookup 'placements_12m' (a grid of ")
    assert "keys of placements.child_id by 493 months) would take about" in failure
    assert "over the memory budget of 1.0 MiB" in failure and "--memory-budget" in failure
    assert [f.split(":")[0] for f in local_run.failures] == ["indicators.three_placements"]
    assert got.to_json() == local_run.to_json()
    assert sum(r.numerator for r in got if r.indicator == "starts") > 0
    unlimited = indicators_dask.evaluate(pack, dask_tables, "1990-01", "2030-12", client=client, npartitions=3,
                                         memory_budget=None)
    assert unlimited.failures == []
    assert unlimited.to_json() == indicators.evaluate(pack, tables, "1990-01", "2030-12", memory_budget=None).to_json()


def test_the_command_line_passes_the_memory_budget_to_the_workers(tmp_path, capsys):
    (tmp_path / "pack.toml").write_text(BUDGET_TEXT)
    for name, frame in placements_of(300).items():
        (tmp_path / "parts" / name).mkdir(parents=True)
        for i in range(2):
            frame.iloc[i::2].to_csv(tmp_path / "parts" / name / f"part-{i}.csv", index=False, date_format="%Y-%m-%d")
    run = ["evaluate", str(tmp_path / "pack.toml"), "--data", str(tmp_path / "parts"), "--from", "2010-01",
           "--to", "2010-12", "--format", "json", "--workers", "2"]
    assert main(run + ["--memory-budget", "1KiB"]) == 1
    captured = capsys.readouterr()
    assert "error: indicators.three_placements: lookup 'placements_12m'" in captured.err
    assert "over the memory budget of 1.0 KiB" in captured.err and "Traceback" not in captured.err
    assert 12 == len([r for r in json.loads(captured.out) if r["indicator"] == "starts"])
    assert main(run) == 0
    assert "error:" not in capsys.readouterr().err


def refuse_big_ids(ids):
    if (ids > 40).any():
        raise ValueError("no child ids over 40 today")
    return ids


class RefusingPlugin:
    """A function plugin that raises on some rows (workers get it by value, as this module's)."""

    @indicators.hookimpl
    def indicators_functions(self):
        return [indicators.Function("refuse_big", ("int",), "int", refuse_big_ids)]


FAILING_TEXT = """
[tables.contacts.columns]
child_id = "int"

[tables.contacts.derive]
checked_id = "refuse_big(child_id)"

[indicators.checked]
title = "Contacts of checked children"
table = "contacts"
date = "received_on"
where = "checked_id > 0"

[indicators.children_contacted]
title = "Children contacted"
table = "contacts"
date = "received_on"
distinct = "child_id"
"""


@pytest.fixture()
def refusing(client):
    """The refusing plugin registered here and on every worker, for one test."""
    import indicators.plugins

    client.wait_for_workers(2, timeout=60)
    indicators.plugins.register(RefusingPlugin(), "refusing")
    client.run(indicators.plugins.register, RefusingPlugin(), "refusing")
    try:
        yield
    finally:
        indicators.plugins.unregister("refusing")
        client.run(indicators.plugins.unregister, "refusing")


@pytest.mark.parametrize("on", ["cluster", "threads"])
def test_a_failing_plugin_function_fails_only_the_indicators_that_use_it(client, refusing, on):
    """Child ids up to 80: every partition holds some over 40, so each one's call fails;
    the failure is one machine's line and the JSON is one machine's, byte for byte."""
    pack = pack_from(FAILING_TEXT)
    rng = random.Random(21)
    contact_rows, episode_rows = example_rows(21, n_contacts=200, n_episodes=80)
    contact_rows["child_id"] = [None if c is None else rng.randint(1, 80) for c in contact_rows["child_id"]]
    tables = frames(contact_rows, episode_rows)
    expected = indicators.evaluate(pack, tables, START, END)
    assert expected.failures == ["indicators.checked: refusing: function refuse_big() failed: "
                                 "ValueError: no child ids over 40 today"]
    got = indicators_dask.evaluate(pack, as_dask(tables, rng), START, END, npartitions=3,
                                   client=client if on == "cluster" else None)
    assert got.failures == expected.failures
    assert got.to_json() == expected.to_json()
    assert all(r.numerator is None for r in got if r.indicator == "checked")
    assert any(r.numerator for r in got if r.indicator == "children_contacted")


def test_an_indicator_failed_in_one_partial_is_failed_in_the_merge_whatever_the_order():
    """Only the chunk with big ids fails; merged either way, the indicator is failed with
    its message and the others are the whole table's."""
    import indicators.plugins

    small, big = frames(*example_rows(3)), frames(*example_rows(4))
    for name in big:  # keys apart from the small chunk's, as partials need
        big[name]["child_id"] = big[name]["child_id"] + 60
    indicators.plugins.register(RefusingPlugin(), "refusing")
    try:
        pack = pack_from(FAILING_TEXT)
        parts = [indicators.evaluate_partial(pack, t, START, END, duplicates=True) for t in (small, big)]
        whole = indicators.evaluate(pack, {n: pd.concat([small[n], big[n]], ignore_index=True) for n in small},
                                    START, END)
    finally:
        indicators.plugins.unregister("refusing")
    assert parts[0].failures == {} and list(parts[1].failures) == ["checked"]
    for merged in (parts[0].merge(parts[1]), parts[1].merge(parts[0])):
        results = merged.results(pack)
        assert results.failures == whole.failures != []
        assert results.to_json() == whole.to_json()


def test_a_folder_of_partitions_for_a_pack_that_skips_missing_columns(tmp_path):
    """The shipped childrens-social-care pack skips indicators whose columns the data lacks:
    the check reads each folder's columns (it failed on the folder itself)."""
    pytest.importorskip("pyarrow")
    from indicators.demo import generate

    pack = indicators.load_pack("childrens-social-care")
    assert pack.missing_columns == "skip"
    tables = {name: pd.DataFrame(columns) for name, columns in generate(seed=2017, scale=0.1).items()
              if name in pack.tables_used()}
    tables["contacts"] = tables["contacts"].drop(columns=["outcome"])  # the indicators reading it are skipped
    write_partitions(tables, tmp_path, "parquet")
    whole = {name: pd.concat([pd.read_parquet(p) for p in sorted((tmp_path / name).iterdir())], ignore_index=True)
             for name in tables}
    expected = indicators.evaluate(pack, whole, "2016-02", "2017-01")
    got = indicators_dask.evaluate(pack, tmp_path, "2016-02", "2017-01", npartitions=3)
    assert got.skipped == expected.skipped != {}
    assert got.to_json() == expected.to_json()


# ---------------------------------------------------------------------------------------
# workers with less memory than the data


def wide_contacts(part: int, rows: int, width: int = 8) -> pd.DataFrame:
    """One input partition of contacts: a child's previous contact in other partitions,
    ties on a day, and ``width`` more number columns (the duplicate-row check reads them),
    so that rows take 24 + 8 * width bytes each."""
    import numpy as np

    rng = np.random.default_rng(1000 + part)
    received = np.datetime64("2016-01-01") + rng.integers(0, 500, rows).astype("timedelta64[D]")
    return pd.DataFrame({"child_id": rng.integers(0, rows * 4, rows), "received_on": received.astype("datetime64[ns]"),
                         **{f"x{j}": rng.integers(0, 1000, rows) for j in range(width)},
                         "decided_on": (received + rng.integers(-2, 10, rows).astype("timedelta64[D]"))
                         .astype("datetime64[ns]")})


def worker_peak() -> int:
    """This worker process's peak resident set, bytes (VmHWM: its own, from its start)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))


def spilled(dask_worker) -> int:
    """Bytes this worker has written to its disk so far."""
    return int(dask_worker.data.cumulative_metrics.get(("disk-write", "bytes"), 0))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads a worker's peak from /proc")
def test_parquet_files_larger_than_both_workers_memory_limits_give_the_local_json(tmp_path):
    """More rows on disk (as Parquet files of small row groups) than the two workers'
    memory limits together hold: each worker reads and splits one bounded piece at a
    time, spills what it holds past its limit to its disk, stays under its limit (never
    restarted, its peak resident set below the limit), and the JSON is one machine's."""
    pytest.importorskip("pyarrow")
    pack = pack_from(DERIVED_TEXT.split("[indicators.children_contacted]")[0])
    files, rows, limit = 24, 150_000, 560 * 2**20
    folder = tmp_path / "contacts"
    folder.mkdir()
    size = 0
    for i in range(files):
        part = wide_contacts(i, rows, width=40)
        size += int(part.memory_usage(index=False).sum())
        part.to_parquet(folder / f"part-{i:03d}.parquet", index=False, row_group_size=50_000)
    assert size > 2 * limit
    whole = pd.concat([pd.read_parquet(p) for p in sorted(folder.iterdir())], ignore_index=True)
    expected = local(pack, {"contacts": whole})
    del whole
    with indicators_dask.local_cluster(2, limit, silence_logs=50) as cluster, distributed.Client(cluster) as limited:
        pids = set(limited.run(os.getpid).values())
        got = indicators_dask.evaluate(pack, tmp_path, START, END, client=limited, npartitions=40,
                                       blocksize=32 * 2**20)
        assert set(limited.run(os.getpid).values()) == pids
        assert all(peak < limit for peak in limited.run(worker_peak).values())
        assert sum(limited.run(spilled).values()) > size - 2 * limit
    assert got.to_json() == expected


def test_the_last_partials_come_to_the_client_one_at_a_time():
    """The client fetches the tree's last partials one after another (each released before
    the next is asked for), never all at once: a worker asked for all of its partials
    together unspills and pickles them together, past its memory limit."""
    import dask

    tables = frames(*example_rows(5))
    asked: list[int] = []

    class Future:
        def __init__(self, value, index):
            self.value, self.index = value, index

        def result(self):
            assert asked == list(range(self.index)), "asked out of order"
            asked.append(self.index)
            return dask.compute(self.value, scheduler="sync")[0]

    class Client:
        def compute(self, values):
            return [Future(v, i) for i, v in enumerate(values)]

        def gather(self, *args, **kwargs):
            raise AssertionError("all the partials gathered at once")

    got = indicators_dask.evaluate(PACK, tables, START, END, client=Client(), npartitions=16).to_json()
    assert asked == list(range(8))  # 16 partitions merged once on the workers
    assert got == indicators_dask.evaluate(PACK, tables, START, END, npartitions=16).to_json()
