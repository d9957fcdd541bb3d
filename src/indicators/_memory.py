"""The memory budget of a run: how much working memory one step of an evaluation may
take, what its largest arrays cost, and sizes as messages write them."""

from __future__ import annotations

import os


def machine_memory_budget() -> int:
    """Half of this machine's physical memory (4 GiB where it cannot be read): the working
    memory one step of an evaluation may take unless the caller says otherwise."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (AttributeError, ValueError, OSError):
        return 4 * 2**30


DEFAULT_MEMORY_BUDGET = machine_memory_budget()
BYTES_PER_PAIR = 48  # a (row, period) pair while pairs are made, and a few values evaluated on it
GRID_COPIES = 5  # a key x period grid is built through about five arrays of its size
# a result record of a breakdown: about 2 KiB held in the results, and 4 more while the
# records are written out (to_records, JSON): measured on the demo data by child_id
BYTES_PER_RESULT = 6 * 1024


def size_text(n_bytes: float) -> str:
    """A size for messages: ``7.3 GiB``."""
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n_bytes < 1024 or unit == "GiB":
            if unit == "bytes":
                return f"{n_bytes:,.0f} byte{'' if n_bytes == 1 else 's'}"
            return f"{n_bytes:,.1f} {unit}"
        n_bytes /= 1024
    raise AssertionError
