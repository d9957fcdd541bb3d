"""The engine with numpy's AVX-512 sorts and with its AVX2 sorts, in turns.

    python benchmarks/sorting.py                   # size 60, 9 rounds
    python benchmarks/sorting.py --size 600 --repeat 5

numpy sorts (``np.sort``, ``argsort``, ``unique``) with x86-simd-sort, through its AVX-512
kernels wherever the processor has AVX-512. On AMD Zen 4 processors (EPYC 9004, Ryzen
7000; AMD family 25 with ``avx512f`` in ``/proc/cpuinfo``) those kernels are several times
slower than the AVX2 ones, because a compress-store instruction they rely on is
microcoded there. numpy picks its kernels when it is imported, so the choice is per
process: the environment variable ``NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL
AVX512_SPR"`` makes it use AVX2.

This starts two processes, one with numpy's default kernels and one with that variable,
each holding the eight indicators of ``../shared/bench`` (as ``run.py`` does), and has them
run a round each in turns: the engine, then the reference, in each process. Each
process's ratio to the reference is measured within that process; the two processes'
seconds are comparable because their rounds alternate. Timings are printed, never
asserted.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
AVX2_ONLY = "X86_V4 AVX512_ICL AVX512_SPR"


def serve(size: int, reference: Path) -> None:
    """In a child process: load the yardstick, then time one round per line read."""
    sys.path.insert(0, str(HERE))
    from run import END, START, load_yardstick

    import indicators

    common, _, ref_numpy, _ = load_yardstick(reference)
    data = common.load_numpy(size)
    tables = {t: {c: data[t][c] for c in columns} for t, columns in common.TABLES.items()}
    text = (HERE / "eight.toml").read_text().replace("children = 56374", f"children = {data['population']}")
    pack = indicators.loads_pack(text, file="eight.toml")
    engine = lambda: indicators.evaluate(pack, tables, START, END)  # noqa: E731
    reference_run = lambda: ref_numpy.compute(data)  # noqa: E731
    engine(), reference_run()
    print("ready", flush=True)
    for _ in sys.stdin:
        seconds = []
        for function in (engine, reference_run):
            started = time.perf_counter()
            function()
            seconds.append(time.perf_counter() - started)
        print(*seconds, flush=True)


def main() -> None:
    sys.path.insert(0, str(HERE))
    from run import machine, yardstick_arguments

    args = yardstick_arguments(__doc__, size=60, repeat=9)
    settings = {"numpy's default": None, "AVX2 sorts": AVX2_ONLY}
    children = {}
    for name, disabled in settings.items():
        env = {k: v for k, v in os.environ.items() if k != "NPY_DISABLE_CPU_FEATURES"}
        if disabled:
            env["NPY_DISABLE_CPU_FEATURES"] = disabled
        children[name] = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(args.size), str(args.reference)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    for child in children.values():
        if child.stdout.readline().strip() != "ready":
            sys.exit("a timing process did not start (is the yardstick's data generated? run run.py first)")
    times: dict = {name: [] for name in children}
    for _ in range(args.repeat):
        for name, child in children.items():
            child.stdin.write("round\n")
            child.stdin.flush()
            times[name].append(tuple(float(x) for x in child.stdout.readline().split()))
    for child in children.values():
        child.stdin.close()
        child.wait()
    print(f"size {args.size}, {args.repeat} rounds in turns; {machine()}; {cpu_model()}")
    for name, rounds in times.items():
        engine = statistics.median(e for e, _ in rounds)
        reference = statistics.median(r for _, r in rounds)
        ratio = statistics.median(e / r for e, r in rounds)
        print(f"  {name:<16} engine {engine * 1000:>8.1f} ms, reference {reference * 1000:>7.1f} ms, "
              f"engine / reference {ratio:.2f}x (median of rounds)")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "processor unknown"


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]), Path(sys.argv[3]))
    else:
        main()
