"""The expression language of packs: tokens, syntax tree and parser.

Pack text is never handed to Python's ``eval``: it is tokenised and parsed here, by a
small recursive-descent parser, into the node classes below. Anything outside the
language (attribute access, subscripts, lambdas, f-strings, ``**``) is simply not a
token or not a rule, and is rejected with a caret under it. Length, nesting depth,
list size and literal sizes are capped so that no pack can make the parser use
unbounded time or memory.
"""

from __future__ import annotations

import functools
import re
from typing import Union

import attrs

from ._errors import ExpressionError

MAX_LENGTH = 10_000
MAX_DEPTH = 64
MAX_LIST_ITEMS = 1_000
MAX_STRING = 1_000
MAX_INT = 2**63 - 1

KEYWORDS = frozenset({"and", "or", "not", "in", "is", "missing", "true", "false"})
PERIOD_VARIABLES = ("period_start", "period_end", "window_start", "window_end")
SHIFT_FUNCTIONS = ("previous", "next")  # a column's value in the row before (after) within a key
COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")


# ---------------------------------------------------------------------------------------
# Syntax tree


def _node(cls: type) -> type:
    """A syntax-tree class: frozen, with its canonical text and the names it uses computed
    once per node, when first asked for, and kept with the node (not in a memo)."""
    cls.canonical = functools.cached_property(lambda self: _text(self))
    cls.names = functools.cached_property(
        lambda self: frozenset(x.name for x in walk(self) if isinstance(x, Name)))
    return attrs.frozen(cls)


@_node
class Literal:
    """A constant: int, float, str, bool, a date (as day number), or missing (None)."""

    value: object
    type: str  # "int" | "float" | "str" | "bool" | "date" | "null"
    start: int
    end: int


@_node
class Name:
    """A column, a derived column, a lookup or a period variable."""

    name: str
    start: int
    end: int


@_node
class Call:
    """A function call; keyword arguments are written ``name = value``."""

    name: str
    args: tuple[Node, ...]
    kwargs: tuple[tuple[str, Node], ...]
    start: int
    end: int
    name_end: int


@_node
class Unary:
    """``-x`` or ``not x``."""

    op: str
    operand: Node
    start: int
    end: int


@_node
class Binary:
    """Arithmetic, comparison, ``and`` and ``or``."""

    op: str
    left: Node
    right: Node
    start: int
    end: int
    op_start: int


@_node
class InList:
    """``x in [...]`` or ``x not in [...]``."""

    operand: Node
    items: tuple[Literal, ...]
    negated: bool
    start: int
    end: int


@_node
class IsMissing:
    """``x is missing`` or ``x is not missing``; never itself missing."""

    operand: Node
    negated: bool
    start: int
    end: int


Node = Union[Literal, Name, Call, Unary, Binary, InList, IsMissing]


def children(node: Node) -> tuple[Node, ...]:
    """A node's operands and arguments, in order."""
    if isinstance(node, Call):
        return node.args + tuple(arg for _, arg in node.kwargs)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, (Unary, InList, IsMissing)):
        return (node.operand,)
    return ()


def walk(node: Node):
    """Every node of a tree, parents first (with a stack, not recursion, so that a flat
    expression of thousands of terms is no deeper to walk than one of two)."""
    stack = [node]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


def left_spine(node: Binary) -> tuple[list[Binary], Node]:
    """The binary operators down a chain of left operands (``a + b + c`` is ``(a + b) + c``),
    innermost last, and the first operand: so that a flat chain of terms is handled in a
    loop rather than by recursing once per term."""
    spine = []
    while isinstance(node, Binary):
        spine.append(node)
        node = node.left
    return spine, node


def names_used(node: Node) -> frozenset[str]:
    """Names (columns and variables) a tree refers to, function names excluded."""
    return node.names


def uses_period(node: Node) -> bool:
    """Whether a tree refers to a period or window variable."""
    return bool(names_used(node) & set(PERIOD_VARIABLES))


def to_text(node: Node) -> str:
    """Canonical text of a tree: equal trees give equal text (used to share work)."""
    return node.canonical


def _text(node: Node) -> str:
    if isinstance(node, Literal):
        if node.type == "null":
            return "missing"
        if node.type == "bool":
            return "true" if node.value else "false"
        if node.type == "str":
            return "'" + str(node.value).replace("\\", "\\\\").replace("'", "\\'") + "'"
        if node.type == "date":
            from ._dates import to_iso

            return f"date('{to_iso(node.value)}')"
        return repr(node.value)
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Call):
        parts = [to_text(a) for a in node.args] + [f"{k} = {to_text(v)}" for k, v in node.kwargs]
        return f"{node.name}({', '.join(parts)})"
    if isinstance(node, Unary):
        return f"({node.op} {to_text(node.operand)})" if node.op == "not" else f"(-{to_text(node.operand)})"
    if isinstance(node, Binary):
        spine, first = left_spine(node)
        text = to_text(first)
        for binary in reversed(spine):
            text = f"({text} {binary.op} {to_text(binary.right)})"
        return text
    if isinstance(node, InList):
        items = ", ".join(to_text(i) for i in node.items)
        return f"({to_text(node.operand)} {'not in' if node.negated else 'in'} [{items}])"
    if isinstance(node, IsMissing):
        return f"({to_text(node.operand)} is {'not ' if node.negated else ''}missing)"
    raise TypeError(node)


# ---------------------------------------------------------------------------------------
# Tokens


@attrs.frozen
class Token:
    kind: str  # "num", "str", "name", "op", "end"
    text: str
    start: int
    end: int
    value: object = None


_NUMBER = re.compile(r"\d+(\.\d+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATORS = ("==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "(", ")", "[", "]", ",", "=")


def tokenize(text: str) -> list[Token]:
    """Split expression text into tokens; anything not in the language is an error."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r\n":
            i += 1
            continue
        if "0" <= ch <= "9":
            match = _NUMBER.match(text, i)
            end = match.end()
            if end < n and (text[end].isascii() and text[end].isalpha() or text[end] == "_"):
                raise ExpressionError("a number cannot run into a name", i, end + 1)
            if end < n and text[end] == ".":
                raise ExpressionError("malformed number", i, end + 1)
            literal = match.group()
            if match.group(1):
                if len(literal) > 40:
                    raise ExpressionError("decimal literal too long", i, end)
                tokens.append(Token("num", literal, i, end, float(literal)))
            else:
                if len(literal) > 19 or int(literal) > MAX_INT:
                    raise ExpressionError("integer literal too large", i, end)
                tokens.append(Token("num", literal, i, end, int(literal)))
            i = end
            continue
        if ch.isascii() and (ch.isalpha() or ch == "_"):
            match = _NAME.match(text, i)
            end = match.end()
            if end < n and text[end] in "'\"":
                raise ExpressionError("prefixed strings (such as f-strings) are not part of the "
                                      "language", i, end + 1)
            tokens.append(Token("name", match.group(), i, end))
            i = end
            continue
        if ch in "'\"":
            quote, j, chars = ch, i + 1, []
            while True:
                if j >= n:
                    raise ExpressionError("unterminated string", i, n)
                c = text[j]
                if c == "\\" and j + 1 < n and text[j + 1] in (quote, "\\"):
                    chars.append(text[j + 1])
                    j += 2
                    continue
                if c == quote:
                    break
                chars.append(c)
                j += 1
                if len(chars) > MAX_STRING:
                    raise ExpressionError(f"string longer than {MAX_STRING} characters", i, j)
            tokens.append(Token("str", text[i:j + 1], i, j + 1, "".join(chars)))
            i = j + 1
            continue
        for op in _OPERATORS:
            if text.startswith(op, i):
                if op == "*" and text.startswith("**", i):
                    raise ExpressionError("'**' is not an operator of the language", i, i + 2)
                tokens.append(Token("op", op, i, i + len(op)))
                i += len(op)
                break
        else:
            hint = None
            if ch == ".":
                hint = "attribute access is not part of the language"
            elif ch == "&":
                hint = "write 'and'"
            elif ch == "|":
                hint = "write 'or'"
            elif ch == "!":
                hint = "write 'not'"
            raise ExpressionError(f"unexpected character {ch!r}", i, i + 1, hint)
    tokens.append(Token("end", "", n, n))
    return tokens


# ---------------------------------------------------------------------------------------
# Parser


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.depth = 0

    # helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def is_op(self, *ops: str) -> bool:
        return self.tok.kind == "op" and self.tok.text in ops

    def is_word(self, *words: str) -> bool:
        return self.tok.kind == "name" and self.tok.text in words

    def advance(self) -> Token:
        tok = self.tok
        self.pos += 1
        return tok

    def expect_op(self, op: str, what: str) -> Token:
        if not self.is_op(op):
            raise self.unexpected(f"expected {what}")
        return self.advance()

    def unexpected(self, message: str) -> ExpressionError:
        tok = self.tok
        if tok.kind == "end":
            return ExpressionError(f"{message}, but the expression ended", tok.start, tok.start + 1)
        return ExpressionError(f"{message}, found {tok.text!r}", tok.start, tok.end)

    def enter(self, start: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"expression nested more than {MAX_DEPTH} levels deep", start, start + 1)

    # grammar, loosest first
    def parse(self) -> Node:
        node = self.expr()
        if self.tok.kind != "end":
            raise self.unexpected("expected an operator or the end of the expression")
        return node

    def expr(self) -> Node:
        return self.or_()

    def or_(self) -> Node:
        node = self.and_()
        while self.is_word("or"):
            op = self.advance()
            right = self.and_()
            node = Binary("or", node, right, node.start, right.end, op.start)
        return node

    def and_(self) -> Node:
        node = self.not_()
        while self.is_word("and"):
            op = self.advance()
            right = self.not_()
            node = Binary("and", node, right, node.start, right.end, op.start)
        return node

    def not_(self) -> Node:
        if self.is_word("not"):
            op = self.advance()
            self.enter(op.start)
            operand = self.not_()
            self.depth -= 1
            return Unary("not", operand, op.start, operand.end)
        return self.comparison()

    def comparison(self) -> Node:
        left = self.additive()
        if self.is_op(*COMPARISONS):
            op = self.advance()
            right = self.additive()
            node = Binary(op.text, left, right, left.start, right.end, op.start)
            if self.is_op(*COMPARISONS):
                raise ExpressionError("comparisons cannot be chained; join them with 'and'",
                                      self.tok.start, self.tok.end)
            return node
        if self.is_word("in") or (self.is_word("not") and self.peek().kind == "name"
                                  and self.peek().text == "in"):
            negated = self.is_word("not")
            if negated:
                self.advance()
            self.advance()
            items, end = self.list_literal()
            return InList(left, items, negated, left.start, end)
        if self.is_word("is"):
            self.advance()
            negated = False
            if self.is_word("not"):
                self.advance()
                negated = True
            if not self.is_word("missing"):
                raise self.unexpected("expected 'missing' after 'is'" + (" not" if negated else ""))
            end = self.advance().end
            return IsMissing(left, negated, left.start, end)
        return left

    def additive(self) -> Node:
        node = self.multiplicative()
        while self.is_op("+", "-"):
            op = self.advance()
            right = self.multiplicative()
            node = Binary(op.text, node, right, node.start, right.end, op.start)
        return node

    def multiplicative(self) -> Node:
        node = self.unary()
        while self.is_op("*", "/"):
            op = self.advance()
            right = self.unary()
            node = Binary(op.text, node, right, node.start, right.end, op.start)
        return node

    def unary(self) -> Node:
        if self.is_op("-"):
            op = self.advance()
            self.enter(op.start)
            operand = self.unary()
            self.depth -= 1
            if isinstance(operand, Literal) and operand.type in ("int", "float"):
                return Literal(-operand.value, operand.type, op.start, operand.end)
            return Unary("-", operand, op.start, operand.end)
        if self.is_op("+"):
            raise self.unexpected("unary '+' is not part of the language")
        return self.atom()

    def atom(self) -> Node:
        tok = self.tok
        if tok.kind == "num":
            self.advance()
            return Literal(tok.value, "float" if isinstance(tok.value, float) else "int", tok.start, tok.end)
        if tok.kind == "str":
            self.advance()
            return Literal(tok.value, "str", tok.start, tok.end)
        if self.is_op("("):
            self.advance()
            self.enter(tok.start)
            node = self.expr()
            self.depth -= 1
            self.expect_op(")", "')' to close the '(' opened at column " + str(tok.start + 1))
            return node
        if self.is_op("["):
            raise ExpressionError("a list may only follow 'in' or 'not in'", tok.start, tok.end)
        if tok.kind == "name":
            word = tok.text
            if word in ("true", "false"):
                self.advance()
                return Literal(word == "true", "bool", tok.start, tok.end)
            if word == "missing":
                self.advance()
                return Literal(None, "null", tok.start, tok.end)
            if word in KEYWORDS:
                raise self.unexpected("expected a value")
            self.advance()
            if self.is_op("("):
                if word == "date":
                    return self.date_literal(tok)
                return self.call(tok)
            return Name(word, tok.start, tok.end)
        raise self.unexpected("expected a value")

    def call(self, name: Token) -> Node:
        self.advance()  # "("
        self.enter(name.start)
        args: list[Node] = []
        kwargs: list[tuple[str, Node]] = []
        if not self.is_op(")"):
            while True:
                if self.tok.kind == "name" and self.peek().kind == "op" and self.peek().text == "=":
                    key = self.advance()
                    self.advance()
                    if any(k == key.text for k, _ in kwargs):
                        raise ExpressionError(f"argument {key.text!r} given twice", key.start, key.end)
                    kwargs.append((key.text, self.expr()))
                else:
                    if kwargs:
                        raise self.unexpected("a positional argument cannot follow a named one")
                    args.append(self.expr())
                if len(args) + len(kwargs) > 64:
                    raise ExpressionError("too many arguments", name.start, self.tok.end)
                if self.is_op(","):
                    self.advance()
                    continue
                break
        end = self.expect_op(")", "',' or ')' in the argument list").end
        self.depth -= 1
        return Call(name.text, tuple(args), tuple(kwargs), name.start, end, name.end)

    def date_literal(self, name: Token) -> Literal:
        from ._dates import parse_date_text

        self.advance()  # "("
        tok = self.tok
        if tok.kind != "str":
            raise self.unexpected("date() takes one quoted date such as date('2017-01-31')")
        self.advance()
        end = self.expect_op(")", "')' after the date").end
        import numpy as np

        days, ok = parse_date_text(np.array([tok.value]))
        if not ok[0]:
            raise ExpressionError(f"{tok.value!r} is not a date (write YYYY-MM-DD or DD/MM/YYYY)",
                                  tok.start, tok.end)
        return Literal(int(days[0]), "date", name.start, end)

    def list_literal(self) -> tuple[tuple[Literal, ...], int]:
        self.expect_op("[", "'[' to start the list")
        items: list[Literal] = []
        while not self.is_op("]"):
            item = self.unary()
            if not isinstance(item, Literal):
                raise ExpressionError("list items must be literal values", item.start, item.end)
            items.append(item)
            if len(items) > MAX_LIST_ITEMS:
                raise ExpressionError(f"list longer than {MAX_LIST_ITEMS} items", item.start, item.end)
            if self.is_op(","):
                self.advance()
            elif not self.is_op("]"):
                raise self.unexpected("expected ',' or ']' in the list")
        end = self.advance().end
        if not items:
            raise ExpressionError("the list is empty", end - 2, end)
        return tuple(items), end


def parse(text: str) -> Node:
    """Parse expression text into a tree; :class:`ExpressionError` on any problem."""
    if not isinstance(text, str):
        raise ExpressionError("expected the expression as a string")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters", MAX_LENGTH, len(text))
    if not text.strip():
        raise ExpressionError("the expression is empty")
    try:
        return _Parser(text).parse()
    except (RecursionError, MemoryError):
        raise ExpressionError("expression too deeply nested or too large") from None
