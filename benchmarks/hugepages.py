"""The engine with numpy's transparent-huge-page advice on and off, in turns in one process.

    python benchmarks/hugepages.py                 # size 60, 9 rounds
    python benchmarks/hugepages.py --size 600 --repeat 5

numpy asks the kernel for huge pages on every large array (``madvise``), which on Linux
with ``/sys/kernel/mm/transparent_hugepage/defrag`` set to ``madvise`` may make each fresh
array wait for the kernel to compact memory. This times the eight indicators of
``../shared/bench`` (as ``run.py`` does) with that advice on and off
(``numpy._core.multiarray._set_madvise_hugepage``; outside Python, the environment
variable ``NUMPY_MADVISE_HUGEPAGE=0`` turns it off for a whole process), with the
reference in the same rounds. Timings are printed, never asserted.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import END, START, in_turns, load_yardstick, ratios, yardstick_arguments  # noqa: E402

import indicators  # noqa: E402


def advice(on: bool):
    def run():
        np._core.multiarray._set_madvise_hugepage(on)
        try:
            return indicators.evaluate(pack, tables, START, END)
        finally:
            np._core.multiarray._set_madvise_hugepage(default)
    return run


def main() -> None:
    global pack, tables, default
    args = yardstick_arguments(__doc__, size=60, repeat=9)
    common, _, ref_numpy, _ = load_yardstick(args.reference)
    data = common.load_numpy(args.size)
    tables = {t: {c: data[t][c] for c in columns} for t, columns in common.TABLES.items()}
    text = (HERE / "eight.toml").read_text().replace("children = 56374", f"children = {data['population']}")
    pack = indicators.loads_pack(text, file="eight.toml")
    default = np._core.multiarray._get_madvise_hugepage()
    try:
        with open("/sys/kernel/mm/transparent_hugepage/defrag") as fh:
            defrag = fh.read().strip()
    except OSError:
        defrag = "unknown"
    runs = {"advice on": advice(True), "advice off": advice(False), "reference": lambda: ref_numpy.compute(data)}
    for run in runs.values():
        run()
    times = in_turns(runs, args.repeat)
    ratio = ratios(times, "reference")
    print(f"size {args.size}, {args.repeat} rounds; numpy's default advice: {'on' if default else 'off'}; "
          f"kernel defrag: {defrag}")
    for name, seconds in times.items():
        r = ratio[name]
        print(f"  {name:<11} median {statistics.median(seconds) * 1000:>8.1f} ms, lowest "
              f"{min(seconds) * 1000:>8.1f} ms, {r[0]:>6.2f}x reference ({r[1]:.2f}-{r[2]:.2f})")


if __name__ == "__main__":
    main()
