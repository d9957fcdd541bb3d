"""Type checking of expression trees against a table's columns.

Unknown functions, wrong argument counts and type clashes are found here, when a pack
loads, each as an :class:`ExpressionError` whose span puts a caret under the culprit.
Declarations are open: when a pack loads, a name that no declaration accounts for is a
data column of type :data:`UNKNOWN`, which fits anywhere; it is checked again, with the
types the data gives, when the data arrives.
"""

from __future__ import annotations

import difflib
from typing import Callable, Mapping

import attrs

from ._errors import ExpressionError
from ._expressions import (
    COMPARISONS,
    PERIOD_VARIABLES,
    SHIFT_FUNCTIONS,
    Binary,
    Call,
    InList,
    IsMissing,
    Literal,
    Name,
    Node,
    Unary,
    left_spine,
)
from ._functions import Function
from ._vectors import NUMERIC, UNKNOWN, arithmetic_type

WILDCARDS = ("null", UNKNOWN)  # types that fit any other
BOOL_LIKE = ("bool", *WILDCARDS)


@attrs.frozen
class Scope:
    """What an expression may refer to: columns with their types, variables, functions."""

    columns: Mapping[str, str]
    functions: Mapping[str, Function]
    variables: Mapping[str, str] = attrs.field(factory=lambda: {v: "date" for v in PERIOD_VARIABLES})
    table: str | None = None
    derive: bool = False  # previous() and next() are allowed only in derived columns
    unavailable: Callable[[str], str | None] | None = None  # why a function name cannot be used
    open: bool = False  # undeclared names are data columns of type UNKNOWN (checked when data arrives)


def suggest(name: str, candidates) -> str | None:
    """A 'did you mean' hint, or None."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def _fits(arg: str, param: str) -> bool:
    if arg in WILDCARDS or param == "any" or arg == param:
        return True
    if param == "number":
        return arg in NUMERIC
    if param == "ordered":
        return arg in NUMERIC or arg == "date"
    return param == "float" and arg == "int"


def _span(node: Node) -> tuple[int, int]:
    return node.start, node.end


def check(node: Node, scope: Scope) -> str:
    """The type of ``node``; raises :class:`ExpressionError` on the first problem."""
    if isinstance(node, Literal):
        return node.type
    if isinstance(node, Name):
        if node.name in scope.columns:
            return scope.columns[node.name]
        if node.name in scope.variables:
            return scope.variables[node.name]
        if node.name in PERIOD_VARIABLES:
            raise ExpressionError(f"{node.name!r} is not available here: derived columns are "
                                  "computed before any period exists", *_span(node))
        if node.name in scope.functions:
            raise ExpressionError(f"{node.name!r} is a function: call it with arguments in "
                                  "parentheses", *_span(node))
        if scope.open:
            return UNKNOWN
        where = f" of table {scope.table!r}" if scope.table else ""
        raise ExpressionError(f"unknown name {node.name!r}: not a column{where} or a variable",
                              *_span(node), suggest(node.name, [*scope.columns, *scope.variables]))
    if isinstance(node, Call):
        return _check_call(node, scope)
    if isinstance(node, Unary):
        operand = check(node.operand, scope)
        if node.op == "not":
            if operand not in BOOL_LIKE:
                raise ExpressionError(f"'not' needs a true/false value, not {operand}", *_span(node.operand))
            return "bool"
        if operand not in (*NUMERIC, *WILDCARDS):
            raise ExpressionError(f"unary '-' needs a number, not {operand}", *_span(node.operand))
        return {"null": "int"}.get(operand, operand)
    if isinstance(node, Binary):
        return _check_binary(node, scope)
    if isinstance(node, InList):
        operand = check(node.operand, scope)
        for item in node.items:
            if not _comparable(operand, item.type, equality=True):
                raise ExpressionError(f"cannot look for {operand} values among {item.type} items",
                                      *_span(item))
        return "bool"
    if isinstance(node, IsMissing):
        check(node.operand, scope)
        return "bool"
    raise TypeError(node)


def _comparable(a: str, b: str, equality: bool) -> bool:
    if a in WILDCARDS or b in WILDCARDS:
        return True
    if a in NUMERIC and b in NUMERIC:
        return True
    if a != b:
        return False
    return equality or a != "bool"


def _check_binary(node: Binary, scope: Scope) -> str:
    spine, first = left_spine(node)
    left = check(first, scope)
    for binary in reversed(spine):  # a flat chain of terms in a loop, not one call deeper per term
        left = _binary_type(binary, left, check(binary.right, scope))
    return left


def _binary_type(node: Binary, left: str, right: str) -> str:
    op = node.op
    op_span = (node.op_start, node.op_start + len(op))
    if op in ("and", "or"):
        for side, t in ((node.left, left), (node.right, right)):
            if t not in BOOL_LIKE:
                raise ExpressionError(f"'{op}' needs true/false values on both sides; this is {t}",
                                      *_span(side), "compare it with something, e.g. x > 0")
        return "bool"
    if op in COMPARISONS:
        if not _comparable(left, right, equality=op in ("==", "!=")):
            if left == right == "bool":
                raise ExpressionError("true/false values have no order", *op_span)
            hint = None
            if "bool" in (left, right) and (left in NUMERIC or right in NUMERIC):
                hint = "a true/false column compares only with true or false"
            raise ExpressionError(f"cannot compare {left} with {right}", *op_span, hint)
        return "bool"
    result = arithmetic_type(op, left, right)
    if result is not None:
        return result
    hint = None
    if "date" in (left, right) and "float" in (left, right):
        hint = "dates move by whole days: add or subtract an int"
    elif "str" in (left, right):
        hint = "strings support comparison and 'in' only"
    raise ExpressionError(f"cannot apply '{op}' to {left} and {right}", *op_span, hint)


def _check_shift(node: Call, scope: Scope) -> str:
    """``previous(col, by = key, order = ord)`` and ``next(...)``."""
    name_span = (node.start, node.name_end)
    if not scope.derive:
        raise ExpressionError(f"{node.name}() may appear only in derived columns "
                              "([tables.NAME.derive])", *name_span)
    if len(node.args) != 1:
        raise ExpressionError(f"{node.name}() takes one column and the named arguments by and order",
                              node.start, node.end, f"{node.name}(col, by = key, order = ord)")
    kwargs = dict(node.kwargs)
    for key, value in node.kwargs:
        if key not in ("by", "order"):
            raise ExpressionError(f"{node.name}() has no argument {key!r}; it takes by and order",
                                  value.start, value.end)
    if "by" not in kwargs:
        raise ExpressionError(f"{node.name}() needs by = the key column (for example by = child_id)",
                              node.start, node.end)
    by = kwargs["by"]
    if not isinstance(by, Name):
        raise ExpressionError("by must name a column", by.start, by.end)
    check(by, scope)
    value_type = check(node.args[0], scope)
    if "order" in kwargs:
        order_type = check(kwargs["order"], scope)
        order_node = kwargs["order"]
    else:
        order_type, order_node = value_type, node.args[0]
    if order_type not in ("int", "float", "date", "str", UNKNOWN):
        raise ExpressionError(f"the order of {node.name}() must be a number, date or string, not {order_type}",
                              order_node.start, order_node.end)
    return value_type


def _check_call(node: Call, scope: Scope) -> str:
    if node.name in SHIFT_FUNCTIONS:
        return _check_shift(node, scope)
    function = scope.functions.get(node.name)
    name_span = (node.start, node.name_end)
    if function is None:
        reason = scope.unavailable(node.name) if scope.unavailable else None
        if reason:
            raise ExpressionError(reason, *name_span)
        if node.name in scope.columns:
            raise ExpressionError(f"{node.name!r} is a column, not a function", *name_span)
        raise ExpressionError(f"unknown function {node.name!r}", *name_span,
                              suggest(node.name, scope.functions))
    if node.kwargs:
        key, value = node.kwargs[0]
        raise ExpressionError(f"{node.name}() takes no named arguments", value.start, value.end)
    arg_types = [check(arg, scope) for arg in node.args]
    n_params = len(function.params)
    if function.variadic:
        if len(arg_types) < n_params:
            raise ExpressionError(f"{node.name}() takes at least {n_params} argument"
                                  f"{'s' if n_params != 1 else ''}, got {len(arg_types)}",
                                  node.start, node.end, function.signature())
    elif len(arg_types) != n_params:
        raise ExpressionError(f"{node.name}() takes {n_params} argument{'s' if n_params != 1 else ''}"
                              f", got {len(arg_types)}", node.start, node.end, function.signature())
    for index, (arg, t) in enumerate(zip(node.args, arg_types)):
        param = function.params[min(index, n_params - 1)]
        if not _fits(t, param):
            raise ExpressionError(f"argument {index + 1} of {node.name}() must be {param}, not {t}",
                                  *_span(arg), function.signature())
    if function.returns == "common":
        present = [(arg, t) for arg, t in zip(node.args, arg_types) if t not in WILDCARDS]
        if present:
            first = present[0][1]
            for arg, t in present[1:]:
                if not (t == first or (t in NUMERIC and first in NUMERIC)):
                    raise ExpressionError(f"arguments of {node.name}() must share one type: "
                                          f"{first} and {t} do not mix", *_span(arg))
        if UNKNOWN in arg_types and not (present and present[0][1] not in NUMERIC):
            return UNKNOWN  # int or float (or anything) until the data says
    return function.result_type(arg_types)


def check_filter(node: Node, scope: Scope) -> None:
    """Check an expression used as a filter: it must give true/false."""
    t = check(node, scope)
    if t not in BOOL_LIKE:
        raise ExpressionError(f"a filter must be true or false for each row, but this gives {t}",
                              node.start, node.end, "compare it with something, e.g. x > 0")
