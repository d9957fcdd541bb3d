"""An evaluation's freed arrays stay with the process for the next one: glibc's malloc does
not hand them back to the system to be faulted in again (src/indicators/_allocator.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from indicators._allocator import runs_on_glibc

# Frees five arrays of 2 MiB at once after glibc has seen only 2 MiB blocks freed (as the
# yardstick's process has), then makes them again and prints the page faults that takes:
# with glibc's thresholds where a 2 MiB block leaves them, the 10 MiB went back to the system
# and every page faults again; with the evaluation's, they are reused.
_SCRIPT = textwrap.dedent("""
    import resource, sys
    import numpy as np
    import indicators

    if sys.argv[1] == "evaluated":
        pack = indicators.loads_pack('''
            [pack]
            name = "tiny"
            [indicators.a]
            title = "Contacts"
            kind = "count"
            table = "contacts"
            date = "received_on"
            window = "month"
        ''')
        tables = {"contacts": {"child_id": np.arange(3),
                               "received_on": np.array(["2024-01-05"] * 3, dtype="datetime64[D]")}}
        indicators.evaluate(pack, tables, start="2024-01", end="2024-01")
    block = 2 * 2**20
    np.ones(block, dtype=np.uint8)  # glibc's thresholds as a freed 2 MiB block sets them
    arrays = [np.ones(block, dtype=np.uint8) for _ in range(5)]
    del arrays
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    arrays = [np.ones(block, dtype=np.uint8) for _ in range(5)]
    print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
""")


def _faults_making_arrays_again(how: str) -> int:
    # glibc's own thresholds: a MALLOC_* or tunables setting would fix them
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith("MALLOC_") and name != "GLIBC_TUNABLES"}
    completed = subprocess.run([sys.executable, "-c", _SCRIPT, how], capture_output=True, text=True,
                               check=True, env=environment)
    return int(completed.stdout.split()[-1])


@pytest.mark.skipif(not runs_on_glibc(), reason="glibc's malloc thresholds")
def test_after_an_evaluation_the_memory_it_frees_is_reused_not_faulted_in_again():
    pages = 5 * 2 * 2**20 // 4096
    # the process as it starts: the freed 10 MiB went back, and is faulted in page by page
    if _faults_making_arrays_again("fresh") < pages // 2:
        pytest.skip("this Python's start-up already frees blocks large enough to keep 10 MiB")
    # after an evaluation: made again from what the process kept
    assert _faults_making_arrays_again("evaluated") < pages // 10
