"""Keeping an evaluation's freed arrays for the next one, where the C library's allocator is
glibc's.

An evaluation makes and frees arrays of a few MiB each: the sorts' keys and orders, the
duplicate-row notes' digests, masks of a table's rows. glibc's malloc gives any block
above its *mmap threshold* its own pages from the system, and hands freed memory at the
top of its heap back to the system once more than a *trim threshold* lies free there. Both
thresholds adapt: whenever a block that had its own pages is freed, and it is larger than
the mmap threshold (up to 32 MiB), the mmap threshold becomes its size and the trim
threshold twice that. A process that has freed only arrays of 2.6 MiB (the yardstick's
size 60, its input read from a .npz file) keeps the trim threshold at 5 MiB, while an
evaluation frees about 10 MiB at a time: glibc gives those pages back, and the next
evaluation takes them again, one page fault a 4 KiB page (about 2,400 an evaluation, a
sixth of its time with one processor; docs/performance.md).

So before a process's first evaluation the engine makes, and frees untouched, one block
of :data:`ADAPTED_BLOCK_BYTES`: glibc's thresholds then stand where any process that has
freed one 16 MiB array finds them (16 MiB and 32 MiB), which reading a large file does
anyway. No setting is made: where the host set a threshold (``mallopt`` or the
``MALLOC_MMAP_THRESHOLD_`` and ``MALLOC_TRIM_THRESHOLD_`` environment variables) glibc
no longer adapts, and the block changes nothing; where the thresholds are higher
already, it is taken from the heap and given back. Other C libraries are left alone.
The cost: the process may keep up to 32 MiB of freed memory for reuse rather than give
it back at once.
"""

from __future__ import annotations

import functools
import os

import numpy as np

# glibc adapts its thresholds to freed blocks of up to 32 MiB on 64-bit machines; half that
# makes the trim threshold 32 MiB, past the 10 MiB an evaluation frees at a time at the
# yardstick's size 60
ADAPTED_BLOCK_BYTES = 16 * 2**20


def runs_on_glibc() -> bool:
    """Whether this process's C library is the GNU C library."""
    try:
        return os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")
    except (AttributeError, ValueError, OSError):  # not a POSIX system, or not glibc
        return False


@functools.cache
def keep_freed_arrays() -> None:
    """Once per process, on glibc: let its malloc keep the memory an evaluation frees, as it
    does after any 16 MiB block was freed (module docstring)."""
    if runs_on_glibc():
        # its own pages, freed at once untouched: no page is faulted in
        np.empty(ADAPTED_BLOCK_BYTES, dtype=np.uint8)
