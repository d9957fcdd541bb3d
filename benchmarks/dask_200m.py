"""indicators.dask on Parquet partitions on disk past one machine's memory, against one machine.

    python benchmarks/dask_200m.py --data /tmp/dask200 --extracts 6 --chunks 6 --partitions 24 --clean

Writes, one piece in memory at a time, under ``--data``: ``eight/``, the yardstick's
tables (``../shared/bench/gen.py``; ``--extracts`` extracts of ``--factor`` councils'
worth, seeds 903, 904, ..., child ids offset per extract, one Parquet file per extract and
table, as ``dask_run.py`` writes them), and ``packs/``, the demo generator's SYNTHETIC
tables for both shipped packs (``--chunks`` chunks at ``--scale``, about 330 thousand rows
per unit; ``--seeds`` of them generated with their own seed, the others copies of those
with every ``*_id`` column offset, since the generator makes about 0.2 million rows a
second; one Parquet file per chunk and table). Then, in this one process:

- one machine: ``indicators.evaluate`` on the first extract (and the first chunk) read into
  plain arrays, the eight indicators and each shipped pack timed, then once more under
  tracemalloc for the memory an evaluation adds on top of its input;
- a ``distributed.LocalCluster`` of ``--workers`` processes (one thread each; by default no
  memory limit, so nothing spills and the peak is the real one; ``--memory-limit SIZE``
  per worker lets Dask spill past 60-70% of it and restart a worker past 95%, as a cluster
  short of memory would), a fresh one per pack: ``indicators.dask.evaluate`` over the
  whole folder, ``--partitions`` partitions by key; wall time, and each worker process's
  peak resident set (VmHWM). A pack whose run fails (workers restarted past the limit
  until Dask gives up) is reported as failed, with Dask's message, and the others run.

``--packs`` runs some of the three (each may want its own ``--memory-limit``; the data
is written once and reused while ``--data`` holds it). When the first extract and chunk are the whole data (``--extracts 1 --chunks 1``), the
cluster's JSON is compared with one machine's, byte for byte. Timings are printed, never
asserted. Needs the dask and bench extras.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cloudpickle  # noqa: E402

import dask_run  # noqa: E402
import indicators  # noqa: E402
from dask_run import END, ROW_GROUP, START, load_yardstick, on_cluster, write_partitions  # noqa: E402

cloudpickle.register_pickle_by_value(dask_run)  # workers measure themselves with its function

PACKS_START, PACKS_END = "2016-02", "2017-01"
ID_STRIDE = 10**10  # the ids of demo chunk k are offset by k * ID_STRIDE


def _offset(ids: np.ndarray, k: int) -> np.ndarray:
    """Chunk ``k``'s ids: numbers offset by ``k * ID_STRIDE``, text ids prefixed ``k-``."""
    if k == 0:
        return ids
    if np.issubdtype(ids.dtype, np.number):
        return ids + k * ID_STRIDE
    return np.char.add(f"{k}-", ids.astype(str))


def write_demo_chunks(folder: Path, chunks: int, scale: float, seeds: int) -> None:
    """Both packs' tables, one Parquet file per chunk and table; ``seeds`` chunks
    generated, each written ``chunks / seeds`` times with its ids offset."""
    import pandas as pd

    from indicators.demo import generate

    if (folder / "done").exists():
        return
    for seed in range(seeds):
        started = time.perf_counter()
        data = generate(seed=2017 + seed, scale=scale)
        for k in range(seed, chunks, seeds):
            for name, columns in data.items():
                frame = pd.DataFrame({c: _offset(v, k) if c.endswith("_id") else v for c, v in columns.items()})
                (folder / name).mkdir(parents=True, exist_ok=True)
                frame.to_parquet(folder / name / f"chunk-{k:03d}.parquet", index=False, row_group_size=ROW_GROUP)
        print(f"  demo seed {seed + 1}/{seeds} ({len(range(seed, chunks, seeds))} chunks) in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        del data
    (folder / "done").write_text("")


def parquet_rows(folder: Path) -> int:
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(f).metadata.num_rows for f in sorted(folder.rglob("*.parquet")))


def first_piece(folder: Path, tables: set[str]) -> dict:
    """The first extract's (or chunk's) tables as plain arrays, as the engine takes them."""
    import pandas as pd

    out = {}
    for name in sorted(tables):
        (path,) = [p for p in (folder / name).glob("*-000.parquet")]
        frame = pd.read_parquet(path)
        # text as the generator makes it (fixed-width numpy text, no missing values), so that
        # its size is counted
        out[name] = {c: frame[c].to_numpy().astype(str) if pd.api.types.is_string_dtype(frame[c].dtype)
                     and not frame[c].isna().any() else frame[c].to_numpy() for c in frame.columns}
    return out


def one_machine(pack, tables: dict, start: str, end: str) -> tuple[str, float, int, int, int]:
    """JSON, seconds, input bytes, the peak tracemalloc sees on top of them, and the size
    of these rows' partial pickled (what a cluster's merges carry for them)."""
    import pickle

    from indicators import evaluate_partial

    started = time.perf_counter()
    results = indicators.evaluate(pack, tables, start, end)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    indicators.evaluate(pack, tables, start, end)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    used = {n: t for n, t in tables.items() if n in pack.tables_used()}
    size = sum(np.asarray(c).nbytes for t in used.values() for c in t.values())
    partial = len(pickle.dumps(evaluate_partial(pack, tables, start, end, duplicates=True)))
    return results.to_json(), seconds, size, peak, partial


def machine_used() -> int:
    """Bytes of the machine's memory in use (total less available)."""
    fields = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    return (int(fields["MemTotal"].split()[0]) - int(fields["MemAvailable"].split()[0])) * 1024


def sample_machine(samples: list, stop: threading.Event) -> None:
    """The 1-minute load average and the machine's used memory every 10 s, until ``stop``."""
    while not stop.wait(10):
        samples.append((os.getloadavg()[0], machine_used()))


def gib(n_bytes: float) -> str:
    return f"{n_bytes / 2**30:.1f} GiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/tmp/dask200"))
    parser.add_argument("--extracts", type=int, default=6, help="yardstick extracts (default 6)")
    parser.add_argument("--factor", type=int, default=600, help="councils' worth per extract (default 600)")
    parser.add_argument("--chunks", type=int, default=6, help="demo chunks (default 6)")
    parser.add_argument("--scale", type=float, default=52, help="demo scale per chunk (default 52)")
    parser.add_argument("--seeds", type=int, default=2, help="demo chunks generated with their own seed (default 2)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--partitions", type=int, default=24, help="partitions by key (default 24)")
    parser.add_argument("--reference", type=Path, default=HERE.parent.parent / "shared" / "bench")
    parser.add_argument("--memory-limit", default="0",
                        help="memory limit per worker, as Dask reads it (\"1.5GiB\"; default 0: none)")
    parser.add_argument("--packs", nargs="+", default=["eight", "childrens-social-care", "early-help"],
                        choices=["eight", "childrens-social-care", "early-help"],
                        help="which to run (default all three; the data is written for all)")
    parser.add_argument("--worker-logs", action="store_true",
                        help="print the cluster's warnings (why a worker was restarted); silenced by default")
    parser.add_argument("--clean", action="store_true", help="delete --data at the end")
    args = parser.parse_args()

    from dask.utils import parse_bytes

    limit = parse_bytes(args.memory_limit) if args.memory_limit not in ("0", "auto") else 0
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=HERE, capture_output=True,
                           text=True).stdout.strip()
    print(f"commit {commit}{' with uncommitted changes' if dirty else ''}; started "
          f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC; {' '.join(sys.argv)}", flush=True)
    load_before = os.getloadavg()
    samples: list[tuple[float, int]] = []
    stop = threading.Event()
    threading.Thread(target=sample_machine, args=(samples, stop), daemon=True).start()
    common, _ = yardstick = load_yardstick(args.reference.resolve())
    eight_dir, packs_dir = args.data / "eight", args.data / "packs"
    eight_dir.mkdir(parents=True, exist_ok=True)
    packs_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    population = write_partitions(eight_dir, args.factor, args.extracts, yardstick)
    write_demo_chunks(packs_dir, args.chunks, args.scale, min(args.seeds, args.chunks))
    written = time.perf_counter() - started
    eight_rows, packs_rows = parquet_rows(eight_dir), parquet_rows(packs_dir)
    disk = sum(p.stat().st_size for p in args.data.rglob("*.parquet"))
    print(f"on disk: {eight_rows:,} yardstick rows + {packs_rows:,} demo rows = {eight_rows + packs_rows:,} rows, "
          f"{gib(disk)} of Parquet, written in {written:.0f} s", flush=True)

    eight_text = (HERE / "eight.toml").read_text()
    eight_all = indicators.loads_pack(eight_text.replace("children = 56374", f"children = {population}"),
                                      file="eight.toml")
    eight_one = indicators.loads_pack(eight_text.replace(
        "children = 56374", f"children = {common.POPULATION_PER_COUNCIL * args.factor}"), file="eight.toml")
    packs = [indicators.load_pack(name) for name in ("childrens-social-care", "early-help")]
    runs = [("eight indicators", eight_one, eight_all, eight_dir, START, END, args.extracts),
            *((pack.name, pack, pack, packs_dir, PACKS_START, PACKS_END, args.chunks) for pack in packs)]
    runs = sorted((run for run in runs if run[0].split()[0] in args.packs),
                  key=lambda run: args.packs.index(run[0].split()[0]))  # in the order asked for

    local = {}
    for label, pack, _, folder, start, end, _ in runs:
        tables = first_piece(folder, pack.tables_used())
        rows = sum(len(next(iter(t.values()))) for t in tables.values())
        local[label] = (rows, *one_machine(pack, tables, start, end))
        del tables
        _, json_text, seconds, size, peak, partial = local[label]
        print(f"one machine, {label}: {rows:,} rows in {seconds:.2f} s ({seconds / rows * 1e6:.3f} s per million), "
              f"input {gib(size)}, adds {gib(peak)}; its partial {partial / 2**20:,.1f} MiB pickled", flush=True)

    summary = []
    for label, _, pack, folder, start, end, pieces in runs:
        rows = sum(parquet_rows(folder / name) for name in pack.tables_used() if (folder / name).is_dir())
        local_rows, want, local_seconds, size, peak, _ = local[label]
        try:
            got, seconds, peaks, state = on_cluster(pack, folder, args.workers, args.partitions, start, end,
                                                    memory_limit=args.memory_limit,
                                                    **({"silence_logs": logging.WARNING} if args.worker_logs else {}))
        except Exception as exc:  # noqa: BLE001 - Dask's KilledWorker and the like: reported, not raised
            summary.append(f"{label}: {rows:,} rows, input {gib(size / local_rows * rows)} at one machine's bytes per "
                           f"row; cluster FAILED with worker memory limit {args.memory_limit}: "
                           f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}")
            print(summary[-1], flush=True)
            continue
        same = "JSON identical to one machine's" if got == want else "JSON DIFFERS from one machine's"
        if pieces > 1:
            same = "not compared (one machine evaluated the first piece only)"
        per_row = (seconds / rows) / (local_seconds / local_rows)
        estimate = (size + peak) / local_rows * rows
        limits = ""
        if limit:
            limits = (f"; the {args.workers} limits together {gib(limit * args.workers)}: "
                      f"{limit * args.workers / estimate:.2f} of one machine's estimate, "
                      f"{limit * args.workers / (size / local_rows * rows):.2f} of the input")
        summary.append(f"{label}: {rows:,} rows, memory limit per worker {args.memory_limit}, cluster {seconds:.1f} s ({seconds / rows * 1e6:.3f} s per million "
                       f"rows), worker peaks {', '.join(f'{p:,.0f} MiB' for p in peaks)} (resident); one machine at "
                       f"{local_rows:,} rows {local_seconds:.2f} s ({local_seconds / local_rows * 1e6:.3f} s per "
                       f"million); per row cluster / one machine {per_row:.2f}x; one machine would need about "
                       f"{gib(estimate)} for all {rows:,} rows (input {gib(size / local_rows * rows)} + "
                       f"{gib(peak / local_rows * rows)} added){limits}; workers spilled {gib(state['spilled'])} to "
                       f"disk, {state['restarted']} restarted; {same}")
        print(summary[-1], flush=True)
        if got != want and pieces == 1:
            sys.exit("the cluster's JSON differs from one machine's")
    load_after = os.getloadavg()
    stop.set()
    if samples:
        loads = [load for load, _ in samples]
        print(f"every 10 s: load average (1 min) mean {sum(loads) / len(loads):.1f}, highest {max(loads):.1f}; "
              f"the machine's used memory highest {gib(max(used for _, used in samples))}", flush=True)
    print(f"load average before {load_before[0]:.1f} ({load_before[1]:.1f} over 5 min), after {load_after[0]:.1f} "
          f"({load_after[1]:.1f} over 5 min); {os.cpu_count()} cores; ended "
          f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC", flush=True)
    if args.clean:
        shutil.rmtree(args.data)
        print(f"deleted {args.data}")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
