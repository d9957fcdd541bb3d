"""Derived columns: previous() and next() with SPEC section 5's tie rule."""

from __future__ import annotations


import numpy as np
import pytest
from hypothesis import given, strategies as st

import indicators
import indicators._arrays
from conftest import run
from indicators._derived import shift_by_key
from indicators._vectors import Vec


def ints(values):
    data = np.array([0 if v is None else v for v in values], dtype=np.int64)
    missing = np.array([v is None for v in values])
    return Vec("int", data, missing if missing.any() else None)


def shifted(value, key, order, forward=False):
    out = shift_by_key(ints(value), ints(key), ints(order), forward)
    return [None if m else int(d) for d, m in zip(out.data, out.mask())]


def test_previous_takes_the_greatest_smaller_order_last_in_table_order_on_ties():
    # rows:           0   1   2   3   4
    order = [10, 20, 20, 30, 20]
    key = [1, 1, 1, 1, 2]
    value = [100, 201, 202, 300, 999]
    assert [None, 100, 100, 202, None] == shifted(value, key, order)


def test_next_takes_the_smallest_greater_order_first_in_table_order_on_ties():
    order = [10, 20, 20, 30, 20]
    key = [1, 1, 1, 1, 2]
    value = [100, 201, 202, 300, 999]
    assert [201, 300, 300, None, None] == shifted(value, key, order, forward=True)


def test_rows_with_missing_key_or_order_have_none_and_are_no_ones():
    order = [10, None, 30, 40]
    key = [1, 1, None, 1]
    value = [1, 2, 3, 4]
    assert [None, None, None, 1] == shifted(value, key, order)


def brute_previous(value, key, order):
    out = []
    for i in range(len(value)):
        if key[i] is None or order[i] is None:
            out.append(None)
            continue
        smaller = [j for j in range(len(value)) if key[j] == key[i] and order[j] is not None
                   and order[j] < order[i]]
        if not smaller:
            out.append(None)
            continue
        best = max(order[j] for j in smaller)
        out.append(value[[j for j in smaller if order[j] == best][-1]])
    return out


small = st.one_of(st.none(), st.integers(0, 4))


@given(st.lists(st.tuples(small, small, st.integers(0, 100)), max_size=40))
def test_previous_matches_a_direct_reading_of_the_rule(rows):
    key = [k for k, _, _ in rows]
    order = [o for _, o, _ in rows]
    value = [v for _, _, v in rows]
    assert brute_previous(value, key, order) == shifted(value, key, order)


def brute_next(value, key, order):
    """next() as the mirror of previous(): the smallest greater order, first on ties."""
    n = len(value)
    mirrored = brute_previous(value[::-1], key[::-1], [None if o is None else -o for o in order[::-1]])
    return mirrored[::-1] if n else []


def dates(values):
    """Day numbers as a date column holds them: NaT in the missing cells."""
    vec = ints(values)
    data = np.where(vec.mask(), np.iinfo(np.int64).min, vec.data)
    return Vec("date", data, vec.missing)


@given(st.lists(st.tuples(small, small, st.one_of(st.none(), st.integers(0, 100))), max_size=40), st.booleans(),
       st.booleans(), st.sampled_from(["int", "float", "date"]), st.sampled_from([1, 3, 1 << 16]), st.booleans(),
       st.sampled_from([0, 1 << 20]))
def test_previous_and_next_of_a_value_or_of_the_order_itself_match_the_rule(rows, forward, of_order, order_type,
                                                                          block, packed, searched):
    """Both directions, the value being another column (missing in places) or the order
    itself (read off the sort row by row), orders packed as they are, by rank (floats) or
    dates, or sorted by the lexsort kept for what no packing holds; ties read and written
    in blocks of any size, row by row or through the tie groups."""
    key = [k for k, _, _ in rows]
    order = [o for _, o, _ in rows]
    value = order if of_order else [v for _, _, v in rows]
    want = (brute_next if forward else brute_previous)(value, key, order)
    order_vec = dates(order) if order_type == "date" else ints(order)
    if order_type == "float":
        order_vec = Vec("float", order_vec.data.astype(np.float64), order_vec.missing)
    value_vec = order_vec if of_order else (dates if order_type == "date" else ints)(value)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(indicators._arrays, "CHUNK_ROWS", block)
        patch.setattr(indicators._derived, "_SEARCHED_TIES", searched)
        if not packed:
            patch.setattr(indicators._derived, "_packed_order", lambda keys, orders: None)
        out = shift_by_key(value_vec, ints(key), order_vec, forward, value_is_order=of_order)
    assert want == [None if m else int(d) for d, m in zip(out.data, out.mask())]


@pytest.mark.parametrize("searched", [0, 1 << 20])
@pytest.mark.parametrize("block", [1, 2, 3, 4, 5, 1 << 16])
@pytest.mark.parametrize("forward", [False, True])
@pytest.mark.parametrize("key, order", [
    ([1] * 8 + [2] * 3 + [3] * 4, [1, 1, 1, 2, 2, 2, 2, 3] + [5, 5, 5] + [7, 8, 8, 8]),
    ([5] * 5, [3, 1, 2, 2, 0]),
    ([1, 1, 2, 2, 2], [5, 6, 3, 3, 4]),  # the first key's orders all after the smallest
])
def test_a_shift_of_the_order_reads_past_tie_groups_that_span_blocks(key, order, forward, block, searched):
    """Tie groups longer than a block, at the start and the end of the sequence and of a
    key, a key in one tie group, one key alone: each row reads the tie group beside its own, read row
    by row (the tied rows by a binary search) or through the tie groups, as few or many
    ties choose (none: row by row whatever the ties; 2^20: through the groups)."""
    want = (brute_next if forward else brute_previous)(order, key, order)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(indicators._arrays, "CHUNK_ROWS", block)
        patch.setattr(indicators._derived, "_SEARCHED_TIES", searched)
        out = shift_by_key(ints(order), ints(key), ints(order), forward, value_is_order=True)
    assert want == [None if m else int(d) for d, m in zip(out.data, out.mask())]


def test_a_shift_of_the_order_goes_row_by_row_only_where_ties_are_few():
    """Row by row each tied row costs a binary search; with many ties the tie groups are
    few, and reading one neighbour per group costs less."""
    from indicators._derived import Sequence

    rng = np.random.default_rng(3)
    few = Sequence(Vec("int", np.arange(1000)), Vec("int", rng.integers(0, 5, 1000)))
    many = Sequence(Vec("int", rng.integers(0, 3, 1000)), Vec("int", rng.integers(0, 5, 1000)))
    assert few.reads_orders_by_row and not many.reads_orders_by_row


def test_re_referrals_within_12_months_through_a_derived_column():
    pack = """
    [tables.referrals.columns]
    child_id = "int"
    referred_on = "date"

    [tables.referrals.derive]
    previous_referral_on = "previous(referred_on, by = child_id)"
    days_since_previous = "days(previous_referral_on, referred_on)"

    [indicators.re_referrals]
    title = "Re-referrals within 12 months"
    kind = "percentage"
    table = "referrals"
    date = "referred_on"
    numerator = "days_since_previous <= 365"
    polarity = "lower_is_better"
    """
    data = {"referrals": {
        "child_id": [1, 1, 2, 2, 3],
        "referred_on": ["2016-02-01", "2017-01-15", "2015-06-01", "2017-01-20", "2017-01-03"]}}
    result = run(pack, data, "2017-01").get("re_referrals", "2017-01")
    assert (1, 3) == (result.numerator, result.denominator)
    # child 3's first referral has no previous one: its condition is undecided, so noted
    assert {"numerator unknown (missing values)": 1} == result.notes


def test_derived_columns_cannot_use_period_variables():
    import pytest

    with pytest.raises(indicators.PackError, match="computed before any period exists"):
        indicators.loads_pack("""
[tables.t.columns]
d = "date"
[tables.t.derive]
x = "days(d, period_end)"
[indicators.i]
title = "I"
table = "t"
date = "d"
""")


def test_columns_shifted_along_the_same_key_and_order_share_one_sort(monkeypatch):
    from indicators import _derived

    sorts = []
    original = _derived.Sequence.__init__

    def counting(self, key, order):
        sorts.append(len(key))
        original(self, key, order)

    monkeypatch.setattr(_derived.Sequence, "__init__", counting)
    pack = """
    [tables.referrals.columns]
    child_id = "int"
    referred_on = "date"
    team = "str"

    [tables.referrals.derive]
    previous_on = "previous(referred_on, by = child_id)"
    next_on = "next(referred_on, by = child_id)"
    previous_team = "previous(team, by = child_id, order = referred_on)"

    [indicators.between]
    title = "Referrals with another before and after"
    table = "referrals"
    date = "referred_on"
    where = "previous_on is not missing and next_on is not missing and previous_team is not missing"
    """
    data = {"referrals": {"child_id": [1, 1, 1, 2], "team": ["a", "b", "a", "c"],
                          "referred_on": ["2017-01-02", "2017-01-09", "2017-01-20", "2017-01-03"]}}
    assert 1 == run(pack, data, "2017-01").get("between", "2017-01").numerator
    assert [4] == sorts  # one sort by (child_id, referred_on) for all three columns


spans = st.sampled_from([3, 2**20, 2**40, 2**62])


@given(st.data(), spans, spans, st.booleans(), st.sampled_from([1, 3, 1 << 16]))
def test_the_sequence_is_a_stable_sort_by_key_then_order_in_tie_groups(data, key_span, order_span, float_orders,
                                                                       block):
    """Spans small enough to pack as they are and wide enough to need ranks give a stable
    sort, its tie groups and same-key neighbours (read block by block, of any size); the
    lexsort kept for what no packing holds gives the same order."""
    from indicators._derived import Sequence, _lexsorted

    n = data.draw(st.integers(1, 30))
    keys = np.array(data.draw(st.lists(st.integers(-key_span, key_span), min_size=n, max_size=n)), dtype=np.int64)
    orders = np.array(data.draw(st.lists(st.integers(0, order_span), min_size=n, max_size=n)), dtype=np.int64)
    order_vec = Vec("float", orders.astype(np.float64)) if float_orders else Vec("int", orders)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(indicators._arrays, "CHUNK_ROWS", block)
        sequence = Sequence(Vec("int", keys), order_vec)
    want = sorted(range(n), key=lambda i: (keys[i], order_vec.data[i], i))
    assert sequence.rows.tolist() == want
    assert _lexsorted(keys, order_vec.data)[0].tolist() == want
    pairs = [(keys[i], order_vec.data[i]) for i in want]
    starts = [i for i in range(n) if i == 0 or pairs[i] != pairs[i - 1]]
    assert sequence.starts.tolist() == starts
    assert sequence.sizes().tolist() == [end - start for start, end in zip(starts, [*starts[1:], n])]
    group = [sum(s <= i for s in starts) - 1 for i in range(n)]
    spread = np.full(n, -1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(indicators._arrays, "CHUNK_ROWS", block)
        sequence.scatter(spread, np.arange(len(starts)) * 10)
    assert spread[np.array(want, dtype=np.int64)].tolist() == [10 * g for g in group]
    assert sequence.same_key_as_before.tolist() == [g > 0 and pairs[s][0] == pairs[starts[g - 1]][0]
                                                    for g, s in enumerate(starts)]
