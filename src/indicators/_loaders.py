"""Data loaders: named input formats that turn a location into tables."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Mapping

import numpy as np

from ._errors import DataError, Problem
from ._dates import NAT, parse_date_chars
from ._text import MAX_CELL_CHARS, as_text, too_long_message
from ._tables import NULL, Column, Table, column_from_text, infer_text_type, table_from_columns, table_from_rows


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
    plain = _read_plain_with_arrow(raw, schema)
    if plain is not None:
        header, columns = plain
        lines = np.arange(2, len(columns[0]) + 2 if columns else 2, dtype=np.int64)
        return table_from_columns(name, header, columns, schema, source=source, lines=lines, strict=strict,
                                  convert=_column_from_arrow)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError([Problem(
            f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8 CSV", file=str(path), line=line)]) from None
    if "\x00" in text:
        raise DataError([Problem("the file holds NUL bytes; it is not a text CSV file", file=str(path))])
    fast = _tokenize_fast(text)
    if fast is not None:
        header, columns, lines = fast
        return table_from_columns(name, header, columns, schema, source=source, lines=lines, strict=strict,
                                  convert=_column_from_arrow)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[str]] = []
    lines: list[int] = []
    header: list[str] | None = None
    problems: list[Problem] = []
    start = 1  # the line a row starts on (a quoted cell may span lines)
    try:
        for row in reader:
            start, row_start = reader.line_num + 1, start
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
                                            file=str(path), line=row_start))
                    continue
            rows.append(row)
            lines.append(row_start)
    except csv.Error as exc:
        what = f"cannot parse CSV: {exc}"
        if "field larger than field limit" in str(exc):
            what = f"a text cell of more than {csv.field_size_limit():,} characters; a cell may hold at most " \
                   f"{MAX_CELL_CHARS:,} (docs/data.md)"
        raise DataError([Problem(what, file=str(path), line=start)]) from None
    if lines and _ends_inside_quotes(text, lines[-1]):
        raise DataError([Problem("a quote opened in this row is never closed, so the rest of the file would be "
                                 "one cell (a stray \"?)", file=str(path), line=lines[-1])])
    if header is None:
        raise DataError([Problem("the file is empty: a CSV table needs at least a header row",
                                 file=str(path))])
    if problems:
        more = len(problems) - 20
        raise DataError(problems[:20] + ([Problem(f"... and {more} more rows like these",
                                                  file=str(path))] if more > 0 else []))
    return table_from_rows(name, header, rows, schema, source=source,
                           lines=np.asarray(lines, dtype=np.int64), strict=strict)


def _ends_inside_quotes(text: str, line: int) -> bool:
    """Whether the file ends inside a quoted cell that opens in the row starting on
    ``line`` (the lenient reader then takes the rest of the file as that cell)."""
    tail = "".join(io.StringIO(text, newline="").readlines()[line - 1:])
    try:
        for _ in csv.reader(io.StringIO(tail, newline=""), strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _tokenize_fast(text: str) -> tuple[list[str], list[list[str] | np.ndarray], np.ndarray] | None:
    """Header, text columns and line numbers of a plain CSV file, or None when the file
    needs the careful reader (quotes, blank lines, rows of the wrong width).

    One split of the whole text (used when pyarrow is not installed); the cells are then
    read by the same rules as the careful reader's.
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
    # Python strings, not one fixed-width array: one long cell would set every cell's width
    cells = body[newline + 1:].replace("\n", ",").split(",")
    if len(cells) != n_rows * width:
        return None
    return header, [cells[i::width] for i in range(width)], lines


def _read_plain_with_arrow(raw: bytes, schema: Mapping[str, str] | None = None):
    """Header and pyarrow columns of a plain file (no quotes, NULs or blank lines, valid
    UTF-8, rows of the header's width), or None for the careful reader. Declared int,
    float, date and str columns are parsed by pyarrow as it reads when every cell is plain
    (ISO dates, no stray spaces); otherwise every column comes as text."""
    if b'"' in raw or b"\x00" in raw:
        return None
    start = 3 if raw.startswith(b"\xef\xbb\xbf") else 0  # pyarrow skips the mark itself
    if len(raw) <= start or raw[start:start + 1] in (b"\n", b"\r"):
        return None
    newline = raw.find(b"\n", start)
    first = raw[start: newline if newline >= 0 else len(raw)].rstrip(b"\r")
    try:
        header = [cell.strip() for cell in first.decode("utf-8").split(",")]
    except UnicodeDecodeError:
        return None
    if len(set(header)) != len(header) or not all(header):
        return None  # the careful reader says what is wrong with the header
    types = _types_to_read(raw, header, schema or {})
    columns = _tokenize_arrow(raw, header, types) if types else None
    if columns is not None and not all(_typed_cells_are_plain(cells) for cells in columns):
        columns = None
    if columns is None:
        columns = _tokenize_arrow(raw, header)
    if columns is None:
        return None
    lines = raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)
    if (len(columns[0]) if columns else 0) + 1 != lines:
        return None  # pyarrow skipped blank lines: the careful reader keeps line numbers right
    return header, columns


_SAMPLE_ROWS = 500  # enough to guess; a wrong guess costs a text read, never a wrong type


def _types_to_read(raw: bytes, header: list[str], schema: Mapping[str, str]) -> dict[str, str]:
    """Declared types, and for undeclared columns the type the first rows suggest (int,
    float, date or str), to try reading every cell as. A typed read succeeds only when
    every cell reads as its type, so a suggestion from the sample that the rest of the
    column contradicts costs a second, text read, never a different result."""
    types = {name: schema[name] for name in header if name in schema}
    hexadecimal = b"0x" in raw or b"0X" in raw  # pyarrow reads "0x10" as the int 16; SPEC ints are decimal
    if hexadecimal:
        types = {name: type_ for name, type_ in types.items() if type_ != "int"}
    undeclared = [name for name in header if name not in schema]
    if not undeclared:
        return types
    end = -1
    for _ in range(_SAMPLE_ROWS + 1):
        end = raw.find(b"\n", end + 1)
        if end < 0:
            end = len(raw)
            break
    # the file is plain (no quotes): its first rows split on commas exactly
    lines = raw[:end].decode("utf-8-sig", errors="replace").replace("\r", "").split("\n")[1:]
    rows = [line.split(",") for line in lines if line]
    if not rows or any(len(row) != len(header) for row in rows):
        return types
    for name, cells in zip(header, zip(*rows)):
        if name in undeclared:
            suggested = infer_text_type(as_text([cell.strip() for cell in cells]))
            if suggested in ("int", "float", "date", "str") and not (suggested == "int" and hexadecimal):
                types[name] = suggested
    return types


def _tokenize_arrow(raw: bytes, header: list[str], schema: Mapping[str, str] | None = None) -> list | None:
    """pyarrow's columns: all text, or (given a schema) typed as declared, where an empty
    cell is null. None when pyarrow is absent or a cell does not read as its type."""
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:
        return None
    if schema:
        arrow_types = {"int": pa.int64(), "float": pa.float64(), "date": pa.date32(),
                       "str": pa.dictionary(pa.int32(), pa.string())}
        types = {name: arrow_types.get(schema.get(name), pa.string()) for name in header}
        options = pacsv.ConvertOptions(column_types=types, null_values=[""], strings_can_be_null=False,
                                       quoted_strings_can_be_null=False)
    else:
        types = {name: pa.string() for name in header}
        options = pacsv.ConvertOptions(column_types=types, strings_can_be_null=False)
    try:
        table = pacsv.read_csv(io.BytesIO(raw), read_options=pacsv.ReadOptions(column_names=header, skip_rows=1),
                               convert_options=options)
    except (pa.ArrowInvalid, ValueError):
        return None
    return [table.column(i).combine_chunks() for i in range(len(header))]


def _column_from_arrow(name: str, cells, type_: str | None, *, table: str, row_label, strict: bool):
    """A column from pyarrow strings, converted by pyarrow where that is exact, else None
    (the caller then reads the cells with the numpy reader, which counts what fails)."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:
        return None
    if not isinstance(cells, (pa.Array, pa.ChunkedArray)):
        return None
    if isinstance(cells, pa.ChunkedArray):
        cells = cells.combine_chunks()
    if not pa.types.is_string(cells.type):
        _check_cell_lengths(name, cells, table, row_label)
        return _column_from_typed_arrow(name, cells, declared=type_ is not None)
    n = len(cells)
    offsets, data = _string_buffers(cells)
    _check_cell_lengths(name, cells, table, row_label)
    data = data[offsets[0]: offsets[-1]] if n else data[:0]
    if data.size and ((data == 32).any() or (data == 9).any() or (data == 13).any()):
        trimmed = pc.utf8_trim_whitespace(cells)
        empty = pc.equal(pc.utf8_length(trimmed), 0).to_numpy(zero_copy_only=False)
    else:
        trimmed = cells
        empty = np.diff(offsets) == 0
    if type_ is None:
        sample = as_text(trimmed.slice(0, 2000).to_numpy(zero_copy_only=False))
        type_ = infer_text_type(sample)
        if type_ in (NULL, "bool"):
            return None  # rare; the numpy reader decides on the whole column
        declared = False
    else:
        declared = True
    missing = empty if empty.any() else None
    present = pc.if_else(pa.array(empty), pa.scalar(None, pa.string()), trimmed)
    if type_ in ("int", "float") and not _ASCII_NUMBER_BYTES[type_][data].all():
        return None  # a character SPEC numbers do not have (pyarrow reads "0x10"): the numpy reader's rules
    try:
        if type_ == "int":
            values = pc.cast(present, pa.int64())
            return Column(name, "int", values.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64),
                          missing, None, declared)
        if type_ == "float":
            values = pc.cast(present, pa.float64())
            data = values.fill_null(np.nan).to_numpy(zero_copy_only=False).astype(np.float64)
            if not np.isfinite(data[~empty]).all():
                return None
            return Column(name, "float", data, missing, None, declared)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if type_ == "date":
        data, exact = _arrow_dates(trimmed)
        others = np.flatnonzero(~exact & ~empty)
        if others.size:  # cells that are not 10 ASCII characters, or do not read: the numpy reader's rules
            rest = trimmed.take(pa.array(others)).to_numpy(zero_copy_only=False)
            sub = column_from_text(name, rest, "date", table=table, row_label=lambda i: row_label(int(others[i])),
                                   strict=strict)
            data[others] = sub.data
            bad = np.zeros(n, dtype=bool)
            if sub.unreadable_rows is not None:
                bad[others[sub.unreadable_rows]] = True
            is_missing = data == NAT
            return Column(name, "date", data, is_missing if is_missing.any() else None, None, declared,
                          int(bad.sum()), tuple((int(others[r]), t) for r, t in sub.unreadable_examples),
                          bad if bad.any() else None)
        return Column(name, "date", data, missing, None, declared)
    if type_ == "str":
        encoded = pc.dictionary_encode(cells)
        dictionary = as_text(encoded.dictionary.to_numpy(zero_copy_only=False))
        order = np.argsort(dictionary, kind="stable")
        rank = np.empty(order.size, dtype=np.int32)
        rank[order] = np.arange(order.size, dtype=np.int32)
        codes = rank[encoded.indices.to_numpy(zero_copy_only=False)]
        if missing is not None:
            codes = np.where(missing, -1, codes).astype(np.int32)
        return Column(name, "str", codes, missing, dictionary[order].astype(object), declared)
    return None


def _typed_cells_are_plain(cells) -> bool:
    """Whether pyarrow's typed reading of a column is what the text reader's rules give:
    no text with stray spaces (which the text reader treats as written) and no infinite or
    NaN numbers (which it does not read)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(cells.type):
        words = cells.dictionary
        return not len(words) or pc.all(pc.equal(pc.utf8_trim_whitespace(words), words)).as_py()
    if pa.types.is_floating(cells.type):
        return bool(pc.all(pc.is_finite(cells)).as_py() in (True, None))
    return True


def _column_from_typed_arrow(name: str, cells, declared: bool):
    """A column that pyarrow parsed as it read (an empty cell is null), its type declared
    or suggested by its first rows."""
    import pyarrow as pa
    import pyarrow.compute as pc

    nulls = cells.is_null().to_numpy(zero_copy_only=False)
    missing = nulls if nulls.any() else None
    if pa.types.is_dictionary(cells.type):
        # text is never null as pyarrow reads it: an empty cell is the word "" (missing)
        words = as_text(cells.dictionary.to_numpy(zero_copy_only=False))
        indices = cells.indices.to_numpy(zero_copy_only=False)
        kept = np.flatnonzero(words != "")
        order = kept[np.argsort(words[kept], kind="stable")]
        rank = np.full(words.size + 1, -1, dtype=np.int32)  # -1 for ""
        rank[order] = np.arange(order.size, dtype=np.int32)
        codes = rank[indices] if indices.size else np.zeros(0, dtype=np.int32)
        empty = codes < 0
        return Column(name, "str", codes, empty if empty.any() else None, words[order].astype(object), declared)
    if pa.types.is_date32(cells.type):
        days = pc.cast(cells, pa.int32()).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
        if missing is not None:
            days[missing] = NAT
        return Column(name, "date", days, missing, None, declared)
    if pa.types.is_floating(cells.type):
        data = cells.fill_null(np.nan).to_numpy(zero_copy_only=False).astype(np.float64)
        return Column(name, "float", data, missing, None, declared)
    data = cells.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    return Column(name, "int", data, missing, None, declared)


def _ascii_bytes(chars: bytes) -> np.ndarray:
    table = np.zeros(256, dtype=bool)
    table[list(chars)] = True
    return table


_ASCII_NUMBER_BYTES = {"int": _ascii_bytes(b"+-0123456789 \t\r"), "float": _ascii_bytes(b"+-.0123456789eE \t\r")}


def _check_cell_lengths(name: str, cells, table: str, row_label) -> None:
    """A cell longer than MAX_CELL_CHARS is an error naming its row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not len(cells):
        return
    if pa.types.is_dictionary(cells.type):
        words = pc.utf8_length(cells.dictionary).to_numpy(zero_copy_only=False)
        if not words.size or words.max() <= MAX_CELL_CHARS:
            return
        size = words[cells.indices.to_numpy(zero_copy_only=False)]
    elif pa.types.is_string(cells.type):
        size = pc.utf8_length(cells).fill_null(0).to_numpy(zero_copy_only=False)
    else:
        return
    over = np.flatnonzero(size > MAX_CELL_CHARS)
    if over.size:
        row = int(over[0])
        raise DataError([Problem(too_long_message(row_label(row), int(size[row])), path=f"{table}.{name}")])


def _string_buffers(strings) -> tuple[np.ndarray, np.ndarray]:
    """Offsets and UTF-8 bytes of a pyarrow string array, without copying."""
    _, offsets_buffer, data_buffer = strings.buffers()[:3]
    offsets = np.frombuffer(offsets_buffer, dtype=np.int32)[strings.offset: strings.offset + len(strings) + 1]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    return offsets, data


def _arrow_dates(strings) -> tuple[np.ndarray, np.ndarray]:
    """Day numbers of the 10-character cells of a pyarrow string array, read from its bytes."""
    import pyarrow as pa

    if isinstance(strings, pa.ChunkedArray):
        strings = strings.combine_chunks()
    n = len(strings)
    offsets, data = _string_buffers(strings)
    lengths = np.diff(offsets)
    candidates = np.flatnonzero(lengths == 10)
    days = np.full(n, NAT, dtype=np.int64)
    exact = np.zeros(n, dtype=bool)
    if candidates.size == n and n:  # every cell is 10 bytes: the buffer is the matrix
        chars = data[offsets[0]: offsets[0] + 10 * n].reshape(n, 10)
        days, exact = parse_date_chars(chars)
        return days, exact
    if candidates.size:
        chars = data[offsets[candidates][:, None] + np.arange(10)]
        read_days, read_ok = parse_date_chars(chars)
        days[candidates[read_ok]] = read_days[read_ok]
        exact[candidates[read_ok]] = True
    return days, exact


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
