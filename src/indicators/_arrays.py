"""Small array helpers used on the hot path.

``np.unique`` in numpy 2.x takes a hash-based path that, measured on this project's
machine, is 20-50x slower than a sort for large integer arrays; these helpers sort.
"""

from __future__ import annotations

import functools
import itertools
import threading
from typing import Iterator

import numpy as np

from ._sorting import sort_integers

# rows per block of a chunked pass: blocks of int64 scratch stay in the L2 cache, and the
# scratch is reused, where a full-length temporary would cost its page faults as well.
# Read at each call (tests set it to a few rows, to hold block-wise passes to whole ones).
CHUNK_ROWS = 1 << 16
# In the thread beside a run (:mod:`._background`) blocks are this many times as long. Each
# numpy call there hands Python's interpreter lock to the run's thread and often waits to
# take it back (about 85 waits of tens of microseconds in the yardstick's contacts note at
# size 60, with the usual blocks); with fewer, longer calls the two threads wait on each other less than the
# cache the longer blocks miss costs. Twice as long gains what four times does, whose
# buffers took the memory an evaluation adds at size 60 past half its input
# (docs/performance.md, "Afternoon 2026-12-05, later").
BESIDE_BLOCK_FACTOR = 2
_this_thread = threading.local()
_SMALLEST = int(np.iinfo(np.int64).min)
_LARGEST = int(np.iinfo(np.int64).max)


def chunk_rows() -> int:
    """Rows per block of a chunked pass in this thread: :data:`CHUNK_ROWS`, times
    :data:`BESIDE_BLOCK_FACTOR` in the thread beside a run."""
    return CHUNK_ROWS * getattr(_this_thread, "block_factor", 1)


def beside_the_run() -> None:
    """Mark the calling thread as the one beside a run: its chunked passes go by longer
    blocks (:data:`BESIDE_BLOCK_FACTOR`)."""
    _this_thread.block_factor = BESIDE_BLOCK_FACTOR


def block_rows(n_rows: int) -> int:
    """Rows in the largest block of a chunked pass over ``n_rows`` rows."""
    return min(n_rows, chunk_rows())


def row_chunks(n_rows: int, size: int | None = None) -> Iterator[slice]:
    """Consecutive slices of at most ``size`` rows (a block) covering ``0 .. n_rows``."""
    size = size or chunk_rows()
    for begin in range(0, n_rows, size):
        yield slice(begin, min(begin + size, n_rows))


def positions(mask: np.ndarray) -> np.ndarray:
    """The positions where ``mask`` is set, ascending, as int32 below 2^31 rows: found block
    by block, so that no int64 array of them all is made on the way."""
    dtype = np.int32 if mask.size < 2**31 else np.int64
    found = [np.flatnonzero(mask[rows]).astype(dtype) + dtype(rows.start) for rows in row_chunks(mask.size)]
    return np.concatenate(found) if found else np.zeros(0, dtype=dtype)


def _as_index_blocks(index: np.ndarray) -> Iterator[tuple[slice, np.ndarray]]:
    """Each block of an integer index and its values in numpy's own index type (one
    reused buffer: no full-length converted copy)."""
    converted = np.empty(block_rows(index.size), dtype=np.intp)
    for rows in row_chunks(index.size):
        part = converted[:rows.stop - rows.start]
        part[...] = index[rows]
        yield rows, part


def take_at(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``values[index]`` for an integer ``index``, taken by numpy's own index type, which
    is faster than by ``int32`` (converted on every use; ``benchmarks/indexing.py``)."""
    if index.dtype == np.intp:
        return values.take(index)
    out = np.empty(index.shape, dtype=values.dtype)
    for rows, part in _as_index_blocks(index):
        out[rows] = values.take(part)  # take(..., out=) is slower here than taking and copying
    return out


def put_at(target: np.ndarray, index: np.ndarray, values: np.ndarray) -> None:
    """``target[index] = values`` for an integer ``index``, by numpy's own index type (as
    :func:`take_at`)."""
    if index.dtype == np.intp:
        target[index] = values
        return
    for rows, part in _as_index_blocks(index):
        target[part] = values[rows]


def present_extremes(data: np.ndarray, missing: np.ndarray | None, block_rows: int | None = None,
                     absent: int | None = None) -> tuple[int, int] | None:
    """The smallest and largest of an integer column's present values (None when all are
    missing), in cache-sized blocks: no copy of the present values. A value equal to
    ``absent`` (NaT, say) counts as missing too."""
    low, high, present = _LARGEST, _SMALLEST, False
    for rows in row_chunks(data.size, block_rows):
        part = data[rows]
        if missing is None and absent is None:
            low, high, present = min(low, int(part.min())), max(high, int(part.max())), True
            continue
        if missing is None and absent == _SMALLEST and part.dtype == np.int64:
            extremes = _extremes_past_smallest(part)  # plain reductions, many times faster than masked ones
            if extremes is not None:
                low, high, present = min(low, extremes[0]), max(high, extremes[1]), True
            continue
        where = part != absent if missing is None else ~missing[rows]
        if missing is not None and absent is not None:
            where &= part != absent
        if where.any():
            low = min(low, int(np.min(part, where=where, initial=low)))
            high = max(high, int(np.max(part, where=where, initial=high)))
            present = True
    return (low, high) if present else None


def smallest_marks_missing(values: np.ndarray, block: int | None = None
                           ) -> tuple[np.ndarray | None, tuple[int, int] | None]:
    """Where an int64 column holds its type's smallest value (NaT, for day numbers), None
    where nowhere, and the smallest and largest of its other values (None: no other), in
    one pass of cache-sized blocks: the mask and :func:`present_extremes` at the cost of
    one read of the column."""
    mask = np.empty(values.size, dtype=bool)
    shifted = np.empty(min(values.size, block or chunk_rows()), dtype=np.int64)
    low, high, found = _LARGEST, _SMALLEST, False
    for rows in row_chunks(values.size, block):
        part, block = values[rows], mask[rows]
        least = int(part.min())
        if least != _SMALLEST:  # none missing in the block (most blocks): its extremes as they are
            block[...] = False
            low, high = min(low, least), max(high, int(part.max()))
            continue
        np.equal(part, _SMALLEST, out=block)
        found = True
        extremes = _extremes_past_smallest(part, shifted[:part.size])
        if extremes is not None:
            low, high = min(low, extremes[0]), max(high, extremes[1])
    return (mask if found else None), ((low, high) if high != _SMALLEST else None)


def _extremes_past_smallest(part: np.ndarray, scratch: np.ndarray | None = None) -> tuple[int, int] | None:
    """The smallest and largest of an int64 block's values other than int64's smallest
    (NaT), None when every value is it: the largest passes it by as it is, and one less
    than every value (the smallest wrapping round to the largest) lets the smallest other
    value pass it by too. ``scratch``: a buffer of the block's length for that."""
    top = int(part.max())
    if top == _SMALLEST:
        return None
    return int(np.subtract(part, 1, out=scratch).min()) + 1, top


def sorted_with_order(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions that sort ``values`` stably, and the sorted values: for integers
    whose span and positions fit in 63 bits, one sort of a packed ``value | position``
    integer (about 40% faster than a stable argsort here; by buckets where :mod:`._sorting`
    says so, with ten bytes a key beside it, 18 below 131,072 keys), else an argsort."""
    if values.dtype.kind == "i" or (values.dtype.kind in "ub" and values.dtype.itemsize < 8):
        low, high = int(values.min()), int(values.max())
        position_bits = max(values.size - 1, 1).bit_length()
        if (high - low).bit_length() + position_bits <= 63:
            packed = values.astype(np.int64)
            packed -= low
            packed <<= position_bits
            packed |= np.arange(values.size, dtype=np.int64)
            sort_integers(packed)
            order = packed & ((1 << position_bits) - 1)
            packed >>= position_bits
            packed += low
            return order, packed.astype(values.dtype, copy=False)
    order = np.argsort(values, kind="stable")
    return order, values[order]


_LANE_MULTIPLIERS = np.random.default_rng(0x5EED).integers(1, 2**63, size=(8, 2), dtype=np.uint64) | np.uint64(1)


def _cell_lanes(cells: np.ndarray) -> np.ndarray:
    """Each fixed-width cell's content as a row of 64-bit lanes, zero-padded: two cells are
    equal exactly when their rows are. Text whose every character is below U+0100 (most
    of any council's) is packed a byte a character, a quarter of numpy's four."""
    n, width = cells.size, cells.dtype.itemsize
    raw = np.ascontiguousarray(cells).view(np.uint8).reshape(n, width)
    if cells.dtype.kind == "U":
        units = raw.view(np.uint32)
        if int(units.max(initial=0)) < 256:
            raw, width = units, width // 4
    lanes = np.zeros((n, -(-width // 8) * 8), dtype=np.uint8)
    np.copyto(lanes[:, :width], raw, casting="unsafe")  # code units below 256 as bytes
    return lanes.view(np.uint64)


def _lane_hash(lanes: np.ndarray, multipliers: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each row of lanes, whose top bits depend on every lane."""
    with np.errstate(over="ignore"):
        digest = lanes[:, 0] * multipliers[0]
        for j in range(1, lanes.shape[1]):
            digest ^= lanes[:, j]
            digest *= multipliers[1]
    return digest


def factorize_text(cells: np.ndarray, table_bits: int = 22) -> tuple[np.ndarray, np.ndarray]:
    """Distinct strings of a fixed-width ``str`` or ``bytes`` array and each cell's index
    among them (int64), exactly and without sorting the cells.

    Each cell, packed into a few 64-bit lanes (:func:`_cell_lanes`), is hashed; a table over the
    hash's top bits (at most ``table_bits`` of them) keeps one cell per bucket, the last
    written, and every cell's lanes are then compared with its bucket's cell's. Cells that
    differ from it (another string shares the bucket) go round again with other
    multipliers, so a collision costs time, never a wrong code; each round codes at least
    its buckets' cells. The distinct strings come in no particular order.
    """
    n = cells.size
    if cells.dtype.itemsize == 0 or n == 0:  # every cell the empty string
        return cells[:min(n, 1)], np.zeros(n, dtype=np.int64)
    if cells.dtype.itemsize > 4096:  # wide cells: a sort is as good as a hash lane by lane
        distinct, inverse = np.unique(cells, return_inverse=True)
        return distinct, inverse.reshape(-1).astype(np.int64, copy=False)
    all_lanes = _cell_lanes(cells)
    codes = np.empty(n, dtype=np.int64)
    found: list[np.ndarray] = []
    n_found = 0
    todo = None  # the positions of the cells not yet coded (None: all of them)
    for round_ in itertools.count():
        part = cells if todo is None else cells[todo]
        m = part.size
        if m == 0:
            break
        lanes = all_lanes if todo is None else all_lanes[todo]
        bits = min(table_bits, max(1, (2 * m).bit_length()))
        bucket = _lane_hash(lanes, _LANE_MULTIPLIERS[round_ % len(_LANE_MULTIPLIERS)])
        bucket >>= np.uint64(64 - bits)
        bucket = bucket.astype(np.intp)
        last = np.empty(1 << bits, dtype=np.intp)
        last[bucket] = np.arange(m, dtype=np.intp)
        representative = last[bucket]
        del last, bucket
        seen = np.zeros(m, dtype=bool)
        seen[representative] = True
        words = part[np.flatnonzero(seen)]
        code_of = np.cumsum(seen, dtype=np.int64)
        code_of += n_found - 1
        part_codes = code_of[representative]
        del seen, code_of
        differ = lanes[:, 0] != lanes[representative, 0]
        for j in range(1, lanes.shape[1]):
            differ |= lanes[:, j] != lanes[representative, j]
        del representative
        if todo is None:
            codes[...] = part_codes
            todo = np.flatnonzero(differ)
        else:
            codes[todo] = part_codes
            todo = todo[differ]
        found.append(words)
        n_found += words.size
    return (np.concatenate(found) if found else cells[:0]), codes


def _telling_positions(word_units: np.ndarray, most: int = 3) -> list[int]:
    """Up to ``most`` character positions whose characters together tell the most of the
    words (rows of code points) apart, chosen greedily."""
    n_words, width = word_units.shape
    chosen: list[int] = []
    keys = np.zeros(n_words, dtype=np.int64)
    n_told = 1
    for _ in range(most):
        best = None
        for position in range(width):
            if position in chosen:
                continue
            trial = keys * (n_words + 1) + np.unique(word_units[:, position], return_inverse=True)[1].reshape(-1)
            told = np.unique(trial).size
            if best is None or told > best[0]:
                best = (told, position, trial)
        if best is None or best[0] <= n_told:
            break
        n_told, position, keys = best
        chosen.append(position)
        if n_told == n_words:
            break
    return chosen


_LOOKUP_CHARS = 1 << 16


def _codes_among_few(values: np.ndarray, words: np.ndarray) -> np.ndarray:
    """Each ``str`` cell's index among a few distinct ``words``, -1 where it is none of them.

    A candidate comes from the characters at a few positions that tell the words apart
    (a table lookup per position); the cell is then compared with its candidate in 64-bit
    lanes of its code points, so a cell is coded only when it equals the word exactly.
    One pass over the cells, where comparing with each word in turn is one per word
    (which remains for any words the positions do not tell apart).
    """
    if words.dtype != values.dtype:  # a word cut to the cells' width could match a cell it is not
        raise ValueError(f"words of {words.dtype} for cells of {values.dtype}")
    n, itemsize = values.size, values.dtype.itemsize
    n_words = words.size
    raw = np.ascontiguousarray(values).view(np.uint8).reshape(n, itemsize)
    units = raw.view(np.uint32)
    word_raw = np.ascontiguousarray(words).view(np.uint8).reshape(n_words, itemsize)
    word_units = word_raw.view(np.uint32)
    positions = _telling_positions(np.minimum(word_units, _LOOKUP_CHARS + 1))  # as the tables see them
    if not positions:  # no character tells any two words apart
        return _compared_in_turn(values, words, np.full(n, -1, dtype=np.int64), range(n_words))
    # per position, code point -> index among the words' characters there; n_words for
    # any other (code points past the table clip to its last entry, which is that)
    tables = []
    for position in positions:
        chars = np.unique(word_units[:, position])
        table = np.full(min(int(chars[-1]), _LOOKUP_CHARS) + 2, n_words, dtype=np.intp)
        table[chars[chars <= _LOOKUP_CHARS]] = np.arange(chars.size)[chars <= _LOOKUP_CHARS]
        tables.append(table)
    word_keys = np.zeros(n_words, dtype=np.intp)
    for position, table in zip(positions, tables):
        word_keys = word_keys * (n_words + 1) + table.take(word_units[:, position], mode="clip")
    # key -> word, n_words (no word) for keys no word or several words have
    word_of_key = np.full((n_words + 1) ** len(positions), n_words, dtype=np.intp)
    keys, counts = np.unique(word_keys, return_counts=True)
    told_apart = np.isin(word_keys, keys[counts == 1])
    word_of_key[word_keys[told_apart]] = np.flatnonzero(told_apart)
    # the cells' lanes, read in place, and each word's, with a last entry for "no word"
    at = list(range(0, itemsize - 7, 8))
    lanes = [raw[:, a:a + 8].view(np.uint64)[:, 0] for a in at]
    word_lanes = [word_raw[:, a:a + 8].view(np.uint64)[:, 0] for a in at]
    if itemsize % 8:
        lanes.append(raw[:, itemsize - 4:].view(np.uint32)[:, 0])
        word_lanes.append(word_raw[:, itemsize - 4:].view(np.uint32)[:, 0])
    word_lanes = [np.concatenate([lane, lane[:1]]) for lane in word_lanes]
    codes = np.empty(n, dtype=np.int64)
    block = block_rows(n)
    key, part = np.empty(block, dtype=np.intp), np.empty(block, dtype=np.intp)
    wrong, differs = np.empty(block, dtype=bool), np.empty(block, dtype=bool)
    expected = {np.dtype(np.uint64): np.empty(block, dtype=np.uint64),
                np.dtype(np.uint32): np.empty(block, dtype=np.uint32)}
    for rows in row_chunks(n):
        m = rows.stop - rows.start
        k, p, w, d = key[:m], part[:m], wrong[:m], differs[:m]
        for j, (position, table) in enumerate(zip(positions, tables)):
            table.take(units[rows, position], out=k if j == 0 else p, mode="clip")
            if j:
                k *= n_words + 1
                k += p
        word_of_key.take(k, out=p, mode="clip")  # in range; "raise" buffers an out=
        np.equal(p, n_words, out=w)
        for lane, word_lane in zip(lanes, word_lanes):
            e = expected[word_lane.dtype][:m]
            word_lane.take(p, out=e, mode="clip")
            np.not_equal(lane[rows], e, out=d)
            w |= d
        np.copyto(p, -1, where=w)
        codes[rows] = p
    return _compared_in_turn(values, words, codes, np.flatnonzero(~told_apart))  # words not told apart


def _compared_in_turn(values: np.ndarray, words: np.ndarray, codes: np.ndarray, which) -> np.ndarray:
    """``codes`` with each cell equal to one of the distinct ``words[which]`` given that
    word's index: a comparison of every cell per word."""
    for word in which:
        codes[values == words[word]] = word
    return codes


def factorize_strings(values: np.ndarray, few: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """:func:`factorize_text`, with a code list's few values (those of a sample of rows,
    when it has at most ``few``) found first and more cheaply than by hashing: ``str``
    cells by :func:`_codes_among_few`; one value, very wide cells of a few values or
    ``bytes`` cells by comparing every cell with each value in turn."""
    sample = np.unique(values[:: max(1, values.size // 4096)])
    if sample.size > few:
        return factorize_text(values)
    # a cell's lanes cost about what a quarter of a whole-cell comparison does
    # (text in the other byte order reads as code points out of every table: no candidates)
    if (sample.size > 1 and values.dtype.kind == "U" and values.dtype.isnative
            and 0 < values.dtype.itemsize <= 32 * sample.size):
        codes = _codes_among_few(values, sample)
    else:
        codes = _compared_in_turn(values, sample, np.full(values.size, -1, dtype=np.int64), range(sample.size))
    rest = np.flatnonzero(codes < 0)
    if rest.size == 0:
        return sample, codes
    more_words, more_codes = factorize_text(values[rest])
    codes[rest] = more_codes + sample.size
    return np.concatenate([sample, more_words]), codes


def _strings_by_hash(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct strings and each string's index among them, by
    :func:`factorize_strings` and a sort of the distinct strings only."""
    words, codes = factorize_strings(values)
    order = np.argsort(words, kind="stable")
    rank = np.empty(words.size, dtype=np.int64)
    rank[order] = np.arange(words.size)
    return words[order], rank[codes]


def unique(values: np.ndarray, return_inverse: bool = False):
    """Sorted distinct values of a 1-D array (and, if asked, each value's index among them)."""
    values = np.asarray(values)
    if values.size == 0:
        empty = values[:0]
        return (empty, np.zeros(0, dtype=np.int64)) if return_inverse else empty
    if return_inverse and values.dtype.kind in "US" and values.size >= 1024:
        return _strings_by_hash(values)
    if not return_inverse:  # a plain sort is several times faster than an argsort
        if values.dtype.kind in "iu":
            ordered = values.copy()
            sort_integers(ordered)
        else:
            ordered = np.sort(values)
        first = np.empty(ordered.size, dtype=bool)
        first[0] = True
        np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
        return ordered[first]
    order, ordered = sorted_with_order(values)
    first = np.empty(ordered.size, dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    distinct = ordered[first]
    inverse = np.empty(values.size, dtype=np.int64)
    inverse[order] = np.cumsum(first) - 1
    return distinct, inverse


_WORD = 64
_ONE = np.uint64(1)
# a table of codes over a span of at most this many values a value coded, and at most this many
# values in all, where its int32 codes stay in the processor's caches: building it costs about
# 4 ns a value of the span (a running count), a rank dictionary 0.4 ns, and a code from the
# table 2-5 ns where a rank costs 9-13 (measured at spans of 50 thousand to 13 million). Read
# at each call (tests set them, to hold both ways of coding to a sort)
TABLE_SPAN_PER_VALUE = 2
TABLE_SPAN_LIMIT = 1 << 21
_BYTE_POPULATION = np.array([bin(byte).count("1") for byte in range(256)], dtype=np.uint8)


def dense_codes(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Codes 0..K-1 of an integer array's distinct values, in value order, and K; by a
    bit per value of their span (:class:`SpanRanks`) when the span is modest (no sort)."""
    if values.size == 0:
        return np.zeros(0, dtype=np.int64), 0
    low, high = int(values.min()), int(values.max())
    if ranks_pay(low, high, values.size):
        ranks = SpanRanks(values, low, high - low + 1, values.size)
        return ranks.codes(values).astype(np.int64, copy=False), ranks.count
    distinct, inverse = unique(values, return_inverse=True)
    return inverse, int(distinct.size)


def ranks_pay(low: int, high: int, n_values: int) -> bool:
    """Whether :class:`SpanRanks` over the integers ``low .. high`` codes ``n_values``
    values better than a sort: a flag per value of the span costs about a nanosecond and a
    byte while the table is built, a sort 30 to 60 nanoseconds a value here, so a span of
    up to about 24 values a value (and a few million at least) is both faster and no
    larger than the sort's copies."""
    return (high - low + 1 <= 24 * n_values + 4_000_000
            and _SMALLEST + _WORD <= low and high <= _LARGEST - 2 * _WORD)


def _population(words: np.ndarray) -> np.ndarray:
    """How many bits of each 64-bit word are set (uint8)."""
    if hasattr(np, "bitwise_count"):  # numpy 2
        return np.bitwise_count(words)
    return _BYTE_POPULATION.take(words.view(np.uint8)).reshape(-1, 8).sum(axis=1, dtype=np.uint8)


class SpanRanks:
    """The distinct values among some integers, looked up by their offsets in the span of
    those values: each value's code is its rank among the distinct values. No sort.

    Over a span of no more values than twice the values coded (and two million at most), a
    table of codes, one int32 a value of the span (-1 where no value is), makes a
    code one lookup. Over a wider span, a rank dictionary: a bit per value of the span and a running
    count of the bits per 64 values, so that a code is the count before its word plus the
    bits below it in its word: a quarter of a byte a value of the span, where the table of
    codes takes four. Both take a byte a value of the span for a moment (a flag per value)
    while they are built.

    ``low`` is the smallest value and ``span`` the values from it to the largest; a word
    of no values at either end makes any value outside the span (wrapped or not) absent.
    """

    def __init__(self, present: np.ndarray, low: int, span: int, n_coded: int) -> None:
        self.base = low - _WORD  # the first word is the empty one below the span
        words = (span + _WORD - 1) // _WORD + 2
        seen = np.zeros(words * _WORD, dtype=bool)
        seen[present.astype(np.int64, copy=False) - self.base] = True
        self.table: np.ndarray | None = None
        if span <= min(TABLE_SPAN_PER_VALUE * n_coded, TABLE_SPAN_LIMIT):
            running = np.cumsum(seen, dtype=np.int32 if span < 2**31 - 1 else np.int64)
            self.count = int(running[-1])
            running -= 1
            self.table = np.where(seen, running, running.dtype.type(-1))
            return
        # little-endian words whatever the machine: bit i of the flags is bit i % 64 of word i // 64
        self.words = np.packbits(seen, bitorder="little").view("<u8")
        del seen
        population = _population(self.words)
        self.before = np.cumsum(population, dtype=np.int64)
        self.count = int(self.before[-1])
        self.before -= population

    def codes(self, values: np.ndarray, absent: int | None = None) -> np.ndarray:
        """Each value's code (int32 from a table of codes where they fit, else int64); with
        ``absent``, that code for values not among the distinct ones (every value must be
        among them otherwise)."""
        if self.table is not None:  # one lookup a value, -1 where absent (the ends' words included)
            codes = self.table.take(values.astype(np.int64, copy=False) - self.base, mode="clip")
            if absent is not None and absent != -1:
                codes[codes < 0] = absent
            return codes
        out = np.empty(values.size, dtype=np.int64)
        top = np.uint64(_WORD - 1)
        for rows in row_chunks(values.size):
            offset = values[rows].astype(np.int64, copy=False) - self.base  # wraps, if at all, outside
            word_at = offset >> 6  # negative or past the end: clipped to an empty word
            # the value's bit and those below it, moved to the top of the word: their count
            # less one is the value's rank in its word, and the top bit whether it is there
            shift = offset.view(np.uint64)
            shift &= top
            np.subtract(top, shift, out=shift)
            word = self.words.take(word_at, mode="clip")
            np.left_shift(word, shift, out=word)
            code = out[rows]
            self.before.take(word_at, out=code, mode="clip")
            code += _population(word)
            if absent is None:
                code -= 1
                continue
            # the word's top bit is whether the value is there: the code where it is,
            # ``absent`` where not, by arithmetic (a masked write of scattered rows costs
            # several times as much)
            there = np.right_shift(word, top, out=word).view(np.int64)
            code -= 1 + absent
            code *= there
            code += absent
        return out


def distinct_per_group(groups: np.ndarray, keys: np.ndarray, n_groups: int) -> np.ndarray:
    """How many distinct keys each group 0..n_groups-1 holds."""
    if groups.size == 0:
        return np.zeros(n_groups, dtype=np.int64)
    if keys.dtype.kind in "iub":
        codes, n_keys = dense_codes(keys.astype(np.int64, copy=False))
    else:
        distinct, codes = unique(keys, return_inverse=True)
        n_keys = int(distinct.size)
    cells = n_groups * n_keys
    if cells <= 8 * groups.size + 1_000_000:  # a flag per (group, key): no sort
        seen = np.zeros(cells, dtype=bool)
        seen[groups.astype(np.int64) * n_keys + codes] = True
        return np.count_nonzero(seen.reshape(n_groups, n_keys), axis=1).astype(np.int64)
    if cells < 2**62:  # one sort of a packed (group, key) integer, not a lexsort
        pairs = unique(groups.astype(np.int64) * n_keys + codes)
        return np.bincount(pairs // n_keys, minlength=n_groups).astype(np.int64)
    order = np.lexsort((keys, groups))
    g, k = groups[order], keys[order]
    first = np.empty(g.size, dtype=bool)
    first[0] = True
    first[1:] = (g[1:] != g[:-1]) | (k[1:] != k[:-1])
    return np.bincount(g[first], minlength=n_groups).astype(np.int64)


def read_only(array: np.ndarray) -> np.ndarray:
    """A view of ``array`` that cannot be written through: what the engine hands out (a
    caller's input, a plugin function's arguments) stays as it was."""
    view = array.view()
    view.flags.writeable = False
    return view


# a duplicate note over up to this many rows keeps their digests in table order beside the
# sorted ones (16 MiB more at most): working them out again, which saves that memory, took
# as long as a fifth of the sort (4.7 ms of 25 for the yardstick's contacts at size 60, in
# the thread that finishes last). Read at each call (tests set it, to hold both ways).
KEPT_DIGEST_ROWS = 1 << 22
_MISSING_CELL = np.uint64(0x5BD1E9955BD1E995)
_MIX = np.uint64(0x9E3779B97F4A7C15)


def _cell_words(data: np.ndarray, missing: np.ndarray | None) -> np.ndarray:
    """A column's cells as 64-bit words, missing cells all one word (text: equal texts one
    word, cells of nothing but spaces the missing word; for a few rows, not a digest)."""
    if data.dtype.kind == "U":
        _, codes = np.unique(data, return_inverse=True)
        words = codes.reshape(-1).astype(np.int64).view(np.uint64)
        words[_blank_text(data)] = _MISSING_CELL
        return words
    words = data.view(np.uint64) if data.dtype.itemsize == 8 else data.astype(np.int64).view(np.uint64)
    return words if missing is None else np.where(missing, _MISSING_CELL, words)


def _blank_text(cells: np.ndarray) -> np.ndarray:
    """Which text cells are empty or hold nothing but spaces (a missing ``str`` cell)."""
    if cells.size == 0:
        return np.zeros(0, dtype=bool)
    return np.char.str_len(np.char.strip(cells)) == 0


@functools.cache
def _space_or_nothing() -> np.ndarray:
    """By code point up to U+3000 (the last space numpy strips), whether a cell beginning
    with it may be blank (:func:`_blank_text`): the code points numpy strips, and 0, the
    padding of an empty cell; one more entry, False, for every later code point."""
    chars = np.array([chr(c) for c in range(1, _LAST_SPACE + 1)])
    return np.concatenate([[True], _blank_text(chars), [False]])


_LAST_SPACE = 0x3000
_TEXT_MIX = np.uint64(0xC2B2AE3D27D4EB4F)


def _text_digest(cells: np.ndarray, out: np.ndarray) -> np.ndarray:
    """A 64-bit digest of each fixed-width text cell into ``out``: equal texts alike, and
    cells of nothing but spaces the missing cell's word (as a coded column has them)."""
    n, width = cells.size, cells.dtype.itemsize
    if width == 0:
        out[...] = _MISSING_CELL
        return out
    raw = np.ascontiguousarray(cells).view(np.uint8).reshape(n, width)
    # the cell's bytes in 8-byte lanes (and a last 4-byte one), read in place
    lanes = [raw[:, at:at + 8].view(np.uint64)[:, 0] for at in range(0, width - 7, 8)]
    if width % 8:
        lanes.append(raw[:, width - 4:].view(np.uint32)[:, 0])
    out[...] = _TEXT_MIX
    for lane in lanes:
        np.bitwise_xor(out, lane, out=out, casting="unsafe")
        out *= _TEXT_MIX
    first = raw[:, :4].view(np.uint32)[:, 0]
    maybe_blank = _space_or_nothing().take(first, mode="clip")  # later code points clip to False
    if maybe_blank.any():
        rows = np.flatnonzero(maybe_blank)
        out[rows[_blank_text(cells[rows])]] = _MISSING_CELL
    return out


def _strictly_increasing(data: np.ndarray, missing: np.ndarray | None) -> bool:
    """Whether a column's values rise from row to row (none missing); its first rows are
    looked at first, so that the usual column costs next to nothing."""
    if data.dtype.kind not in "iuM" or (missing is not None and missing.any()):
        return False
    head = data[:4097]
    if not (head[1:] > head[:-1]).all():
        return False
    return bool((data[1:] > data[:-1]).all())


def _digest_blocks(columns: list[tuple[np.ndarray, np.ndarray | None]], n_rows: int,
                   among: np.ndarray | None = None) -> Iterator[tuple[slice, np.ndarray]]:
    """Each cache-sized block of rows (of the rows at positions ``among``, when given) and a
    32-bit digest of each of its rows' cells (missing cells alike), in a buffer reused from
    block to block."""
    block = block_rows(n_rows)
    state, word = np.empty(block, dtype=np.uint64), np.empty(block, dtype=np.uint64)
    out = np.empty(block, dtype=np.uint32)
    at = np.empty(block, dtype=np.intp) if among is not None else None
    for rows in row_chunks(n_rows):
        k = rows.stop - rows.start
        acc, cell = state[:k], word[:k]
        taken = rows
        if at is not None:  # the block's rows, gathered block by block, by numpy's own index type (once
            taken = at[:k]  # for every column: taking by int32 converts the index each time)
            taken[...] = among[rows]
        with np.errstate(over="ignore"):
            if not columns:
                acc[...] = 0
            for position, (data, missing) in enumerate(columns):
                if at is not None and data.dtype.itemsize == 8 and data.dtype.kind in "iufMm":
                    # gathered into the block's buffer, not a fresh array a column and block
                    # (fresh memory costs page faults in the thread beside the run)
                    part = data.view(np.uint64).take(taken, out=cell, mode="clip")  # in range
                else:
                    part = data[taken]
                if part.dtype.kind == "U":  # a text column not yet coded
                    if not part.dtype.isnative:  # read in the machine's byte order, as its codes are made
                        part = part.astype(part.dtype.newbyteorder("="))
                    words = _text_digest(part, cell)
                elif part.dtype.itemsize == 8 and missing is None:
                    words = part.view(np.uint64)  # read as they are: no copy
                else:
                    if part.dtype.itemsize == 8 and part is not cell:
                        cell[...] = part.view(np.uint64)
                    else:  # widened as a signed integer, so that -1 and 255 stay apart
                        np.copyto(cell, part, casting="unsafe")
                    if missing is not None:
                        np.copyto(cell, _MISSING_CELL, where=missing[taken])
                    words = cell
                if position:
                    acc ^= words
                    acc *= _MIX
                else:
                    np.multiply(words, _MIX, out=acc)
        # the top half of a product depends on every bit below it
        np.right_shift(acc, np.uint64(32), out=out[:k], casting="unsafe")
        yield rows, out[:k]


def row_digests(columns: list[tuple[np.ndarray, np.ndarray | None]], n_rows: int,
                among: np.ndarray | None = None) -> np.ndarray:
    """A 32-bit digest of each row's cells (of the rows at positions ``among``, when given;
    missing cells alike), in cache-sized blocks."""
    digest = np.empty(n_rows, dtype=np.uint32)
    for rows, block in _digest_blocks(columns, n_rows, among):
        digest[rows] = block
    return digest


def repeated_rows(columns: list[tuple[np.ndarray, np.ndarray | None]], n_rows: int,
                  among: np.ndarray | None = None) -> np.ndarray:
    """Positions of the rows that equal an earlier row in every column (missing equal to
    missing), ascending; only the rows at the ascending positions ``among`` are compared,
    when given (the others count as neither repeating nor repeated).

    Exact: a column whose values rise from row to row (an export's row id, usually) tells
    every row apart at once; otherwise rows are told apart by a 32-bit digest and one sort
    of the digests (a 32-bit sort takes about 60% of a 64-bit one's time here), and only
    rows whose digest repeats (true repeats and collisions, about n^2 / 2^33 of them) are
    compared cell by cell. Up to :data:`KEPT_DIGEST_ROWS` rows the digests are kept in
    table order beside a sorted copy (eight bytes a row, and the sort's own six where it
    goes by buckets, :mod:`._sorting`), and the rows whose digest repeats are read off
    them; past it the digests are sorted in place by one np.sort and worked out again block
    by block (four bytes a row). Rows ``among`` are read block by block where they are: no
    column is gathered whole.
    """
    none = np.zeros(0, dtype=np.int64)
    if among is not None:
        n_rows = among.size
    if n_rows < 2 or any(_strictly_increasing(data, missing) for data, missing in columns):
        return none  # a column such as an export's row id tells every row apart
    digest = row_digests(columns, n_rows, among)
    kept = n_rows <= KEPT_DIGEST_ROWS
    if kept:
        ordered = digest.copy()
        sort_integers(ordered)
    else:  # sorted where they are: no bytes a row beside them
        ordered, digest = digest, None
        ordered.sort()
    # each digest equal to the one before it, pair by pair in blocks: no row-length mask
    # beside the sorted digests
    found = [_equal_to_previous(ordered, pairs) for pairs in row_chunks(n_rows - 1)]
    repeats = np.concatenate(found)
    del ordered  # no view of it is left: its memory goes before the second pass
    if repeats.size == 0:
        return none
    # sorted already: its distinct values without np.unique's fixed cost (most of the
    # time a small table takes here)
    first_of_run = np.ones(repeats.size, dtype=bool)
    np.not_equal(repeats[1:], repeats[:-1], out=first_of_run[1:])
    repeated = repeats[first_of_run]
    # a table of flags by the digests' top bits (at most 2^20, 1 MiB, cache-resident; about
    # one per row for small tables) picks candidates in one gather; the binary search then
    # keeps exactly the rows whose digest repeats
    shift = np.uint32(32 - min(20, max(n_rows.bit_length(), 8)))
    marked = np.zeros(1 << (32 - int(shift)), dtype=bool)
    marked[repeated >> shift] = True
    top = np.empty(block_rows(n_rows), dtype=np.intp)
    found, found_digests = [], []
    blocks = ((rows, digest[rows]) for rows in row_chunks(n_rows)) if kept else _digest_blocks(columns, n_rows, among)
    for rows, block in blocks:
        index = top[:rows.stop - rows.start]
        np.right_shift(block, shift, out=index, casting="unsafe")
        flagged = np.flatnonzero(marked.take(index, mode="clip"))  # in range; "raise" with out= buffers
        at = np.minimum(np.searchsorted(repeated, block[flagged]), repeated.size - 1)
        flagged = flagged[repeated[at] == block[flagged]]
        found.append(flagged + rows.start)
        found_digests.append(block[flagged])
    candidates = np.concatenate(found)
    if among is not None:
        candidates = among[candidates].astype(np.int64, copy=False)  # ascending, as ``among`` is
    keys = [np.concatenate(found_digests).astype(np.uint64)]
    for data, missing in columns:
        keys.append(_cell_words(data[candidates], None if missing is None else missing[candidates]))
        if missing is not None:  # a missing cell's word may equal a real value's
            keys.append(missing[candidates])
    order = np.lexsort(keys[::-1])
    stacked = np.stack([np.asarray(k)[order].astype(np.uint64, copy=False) for k in keys])
    same_as_before = np.zeros(candidates.size, dtype=bool)
    same_as_before[1:] = (stacked[:, 1:] == stacked[:, :-1]).all(axis=0)
    return np.sort(candidates[order][same_as_before])


def _equal_to_previous(ordered: np.ndarray, pairs: slice) -> np.ndarray:
    """The values of ``ordered[pairs.start + 1:pairs.stop + 1]`` equal to the one before."""
    later = ordered[pairs.start + 1:pairs.stop + 1]
    return later[later == ordered[pairs.start:pairs.stop]]

