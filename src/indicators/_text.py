"""Text cells held in memory in proportion to their size.

numpy's fixed-width strings make every element as wide as the longest, so one long cell
would set the width of every row of its column (a 10,000-character note in a column of
600,000 rows is 24 GB). Columns whose cells are all short are fixed-width arrays, which
numpy reads fastest; a wider column is an object array of Python strings, and the readers
see it in fixed-width chunks of cells of similar length (:func:`by_width`).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

MAX_CELL_CHARS = 10_000  # a longer text cell is a data error (docs/data.md)
NARROW = 32  # columns whose cells are all this short are fixed-width arrays
_CHUNK_CHARS = 1 << 18  # characters in one fixed-width chunk read at a time (1 MB)
_CHUNK_CELLS = 1 << 16


def as_text(cells: Sequence[str] | np.ndarray) -> np.ndarray:
    """Text cells as a fixed-width ``str`` array when every cell is at most :data:`NARROW`
    characters, else as an object array of Python strings."""
    if isinstance(cells, np.ndarray):
        if cells.dtype.kind == "U":
            return cells
        if cells.dtype.kind == "S":
            cells = [c.decode("utf-8", errors="replace") for c in cells.tolist()]
        elif cells.dtype.kind != "O":
            return cells.astype(str)
    if not isinstance(cells, (list, np.ndarray)):
        cells = list(cells)
    if len(cells) == 0:
        return np.zeros(0, dtype=str)
    if max(map(len, cells)) <= NARROW:
        return np.array(cells, dtype=str) if not isinstance(cells, np.ndarray) else cells.astype(str)
    if isinstance(cells, np.ndarray):
        return cells
    out = np.empty(len(cells), dtype=object)
    out[:] = cells
    return out


def lengths(cells: np.ndarray) -> np.ndarray:
    """Characters in each cell."""
    if cells.dtype.kind == "U":
        return np.char.str_len(cells) if cells.size else np.zeros(0, dtype=np.int64)
    return np.fromiter(map(len, cells), dtype=np.int64, count=cells.size)


def first_too_long(cells: np.ndarray) -> int | None:
    """The index of the first cell longer than :data:`MAX_CELL_CHARS`, or None."""
    if cells.dtype.kind == "U" and cells.dtype.itemsize // 4 <= MAX_CELL_CHARS:
        return None
    over = np.flatnonzero(lengths(cells) > MAX_CELL_CHARS)
    return int(over[0]) if over.size else None


def too_long_message(row: str, length: int) -> str:
    return (f"{row}: a text cell of {length:,} characters; a cell may hold at most "
            f"{MAX_CELL_CHARS:,} (docs/data.md)")


def by_width(reader: Callable[[np.ndarray], Any], cells: np.ndarray) -> Any:
    """``reader`` (fixed-width ``str`` array in, one array or a tuple of arrays with one
    element per cell out) applied to any text array: an object array is read in chunks of
    cells sorted by length, so that no chunk is much wider than its own cells."""
    if cells.dtype.kind != "O":
        return reader(cells)
    n = cells.size
    if n == 0:
        return reader(np.zeros(0, dtype=str))
    size = lengths(cells)
    order = np.argsort(size, kind="stable")
    size = size[order]
    outputs: list[np.ndarray] | None = None
    single = False
    start = 0
    while start < n:
        # the most cells from ``start`` whose count times the widest of them fits the budget
        costs = np.arange(1, min(n - start, _CHUNK_CELLS) + 1) * np.maximum(size[start: start + _CHUNK_CELLS], 1)
        stop = start + max(1, int(np.searchsorted(costs, _CHUNK_CHARS, side="right")))
        index = order[start:stop]
        answer = reader(np.array(cells[index].tolist(), dtype=str))
        if outputs is None:
            single = isinstance(answer, np.ndarray)
            parts = (answer,) if single else answer
            outputs = [np.empty(n, dtype=part.dtype) for part in parts]
        parts = (answer,) if single else answer
        for out, part in zip(outputs, parts):
            out[index] = part
        start = stop
    return outputs[0] if single else tuple(outputs)


def factorize(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct cells of an object array (in order of first appearance, as an object
    array) and each cell's index among them."""
    index: dict[str, int] = {}
    codes = np.fromiter((index.setdefault(c, len(index)) for c in cells), dtype=np.int64, count=cells.size)
    words = np.empty(len(index), dtype=object)
    words[:] = list(index)
    return words, codes
