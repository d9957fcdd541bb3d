"""Tools for loaders of councils' own extracts (Annex A, SSDA903 and the like): decoding
CSV files written in UTF-8 or Windows-1252, reading their rows with located errors, and
turning spreadsheet values (Excel serial dates, ``1213.0``) into the text the engine reads.

Plugin loaders import these from :mod:`indicators.extracts`, so that each reads
council files the same way.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from ._errors import DataError, Problem

ENCODINGS = {"auto": None, "utf-8": "utf-8-sig", "utf8": "utf-8-sig", "utf-8-sig": "utf-8-sig",
             "cp1252": "cp1252", "windows-1252": "cp1252", "latin-1": "latin-1", "iso-8859-1": "latin-1"}
_EXCEL_EPOCH = datetime.date(1899, 12, 30).toordinal()
# serial numbers read as dates only in a plausible range, 1 January 1910 to 31 December
# 2099: "2016" (a year) or "1" in a date column is not a day in 1905 or 1899
_FIRST_SERIAL, _LAST_SERIAL = 3654, 73415
_UK = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_SERIAL = re.compile(r"^\d{1,7}(?:\.\d*)?$")


def check_encoding(encoding: str) -> str | None:
    """The codec for an ``encoding`` option (None for auto), or a DataError naming the choices."""
    key = str(encoding).strip().lower().replace("_", "-")
    if key not in ENCODINGS:
        raise DataError([Problem(f"unknown encoding {encoding!r}; choose one of: auto, utf-8, windows-1252")])
    return ENCODINGS[key]


def decode(raw: bytes, path: Path, encoding: str = "auto") -> str:
    """The text of a CSV file: UTF-8 (byte-order mark allowed) or Windows-1252, as
    ``encoding`` says; ``auto`` tries UTF-8 first, then Windows-1252."""
    codec = check_encoding(encoding)
    tried = [codec] if codec else ["utf-8-sig", "cp1252"]
    failures = []
    for name in tried:
        try:
            return raw.decode(name)
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            failures.append((name, exc, line))
    said = "; ".join(f"not {'UTF-8' if name == 'utf-8-sig' else 'Windows-1252' if name == 'cp1252' else name} "
                     f"(byte 0x{raw[exc.start]:02x} on line {line})" for name, exc, line in failures)
    raise DataError([Problem(f"cannot decode the file: {said}; save it as 'CSV UTF-8' from Excel, or pass "
                             "encoding='windows-1252' or encoding='utf-8' to the loader", file=str(path))])


def read_csv_rows(path: Path, encoding: str = "auto", multiline: bool = True) -> list[list[str]]:
    """Every row of a CSV file as text cells (blank rows kept, so that row numbers are lines).

    A quote that never closes (or closes mid-cell) is an error naming the line where the
    quoted cell starts, not a cell that silently swallows the rest of the file; with
    ``multiline`` False a quoted cell spanning lines is one too."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError([Problem(f"cannot read the file: {exc.strerror}", file=str(path))]) from None
    text = decode(raw, path, encoding)
    if "\x00" in text:
        raise DataError([Problem("the file holds NUL bytes; it is not a text CSV file", file=str(path))])
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    start = 1
    try:
        for row in reader:
            if not multiline and reader.line_num > start:
                raise DataError([Problem(
                    f"a quoted cell starting on line {start} runs on to line {reader.line_num}: check for a "
                    'stray or unbalanced " on that line (a cell may not hold a line break)', file=str(path),
                    line=start)])
            while len(rows) < reader.line_num - 1:  # a quoted cell spanning lines
                rows.append([])
            rows.append(row)
            start = reader.line_num + 1
    except csv.Error as exc:
        if reader.line_num > start or "end of data" in str(exc):
            message = (f'unbalanced quote: the quoted cell starting on line {start} does not close properly '
                       f'({exc}); check for a stray " on that line')
        else:
            message = f"cannot parse CSV: {exc}"
        raise DataError([Problem(message, file=str(path), line=start)]) from None
    return rows


def _serial_date(number: float) -> str | None:
    if _FIRST_SERIAL <= number < _LAST_SERIAL + 1:  # a fraction is a time of day
        return datetime.date.fromordinal(_EXCEL_EPOCH + int(number)).isoformat()
    return None


def date_text(value) -> str:
    """A date cell as ISO or UK text: date and datetime values, Excel serial numbers (as
    numbers or digits) and UK or ISO text with or without a time. Other text is returned
    as written, so that the engine counts it unreadable."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return _serial_date(value) or plain_text(value)
    text = str(value).replace("\xa0", " ").strip()
    match = _UK.match(text)
    if match:
        day, month, year = match.groups()
        return f"{int(day):02d}/{int(month):02d}/{year}"
    match = _ISO.match(text)
    if match:
        return "-".join(match.groups())
    if _SERIAL.match(text):
        return _serial_date(float(text)) or text
    return text


def plain_text(value) -> str:
    """A text or number cell as text: whole numbers without ".0" (IDs and counts read from
    Excel arrive as floats), no-break spaces as spaces, outer spaces removed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value).replace("\xa0", " ").strip()
    if text.endswith(".0") and text[:-2].lstrip("-").isdigit():
        text = text[:-2]
    return text


def text_column(cells: list, type_: str, converters: Mapping[str, Callable[[Any], str]] | None = None
                ) -> np.ndarray:
    """A column of cells as a numpy array of text, dates in a form the engine reads;
    ``converters`` maps further column types of a loader's own to their conversion.

    Each distinct value is converted once: a column holds few distinct dates and codes.
    """
    if not cells:
        return np.zeros(0, dtype=str)
    convert = {"date": date_text, **(converters or {})}.get(type_, plain_text)
    if bool in set(map(type, cells)):  # True == 1: a memo would mix them up
        return np.array([convert(value) for value in cells], dtype=str)
    memo: dict = {}
    out = []
    for value in cells:
        try:
            out.append(memo[value])
        except KeyError:
            out.append(memo.setdefault(value, convert(value)))
    return np.array(out, dtype=str)


def column_letters(index: int) -> str:
    """A spreadsheet's letters for the 0-based column ``index``: 0 is A, 26 is AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
