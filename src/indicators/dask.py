"""Evaluate a pack past one machine: on any Dask scheduler, from mergeable partials.

Every table the pack reads is split by a hash of one key column (the same hash and the
same number of partitions for every table, so that partition *i* of each table holds all
the rows of the keys that hash to *i*); each partition index is evaluated into a
:class:`~indicators.Partial` on a worker; the partials merge in a tree. The result is
the same :class:`~indicators.Results`, byte-identical in JSON to :func:`indicators.evaluate`
over the concatenated tables. What travels to workers is the pickled pack (its parsed
expressions, never its text to be evaluated there) and pandas partitions; nothing
collects a table on the client. Needs the ``dask`` extra (docs/dask.md).
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any, Mapping, Sequence

import attrs
import numpy as np

from ._breakdowns import refuse_by
from ._coverage import coverage_warnings, date_ranges, placement_columns
from ._data_check import parse_run, skip_missing
from ._errors import DataError, Problem
from ._expressions import SHIFT_FUNCTIONS, Call, Name, walk
from ._functions import DEFAULT_TIME_LIMIT
from ._memory import DEFAULT_MEMORY_BUDGET
from ._pack import Pack
from ._partial import Partial, evaluate_partial
from ._registry import Registry
from ._framing import read_framing
from ._results import Results
from ._tables import table_from_mapping

try:
    import dask
    import dask.dataframe as dd
    import dask.sizeof
    import pandas as pd
except ImportError as exc:  # pragma: no cover - exercised by the command line's message
    raise ImportError("indicators.dask needs the dask extra: pip install 'indicators[dask]'") from exc

__all__ = ["DEFAULT_BLOCKSIZE", "Route", "evaluate", "local_cluster", "partition_keys"]

_LAST_MERGES_ON_CLIENT = 8
"""The merge tree's last partials, merged by the client rather than on a worker."""

DEFAULT_BLOCKSIZE = 64 * 2**20
"""Bytes of a file read as one input partition: a CSV block, or Parquet row groups up to
this much uncompressed data (a row group is never cut, so write row groups smaller)."""

_MISSING_HASH = np.uint64(0x5BD1E9955BD1E995)


def _shift_keys(pack: Pack, table: str) -> set[str]:
    """The ``by`` columns of the ``previous``/``next`` calls in a table's derived columns."""
    spec = pack.tables.get(table)
    keys: set[str] = set()
    for _, expr in (spec.derive if spec else ()):
        for node in walk(expr.node):
            if isinstance(node, Call) and node.name in SHIFT_FUNCTIONS:
                by = dict(node.kwargs).get("by")
                if isinstance(by, Name):
                    keys.add(by.name)
    return keys


@attrs.frozen
class Route:
    """A looked-up table placed beside the rows that look it up: each of its rows goes to
    the partition of the ``by`` table's rows whose ``on`` equals its ``key``."""

    by: str
    on: str
    key: str
    lookup: str


def partition_keys(pack: Pack) -> dict[str, str | None | Route]:
    """For every table the pack reads, the column whose values must sit together in one
    partition (the ``by`` of its derived ``previous``/``next``, the ``on`` of its
    lookups, the ``key`` other tables' lookups read it by), or None when rows may go
    anywhere (they are then placed by a digest of the whole row, so that duplicate rows
    meet). A table grouped by one column that also looks another table up on a second
    column has that other table routed beside it (a :class:`Route`), when nothing else
    reads the other table. A :class:`DataError` when a table needs two different keys
    otherwise."""
    # key -> why, each reason with the table on the other side of a lookup (None: previous/next)
    needs: dict[str, dict[str, list[tuple[str, str | None]]]] = {name: {} for name in sorted(pack.tables_used())}
    for name in needs:
        for key in _shift_keys(pack, name):
            needs[name].setdefault(key, []).append(("previous()/next() by", None))
    lookups = []
    for indicator in pack.indicators.values():
        for measure in indicator.measures():
            for lookup in measure.lookups:
                lookups.append((measure.table, lookup))
                needs[measure.table].setdefault(lookup.on, []).append((f"lookup {lookup.name} on", lookup.table))
                needs[lookup.table].setdefault(lookup.key, []).append((f"lookup {lookup.name} key", measure.table))
    routes: dict[str, Route] = {}
    for name in sorted(needs):
        for table, lookup in lookups:
            other = lookup.table
            if table != name or len(needs[name]) <= 1 or other == name or other in routes:
                continue
            readers = [(t, lk) for t, lk in lookups if lk.table == other]
            if (set(needs[other]) == {lookup.key} and all(side == name for _, side in needs[other][lookup.key])
                    and all((t, lk.on, lk.key) == (name, lookup.on, lookup.key) for t, lk in readers)
                    and all(side == other for _, side in needs[name].get(lookup.on, ()))):
                routes[other] = Route(name, lookup.on, lookup.key, lookup.name)
                del needs[name][lookup.on]
                needs[other] = {}
    out: dict[str, str | None | Route] = {}
    problems = []
    for name, keys in needs.items():
        derived = {n for n, _ in pack.tables[name].derive} if name in pack.tables else set()
        if name in routes:
            out[name] = routes[name]
        elif len(keys) > 1:
            uses = "; ".join(f"{key!r} ({', '.join(sorted({why for why, _ in reasons}))})"
                             for key, reasons in sorted(keys.items()))
            problems.append(Problem(f"table {name!r} needs its rows grouped by two different keys, which one "
                                    f"partitioning cannot do: {uses}", path=name,
                                    detail="evaluate it on one machine (indicators.evaluate), or read the "
                                           "table by one key column throughout"))
        elif keys and next(iter(keys)) in derived:
            problems.append(Problem(f"table {name!r} is grouped by {next(iter(keys))!r}, a derived column; "
                                    "partitions are made from the data's own columns", path=name))
        else:
            out[name] = next(iter(keys)) if keys else None
    for name, route in routes.items():
        if route.on in {n for n, _ in pack.tables[route.by].derive} if route.by in pack.tables else False:
            problems.append(Problem(f"table {route.by!r} looks {name!r} up on {route.on!r}, a derived column; "
                                    "partitions are made from the data's own columns", path=route.by))
    if problems:
        raise DataError(problems)
    return out


# ---------------------------------------------------------------------------------------
# hashing rows into partitions (runs on the workers)


def _key_hash(values: pd.Series) -> np.ndarray:
    """A 64-bit hash of each key value, equal for equal keys in any table: numbers hash
    as float64 (so 3 in an integer column meets 3.0 in a column with gaps), dates as
    their day, text as text; missing keys all hash alike."""
    missing = values.isna().to_numpy()
    out = np.full(len(values), _MISSING_HASH, dtype=np.uint64)
    if pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_numeric_dtype(values.dtype):
        numbers = values.to_numpy(dtype=np.float64, na_value=np.nan)
        out[~missing] = pd.util.hash_array(numbers[~missing])
        return out
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        days = values.dt.tz_localize(None) if getattr(values.dt, "tz", None) else values
        numbers = days.to_numpy(dtype="datetime64[D]").astype(np.int64).astype(np.float64)
        out[~missing] = pd.util.hash_array(numbers[~missing])
        return out
    canonical = np.array([_canonical_key(v) for v in values.to_numpy(dtype=object)[~missing]], dtype=object)
    if canonical.size:
        numeric = np.array([isinstance(v, float) for v in canonical], dtype=bool)
        hashed = np.empty(canonical.size, dtype=np.uint64)
        if numeric.any():
            hashed[numeric] = pd.util.hash_array(canonical[numeric].astype(np.float64))
        if (~numeric).any():
            hashed[~numeric] = pd.util.hash_array(canonical[~numeric].astype(str).astype(object))
        out[~missing] = hashed
    return out


def _canonical_key(value: Any) -> float | str:
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, (datetime.date, np.datetime64, pd.Timestamp)):
        return float(pd.Timestamp(value).to_datetime64().astype("datetime64[D]").astype(np.int64))
    text = str(value)
    try:  # text read from CSV that a table's loader may read as a number ("3" meets 3)
        number = float(text)
    except ValueError:
        return text
    return number if np.isfinite(number) else text


def _row_hash(frame: pd.DataFrame) -> np.ndarray:
    """A hash of each whole row, missing values alike whatever marks them."""
    if frame.shape[1] == 0:
        return np.zeros(len(frame), dtype=np.uint64)
    cleaned = frame.copy(deep=False)
    for name in frame.columns:  # None and NaN both mark missing text: hash them alike
        if frame[name].dtype == object:
            cleaned[name] = frame[name].where(frame[name].notna(), None)
    return pd.util.hash_pandas_object(cleaned, index=False).to_numpy()


def _buckets(frame: pd.DataFrame, key: str | None, n: int) -> np.ndarray:
    """Each row's partition: a hash of its key, or of the whole row."""
    digest = _row_hash(frame) if key is None else _key_hash(frame[key])
    return (digest % np.uint64(n)).astype(np.int64)


def _deal(frame: pd.DataFrame, bucket: np.ndarray, n: int) -> tuple[pd.DataFrame, ...]:
    order = np.argsort(bucket, kind="stable")  # stable: each bucket keeps the frame's order
    ends = np.cumsum(np.bincount(bucket, minlength=n)).tolist()
    # each bucket a copy of its own rows, not a view of one frame of them all: a worker
    # spilling a bucket to its disk then frees its memory
    return tuple(frame.take(order[begin:end]) for begin, end in zip([0, *ends[:-1]], ends))


def _split(frame: pd.DataFrame, key: str | None, n: int) -> tuple[pd.DataFrame, ...]:
    """The frame's rows dealt to ``n`` buckets by hash, each bucket in the frame's order."""
    frame = frame.reset_index(drop=True)
    return _deal(frame, _buckets(frame, key, n), n)


def _pairs(frame: pd.DataFrame, key: str | None, on: str, n: int) -> tuple[pd.DataFrame, ...]:
    """For a table others are routed beside: each ``on`` value with the partition its row
    goes to, dealt to ``n`` buckets by the value's hash (where the routed rows meet them)."""
    frame = frame.reset_index(drop=True)
    bucket = _buckets(frame, key, n)
    present = frame[on].notna().to_numpy()
    digest = _key_hash(frame[on])[present]
    pairs = pd.DataFrame({"value": frame[on].to_numpy(dtype=object)[present], "hash": digest,
                          "bucket": bucket[present]}).drop_duplicates(["hash", "bucket"])
    return _deal(pairs.reset_index(drop=True), (pairs["hash"].to_numpy() % np.uint64(n)).astype(np.int64), n)


def _route(pairs: list[pd.DataFrame], pieces: list[pd.DataFrame], name: str, route: Route, by_key: str | None,
           n: int) -> tuple[pd.DataFrame, ...]:
    """A routed table's rows of one hash bucket, dealt to the partitions of the rows that
    look them up (rows nothing looks up stay by their key's hash)."""
    pairs_frame = pd.concat(pairs, ignore_index=True).drop_duplicates(["hash", "bucket"])
    split = pairs_frame["hash"].duplicated(keep=False).to_numpy()
    if split.any():
        value = pairs_frame["value"].to_numpy()[split][0]
        raise DataError([Problem(
            f"table {route.by!r}: the rows with {route.on} = {value!r} have different {by_key or 'contents'}, "
            f"so no one partition holds them all beside the {name!r} rows that lookup {route.lookup} reads",
            path=f"{route.by}.{route.on}", detail="evaluate this pack on one machine (indicators.evaluate)")])
    frame = pd.concat(pieces, ignore_index=True)
    digest = _key_hash(frame[route.key])
    found = pd.Index(pairs_frame["hash"].to_numpy()).get_indexer(digest)
    found[frame[route.key].isna().to_numpy()] = -1
    own = (digest % np.uint64(n)).astype(np.int64)
    if not len(pairs_frame):
        return _deal(frame, own, n)
    target = np.where(found >= 0, pairs_frame["bucket"].to_numpy()[np.maximum(found, 0)], own)
    return _deal(frame, target.astype(np.int64), n)


Ranges = dict  # table name to (first day, last day) of its placing dates, or None


def _evaluate_bucket(pack: Pack, pieces: dict[str, list[pd.DataFrame]], start: str, end: str,
                     strict: bool | None, function_time_limit: float | None, memory_budget: int | None,
                     index: int, count: int) -> tuple[Partial, Ranges]:
    """One partition index: each table's pieces joined in input order, then evaluated;
    with the dates each table holds, for the run's coverage warnings."""
    tables = {name: (parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)).reset_index(drop=True)
              for name, parts in pieces.items()}
    try:
        partial = evaluate_partial(pack, tables, start, end, strict=strict, function_time_limit=function_time_limit,
                                   memory_budget=memory_budget, duplicates=True)
    except DataError as exc:
        note = (f"(row numbers count within partition {index + 1} of {count}, the rows of its keys after the "
                "split by key, not within the whole table or file)")
        raise DataError([attrs.evolve(p, detail=f"{p.detail}\n{note}" if p.detail else note)
                         if "row " in p.message else p for p in exc.problems]) from None
    strict = pack.strict if strict is None else strict
    schemas = pack.schemas()
    placing = placement_columns(pack)
    dated = {name: table_from_mapping(name, frame[[c for c in frame.columns if c in placing.get(name, ())]],
                                      schemas.get(name), strict=strict)
             for name, frame in tables.items()}
    return partial, date_ranges(pack, dated)


def _nbytes(value: Any) -> int:
    if isinstance(value, np.ndarray):
        return value.nbytes
    if attrs.has(type(value)):
        return sum(_nbytes(getattr(value, field.name)) for field in attrs.fields(type(value)))
    if isinstance(value, Mapping):
        return sum(_nbytes(v) for v in value.values())
    if isinstance(value, (tuple, list)):
        return sum(_nbytes(v) for v in value)
    return 64


@dask.sizeof.sizeof.register(Partial)
def _partial_size(partial: Partial) -> int:
    """The bytes of a partial's arrays (distinct keys, a median's values, counts), so that a
    worker over its memory target spills the partials waiting for their merge, which Dask
    would otherwise count as a few bytes each."""
    return _nbytes(partial)


def _merge_ranges(a: Ranges, b: Ranges) -> Ranges:
    out: Ranges = {}
    for name in sorted(set(a) | set(b)):
        spans = [r[name] for r in (a, b) if r.get(name) is not None]
        out[name] = (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None
    return out


def _merge(a: tuple[Partial, Ranges], b: tuple[Partial, Ranges]) -> tuple[Partial, Ranges]:
    return a[0].merge(b[0]), _merge_ranges(a[1], b[1])


def _merge_level(partials: list, merge: Any) -> list:
    """One level of the merge tree: neighbours merged two by two, in partition order."""
    return [merge(*partials[i:i + 2]) if i + 1 < len(partials) else partials[i] for i in range(0, len(partials), 2)]


# ---------------------------------------------------------------------------------------
# reading the tables


def _as_dask(name: str, data: Any, blocksize: int | None = DEFAULT_BLOCKSIZE) -> dd.DataFrame:
    if isinstance(data, dd.DataFrame):
        return data
    if isinstance(data, pd.DataFrame):
        return dd.from_pandas(data, npartitions=1, sort=False)
    if isinstance(data, Mapping):
        return dd.from_pandas(pd.DataFrame(dict(data)), npartitions=1, sort=False)
    if isinstance(data, (str, os.PathLike)):
        return _read_path(name, Path(data), blocksize)
    raise DataError([Problem(f"table {name!r}: expected a Dask or pandas DataFrame, a Parquet or CSV file "
                             f"or a folder of such partitions, got {type(data).__name__}", path=name)])


def _read_path(name: str, path: Path, blocksize: int | None) -> dd.DataFrame:
    """A table from a folder of partitions, or from one file, in input partitions of at
    most ``blocksize`` bytes each (None: a file each)."""
    if path.is_file():
        files = [path]
    else:
        files = sorted(path.glob("*.parquet")) + sorted(path.glob("*.csv"))
        if {p.suffix for p in files} == {".parquet", ".csv"}:
            raise DataError([Problem(f"table {name!r}: the folder holds both Parquet and CSV partitions; "
                                     "keep one format per table", file=str(path))])
        if not files:
            raise DataError([Problem(f"table {name!r}: no *.parquet or *.csv partitions in {path}",
                                     file=str(path))])
    if files[0].suffix == ".parquet":
        if blocksize is None:
            return dd.read_parquet([str(p) for p in files], split_row_groups=False)
        # row groups gathered up to the block size, never across files (so input order holds)
        return dd.read_parquet([str(p) for p in files], split_row_groups="adaptive", blocksize=blocksize,
                               aggregate_files=False)
    # text as read: the engine types each column as its loader does (declared columns by
    # their declaration), instead of pandas guessing from the first block
    return dd.read_csv([str(p) for p in files], dtype=str, keep_default_na=False, na_values=[""],
                       blocksize=blocksize)


def _tables_from(pack: Pack, tables: Any) -> dict[str, Any]:
    if isinstance(tables, (str, os.PathLike)):
        root = Path(tables)
        if not root.is_dir():
            raise DataError([Problem(f"no folder {root}", file=str(root))])
        found: dict[str, Path] = {}
        problems = []
        for path in sorted(root.iterdir()):
            if not (path.is_dir() or path.suffix in (".csv", ".parquet")):
                continue
            name = path.name if path.is_dir() else path.stem
            if name in found:
                problems.append(Problem(f"table {name!r} is given twice: {found[name].name} and {path.name}; "
                                        "keep one file or one folder of partitions per table", file=str(path)))
            found[name] = path
        if problems:
            raise DataError(problems)
        return found
    if not isinstance(tables, Mapping):
        raise DataError([Problem("expected a mapping of table name to table, or a folder with a file or a "
                                 f"folder of partitions per table, got {type(tables).__name__}")])
    return dict(tables)


# ---------------------------------------------------------------------------------------
# the evaluation


def evaluate(pack: Pack, tables: Any, start: str, end: str, *, client: Any = None, npartitions: int | None = None,
             strict: bool | None = None, suppress_below: int | None = None,
             function_time_limit: float | None = DEFAULT_TIME_LIMIT,
             memory_budget: int | None = DEFAULT_MEMORY_BUDGET, by: Sequence[str] | None = None,
             registry: Registry | None = None, blocksize: int | None = DEFAULT_BLOCKSIZE) -> Results:
    """Evaluate ``pack`` over ``tables`` on Dask, exactly as :func:`indicators.evaluate` would
    over the whole tables (breakdowns, ``by``, are refused).

    ``tables`` maps table names to Dask DataFrames, pandas DataFrames or folders of
    ``*.parquet`` or ``*.csv`` partitions, or is a folder holding one such folder per
    table. ``client`` is a ``distributed.Client`` (None: Dask's current scheduler, the
    threaded one unless a client is active). ``npartitions`` is how many partitions every
    table is split into by key (default: the most partitions any table has). Files are
    read in input partitions of at most ``blocksize`` bytes (:data:`DEFAULT_BLOCKSIZE`;
    None: a whole file each), so that a worker reads and splits one bounded piece at a
    time. An
    indicator whose plugin function fails, or whose work on one partition would take
    more than ``memory_budget`` bytes in one step, fails alone (``results.failures``), as
    on one machine. ``registry`` (None: :func:`indicators.default_registry`) is the
    client's, for the pack's input definitions; the pack travels without plugins, and each
    worker evaluates with its own process's default registry (its installed plugins).
    """
    refuse_by(by, "indicators.dask.evaluate")
    parse_run(start, end)  # a bad period is told before any work
    # the tables the pack reads as Dask frames (lazily: a folder's columns, no rows), which the
    # missing_columns = "skip" check reads
    given = {name: _as_dask(name, data, blocksize) if name in pack.tables_used() else data
             for name, data in _tables_from(pack, tables).items()}
    pack, skipped = skip_missing(pack, given)
    keys = partition_keys(pack)  # a pack this cannot run is told before the data is looked at
    missing = sorted(pack.tables_used() - set(given))
    if missing:
        raise DataError([Problem(f"no table {name!r} in the data; tables given: {', '.join(sorted(given)) or 'none'}")
                         for name in missing])
    frames = {name: _as_dask(name, given[name], blocksize) for name in sorted(pack.tables_used())}
    n = npartitions or max(frame.npartitions for frame in frames.values())
    if n < 1:
        raise DataError([Problem(f"npartitions must be at least 1, not {n}")])
    pieces: dict[str, list[list]] = {}
    for name, frame in frames.items():
        buckets: list[list] = [[] for _ in range(n)]
        key = keys[name]
        if isinstance(key, Route):  # beside the rows that look it up: by a hash join on the key
            pairs = [dask.delayed(_pairs, nout=n, pure=True)(part, keys[key.by], key.on, n)
                     for part in frames[key.by].to_delayed()]
            by_hash = [dask.delayed(_split, nout=n, pure=True)(part, key.key, n) for part in frame.to_delayed()]
            for j in range(n):
                routed = dask.delayed(_route, nout=n, pure=True)([p[j] for p in pairs], [h[j] for h in by_hash],
                                                                 name, key, keys[key.by], n)
                for i in range(n):
                    buckets[i].append(routed[i])
        else:
            for part in frame.to_delayed():
                split = dask.delayed(_split, nout=n, pure=True)(part, key, n)
                for i in range(n):
                    buckets[i].append(split[i])
        pieces[name] = buckets
    shipped = dask.delayed(pack, pure=True)  # one task holding the pack, not a copy in every task
    partials = [dask.delayed(_evaluate_bucket, pure=True)(shipped, {name: pieces[name][i] for name in frames},
                                                          start, end, strict, function_time_limit, memory_budget,
                                                          i, n)
                for i in range(n)]
    # a tree, each merge of two partials one task on the workers, down to the last few
    # partials, which the client merges: a merged partial grows toward the final one (which
    # the client receives anyway) as distinct keys unite, so no worker holds the largest
    while len(partials) > _LAST_MERGES_ON_CLIENT:
        partials = _merge_level(partials, dask.delayed(_merge, pure=True))
    if client is not None:
        # one at a time, each released once here: gathered together, every worker unspilled
        # and pickled all of its last partials at once (each an eighth of the final partial)
        # and was restarted past its limit, losing the run's work (issue 17 item 4)
        futures = client.compute(partials)
        done = []
        for i, future in enumerate(futures):
            done.append(future.result())
            futures[i] = future = None
    else:
        done = list(dask.compute(*partials))
    while len(done) > 1:
        done = _merge_level(done, _merge)
    merged, ranges = done[0]
    results = merged.results(pack, suppress_below, registry=registry)
    results.skipped = skipped
    first, last = parse_run(start, end)
    results.warnings = coverage_warnings(pack, {}, first, last, ranges=ranges)
    if isinstance(tables, (str, os.PathLike)):
        results.framing = read_framing(tables)
        if results.framing is not None:  # commentary no report would show, warned of as on one machine
            results.warnings.extend(results.framing.unused(pack.indicators))
    return results


def local_cluster(n_workers: int, memory_limit: int | str | None = "auto", **kwargs: Any) -> Any:
    """A ``distributed.LocalCluster`` of ``n_workers`` processes, one thread each, whose
    workers never pause for memory. ``memory_limit`` is each worker's (bytes, a size Dask
    reads, ``"auto"``: the machine's memory shared among the workers; None or 0: none):
    past 60-70% of it a worker spills results to its disk, past 95% it is restarted. A
    worker paused at 80% waits for its own memory to go, which memory of the running task,
    not results it could spill, never does; so the pause is off."""
    import logging

    import distributed

    # in the nanny's own config, which it sets in every worker it starts or restarts, after
    # the rest (a worker restarted once a dask.config.set block has ended pauses again)
    options = {"threads_per_worker": 1, "processes": True, "host": "127.0.0.1", "dashboard_address": ":0",
               "silence_logs": logging.CRITICAL, "config": {"distributed.worker.memory.pause": False}, **kwargs}
    # Arrow's own allocator keeps the memory of the Parquet pieces a worker has read, counted
    # against its limit, where malloc gives it back. Set before the worker process starts
    # (each nanny reads it once, for every worker it starts)
    with dask.config.set({"distributed.nanny.pre-spawn-environ.ARROW_DEFAULT_MEMORY_POOL": "system"}):
        return distributed.LocalCluster(n_workers=n_workers, memory_limit=memory_limit or 0, **options)
