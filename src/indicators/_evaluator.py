"""Evaluation of checked expression trees on whole arrays."""

from __future__ import annotations

from typing import Callable, Mapping

import attrs

from ._calendars import Calendar
from ._derived import shift_by_key
from ._expressions import Binary, Call, InList, IsMissing, Literal, Name, Node, Unary, to_text
from ._functions import CallLimits, Function
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
    calls: dict[str, Vec] | None = None  # function calls' values by canonical text, shared


def evaluate(node: Node, ctx: Context) -> Vec:
    """The value of a checked tree for every element of the context."""
    if isinstance(node, Literal):
        return constant(node.value, node.type, ctx.n)
    if isinstance(node, Name):
        if node.name in ctx.variables:
            return ctx.variables[node.name]
        return ctx.column(node.name)
    if isinstance(node, Binary):
        if node.op == "and":
            return logical_and(evaluate(node.left, ctx), evaluate(node.right, ctx))
        if node.op == "or":
            return logical_or(evaluate(node.left, ctx), evaluate(node.right, ctx))
        left, right = evaluate(node.left, ctx), evaluate(node.right, ctx)
        if node.op in ("+", "-", "*", "/"):
            return arithmetic(node.op, left, right)
        return compare(node.op, left, right)
    if isinstance(node, Unary):
        operand = evaluate(node.operand, ctx)
        return logical_not(operand) if node.op == "not" else negate(operand)
    if isinstance(node, InList):
        return in_list(evaluate(node.operand, ctx), [(i.value, i.type) for i in node.items], node.negated)
    if isinstance(node, IsMissing):
        return is_missing(evaluate(node.operand, ctx), node.negated)
    if isinstance(node, Call) and ctx.calls is not None:
        key = to_text(node)
        if key not in ctx.calls:
            ctx.calls[key] = _call(node, ctx)
        return ctx.calls[key]
    if isinstance(node, Call):
        return _call(node, ctx)
    raise TypeError(node)


def _call(node: Call, ctx: Context) -> Vec:
    if node.name in ("previous", "next"):
        kwargs = dict(node.kwargs)
        value = evaluate(node.args[0], ctx)
        order = evaluate(kwargs["order"], ctx) if "order" in kwargs else value
        return shift_by_key(value, evaluate(kwargs["by"], ctx), order, forward=node.name == "next")
    function = ctx.functions[node.name]
    args = [evaluate(arg, ctx) for arg in node.args]
    return function.call(args, ctx.calendar, ctx.limits)
