"""The expression language: parsing, safety, types and three-valued logic (SPEC section 4)."""

from __future__ import annotations

import datetime

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import indicators
from indicators._checker import Scope, check
from indicators._errors import ExpressionError
from indicators._evaluator import Context, evaluate
from indicators._expressions import parse
from indicators._vectors import Vec

FUNCTIONS = indicators.default_registry().functions
CALENDAR = indicators.default_registry().calendar("england-and-wales")


def values(expression: str, **columns) -> list:
    """Evaluate an expression over columns given as lists (None for missing)."""
    vecs = {}
    for name, items in columns.items():
        table = indicators.table_from_mapping("t", {name: items})
        col = table[name]
        vecs[name] = Vec(col.type, col.data, col.missing_mask() if col.type == "null" else col.missing,
                         col.categories)
    n = len(next(iter(columns.values()))) if columns else 1
    node = parse(expression)
    check(node, Scope({k: v.type for k, v in vecs.items()}, FUNCTIONS))
    out = evaluate(node, Context(n, vecs.__getitem__, FUNCTIONS, CALENDAR))
    mask = out.mask() if out.type != "null" else np.ones(n, bool)
    result = []
    for i in range(n):
        if mask[i]:
            result.append(None)
        elif out.type == "date":
            result.append(str(np.datetime64(int(out.data[i]), "D")))
        elif out.type == "str":
            result.append(out.categories[out.data[i]])
        else:
            result.append(out.data[i].item())
    return result


def error_of(expression: str, **types) -> ExpressionError:
    with pytest.raises(ExpressionError) as info:
        check(parse(expression), Scope(types, FUNCTIONS))
    return info.value


def test_not_of_a_missing_comparison_is_missing():
    assert [True, False, None] == values("not (x > 1)", x=[1, 2, None])


def test_kleene_and_or():
    assert [False, None, True] == values("x > 0 and y > 0", x=[0, None, 1], y=[None, 1, 1])
    assert [True, None, True] == values("x > 0 or y > 0", x=[1, None, 0], y=[None, 0, 1])


def test_in_list_with_missing_is_true_on_match_and_missing_otherwise():
    assert [True, None, None] == values("x in [1, missing]", x=[1, 2, None])
    assert [False, None, None] == values("x not in [1, missing]", x=[1, 2, None])
    assert [True, False, None] == values("x in [1, 3]", x=[1, 2, None])


def test_is_missing_is_never_missing():
    assert [False, True] == values("x is missing", x=[1, None])
    assert [True, False] == values("x is not missing", x=[1, None])


def test_division_by_zero_is_missing_and_int_division_is_float():
    assert [3.5, None] == values("x / y", x=[7, 1], y=[2, 0])


def test_date_arithmetic():
    assert ["2017-01-10", "2017-01-08"] == values("d + 1", d=["2017-01-09", "2017-01-07"])
    assert [2] == values("d - e", d=["2017-01-09"], e=["2017-01-07"])
    assert [2] == values("days(e, d)", d=["2017-01-09"], e=["2017-01-07"])


def test_string_comparisons_use_code_points():
    assert [True, False, None] == values("s < 'b'", s=["a", "c", None])
    assert [True, False, None] == values("s == 'a'", s=["a", "B", None])
    assert [False, True] == values("s in ['B', 'c']", s=["a", "c"])


TEXTS = st.text(alphabet="abcB", min_size=1, max_size=3)  # an empty cell is missing


@given(st.lists(st.one_of(st.none(), TEXTS), min_size=1, max_size=8), st.text(alphabet="abcB", max_size=3),
       st.sampled_from(["==", "!=", "<", "<=", ">", ">="]))
def test_comparing_text_with_a_literal_agrees_with_python(column, literal, op):
    """Whether or not the literal is among the column's values, and on either side."""
    compare = {"==": str.__eq__, "!=": str.__ne__, "<": str.__lt__, "<=": str.__le__,
               ">": str.__gt__, ">=": str.__ge__}[op]
    expected = [None if text is None else compare(text, literal) for text in column]
    assert expected == values(f"s {op} '{literal}'", s=column)
    flipped = [None if text is None else compare(literal, text) for text in column]
    assert flipped == values(f"'{literal}' {op} s", s=column)


def test_operator_precedence():
    assert [7] == values("1 + 2 * x", x=[3])
    assert [True] == values("not x == 1 and x > 5 or true", x=[3])
    assert [-9] == values("-x * 3", x=[3])


def test_age_and_leap_day_birthdays():
    dob = ["2000-02-29", "2000-02-29", "2010-06-15", "2017-06-01"]
    at = ["2001-02-28", "2001-03-01", "2017-06-14", "2017-01-01"]
    assert [0, 1, 6, -1] == values("age(dob, at)", dob=dob, at=at)


def test_months_between_dates():
    a = ["2017-01-31", "2017-01-15", "2017-03-15"]
    b = ["2017-02-28", "2017-02-15", "2017-01-20"]
    assert [0, 1, -2] == values("months(a, b)", a=a, b=b)


_SOME_DATE = st.one_of(st.none(), st.dates(min_value=datetime.date(1800, 1, 1)))


@given(st.lists(st.tuples(_SOME_DATE, _SOME_DATE), min_size=1, max_size=20))
def test_months_and_age_count_whole_months_and_years_as_the_calendar_does(pairs):
    """months(a, b): whole months from a to b (a day of the month not yet reached leaves
    the last month out; negative backwards); age(dob, at): whole years, likewise; also for
    dates outside the engine's day tables (1900-2200), beside missing ones."""
    a = [None if x is None else x.isoformat() for x, _ in pairs]
    b = [None if y is None else y.isoformat() for _, y in pairs]
    months = [None if x is None or y is None else 12 * (y.year - x.year) + y.month - x.month - (y.day < x.day)
              for x, y in pairs]
    years = [None if x is None or y is None else y.year - x.year - ((y.month, y.day) < (x.month, x.day))
             for x, y in pairs]
    assert months == values("months(a, b)", a=a, b=b)
    assert years == values("age(a, b)", a=a, b=b)


def test_coalesce_least_greatest():
    assert [1, 5, None] == values("coalesce(x, y)", x=[1, None, None], y=[2, 5, None])
    assert [1, 5, None] == values("least(x, y)", x=[1, None, None], y=[2, 5, None])
    assert [2, 5, None] == values("greatest(x, y)", x=[1, None, None], y=[2, 5, None])


def test_year_and_month():
    assert [2017] == values("year(d)", d=["2017-03-31"])
    assert [3] == values("month(d)", d=["2017-03-31"])


def test_bool_column_is_a_filter_on_its_own():
    assert [True, False, None] == values("flag", flag=[True, False, None])
    assert [False, True, None] == values("flag == false", flag=[True, False, None])


@pytest.mark.parametrize("expression, message", [
    ("__import__('os').system('x')", "unexpected character '.'"),
    ("x.y", "unexpected character '.'"),
    ("x[0]", "expected an operator or the end of the expression, found '['"),
    ("lambda: 1", "unexpected character ':'"),
    ("f'{x}'", "f-strings"),
    ("x ** 2", "'**' is not an operator"),
    ("[i for i in x]", "a list may only follow 'in'"),
    ("x in [y]", "list items must be literal values"),
    ("1 < x < 3", "cannot be chained"),
    ("(" * 100 + "1" + ")" * 100, "nested more than 64 levels"),
    ("(" * 10000 + "1" + ")" * 10000, "expression longer than 10000 characters"),
    ("not " * 100 + "true", "nested more than 64 levels"),
    ("'" + "a" * 5000 + "'", "string longer than"),
    ("99999999999999999999", "integer literal too large"),
    ("x in [" + ",".join(["1"] * 1500) + "]", "list longer than 1000 items"),
], ids=lambda value: value[:30] if isinstance(value, str) else value)
def test_hostile_or_foreign_syntax_is_rejected(expression, message):
    with pytest.raises(ExpressionError) as info:
        parse(expression)
    assert message in info.value.message


def test_unknown_name_suggests_the_close_column():
    error = error_of("decided_onn > received_on", decided_on="date", received_on="date")
    assert "unknown name 'decided_onn'" in error.message
    assert "did you mean 'decided_on'?" == error.hint
    assert (0, 11) == (error.start, error.end)


@pytest.mark.parametrize("expression, message", [
    ("d + 1.5", "cannot apply '+' to date and float"),
    ("flag == 1", "cannot compare bool with int"),
    ("coalesce(d, s)", "must share one type"),
    ("working_days(d)", "takes 2 arguments, got 1"),
    ("working_days(d, 1)", "argument 2 of working_days() must be date, not int"),
    ("s + 1", "cannot apply '+' to str and int"),
    ("x and flag", "'and' needs true/false values"),
    ("nosuch(d)", "unknown function 'nosuch'"),
    ("previous(d, by = x)", "may appear only in derived columns"),
])
def test_type_errors_are_found_before_any_data(expression, message):
    error = error_of(expression, d="date", s="str", x="int", flag="bool")
    assert message in error.message


def test_caret_points_at_the_offending_operator():
    text = "received_on + 1.5"
    error = error_of(text, received_on="date")
    rendered = error.render(text)
    line, caret = rendered.splitlines()[:2]
    assert "+" == line[caret.index("^")]


@given(st.one_of(st.text(max_size=60), st.text(alphabet="()[]'\"=<>!+-*/ .,_aeimnorstx019", max_size=80)))
@settings(max_examples=2000)
def test_parser_only_raises_its_own_error(text):
    try:
        parse(text)
    except ExpressionError:
        pass
