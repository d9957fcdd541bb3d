"""Data loaders: named input formats that turn a location into tables."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Mapping

import numpy as np

from ._errors import DataError, Problem
from ._tables import Table, table_from_columns, table_from_rows


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
    fast = _tokenize_fast(raw, text)
    if fast is not None:
        header, columns, lines = fast
        return table_from_columns(name, header, columns, schema, source=source, lines=lines, strict=strict)
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


def _tokenize_fast(raw: bytes, text: str) -> tuple[list[str], list[np.ndarray], np.ndarray] | None:
    """Header, text columns and line numbers of a plain CSV file, or None when the file
    needs the careful reader (quotes, blank lines, rows of the wrong width).

    Uses pyarrow's tokenizer when it is installed, else one split of the whole text; the
    cells are then read by the same rules as the careful reader's.
    """
    if '"' in text:
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    body = text[:-1] if text.endswith("\n") else text
    if not body or "\n\n" in body or body.startswith("\n"):
        return None
    newline = body.find("\n")
    header_line = body if newline < 0 else body[:newline]
    header = [cell.strip() for cell in header_line.split(",")]
    width = len(header)
    n_rows = body.count("\n")
    if body.count(",") != (width - 1) * (n_rows + 1):
        return None
    lines = np.arange(2, n_rows + 2, dtype=np.int64)
    if n_rows == 0:
        return header, [np.zeros(0, dtype=str) for _ in header], lines
    columns = _tokenize_arrow(raw, header)
    if columns is None:
        cells = np.array(body[newline + 1:].replace("\n", ",").split(","), dtype=str)
        if cells.size != n_rows * width:
            return None
        grid = cells.reshape(n_rows, width)
        columns = [np.ascontiguousarray(grid[:, i]) for i in range(width)]
    return header, columns, lines


def _tokenize_arrow(raw: bytes, header: list[str]) -> list[np.ndarray] | None:
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:
        return None
    try:
        table = pacsv.read_csv(
            io.BytesIO(raw),
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1),
            convert_options=pacsv.ConvertOptions(column_types={name: pa.string() for name in header},
                                                 strings_can_be_null=False))
    except (pa.ArrowInvalid, ValueError):
        return None
    return [np.asarray(table.column(i).to_numpy(zero_copy_only=False), dtype=str) for i in range(len(header))]


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
