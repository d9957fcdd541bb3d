"""indicators.dask on a local cluster against the one-machine engine, on the yardstick's data.

    python benchmarks/dask_run.py --factor 60 --councils 4 --workers 2

The eight indicators (``benchmarks/eight.toml``) over the yardstick's generator
(``../shared/bench/gen.py``, or ``--reference DIR``): ``--councils`` extracts of
``--factor`` councils' worth each (seeds 903, 904, ...; child ids offset so that no two
extracts share a child), written as one Parquet partition per extract and table under
``--data`` (by default a folder in the temporary directory; generated once, never into the
repository). Then, in turns for ``--repeat`` rounds: ``indicators.dask.evaluate`` on a
``distributed.LocalCluster`` of ``--workers`` processes (one thread each) reading the
partitions, and ``indicators.evaluate`` in this process on the concatenated tables
(skipped with ``--no-local`` when they would not fit). The two JSON outputs are compared
byte for byte before anything is timed. Peak memory per worker is each worker process's
peak resident set (VmHWM) over the run, from a cluster started for it. Timings are
printed, never asserted. Needs the dask and bench extras.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

import indicators  # noqa: E402

START, END = "2016-04", "2017-03"  # the yardstick's 12 periods
ID_STRIDE = 10**9  # child ids of extract k are offset by k * ID_STRIDE
ROW_GROUP = 250_000  # rows per Parquet row group: indicators.dask reads a file in pieces of whole row groups


def load_yardstick(folder: Path):
    if not (folder / "gen.py").exists():
        sys.exit(f"no yardstick in {folder} (gen.py missing): pass --reference DIR")
    sys.path.insert(0, str(folder))
    import common
    import gen
    return common, gen


def write_partitions(folder: Path, factor: int, councils: int, yardstick) -> int:
    """The extracts as Parquet partitions, one per extract and table; the population."""
    import pandas as pd

    common, gen = yardstick
    marker = folder / "population.txt"
    if marker.exists():
        return int(marker.read_text())
    population = 0
    for k in range(councils):
        started = time.perf_counter()
        data = gen.generate(factor, seed=903 + k)
        population += int(data["population"])
        for table, columns in common.TABLES.items():
            frame = pd.DataFrame({c: data[table][c] for c in columns})
            frame["child_id"] += k * ID_STRIDE
            (folder / table).mkdir(parents=True, exist_ok=True)
            frame.to_parquet(folder / table / f"extract-{k:03d}.parquet", index=False, row_group_size=ROW_GROUP)
        print(f"  extract {k + 1}/{councils} in {time.perf_counter() - started:.1f} s", flush=True)
    marker.write_text(str(population))
    return population


def worker_peak_mib() -> float:
    """This process's peak resident set, MiB: VmHWM, which starts afresh with the worker's
    program (ru_maxrss would carry over the peak of the process that started it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def on_cluster(pack, folder: Path, workers: int, partitions: int | None, start: str = START,
               end: str = END, memory_limit: str | int = 0, blocksize: int | None = None,
               **cluster_options) -> tuple[str, float, list[float], dict[str, int]]:
    """JSON, wall seconds, each worker's peak MiB, and the bytes the workers spilled to
    disk and how many were restarted, on the cluster ``indicators evaluate --workers``
    starts; ``memory_limit`` per worker (0: none, so nothing spills), with Dask's spilling
    and its restart at 95% but no pause; ``blocksize`` as indicators.dask.evaluate's (None:
    its default); ``cluster_options`` go to ``local_cluster`` (``silence_logs=logging.WARNING``
    shows why a worker was restarted)."""
    import distributed

    import indicators.dask

    with indicators.dask.local_cluster(workers, memory_limit, **cluster_options) as cluster, distributed.Client(cluster) as client:
        client.wait_for_workers(workers)
        pids = set(client.run(os.getpid).values())
        started = time.perf_counter()
        results = indicators.dask.evaluate(pack, folder, start, end, client=client, npartitions=partitions,
                                           **({} if blocksize is None else {"blocksize": blocksize}))
        seconds = time.perf_counter() - started
        peaks = sorted(client.run(worker_peak_mib).values())
        state = {"spilled": sum(client.run(spilled_bytes).values()),
                 "restarted": len(set(client.run(os.getpid).values()) - pids)}
    return results.to_json(), seconds, peaks, state


def spilled_bytes(dask_worker) -> int:
    """Bytes this worker has written to its disk (a restarted worker's count starts again)."""
    return int(dask_worker.data.cumulative_metrics.get(("disk-write", "bytes"), 0)) \
        if hasattr(dask_worker.data, "cumulative_metrics") else 0


def local(pack, folder: Path, start: str = START, end: str = END) -> tuple[str, float, int]:
    import pandas as pd

    tables = {}
    for table in sorted(p.name for p in folder.iterdir() if p.is_dir()):
        frame = pd.concat([pd.read_parquet(p) for p in sorted((folder / table).glob("*.parquet"))],
                          ignore_index=True)
        tables[table] = {c: frame[c].to_numpy() for c in frame.columns}
    rows = sum(len(next(iter(t.values()))) for t in tables.values())
    started = time.perf_counter()
    results = indicators.evaluate(pack, tables, start, end)
    return results.to_json(), time.perf_counter() - started, rows


def write_demo_partitions(folder: Path, scale: float, parts: int) -> int:
    """The demo generator's SYNTHETIC tables for both shipped packs, each cut into
    ``parts`` Parquet partitions of consecutive rows; the number of rows."""
    import pandas as pd

    from indicators.demo import generate

    marker = folder / "rows.txt"
    if marker.exists():
        return int(marker.read_text())
    rows = 0
    for name, columns in generate(seed=2017, scale=scale).items():
        frame = pd.DataFrame(columns)
        rows += len(frame)
        (folder / name).mkdir(parents=True, exist_ok=True)
        for k, start in enumerate(range(0, len(frame), -(-len(frame) // parts) or 1)):
            frame.iloc[start:start - (-len(frame) // parts)].to_parquet(folder / name / f"part-{k:03d}.parquet",
                                                                        index=False, row_group_size=ROW_GROUP)
    marker.write_text(str(rows))
    return rows


def full_packs(args) -> None:
    """Both shipped packs, 12 months, on the cluster and on one machine."""
    folder = Path(os.environ.get("BENCH_DATA", tempfile.gettempdir())) / f"indicators-dask-demo-{args.full_scale:g}"
    folder.mkdir(parents=True, exist_ok=True)
    rows = write_demo_partitions(folder, args.full_scale, args.councils)
    for name in ("childrens-social-care", "early-help"):
        pack = indicators.load_pack(name)
        got, seconds, peaks, _ = on_cluster(pack, folder, args.workers, args.partitions, "2016-02", "2017-01")
        want, local_seconds, _ = local(pack, folder, "2016-02", "2017-01")
        if got != want:
            sys.exit(f"{name}: the cluster's JSON differs from the one-machine engine's")
        print(f"{name}, {rows:,} demo rows in {args.councils} partitions per table, {args.workers} workers: "
              f"cluster {seconds:.2f} s (peak per worker up to {max(peaks):.0f} MiB), one machine "
              f"{local_seconds:.2f} s, {seconds / local_seconds:.2f}x; JSON identical", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factor", type=int, default=60, help="councils' worth of rows per extract (default 60)")
    parser.add_argument("--councils", type=int, default=4, help="extracts, one partition each (default 4)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--partitions", type=int, help="partitions by key (default: one per extract)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-local", action="store_true", help="skip the one-machine evaluation")
    parser.add_argument("--data", type=Path, help="where the partitions are written (default: a temporary folder)")
    parser.add_argument("--reference", type=Path, default=HERE.parent.parent / "shared" / "bench")
    parser.add_argument("--full-scale", type=float, default=0,
                        help="also run both shipped packs on the demo data at this scale (about 330 thousand "
                             "rows per unit), cut into --councils partitions per table")
    args = parser.parse_args()
    if args.full_scale:
        full_packs(args)

    yardstick = load_yardstick(args.reference.resolve())
    folder = args.data or Path(os.environ.get("BENCH_DATA", tempfile.gettempdir())) / \
        f"indicators-dask-f{args.factor}x{args.councils}"
    folder.mkdir(parents=True, exist_ok=True)
    print(f"partitions in {folder}", flush=True)
    population = write_partitions(folder, args.factor, args.councils, yardstick)
    text = (HERE / "eight.toml").read_text().replace("children = 56374", f"children = {population}")
    pack = indicators.loads_pack(text, file="eight.toml")

    cluster_times, local_times, peaks = [], [], []
    rows = None
    for round_ in range(args.repeat):
        got, seconds, worker_peaks, _ = on_cluster(pack, folder, args.workers, args.partitions)
        cluster_times.append(seconds)
        peaks.append(worker_peaks)
        if not args.no_local:
            want, local_seconds, rows = local(pack, folder)
            local_times.append(local_seconds)
            if got != want:
                sys.exit("the cluster's JSON differs from the one-machine engine's")
        print(f"  round {round_ + 1}: cluster {seconds:.2f} s, worker peaks "
              f"{', '.join(f'{p:.0f}' for p in worker_peaks)} MiB"
              + (f"; one machine {local_times[-1]:.2f} s" if local_times else ""), flush=True)
    print(f"eight indicators, {args.councils} extracts x factor {args.factor}"
          + (f" = {rows:,} rows" if rows else "") + f", {args.workers} workers:")
    print(f"  cluster median {statistics.median(cluster_times):.2f} s "
          f"(range {min(cluster_times):.2f}-{max(cluster_times):.2f}); "
          f"peak per worker up to {max(max(p) for p in peaks):.0f} MiB")
    if local_times:
        ratios = [c / m for c, m in zip(cluster_times, local_times)]
        print(f"  one machine median {statistics.median(local_times):.2f} s; cluster / one machine "
              f"{statistics.median(ratios):.2f}x (range {min(ratios):.2f}-{max(ratios):.2f}); "
              "JSON identical")
        print(f"  per million rows: cluster {statistics.median(cluster_times) / rows * 1e6:.3f} s, "
              f"one machine {statistics.median(local_times) / rows * 1e6:.3f} s")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
