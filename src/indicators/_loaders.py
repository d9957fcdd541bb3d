"""Data loaders: named input formats that turn a location into tables."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Mapping

import numpy as np

from ._errors import DataError, Problem
from ._tables import Table, table_from_rows


def read_csv_table(path: str | os.PathLike, name: str | None = None,
                   schema: Mapping[str, str] | None = None, *, strict: bool = False) -> Table:
    """Read one CSV file (UTF-8, byte-order mark allowed, first row the header)."""
    path = Path(path)
    name = name or path.stem
    source = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError([Problem(f"cannot read the file: {exc.strerror}", file=str(path))]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError([Problem(
            f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8 CSV", file=str(path), line=line)]) from None
    if "\x00" in text:
        raise DataError([Problem("the file holds NUL bytes; it is not a text CSV file", file=str(path))])
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[str]] = []
    lines: list[int] = []
    header: list[str] | None = None
    problems: list[Problem] = []
    try:
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            if header is None:
                header = [cell.strip() for cell in row]
                continue
            if len(row) != len(header):
                if len(row) < len(header):
                    row = row + [""] * (len(header) - len(row))
                else:
                    problems.append(Problem(f"has {len(row)} cells but the header has {len(header)}",
                                            file=str(path), line=reader.line_num))
                    continue
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise DataError([Problem(f"cannot parse CSV: {exc}", file=str(path),
                                 line=reader.line_num)]) from None
    if header is None:
        raise DataError([Problem("the file is empty: a CSV table needs at least a header row",
                                 file=str(path))])
    if problems:
        more = len(problems) - 20
        raise DataError(problems[:20] + ([Problem(f"... and {more} more rows like these",
                                                  file=str(path))] if more > 0 else []))
    return table_from_rows(name, header, rows, schema, source=source,
                           lines=np.asarray(lines, dtype=np.int64), strict=strict)


def read_csv_folder(folder: str | os.PathLike, schemas: Mapping[str, Mapping[str, str]] | None = None,
                    *, strict: bool = False, only: set[str] | None = None) -> dict[str, Table]:
    """Every ``*.csv`` file of a folder as a table named by the file's stem.

    ``only`` restricts reading to those table names (files for other tables are skipped).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError([Problem("no such folder of CSV files", file=str(folder))])
    schemas = schemas or {}
    tables: dict[str, Table] = {}
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.csv")):
        if only is not None and path.stem not in only:
            continue
        try:
            tables[path.stem] = read_csv_table(path, path.stem, schemas.get(path.stem), strict=strict)
        except DataError as exc:
            problems.extend(exc.problems)
    if problems:
        raise DataError(problems)
    return tables


BUILTIN_LOADERS = {"csv": read_csv_folder}
