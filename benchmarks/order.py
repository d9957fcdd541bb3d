"""What ran just before weighs on a call's time: the engine straight after the reference,
and straight after the pandas loop and the DuckDB SQL, in one process.

    python benchmarks/order.py                  # size 600 (16.7 million rows), 5 rounds
    python benchmarks/order.py --size 60 --repeat 9

Each round evaluates the yardstick's eight indicators three times: once straight after
the reference (``ref_numpy.py``), once straight after the pandas loop, once straight after
the DuckDB SQL (the two baselines of ``benchmarks/run.py``). The calls before are not
timed. It is why ``run.py`` starts each round one implementation later than the round
before rather than always in the same order. Timings are printed, never asserted.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import baselines  # noqa: E402
from run import END, START, load_yardstick, yardstick_arguments, yardstick_inputs  # noqa: E402

import indicators  # noqa: E402


def timed(function) -> float:
    gc.collect()
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def main() -> None:
    args = yardstick_arguments(__doc__, size=600, repeat=5)
    common, gen, ref_numpy, _ = load_yardstick(args.reference)
    data, tables, text = yardstick_inputs(common, gen, args.size)
    pack = indicators.loads_pack(text, file="eight.toml")
    frames = baselines.pandas_frames(data)
    connection = baselines.duckdb_connect(frames, common.HOLIDAYS)
    before = {
        "the reference": lambda: ref_numpy.compute(data),
        "the pandas loop": lambda: baselines.pandas_eight(frames, data["population"], common.HOLIDAYS),
        "the DuckDB SQL": lambda: baselines.duckdb_eight(connection, data["population"]),
    }

    def engine():
        return indicators.evaluate(pack, tables, START, END)

    engine()
    times: dict[str, list[float]] = {name: [] for name in before}
    for _ in range(args.repeat):
        for name, first in before.items():
            first()
            times[name].append(timed(engine))
    print(f"size {args.size}: the engine's median over {args.repeat} rounds, straight after")
    baseline = statistics.median(times["the reference"])
    for name, seconds in times.items():
        median = statistics.median(seconds)
        print(f"  {name:<16} {median * 1000:>9.1f} ms  {median / baseline:.2f}x its time after the reference")


if __name__ == "__main__":
    main()
