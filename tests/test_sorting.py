"""Large integer sorts by buckets (``indicators._sorting``) give exactly numpy's sort."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

from indicators import _sorting
from indicators._sorting import sort_integers

DTYPES = [np.int64, np.uint64, np.int32, np.uint32, np.int16, np.uint16, np.int8, np.uint8]


@st.composite
def integer_arrays(draw) -> np.ndarray:
    """Arrays of an integer type: extremes of the type, runs of one value, clusters far
    apart (buckets far bigger than a row beside empty ones), values a few to a bucket
    (buckets across the end of a row) and spread values."""
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    info = np.iinfo(dtype)
    value = st.one_of(st.integers(int(info.min), int(info.max)), st.sampled_from([int(info.min), int(info.max), 0]),
                      st.integers(max(int(info.min), -3), min(int(info.max), 3)), st.integers(0, 60))
    return np.array(draw(st.lists(value, max_size=300)), dtype=dtype)


@given(integer_arrays(), st.sampled_from([16, 64, 128, 256, 2048]), st.integers(1, 70), st.booleans())
def test_a_bucketed_sort_equals_numpys(keys, row_bytes, block_rows, large):
    """Whatever the keys, the rows' width (so that buckets overflow half a row or not) and
    the blocks the buckets are made in, and whether the keys are ordered by bucket in one
    piece or block by block, the keys come out as np.sort gives them."""
    expected = np.sort(keys)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_sorting, "BUCKETED_SORT", True)
        patch.setattr(_sorting, "BUCKETED_SORT_ROWS", 0)
        patch.setattr(_sorting, "LARGE_SORT_ROWS", 0 if large else 1 << 17)
        patch.setattr(_sorting, "ONE_PIECE_SORT_ROWS", 0 if large else 1 << 19)
        patch.setattr(_sorting, "_ROW_BYTES", row_bytes)
        patch.setattr(_sorting, "_BLOCK_ROWS", block_rows)
        sort_integers(keys)
    assert keys.dtype == expected.dtype
    assert keys.tolist() == expected.tolist()


@given(st.lists(st.lists(st.integers(0, 1000), min_size=1, max_size=8), min_size=1, max_size=40),
       st.booleans(), st.booleans())
def test_buckets_up_to_a_row_across_a_rows_end_come_out_sorted(clusters, descending, large):
    """Buckets of one to eight keys in rows of eight (64-bit keys in 64 bytes): those
    bigger than half a row, wherever they fall across a row's end, still come out sorted,
    the keys put in bucket order in one piece or block by block."""
    keys = np.concatenate([np.array(sorted(cluster, reverse=descending), dtype=np.int64) + (i << 20)
                           for i, cluster in enumerate(clusters)])
    expected = np.sort(keys)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_sorting, "BUCKETED_SORT", True)
        patch.setattr(_sorting, "BUCKETED_SORT_ROWS", 0)
        patch.setattr(_sorting, "_ROW_BYTES", 64)
        patch.setattr(_sorting, "LARGE_SORT_ROWS", 0 if large else 1 << 17)
        patch.setattr(_sorting, "ONE_PIECE_SORT_ROWS", 0 if large else 1 << 19)
        patch.setattr(_sorting, "_BLOCK_ROWS", 7)
        sort_integers(keys)
    assert keys.tolist() == expected.tolist()


def test_bucket_counts_need_no_uint64_bincount(monkeypatch):
    """numpy before 2.2.4 refuses to bincount uint64: the buckets are counted as 16-bit."""
    real = np.bincount

    def bincount(values, *args, **kwargs):
        assert values.dtype != np.uint64, "numpy < 2.2.4 cannot bincount uint64"
        return real(values, *args, **kwargs)

    monkeypatch.setattr(_sorting.np, "bincount", bincount)
    monkeypatch.setattr(_sorting, "BUCKETED_SORT", True)
    keys = np.random.default_rng(5).integers(0, 1 << 40, _sorting.BUCKETED_SORT_ROWS)
    expected = np.sort(keys)
    sort_integers(keys)
    assert np.array_equal(keys, expected)


@pytest.mark.parametrize("n", [300_000, 50_000])
@pytest.mark.parametrize("shape", ["spread", "clustered", "repeated"])
def test_a_bucketed_sort_of_many_keys_equals_numpys(monkeypatch, shape, n):
    """Packed keys as the engine sorts them, at the sizes the buckets are made for (large,
    by blocks, and not): spread evenly, in two clusters far apart, and a few values
    repeated many times."""
    rng = np.random.default_rng(7)
    if shape == "spread":
        keys = rng.integers(0, 60_000, n, dtype=np.int64) << 17 | rng.integers(0, 1 << 12, n)
    elif shape == "clustered":
        keys = np.where(rng.random(n) < 0.5, rng.integers(0, 1000, n), rng.integers(2**50, 2**50 + 10**6, n))
    else:
        keys = rng.integers(0, 5, n, dtype=np.int64) * 10**9
    expected = np.sort(keys)
    monkeypatch.setattr(_sorting, "BUCKETED_SORT", True)
    sort_integers(keys)
    assert np.array_equal(keys, expected)


def test_which_sort_is_faster_is_measured_once_per_kind_of_sort(monkeypatch):
    """The first sort of each kind (not large, large) measures which way is faster here;
    later ones reuse it. A sort of few keys measures nothing."""
    measured = []
    monkeypatch.setattr(_sorting, "BUCKETED_SORT", None)
    monkeypatch.setattr(_sorting, "_measured", {})
    monkeypatch.setattr(_sorting, "_measure", lambda large: measured.append(large) or True)
    small = np.arange(10, dtype=np.int64)[::-1].copy()
    sort_integers(small)
    assert measured == []  # a sort of few keys is one np.sort: nothing to measure
    for size in (_sorting.BUCKETED_SORT_ROWS, _sorting.LARGE_SORT_ROWS) * 2:
        keys = np.random.default_rng(size).integers(0, 1 << 40, size)
        expected = np.sort(keys)
        sort_integers(keys)
        assert np.array_equal(keys, expected)
    assert measured == [False, True]


@pytest.mark.parametrize("large_faster", [False, True])
def test_a_large_sort_goes_by_buckets_where_they_measure_faster(monkeypatch, large_faster):
    """Large sorts go by buckets where their own measurement says buckets are faster,
    whatever the number of processors; small ones follow theirs."""
    monkeypatch.setattr(_sorting, "BUCKETED_SORT", None)
    monkeypatch.setattr(_sorting, "MERGED_RUNS_SORT", False)
    monkeypatch.setattr(_sorting, "_measured", {})
    monkeypatch.setattr(_sorting, "_measure", lambda large: large_faster if large else True)
    bucketed = []
    real = _sorting._bucketed_sort
    monkeypatch.setattr(_sorting, "_bucketed_sort", lambda keys: bucketed.append(keys.size) or real(keys))
    for size in (_sorting.LARGE_SORT_ROWS, _sorting.BUCKETED_SORT_ROWS):
        keys = np.random.default_rng(3).integers(0, 1 << 40, size)
        expected = np.sort(keys)
        sort_integers(keys)
        assert np.array_equal(keys, expected)
    assert bucketed == ([_sorting.LARGE_SORT_ROWS] if large_faster else []) + [_sorting.BUCKETED_SORT_ROWS]


@pytest.mark.parametrize("large", [False, True])
def test_the_measurement_answers_whether_buckets_are_faster(large):
    assert _sorting._measure(large) in (True, False)


@given(integer_arrays().filter(lambda keys: keys.dtype.itemsize == 8), st.sampled_from([16, 64, 2048]))
def test_a_sort_by_merged_runs_equals_numpys(keys, row_bytes):
    """Whatever the 64-bit keys and the rows' width (a last row short or not), sorting
    the rows and merging them as runs gives np.sort's order."""
    expected = np.sort(keys)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_sorting, "_ROW_BYTES", row_bytes)
        _sorting._merged_runs_sort(keys)
    assert keys.tolist() == expected.tolist()


def test_a_large_sort_of_64_bit_keys_not_by_buckets_goes_by_merged_runs_where_faster(monkeypatch):
    """Where buckets measure no faster, large sorts of contiguous 64-bit keys go by merged
    runs where those measure faster, measured once; 32-bit keys, keys not contiguous and
    small sorts do not."""
    monkeypatch.setattr(_sorting, "BUCKETED_SORT", None)
    monkeypatch.setattr(_sorting, "_measured", {False: False, True: False})
    measured, merged = [], []
    monkeypatch.setattr(_sorting, "_measure_merged_runs", lambda: measured.append(1) or True)
    real = _sorting._merged_runs_sort
    monkeypatch.setattr(_sorting, "_merged_runs_sort", lambda keys: merged.append(keys.dtype) or real(keys))
    rng = np.random.default_rng(4)
    large = _sorting.LARGE_SORT_ROWS
    for keys in (rng.integers(0, 1 << 40, large), rng.integers(0, 1 << 40, large).astype(np.uint64),
                 rng.integers(0, 1 << 30, large).astype(np.int32), rng.integers(0, 1 << 40, 2 * large)[::2],
                 rng.integers(0, 1 << 40, _sorting.BUCKETED_SORT_ROWS)):
        expected = np.sort(keys)
        sort_integers(keys)
        assert np.array_equal(keys, expected)
    assert measured == [1]
    assert merged == [np.dtype(np.int64), np.dtype(np.uint64)]
    _sorting._measured[_sorting._MERGED_RUNS] = False  # measured slower: np.sort
    keys = rng.integers(0, 1 << 40, large)
    sort_integers(keys)
    assert merged == [np.dtype(np.int64), np.dtype(np.uint64)] and np.array_equal(keys, np.sort(keys))


def test_the_measurement_answers_whether_merged_runs_are_faster():
    assert _sorting._measure_merged_runs() in (True, False)

