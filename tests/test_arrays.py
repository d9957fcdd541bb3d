"""The sort-based helpers agree with numpy's own unique."""

from __future__ import annotations

import numpy as np
from hypothesis import given, strategies as st

from indicators._arrays import distinct_per_group, unique


@given(st.lists(st.integers(-5, 5), max_size=40))
def test_unique_and_inverse_match_numpy(values):
    array = np.array(values, dtype=np.int64)
    distinct, inverse = unique(array, return_inverse=True)
    expected, expected_inverse = np.unique(array, return_inverse=True)
    assert expected.tolist() == distinct.tolist()
    assert expected_inverse.ravel().tolist() == inverse.tolist()


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(-3, 3)), max_size=40))
def test_distinct_per_group_counts_each_key_once(pairs):
    groups = np.array([g for g, _ in pairs], dtype=np.int64)
    keys = np.array([k for _, k in pairs], dtype=np.int64)
    expected = [len({k for g, k in pairs if g == group}) for group in range(4)]
    assert expected == distinct_per_group(groups, keys, 4).tolist()
