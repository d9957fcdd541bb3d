"""Expression functions: their declared types and vectorised implementations.

A :class:`Function` declares its argument and result types so that calls are checked
when a pack loads. Most functions are *missing-propagating*: they receive plain numpy
arrays (missing positions already filled with a harmless value) and the engine marks
the result missing wherever an argument was. Functions that treat missing values
themselves (``coalesce``, ``least``, ``greatest``) receive and return :class:`Vec`.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Mapping

import attrs
import numpy as np

from ._calendars import Calendar
from ._dates import NAT, month_and_day, split
from ._errors import PluginError, Problem
from ._expressions import Call, Node, walk
from ._arrays import read_only, unique
from ._text import as_text
from ._vectors import Vec, cast, common_type

DEFAULT_TIME_LIMIT = 60.0
"""Seconds one call of a plugin function may take unless ``function_time_limit`` says otherwise."""

ARG_TYPES = ("date", "int", "float", "number", "ordered", "str", "bool", "any")
RESULT_TYPES = ("date", "int", "float", "str", "bool", "common")


@attrs.frozen
class Function:
    """An expression function.

    ``params`` are argument types from :data:`ARG_TYPES` (``number`` is int or float,
    ``ordered`` a number or a date, ``any`` anything); with ``variadic`` the last one may repeat. ``returns`` is a type
    or ``"common"``, the shared type of the arguments. ``impl`` gets numpy arrays (or
    ``Vec`` objects when ``handles_missing``) and, when ``needs_calendar``, the pack's
    calendar as the keyword ``calendar``.
    """

    name: str
    params: tuple[str, ...]
    returns: str
    impl: Callable
    variadic: bool = False
    handles_missing: bool = False
    needs_calendar: bool = False
    description: str = ""
    provider: str | None = None  # the plugin that gave it, for messages
    builtin: bool = False  # the engine's own: trusted, so run without a time limit

    def __attrs_post_init__(self) -> None:
        for p in self.params:
            if p not in ARG_TYPES:
                raise ValueError(f"function {self.name}: unknown argument type {p!r}")
        if self.returns not in RESULT_TYPES:
            raise ValueError(f"function {self.name}: unknown result type {self.returns!r}")

    def signature(self) -> str:
        """``name(type, ...) -> type`` for messages and listings."""
        params = list(self.params)
        if self.variadic:
            params[-1] += ", ..."
        return f"{self.name}({', '.join(params)}) -> {self.returns}"

    def call(self, args: list[Vec], calendar: Calendar | None, limits: CallLimits | None = None) -> Vec:
        """Apply to evaluated arguments, handling missing values as declared."""
        kwargs = {"calendar": calendar} if self.needs_calendar else {}
        if self.handles_missing:
            given = args if self.builtin else [_spread(a) for a in args]
            result = self._invoke([_read_only_vec(a) for a in given], kwargs, limits)
            n = len(args[0]) if args else 0
            if not isinstance(result, Vec) or len(result) != n:
                raise PluginError([Problem(f"function {self.name}() returned {type(result).__name__} "
                                           f"instead of {n} values", path=self.provider)])
            return _owned_vec(result)
        result_type = self.result_type([a.type for a in args])
        n = len(args[0]) if args else 0
        if any(a.type == "null" for a in args):
            return cast(Vec("null", np.zeros(n, np.int8), np.ones(n, bool)), result_type)
        missing = None
        for a in args:  # an argument without missing cells adds no mask
            if a.missing is not None:
                missing = a.missing if missing is None else (missing | a.missing)
        if missing is not None and missing.all():
            return cast(Vec("null", np.zeros(n, np.int8), np.ones(n, bool)), result_type)
        as_given = self.builtin and self.name in _MISSING_CELLS_READ_AS_STORED
        if self.builtin and self.name in _READ_SPANS:
            kwargs["spans"] = tuple(a.span for a in args)
        if not self.builtin:
            args = [_spread(a) for a in args]
        data = np.asarray(self._invoke([read_only(a.data if as_given else _plain(a)) for a in args], kwargs, limits))
        if data.shape != (n,):
            what = "one value" if data.shape == () else f"an array of shape {data.shape}"
            raise PluginError([Problem(f"function {self.name}() returned {what} for {n} values",
                                       path=self.provider)])
        if not data.flags.writeable:  # an argument handed back: the result must be the engine's own
            data = data.copy()
        if result_type == "str":
            text = as_text([str(v) for v in data.tolist()] if data.dtype.kind == "O" else data)
            categories, codes = unique(text, return_inverse=True)
            return Vec("str", codes.astype(np.int32), missing, categories.astype(object))
        if not _kind_fits(result_type, data):
            raise PluginError([Problem(f"function {self.name}() declares {result_type} but returned "
                                       f"{data.dtype} values", path=self.provider)])
        # copy=False: the result is already the engine's own array (copied above if not)
        if result_type == "int":
            data = data.astype(np.int64, copy=False)
        if result_type == "float":
            data = data.astype(np.float64, copy=False)
            bad = ~np.isfinite(data)
            missing = bad if missing is None else (missing | bad)
        elif result_type == "date":
            data = (data.astype("datetime64[D]", copy=False).view(np.int64) if data.dtype.kind == "M"
                    else data.astype(np.int64, copy=False))
            bad = data == NAT
            missing = bad if missing is None else (missing | bad)
        if missing is not None and not missing.any():
            missing = None
        return Vec(result_type, data, missing)

    def _invoke(self, args: list, kwargs: dict, limits: CallLimits | None) -> Any:
        """The implementation's answer; its failure, or a plugin function's overrunning the
        time limit, is a PluginError naming the function and its plugin."""
        if self.builtin or limits is None or limits.seconds is None:
            try:
                return self.impl(*args, **kwargs)
            except Exception as exc:
                raise self._failed(_failure(exc)) from exc
        if self.name in limits.overran:
            raise self._failed(f"was stopped waiting for after {limits.seconds:g} s earlier in this run")
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                outcome["value"] = self.impl(*args, **kwargs)
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
                outcome["error"] = exc

        # Python cannot stop a thread: an overrunning call is abandoned (a daemon thread,
        # so it does not hold the process open) and the function is not called again.
        worker = threading.Thread(target=work, name=f"indicators function {self.name}", daemon=True)
        worker.start()
        worker.join(limits.seconds)
        if worker.is_alive():
            limits.overran.add(self.name)
            raise self._failed(f"did not finish within the time limit of {limits.seconds:g} s")
        if "error" in outcome:
            exc = outcome["error"]
            raise self._failed(_failure(exc)) from exc
        return outcome["value"]

    def _failed(self, what: str) -> PluginError:
        return PluginError([Problem(f"function {self.name}() {what}", path=self.provider)])

    def result_type(self, arg_types: list[str]) -> str:
        if self.returns == "common":
            return common_type(arg_types)
        return self.returns


@attrs.define
class CallLimits:
    """How long one call of a plugin function may take (None: no limit), and the
    functions that overran it in this run."""

    seconds: float | None = DEFAULT_TIME_LIMIT
    overran: set[str] = attrs.field(factory=set)


def engine_calls_only(node: Node, functions: Mapping[str, Function]) -> bool:
    """Whether every function an expression calls is one of the engine's own (trusted: it
    may run on part of a column, or in another thread)."""
    return all(call.name in functions and functions[call.name].builtin
               for call in walk(node) if isinstance(call, Call))


def _failure(exc: BaseException) -> str:
    what = f"failed: {type(exc).__name__}: {exc}"
    if isinstance(exc, ValueError) and "read-only" in str(exc):
        what += " (a function must not change the arrays it is given)"
    return what


def _spread(vec: Vec) -> Vec:
    """A literal's one broadcast value as a plain array, for a plugin function: it may
    count on an ordinary array (reshaping, viewing as another type)."""
    def plain(array):
        return np.array(array) if array is not None and array.ndim == 1 and array.strides == (0,) else array

    return Vec(vec.type, plain(vec.data), plain(vec.missing), vec.categories)


def _read_only_vec(vec: Vec) -> Vec:
    return Vec(vec.type, read_only(vec.data), None if vec.missing is None else read_only(vec.missing),
               None if vec.categories is None else read_only(vec.categories))


def _owned_vec(vec: Vec) -> Vec:
    """A function's answer with any array it handed back from its arguments copied."""
    def own(array):
        return array if array is None or array.flags.writeable else array.copy()

    return Vec(vec.type, own(vec.data), own(vec.missing), vec.categories)


def _kind_fits(result_type: str, data: np.ndarray) -> bool:
    """Whether a function's values are of the type it declares (int: integers within 64
    bits; bool: booleans only)."""
    kind = data.dtype.kind
    if result_type == "bool":
        return kind == "b"
    if result_type == "int":
        if kind == "u" and data.dtype.itemsize == 8:
            return not data.size or int(data.max()) < 2**63
        return kind in "iu"
    if result_type == "float":
        return kind in "iuf"
    if result_type == "date":
        return kind in "iuM"
    return True


# built-ins that take any value in a missing cell (NaT included) and whose result there is
# masked: their arguments go as stored, without a full-length copy filling missing cells
_MISSING_CELLS_READ_AS_STORED = frozenset({"days", "working_days"})
# built-ins told their arguments' spans where known (Vec.span), to skip a range check
_READ_SPANS = frozenset({"working_days"})


def _plain(vec: Vec) -> np.ndarray:
    """An argument as a function receives it: strings as text, missing filled harmlessly."""
    if vec.type == "str":
        text = np.empty(len(vec), dtype=object)
        present = vec.data >= 0
        text[present] = vec.categories[vec.data[present]]
        text[~present] = ""
        return as_text(text)
    return vec.filled()


# ---------------------------------------------------------------------------------------
# Built-in functions (SPEC section 4)


def _days(a, b):
    return b - a


def _working_days(a, b, *, calendar: Calendar, spans=(None, None)):
    return calendar.working_days(a, b, spans)


def _add_working_days(a, n, *, calendar: Calendar):
    return calendar.add_working_days(a, n)


def _age(dob, at):
    # whole years are whole months floored to twelves: a birthday not yet reached in the
    # year leaves fewer than 12 months over the whole years, also before the birth
    return _months(dob, at) // 12


def _months(a, b):
    months = month_and_day(b)
    months -= month_and_day(a)
    months >>= 5  # a floor: one month fewer where b's day of the month is before a's
    return months


def _year(d):
    return split(d)[0]


def _month(d):
    return split(d)[1]


def _coalesce(*args: Vec) -> Vec:
    type_ = common_type([a.type for a in args])
    args = [cast(a, type_) if a.type != type_ else a for a in args]
    out = args[0]
    data = out.data.copy()
    missing = out.mask().copy()
    categories = out.categories
    for a in args[1:]:
        if not missing.any():
            break
        take = missing & ~a.mask()
        if type_ == "str":
            from ._vectors import unify_strings

            data, codes, categories = unify_strings(Vec("str", data, missing, categories), a)
            data = data.copy()
            data[take] = codes[take]
        else:
            data[take] = a.data[take]
        missing &= ~take
    return Vec(type_, data, missing if missing.any() else None, categories)


def _extreme(pick_min: bool):
    def impl(*args: Vec) -> Vec:
        type_ = common_type([a.type for a in args])
        args = [cast(a, type_) for a in args]
        if type_ == "null":
            return args[0]
        data = None
        missing = None
        for a in args:
            m = a.mask()
            if data is None:
                data, missing = a.data.copy(), m.copy()
                continue
            better = (a.data < data) if pick_min else (a.data > data)
            take = ~m & (missing | better)
            data[take] = a.data[take]
            missing &= m
        return Vec(type_, data, missing if missing.any() else None)

    return impl


BUILTIN_FUNCTIONS: tuple[Function, ...] = tuple(attrs.evolve(function, builtin=True) for function in (
    Function("days", ("date", "date"), "int", _days,
             description="calendar days from a to b (b - a)"),
    Function("working_days", ("date", "date"), "int", _working_days, needs_calendar=True,
             description="working days d with a < d <= b; negative when b < a"),
    Function("add_working_days", ("date", "int"), "date", _add_working_days, needs_calendar=True,
             description="the n-th working day after a (before it when n < 0)"),
    Function("age", ("date", "date"), "int", _age,
             description="whole years from dob to at (birthday reached)"),
    Function("months", ("date", "date"), "int", _months,
             description="whole calendar months from a to b"),
    Function("year", ("date",), "int", _year, description="calendar year"),
    Function("month", ("date",), "int", _month, description="month number 1-12"),
    Function("coalesce", ("any",), "common", _coalesce, variadic=True, handles_missing=True,
             description="the first value that is not missing"),
    Function("least", ("ordered",), "common", _extreme(True), variadic=True, handles_missing=True,
             description="the smallest value, ignoring missing"),
    Function("greatest", ("ordered",), "common", _extreme(False), variadic=True,
             handles_missing=True, description="the largest value, ignoring missing"),
))
