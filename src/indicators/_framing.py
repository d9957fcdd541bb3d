"""Report framing kept beside the data: the council's name, the data's extract date and a
commentary per indicator and period, read from ``commentary.toml`` in the data folder.

```toml
[report]
council = "Rotherham Metropolitan Borough Council"
extracted = 2017-02-03            # when the data was extracted from the case management system

[commentary.re_referrals_12m]
"2017-01" = "Re-referrals are improving: January's in-month rate is the lowest in 12 months."
```
"""

from __future__ import annotations

import datetime
import difflib
import os
import re
from pathlib import Path
from typing import Iterable

import attrs

from ._errors import DataError, Problem
from ._toml import key_lines, line_of, load_toml

FILE_NAME = "commentary.toml"
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@attrs.frozen
class Framing:
    """What a report says around its figures."""

    council: str | None = None
    extracted: str | None = None  # ISO date
    commentary: dict[tuple[str, str], str] = attrs.field(factory=dict)  # (indicator, period) -> text
    file: str | None = None

    def comment(self, indicator: str, period: str) -> str | None:
        """The commentary on one indicator in one period, if any."""
        return self.commentary.get((indicator, period))

    def unused(self, indicators: Iterable[str]) -> list[str]:
        """Warnings for commentary on indicators the run does not have (a misspelt id,
        usually), which no report would show."""
        known = set(indicators)
        unknown = sorted({ident for ident, _ in self.commentary if ident not in known})
        return [f"{self.file}: commentary on {ident!r}, which is not an indicator of this run"
                + (f"; did you mean {close[0]!r}?" if (close := difflib.get_close_matches(ident, known, 1)) else "")
                for ident in unknown]


def read_framing(folder: str | os.PathLike) -> Framing | None:
    """The framing in ``folder/commentary.toml``; None when the folder has none.

    Every problem (an unknown key, a period that is not ``YYYY-MM``, text that is not a
    string) is reported at once as a :class:`DataError` naming the file and key.
    """
    path = Path(folder) / FILE_NAME
    if not path.is_file():
        return None
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError([Problem(f"cannot read the commentary: {exc}", file=str(path))]) from None
    return framing_from_text(text, str(path))


def framing_from_text(text: str, path: str = FILE_NAME) -> Framing:
    """The framing in the text of a ``commentary.toml``."""
    data, problems = load_toml(text, str(path))
    if data is None:
        raise DataError(problems)
    problems = list(problems)
    lines = key_lines(text)

    def problem(key: str, message: str) -> None:
        parts = tuple(key.split(".", 2))
        problems.append(Problem(message, file=str(path), line=line_of(lines, parts), path=key))

    for key in data:
        if key not in ("report", "commentary"):
            problem(key, "unknown key; expected [report] and [commentary.INDICATOR] tables")
    report = data.get("report", {})
    council = extracted = None
    if not isinstance(report, dict):
        problem("report", "expected a table [report]")
        report = {}
    for key, value in report.items():
        if key == "council":
            if isinstance(value, str) and value.strip():
                council = value.strip()
            else:
                problem("report.council", "expected the council's name as text")
        elif key == "extracted":
            if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
                extracted = value.isoformat()
            elif isinstance(value, datetime.datetime):
                extracted = value.date().isoformat()
            else:
                problem("report.extracted", "expected a date such as 2017-02-03 (without quotes)")
        else:
            problem(f"report.{key}", "unknown key; expected council and extracted")
    commentary: dict[tuple[str, str], str] = {}
    sections = data.get("commentary", {})
    if not isinstance(sections, dict):
        problem("commentary", "expected tables [commentary.INDICATOR]")
        sections = {}
    for indicator, by_period in sections.items():
        if not isinstance(by_period, dict):
            problem(f"commentary.{indicator}", 'expected a table of "YYYY-MM" = "text"')
            continue
        for period, comment in by_period.items():
            key = f"commentary.{indicator}.{period}"
            if not _PERIOD.match(str(period)):
                problem(key, f"expected a period YYYY-MM, got {period!r}")
            elif not isinstance(comment, str) or not comment.strip():
                problem(key, "expected the commentary as text")
            else:
                commentary[(str(indicator), str(period))] = comment.strip()
    if problems:
        raise DataError(problems)
    return Framing(council, extracted, commentary, str(path))
