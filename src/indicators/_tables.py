"""Tables: named columns of equal length, typed and ready for vectorised evaluation.

Every column is one numpy array plus a missing mask: dates as int64 day numbers (NaT
missing), ints as int64, floats as float64, bools as bool, and strings as int32 codes
into a sorted list of categories (-1 missing) so that filters compare integers (a
declared ``str`` column of fixed-width text is coded when first read). Values
that cannot be read as the column's type become missing and are counted; under
``strict`` they are an error naming table, column, row and text.
"""

from __future__ import annotations

import datetime
import math
import re
from typing import Any, Mapping

import attrs
import numpy as np

from ._arrays import factorize_strings, present_extremes, read_only, smallest_marks_missing, unique
from ._dates import NAT, parse_date_text
from ._errors import DataError, Problem
from ._text import as_text, by_width, factorize, first_too_long, too_long_message

TYPES = ("date", "int", "float", "str", "bool")
NULL = "null"  # the type of a column with no values at all; it fits any use

# SPEC section 2: an optional sign and ASCII digits (not "0x10", "1_000" or other scripts' digits)
_INT_TEXT = re.compile(r"[+-]?[0-9]+")
_FLOAT_TEXT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def _ascii_table(chars: str) -> np.ndarray:
    table = np.zeros(128, dtype=bool)
    table[[0] + [ord(c) for c in chars]] = True  # 0 is numpy's padding of shorter strings
    return table


_INT_CHARS = _ascii_table("+-0123456789")
_FLOAT_CHARS = _ascii_table("+-.0123456789eE")
_TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1"})
_FALSE_WORDS = frozenset({"false", "f", "no", "n", "0"})
_MAX_EXAMPLES = 5


@attrs.frozen(eq=False)
class Column:
    """One typed column; see the module docstring for the representation of each type."""

    name: str
    type: str
    # as given where that is a narrower integer than int64 (widened by ``data`` on first
    # use), or a declared ``str`` column's fixed-width text (coded on first use): a column
    # no indicator reads (only the duplicate digest) is neither copied nor coded
    stored: np.ndarray = attrs.field(alias="data")
    _missing: np.ndarray | None = attrs.field(default=None, alias="missing")
    _categories: np.ndarray | None = attrs.field(default=None, alias="categories")
    declared: bool = False
    unreadable: int = 0
    unreadable_examples: tuple[tuple[int, str], ...] = ()
    unreadable_rows: np.ndarray | None = None  # mask of the cells that could not be read
    # text cells kept as written that are not in the code list a loader checks them against
    unknown_codes: int = 0
    unknown_examples: tuple[tuple[int, str], ...] = ()
    # the same count by part of the data, where a loader checks each part against its own
    # code list (an SSDA903 collection year): (label, count), counted in the notes apart
    unknown_by: tuple[tuple[str, int], ...] = ()
    # day numbers given as datetime64, whose missing cells (NaT) and extremes are found by
    # one pass on first use, not as the table is made: the run begins its work beside it
    # first, and a column only the duplicate-row note reads is passed over there
    scanned_on_use: bool = False
    # the widened ints, or the coded text column, once made (a list: the column is frozen)
    _converted: list = attrs.field(factory=list, init=False, repr=False)
    _extremes: list = attrs.field(factory=list, init=False, repr=False)
    _scan: list = attrs.field(factory=list, init=False, repr=False)

    @property
    def as_text(self) -> bool:
        """Whether the column holds its text as given, not yet coded."""
        return self.type == "str" and self.stored.dtype.kind == "U"

    @property
    def awaits_coding(self) -> bool:
        """Whether the column holds text as given that no one has read yet (it is coded
        when first read, or by :meth:`code`)."""
        return self.as_text and not self._converted

    def code(self) -> None:
        """Code a ``str`` column's text now (else it is coded when first read)."""
        if self.as_text:
            self._coded()

    def _coded(self) -> Column:
        if not self._converted:
            self._converted.append(_coded_text_column(self.name, self.stored, self.declared))
        return self._converted[0]

    @property
    def data(self) -> np.ndarray:
        """The values in the engine's dtype (module docstring)."""
        if self.type == "int" and self.stored.dtype != np.int64:
            if not self._converted:
                self._converted.append(read_only(self.stored.astype(np.int64)))
            return self._converted[0]
        if self.as_text:
            return self._coded().stored
        return self.stored

    @property
    def missing(self) -> np.ndarray | None:
        """Mask of the missing cells, or None when none is missing."""
        if self.scanned_on_use:
            return self._scanned()[0]
        return self._coded()._missing if self.as_text else self._missing

    def _scanned(self) -> tuple[np.ndarray | None, tuple[int, int] | None]:
        """The missing cells (NaT, int64's smallest) and extremes of day numbers given as
        datetime64, found together once. Two threads may find them at once: both find the
        same, and every reader reads the first kept."""
        if not self._scan:
            missing, extremes = smallest_marks_missing(self.stored)
            self._scan.append((missing if missing is not None and missing.any() else None, extremes))
        return self._scan[0]

    @property
    def categories(self) -> np.ndarray | None:
        """A ``str`` column's distinct texts (sorted), which its codes index."""
        return self._coded()._categories if self.as_text else self._categories

    def __len__(self) -> int:
        return int(self.stored.shape[0])

    def extremes(self) -> tuple[int, int] | None:
        """The smallest and largest present value of an int or date column (day numbers),
        None when none is present; worked out once per column, for every step that reads
        them (placing rows in periods, range checks, a table's first and last date)."""
        if self.scanned_on_use:
            return self._scanned()[1]
        if not self._extremes:  # a list, filled once: the column itself is frozen
            if self.type == "date":  # NaT is the missing cell: no mask to apply
                self._extremes.append(present_extremes(self.data, None, absent=NAT))
            else:
                self._extremes.append(present_extremes(self.data, self.missing))
        return self._extremes[0]

    def missing_mask(self) -> np.ndarray:
        """Boolean mask of missing values."""
        if self.missing is None:
            return np.zeros(len(self), dtype=bool)
        return self.missing

    def to_numpy(self) -> np.ndarray:
        """A plain numpy array: datetime64[D] with NaT, float with NaN, object with None."""
        if self.type == "date":
            return self.data.astype("datetime64[D]")
        if self.type == "str":
            out = np.empty(len(self), dtype=object)
            present = self.data >= 0
            out[present] = self.categories[self.data[present]]
            out[~present] = None
            return out
        if self.missing is None or not self.missing.any():
            return self.data.copy()
        if self.type in ("int", "float"):
            out = self.data.astype(np.float64)
            out[self.missing] = np.nan
            return out
        out = self.data.astype(object)
        out[self.missing] = None
        return out


@attrs.frozen(eq=False)
class Table:
    """A named set of typed columns of equal length."""

    name: str
    columns: dict[str, Column]
    n_rows: int
    source: str | None = None
    lines: np.ndarray | None = None  # the file line of each row when read from a file
    cache: dict = attrs.field(factory=dict, repr=False)  # facts derived from the rows, such as duplicates

    def __getitem__(self, name: str) -> Column:
        return self.columns[name]

    def __contains__(self, name: object) -> bool:
        return name in self.columns

    def column_types(self) -> dict[str, str]:
        """Column name to type."""
        return {name: col.type for name, col in self.columns.items()}

    def row_label(self, row: int) -> str:
        """Where row ``row`` (0-based) is, in words a user can find it by."""
        if self.lines is not None:
            return f"row {row + 1} (line {int(self.lines[row])} of {self.source})"
        return f"row {row + 1}"

    def to_numpy(self) -> dict[str, np.ndarray]:
        """Every column as a plain numpy array."""
        return {name: col.to_numpy() for name, col in self.columns.items()}


# ---------------------------------------------------------------------------------------
# Reading text cells


def _empty_cells(cells: np.ndarray) -> np.ndarray:
    if cells.dtype.kind == "O":
        return by_width(_empty_cells, cells)
    if cells.size == 0:
        return np.zeros(0, dtype=bool)
    return np.char.str_len(np.char.strip(cells)) == 0


def _only_chars(cells: np.ndarray, allowed: np.ndarray) -> bool:
    """Whether a fixed-width str array holds no character outside ``allowed``."""
    codes = np.ascontiguousarray(cells).view(np.uint32)
    if codes.size == 0:
        return True
    return int(codes.max()) < 128 and bool(allowed[codes].all())


def _read_ints(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if cells.dtype.kind == "O":
        return by_width(_read_ints, cells)
    values = np.zeros(cells.shape[0], dtype=np.int64)
    ok = np.zeros(cells.shape[0], dtype=bool)
    if cells.size == 0:
        return values, ok
    stripped = np.char.strip(cells)
    if _only_chars(stripped, _INT_CHARS):  # numpy reads as Python's int() does: "1_000" too
        try:
            values = stripped.astype(np.int64)
            ok[:] = True
            return values, ok
        except (ValueError, OverflowError):
            pass
    for text in np.unique(stripped):
        if len(text) <= 4_000 and _INT_TEXT.fullmatch(text):  # int() refuses over 4,300 digits
            number = int(text)
            if -(2**63) < number < 2**63:
                where = stripped == text
                values[where] = number
                ok[where] = True
    return values, ok


def _read_floats(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if cells.dtype.kind == "O":
        return by_width(_read_floats, cells)
    values = np.zeros(cells.shape[0], dtype=np.float64)
    ok = np.zeros(cells.shape[0], dtype=bool)
    if cells.size == 0:
        return values, ok
    stripped = np.char.strip(cells)
    if _only_chars(stripped, _FLOAT_CHARS):
        try:
            values = stripped.astype(np.float64)
            ok[:] = np.isfinite(values)
            return values, ok
        except ValueError:
            pass
    for text in np.unique(stripped):
        if not _FLOAT_TEXT.fullmatch(text):
            continue
        number = float(text)
        if math.isfinite(number):
            where = stripped == text
            values[where] = number
            ok[where] = True
    return values, ok


def _read_bools(cells: np.ndarray, words: tuple[frozenset, frozenset] = (_TRUE_WORDS, _FALSE_WORDS)
                ) -> tuple[np.ndarray, np.ndarray]:
    if cells.dtype.kind == "O":
        return by_width(lambda chunk: _read_bools(chunk, words), cells)
    values = np.zeros(cells.shape[0], dtype=bool)
    ok = np.zeros(cells.shape[0], dtype=bool)
    if cells.size == 0:
        return values, ok
    lowered = np.char.lower(np.char.strip(cells))
    true_words, false_words = words
    is_true = np.isin(lowered, list(true_words))
    is_false = np.isin(lowered, list(false_words))
    return is_true, is_true | is_false


def _read_cells(cells: np.ndarray, type_: str) -> tuple[np.ndarray, np.ndarray]:
    """Values and a mask of cells read, for non-empty text cells."""
    if type_ == "int":
        return _read_ints(cells)
    if type_ == "float":
        return _read_floats(cells)
    if type_ == "date":
        return parse_date_text(cells)
    if type_ == "bool":
        return _read_bools(cells)
    raise ValueError(type_)


def infer_text_type(cells: np.ndarray) -> str:
    """The type of an undeclared text column, by SPEC section 2's order of preference.

    Each candidate type is tried on a sample first, and on the whole column only when the
    sample reads, so that a column of dates is not parsed in full as ints and floats.
    """
    cells = as_text(cells)
    cells = cells[~_empty_cells(cells)]
    if cells.size == 0:
        return NULL
    sample = cells[:2000]
    readers = (("int", _read_ints), ("float", _read_floats), ("date", parse_date_text),
               ("bool", lambda c: _read_bools(c, (frozenset({"true"}), frozenset({"false"})))))
    for type_, reader in readers:
        if reader(sample)[1].all() and reader(cells)[1].all():
            return type_
    return "str"


def _string_column(name: str, words: np.ndarray, codes: np.ndarray | None, declared: bool) -> Column:
    """A ``str`` column of the cells ``words[codes]`` (``words`` themselves when ``codes``
    is None), coded by the words' sorted non-empty texts."""
    empty_words = _empty_cells(words)
    by_word = np.full(words.shape[0], -1, dtype=np.int32)
    present = ~empty_words
    if present.any():
        categories, inverse = unique(words[present], return_inverse=True)
        by_word[present] = inverse.astype(np.int32)
    else:
        categories = np.array([], dtype=str)
    empty = empty_words if codes is None else empty_words[codes]
    return Column(name, "str", by_word if codes is None else by_word[codes], empty if empty.any() else None,
                  categories.astype(object), declared)


def _coded_text_column(name: str, cells: np.ndarray, declared: bool) -> Column:
    """A ``str`` column of fixed-width text cells, coded."""
    words, codes = factorize_strings(cells) if cells.size >= 1024 else (cells, None)
    return _string_column(name, words, codes, declared)


def column_from_text(name: str, cells: np.ndarray, type_: str | None, *, table: str,
                     row_label=lambda i: f"row {i + 1}", strict: bool = False) -> Column:
    """Build a column from text cells, declared as ``type_`` or inferred when None.

    A cell longer than :data:`~indicators._text.MAX_CELL_CHARS` is an error naming its row.
    """
    cells = as_text(cells)
    too_long = first_too_long(cells)
    if too_long is not None:
        raise DataError([Problem(too_long_message(row_label(too_long), len(cells[too_long])),
                                 path=f"{table}.{name}")])
    declared = type_ is not None
    # A column is read through its distinct cells (words), then spread to the rows: cells
    # repeat (a code list, dates), and reading text costs far more than spreading codes.
    if cells.dtype.kind == "O":
        words, codes = factorize(cells)
    elif cells.size >= 1024:
        words, codes = factorize_strings(cells)
    else:
        words, codes = cells, None

    def spread(per_word: np.ndarray) -> np.ndarray:
        return per_word if codes is None else per_word[codes]

    if type_ is None:
        type_ = infer_text_type(words)
    if type_ == NULL:
        return Column(name, NULL, np.zeros(cells.shape[0], dtype=np.int8),
                      np.ones(cells.shape[0], dtype=bool), None, declared)
    if type_ == "str":
        return _string_column(name, words, codes, declared)
    empty_words = _empty_cells(words)
    empty = spread(empty_words)
    values = np.zeros(words.shape[0], dtype=np.int64 if type_ in ("int", "date") else
                      (np.float64 if type_ == "float" else bool))
    read = np.zeros(words.shape[0], dtype=bool)
    present = np.flatnonzero(~empty_words)
    if present.size:
        sub_values, sub_ok = _read_cells(words[present], type_)
        values[present] = sub_values
        read[present] = sub_ok
    values, read = spread(values), spread(read)
    bad = ~empty & ~read
    bad_rows = np.flatnonzero(bad)
    examples = tuple((int(i), str(cells[i])) for i in bad_rows[:_MAX_EXAMPLES])
    if strict and bad_rows.size:
        raise DataError([Problem(
            f"{row_label(int(i))}: cannot read {str(cells[i])!r} as {type_}",
            path=f"{table}.{name}") for i in bad_rows[:20]])
    missing = ~read
    if type_ == "date":
        values[missing] = NAT
    elif type_ == "float":
        values[missing] = np.nan
    else:
        values[missing] = 0
    return Column(name, type_, values, missing if missing.any() else None, None, declared,
                  int(bad_rows.size), examples, bad if bad_rows.size else None)


# ---------------------------------------------------------------------------------------
# Columns from Python and numpy values


def _is_missing_value(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, np.datetime64) and np.isnat(value):
        return True
    # pandas.NA, pandas.NaT and the like, without importing pandas
    return type(value).__name__ in ("NAType", "NaTType")


def _as_numpy(values: Any) -> np.ndarray:
    if isinstance(values, np.ndarray):
        return values
    if hasattr(values, "dtype") and hasattr(values, "to_numpy"):
        dtype_name = str(getattr(values, "dtype", ""))
        if dtype_name.startswith("datetime64"):
            return np.asarray(values.to_numpy()).astype("datetime64[D]")
        try:
            return np.asarray(values.to_numpy(zero_copy_only=False))  # pyarrow
        except TypeError:
            return np.asarray(values.to_numpy(dtype=object) if dtype_name in
                              ("Int64", "Int32", "boolean", "string", "category")
                              else values.to_numpy())
    if hasattr(values, "to_pylist"):
        return _as_numpy(list(values.to_pylist()))
    values = list(values)
    if all(isinstance(v, str) or _is_missing_value(v) for v in values):
        return as_text(["" if _is_missing_value(v) else v for v in values])
    return np.array(values, dtype=object)


def _object_kind(values: np.ndarray) -> tuple[str, np.ndarray]:
    """The single Python type of an object array's present values, and the missing mask."""
    missing = np.fromiter((_is_missing_value(v) for v in values), dtype=bool, count=len(values))
    kinds = set()
    for v in values[~missing]:
        if isinstance(v, (bool, np.bool_)):
            kinds.add("bool")
        elif isinstance(v, (int, np.integer)):
            kinds.add("int")
        elif isinstance(v, (float, np.floating)):
            kinds.add("float")
        elif isinstance(v, (datetime.date, np.datetime64)):
            kinds.add("date")
        elif isinstance(v, str):
            kinds.add("str")
        else:
            kinds.add("other")
    if not kinds:
        return NULL, missing
    if kinds == {"int", "float"}:
        return "float", missing
    return (kinds.pop() if len(kinds) == 1 else "mixed"), missing


def column_from_values(name: str, values: Any, type_: str | None, *, table: str,
                       strict: bool = False) -> Column:
    """Build a column from an array-like (numpy, list, pandas Series, pyarrow array)."""
    if str(getattr(values, "dtype", "")) in ("str", "string") and hasattr(values, "fillna"):
        # pandas text is text: read as a CSV column is (missing as empty), without looking
        # at each value's Python type
        return column_from_text(name, values.fillna("").to_numpy(dtype=object), type_, table=table, strict=strict)
    array = _as_numpy(values)
    if array.ndim != 1:
        raise DataError([Problem(f"expected a one-dimensional column, got shape {array.shape}",
                                 path=f"{table}.{name}")])
    declared = type_ is not None
    kind = array.dtype.kind
    if kind == "U" and type_ == "str" and array.dtype.isnative and array.size >= 1024 \
            and first_too_long(array) is None:
        # the caller's own text array, kept as given and coded when an indicator first reads
        # it (Column.data): a declared text column that nothing reads (a team, a worker)
        # costs only its duplicate digest, which reads code points in the machine's byte
        # order. (Text read from a file is coded at once, so that its cells are not kept.)
        return Column(name, "str", read_only(array), None, None, True)
    if kind in "US":
        return column_from_text(name, array, type_, table=table, strict=strict)
    if kind == "O":
        obj_kind, missing = _object_kind(array)
        if obj_kind in ("str", "mixed", "other") or (declared and obj_kind not in (type_, NULL)
                                                      and not (type_ == "float" and obj_kind == "int")):
            text = ["" if m else (v.isoformat() if isinstance(v, datetime.date) else str(v))
                    for v, m in zip(array, missing)]
            return column_from_text(name, text, type_, table=table, strict=strict)
        if obj_kind == NULL:
            if type_ is None or type_ == NULL:
                return Column(name, NULL, np.zeros(len(array), dtype=np.int8),
                              np.ones(len(array), dtype=bool), None, declared)
            return column_from_text(name, np.full(len(array), "", dtype=str), type_, table=table)
        filled = array.copy()
        if obj_kind == "date":
            filled[missing] = np.datetime64("NaT")
            array = np.array([np.datetime64(v, "D") if not m else np.datetime64("NaT", "D")
                              for v, m in zip(filled, missing)], dtype="datetime64[D]")
        else:
            filled[missing] = {"bool": False, "int": 0, "float": np.nan}[obj_kind]
            array = filled.astype({"bool": bool, "int": np.int64, "float": np.float64}[obj_kind])
            if obj_kind != "float":
                return _typed_column(name, array, missing, type_ or obj_kind, declared, table)
        kind = array.dtype.kind
    # Arrays already of the engine's dtype are used in place, read-only, not copied.
    if kind == "M":
        days = read_only(array.astype("datetime64[D]", copy=False).view(np.int64))
        if (type_ or "date") == "date":  # NaT is int64's smallest: found on first use
            return Column(name, "date", days, None, None, declared, scanned_on_use=True)
        return _typed_column(name, days, None, type_, declared, table, source="date")
    if kind == "b":
        return _typed_column(name, read_only(array.astype(bool, copy=False)), None, type_ or "bool", declared, table)
    if kind in "iu":
        # a narrower integer stays as given until read (Column.data); uint64 may not fit int64
        narrow = array.dtype.itemsize < 8 and (type_ or "int") == "int"
        return _typed_column(name, read_only(array if narrow else array.astype(np.int64, copy=False)), None,
                             type_ or "int", declared, table)
    if kind == "f":
        values = read_only(array.astype(np.float64, copy=False))
        missing = ~np.isfinite(values)
        column = _typed_column(name, values, missing, type_ or "float", declared, table)
        infinite = np.isinf(values)  # NaN is how numpy and pandas write missing; infinity is no value
        if not infinite.any():
            return column
        rows = np.flatnonzero(infinite)
        if strict:
            raise DataError([Problem(f"row {int(i) + 1}: cannot read {float(values[i])!r} as {column.type}",
                                     path=f"{table}.{name}") for i in rows[:20]])
        return attrs.evolve(column, unreadable=int(rows.size),
                            unreadable_examples=tuple((int(i), repr(float(values[i]))) for i in rows[:_MAX_EXAMPLES]),
                            unreadable_rows=infinite)
    raise DataError([Problem(f"cannot use values of numpy type {array.dtype} as a column",
                             path=f"{table}.{name}")])


def _typed_column(name: str, data: np.ndarray, missing: np.ndarray | None, type_: str,
                  declared: bool, table: str, source: str | None = None) -> Column:
    source = source or {"b": "bool", "i": "int", "f": "float"}[data.dtype.kind]
    if missing is not None and not missing.any():
        missing = None
    if type_ == source or (type_, source) == ("float", "int"):
        if type_ == "float":
            data = data.astype(np.float64)
            if missing is not None:
                data[missing] = np.nan
        elif type_ == "date":
            pass
        elif missing is not None:
            data = np.where(missing, 0, data).astype(data.dtype)
        return Column(name, type_, data, missing, None, declared)
    if (type_, source) == ("int", "float"):
        present = ~missing if missing is not None else np.ones(data.shape, bool)
        whole = np.zeros(data.shape, bool)
        whole[present] = data[present] == np.round(data[present])
        if whole[present].all():
            out = np.where(present, data, 0).astype(np.int64)
            return Column(name, "int", out, missing, None, declared)
    raise DataError([Problem(f"the pack declares this column {type_} but the data holds {source} values",
                             path=f"{table}.{name}")])


# ---------------------------------------------------------------------------------------
# Whole tables


def table_from_mapping(name: str, data: Any, schema: Mapping[str, str] | None = None, *,
                       strict: bool = False) -> Table:
    """A table from a mapping of column name to array-like, or a pandas/pyarrow data frame."""
    if isinstance(data, Table):
        return data
    if hasattr(data, "column_names") and hasattr(data, "column"):  # pyarrow.Table
        mapping = {str(c): data.column(c) for c in data.column_names}
    elif hasattr(data, "columns") and hasattr(data, "__getitem__") and not isinstance(data, Mapping):
        mapping = {str(c): data[c] for c in data.columns}  # pandas.DataFrame
    elif isinstance(data, Mapping):
        mapping = {str(k): v for k, v in data.items()}
    else:
        raise DataError([Problem(f"expected a mapping of column name to values or a data frame, "
                                 f"got {type(data).__name__}", path=name)])
    schema = schema or {}
    columns: dict[str, Column] = {}
    problems: list[Problem] = []
    for column_name, values in mapping.items():
        try:
            columns[column_name] = column_from_values(column_name, values, schema.get(column_name),
                                                      table=name, strict=strict)
        except DataError as exc:
            problems.extend(exc.problems)
    lengths = {c: len(col) for c, col in columns.items()}
    if len(set(lengths.values())) > 1:
        problems.append(Problem("columns have different lengths: " +
                                ", ".join(f"{c}={n}" for c, n in lengths.items()), path=name))
    if problems:
        raise DataError(problems)
    n_rows = next(iter(lengths.values()), 0)
    return Table(name, columns, n_rows)


def table_from_rows(name: str, header: list[str], rows: list[list[str]], schema: Mapping[str, str]
                    | None = None, *, source: str | None = None, lines: np.ndarray | None = None,
                    strict: bool = False) -> Table:
    """A table from a header and rows of text cells (what a CSV file holds)."""
    columns = [list(cells) for cells in zip(*rows)] if rows else [[] for _ in header]
    return table_from_columns(name, header, columns, schema, source=source, lines=lines, strict=strict)


def table_from_columns(name: str, header: list[str], columns: list, schema: Mapping[str, str]
                       | None = None, *, source: str | None = None, lines: np.ndarray | None = None,
                       strict: bool = False, convert=None) -> Table:
    """A table from a header and one array of text cells per column.

    ``convert(name, cells, type, ...)`` may build a column faster (from pyarrow strings);
    when it returns None the cells are read here.
    """
    schema = schema or {}
    problems = []
    for index, column_name in enumerate(header):
        if not column_name.strip():
            problems.append(Problem(f"column {index + 1} has an empty name", file=source, line=1))
    seen: set[str] = set()
    for column_name in header:
        if column_name in seen:
            problems.append(Problem(f"column {column_name!r} appears twice in the header",
                                    file=source, line=1))
        seen.add(column_name)
    if problems:
        raise DataError(problems)
    n = len(columns[0]) if columns else 0
    table = Table(name, {}, n, source, lines)
    built: dict[str, Column] = {}
    for column_name, cells in zip(header, columns):
        try:
            column = None
            if convert is not None:
                column = convert(column_name, cells, schema.get(column_name), table=name,
                                 row_label=table.row_label, strict=strict)
            if column is None:
                if not isinstance(cells, (np.ndarray, list)):  # pyarrow strings
                    cells = cells.to_numpy(zero_copy_only=False)
                column = column_from_text(column_name, cells, schema.get(column_name), table=name,
                                          row_label=table.row_label, strict=strict)
            built[column_name] = column
        except DataError as exc:
            problems.extend(exc.problems)
    if problems:
        raise DataError(problems)
    return Table(name, built, n, source, lines)
