"""The ``annex-a`` loader: an Annex A workbook, or a folder of CSV files, as tables."""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Callable, Iterator, Mapping

import attrs
import numpy as np

from indicators import DataError, Problem, Table, table_from_mapping
from indicators.extracts import column_letters

from ._codes import read_codes
from ._spec import LISTS, PATTERNS, TEMPLATE_SHEETS, AnnexColumn, AnnexList, headers_of, list_of_name, \
    normalise_header
from ._text import check_encoding, read_csv_rows, text_column

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
_HEADER_SEARCH_ROWS = 10  # a title row or two may sit above the headers
_MAX_EXAMPLES = 5
# a 'closest header' only this alike: 'Date of Contcat' is 'Date of Contact', 'Date Closed' is not
_SIMILAR = 0.75


@attrs.frozen
class Sheet:
    """One sheet of a workbook, or one CSV file: its rows of cell values as read."""

    file: str  # the workbook or CSV file, as the user named it
    name: str | None  # the sheet's name (None for a CSV file)
    rows: Callable[[], list[list]]
    # cells that neither reader gives as written, by (row, column) from 0: Excel errors
    # ("#N/A"), formulas without a saved value, serials before 1900 (see _odd_cells)
    odd: Callable[[set[int]], dict[tuple[int, int], str]] = lambda columns: {}

    @property
    def label(self) -> str:
        return Path(self.file).stem if self.name is None else self.name

    def where(self, column: str | None = None) -> str | None:
        parts = [] if self.name is None else [f"sheet {self.name!r}"]
        if column is not None:
            parts.append(f"column {column!r}")
        return ", ".join(parts) or None


def read_annex_a(location: str | os.PathLike, schemas: Mapping[str, Mapping[str, str]] | None = None, *,
                 strict: bool = False, only: set[str] | None = None, encoding: str = "auto",
                 excel_reader: str | None = None) -> dict[str, Table]:
    """The lists of an Annex A workbook (``.xlsx``) or folder of CSV files, one table per list.

    Lists are found by sheet (or file) name ("List 1", "List_8 Children in care") or, when
    the name does not say, by their headers. ``only`` limits reading to those tables;
    ``encoding`` (auto, utf-8 or windows-1252) is that of CSV files; ``excel_reader`` is
    calamine or openpyxl (default: whichever is installed, calamine first).
    """
    check_encoding(encoding)
    path = Path(location)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv" and p.is_file())
        if not files:
            raise DataError([Problem("the folder holds no .csv files (an Annex A folder holds one CSV file per "
                                     "list)", file=str(path))])
        sheets = [Sheet(str(p), None, lambda p=p: read_csv_rows(p, encoding, multiline=False)) for p in files]
    elif path.suffix.lower() in EXCEL_SUFFIXES:
        sheets = list(_workbook_sheets(path, excel_reader))
    elif path.suffix.lower() == ".csv":
        sheets = [Sheet(str(path), None, lambda: read_csv_rows(path, encoding, multiline=False))]
    elif not path.exists():
        raise DataError([Problem("no such Annex A workbook or folder", file=str(path))])
    else:
        raise DataError([Problem("not an Annex A workbook (.xlsx) or folder of CSV files", file=str(path))])
    tables: dict[str, Table] = {}
    origin: dict[str, Sheet] = {}
    problems: list[Problem] = []
    for sheet in sheets:
        named = list_of_name(sheet.label)
        if named is not None and only is not None and LISTS[named].table not in only:
            continue
        try:
            found = _read_sheet(sheet, named, strict)
        except DataError as exc:
            problems.extend(exc.problems)
            continue
        if found is None:
            continue
        annex, table = found
        if only is not None and annex.table not in only:
            continue
        if annex.table in tables:
            first = origin[annex.table]
            problems.append(Problem(f"holds List {annex.number} ({annex.title}) a second time (first in "
                                    f"{first.where() or first.file})", file=sheet.file, path=sheet.where()))
            continue
        tables[annex.table] = table
        origin[annex.table] = sheet
    if problems:
        raise DataError(problems)
    return tables


def _workbook_sheets(path: Path, reader: str | None) -> Iterator[Sheet]:
    if not path.is_file():
        raise DataError([Problem("no such Annex A workbook", file=str(path))])
    if reader in (None, "calamine"):
        try:
            from python_calamine import CalamineWorkbook
        except ImportError:
            if reader == "calamine":
                raise
        else:
            try:
                book = CalamineWorkbook.from_path(str(path))
                names = list(book.sheet_names)
            except Exception as exc:  # calamine's errors are its own types
                raise DataError([Problem(f"cannot read the workbook: {exc}", file=str(path))]) from None
            _check_sheets(path, names)
            odd = _odd_cells(path)
            for name in names:
                yield Sheet(str(path), name, _guarded(path, name, lambda name=name: book.get_sheet_by_name(
                    name).to_python(skip_empty_area=False)), _guarded(path, name, lambda columns, name=name: odd(name, columns)))
            return
    try:
        import openpyxl
    except ImportError:
        raise DataError([Problem("reading Excel workbooks needs an optional extra: pip install 'indicators[excel]' "
                                 "(or save each list as a CSV file in one folder)", file=str(path))]) from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise DataError([Problem(f"cannot read the workbook: {exc}", file=str(path))]) from None
    _check_sheets(path, book.sheetnames)
    odd = _odd_cells(path)
    for name in book.sheetnames:
        yield Sheet(str(path), name, _guarded(path, name, lambda name=name: [
            list(row) for row in book[name].iter_rows(values_only=True)]), _guarded(
            path, name, lambda columns, name=name: odd(name, columns)))


def _odd_cells(path: Path) -> Callable[[str, set[int]], dict[tuple[int, int], str]]:
    """The cells of a sheet's given columns (from 0) that a date column must count
    unreadable but the readers give differently or as blank: an Excel error (calamine
    gives "", openpyxl "#N/A"), a formula with no saved value (both give blank) and a
    number below 1, a serial before 1900 (calamine gives a time or the number, openpyxl
    a day in 1899); by (row, column) from 0. Read from the sheet's XML, only the cells of
    those columns, as a regular expression finds them (parsing every cell took longer
    than calamine's whole reading)."""
    import posixpath
    import re
    import zipfile
    from xml.etree import ElementTree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    members: dict[str, str] = {}

    def read(name: str, columns: set[int]) -> dict[tuple[int, int], str]:
        if not columns:
            return {}
        with zipfile.ZipFile(path) as book:
            if not members:
                workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
                rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
                targets = {r.get("Id"): r.get("Target", "") for r in rels}
                for sheet in workbook.iter(f"{main}sheet"):
                    target = targets.get(sheet.get(rel), "")
                    members[sheet.get("name")] = (target.lstrip("/") if target.startswith("/")
                                                  else posixpath.normpath("xl/" + target))
            member = members.get(name)
            if member is None or member not in book.namelist():
                return {}
            data = book.read(member)
        by_letters = {column_letters(index).encode(): index for index in columns}
        pattern = re.compile(rb'<c\b([^>]*?\br="(' + b"|".join(by_letters) + rb')(\d+)"[^>]*?)(?:/>|>(.*?)</c>)',
                             re.DOTALL)
        found: dict[tuple[int, int], str] = {}
        for match in pattern.finditer(data):
            attributes, column, row, content = match.groups()
            error = b't="e"' in attributes
            if content is None or not (error or b"<f" in content or content[3:4] in (b"-", b"0", b".", b"<")
                                       or not content.startswith(b"<v>")):
                continue  # a blank cell, or a plain value (a serial from 1, a string's index)
            value = re.search(rb"<v[^>]*>([^<]*)</v>", content)
            text = value.group(1).decode() if value else ""
            kind = re.search(rb'\bt="([^"]*)"', attributes)
            kind = kind.group(1) if kind else b"n"
            odd = None
            if error:
                odd = text or "#error"
            elif b"<f" in content and not text:
                formula = re.search(rb"<f[^>]*>([^<]*)</f>", content)
                odd = f"={formula.group(1).decode() if formula else ''} (a formula with no saved value)"
            elif kind == b"n" and text:
                try:
                    if float(text) < 1:
                        odd = text
                except ValueError:
                    pass
            if odd is not None:
                found[(int(row) - 1, by_letters[column])] = odd
        return found

    return read


def _check_sheets(path: Path, names: list[str]) -> None:
    if not names:
        raise DataError([Problem("cannot read the workbook: it holds no sheets (is it an Excel workbook, with "
                                 "xl/workbook.xml?)", file=str(path))])


def _guarded(path: Path, name: str, read: Callable) -> Callable:
    """``read``, with a damaged sheet (bad XML, a cut-off file) one message naming the
    workbook and sheet rather than the reader's own error."""
    def rows(*args):
        try:
            return read(*args)
        except DataError:
            raise
        except Exception as exc:  # calamine's and openpyxl's errors are their own types
            raise DataError([Problem(f"cannot read the sheet, the workbook is damaged: {type(exc).__name__}: "
                                     f"{exc}", file=str(path), path=f"sheet {name!r}")]) from None
    return rows


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_cells(row: list) -> list[str]:
    return ["" if _blank(cell) else str(cell) for cell in row]


def _match_header(text: str, known: dict[str, AnnexColumn], annex: AnnexList) -> AnnexColumn | None:
    normal = normalise_header(text)
    if normal in known:
        return known[normal]
    for column in annex.columns:
        if any(pattern.search(normal) for pattern in PATTERNS.get(column.name, ())):
            return column
    return None


def _matches(row: list[str], annex: AnnexList) -> int:
    known = headers_of(annex)
    return len({c.name for text in row if text and (c := _match_header(text, known, annex)) is not None})


def _find_header(rows: list[list], candidates: list[AnnexList]) -> tuple[int, AnnexList] | None:
    """The header row and the list it belongs to: the first of the top rows that holds
    every required header of a candidate list (the list matching most columns wins)."""
    for index, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        cells = _header_cells(row)
        if sum(1 for c in cells if c) < 2:
            continue
        best = None
        for annex in candidates:
            matched = _matches(cells, annex)
            required = sum(1 for c in annex.columns if c.required)
            known = headers_of(annex)
            has_required = {c.name for text in cells if text
                            and (c := _match_header(text, known, annex)) is not None and c.required}
            if len(has_required) == required and (best is None or matched > best[0]):
                best = (matched, annex)
        if best is not None:
            return index, best[1]
    return None


def _best_guess(rows: list[list], candidates: list[AnnexList]) -> tuple[int, AnnexList] | None:
    """The top row matching the most headers of any candidate, for messages."""
    best = None
    for index, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        cells = _header_cells(row)
        for annex in candidates:
            matched = _matches(cells, annex)
            if matched >= 2 and (best is None or matched > best[0]):
                best = (matched, index, annex)
    return None if best is None else (best[1], best[2])


def _read_sheet(sheet: Sheet, named: int | None, strict: bool) -> tuple[AnnexList, Table] | None:
    rows = sheet.rows()
    if not any(any(not _blank(cell) for cell in row) for row in rows):
        if named is None:
            return None  # an empty sheet that names no list
        raise DataError([Problem(f"List {named} is empty: it needs a header row", file=sheet.file,
                                 path=sheet.where())])
    if named is None and normalise_header(sheet.label) in TEMPLATE_SHEETS:
        return None
    candidates = [LISTS[named]] if named is not None else list(LISTS.values())
    found = _find_header(rows, candidates)
    if found is None:
        guess = _best_guess(rows, candidates)
        if guess is None:
            if named is None:
                what = "sheet" if sheet.name is not None else "file"
                raise DataError([Problem(
                    f"unknown {what}: its name does not say which list it holds (such as 'List 1') and none of "
                    "its first rows holds the headers of an Annex A list", file=sheet.file, path=sheet.where())])
            annex = LISTS[named]
            raise DataError([Problem(
                f"cannot find the header row of List {named} ({annex.title}) in the first {_HEADER_SEARCH_ROWS} "
                f"rows; expected headers such as {', '.join(repr(c.header) for c in annex.columns[:3])}",
                file=sheet.file, path=sheet.where())])
        found = guess
    header_index, annex = found
    return annex, _build_table(sheet, annex, rows, header_index, strict)


def _build_table(sheet: Sheet, annex: AnnexList, rows: list[list], header_index: int, strict: bool) -> Table:
    header = _header_cells(rows[header_index])
    known = headers_of(annex)
    problems: list[Problem] = []
    chosen: dict[str, tuple[int, AnnexColumn]] = {}
    unmatched: list[tuple[int, str]] = []
    for index, text in enumerate(header):
        if not text:
            continue
        column = _match_header(text, known, annex)
        if column is None:
            unmatched.append((index, text))
        elif column.name in chosen:
            problems.append(Problem(f"headers {header[chosen[column.name][0]]!r} and {text!r} both read as "
                                    f"{column.header!r}; keep one", file=sheet.file, path=sheet.where(text)))
        else:
            chosen[column.name] = (index, column)
    absent = [c for c in annex.columns if c.name not in chosen]
    paired: set[str] = set()
    for index, text in unmatched:
        closest = _closest(text, [c.header for c in absent if c.header not in paired])
        if closest is not None:  # most likely the missing column, misspelt
            paired.add(closest)
            problems.append(Problem(
                f"List {annex.number} ({annex.title}) has no column {closest!r}, and this header matches no "
                f"column; is it {closest!r}?", file=sheet.file, path=sheet.where(text)))
            continue
        closest = _closest(text, [c.header for c in annex.columns])
        problems.append(Problem(
            f"unknown header in List {annex.number} ({annex.title})"
            + (f"; the closest known header is {closest!r}" if closest else ""),
            file=sheet.file, path=sheet.where(text)))
    for column in absent:
        if column.required and column.header not in paired:
            problems.append(Problem(f"List {annex.number} ({annex.title}) has no column {column.header!r}",
                                    file=sheet.file, path=sheet.where()))
    if problems:
        raise DataError(problems)
    body = rows[header_index + 1:]
    if sheet.name is None:  # a CSV row longer than its header has cells with no column: not silently dropped
        width = max(i for i, text in enumerate(header) if text) + 1
        longer = [Problem(f"row has {len(row)} cells but the header has {width}, and the cells beyond it are not "
                          "empty (a comma inside a cell that is not quoted?)", file=sheet.file,
                          line=header_index + 2 + i)
                  for i, row in enumerate(body) if len(row) > width and any(not _blank(c) for c in row[width:])]
        if longer:
            raise DataError(longer[:20])
    dated = {index for index, column in chosen.values() if column.type == "date"}
    odd = sheet.odd(dated)
    odd_rows = {row for row, _ in odd}
    kept = [i for i, row in enumerate(body) if any(not _blank(cell) for cell in row)
            or header_index + 1 + i in odd_rows]
    lines = np.asarray(kept, dtype=np.int64) + header_index + 2  # 1-based row numbers of the sheet or file
    texts: dict[str, np.ndarray] = {}
    types: dict[str, str] = {}
    for name, (index, column) in sorted(chosen.items(), key=lambda item: item[1][0]):
        cells = [body[i][index] if index < len(body[i]) else None for i in kept]
        if column.type == "date" and odd:
            first = header_index + 1
            cells = [odd.get((first + i, index), cell) for i, cell in zip(kept, cells)]
        texts[name] = text_column(cells, "age" if name == "age" else column.type)
        types[name] = column.type
    source = Path(sheet.file).name + ("" if sheet.name is None else f" sheet {sheet.name!r}")
    table = table_from_mapping(annex.table, texts, types)
    columns = dict(table.columns)
    for name, (index, column) in chosen.items():
        if column.vocabulary is not None:
            values, unknown = read_codes(texts[name], column.vocabulary)
            coded = table_from_mapping(annex.table, {name: values}, {name: "str"}).columns[name]
            rows_unknown = np.flatnonzero(unknown)
            columns[name] = attrs.evolve(coded, unknown_codes=int(rows_unknown.size),
                                         unknown_examples=tuple((int(r), str(values[r]))
                                                                for r in rows_unknown[:_MAX_EXAMPLES]))
    table = Table(annex.table, columns, table.n_rows, source, lines)
    if strict:
        _raise_unreadable(sheet, table, chosen, lines)
    return table


def _raise_unreadable(sheet: Sheet, table: Table, chosen: dict[str, tuple[int, AnnexColumn]],
                      lines: np.ndarray) -> None:
    problems = []
    for name, column in table.columns.items():
        header = chosen[name][1].header
        for row, text in column.unreadable_examples:
            problems.append(Problem(f"row {int(lines[row])}: cannot read {text!r} as {column.type}",
                                    file=sheet.file, path=sheet.where(header)))
    if problems:
        raise DataError(problems)


def _closest(text: str, choices: list[str]) -> str | None:
    by_normal = {normalise_header(choice): choice for choice in choices}
    match = difflib.get_close_matches(normalise_header(text), list(by_normal), n=1, cutoff=_SIMILAR)
    return by_normal[match[0]] if match else None
