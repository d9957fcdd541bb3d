"""Benchmark harness: the engine against the yardstick, hand-tuned numpy, pandas and DuckDB.

    python benchmarks/run.py                         # sizes 1, 60 and 600, 5 rounds
    python benchmarks/run.py --sizes 1 60 --repeat 3
    python benchmarks/run.py --doc docs/performance.md   # also rewrite the doc's measured part

The eight indicators, their data and the reference are the yardstick's
(``../shared/bench``, or ``--reference DIR``): ``gen.py``'s seeded tables at sizes 1, 60
and 600 (28 thousand, 1.7 million and 16.7 million rows; generated once into
$BENCH_DATA, by default a folder in the temporary directory, never into the repository),
``eight.toml`` (copied here as ``benchmarks/eight.toml``) and ``ref_numpy.py``. At each
size the engine gets the tables as a plain mapping of numpy arrays, as the reference does.
Every implementation's numerators and denominators are checked against the reference's
(with SPEC's ``previous``, as ``limit.py`` checks them) before anything is timed; then the
engine, the reference, our hand-tuned numpy, the pandas loop and the DuckDB SQL run in
turns, ``--repeat`` rounds, in this one process; medians and ratios come from those
rounds. Memory is the peak tracemalloc sees during one more evaluation, on top of the
input, which exists before it starts.

Then both shipped packs run over 12 months on the demo generator's SYNTHETIC data with
about as many rows as each size (``--full-rows``), from plain mappings and from tables
built beforehand. Growth exponents are fitted between the two largest sizes.
Needs the benchmark extra: pip install -e '.[bench]'. Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import math
import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import baselines  # noqa: E402

import indicators  # noqa: E402

START, END = "2016-04", "2017-03"  # the yardstick's 12 periods
FULL_START, FULL_END = "2016-02", "2017-01"  # the demo data's last 12 complete months
NAMES = "abcdefgh"
DOC_BEGIN = "<!-- begin: measured by benchmarks/run.py; regenerate, do not edit -->"
DOC_END = "<!-- end: measured by benchmarks/run.py -->"


def load_yardstick(folder: Path):
    """The yardstick's modules (common, gen, ref_numpy, limit) from ``folder``."""
    if not (folder / "ref_numpy.py").exists():
        sys.exit(f"no yardstick in {folder} (ref_numpy.py missing): pass --reference DIR")
    sys.path.insert(0, str(folder))
    import common
    import gen
    import limit
    import ref_numpy
    return common, gen, ref_numpy, limit


def yardstick_inputs(common, gen, size: int) -> tuple[dict, dict, str]:
    """The yardstick's data at ``size`` (generated once into its data folder), its tables as
    a mapping of arrays, and ``eight.toml``'s text with the data's population."""
    if not os.path.exists(common.data_path(size)):
        os.makedirs(common.DATA, exist_ok=True)
        gen.main([str(size)])
    data = common.load_numpy(size)
    tables = {t: {c: data[t][c] for c in columns} for t, columns in common.TABLES.items()}
    text = (HERE / "eight.toml").read_text().replace("children = 56374", f"children = {data['population']}")
    return data, tables, text


def yardstick_arguments(doc: str, size: int, repeat: int) -> argparse.Namespace:
    """``--size``, ``--repeat`` and ``--reference`` of a script timing one yardstick size."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=size, help=f"yardstick size (gen.py factor; default {size})")
    parser.add_argument("--repeat", type=int, default=repeat, help=f"rounds of timings (default {repeat})")
    parser.add_argument("--reference", type=Path, default=HERE.parent.parent / "shared" / "bench",
                        help="the yardstick's folder (default ../shared/bench)")
    return parser.parse_args()


def engine_array(results) -> np.ndarray:
    out = np.zeros((12, 8, 2), np.int64)
    periods = {str(m): p for p, m in enumerate(np.datetime64(START, "M") + np.arange(12))}
    for record in results.to_records():
        if record["indicator"] in NAMES and record["period"] in periods:
            k, p = NAMES.index(record["indicator"]), periods[record["period"]]
            out[p, k] = record["numerator"] or 0, record["denominator"] or 0
    return out


def disagreements(got: np.ndarray, want: np.ndarray) -> list[str]:
    months = np.datetime64(START, "M") + np.arange(12)
    return [f"{NAMES[k]} {months[p]}: {got[p, k, 0]}/{got[p, k, 1]}, reference {want[p, k, 0]}/{want[p, k, 1]}"
            for p, k in zip(*np.nonzero((got != want).any(axis=2)))]


def in_turns(functions: dict, repeat: int, processor: dict | None = None) -> dict:
    """Seconds of each function in each of ``repeat`` rounds, one call of each per round;
    the process's processor seconds of each call (every thread's) put in ``processor``
    when given.

    Each round starts one function later than the round before, so that no function
    always runs straight after the same other one: what ran just before in the process
    weighs on a call's time (``benchmarks/order.py``)."""
    times: dict = {name: [] for name in functions}
    if processor is not None:
        processor.update({name: [] for name in functions})
    names = list(functions)
    for round_ in range(repeat):
        for name in names[round_ % len(names):] + names[:round_ % len(names)]:
            function = functions[name]
            gc.collect()
            started, started_processor = time.perf_counter(), time.process_time()
            function()
            times[name].append(time.perf_counter() - started)
            if processor is not None:
                processor[name].append(time.process_time() - started_processor)
    return times


def ratios(times: dict, to: str) -> dict:
    """Each function's time over ``to``'s in the same round: (median, lowest, highest).
    Calls of one round run seconds apart, so a busy spell on a shared machine weighs on
    both sides of a round's ratio; a ratio of medians would mix rounds."""
    out = {}
    for name, seconds in times.items():
        r = [a / b for a, b in zip(seconds, times[to])]
        out[name] = (statistics.median(r), min(r), max(r))
    return out


def peak_mib(function) -> float:
    """Peak MiB allocated during one call, beyond what existed before it."""
    gc.collect()
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def bench_size(size: int, repeat: int, yardstick, calendar) -> dict:
    common, gen, ref_numpy, limit = yardstick
    data, tables, text = yardstick_inputs(common, gen, size)
    rows = sum(len(next(iter(t.values()))) for t in tables.values())
    input_bytes = sum(v.nbytes for t in tables.values() for v in t.values())
    pack = indicators.loads_pack(text, file="eight.toml")
    population = data["population"]
    holidays = common.HOLIDAYS

    def engine():
        return indicators.evaluate(pack, tables, START, END)

    # the engine's duplicate-row notes alone (part of the engine's time above), as each
    # evaluation works them out: each table's rows that the run's windows may hold digested
    # and their digests sorted (the referrals' too, which the run reads from previous()'s sort)
    from indicators._data_check import parse_run, start_run

    run = start_run(pack, tables, *parse_run(START, END), None, registry=indicators.default_registry())
    noted = [evaluation for evaluation in run.tables.values() if run.noted_measures(evaluation.table.name)]

    def duplicates():
        return [evaluation._repeated_rows(evaluation.noted_scope, None) for evaluation in noted]

    runs = {"engine": engine, "reference": lambda: ref_numpy.compute(data),
            "numpy": lambda: baselines.numpy_eight(data, calendar), "duplicates": duplicates}
    checks = {"engine": lambda: engine_array(engine()), "numpy": runs["numpy"]}
    try:
        import duckdb  # noqa: F401
        import pandas  # noqa: F401
    except ImportError:
        print("  (pandas or duckdb not installed: their baselines are skipped; pip install -e '.[bench]')")
    else:
        frames = baselines.pandas_frames(data)
        connection = baselines.duckdb_connect(frames, holidays)
        runs["pandas"] = checks["pandas"] = lambda: baselines.pandas_eight(frames, population, holidays)
        runs["duckdb"] = checks["duckdb"] = lambda: baselines.duckdb_eight(connection, population)

    want = limit.reference_with_spec_previous(data)
    for name, check in checks.items():
        got = check()
        if name == "engine":
            got[:, 7, 1] = 0  # (h) is a count: no denominator
        bad = disagreements(got, want)
        if bad:
            print("\n".join(bad[:10]))
            sys.exit(f"{name}: {len(bad)} figures disagree with the reference at size {size}")
    print(f"size {size}: {rows:,} rows ({input_bytes / 2**20:.0f} MiB of columns); engine, numpy"
          + (", pandas and DuckDB" if "pandas" in runs else "") + " agree with the reference on every "
          "numerator and denominator")
    processor: dict = {}
    times = in_turns(runs, repeat, processor)
    medians = {name: statistics.median(t) for name, t in times.items()}
    ratio = ratios(times, "reference")
    # the engine may work out duplicate notes in a second thread: its processor time against
    # the reference's (one thread), in the same rounds
    processor_ratio = ratios(processor, "reference")["engine"]
    engine_processor = statistics.median(processor["engine"])
    memory = {name: peak_mib(runs[name]) for name in ("engine", "numpy", "reference")}
    for name, seconds in medians.items():
        extra = f", adds {memory[name]:.0f} MiB" if name in memory else ""
        r = ratio[name]
        print(f"  {name:<10} {seconds * 1000:>10.1f} ms {r[0]:>7.2f}x reference ({r[1]:.2f}-{r[2]:.2f}){extra}")
    print(f"  engine processor time {engine_processor * 1000:.1f} ms, {processor_ratio[0]:.2f}x the reference's")
    return {"size": size, "rows": rows, "input_mib": input_bytes / 2**20, "medians": medians, "ratios": ratio,
            "memory": memory, "processor": engine_processor, "processor_ratio": processor_ratio}


def demo_data(rows: float) -> dict:
    from indicators.demo import generate  # the SYNTHETIC demo generator

    per_scale = sum(len(next(iter(t.values()))) for t in generate(seed=2017, scale=1.0).values())
    return generate(seed=2017, scale=rows / per_scale)


def bench_full(rows: float, repeat: int, packs: list) -> dict:
    data = demo_data(rows)
    used = set()
    for pack in packs:
        used |= set(pack.tables_used())
    mapping = {name: columns for name, columns in data.items() if name in used}
    n_rows = sum(len(next(iter(t.values()))) for t in mapping.values())
    input_bytes = sum(v.nbytes for t in mapping.values() for v in t.values())
    built = {}
    for pack in packs:
        schemas = pack.schemas()
        built.update({name: indicators.table_from_mapping(name, mapping[name], schemas.get(name))
                      for name in pack.tables_used() if name not in built})
    for pack in packs:  # once each way first: duplicate rows are counted once per built table
        indicators.evaluate(pack, built, FULL_START, FULL_END)
    plain = lambda: [indicators.evaluate(p, mapping, FULL_START, FULL_END) for p in packs]  # noqa: E731
    prebuilt = lambda: [indicators.evaluate(p, built, FULL_START, FULL_END) for p in packs]  # noqa: E731
    medians = {name: statistics.median(t) for name, t in in_turns({"plain": plain, "built": prebuilt}, repeat).items()}
    memory = peak_mib(plain)
    count = sum(len(p.indicators) for p in packs)
    print(f"both packs ({count} indicators x 12 months) on {n_rows:,} demo rows ({input_bytes / 2**20:.0f} MiB of "
          f"columns): {medians['plain']:.3f} s from plain arrays, {medians['built']:.3f} s with tables built "
          f"beforehand; adds {memory:.0f} MiB")
    return {"rows": n_rows, "input_mib": input_bytes / 2**20, "plain": medians["plain"], "built": medians["built"],
            "memory": memory, "indicators": count}


def exponent(a: dict, b: dict, time_a: float, time_b: float) -> float:
    return math.log(time_b / time_a) / math.log(b["rows"] / a["rows"])


def machine() -> str:
    memory = ""
    try:
        with open("/proc/meminfo") as fh:
            memory = f", {int(fh.readline().split()[1]) / 2**20:.0f} GiB"
    except OSError:
        pass
    versions = [f"Python {platform.python_version()}", f"numpy {np.__version__}"]
    for name in ("pandas", "duckdb"):
        try:
            versions.append(f"{name} {__import__(name).__version__}")
        except ImportError:
            pass
    return f"{platform.machine()}, {os.cpu_count()} cores{memory}, {platform.system()}; " + ", ".join(versions)


def fmt_ms(seconds: float) -> str:
    ms = seconds * 1000
    return f"{ms:,.0f} ms" if ms >= 100 else f"{ms:.1f} ms"


def fmt_ratio(r: float) -> str:
    return f"{r:.0f}" if r >= 20 else f"{r:.1f}" if r >= 2 else f"{r:.2f}"


def markdown(command: str, sizes: list, full: list, repeat: int, load: tuple) -> str:
    """The measured part of docs/performance.md."""
    today = datetime.date.today().isoformat()
    lines = [DOC_BEGIN, "", f"Measured {today} with `{command}` on {machine()}. Load average "
             f"{load[0]:.1f} before and {load[1]:.1f} after the run (2 cores: other work shared the machine "
             f"when it is above about 1). Medians of {repeat} rounds; in each round every implementation "
             "ran once, in turns. A ratio is the median over rounds of the time over the reference's time "
             "in the same round, with the lowest and highest such ratio.", "",
             "### The eight indicators (the yardstick's data, 12 months)", "",
             "| size (rows) | reference (ref_numpy.py) | engine | engine's processor time | of which: duplicate-row "
             "note | our numpy | pandas loop | DuckDB SQL |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for s in sizes:
        m, r = s["medians"], s["ratios"]
        cells = [fmt_ms(m["reference"])] + [
            f"{fmt_ms(m[k])} ({fmt_ratio(r[k][0])}×; {fmt_ratio(r[k][1])}–{fmt_ratio(r[k][2])})" if k in m
            else "not run"
            for k in ("engine", "duplicates", "numpy", "pandas", "duckdb")]
        cells.insert(2, f"{fmt_ms(s['processor'])} ({fmt_ratio(s['processor_ratio'][0])}×)")
        lines.append(f"| {s['size']} ({s['rows']:,}) | " + " | ".join(cells) + " |")
    lines += ["", "Every implementation agreed with the reference on every numerator and denominator at every "
              "size (checked before timing). The engine's processor time is the process's, every thread's, "
              "during its call (the duplicate-row notes of tables of 100,000 rows or more, and their "
              "previous() sorts, are worked out in a second thread beside the evaluation), against the reference's in the same round: the reference "
              "runs in one thread. The duplicate-row note's column times that step of the engine "
              "alone (each table's rows that the run's windows may hold digested, one sort of their digests "
              "per table, in one thread), in the "
              "same rounds; the reference has no such note.", "",
              "| size | input columns | engine adds (share of input) | our numpy adds | reference adds |",
              "| --- | ---: | ---: | ---: | ---: |"]
    for s in sizes:
        mem = s["memory"]
        lines.append(f"| {s['size']} | {s['input_mib']:.0f} MiB | {mem['engine']:.0f} MiB "
                     f"({mem['engine'] / s['input_mib']:.2f}) | {mem['numpy']:.0f} MiB | {mem['reference']:.0f} MiB |")
    if full:
        lines += ["", "### Both shipped packs (SYNTHETIC demo data, 12 months)", "",
                  f"`childrens-social-care` and `early-help`, {full[0]['indicators']} indicators, "
                  f"{FULL_START} to {FULL_END}, every table they read.", "",
                  "| rows | input columns | from plain arrays | tables built beforehand | memory added (share of input) |",
                  "| ---: | ---: | ---: | ---: | ---: |"]
        for f in full:
            lines.append(f"| {f['rows']:,} | {f['input_mib']:.0f} MiB | {f['plain']:.3f} s | {f['built']:.3f} s | "
                         f"{f['memory']:.0f} MiB ({f['memory'] / f['input_mib']:.2f}) |")
    lines += ["", "### Issue 12's targets", "", "| target | measured | met |", "| --- | --- | --- |"]
    by_size = {s["size"]: s for s in sizes}
    for size in (60, 600):
        if size in by_size:
            r = by_size[size]["ratios"]["engine"][0]
            lines.append(f"| eight within 2× of the reference at size {size} | {r:.1f}× | {'yes' if r <= 2 else 'no'} |")
    if 1 in by_size:
        t = by_size[1]["medians"]["engine"]
        lines.append(f"| eight at size 1 under 10 ms | {fmt_ms(t)} | {'yes' if t < 0.01 else 'no'} |")
    big = max(full, key=lambda f: f["rows"]) if full else None
    if big and big["rows"] >= 16e6:
        lines.append(f"| both packs on about 17 million rows under 1 s | {big['plain']:.2f} s from plain arrays, "
                     f"{big['built']:.2f} s with tables built | {'yes' if big['plain'] < 1 else 'no'} |")
    for s in sizes:
        share = s["memory"]["engine"] / s["input_mib"]
        if s["size"] in (60, 600):
            lines.append(f"| memory an evaluation adds on top of its input at most half the input columns' size "
                         f"(eight, size {s['size']}) | "
                         f"{share:.2f} | {'yes' if share <= 0.5 else 'no'} |")
    if big and big["rows"] >= 16e6:
        share = big["memory"] / big["input_mib"]
        lines.append(f"| memory added at most half the input, both packs at {big['rows'] / 1e6:.1f} million rows "
                     f"| {share:.2f} | "
                     f"{'yes' if share <= 0.5 else 'no'} |")
    if 60 in by_size and 600 in by_size:
        a, b = by_size[60], by_size[600]
        k = exponent(a, b, a["medians"]["engine"], b["medians"]["engine"])
        lines.append(f"| time linear in rows: fitted exponent between sizes 60 and 600 at most 1.1 | rows^{k:.2f} "
                     f"for the engine "
                     f"(reference rows^{exponent(a, b, a['medians']['reference'], b['medians']['reference']):.2f}) | "
                     f"{'yes' if k <= 1.1 else 'no'} |")
    if len(full) >= 2:
        a, b = sorted(full, key=lambda f: f["rows"])[-2:]
        k = exponent(a, b, a["plain"], b["plain"])
        lines.append(f"| both packs' time linear in rows: fitted exponent between {a['rows'] / 1e6:.1f} and "
                     f"{b['rows'] / 1e6:.1f} million rows at most 1.1 "
                     f"| rows^{k:.2f} from plain arrays, rows^{exponent(a, b, a['built'], b['built']):.2f} with "
                     f"tables built | {'yes' if k <= 1.1 else 'no'} |")
    for size in (60, 600):
        if size in by_size:
            r = by_size[size]["ratios"]["numpy"][0]
            lines.append(f"| benchmarks' numpy within 1.25× of the reference, size {size} | {r:.2f}× | "
                         f"{'yes' if r <= 1.25 else 'no'} |")
    unmet = [line.split(" | ")[0].lstrip("| ") for line in lines if line.endswith("| no |")]
    lines += ["", "Not met in this run: " + "; ".join(unmet) + "." if unmet else "Every target above is met in this run.",
              "", DOC_END]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 60, 600],
                        help="yardstick sizes (gen.py factors; default 1 60 600)")
    parser.add_argument("--repeat", type=int, default=5, help="rounds of timings (default 5)")
    parser.add_argument("--full-rows", type=float, nargs="*", default=[1.7e6, 17e6],
                        help="total demo rows for the full packs (default 1.7e6 17e6; none to skip)")
    parser.add_argument("--reference", type=Path, default=HERE.parent.parent / "shared" / "bench",
                        help="the yardstick's folder (default ../shared/bench)")
    parser.add_argument("--doc", type=Path, help="rewrite the measured part of this markdown file")
    args = parser.parse_args()
    command = "python benchmarks/run.py " + " ".join(sys.argv[1:])
    load_before = os.getloadavg()[0]
    yardstick = load_yardstick(args.reference.resolve())
    calendar = baselines.Calendar(yardstick[0].HOLIDAYS)
    print(f"indicators {indicators.__version__}; {machine()}")
    sizes = [bench_size(size, args.repeat, yardstick, calendar) for size in args.sizes]
    packs = [indicators.load_pack(name) for name in ("childrens-social-care", "early-help")]
    full = [bench_full(rows, min(args.repeat, 3), packs) for rows in args.full_rows]
    by_size = {s["size"]: s for s in sizes}
    if 60 in by_size and 600 in by_size:
        a, b = by_size[60], by_size[600]
        print(f"time grows as rows^{exponent(a, b, a['medians']['engine'], b['medians']['engine']):.2f} "
              f"for the engine between sizes 60 and 600")
    if len(full) >= 2:
        a, b = sorted(full, key=lambda f: f["rows"])[-2:]
        print(f"time grows as rows^{exponent(a, b, a['plain'], b['plain']):.2f} for both packs between "
              f"{a['rows']:,} and {b['rows']:,} rows")
    text = markdown(command.strip(), sizes, full, args.repeat, (load_before, os.getloadavg()[0]))
    print("\n" + text)
    if args.doc:
        doc = args.doc.read_text()
        if DOC_BEGIN not in doc or DOC_END not in doc:
            sys.exit(f"{args.doc} has no measured part to rewrite (the lines {DOC_BEGIN!r} and {DOC_END!r})")
        before, rest = doc.split(DOC_BEGIN, 1)
        after = rest.split(DOC_END, 1)[1]
        args.doc.write_text(before + text + after)
        print(f"\nrewrote the measured part of {args.doc}")


if __name__ == "__main__":
    main()
