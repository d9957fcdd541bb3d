"""The ``ssda903`` loader: the children looked after return's CSV files as tables, one
year's folder or several years' folders merged."""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Mapping

import attrs
import numpy as np

from indicators import DataError, Problem, Table, table_from_mapping

from indicators.extracts import check_encoding, read_csv_rows, text_column

_MAX_EXAMPLES = 5
_SIMILAR = 0.75  # a 'closest header' only this alike: 'DECOMM' for DECOM, not 'DEC_DATE'


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Code lists by collection year, from liia-tools' SSDA903 schemas (the 2017 schema and the
# 2019, 2022, 2024, 2025 and 2026 diffs; docs/ssda903.md): (first year, codes) from the
# earliest year. A year is the 31 March its return ends; years before 2017 take the 2017 list.
ByYear = tuple[tuple[int, frozenset[str]], ...]


def _by_year(*entries: tuple[int, str]) -> ByYear:
    return tuple((year, _codes(text)) for year, text in entries)


def codes_for(codes: frozenset[str] | ByYear, year: int | None) -> frozenset[str]:
    """The codes valid in the return for the year ending 31 March ``year``; every year's
    codes when the year is not known."""
    if isinstance(codes, frozenset):
        return codes
    if year is None:
        return frozenset().union(*(listed for _, listed in codes))
    valid = codes[0][1]
    for first, listed in codes:
        if first <= year:
            valid = listed
    return valid


SEX = _by_year((2017, "1 2"), (2025, "M F U"))
UASC_SEX = _by_year((2017, "1 2"), (2025, "1 2 M F U"))  # the UASC table may still carry 1 and 2
ETHNIC = _codes("WBRI WIRI WIRT WOTH WROM MWBC MWBA MWAS MOTH AIND APKN ABAN AOTH BCRB BAFR BOTH CHNE OOTH "
                "REFU NOBT")
RNE = _codes("S L P T B U")
LS = _codes("C1 C2 D1 E1 V2 V3 V4 L1 L2 L3 J1 J2 J3")
CIN = _codes("N1 N2 N3 N4 N5 N6 N7 N8")
_PLACE = "A3 A4 A5 A6 K1 K2 P1 P3 R1 R2 R3 R5 S1 T0 T1 T2 T3 T4 U1 U2 U3 U4 U5 U6 Z1"
PLACE = _by_year((2017, _PLACE + " H5 P2"), (2025, _PLACE + " K3"), (2026, _PLACE + " K3 Z11 Z12 Z13 Z14"))
PLACE_PROVIDER = _codes("PR0 PR1 PR2 PR3 PR4 PR5")
_REC = "X1 E11 E12 E2 E3 E4A E4B E13 E41 E5 E6 E7 E8 E9 E14 E15 E16 E17"
REC = _by_year((2017, _REC + " E43 E44"), (2019, _REC + " E45 E46 E47 E48"))  # special guardianship split
_REASON_PLACE_CHANGE = "CARPL CLOSE ALLEG STAND APPRR CREQB CREQO CHILD LAREQ PLACE OTHER"
REASON_PLACE_CHANGE = _by_year((2017, _REASON_PLACE_CHANGE), (2019, _REASON_PLACE_CHANGE + " CUSTOD"))
REVIEW_CODE = _codes("PN0 PN1 PN2 PN3 PN4 PN5 PN6 PN7")
SDQ_REASON = _codes("SDQ1 SDQ2 SDQ3 SDQ4 SDQ5")
IN_TOUCH = _codes("YES NO DIED REFU NREQ RHOM")
ACTIV = _by_year((2017, "F1 P1 F2 P2 F3 P3 G4 G5 G6 0"), (2022, "F1 P1 F2 P2 F4 P4 F5 P5 G4 G5 G6 0"))
ACCOM = _codes("B1 B2 C1 C2 D1 D2 E1 E2 G1 G2 H1 H2 K1 K2 R1 R2 S1 S2 T1 T2 U1 U2 V1 V2 W1 W2 X1 X2 "
               "Y1 Y2 Z1 Z2 0")
SEX_ADOPTR = _codes("M1 F1 MM FF MF")
LS_ADOPTR = _codes("L0 L11 L12 L2 L3 L4")
REASON_PLACED_CEASED = _codes("RD1 RD2 RD3 RD4")
PREV_PERM = _codes("P1 P2 P3 P4 Z1")
MISSING = _codes("M A")
SW_REASON = _codes("MANAGE FCONTA LEFTRL ORGRST TSPROC ABSENC CHCHAN PCCHAN SWDIED OTHERS")
FLAG = _codes("0 1")


@attrs.frozen
class Field:
    name: str  # as the return's CSV header writes it
    type: str = "str"
    codes: frozenset[str] | ByYear | None = None  # by collection year where they changed
    required: bool = True

    @property
    def column(self) -> str:
        return self.name.lower()


@attrs.frozen
class ReturnTable:
    table: str
    title: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]  # one row per key across years: the latest year's row is kept
    file_names: tuple[str, ...]


def _f(spec: str) -> tuple[Field, ...]:
    return tuple(Field(name) for name in spec.split())


_CHILD, _DOB = Field("CHILD"), Field("DOB", "date")
TABLES: dict[str, ReturnTable] = {t.table: t for t in (
    ReturnTable("header", "Header", (_CHILD, Field("SEX", codes=SEX), _DOB, Field("ETHNIC", codes=ETHNIC),
                                     Field("UPN"), Field("MOTHER", "int", FLAG), Field("MC_DOB", "date")),
                ("child",), ("header",)),
    ReturnTable("episodes", "Episodes", (
        _CHILD, Field("DECOM", "date"), Field("RNE", codes=RNE), Field("LS", codes=LS), Field("CIN", codes=CIN),
        Field("PLACE", codes=PLACE), Field("PLACE_PROVIDER", codes=PLACE_PROVIDER), Field("DEC", "date"),
        Field("REC", codes=REC), Field("REASON_PLACE_CHANGE", codes=REASON_PLACE_CHANGE), Field("HOME_POST"),
        Field("PL_POST"), Field("URN")), ("child", "decom"), ("episodes",)),
    ReturnTable("reviews", "Reviews", (_CHILD, _DOB, Field("REVIEW", "date"), Field("REVIEW_CODE", codes=REVIEW_CODE)),
                ("child", "review"), ("reviews",)),
    ReturnTable("uasc", "UASC", (_CHILD, Field("SEX", codes=UASC_SEX), _DOB, Field("DUC", "date")), ("child",),
                ("uasc",)),
    ReturnTable("oc2", "OC2 (outcomes of children looked after for 12 months)", (
        _CHILD, _DOB, Field("SDQ_SCORE", "int"), Field("SDQ_REASON", codes=SDQ_REASON),
        *(Field(name, "int", FLAG) for name in ("CONVICTED", "HEALTH_CHECK", "IMMUNISATIONS", "TEETH_CHECK",
                                                "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE")),
        Field("INTERVENTION_RECEIVED", "int", FLAG), Field("INTERVENTION_OFFERED", "int", FLAG)),
        ("child", "collection_end"), ("oc2",)),
    ReturnTable("oc3", "OC3 (care leavers)", (_CHILD, _DOB, Field("IN_TOUCH", codes=IN_TOUCH),
                                              Field("ACTIV", codes=ACTIV), Field("ACCOM", codes=ACCOM)),
                ("child", "collection_end"), ("oc3",)),
    ReturnTable("ad1", "AD1 (adoptions)", (
        _CHILD, _DOB, Field("DATE_INT", "date"), Field("DATE_MATCH", "date"), Field("FOSTER_CARE", "int", FLAG),
        Field("NB_ADOPTR", "int"), Field("SEX_ADOPTR", codes=SEX_ADOPTR), Field("LS_ADOPTR", codes=LS_ADOPTR)),
        ("child",), ("ad1",)),
    ReturnTable("placed_for_adoption", "Placed for adoption", (
        _CHILD, _DOB, Field("DATE_PLACED", "date"), Field("DATE_PLACED_CEASED", "date"),
        Field("REASON_PLACED_CEASED", codes=REASON_PLACED_CEASED)), ("child", "date_placed"),
        ("placed_for_adoption", "placedadoption", "placed adoption")),
    ReturnTable("previous_permanence", "Previous permanence", (
        _CHILD, _DOB, Field("PREV_PERM", codes=PREV_PERM), Field("LA_PERM"), Field("DATE_PERM")),
        ("child",), ("previous_permanence", "prevperm", "prev_perm")),
    ReturnTable("missing", "Missing", (_CHILD, _DOB, Field("MISSING", codes=MISSING), Field("MIS_START", "date"),
                                       Field("MIS_END", "date")), ("child", "mis_start"), ("missing",)),
    ReturnTable("social_worker", "Social worker episodes", (
        _CHILD, _DOB, Field("SW_ID"), Field("SW_DECOM", "date"), Field("SW_DEC", "date"),
        Field("SW_REASON", codes=SW_REASON)), ("child", "sw_decom"),
        ("social_worker", "sw_episodes", "socialworker")),
)}


def _normal(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")


def _table_of(path: Path, header: list[str]) -> ReturnTable | None:
    """The table a file holds: the one whose fields it has all of (the most fields wins);
    else the one its name says."""
    present = {h.strip().upper() for h in header}
    best = None
    for spec in TABLES.values():
        names = {f.name for f in spec.fields}
        if names <= present and (best is None or len(names) > len({f.name for f in best.fields})):
            best = spec
    if best is not None:
        return best
    stem = _normal(path.stem)
    for spec in TABLES.values():
        if any(stem == _normal(n) or stem.endswith("_" + _normal(n)) for n in spec.file_names):
            return spec
    return None


_YEAR = re.compile(r"(?:^|\D)(\d{4})(?:\D?(\d{2}))?$")


def collection_end(folder: str) -> str:
    """The last day of the collection year a folder's name gives ("2017", "2016-17",
    "201617" or "1617": 31 March 2017), as ISO text; "" when the name gives none."""
    match = _YEAR.search(folder.strip())
    if not match:
        return ""
    first, second = match.groups()
    if first.startswith(("19", "20")):
        year = int(first) if second is None else int(first[:2] + second)
    elif second is None:  # "1617"
        year = 2000 + int(first[2:])
    else:
        return ""
    return f"{year:04d}-03-31"


def read_ssda903(location: str | os.PathLike, schemas: Mapping[str, Mapping[str, str]] | None = None, *,
                 strict: bool = False, only: set[str] | None = None, encoding: str = "auto") -> dict[str, Table]:
    """The SSDA903 tables in a folder of the return's CSV files, or in its sub-folders (one
    per year, merged: for each row key the latest year's row is kept). Each table gains
    ``collection_end``, the 31 March that ends the year its folder's name gives."""
    check_encoding(encoding)
    root = Path(location)
    if not root.is_dir():
        raise DataError([Problem("no such folder of SSDA903 CSV files", file=str(root))])
    def csvs(folder: Path) -> list[Path]:
        return sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv" and p.is_file())

    loose = csvs(root)
    years = sorted(p for p in root.iterdir() if p.is_dir() and csvs(p))
    if loose and years:
        raise DataError([Problem(
            f"the folder holds both CSV files ({loose[0].name}, ...) and folders of them ({years[0].name}, ...): "
            "hold one year's files, or one folder per year; move the loose files into a folder named for the "
            "year their return ends (such as '2017' or '2016-17')", file=str(root))])
    folders = [root] if loose else years
    if not folders:
        raise DataError([Problem("the folder holds no .csv files, nor folders of them (one per year)",
                                 file=str(root))])
    ends = {folder: collection_end(folder.name) for folder in folders}
    if len(folders) > 1:
        nameless = [folder.name for folder in folders if not ends[folder]]
        if nameless:
            raise DataError([Problem(
                f"the name of folder {name!r} gives no collection year, so its rows cannot be merged with the "
                "other years': name it for the year its return ends (such as '2017', '2016-17' or '201617')",
                file=str(root / name)) for name in nameless])
        by_end: dict[str, list[str]] = {}
        for folder in folders:
            by_end.setdefault(ends[folder], []).append(folder.name)
        twice = [names for names in by_end.values() if len(names) > 1]
        if twice:
            raise DataError([Problem(f"folders {' and '.join(map(repr, names))} name the same collection year "
                                     "(keep one)", file=str(root)) for names in twice])
        folders.sort(key=lambda folder: ends[folder])  # the latest year's rows win, whatever the names
    parts: dict[str, list[tuple[int, dict[str, np.ndarray], np.ndarray, str]]] = {}
    problems: list[Problem] = []
    for order, folder in enumerate(folders):
        for path in csvs(folder):
            try:
                read = _read_file(path, root, only, encoding)
            except DataError as exc:
                problems.extend(exc.problems)
                continue
            if read is None:
                continue
            spec, columns, lines, raw = read
            end = ends[folder]
            if end:
                problems.extend(_check_year(spec, columns, lines, end, folder, path))
            elif lines.size and "collection_end" in spec.key:
                problems.append(Problem(
                    f"the folder's name ({folder.name!r}) gives no collection year, and the {spec.title} table "
                    "is a year's cohort that needs one: name the folder for the year the return ends (such as "
                    "'2017', '2016-17' or '201617')", file=str(path)))
            parts.setdefault(spec.table, []).append((order, columns, lines, str(path.relative_to(root)),
                                                     str(path), raw))
            columns["collection_end"] = np.array([end] * lines.size, dtype=str) if lines.size else np.zeros(0, str)
    if problems:
        raise DataError(problems)
    tables = {}
    for name, pieces in parts.items():
        tables[name] = _merge(TABLES[name], pieces, strict)
    return tables


def _iso(text: str) -> str:
    """A date cell's text (ISO or UK) as ISO text, or "" when it does not read."""
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})$", text) or re.match(r"^(\d{2})/(\d{2})/(\d{4})$", text)
    if not match:
        return ""
    a, b, c = match.groups()
    return f"{a}-{b}-{c}" if len(a) == 4 else f"{c}-{b}-{a}"


def _check_year(spec: ReturnTable, columns: dict[str, np.ndarray], lines: np.ndarray, end: str, folder: Path,
                path: Path) -> list[Problem]:
    """A year's episodes must fit the year its folder names: some episode starts or ends in
    the collection year (1 April to 31 March), else the folder holds another year's return
    (or its name is wrong) and the merged figures would be silently wrong."""
    if spec.table != "episodes" or not lines.size:
        return []
    dates = [_iso(str(text)) for name in ("decom", "dec") if name in columns for text in np.unique(columns[name])]
    dates = sorted(d for d in dates if d)
    start = f"{int(end[:4]) - 1}-04-01"
    if not dates or any(start <= d <= end for d in dates):
        return []
    return [Problem(f"the folder's name ({folder.name!r}) gives the collection year {start} to {end}, but no "
                    f"episode starts or ends in it (the dates run from {dates[0]} to {dates[-1]}): the folder "
                    "holds another year's return; name it for the year its return ends", file=str(path))]


def _read_file(path: Path, root: Path, only: set[str] | None, encoding: str):
    rows = read_csv_rows(path, encoding, multiline=False)
    header_at = next((i for i, row in enumerate(rows) if any(cell.strip() for cell in row)), None)
    if header_at is None:
        return None  # an empty file, not even a header (liia-tools sees these): left out
    header = [cell.replace("\ufeff", "").strip() for cell in rows[header_at]]
    spec = _table_of(path, header)
    if spec is None:
        raise DataError([Problem("not an SSDA903 table: its header does not hold the columns of any of "
                                 + ", ".join(TABLES), file=str(path), line=header_at + 1)])
    if only is not None and spec.table not in only:
        return None
    upper = [h.upper() for h in header]
    problems = []
    for field in spec.fields:
        if field.name not in upper and field.required:
            unknown = [h for h in upper if h not in {f.name for f in spec.fields}]
            closest = difflib.get_close_matches(field.name, unknown, n=1, cutoff=_SIMILAR)
            problems.append(Problem(f"the {spec.title} table has no column {field.name!r}"
                                    + (f"; the closest header present is {closest[0]!r}" if closest else ""),
                                    file=str(path), line=header_at + 1))
    seen = set()
    for name in upper:
        if name and name in seen:
            problems.append(Problem(f"column {name!r} appears twice in the header", file=str(path), line=header_at + 1))
        seen.add(name)
    body: list[list[str]] = []
    lines: list[int] = []
    for number, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header) and any(cell.strip() for cell in row[len(header):]):
            problems.append(Problem(f"has {len(row)} cells but the header has {len(header)}", file=str(path),
                                    line=number))
            continue
        body.append(row + [""] * (len(header) - len(row)))
        lines.append(number)
    if problems:
        raise DataError(problems[:20])
    types = {f.name: f.type for f in spec.fields}
    columns, raw = {}, {}
    for index, name in enumerate(upper):
        if not name:
            continue
        cells = [row[index] for row in body]
        columns[name.lower()] = text_column(cells, types.get(name, "str"))
        if types.get(name) == "date":  # as written, for messages: '1/13/2016', not '01/13/2016'
            raw[name.lower()] = np.array([cell.strip() for cell in cells], dtype=object)
    return spec, columns, np.asarray(lines, dtype=np.int64), raw


def _merge(spec: ReturnTable, pieces, strict: bool) -> Table:
    """One table from each year's rows: for rows with the same key, the latest year's."""
    names = [f.column for f in spec.fields] + ["collection_end"]
    for _, columns, *_ in pieces:
        names += [c for c in columns if c not in names]
    n = [piece[2].size for piece in pieces]
    merged = {name: np.concatenate([columns.get(name, np.full(size, "", dtype=str)).astype(str)
                                    for (_, columns, *_), size in zip(pieces, n)]) for name in names}
    lines = np.concatenate([piece[2] for piece in pieces])
    sources = np.concatenate([np.full(size, piece[4], dtype=object) for piece, size in zip(pieces, n)])
    order = np.concatenate([np.full(size, piece[0]) for piece, size in zip(pieces, n)])
    keep = np.ones(lines.size, dtype=bool)
    if len(pieces) > 1:
        key = np.array(["\x1f".join(values) for values in zip(*(merged[k] for k in spec.key))], dtype=object)
        # the last row of each key in year order wins
        positions = np.lexsort((np.arange(lines.size), order))
        _, last = np.unique(key[positions][::-1], return_index=True)
        keep[:] = False
        keep[positions[::-1][last]] = True
    rows = np.flatnonzero(keep)
    texts = {name: values[rows] for name, values in merged.items()}
    types = {f.column: f.type for f in spec.fields} | {"collection_end": "date"}
    table = table_from_mapping(spec.table, texts, {name: types.get(name, "str") for name in texts})
    columns = dict(table.columns)
    ends = texts["collection_end"].astype(str)
    years = {end: int(end[:4]) if end else None for end in np.unique(ends).tolist()}
    for field in spec.fields:
        if field.codes is None or field.column not in texts:
            continue
        cells = np.char.upper(np.char.strip(texts[field.column].astype(str)))
        unknown = np.zeros(cells.size, dtype=bool)
        by_year = []
        for end, year in years.items():  # each row against its own year's list
            in_year = ends == end
            wrong = in_year & (cells != "") & ~np.isin(cells, list(codes_for(field.codes, year)))
            unknown |= wrong
            if wrong.any() and year is not None:
                by_year.append((f"{year - 1}-{year % 100:02d} return", int(wrong.sum())))
        if field.type == "str":
            coded = table_from_mapping(spec.table, {field.column: cells}, {field.column: "str"}).columns[field.column]
            columns[field.column] = coded
        where = np.flatnonzero(unknown)
        columns[field.column] = attrs.evolve(
            columns[field.column], unknown_codes=int(where.size),
            unknown_by=tuple(by_year),
            unknown_examples=tuple((int(r), str(texts[field.column][r])) for r in where[:_MAX_EXAMPLES]))
    single = len(pieces) == 1
    source = pieces[0][3] if single else "the SSDA903 files"
    table = Table(spec.table, columns, rows.size, source, lines[rows] if single else None)
    if strict:
        def written(name: str) -> np.ndarray:  # the cells as written, for messages
            return np.concatenate([piece[5].get(name, piece[1].get(name, np.full(size, "", dtype=str)))
                                   .astype(object) for piece, size in zip(pieces, n)])

        written = {name: written(name) for name, column in table.columns.items() if column.unreadable_examples}
        problems = [Problem(f"column {name.upper()!r}: cannot read {str(written[name][rows[r]])!r} as {column.type}",
                            file=str(sources[rows[r]]), line=int(lines[rows[r]]))
                    for name, column in table.columns.items() for r, _ in column.unreadable_examples]
        if problems:
            raise DataError(problems)
    return table
