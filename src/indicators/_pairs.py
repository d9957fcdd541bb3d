"""(row, period) pairs: the variables an expression reads on them (each computed when
first asked for), and each expression's value on one selection's pairs, computed once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Mapping, Sequence

import numpy as np

from ._arrays import block_rows, distinct_per_group, row_chunks, take_at
from ._evaluator import Context, evaluate as evaluate_node
from ._expressions import COMPARISONS, Binary, InList, IsMissing, Node, Unary, to_text
from ._vectors import Vec, truth
from ._windows import distinct_mask_counts, mask_counts

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

    def __init__(self, rows: np.ndarray, periods: np.ndarray, n_periods: int, context: Context,
                 shortcut: Callable[[Node, np.ndarray, np.ndarray], Vec | None] | None = None,
                 context_at: Callable[[np.ndarray, np.ndarray], Context] | None = None,
                 by_blocks: Callable[[Node], bool] | None = None) -> None:
        self.rows = rows
        self.periods = periods
        self.n_periods = n_periods
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

    def truth(self, expr: Expr) -> tuple[np.ndarray, np.ndarray]:
        """The pairs where a condition is true, and those where it is missing."""
        return truth(self.value(expr))

    def all_true(self, exprs) -> np.ndarray:
        mask = np.ones(self.rows.size, dtype=bool)
        for expr in exprs:
            mask &= self.value(expr).is_true()
        return mask

    def period_counts(self, where: np.ndarray) -> np.ndarray:
        """How many of the pairs ``where`` keeps fall in each period."""
        return self.tally(self.periods, self.n_periods, where)

    def first_reason_counts(self, reasons: Sequence[np.ndarray]) -> np.ndarray:
        """The pairs of each period by the first of ``reasons`` (where each leaves a pair
        out) that leaves them out: row 0 those none leaves out, row j + 1 those left out
        first by reason j."""
        codes = np.zeros(self.rows.size, dtype=np.int8)
        for k, where in enumerate(reasons, 1):
            hit = np.equal(codes, 0)
            hit &= where
            # by arithmetic: a masked write on a scattered mask costs many times as much
            codes += hit.view(np.int8) * np.int8(k)
        return self.tally_by_code(codes, len(reasons) + 1, self.n_periods)

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

    def distinct(self, where: np.ndarray, codes: np.ndarray, n_codes: int) -> np.ndarray:
        """How many distinct ``codes`` (0..n_codes-1, one per row of the table) the pairs
        ``where`` keeps hold in each period."""
        return distinct_per_group(self.periods[where], take_at(codes, self.rows[where]), self.n_periods)


class CellFrame(PairFrame):
    """(values, period) cells standing for the (row, period) pairs of one selection: one
    per combination of the values of the columns that decide the expressions judged on
    them (:func:`indicators._work.cell_columns`) in each period, evaluated once through one
    row holding it, and weighing as many pairs as it has rows in that period's window. A
    distinct key is among those columns, so distinct keys count as over pairs."""

    def __init__(self, rows: np.ndarray, periods: np.ndarray, n_periods: int, weights: np.ndarray,
                 context: Context) -> None:
        super().__init__(rows, periods, n_periods, context)
        self.weights = weights

    def tally(self, bins: np.ndarray, size: int, where: np.ndarray | None = None) -> np.ndarray:
        weights = self.weights
        if where is not None:
            bins, weights = bins[where], weights[where]
        return np.rint(np.bincount(bins, weights=weights, minlength=size)).astype(np.int64)


class MaskFrame:
    """The (row, period) pairs of one selection as bits: each row some window holds, its
    periods as the bits of one integer (runs of at most :data:`MASK_PERIODS` months). A
    condition on the pairs is judged once per (values, period) cell of the columns that
    decide it (:func:`indicators._work.cell_columns`) and read back as each row's bits;
    counts are bits counted by period, and a distinct count ors the bits of each key's
    rows together first. Only true-or-false answers: a value aggregated needs the pairs."""

    def __init__(self, rows: np.ndarray, masks: np.ndarray, n_periods: int, n_pairs: int,
                 judge: Callable[[Expr], tuple[np.ndarray, np.ndarray, np.ndarray | None]]) -> None:
        self.rows = rows  # the rows some window holds
        self.masks = masks  # each one's periods (uint64)
        self.n_periods = n_periods
        self.n_pairs = n_pairs  # the bits set
        # a condition's cells: each row's code, and the true and the missing periods of each code
        self._judge = judge
        self._truths: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def truth(self, expr: Expr) -> tuple[np.ndarray, np.ndarray]:
        """The periods of each row where a condition is true, and those where it is missing."""
        key = to_text(expr.node)
        if key not in self._truths:
            codes, true, unknown = self._judge(expr)
            true = true.take(codes)
            true &= self.masks
            if unknown is None:  # never missing: no bits to gather
                unknown = np.zeros(self.rows.size, dtype=np.uint64)
            else:
                unknown = unknown.take(codes)
                unknown &= self.masks
            self._truths[key] = (true, unknown)
        return self._truths[key]

    def all_true(self, exprs) -> np.ndarray:
        masks = self.masks.copy()
        for expr in exprs:
            masks &= self.truth(expr)[0]
        return masks

    def of_rows(self, values: np.ndarray) -> np.ndarray:
        """The periods of each row where ``values`` (one per row of the table) holds."""
        return np.where(values.take(self.rows), self.masks, np.uint64(0))

    def period_counts(self, where: np.ndarray) -> np.ndarray:
        """How many of the pairs ``where`` keeps (each row's bits) fall in each period."""
        return mask_counts(where, self.n_periods)

    def distinct(self, where: np.ndarray, codes: np.ndarray, n_codes: int) -> np.ndarray:
        """As :meth:`PairFrame.distinct`: each code's rows' bits or-ed together first."""
        return distinct_mask_counts(codes.take(self.rows), n_codes, where, self.n_periods)

    def first_reason_counts(self, reasons: Sequence[np.ndarray]) -> np.ndarray:
        """As :meth:`PairFrame.first_reason_counts`, with each reason's pairs as bits."""
        still = self.masks.copy()
        counts = []
        for where in reasons:
            hit = still & where
            still ^= hit
            counts.append(mask_counts(hit, self.n_periods))
        return np.array([mask_counts(still, self.n_periods), *counts]).reshape(len(reasons) + 1, self.n_periods)
