"""(row, period) pairs: the variables an expression reads on them (each computed when
first asked for), and each expression's value on one selection's pairs, computed once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Mapping

import numpy as np

from ._arrays import block_rows, distinct_per_group, row_chunks, take_at
from ._evaluator import Context, evaluate as evaluate_node
from ._expressions import COMPARISONS, Binary, InList, IsMissing, Node, Unary, to_text
from ._vectors import Vec

if TYPE_CHECKING:
    from ._definitions import Expr


class LazyVariables(Mapping):
    """Period variables and lookup values, each computed when an expression first asks for it."""

    def __init__(self, lazy: dict[str, Callable[[], Vec]]) -> None:
        self._values: dict[str, Vec] = {}
        self._lazy = lazy

    def __getitem__(self, name: str) -> Vec:
        if name not in self._values:
            if name not in self._lazy:
                raise KeyError(name)
            self._values[name] = self._lazy[name]()
        return self._values[name]

    def __contains__(self, name: object) -> bool:
        return name in self._values or name in self._lazy

    def __iter__(self):
        return iter({**self._values, **self._lazy})

    def __len__(self) -> int:
        return len(set(self._values) | set(self._lazy))


class PairFrame:
    """(row, period) pairs of one selection, with each expression evaluated on them once."""

    weights: np.ndarray | None = None  # how many pairs each stands for (None: one each)

    def __init__(self, rows: np.ndarray, periods: np.ndarray, context: Context,
                 shortcut: Callable[[Node, np.ndarray, np.ndarray], Vec | None] | None = None,
                 context_at: Callable[[np.ndarray, np.ndarray], Context] | None = None,
                 by_blocks: Callable[[Node], bool] | None = None) -> None:
        self.rows = rows
        self.periods = periods
        self.context = context
        self.shortcut = shortcut  # a cheaper way to the same values, when there is one
        # the context of some of the pairs, and which expressions may be evaluated on some
        # pairs at a time (the engine's own functions alone)
        self.context_at = context_at
        self.by_blocks = by_blocks
        self._values: dict[str, Vec] = {}

    def value(self, expr: Expr) -> Vec:
        key = to_text(expr.node)
        if key not in self._values:
            value = self.shortcut(expr.node, self.rows, self.periods) if self.shortcut else None
            self._values[key] = value if value is not None else self._evaluate(expr.node)
        return self._values[key]

    def _evaluate(self, node: Node) -> Vec:
        """A true-or-false expression on many pairs block by block, where it may be: the
        values it reads (a lookup's, a period's dates) then never exist for every pair, only
        its result; any other on every pair at once."""
        n = self.rows.size
        true_or_false = (isinstance(node, (InList, IsMissing)) or isinstance(node, Unary) and node.op == "not"
                         or isinstance(node, Binary) and node.op in (*COMPARISONS, "and", "or"))
        if self.context_at is None or n <= block_rows(n) or not true_or_false or not self.by_blocks(node):
            return evaluate_node(node, self.context)
        data, missing, any_missing = np.empty(n, dtype=bool), np.zeros(n, dtype=bool), False
        for pairs in row_chunks(n):
            part = evaluate_node(node, self.context_at(self.rows[pairs], self.periods[pairs]))
            data[pairs] = part.data
            if part.missing is not None:
                missing[pairs] = part.missing
                any_missing = True
        return Vec("bool", data, missing if any_missing else None)

    def all_true(self, exprs) -> np.ndarray:
        mask = np.ones(self.rows.size, dtype=bool)
        for expr in exprs:
            mask &= self.value(expr).is_true()
        return mask

    def tally(self, bins: np.ndarray, size: int, where: np.ndarray | None = None) -> np.ndarray:
        """How many (row, period) pairs fall in each of ``size`` bins, given each pair's bin,
        among the pairs ``where`` keeps (all when None)."""
        return np.bincount(bins if where is None else bins[where], minlength=size).astype(np.int64)

    def tally_by_code(self, codes: np.ndarray, n_codes: int, n_periods: int) -> np.ndarray:
        """How many pairs of each code 0..n_codes-1 fall in each period, shape (n_codes,
        n_periods): block by block, so that no pair-length array of bins is made."""
        size, weights = n_codes * n_periods, self.weights
        counts = np.zeros(size, dtype=np.int64 if weights is None else np.float64)
        bins = np.empty(block_rows(self.rows.size), dtype=np.intp)
        for rows in row_chunks(self.rows.size):
            at = bins[:rows.stop - rows.start]
            at[...] = codes[rows]
            at *= n_periods
            at += self.periods[rows]
            counts += np.bincount(at, weights=None if weights is None else weights[rows], minlength=size)
        return np.rint(counts).astype(np.int64).reshape(n_codes, n_periods)

    def of_rows(self, values: np.ndarray) -> np.ndarray:
        """``values`` (one per row of the table) at each pair's row."""
        return take_at(values, self.rows)

    def distinct(self, where: np.ndarray, keys: np.ndarray, n_periods: int) -> np.ndarray:
        """How many distinct ``keys`` (one per row of the table) the pairs ``where`` keeps
        hold in each period."""
        return distinct_per_group(self.periods[where], take_at(keys, self.rows[where]), n_periods)


class CellFrame(PairFrame):
    """(values, period) cells standing for the (row, period) pairs of one selection: one
    per combination of the values of the columns that decide the expressions judged on
    them (:func:`indicators._work.cell_columns`) in each period, evaluated once through one
    row holding it, and weighing as many pairs as it has rows in that period's window. A
    distinct key is among those columns, so distinct keys count as over pairs."""

    def __init__(self, rows: np.ndarray, periods: np.ndarray, weights: np.ndarray, context: Context) -> None:
        super().__init__(rows, periods, context)
        self.weights = weights

    def tally(self, bins: np.ndarray, size: int, where: np.ndarray | None = None) -> np.ndarray:
        weights = self.weights
        if where is not None:
            bins, weights = bins[where], weights[where]
        return np.rint(np.bincount(bins, weights=weights, minlength=size)).astype(np.int64)
