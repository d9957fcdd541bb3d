"""Typed arrays with missing masks, and the operators of the language on them.

A :class:`Vec` is what an expression evaluates to: one value per row (or per row and
period), its type, and a mask of missing values. Operators follow SQL's three-valued
logic: arithmetic and comparisons with a missing operand are missing, ``and``/``or``/
``not`` are Kleene, and division by zero is missing.
"""

from __future__ import annotations

import attrs
import numpy as np

from ._arrays import take_at
from ._dates import NAT
from ._text import as_text

NUMERIC = ("int", "float")
UNKNOWN = "unknown"  # a data column not declared: its type is known only when data arrives


@attrs.define(slots=True)
class Vec:
    """One typed value per element. ``data`` is meaningful only where not ``missing``.

    Strings are int32 codes into ``categories`` (sorted, so that code order is code-point
    order); dates are int64 day numbers.
    """

    type: str
    data: np.ndarray
    missing: np.ndarray | None = None
    categories: np.ndarray | None = None
    # bounds (low, high) of the present values where known (a date column's): any part of
    # the vector lies within them, so functions may skip their range checks
    span: tuple[int, int] | None = None

    def __len__(self) -> int:
        return int(self.data.shape[0])

    def mask(self) -> np.ndarray:
        """Missing mask as a full boolean array."""
        if self.missing is None:
            return np.zeros(self.data.shape[0], dtype=bool)
        return self.missing

    def take(self, index: np.ndarray) -> Vec:
        """The elements at ``index`` (views of a block when it is a slice)."""
        if isinstance(index, np.ndarray) and index.dtype.kind in "iu":
            return Vec(self.type, take_at(self.data, index),
                       None if self.missing is None else take_at(self.missing, index), self.categories, self.span)
        return Vec(self.type, self.data[index], None if self.missing is None else self.missing[index],
                   self.categories, self.span)

    def filled(self) -> np.ndarray:
        """``data`` with a harmless value where missing, for functions that index tables."""
        if self.missing is None or not self.missing.any():
            return self.data
        return np.where(self.missing, 0, self.data).astype(self.data.dtype, copy=False)

    def is_true(self) -> np.ndarray:
        """Where a boolean vector is true (false where missing): what a filter keeps."""
        if self.type == "null":
            return np.zeros(len(self), dtype=bool)
        if self.missing is None:
            return self.data.astype(bool, copy=False)
        return self.data & ~self.missing


def _or_masks(*masks: np.ndarray | None) -> np.ndarray | None:
    present = [m for m in masks if m is not None]
    if not present:
        return None
    out = present[0]
    for m in present[1:]:
        out = out | m
    return out


def constant(value: object, type_: str, n: int) -> Vec:
    """A literal broadcast to n elements: a read-only view of one value, not n copies."""
    if type_ == "null":
        return Vec("null", _repeated(0, np.int8, n), _repeated(True, bool, n))
    if type_ == "str":
        return Vec("str", _repeated(0, np.int32, n), None, np.array([value], dtype=object))
    dtype = {"int": np.int64, "float": np.float64, "bool": bool, "date": np.int64}[type_]
    return Vec(type_, _repeated(value, dtype, n))


def _repeated(value: object, dtype: type, n: int) -> np.ndarray:
    """``value`` n times as a read-only view of one element (np.broadcast_to, made directly:
    a quarter of its time, which counts on small tables)."""
    out = np.ndarray((n,), dtype, np.array(value, dtype=dtype), 0, (0,))
    out.flags.writeable = False
    return out


def null(n: int) -> Vec:
    return constant(None, "null", n)


def as_float(v: Vec) -> Vec:
    if v.type == "float":
        return v
    return Vec("float", v.data.astype(np.float64), v.missing)


def common_type(types: list[str]) -> str:
    """The type a mix of argument types resolves to (int and float mix to float)."""
    present = [t for t in types if t != "null"]
    if not present:
        return "null"
    if set(present) <= set(NUMERIC):
        return "float" if "float" in present else "int"
    return present[0]


def arithmetic_type(op: str, left: str, right: str) -> str | None:
    """The type of ``left op right`` for ``+ - * /``, or None when the types clash."""
    if UNKNOWN in (left, right):
        return _arithmetic_with_unknown(op, right if left == UNKNOWN else left, unknown_left=left == UNKNOWN)
    numeric = NUMERIC + ("null",)
    if left == "null" and right == "null":
        return "float" if op == "/" else "int"
    if left in numeric and right in numeric:
        if op == "/":
            return "float"
        return common_type([left, right])
    if op == "+" and {left, right} <= {"date", "int", "null"} and (left, right) != ("date", "date"):
        return "date"
    if op == "-" and left == "date":
        if right == "date":
            return "int"
        if right in ("int", "null"):
            return "date"
    if op == "-" and (left, right) == ("null", "date"):
        return "int"
    return None


def _arithmetic_with_unknown(op: str, other: str, unknown_left: bool) -> str | None:
    """The type of arithmetic between a not-yet-known column and ``other``: what every
    type the column might turn out to have would agree on, or None when none would do."""
    if other in ("str", "bool"):
        return None
    if other == "date":
        if op == "+":
            return "date"  # only date + int is allowed
        if op == "-":
            return "int" if unknown_left else UNKNOWN  # X - date needs X a date; date - X is int or date
        return None
    return "float" if op == "/" else UNKNOWN


def cast(v: Vec, type_: str) -> Vec:
    """Convert to ``type_`` (int to float, or a null vector to any type)."""
    if v.type == type_:
        return v
    if v.type == "null":
        n = len(v)
        if type_ == "str":
            return Vec("str", np.full(n, -1, dtype=np.int32), np.ones(n, bool), np.array([], dtype=object))
        dtype = {"int": np.int64, "float": np.float64, "bool": bool, "date": np.int64}[type_]
        fill = NAT if type_ == "date" else 0
        return Vec(type_, np.full(n, fill, dtype=dtype), np.ones(n, bool))
    if type_ == "float" and v.type == "int":
        return as_float(v)
    raise TypeError(f"cannot cast {v.type} to {type_}")


def unify_strings(a: Vec, b: Vec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Codes of two string vectors over one shared, sorted list of categories."""
    if a.categories is b.categories or (len(a.categories) == len(b.categories)
                                        and np.array_equal(a.categories, b.categories)):
        return a.data, b.data, a.categories
    union = np.union1d(as_text(a.categories), as_text(b.categories)).astype(object)

    def remap(v: Vec) -> np.ndarray:
        if len(v.categories) == 0:
            return v.data
        lookup = np.searchsorted(union, v.categories).astype(np.int32)
        codes = take_at(lookup, v.data)  # a missing code (-1) takes the last: replaced below
        return np.where(v.data >= 0, codes, -1).astype(np.int32)

    return remap(a), remap(b), union


def _is_one_string(v: Vec) -> bool:
    """Whether a string vector holds one value everywhere (as a literal does)."""
    return v.missing is None and len(v.categories) == 1


def _string_order_codes(a: Vec, b: Vec, equality: bool = False) -> tuple[np.ndarray, np.ndarray | int]:
    """Integer codes of two string vectors that order and compare as the texts do (negative
    where missing; with ``equality``, codes that compare equal as the texts do, and need
    not order). Against a literal, the column's own codes are used: as they are for
    equality (the literal's code, or one no row has), else doubled with the literal placed
    between them (code c becomes 2c + 1, and a missing -1 stays -1), which saves recoding
    every row into a merged list of categories."""
    for column, literal, swap in ((a, b, False), (b, a, True)):
        if _is_one_string(literal) and not _is_one_string(column):
            text = str(literal.categories[0])
            categories = as_text(column.categories)
            at = int(np.searchsorted(categories, text))
            found = at < len(categories) and categories[at] == text
            if equality:
                codes, value = column.data, (at if found else len(categories))
            else:
                codes = column.data * 2
                codes += 1
                value = 2 * at + 1 if found else 2 * at
            return (np.full(1, value), codes) if swap else (codes, np.full(1, value))
    x, y, _ = unify_strings(a, b)
    return x, y


# ---------------------------------------------------------------------------------------
# Operators


def arithmetic(op: str, a: Vec, b: Vec) -> Vec:
    """``+ - * /`` on numbers and dates, missing-propagating."""
    if a.type == "null" or b.type == "null":
        return cast(null(max(len(a), len(b))), arithmetic_type(op, a.type, b.type) or "int")
    missing = _or_masks(a.missing, b.missing)
    if a.type == "date" or b.type == "date":
        type_ = "int" if op == "-" and a.type == "date" and b.type == "date" else "date"
        out, over = _checked_int(op, a.data, b.data)
        return Vec(type_, out, _or_masks(missing, over))
    if op == "/":
        x, y = a.data.astype(np.float64), b.data.astype(np.float64)
        zero = y == 0
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.divide(x, np.where(zero, 1.0, y))
        return Vec("float", out, _or_masks(missing, zero if zero.any() else None))
    result_type = "float" if "float" in (a.type, b.type) else "int"
    if result_type == "int":
        out, over = _checked_int(op, a.data, b.data)
        return Vec("int", out, _or_masks(missing, over))
    x = a.data if result_type == a.type else a.data.astype(np.float64)
    y = b.data if result_type == b.type else b.data.astype(np.float64)
    func = {"+": np.add, "-": np.subtract, "*": np.multiply}[op]
    with np.errstate(over="ignore", invalid="ignore"):
        out = func(x, y)
    if result_type == "float":
        bad = ~np.isfinite(out)
        if bad.any():
            missing = _or_masks(missing, bad)
    return Vec(result_type, out, missing)


_INT_MIN = np.iinfo(np.int64).min


def _checked_int(op: str, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """``x op y`` on int64 arrays, and where the true result does not fit in 64 bits (None
    when nowhere): such a result is missing, as a float beyond the float range is."""
    x, y = np.asarray(x, dtype=np.int64), np.asarray(y, dtype=np.int64)
    with np.errstate(over="ignore"):
        if op == "+":
            out = x + y
            over = ((x ^ out) & (y ^ out)) < 0  # both operands' signs differ from the result's
        elif op == "-":
            out = x - y
            over = ((x ^ y) & (x ^ out)) < 0
        else:
            out = x * y
            # the wrapped product divided back gives y exactly when nothing was lost
            safe = np.where(x == 0, 1, x)
            over = ((x != 0) & (np.floor_divide(out, safe) != y)) | ((x == -1) & (y == _INT_MIN)) \
                | ((y == -1) & (x == _INT_MIN))
    over = np.broadcast_to(over, out.shape)
    return out, (over.copy() if over.any() else None)


def negate(a: Vec) -> Vec:
    if a.type == "null":
        return cast(a, "int")
    if a.type == "int":
        out, over = _checked_int("-", np.zeros_like(a.data), a.data)
        return Vec("int", out, _or_masks(a.missing, over))
    return Vec(a.type, -a.data, a.missing)


_COMPARE = {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
            ">": np.greater, ">=": np.greater_equal}


def compare(op: str, a: Vec, b: Vec) -> Vec:
    """Comparison; missing where either side is missing."""
    n = max(len(a), len(b))
    if a.type == "null" or b.type == "null":
        return Vec("bool", np.zeros(n, dtype=bool), np.ones(n, dtype=bool))
    missing = _or_masks(a.missing, b.missing)
    if a.type == "str":
        x, y = _string_order_codes(a, b, equality=op in ("==", "!="))
        missing = _or_masks(missing, x < 0, y < 0)
    elif a.type in NUMERIC and a.type != b.type:
        x, y = a.data.astype(np.float64), b.data.astype(np.float64)
    else:
        x, y = a.data, b.data
    out = _COMPARE[op](x, y)
    if missing is not None:
        np.greater(out, missing, out=out)  # out and not missing, without a negated copy
    return Vec("bool", out, missing)


def logical_and(a: Vec, b: Vec) -> Vec:
    """Kleene ``and``: false wins over missing."""
    if a.missing is None and b.missing is None and a.type != "null" and b.type != "null":
        return Vec("bool", np.logical_and(a.data, b.data))  # nothing missing: plain ``and``
    a_true, b_true = a.is_true(), b.is_true()
    a_false = ~a.data.astype(bool) & ~a.mask() if a.type != "null" else np.zeros(len(a), bool)
    b_false = ~b.data.astype(bool) & ~b.mask() if b.type != "null" else np.zeros(len(b), bool)
    true = a_true & b_true
    known = true | a_false | b_false
    return Vec("bool", true, None if known.all() else ~known)


def logical_or(a: Vec, b: Vec) -> Vec:
    """Kleene ``or``: true wins over missing."""
    if a.missing is None and b.missing is None and a.type != "null" and b.type != "null":
        return Vec("bool", np.logical_or(a.data, b.data))  # nothing missing: plain ``or``
    a_true, b_true = a.is_true(), b.is_true()
    a_false = ~a.data.astype(bool) & ~a.mask() if a.type != "null" else np.zeros(len(a), bool)
    b_false = ~b.data.astype(bool) & ~b.mask() if b.type != "null" else np.zeros(len(b), bool)
    true = a_true | b_true
    known = true | (a_false & b_false)
    return Vec("bool", true, None if known.all() else ~known)


def logical_not(a: Vec) -> Vec:
    """``not``: missing stays missing."""
    if a.type == "null":
        return Vec("bool", np.zeros(len(a), bool), np.ones(len(a), bool))
    out = ~a.data.astype(bool)
    if a.missing is not None:
        out &= ~a.missing
    return Vec("bool", out, a.missing)


def is_missing(a: Vec, negated: bool) -> Vec:
    """``is missing`` / ``is not missing``: never itself missing."""
    mask = a.mask() if a.type != "null" else np.ones(len(a), dtype=bool)
    return Vec("bool", ~mask if negated else mask.copy())


def in_list(a: Vec, items: list[tuple[object, str]], negated: bool) -> Vec:
    """SQL ``IN``: true on a match; else missing when the list holds missing; else false."""
    n = len(a)
    has_missing = any(t == "null" for _, t in items)
    values = [v for v, t in items if t != "null"]
    if a.type == "null":
        return Vec("bool", np.zeros(n, bool), np.ones(n, bool))
    if a.type == "str":
        wanted = np.isin(as_text(a.categories), as_text([str(v) for v in values]).astype(object)) \
            if len(a.categories) else np.zeros(0, bool)
        lookup = np.concatenate([wanted, [False]])  # code -1 (missing) maps to the last entry
        found = take_at(lookup, a.data)  # a missing code (-1) takes the last entry
    elif a.type in NUMERIC:
        found = np.isin(a.data, np.array(values, dtype=np.float64 if a.type == "float" or any(
            isinstance(v, float) for v in values) else np.int64))
    else:
        found = np.isin(a.data, np.array(values, dtype=np.int64 if a.type == "date" else bool))
    missing = a.mask().copy()
    found &= ~missing
    if has_missing:
        missing |= ~found
    if negated:
        out = ~found & ~missing
        return Vec("bool", out, missing if missing.any() else None)
    return Vec("bool", found, missing if missing.any() else None)


def missing_mask(value: Vec) -> np.ndarray:
    """Where a value is missing (everywhere, for a null-typed one)."""
    return np.ones(len(value), bool) if value.type == "null" else value.mask()


def truth(value: Vec) -> tuple[np.ndarray, np.ndarray]:
    """Where a condition is true, and where it is missing."""
    return value.is_true(), missing_mask(value)
