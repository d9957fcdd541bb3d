"""The cost of a breakdown: the eight indicators with and without ``by=["team"]``.

    python benchmarks/breakdowns.py                   # size 60 (1.7 million rows), 5 rounds
    python benchmarks/breakdowns.py --size 600 --repeat 3 --reference ../shared/bench

The data is the yardstick's (``gen.py``'s seeded tables, generated once into $BENCH_DATA
as ``benchmarks/run.py`` does), with a ``team`` column of 10 values added to every table
(seeded, uniform). Both evaluations get the same tables, as plain numpy arrays, in this
one process, in turns; the ratio is the median over rounds of (with by) / (without by).
Both are measured from plain arrays (the tables are built in each evaluation, the team
column included) and from tables built beforehand (the evaluation alone), by the wall
clock and by this process's CPU time (steadier on a machine other work shares).
Before timing, it checks that the total of the breakdown is the evaluation without it and
that the teams' numerators add up to it. Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

import indicators

HERE = Path(__file__).resolve().parent
START, END = "2016-04", "2017-03"
TEAMS = np.array([f"Team {k}" for k in range(10)])


def yardstick_tables(folder: Path, size: int) -> tuple[dict, int]:
    """The yardstick's tables at ``size`` (generated if need be) and its population."""
    sys.path.insert(0, str(folder))
    import common

    if not Path(common.data_path(size)).exists():
        import gen

        Path(common.DATA).mkdir(parents=True, exist_ok=True)
        gen.main([str(size)])
    data = common.load_numpy(size)
    return {name: dict(data[name]) for name in common.TABLES}, data["population"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reference", type=Path, default=HERE.parent.parent / "shared" / "bench",
                        help="the yardstick's folder (gen.py, common.py)")
    args = parser.parse_args()
    tables, population = yardstick_tables(args.reference, args.size)
    rng = np.random.default_rng(10)
    for table in tables.values():
        table["team"] = TEAMS[rng.integers(0, TEAMS.size, len(next(iter(table.values()))))]
    text = (HERE / "eight.toml").read_text().replace("children = 56374", f"children = {population}")
    pack = indicators.loads_pack(text, file="eight.toml")
    rows = sum(len(t["team"]) for t in tables.values())

    plain = indicators.evaluate(pack, tables, START, END)
    broken = indicators.evaluate(pack, tables, START, END, by=["team"])
    assert [r for r in broken.to_records() if not r["group"]] == plain.to_records(), "total differs"
    assert len(broken.groups()) == TEAMS.size
    for total in plain:
        teams = [broken.get(total.indicator, total.period, group) for group in broken.groups()]
        assert sum(t.numerator for t in teams) == total.numerator, (total.indicator, total.period)

    schemas = pack.schemas()
    built = {name: indicators.table_from_mapping(name, table, schemas.get(name)) for name, table in tables.items()}
    print(f"size {args.size}: {rows:,} rows, 8 indicators x 12 months, by a team of 10 values; "
          f"medians of {args.repeat} rounds")
    for label, given in (("from plain arrays", tables), ("tables built beforehand", built)):
        for clock_name, clock in (("wall clock", time.perf_counter), ("CPU time", time.process_time)):
            without, with_by, ratios = [], [], []
            for _ in range(args.repeat):
                started = clock()
                indicators.evaluate(pack, given, START, END)
                without.append(clock() - started)
                started = clock()
                indicators.evaluate(pack, given, START, END, by=["team"])
                with_by.append(clock() - started)
                ratios.append(with_by[-1] / without[-1])
            print(f"{label}, {clock_name}: without by {statistics.median(without):.3f} s; with by=['team'] "
                  f"{statistics.median(with_by):.3f} s; ratio {statistics.median(ratios):.2f}x "
                  f"(lowest {min(ratios):.2f}x, highest {max(ratios):.2f}x)")


if __name__ == "__main__":
    main()
