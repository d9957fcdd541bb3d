"""Evaluation of checked expression trees on whole arrays."""

from __future__ import annotations

from typing import Callable, Mapping

import attrs

from ._calendars import Calendar
from ._derived import Sequence, shift_by_key
from ._expressions import (SHIFT_FUNCTIONS, Binary, Call, InList, IsMissing, Literal, Name, Node, Unary, left_spine,
                           to_text, walk)
from ._functions import CallLimits, Function
from ._work import RowValue, Shared, Sorted
from ._vectors import (
    Vec,
    arithmetic,
    compare,
    constant,
    in_list,
    is_missing,
    logical_and,
    logical_not,
    logical_or,
    negate,
)


@attrs.define
class Context:
    """What evaluation needs: the number of elements, where names come from, and functions."""

    n: int
    column: Callable[[str], Vec]
    functions: Mapping[str, Function]
    calendar: Calendar | None = None
    variables: Mapping[str, Vec] = attrs.field(factory=dict)
    limits: CallLimits | None = None
    # function calls' values by canonical text, and rows sorted by (key, order), shared
    shared: Shared | None = None


def evaluate(node: Node, ctx: Context) -> Vec:
    """The value of a checked tree for every element of the context."""
    if isinstance(node, Literal):
        return constant(node.value, node.type, ctx.n)
    if isinstance(node, Name):
        if node.name in ctx.variables:
            return ctx.variables[node.name]
        return ctx.column(node.name)
    if isinstance(node, Binary):
        spine, first = left_spine(node)
        value = evaluate(first, ctx)
        for binary in reversed(spine):  # a flat chain of terms in a loop, not one call deeper per term
            value = _binary(binary.op, value, evaluate(binary.right, ctx))
        return value
    if isinstance(node, Unary):
        operand = evaluate(node.operand, ctx)
        return logical_not(operand) if node.op == "not" else negate(operand)
    if isinstance(node, InList):
        return in_list(evaluate(node.operand, ctx), [(i.value, i.type) for i in node.items], node.negated)
    if isinstance(node, IsMissing):
        return is_missing(evaluate(node.operand, ctx), node.negated)
    if isinstance(node, Call) and ctx.shared is not None:
        return ctx.shared.get(RowValue(to_text(node)), lambda: _call(node, ctx))
    if isinstance(node, Call):
        return _call(node, ctx)
    raise TypeError(node)


def _binary(op: str, left: Vec, right: Vec) -> Vec:
    if op == "and":
        return logical_and(left, right)
    if op == "or":
        return logical_or(left, right)
    if op in ("+", "-", "*", "/"):
        return arithmetic(op, left, right)
    return compare(op, left, right)


def sort_key(call: Call) -> Sorted:
    """The sort a ``previous()``/``next()`` call reads: by its key, then its order."""
    kwargs = dict(call.kwargs)
    return Sorted(to_text(kwargs["by"]), to_text(kwargs.get("order", call.args[0])))


def sorts_read(node: Node) -> set[Sorted]:
    """The sorts the ``previous()``/``next()`` calls of an expression read."""
    return {sort_key(call) for call in walk(node) if isinstance(call, Call) and call.name in SHIFT_FUNCTIONS}


def _call(node: Call, ctx: Context) -> Vec:
    if node.name in SHIFT_FUNCTIONS:
        kwargs = dict(node.kwargs)
        value = evaluate(node.args[0], ctx)
        order_node = kwargs.get("order", node.args[0])
        order = evaluate(order_node, ctx) if "order" in kwargs else value
        key = evaluate(kwargs["by"], ctx)
        sequence = None
        if ctx.shared is not None:  # one sort per (key, order), whatever columns shift along it
            sequence = ctx.shared.get(sort_key(node), lambda: Sequence(key, order))
        return shift_by_key(value, key, order, forward=node.name == "next", sequence=sequence,
                            value_is_order=order is value)
    function = ctx.functions[node.name]
    args = [evaluate(arg, ctx) for arg in node.args]
    return function.call(args, ctx.calendar, ctx.limits)
