"""Benchmark harness: the engine against pandas, DuckDB and hand-tuned numpy, in one process.

    python benchmarks/run.py [--rows 30e3 1.7e6 17e6 | --scales 1 10 60] [--repeat 5] [--csv-rows 1.7e6]

Sizes are total rows of demo data. The defaults are the three sizes issue 6 names as
scales 1, 60 and 600 (about 30 thousand, 1.7 million and 17 million rows); the demo
generator's own ``--scale`` counts councils of about 330 thousand rows, so those sizes are
generator scales of about 0.09, 5.1 and 51 (``--scales`` takes generator scales instead).
For each size it generates the SYNTHETIC demo data, checks that every implementation of
the eight benchmark indicators (benchmarks/eight.toml) agrees on every numerator and
denominator, and prints the median wall time, the ratio to hand-tuned numpy, the peak
memory traced while evaluating, and rows per second. It then times both full packs over
12 months, fits how time grows with rows, and compares CSV loading with pyarrow's reader.
Needs the benchmark extra: pip install -e '.[bench]'. Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import baselines  # noqa: E402

import indicators  # noqa: E402
from indicators._demo import generate, write_csv  # noqa: E402

HERE = Path(__file__).resolve().parent
ISSUE_SIZES = {30e3: "issue scale 1", 1.7e6: "issue scale 60", 17e6: "issue scale 600"}
FIRST, N_MONTHS = "2016-02", 12
START, END = "2016-02", "2017-01"
EIGHT_TABLES = ("contacts", "referrals", "assessments", "cp_plans", "care_periods", "placements")


def timed(function, repeat: int) -> tuple[float, float, object]:
    """Median seconds over ``repeat`` runs, peak traced MiB of one more run, and its result."""
    times = []
    result = None
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    gc.collect()
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak / 2**20, result


def engine_figures(results) -> dict:
    out = {}
    for name in {r.indicator for r in results}:
        series = results.for_indicator(name)
        numerators = np.array([r.numerator for r in series])
        denominators = None if series[0].denominator is None else np.array([r.denominator for r in series])
        out[name] = (numerators, denominators)
    return out


def check_agreement(reference: dict, other: dict, label: str) -> None:
    for name, (num, den) in reference.items():
        other_num, other_den = other[name]
        assert np.array_equal(num, other_num), f"{label} {name} numerators differ: {num} vs {other_num}"
        if den is not None:
            assert np.array_equal(np.asarray(den, float), np.asarray(other_den, float)), \
                f"{label} {name} denominators differ: {den} vs {other_den}"


def engine_tables(pack, data: dict) -> dict:
    """Tables built once, outside the timings (loading is measured on its own)."""
    schemas = pack.schemas()
    return {name: indicators.table_from_mapping(name, columns, schemas.get(name))
            for name, columns in data.items() if name in pack.tables_used()}


def frames(data: dict, names) -> dict:
    import pandas as pd

    return {name: pd.DataFrame({c: v for c, v in data[name].items()}) for name in names}


def timed_alternately(functions: dict, repeat: int) -> dict:
    """For each named function: median seconds over ``repeat`` runs taken in turns with the
    others (so that a noisy spell on a shared machine hits all alike), peak traced MiB of
    one more run, and its result."""
    times: dict = {name: [] for name in functions}
    results: dict = {}
    for _ in range(repeat):
        for name, function in functions.items():
            gc.collect()
            started = time.perf_counter()
            results[name] = function()
            times[name].append(time.perf_counter() - started)
    out = {}
    for name, function in functions.items():
        gc.collect()
        tracemalloc.start()
        function()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out[name] = (statistics.median(times[name]), peak / 2**20, results[name])
    return out


def bench_scale(scale: float, repeat: int, packs: list, eight) -> dict:
    started = time.perf_counter()
    data = generate(seed=2017, scale=scale)
    generated = time.perf_counter() - started
    rows_eight = sum(len(next(iter(data[t].values()))) for t in EIGHT_TABLES)
    rows_all = sum(len(next(iter(t.values()))) for t in data.values())
    input_bytes = sum(v.nbytes for t in EIGHT_TABLES for v in data[t].values())
    holidays = indicators.default_registry().calendar("england-and-wales").holidays
    tables = engine_tables(eight, data)
    rows = []

    started = time.perf_counter()
    indicators.evaluate(eight, tables, START, END)  # the first evaluation also counts each table's duplicate rows
    first_time = time.perf_counter() - started
    paired = timed_alternately({"numpy": lambda: baselines.numpy_eight(data, holidays, FIRST, N_MONTHS),
                                "engine": lambda: indicators.evaluate(eight, tables, START, END)}, repeat)
    numpy_time, numpy_peak, reference = paired["numpy"]
    engine_time, engine_peak, results = paired["engine"]
    check_agreement(reference, engine_figures(results), "engine")
    rows.append(("engine", engine_time, engine_peak))
    rows.append(("hand-tuned numpy", numpy_time, numpy_peak))
    try:
        import duckdb  # noqa: F401
        import pandas  # noqa: F401
    except ImportError:
        print("  (pandas or duckdb not installed: baselines skipped; pip install -e '.[bench]')")
    else:
        dfs = frames(data, EIGHT_TABLES)
        pandas_repeat = max(1, min(repeat, 3))
        pandas_time, pandas_peak, figures = timed(lambda: baselines.pandas_eight(dfs, holidays, FIRST, N_MONTHS),
                                                  pandas_repeat)
        check_agreement(reference, figures, "pandas")
        rows.append(("pandas loop over periods", pandas_time, pandas_peak))
        connection = baselines.duckdb_connect(dfs, holidays, FIRST, N_MONTHS)
        duck_time, _, figures = timed(lambda: baselines.duckdb_eight(connection, N_MONTHS), pandas_repeat)
        check_agreement(reference, figures, "duckdb")
        rows.append(("DuckDB SQL (2 threads)", duck_time, float("nan")))

    print(f"\n{rows_all:,} rows (generator scale {scale:.3g}): {rows_eight:,} rows in the eight indicators' tables "
          f"({input_bytes / 2**20:.0f} MiB of columns); generated in {generated:.1f} s")
    print("  all implementations agree on every numerator and denominator")
    print(f"  the engine's first evaluation of these tables (which also counts their duplicate rows, once): "
          f"{first_time * 1000:.1f}ms; the medians below are of later ones")
    print(f"  {'implementation':<28} {'median':>10} {'vs numpy':>9} {'peak MiB':>9} {'rows/s':>12}")
    for label, seconds, peak in rows:
        peak_text = "n/a" if math.isnan(peak) else f"{peak:.0f}"
        print(f"  {label:<28} {seconds * 1000:>8.1f}ms {seconds / numpy_time:>8.1f}x {peak_text:>9} "
              f"{rows_eight / seconds:>12,.0f}")

    full_tables = {}
    for pack in packs:
        full_tables.update(engine_tables(pack, data))
    full_time, full_peak, _ = timed(lambda: [indicators.evaluate(p, full_tables, START, END) for p in packs],
                                    repeat)
    count = sum(len(p.indicators) for p in packs)
    full_bytes = sum(column.data.nbytes for table in full_tables.values() for column in table.columns.values())
    print(f"  both packs ({count} indicators x 12 months): {full_time:.2f} s, peak {full_peak:.0f} MiB "
          f"({full_peak * 2**20 / max(full_bytes, 1):.1f}x their {full_bytes / 2**20:.0f} MiB of input columns)")
    return {"scale": scale, "rows": rows_all, "full": full_time, "engine": engine_time, "numpy": numpy_time,
            "data": data}


def bench_csv(data: dict, scale: float, packs: list, repeat: int) -> None:
    """CSV loading against pyarrow's reader: medians of ``repeat`` reads of the same files,
    after one read of each kind so that imports and the page cache favour neither."""
    schemas = {}
    for pack in packs:
        schemas.update(pack.schemas())
    try:
        import pyarrow.csv as pacsv
    except ImportError:
        pacsv = None
    with tempfile.TemporaryDirectory() as folder:
        write_csv(data, folder)
        paths = sorted(Path(folder).glob("*.csv"))
        size = sum(p.stat().st_size for p in paths)
        runs = {"declared": lambda: indicators.read_csv_folder(folder, schemas),
                "inferred": lambda: indicators.read_csv_folder(folder)}
        if pacsv is not None:
            runs["pyarrow"] = lambda: [pacsv.read_csv(path) for path in paths]
        medians = {}
        for label, run in runs.items():
            run()
            medians[label] = timed(run, repeat)[0]
        rows = sum(len(next(iter(t.values()))) for t in data.values())
        print(f"\nCSV loading of {rows:,} rows (generator scale {scale:.3g}, {size / 2**20:.0f} MiB), medians of "
              f"{repeat}: indicators {medians['declared']:.2f} s with the packs' declared types, "
              f"{medians['inferred']:.2f} s inferring types", end="")
        if pacsv is None:
            print(" (pyarrow not installed)")
            return
        arrow = medians["pyarrow"]
        print(f", pyarrow {arrow:.2f} s ({medians['declared'] / arrow:.1f}x declared, "
              f"{medians['inferred'] / arrow:.1f}x inferred)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--rows", type=float, nargs="+", default=list(ISSUE_SIZES),
                       help="total rows of demo data at each size (default: 30e3 1.7e6 17e6)")
    sizes.add_argument("--scales", type=float, nargs="+", help="demo generator scales instead of --rows")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--csv-rows", type=float, default=1.7e6,
                        help="total rows of the data written to CSV and read back (default 1.7e6)")
    args = parser.parse_args()
    rows_per_scale = sum(len(next(iter(t.values()))) for t in generate(seed=2017, scale=1.0).values())
    scales = args.scales or [rows / rows_per_scale for rows in args.rows]
    for scale in scales:
        rows = scale * rows_per_scale
        label = next((name for size, name in ISSUE_SIZES.items() if abs(rows / size - 1) < 0.01), None)
        print(f"size: {rows:,.0f} rows = generator scale {scale:.3g}" + (f" ({label})" if label else ""))
    eight = indicators.load_pack(HERE / "eight.toml")
    packs = [indicators.load_pack(name) for name in ("childrens-social-care", "early-help")]
    print(f"indicators {indicators.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}")
    outcomes = [bench_scale(scale, args.repeat, packs, eight) for scale in scales]
    if len(outcomes) > 1:
        x = np.log([o["rows"] for o in outcomes])
        for key, label in (("full", "both packs"), ("engine", "eight indicators")):
            slope = np.polyfit(x, np.log([o[key] for o in outcomes]), 1)[0]
            sizes_text = ", ".join(f"{o['rows']:,}" for o in outcomes)
            print(f"\ntime grows as rows^{slope:.2f} for {label} (sizes {sizes_text} rows)")
    csv_scale = args.csv_rows / rows_per_scale
    data = next((o["data"] for o in outcomes if abs(o["scale"] / csv_scale - 1) < 1e-9), None) \
        or generate(seed=2017, scale=csv_scale)
    bench_csv(data, csv_scale, packs, args.repeat)


if __name__ == "__main__":
    main()
