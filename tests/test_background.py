"""Work beside an evaluation: the duplicate-row notes of large tables, begun in another
thread when the run starts, give the evaluation exactly what it would have found itself."""

from __future__ import annotations

import contextlib
import datetime
import textwrap
import threading
import time
import types
from typing import Iterator

import numpy as np
import pytest

import indicators
import indicators._run
from indicators import _background
from indicators._arrays import BESIDE_BLOCK_FACTOR, CHUNK_ROWS, block_rows
from indicators._background import Background
from indicators._work import ColumnValues, Derived, DuplicateRows, LookupGrid, Shared


def test_a_begun_job_gives_its_value_and_its_exception_to_the_caller():
    started = threading.Event()
    release = threading.Event()

    def slow():
        started.set()
        release.wait(10)
        return 42

    def failing():
        raise MemoryError("too big")

    background = Background([("slow", slow), ("failing", failing)])
    assert started.wait(10)
    release.set()
    assert 42 == background.result("slow", lambda: pytest.fail("the caller must not redo a begun job"))
    with pytest.raises(MemoryError, match="too big"):
        background.result("failing", lambda: None)


def test_a_job_not_begun_is_done_by_the_caller_and_never_beside():
    started = threading.Event()
    release = threading.Event()
    ran_beside = []

    def blocking():
        started.set()
        release.wait(10)
        return "first"

    background = Background([("first", blocking), ("second", lambda: ran_beside.append(True))])
    assert started.wait(10)
    assert not background.done(["second"])
    assert "mine" == background.result("second", lambda: "mine")  # queued behind "first": not waited for
    assert background.done(["second"]) and not background.done(["first", "second"])  # asked for: done here
    release.set()
    assert "first" == background.result("first", lambda: None)
    assert background.done(["first", "second"])
    background.close()
    assert [] == ran_beside


def test_jobs_taken_over_run_in_the_callers_thread_in_its_order_and_give_their_outcome():
    """A caller with nothing else to do takes over the queued jobs it will ask for, in its
    order, while the job under way beside it goes on; a job taken over that fails gives its
    exception at the ask, as one done beside does, and jobs not named stay queued."""
    started, release = threading.Event(), threading.Event()
    threads: dict[str, str] = {}

    def job(name, value):
        def run():
            threads[name] = threading.current_thread().name
            if name == "first":
                started.set()
                release.wait(10)
            if value is None:
                raise ValueError(name)
            return value
        return run

    background = Background([("first", job("first", 1)), ("small", job("small", 2)), ("large", job("large", 3)),
                             ("failing", job("failing", None)), ("unasked", job("unasked", 5))])
    assert started.wait(10)
    background.take_over(["large", "failing", "first", "small"])
    release.set()
    me = threading.current_thread().name
    assert [me, me, me] == [threads["large"], threads["failing"], threads["small"]]
    assert list(threads) == ["first", "large", "failing", "small"]  # the order asked, "first" being under way
    assert (1, 2, 3) == tuple(background.result(key, lambda: pytest.fail("done already")) for key in ("first", "small", "large"))
    with pytest.raises(ValueError, match="failing"):
        background.result("failing", lambda: None)
    background.close()
    assert threads.get("unasked", me) != me  # left to the thread beside (or dropped at close)


def test_an_interrupt_in_a_job_taken_over_stops_the_caller_at_once():
    """Ctrl-C (or SystemExit) while the caller works out a job it took over reaches it at
    once, not at the next ask, and no later job is begun in its thread."""
    ran = []

    def interrupted():
        raise KeyboardInterrupt

    background = Background([])  # nothing beside: every job is the caller's to take
    background._waiting.update({"a": interrupted, "b": lambda: ran.append("b")})
    with pytest.raises(KeyboardInterrupt):
        background.take_over(["a", "b"])
    assert [] == ran
    background.close()


def test_a_key_never_queued_is_computed_by_the_caller():
    assert 7 == Background([]).result("anything", lambda: 7)


def test_jobs_dropped_are_not_begun_and_their_values_let_go():
    release = threading.Event()
    background = Background([("first", lambda: release.wait(10) and "first"), ("second", lambda: "second"),
                             ("third", lambda: "third")])
    background.drop(["second"])  # waiting: never begun
    release.set()
    assert "first" == background.result("first", lambda: None)
    background.close()
    assert "mine" == background.result("second", lambda: "mine")
    background = Background([("done", lambda: "done")])
    background.close()  # done beside the run
    background.drop(["done"])
    assert "again" == background.result("done", lambda: "again")


def test_the_work_store_computes_a_key_once_when_two_threads_ask():
    store = Shared()
    store.share_between_threads()
    computing, asked = threading.Event(), threading.Event()
    calls, got = [], []

    def compute():
        calls.append(threading.current_thread().name)
        computing.set()
        asked.wait(10)  # the other thread asks meanwhile
        time.sleep(0.05)
        return "value"

    other = threading.Thread(target=lambda: got.append(store.get(ColumnValues("x"), compute)), name="other")
    other.start()
    assert computing.wait(10)
    asked.set()
    got.append(store.get(ColumnValues("x"), lambda: pytest.fail("computed twice")))
    other.join(10)
    assert ["value", "value"] == got and ["other"] == calls


def test_the_work_store_lets_its_own_thread_ask_for_a_key_inside_its_computation():
    """An expression's value is stored under its text, and so is its outer call's."""
    for shared in (False, True):
        store = Shared()
        if shared:
            store.share_between_threads()
        key = ColumnValues("x")
        assert 2 == store.get(key, lambda: store.get(key, lambda: 1) + 1)
        assert 2 == store.get(key, lambda: pytest.fail("kept"))


@pytest.mark.parametrize("shared", [False, True])
def test_the_work_store_reads_its_keys_as_they_were_and_keeps_nothing_once_closed(shared):
    store = Shared()
    if shared:
        store.share_between_threads()
    store.get(ColumnValues("x"), lambda: 1)
    items = store.items()
    store.get(ColumnValues("y"), lambda: 2)  # another thread's work, say, while the first is read
    assert [ColumnValues("x")] == [key for key, _ in items]
    store.close()
    assert 3 == store.get(ColumnValues("z"), lambda: 3)
    store.offer(ColumnValues("w"), 4)
    assert [] == list(store)


PACK = textwrap.dedent("""
    [tables.contacts]
    columns = { child_id = "int", received_on = "date", decided_on = "date", outcome = "str" }

    [tables.referrals.derive]
    previous_referral_on = "previous(referred_on, by = child_id)"

    [indicators.contacts]
    title = "Contacts decided within a working day"
    kind = "percentage"
    table = "contacts"
    date = "received_on"
    numerator = "working_days(received_on, decided_on) <= 1"
    polarity = "higher_is_better"

    [indicators.referred]
    title = "Contacts referred"
    kind = "count"
    table = "contacts"
    date = "received_on"
    where = "outcome == 'referral'"

    [indicators.known]
    title = "Contacts of children referred more than once in the year before"
    kind = "percentage"
    table = "contacts"
    date = "received_on"
    numerator = "referrals_12m > rereferrals_12m"
    polarity = "higher_is_better"

    [indicators.known.lookups]
    referrals_12m = { table = "referrals", key = "child_id", date = "referred_on", window = "rolling_12", aggregate = "count" }
    rereferrals_12m = { table = "referrals", key = "child_id", date = "referred_on", window = "rolling_12", aggregate = "count", where = "previous_referral_on is not missing" }

    [indicators.rereferrals]
    title = "Re-referrals"
    kind = "percentage"
    table = "referrals"
    date = "referred_on"
    numerator = "days(previous_referral_on, referred_on) <= 365"
    polarity = "lower_is_better"
    """)


def _tables(seed: int) -> tuple[dict, int]:
    """Contacts and referrals with exact copies of some rows (and missing cells), and how
    many contacts equal an earlier contact, counted naively."""
    rng = np.random.default_rng(seed)
    n = 3000
    first = datetime.date(2017, 1, 1)
    received = [first + datetime.timedelta(days=int(d)) for d in rng.integers(0, 31, n)]
    rows = [(int(c) if rng.random() > 0.02 else None, day, day + datetime.timedelta(days=int(k)), str(o))
            for c, day, k, o in zip(rng.integers(0, 500, n), received, rng.integers(0, 4, n),
                                    rng.choice(["nfa", "referral"], n))]
    rows += [rows[int(i)] for i in rng.integers(0, n, 40)]
    expected = len(rows) - len(set(rows))
    contacts = {name: [row[k] for row in rows] for k, name in enumerate(("child_id", "received_on", "decided_on"))}
    contacts["outcome"] = np.array([row[3] for row in rows])  # text as numpy holds it: coded when first read
    teams = [["north", "south"][int(c or 0) % 2] for c in contacts["child_id"]]
    contacts["team"] = teams
    referrals = {"child_id": [row[0] for row in rows], "referred_on": [row[1] for row in rows], "team": teams}
    return {"contacts": contacts, "referrals": referrals}, expected


def _beside_any_table(monkeypatch, done_first: bool = False) -> list[list[tuple]]:
    """Evaluations from now on begin work beside them, as on two processors, for tables of
    any size (with ``done_first``, all of it done before the run goes on, so that the run
    takes over none); the list of the keys each one queues, filled as they run."""
    queued: list[list[tuple]] = []
    real_background = indicators._run.Background

    def spied(jobs):
        queued.append([_named(key) for key, _ in jobs])
        background = real_background(jobs)
        if done_first and background._thread is not None:
            background._thread.join()
        return background

    monkeypatch.setattr(indicators._run, "processors", lambda: 2)
    monkeypatch.setattr(indicators._run, "MIN_BACKGROUND_ROWS", 0)
    monkeypatch.setattr(indicators._run, "Background", spied)
    return queued


def _named(key: tuple) -> tuple:
    """A queued job's key, a lookup grid's by its lookup's name."""
    table, work = key
    return (table, "grid", work.lookup[0]) if isinstance(work, LookupGrid) else key


@contextlib.contextmanager
def _plugin_function(name: str, impl) -> Iterator[None]:
    """A plugin giving the function ``name`` (an int of an int), registered meanwhile."""
    import indicators.plugins

    plugin = types.SimpleNamespace(indicators_functions=indicators.hookimpl(
        lambda: [indicators.Function(name, ("int",), "int", impl)]))
    indicators.plugins.register(plugin, name)
    try:
        yield
    finally:
        indicators.plugins.unregister(name)


@pytest.mark.parametrize("seed, by, done_first", [(1, None, False), (2, ["team"], False), (3, None, True),
                                                 (4, ["team"], True)])
def test_work_done_beside_the_run_gives_what_the_run_would_find(monkeypatch, seed, by, done_first):
    pack = indicators.loads_pack(PACK)
    tables, expected = _tables(seed)
    monkeypatch.setattr(indicators._run, "processors", lambda: 1)
    alone = indicators.evaluate(pack, tables, "2017-01", "2017-01", by=by)

    grids_made = []
    compute_grid = indicators._run.Run._compute_grid

    def spied_grid(self, lookup, measure):
        grids_made.append((lookup.name, threading.current_thread().name))
        return compute_grid(self, lookup, measure)

    monkeypatch.setattr(indicators._run.Run, "_compute_grid", spied_grid)
    queued = _beside_any_table(monkeypatch, done_first)
    beside = indicators.evaluate(pack, tables, "2017-01", "2017-01", by=by)
    if done_first:  # every job was done beside the run: the grid too
        assert ("referrals_12m", "indicators background") in grids_made

    # the text columns in the order the indicators first read them (the contacts' outcome,
    # which the second reads), then the previous() sort of the referrals, then the lookup
    # grids that read stored columns alone (not the one whose filter reads a derived
    # column), then the duplicate-row notes (the referrals' comes from previous()'s sort)
    assert [("contacts", ColumnValues("outcome")), ("referrals", Derived("previous_referral_on")),
            ("contacts", "grid", "referrals_12m"), ("contacts", DuplicateRows())] == queued[0]
    assert expected == beside.get("contacts", "2017-01").notes["duplicate rows (contacts)"]
    assert alone.to_json() == beside.to_json()


def test_a_grid_of_small_tables_is_worked_out_beside_the_run_begun_for_a_large_one(monkeypatch):
    """The thread runs for the large contacts; a lookup grid over the small referrals alone
    (measure and lookup) joins its queue, and gives what the run would find."""
    pack_text = PACK + textwrap.dedent("""
        [indicators.repeated]
        title = "Referrals of children referred before in the year"
        kind = "percentage"
        table = "referrals"
        date = "referred_on"
        numerator = "referred_12m > 1"
        polarity = "lower_is_better"

        [indicators.repeated.lookups]
        referred_12m = { table = "referrals", key = "child_id", date = "referred_on", window = "rolling_12", aggregate = "count" }
        """)
    pack = indicators.loads_pack(pack_text)
    tables, _ = _tables(8)
    tables["referrals"] = {name: column[:1000] for name, column in tables["referrals"].items()}
    monkeypatch.setattr(indicators._run, "processors", lambda: 1)
    alone = indicators.evaluate(pack, tables, "2017-01", "2017-01")
    queued = _beside_any_table(monkeypatch, done_first=True)
    monkeypatch.setattr(indicators._run, "MIN_BACKGROUND_ROWS", 2000)  # the contacts (3,040 rows) alone
    beside = indicators.evaluate(pack, tables, "2017-01", "2017-01")
    assert ("referrals", "grid", "referred_12m") in queued[0]
    assert alone.to_json() == beside.to_json()


def test_jobs_beside_the_run_go_by_longer_blocks_than_the_callers_own():
    """Fewer, longer numpy calls in the thread beside: it and the run wait less on each
    other for Python's interpreter lock."""
    background = Background([("beside", lambda: block_rows(10**9))])
    background._thread.join()
    assert CHUNK_ROWS * BESIDE_BLOCK_FACTOR == background.result("beside", lambda: pytest.fail("done beside"))
    assert BESIDE_BLOCK_FACTOR > 1
    assert CHUNK_ROWS == block_rows(10**9) == background.result("never queued", lambda: block_rows(10**9))


def test_a_lookup_that_calls_a_plugin_function_is_worked_out_in_the_run(monkeypatch):
    pack_text = textwrap.dedent("""
        [indicators.known]
        title = "Contacts of children referred in the year before"
        kind = "percentage"
        table = "contacts"
        date = "received_on"
        numerator = "referred > 0"
        polarity = "higher_is_better"

        [indicators.known.lookups]
        referred = { table = "referrals", key = "child_id", date = "referred_on", window = "rolling_12", aggregate = "count", where = "same(child_id) > 100" }
        """)
    calls = []

    def same(ids):
        calls.append(len(ids))
        return ids

    with _plugin_function("same", same):
        pack = indicators.loads_pack(pack_text)
        tables, _ = _tables(3)
        monkeypatch.setattr(indicators._run, "processors", lambda: 1)
        alone = indicators.evaluate(pack, tables, "2017-01", "2017-01")
        queued = _beside_any_table(monkeypatch)
        calls.clear()
        beside = indicators.evaluate(pack, tables, "2017-01", "2017-01")
    assert calls  # the plugin's function was called, in the run: its grid was not queued
    assert [[("contacts", DuplicateRows())]] == queued
    assert alone.to_json() == beside.to_json()


def test_a_failure_beside_the_run_reaches_the_caller_as_it_would_in_the_run(monkeypatch):
    pack = indicators.loads_pack(PACK)
    tables, _ = _tables(3)

    def refused(columns, n_rows, among=None):
        raise MemoryError("no memory for the digests")

    monkeypatch.setattr("indicators._table_evaluation.repeated_rows", refused)
    monkeypatch.setattr(indicators._run, "MIN_BACKGROUND_ROWS", 0)
    for processors in (1, 2):
        monkeypatch.setattr(indicators._run, "processors", lambda: processors)
        with pytest.raises(MemoryError, match="no memory for the digests"):
            indicators.evaluate(pack, tables, "2017-01", "2017-01")


@pytest.mark.parametrize("fails_again", [False, True])
def test_a_note_on_rows_dated_by_a_plugin_is_read_in_the_run_with_the_dates_worked_out_once(monkeypatch, fails_again):
    """A measure dated by a plugin's function: its table's duplicate-row note is not left
    for after the counting (when the table's work is let go and the dates would be worked
    out again, a second call that could fail outside any indicator)."""
    calls = []

    def same_day(days):
        calls.append(len(days))
        if fails_again and len(calls) > 1:
            raise RuntimeError("called a second time")
        return days

    registry = indicators.default_registry()
    registry.add_function(indicators.Function("same_day", ("date",), "date", same_day))
    pack = indicators.loads_pack('[indicators.a]\ntitle = "Contacts"\ntable = "contacts"\n'
                                 'date = "same_day(received_on)"\n', registry=registry)
    _beside_any_table(monkeypatch)
    day = np.datetime64("2017-03-05")
    tables = {"contacts": {"child_id": np.arange(3000) % 1000, "received_on": np.full(3000, day)}}
    results = indicators.evaluate(pack, tables, "2017-03", "2017-03", registry=registry)
    assert [] == results.failures and 1 == len(calls)
    assert {"duplicate rows (contacts)": 2000} == results.get("a", "2017-03").notes


def test_a_machine_of_one_processor_begins_nothing_beside(monkeypatch):
    monkeypatch.setattr(indicators._run, "processors", lambda: 1)
    monkeypatch.setattr(indicators._run, "MIN_BACKGROUND_ROWS", 0)
    monkeypatch.setattr(indicators._run, "Background", lambda jobs: pytest.fail("nothing should be queued"))
    tables, _ = _tables(4)
    indicators.evaluate(indicators.loads_pack(PACK), tables, "2017-01", "2017-01")


def test_processors_counts_at_least_one():
    assert _background.processors() >= 1



def test_tables_built_beforehand_keep_their_work_and_queue_none_again(monkeypatch):
    pack = indicators.loads_pack(PACK)
    tables, expected = _tables(6)
    built = {name: indicators.table_from_mapping(name, columns, pack.schemas().get(name))
             for name, columns in tables.items()}
    queued = _beside_any_table(monkeypatch)
    first = indicators.evaluate(pack, built, "2017-01", "2017-01")
    second = indicators.evaluate(pack, built, "2017-01", "2017-01")
    # the codes and the duplicate rows stay with the built tables: the second run queues
    # only the run's own work, the previous() sort and the lookup grid (its months)
    sort = ("referrals", Derived("previous_referral_on"))
    assert [[("contacts", ColumnValues("outcome")), sort, ("contacts", "grid", "referrals_12m"),
             ("contacts", DuplicateRows())],
            [sort, ("contacts", "grid", "referrals_12m")]] == queued
    assert expected == second.get("contacts", "2017-01").notes["duplicate rows (contacts)"]
    assert first.to_json() == second.to_json()


def test_work_beside_a_failed_indicator_ends_with_the_evaluation(monkeypatch):
    """The contacts' only indicator fails (its plugin function raises), so nothing asks for
    their duplicate note; the evaluation still waits for that work to end before it returns."""
    real_repeated_rows = indicators._table_evaluation.repeated_rows

    def slow(columns, n_rows):
        if len(columns) > 3:  # the contacts' note (the referrals have three columns): still at work at the end
            time.sleep(0.3)
        return real_repeated_rows(columns, n_rows)

    def refuse(ids):
        raise ValueError("refused")

    pack_text = textwrap.dedent("""
        [tables.contacts.derive]
        checked = "refuse(child_id)"

        [indicators.contacts]
        title = "Contacts of checked children"
        table = "contacts"
        date = "received_on"
        where = "checked > 0"

        [indicators.referrals]
        title = "Referrals"
        table = "referrals"
        date = "referred_on"
        """)
    with _plugin_function("refuse", refuse):
        pack = indicators.loads_pack(pack_text)
        tables, _ = _tables(7)
        _beside_any_table(monkeypatch)
        monkeypatch.setattr(indicators._table_evaluation, "repeated_rows", slow)
        results = indicators.evaluate(pack, tables, "2017-01", "2017-01")
    assert ["indicators.contacts"] == [failure.split(":")[0] for failure in results.failures]
    assert results.get("referrals", "2017-01").numerator > 0
    assert [] == [thread for thread in threading.enumerate() if thread.name == "indicators background"]


def test_an_indicator_reading_a_sort_made_beside_the_run_is_counted_once_the_sort_is_done(monkeypatch):
    """The re-referrals come first in the pack, but their previous() sort is still under way
    beside the run: the indicators that do not read it are counted meanwhile and those that
    do (by a measure or a lookup's filter) after them, in the pack's order,
    with every figure, note and the results' order as a run without the thread gives."""
    head, rereferrals = PACK.split("[indicators.rereferrals]")
    head, rest = head.split("[indicators.contacts]")
    pack = indicators.loads_pack(head + "[indicators.rereferrals]" + rereferrals + "\n[indicators.contacts]" + rest)
    assert ["rereferrals", "contacts", "referred", "known"] == list(pack.indicators)
    tables, _ = _tables(7)
    monkeypatch.setattr(indicators._run, "processors", lambda: 1)
    alone = indicators.evaluate(pack, tables, "2017-01", "2017-01")

    sort_may_end = threading.Event()
    sort_beside = indicators._table_evaluation.TableEvaluation.sort_beside

    def held_sort(self, name):
        sort_may_end.wait(10)
        return sort_beside(self, name)

    monkeypatch.setattr(indicators._table_evaluation.TableEvaluation, "sort_beside", held_sort)
    queued = _beside_any_table(monkeypatch)
    counted = []

    def progress(done, total, indicator):
        counted.append(indicator)
        if indicator == "referred":  # the last of the others: the sort may end now
            sort_may_end.set()

    beside = indicators.evaluate(pack, tables, "2017-01", "2017-01", progress=progress)
    assert ("referrals", Derived("previous_referral_on")) in queued[0]
    # "known" reads the sorted column too, through its lookup's filter: it waits as well
    assert ["contacts", "referred", "rereferrals", "known", ""] == counted
    assert alone.to_json() == beside.to_json()


def test_an_indicator_reading_a_column_being_coded_beside_the_run_is_counted_after_the_others(monkeypatch):
    """The referred contacts come first in the pack, but their text column is being coded
    beside the run: the run counts the indicator that reads no such column meanwhile, then
    the referred contacts, with every figure, note and the results' order as a run without
    the thread gives."""
    head, referred = PACK.split("[indicators.referred]")
    referred, rest = referred.split("[indicators.known]")
    head, contacts = head.split("[indicators.contacts]")
    pack = indicators.loads_pack(head + "[indicators.referred]" + referred + "[indicators.contacts]" + contacts
                                 + "[indicators.known]" + rest)
    assert ["referred", "contacts", "known", "rereferrals"] == list(pack.indicators)
    tables, _ = _tables(9)
    monkeypatch.setattr(indicators._run, "processors", lambda: 1)
    alone = indicators.evaluate(pack, tables, "2017-01", "2017-01")

    coding_begun, coding_may_end = threading.Event(), threading.Event()
    code = indicators._tables.Column.code

    def held_code(self):
        if self.name == "outcome":
            coding_begun.set()
            coding_may_end.wait(10)
        return code(self)

    monkeypatch.setattr(indicators._tables.Column, "code", held_code)
    real_background = indicators._run.Background

    def begun_background(jobs):  # the coding under way before the run counts anything
        background = real_background(jobs)
        assert coding_begun.wait(10)
        return background

    monkeypatch.setattr(indicators._run, "processors", lambda: 2)
    monkeypatch.setattr(indicators._run, "MIN_BACKGROUND_ROWS", 0)
    monkeypatch.setattr(indicators._run, "Background", begun_background)
    counted = []

    def progress(done, total, indicator):
        counted.append(indicator)
        if indicator == "contacts":  # the one that reads no text: the coding may end now
            coding_may_end.set()

    beside = indicators.evaluate(pack, tables, "2017-01", "2017-01", progress=progress)
    # "known" and "rereferrals" read the previous() sort, queued beside the run after the
    # coding: they come after "referred", which alone waits for the coding
    assert ["contacts", "referred"] == counted[:2]
    assert alone.to_json() == beside.to_json()


@pytest.mark.parametrize("missing_share, kept", [(0.0, "tied rows"), (0.7, "nothing")])
def test_a_sort_beside_the_run_keeps_only_few_enough_tied_rows_for_the_note(monkeypatch, missing_share, kept):
    """Once its column is worked out, a sort made beside the run is let go; of it, the rows
    that tie on key and order (and those outside it) are kept for the duplicate note only
    while few enough for the note to compare them alone, as 32-bit positions."""
    from indicators._work import TiedRows

    tables, _ = _tables(8)
    referrals = tables["referrals"]
    rng = np.random.default_rng(8)
    referrals["child_id"] = [None if rng.random() < missing_share else c for c in referrals["child_id"]]
    offered = []
    offer = indicators._work.Shared.offer

    def spied(self, key, value):
        if isinstance(key, TiedRows):
            offered.append(value)
        return offer(self, key, value)

    monkeypatch.setattr(indicators._work.Shared, "offer", spied)
    _beside_any_table(monkeypatch, done_first=True)
    pack = indicators.loads_pack(PACK)
    beside = indicators.evaluate(pack, tables, "2017-01", "2017-01")
    monkeypatch.setattr(indicators._run, "processors", lambda: 1)
    assert indicators.evaluate(pack, tables, "2017-01", "2017-01").to_json() == beside.to_json()
    (value,) = offered
    if kept == "nothing":
        assert value is None
    else:
        assert value.dtype == np.int32 and 0 < value.size <= len(referrals["child_id"]) // 4
