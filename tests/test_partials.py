"""Partials as values that travel: pickled, merged in any order, refused across packs or runs."""

from __future__ import annotations

import pickle
import random
import subprocess
import sys
import textwrap

import attrs
import numpy as np
import pytest
from hypothesis import given, strategies as st

import indicators
from conftest import pack_from
from indicators._partial import (Counts, DistinctKeys, Extremes, HeldByEach, SortedValues, SumsAndCounts,
                                 pack_fingerprint)
from strategies import contacts, episodes

PACK_TEXT = """
[populations]
children = { 2015 = 1000, 2017 = 1200 }

[indicators.decided_1wd]
title = "Decided within 1 working day"
kind = "percentage"
table = "contacts"
date = "received_on"
window = "ytd"
where = "outcome is not missing"
numerator = "working_days(received_on, decided_on) <= 1"
target = 80

[indicators.children_contacted]
title = "Children contacted per 10,000"
kind = "rate"
table = "contacts"
date = "received_on"
window = "rolling_3"
distinct = "child_id"
denominator = { population = "children" }

[indicators.outcomes_seen]
title = "Different outcomes recorded"
kind = "count"
table = "contacts"
date = "received_on"
window = "rolling_3"
distinct = "outcome"

[indicators.contacts_per_episode]
title = "Contacts per 100 open episodes"
kind = "ratio"
table = "contacts"
date = "received_on"
denominator = { table = "episodes", window = "snapshot", start = "started_on", end = "ended_on" }

[indicators.open_children]
title = "Children with an open episode"
table = "episodes"
window = "snapshot"
start = "started_on"
end = "ended_on"
distinct = "child_id"

[indicators.median_lag]
title = "Median days to decision"
kind = "median"
table = "contacts"
date = "received_on"
of = "days(received_on, decided_on)"

[indicators.mean_lag]
title = "Mean days to decision"
kind = "mean"
table = "contacts"
date = "received_on"
window = "ytd"
of = "days(received_on, decided_on)"

[indicators.total_lag]
title = "Total days to decision"
kind = "sum"
table = "contacts"
date = "received_on"
of = "days(received_on, decided_on)"

[indicators.shortest_lag]
title = "Shortest wait"
kind = "min"
table = "contacts"
date = "received_on"
window = "rolling_12"
of = "days(received_on, decided_on)"

[indicators.longest_lag]
title = "Longest wait"
kind = "max"
table = "contacts"
date = "received_on"
window = "cumulative"
since = "2016-01-01"
of = "days(received_on, decided_on)"
"""

PACK = pack_from(PACK_TEXT)
START, END = "2016-03", "2017-05"


def with_ids(table: dict) -> dict:
    """The table with a row id, so that no row duplicates another (partials leave the
    duplicate-rows note out, since a row's duplicate may sit in another chunk)."""
    n = len(next(iter(table.values())))
    return {**table, "row_id": list(range(n))}


def split(table: dict, n_chunks: int, rng: random.Random) -> list[dict]:
    """Rows dealt at random to ``n_chunks`` chunks (some may be empty)."""
    n = len(next(iter(table.values())))
    owner = [rng.randrange(n_chunks) for _ in range(n)]
    return [{k: [v[i] for i in range(n) if owner[i] == c] for k, v in table.items()} for c in range(n_chunks)]


@given(contacts(), episodes(), st.integers(1, 5), st.integers(0, 10**6))
def test_pickled_partials_of_random_splits_merge_into_exactly_the_evaluated_results(contact_rows, episode_rows,
                                                                                     n_chunks, seed):
    """Rows dealt at random to chunks, each chunk's partial pickled and unpickled, merged in
    a random order: the same JSON, byte for byte, as evaluating the whole tables."""
    rng = random.Random(seed)
    whole = {"contacts": with_ids(contact_rows), "episodes": with_ids(episode_rows)}
    expected = indicators.evaluate(PACK, whole, START, END).to_json()
    contact_chunks = split(whole["contacts"], n_chunks, rng)
    episode_chunks = split(whole["episodes"], n_chunks, rng)
    partials = [pickle.loads(pickle.dumps(indicators.evaluate_partial(PACK, {"contacts": c, "episodes": e},
                                                                      START, END)))
                for c, e in zip(contact_chunks, episode_chunks)]
    rng.shuffle(partials)
    merged = pickle.loads(pickle.dumps(indicators.merge_partials(partials)))
    assert merged.results(PACK).to_json() == expected


def test_distinct_text_keys_merge_by_value_not_by_each_chunks_codes():
    """Text is coded per chunk; two chunks with different outcomes still count each once."""
    day = "2016-04-05"
    first = {"contacts": {"child_id": [1, 2], "received_on": [day, day], "decided_on": [day, day],
                          "outcome": ["nfa", "referral"]}, "episodes": {"child_id": [], "started_on": [], "ended_on": []}}
    second = {"contacts": {"child_id": [3, 4], "received_on": [day, day], "decided_on": [day, day],
                           "outcome": ["early help", "nfa"]}, "episodes": {"child_id": [], "started_on": [], "ended_on": []}}
    merged = indicators.merge_partials([indicators.evaluate_partial(PACK, t, "2016-04", "2016-04")
                                        for t in (first, second)])
    assert merged.results(PACK).get("outcomes_seen", "2016-04").numerator == 3


def test_parts_keep_sums_and_counts_and_only_a_median_keeps_every_value():
    tables = {"contacts": {"child_id": [1, 2, 3], "received_on": ["2016-04-01", "2016-04-04", "2016-04-05"],
                           "decided_on": ["2016-04-02", "2016-04-08", "2016-04-05"], "outcome": ["a", "b", "a"]},
              "episodes": {"child_id": [1], "started_on": ["2016-01-01"], "ended_on": [None]}}
    parts = indicators.evaluate_partial(PACK, tables, "2016-04", "2016-04").parts
    assert isinstance(parts["decided_1wd"].numerator, Counts)
    assert isinstance(parts["children_contacted"].numerator, DistinctKeys)
    assert isinstance(parts["total_lag"].numerator, SumsAndCounts)
    assert isinstance(parts["mean_lag"].numerator, SumsAndCounts)
    assert isinstance(parts["shortest_lag"].numerator, Extremes)
    assert isinstance(parts["longest_lag"].numerator, Extremes)
    assert isinstance(parts["median_lag"].numerator, SortedValues)
    assert parts["total_lag"].numerator.sums[-1] == 1 + 4 + 0
    assert parts["longest_lag"].numerator.values[-1] == 4


def test_the_fingerprint_is_the_packs_content_not_where_or_when_it_was_loaded(tmp_path):
    (tmp_path / "elsewhere").mkdir()  # a pack without [pack] is named after its file: keep the name
    (tmp_path / "elsewhere" / "test.toml").write_text(textwrap.dedent(PACK_TEXT))
    again = indicators.load_pack(tmp_path / "elsewhere" / "test.toml")
    assert pack_fingerprint(again) == pack_fingerprint(PACK)
    changed = pack_from(PACK_TEXT.replace("<= 1", "<= 2"))
    assert pack_fingerprint(changed) != pack_fingerprint(PACK)
    assert pack_fingerprint(pack_from(PACK_TEXT.replace("target = 80", "target = 85"))) != pack_fingerprint(PACK)
    assert pickle.loads(pickle.dumps(again)).fingerprint == PACK.fingerprint  # a value, kept with no memo of ids
    assert attrs.evolve(PACK, title="Another").fingerprint != PACK.fingerprint


def _small_tables() -> dict:
    return {"contacts": {"child_id": [1], "received_on": ["2016-04-01"], "decided_on": ["2016-04-02"],
                         "outcome": ["a"]},
            "episodes": {"child_id": [1], "started_on": ["2016-01-01"], "ended_on": [None]}}


def test_partials_of_different_packs_or_runs_do_not_merge():
    mine = indicators.evaluate_partial(PACK, _small_tables(), "2016-04", "2016-06")
    other_pack = pack_from(PACK_TEXT.replace("<= 1", "<= 2"))
    theirs = indicators.evaluate_partial(other_pack, _small_tables(), "2016-04", "2016-06")
    with pytest.raises(indicators.DataError, match="different packs"):
        indicators.merge_partials([mine, theirs])
    other_run = indicators.evaluate_partial(PACK, _small_tables(), "2016-04", "2016-07")
    with pytest.raises(indicators.DataError, match=r"different runs \(2016-04\.\.2016-06 and 2016-04\.\.2016-07\)"):
        mine.merge(other_run)
    with pytest.raises(indicators.DataError, match="another pack"):
        mine.results(other_pack)


def test_a_partial_computed_in_another_process_merges_with_ours(tmp_path):
    """The pack loaded from its text in a fresh interpreter has the same fingerprint, so
    the partials it computes merge with ours exactly."""
    (tmp_path / "test.toml").write_text(textwrap.dedent(PACK_TEXT))
    tables = _small_tables()
    code = textwrap.dedent(f"""
        import pickle, sys
        import indicators
        pack = indicators.load_pack({str(tmp_path / "test.toml")!r})
        tables = {tables!r}
        partial = indicators.evaluate_partial(pack, tables, "2016-04", "2016-06")
        sys.stdout.buffer.write(pickle.dumps(partial))
    """)
    theirs = pickle.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True).stdout)
    mine = indicators.evaluate_partial(PACK, tables, "2016-04", "2016-06")
    doubled = {name: {column: values * 2 for column, values in table.items()} for name, table in tables.items()}
    expected = indicators.evaluate_partial(PACK, doubled, "2016-04", "2016-06").results(PACK).to_json()
    assert mine.merge(theirs).results(PACK).to_json() == expected


@given(st.lists(st.tuples(st.one_of(st.integers(0, 4), st.sampled_from(["w1", "w10", "w2", "é", ""])),
                          st.integers(0, 3)), max_size=30), st.integers(0, 30), st.booleans())
def test_held_by_each_merges_like_counting_the_pairs(pairs, split, text):
    """Merging two chunks' (value, member) pairs keeps each distinct pair once, in order
    (text values held as Python strings included); counts per value add."""
    pairs = [(str(k) if text else (k if isinstance(k, int) else len(k)), m) for k, m in pairs]
    key_type = object if text else np.int64

    def part(chunk, distinct):
        keys = np.array([k for k, _ in chunk], dtype=key_type)
        members = np.array([m for _, m in chunk], dtype=np.int64) if distinct else np.ones(len(chunk), np.int64)
        return HeldByEach("max", distinct, (keys,), (members,))

    a, b = pairs[:split], pairs[split:]
    merged = part(a, True).merge(part(b, True))
    assert sorted(set(pairs)) == list(zip(merged.keys[0].tolist(), merged.members[0].tolist()))
    counted = part(a, False).merge(part(b, False))
    expected = {k: sum(1 for key, _ in pairs if key == k) for k, _ in pairs}
    assert sorted(expected.items()) == list(zip(counted.keys[0].tolist(), counted.members[0].tolist()))
def _held_by_python(keys, members):
    pairs = sorted(set(zip(keys.tolist(), members.tolist())))
    return [k for k, _ in pairs], [m for _, m in pairs]


@pytest.mark.parametrize("kind", ["int", "text", "object text", "float", "text with NUL"])
def test_merging_distinct_members_sorts_as_python(kind):
    """The merge of distinct (value, member) pairs: each pair once, by value then member,
    as sorting Python's pairs gives, whatever the arrays hold."""
    import numpy as np

    from indicators._partial import _held, _unite

    rng = np.random.default_rng(7)
    raw = rng.integers(0, 40, 2000)
    keys = {"int": raw, "text": raw.astype(str), "object text": np.char.add("SW", raw.astype(str)).astype(object),
            "float": np.where(raw == 3, 2.5, raw.astype(float)),
            "text with NUL": np.array([f"w{v}" + "\0" * (v % 2) for v in raw.tolist()], dtype=object)}[kind]
    members = rng.integers(0, 30, 2000)
    got_keys, got_members = _held(keys, members, True)
    want_keys, want_members = _held_by_python(keys, members)
    assert got_keys.dtype == keys.dtype and got_members.dtype == members.dtype
    assert got_keys.tolist() == want_keys and got_members.tolist() == want_members
    if kind != "text with NUL":
        a, b = np.unique(keys[:1200]), np.unique(keys[800:])
        assert _unite(a, b).tolist() == sorted(set(keys.tolist()))
