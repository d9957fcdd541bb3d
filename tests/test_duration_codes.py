"""A time-limit filter's pass by lookups and a sum (``_duration_codes``) gives exactly what
the same pass gives by evaluating the expression: figures, row accounting and notes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import indicators
from conftest import pack_from
from indicators import _duration_codes, _table_evaluation

NAT = np.iinfo(np.int64).min


def _pack(function: str, first: str, second: str, placed: str, op: str, limit: int, window: str) -> indicators.Pack:
    since = '\n        since = "1970-09-01"' if window == "cumulative" else ""
    return pack_from(f"""
        [pack]
        name = "limits"
        financial_year_start = 4

        [tables.cases.derive]
        earlier = "previous(opened, by = child)"

        [indicators.x]
        title = "Within the limit"
        kind = "percentage"
        table = "cases"
        date = "{placed}"
        window = "{window}"{since}
        numerator = "{function}({first}, {second}) {op} {limit}"
        """)


def _cases(seed: int, n_rows: int, missing_share: float, early: bool) -> dict:
    """Dates from 1970-01-02 on (day 1), so that a table of a few hundred rows outnumbers
    their days and the pass by sums applies; ``early``: some before 1970, where it does not."""
    rng = np.random.default_rng(seed)
    opened = rng.integers(-30 if early else 4, 640, n_rows)
    closed = opened + rng.integers(-3, 60, n_rows)  # some before they were opened
    for days in (opened, closed):
        days[rng.random(n_rows) < missing_share] = NAT
    return {"cases": {"child": rng.integers(0, n_rows // 3 + 1, n_rows),
                      "opened": opened.astype("datetime64[D]"), "closed": closed.astype("datetime64[D]")}}


def _by_expressions(monkeypatch) -> None:
    monkeypatch.setattr(_table_evaluation.TableEvaluation, "_duration_codes", lambda self, measure, planned: None)


def _records(pack: indicators.Pack, tables: dict) -> list[dict]:
    return indicators.evaluate(pack, tables, "1970-07", "1971-08").to_records()


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["days", "working_days"]),
       st.sampled_from([("opened", "closed"), ("closed", "opened"), ("earlier", "opened")]),
       st.booleans(), st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), st.integers(-3, 50),
       st.sampled_from(["month", "ytd", "rolling_12", "cumulative"]), st.sampled_from([0.0, 0.05, 0.4]),
       st.booleans())
def test_a_time_limit_counts_alike_by_sums_and_by_expressions(seed, function, arguments, placed_first, op, limit,
                                                              window, missing_share, early):
    first, second = arguments
    placed = first if placed_first or first == "earlier" else second
    pack = _pack(function, first, second, placed, op, limit, window)
    tables = _cases(seed, 900, missing_share, early)
    by_sums = _records(pack, tables)
    with pytest.MonkeyPatch.context() as patch:
        _by_expressions(patch)
        assert _records(pack, tables) == by_sums


def test_the_pass_by_sums_is_taken_where_it_applies_and_not_elsewhere(monkeypatch):
    made = []
    real = _duration_codes.DurationCodes.__init__

    def spy(self, *args, **kwargs):
        made.append(kwargs)
        real(self, *args, **kwargs)

    monkeypatch.setattr(_duration_codes.DurationCodes, "__init__", spy)
    pack = _pack("working_days", "opened", "closed", "opened", "<=", 5, "month")
    _records(pack, _cases(1, 900, 0.05, early=False))
    assert len(made) == 1
    _records(pack, _cases(1, 900, 0.05, early=True))  # a day before 1970: by expressions
    _records(pack, _cases(1, 300, 0.05, early=False))  # fewer rows than days in the table
    assert len(made) == 1


def test_negative_durations_and_missing_dates_are_noted_as_by_expressions(monkeypatch):
    pack = _pack("working_days", "opened", "closed", "opened", "<=", 5, "month")
    tables = _cases(7, 900, 0.05, early=False)
    by_sums = indicators.evaluate(pack, tables, "1970-07", "1971-08")
    _by_expressions(monkeypatch)
    by_expressions = indicators.evaluate(pack, tables, "1970-07", "1971-08")
    notes = [note for result in by_sums for note in result.notes]
    assert any("negative" in note for note in notes) and any("missing" in note for note in notes)
    assert [r.notes for r in by_sums] == [r.notes for r in by_expressions]
