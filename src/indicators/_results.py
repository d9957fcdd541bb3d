"""Results: one frozen record per indicator and period, and the collection of a run."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any, Iterator, Mapping

import attrs

from ._records import RECORD_FIELDS

if TYPE_CHECKING:
    import pandas
    import polars
    import pyarrow

    from ._explain import RunInputs
    from ._explanation import Explanation
    from ._framing import Framing
    from ._pack import Pack



@attrs.frozen
class Result:
    """One indicator in one period. Values are not rounded; missing is None."""

    indicator: str
    title: str
    period: str
    window_start: str | None
    window_end: str | None
    numerator: int | float | None
    denominator: int | float | None
    value: float | None
    target: float | None = None
    rag: str | None = None
    direction: str | None = None
    benchmarks: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    quartile: int | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    suppressed: bool = False
    notes: dict[str, int] = attrs.field(factory=dict)
    # per counted side: rows in window = rows used + rows left out (by reason); None when suppressed
    rows: dict[str, dict[str, Any]] | None = None
    group: dict[str, Any] = attrs.field(factory=dict)
    # a year-to-date count scaled to the whole financial year by elapsed days (SPEC section 11)
    projected_year_end: float | None = None
    # last financial year's outturn as the pack gives it (published), whatever the data
    outturn: float | None = None
    kind: str = "count"
    polarity: str = "neutral"
    decimals: int = 1
    unit: str | None = None
    report_group: str | None = None
    window: str = "month"

    def to_record(self) -> dict[str, Any]:
        """A plain dict with JSON-safe values (None, never NaN)."""
        record = attrs.asdict(self, recurse=True)
        return {name: _clean(record[name]) for name in RECORD_FIELDS}


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


class Results:
    """The results of one run, in pack order then period order."""

    def __init__(self, records: list[Result], pack: Pack | None = None,
                 start: str | None = None, end: str | None = None, title: str | None = None,
                 caption: str | None = None, failures: list[str] | None = None,
                 skipped: dict[str, str] | None = None) -> None:
        self._records = list(records)
        self.failures = list(failures or [])  # indicators a plugin failure left without figures
        self.warnings: list[str] = []  # e.g. months of the run outside the data's dates
        self.skipped = dict(skipped or {})  # indicators left out for want of data: id to reason
        self.pack = pack
        self.start = start
        self.end = end
        self.title = title or (pack.title if pack is not None else None)
        self.caption = caption
        self.packs: list[Pack] = [pack] if pack is not None else []  # combine keeps every part's
        self.framing: Framing | None = None  # council, extract date, commentary (commentary.toml)
        self.explain_sources: list[RunInputs] = []  # the data and settings results.explain reuses

    @classmethod
    def combine(cls, parts: list[Results], title: str | None = None, caption: str | None = None) -> Results:
        """One collection of the records of several runs (for example of two packs)."""
        records = [record for part in parts for record in part]
        starts = [p.start for p in parts if p.start]
        ends = [p.end for p in parts if p.end]
        combined = cls(records, None, min(starts) if starts else None, max(ends) if ends else None,
                       title, caption, [f for p in parts for f in p.failures],
                       {ident: reason for p in parts for ident, reason in p.skipped.items()})
        combined.packs = [pack for part in parts for pack in part.packs]
        combined.warnings = list(dict.fromkeys(w for part in parts for w in part.warnings))
        combined.framing = next((p.framing for p in parts if p.framing is not None), None)
        combined.explain_sources = [source for part in parts for source in part.explain_sources]
        return combined

    def __iter__(self) -> Iterator[Result]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)

    def __getitem__(self, index: int) -> Result:
        return self._records[index]

    def __repr__(self) -> str:
        return f"<Results {len(self._records)} records {self.start}..{self.end}>"

    def get(self, indicator: str, period: str, group: dict[str, Any] | None = None) -> Result:
        """The result of one indicator in one period, for the total or one ``group`` of a
        breakdown (``{"team": "Duty 1"}``); KeyError when there is none."""
        group = group or {}
        for record in self._records:
            if record.indicator == indicator and record.period == period and record.group == group:
                return record
        raise KeyError((indicator, period, group) if group else (indicator, period))

    def for_indicator(self, indicator: str, group: dict[str, Any] | None = None) -> list[Result]:
        """Every period's result of one indicator, for the total or one ``group``."""
        group = group or {}
        return [r for r in self._records if r.indicator == indicator and r.group == group]

    def groups(self) -> list[dict[str, Any]]:
        """The groups of a breakdown, in order (none without one)."""
        seen: dict[str, dict[str, Any]] = {}
        for record in self._records:
            if record.group:
                seen.setdefault(json.dumps(record.group, sort_keys=True), record.group)
        return list(seen.values())

    def to_records(self) -> list[dict[str, Any]]:
        """Plain dicts, ready for JSON or a data frame."""
        return [r.to_record() for r in self._records]

    def to_pandas(self) -> pandas.DataFrame:
        """A pandas DataFrame, one row per record, nested parts as flat columns
        (see docs/python.md); needs the ``pandas`` extra."""
        from ._frames import to_pandas

        return to_pandas(self)

    def to_polars(self) -> polars.DataFrame:
        """A polars DataFrame like :meth:`to_pandas`; needs the ``polars`` extra."""
        from ._frames import to_polars

        return to_polars(self)

    def to_arrow(self) -> pyarrow.Table:
        """A pyarrow Table like :meth:`to_pandas`; needs the ``arrow`` extra."""
        from ._frames import to_arrow

        return to_arrow(self)

    def to_json(self, indent: int | None = 2) -> str:
        """The records as a JSON array; missing values are null."""
        return json.dumps(self.to_records(), indent=indent, allow_nan=False, ensure_ascii=False)

    def explain(self, indicator: str, period: str, group: Mapping[str, Any] | None = None,
                key: str | None = None) -> Explanation:
        """The rows behind one indicator's figure in one period: each row its window holds,
        with its key, the values its filters and value read, and whether it is counted in
        the numerator, in the denominator only, or left out (and why). ``group`` (``{"team":
        "Duty 1"}``; None for missing) keeps the rows of that group; ``key`` names the key
        column shown (see docs/python.md)."""
        from ._explain import explain_results

        return explain_results(self.explain_sources, indicator, period, group, key)
