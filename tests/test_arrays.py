"""The sort-based helpers agree with numpy's own unique."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

from indicators._arrays import distinct_per_group, factorize_strings, factorize_text, repeated_rows, row_digests, unique
from indicators._windows import distinct_range_counts


@given(st.lists(st.integers(-5, 5), max_size=40))
def test_unique_and_inverse_match_numpy(values):
    array = np.array(values, dtype=np.int64)
    distinct, inverse = unique(array, return_inverse=True)
    expected, expected_inverse = np.unique(array, return_inverse=True)
    assert expected.tolist() == distinct.tolist()
    assert expected_inverse.ravel().tolist() == inverse.tolist()


@given(st.lists(st.sampled_from(["", "a", "b ", "Duty 1", "Duty 10", "é", "nfa", "z" * 30]), min_size=1, max_size=8,
                unique=True), st.lists(st.text(max_size=4), min_size=10, max_size=40), st.integers(0, 2**32 - 1),
       st.booleans())
def test_unique_strings_of_a_code_list_equal_a_sort(common, rare, seed, many):
    """Many rows of a few strings (and a tail of rare ones a sample of rows misses), or of
    many distinct strings, give what sorting them gives."""
    rng = np.random.default_rng(seed)
    cells = [str(i) for i in rng.integers(0, 5000, size=2000)] if many else list(rng.choice(np.array(common), 2000))
    array = np.array(cells + rare)
    rng.shuffle(array)
    distinct, inverse = unique(array, return_inverse=True)
    expected, expected_inverse = np.unique(array, return_inverse=True)
    assert expected.tolist() == distinct.tolist()
    assert expected_inverse.ravel().tolist() == inverse.tolist()


@given(st.lists(st.text(max_size=5), min_size=1, max_size=30), st.integers(0, 2**32 - 1), st.integers(1, 22),
       st.booleans())
def test_factorize_text_codes_every_cell_exactly(words, seed, table_bits, as_bytes):
    """Every cell gets the code of its own string, each string one code, whatever the
    collisions in the hash table (a table of 2 buckets makes them on purpose)."""
    rng = np.random.default_rng(seed)
    cells = np.array(words)[rng.integers(0, len(words), 500)]
    if as_bytes:
        cells = np.char.encode(cells, "utf-8")
    distinct, codes = factorize_text(cells, table_bits=table_bits)
    assert (distinct[codes] == cells).all()
    assert sorted(distinct.tolist()) == sorted(set(cells.tolist()))


@given(st.lists(st.sampled_from(["", "a", "é", "\u20ac", "x" * 9]), min_size=1, max_size=6), st.integers(0, 2**32 - 1),
       st.sampled_from([7, 900, 1100]))
def test_factorize_text_codes_wide_cells_exactly(pieces, seed, repeat):
    """Cells hundreds of characters wide (many lanes each; past 4,096 bytes a sort), whose
    only difference may be far from their start."""
    rng = np.random.default_rng(seed)
    words = ["z" * repeat + piece for piece in pieces]
    cells = np.array(words)[rng.integers(0, len(words), 200)]
    distinct, codes = factorize_text(cells)
    assert (distinct[codes] == cells).all()
    assert sorted(distinct.tolist()) == sorted(set(cells.tolist()))


@given(st.lists(st.text(alphabet=st.sampled_from("ab\x00 \u00e9\u20ac\U0001F600"), max_size=6), min_size=2,
                max_size=16, unique=True), st.lists(st.text(max_size=6), max_size=5), st.integers(0, 2**32 - 1),
       st.sampled_from([3, 64, 5000]))
def test_a_few_words_code_exactly_the_cells_equal_to_them(words, others, seed, block):
    """Words alike but at one place (an emoji, a NUL inside, a space at the end), cells
    that are none of them, in blocks of a few rows or one: a cell gets a word's index
    exactly when it is that word."""
    from indicators import _arrays

    words = sorted({word.rstrip("\x00") for word in words})  # numpy drops a NUL at the end
    assume(len(words) > 1)
    rng = np.random.default_rng(seed)
    cells = np.array(words + others)[rng.integers(0, len(words) + len(others), 300)]
    words_array = np.array(words, dtype=cells.dtype)  # as factorize_strings gives them: the cells' own type
    saved, _arrays.CHUNK_ROWS = _arrays.CHUNK_ROWS, block
    try:
        codes = _arrays._codes_among_few(cells, words_array)
    finally:
        _arrays.CHUNK_ROWS = saved
    expected = [words.index(cell) if cell in words else -1 for cell in cells.tolist()]
    assert expected == codes.tolist()


@given(st.lists(st.integers(0, 3_000), min_size=1, max_size=60), st.integers(-2**62, 2**62), st.integers(1, 50),
       st.sampled_from([np.int32, np.int64]), st.booleans(), st.sampled_from([1, 3, 1 << 16]), st.booleans())
def test_dense_codes_rank_values_as_a_sort_does(offsets, low, stretch, dtype, words_by_bytes, block, table):
    """Codes by a table of codes over the span, or by a bit per value of the span and a
    count per word (no sort), are each value's rank among the distinct values, across word
    boundaries, for either integer width, and with the population of a word counted byte
    by byte (numpy 1) or at once (numpy 2)."""
    import indicators._arrays as arrays

    if dtype is np.int32:
        low = low % 2**20
    values = (low + np.array(offsets, dtype=np.int64) * stretch).astype(dtype)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(arrays, "CHUNK_ROWS", block)
        patch.setattr(arrays, "TABLE_SPAN_PER_VALUE", 2**40 if table else 0)
        patch.setattr(arrays, "TABLE_SPAN_LIMIT", 2**62 if table else 0)
        if words_by_bytes:
            patch.delattr(np, "bitwise_count", raising=False)
        codes, count = arrays.dense_codes(values)
    distinct, inverse = np.unique(values, return_inverse=True)
    assert count == distinct.size
    assert codes.tolist() == inverse.reshape(-1).tolist()


def test_dense_codes_sort_values_spread_too_thin_for_a_flag_each():
    """Values spread over more of the integers than a flag per value pays for, or at their
    ends, are coded by a sort, with the same codes."""
    from indicators._arrays import dense_codes, ranks_pay

    for values in (np.array([0, 10**12, 5, 10**12]), np.array([-2**63, 2**63 - 1, 0, -2**63])):
        assert not ranks_pay(int(values.min()), int(values.max()), values.size)
        codes, count = dense_codes(values)
        distinct, inverse = np.unique(values, return_inverse=True)
        assert (count, codes.tolist()) == (distinct.size, inverse.tolist())


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(-3, 3)), max_size=40), st.sampled_from([4, 300_000]))
def test_distinct_per_group_counts_each_key_once(pairs, n_groups):
    """With a flag per (group, key), or, past a few flags per pair (many groups), by a sort."""
    groups = np.array([g for g, _ in pairs], dtype=np.int64)
    keys = np.array([k for _, k in pairs], dtype=np.int64)
    expected = [len({k for g, k in pairs if g == group}) for group in range(4)] + [0] * (n_groups - 4)
    assert expected == distinct_per_group(groups, keys, n_groups).tolist()


@given(st.lists(st.tuples(st.one_of(st.integers(-3, 3), st.floats(-2, 2).map(lambda x: round(x, 1))),
                          st.integers(0, 70), st.integers(0, 70)), max_size=40),
       st.sampled_from([6, 63, 70]))
def test_distinct_range_counts_count_each_key_once_per_covered_period(rows, n_periods):
    """Keys (integer or float, by their codes) with overlapping, nested and empty ranges
    [lo, hi) over a few periods, the most a bit mask holds (63), and more."""
    rows = [(k, min(a, b) % (n_periods + 1), max(a, b) % (n_periods + 1)) for k, a, b in rows]
    rows = [(k, min(a, b), max(a, b)) for k, a, b in rows]
    floats = any(isinstance(k, float) for k, _, _ in rows)
    keys = np.array([k for k, _, _ in rows], dtype=np.float64 if floats else np.int64)
    lo = np.array([a for _, a, _ in rows], dtype=np.int16)
    hi = np.array([b for _, _, b in rows], dtype=np.int16)
    expected = [len({k for k, a, b in rows if a <= p < b}) for p in range(n_periods)]
    distinct, codes = np.unique(keys, return_inverse=True)
    assert expected == distinct_range_counts(codes, distinct.size, lo, hi, n_periods).tolist()


@given(st.lists(st.tuples(st.integers(0, 2), st.one_of(st.none(), st.integers(0, 2))), max_size=60))
def test_repeated_rows_counts_rows_equal_to_an_earlier_row(rows):
    first = np.array([a for a, _ in rows], dtype=np.int8)
    second_missing = np.array([b is None for _, b in rows], dtype=bool)
    # a missing cell holds some value underneath; it must not make it differ
    second = np.array([b if b is not None else len(rows) % 3 + i for i, (_, b) in enumerate(rows)],
                      dtype="datetime64[D]")
    expected = len(rows) - len(set(rows))
    positions = repeated_rows([(first, None), (second, second_missing)], len(rows))
    assert expected == positions.size
    assert all(rows[p] in rows[:p] for p in positions.tolist())


def test_a_few_words_need_the_cells_own_text_type():
    """A word wider than the cells would be cut to their width and match a cell it is not."""
    from indicators import _arrays

    with pytest.raises(ValueError):
        _arrays._codes_among_few(np.array(["abc", "abd"]), np.array(["abcd", "abd"]))


def test_text_in_the_other_byte_order_codes_as_in_the_machines():
    cells = np.array(["Duty 1", "Duty 2", "nfa", "referral"] * 600)
    for as_given in (cells, cells.astype(cells.dtype.newbyteorder())):
        distinct, codes = factorize_strings(as_given)
        assert (distinct[codes] == cells).all() and sorted(distinct.tolist()) == ["Duty 1", "Duty 2", "nfa", "referral"]


@given(st.lists(st.tuples(st.one_of(st.none(), st.integers(0, 3)), st.one_of(st.none(), st.integers(0, 3)),
                          st.integers(0, 1)), max_size=60))
def test_rows_sharing_a_sort_key_are_the_only_ones_that_repeat(rows):
    """Rows whose key and order no other row shares cannot repeat: comparing only the rest
    (and the rows missing either) finds every row equal to an earlier one."""
    from indicators._derived import Sequence
    from indicators._vectors import Vec

    key_missing = np.array([k is None for k, _, _ in rows], dtype=bool)
    order_missing = np.array([o is None for _, o, _ in rows], dtype=bool)
    key = np.array([0 if k is None else k for k, _, _ in rows], dtype=np.int64)  # under the mask
    order = np.array([0 if o is None else o for _, o, _ in rows], dtype=np.int64)
    other = np.array([x for _, _, x in rows], dtype=np.int64)
    sequence = Sequence(Vec("int", key, key_missing if key_missing.any() else None),
                        Vec("int", order, order_missing if order_missing.any() else None))
    candidates = sequence.rows_sharing_key_and_order()
    expected = [p for p in range(len(rows)) if rows[p] in rows[:p]]
    if candidates is None:  # no row has both
        assert all(k is None or o is None for k, o, _ in rows)
        return
    assert candidates.tolist() == sorted(candidates.tolist())
    columns = [(key, key_missing), (order, order_missing), (other, None)]
    assert expected == repeated_rows(columns, len(rows), among=candidates).tolist()


@given(st.lists(st.tuples(st.integers(0, 3), st.one_of(st.none(), st.sampled_from(["a", "b", " "]))), max_size=60),
       st.lists(st.booleans(), min_size=60, max_size=60), st.sampled_from([1, 3, 64]), st.sampled_from([0, 1 << 22]))
def test_repeated_rows_among_some_rows_compare_those_alone(rows, chosen, block, kept_rows):
    """Rows compared ``among`` some positions (read block by block where they are, text not
    yet coded among them, digests kept or worked out again): a row counts when it equals
    an earlier row among them."""
    from indicators import _arrays

    among = np.array([p for p in range(len(rows)) if chosen[p]], dtype=np.int64)
    first = np.array([a for a, _ in rows], dtype=np.int16)
    text = np.array([t or "" for _, t in rows] or [""], dtype=str)[:len(rows)]
    picked = [(rows[p][0], (rows[p][1] or "").strip() or None) for p in among.tolist()]
    expected = [p for k, p in enumerate(among.tolist()) if picked[k] in picked[:k]]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_arrays, "CHUNK_ROWS", block)
        patch.setattr(_arrays, "KEPT_DIGEST_ROWS", kept_rows)
        assert expected == repeated_rows([(first, None), (text, None)], len(rows), among=among).tolist()


_TEXTS = ["", " ", "  ", "\u3000", "\t\n", "a", "a ", " a", "é", "Duty 1", "Duty 10", "\U0001F600", "x" * 9]


@given(st.lists(st.tuples(st.integers(0, 2), st.sampled_from(_TEXTS)), max_size=60), st.sampled_from([1, 3, 64]))
def test_repeated_rows_read_text_as_its_coded_column_would(rows, block):
    """A declared text column not yet coded is digested from its text: rows repeat exactly
    where they would with the column coded (cells of nothing but spaces all missing)."""
    from indicators import _arrays

    first = np.array([a for a, _ in rows], dtype=np.int64)
    text = np.array([t for _, t in rows] or [""], dtype=str)[:len(rows)]
    blank = [not t.strip() for _, t in rows]
    distinct = sorted({t for (_, t), gone in zip(rows, blank) if not gone})
    codes = np.array([-1 if gone else distinct.index(t) for (_, t), gone in zip(rows, blank)], dtype=np.int32)
    expected = repeated_rows([(first, None), (codes, None)], len(rows)).tolist()
    as_rows = [(a, None if gone else t) for (a, t), gone in zip(rows, blank)]
    assert expected == [p for p in range(len(rows)) if as_rows[p] in as_rows[:p]]
    _arrays.CHUNK_ROWS, saved = block, _arrays.CHUNK_ROWS
    try:
        assert expected == repeated_rows([(first, None), (text, None)], len(rows)).tolist()
    finally:
        _arrays.CHUNK_ROWS = saved


def test_no_code_point_after_the_last_one_listed_is_stripped_as_a_space():
    """The digest of text looks at cells that begin with a space (or are empty) alone, by a
    table of the code points numpy strips, up to U+3000: none later may be stripped."""
    from indicators import _arrays

    later = np.array([chr(c) for c in range(_arrays._LAST_SPACE + 1, 0x110000) if not 0xD800 <= c < 0xE000])
    assert not _arrays._blank_text(later).any()
    assert _arrays._blank_text(np.array(["\u3000", "\u2028", " ", ""])).all()


def test_repeated_rows_tells_apart_rows_whose_digests_collide():
    multiplier = np.uint64(0x9E3779B97F4A7C15)
    # (1, 0) and (0, multiplier) have the same digest: 1 * multiplier ^ 0 == 0 * multiplier ^ multiplier
    first = np.array([1, 0, 0], dtype=np.int64)
    second = np.array([0, multiplier.view(np.int64), multiplier.view(np.int64)], dtype=np.int64)
    digests = row_digests([(first, None), (second, None)], 3)
    assert digests[0] == digests[1]  # the collision this test is about
    assert [2] == repeated_rows([(first, None), (second, None)], 3).tolist()
    assert [] == repeated_rows([(first[:2], None), (second[:2], None)], 2).tolist()


@pytest.mark.parametrize("kept, by_buckets, bytes_a_row", [(False, False, 4), (True, False, 8), (True, True, 14)])
def test_repeated_rows_hold_four_bytes_a_row_or_eight_with_the_digests_kept(monkeypatch, kept, by_buckets,
                                                                          bytes_a_row):
    """The duplicate-row note's documented memory where few rows repeat: the sorted
    32-bit digests (and, up to ``KEPT_DIGEST_ROWS`` rows, the digests in table order, with
    the six bytes a row of a sort by buckets), and buffers of a block, never the digests
    once more (kept alive by a view, say)."""
    import tracemalloc

    from indicators import _arrays, _sorting

    monkeypatch.setattr(_sorting, "BUCKETED_SORT", by_buckets)
    n, copies = 1 << 20, 1 << 10
    monkeypatch.setattr(_arrays, "KEPT_DIGEST_ROWS", n if kept else n - 1)
    rng = np.random.default_rng(5)
    columns = [(rng.integers(0, 1 << 20, n), None), (rng.integers(0, 1 << 40, n), None)]
    for data, _ in columns:
        data[-copies:] = data[:copies]
    tracemalloc.start()
    try:
        repeats = repeated_rows(columns, n)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert list(range(n - copies, n)) == repeats.tolist()
    # a block's buffers and the flags by the digests' top bits: under 2 MiB beside them;
    # a sort by buckets's buffers for a block of 64k keys (eight 8-byte arrays): 4 MiB more
    assert peak <= bytes_a_row * n + (6 if by_buckets and kept else 2) * 2**20


def test_repeated_rows_with_a_rising_id_column_and_without_one():
    """A row id that rises from row to row tells the rows apart even where every other
    column repeats; an id that repeats once leaves the rows to be compared."""
    other = np.zeros(6, dtype=np.int64)
    rising = np.arange(6, dtype=np.int64) * 3
    assert [] == repeated_rows([(rising, None), (other, None)], 6).tolist()
    repeats = np.array([0, 3, 3, 9, 12, 15], dtype=np.int64)
    assert [2] == repeated_rows([(repeats, None), (other, None)], 6).tolist()
    missing = np.array([False, False, True, False, False, False])
    assert [] == repeated_rows([(rising, missing), (other, None)], 6).tolist()


@given(st.lists(st.tuples(st.integers(-2**40, 2**40), st.booleans()), max_size=50), st.integers(1, 7))
def test_present_extremes_are_those_of_the_present_values(cells, block):
    from indicators import _arrays

    data = np.array([value for value, _ in cells], dtype=np.int64)
    missing = np.array([gone for _, gone in cells], dtype=bool)
    present = [value for value, gone in cells if not gone]
    want = (min(present), max(present)) if present else None
    # blocks smaller than the column, as a large column meets them
    assert _arrays.present_extremes(data, missing, block) == want
    assert _arrays.present_extremes(data, None, block) == ((int(data.min()), int(data.max())) if cells else None)


@given(st.lists(st.one_of(st.none(), st.integers(-2**62, 2**63 - 1)), max_size=50), st.integers(1, 7))
def test_present_extremes_pass_nat_by(cells, block):
    """NaT (the smallest int64) marking missing days, as date columns hold them."""
    from indicators import _arrays

    nat = np.iinfo(np.int64).min
    data = np.array([nat if value is None else value for value in cells], dtype=np.int64)
    present = [value for value in cells if value is not None]
    want = (min(present), max(present)) if present else None
    assert _arrays.present_extremes(data, None, block, absent=nat) == want


@given(st.lists(st.one_of(st.none(), st.integers(-2**63 + 1, 2**63 - 1)), max_size=50), st.integers(1, 7))
def test_a_date_columns_missing_days_and_extremes_come_from_one_pass(cells, block):
    """NaT marks the missing days; the extremes are those of the others."""
    from indicators import _arrays

    nat = np.iinfo(np.int64).min
    data = np.array([nat if value is None else value for value in cells], dtype=np.int64)
    present = [value for value in cells if value is not None]
    missing, extremes = _arrays.smallest_marks_missing(data, block)
    assert (None if None not in cells else [value is None for value in cells]) == (
        None if missing is None else missing.tolist())
    assert ((min(present), max(present)) if present else None) == extremes


@given(st.lists(st.integers(-10**6, 10**6), min_size=1, max_size=30), st.data(), st.sampled_from([np.int32, np.int64]),
       st.integers(1, 7))
def test_take_at_and_put_at_index_as_numpy_does(values, data, index_type, block):
    """Taking and writing by 32-bit row numbers, converted block by block (blocks of a few
    rows here), is plain numpy indexing; a negative index counts from the end."""
    from indicators import _arrays
    from indicators._arrays import put_at, take_at

    values = np.array(values, dtype=np.int64)
    index = np.array(data.draw(st.lists(st.integers(-len(values), len(values) - 1), max_size=40)), dtype=index_type)
    saved, _arrays.CHUNK_ROWS = _arrays.CHUNK_ROWS, block
    try:
        assert take_at(values, index).tolist() == values[index].tolist()
        target, expected = np.zeros(len(values), dtype=np.int64), np.zeros(len(values), dtype=np.int64)
        written = np.arange(index.size, dtype=np.int64)
        unique_index = np.unique(index % len(values)).astype(index_type)  # one write per element
        put_at(target, unique_index, written[:unique_index.size])
        expected[unique_index] = written[:unique_index.size]
        assert target.tolist() == expected.tolist()
    finally:
        _arrays.CHUNK_ROWS = saved
