"""The process's memory allocator, set for a terminal that runs for months.

glibc serves big allocations (a decoded image, a text surface, a window-sized texture) with
their own mmap and gives them back on free — until the first such block is freed: then it
raises its mmap threshold to that block's size, and later blocks of up to that size come
from the heap, where freed space stays with the process. Which blocks that catches depends
on timing, so the resident memory of the same walk through every screen came out 278 or
301 MB from run to run (docs/benchmarks.md, "Where the memory goes"). With the threshold
fixed, a block over 128 KiB that no free space of the heap can hold gets its own mapping,
returned to the system when freed, and the figure is steady.

Smaller blocks freed inside the heap (a screen's texts re-rendered, the software renderer's
per-frame buffers) stay with the process until `malloc_trim` hands their pages back: the app
calls `release_free_memory()` whenever home or the attract loop is shown — about 4 MB at
1080x1920, in well under a millisecond (docs/benchmarks.md).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number (malloc.h)
MMAP_THRESHOLD = 128 * 1024  # glibc's default start value, now fixed


_LIBC: list = []  # the loaded C library (or None), looked up once
trims = 0  # how often free memory was handed back (tests read it)


def _libc():
    if _LIBC:
        return _LIBC[0]
    _LIBC.append(_load_libc())
    return _LIBC[0]


def _load_libc():
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") else None  # glibc (musl has no mallopt)


def tune_malloc() -> bool:
    """Fix glibc's mmap threshold (no-op elsewhere). True when it took effect."""
    libc = _libc()
    if libc is None:
        log.debug("not glibc: malloc left as it is")
        return False
    return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))


def release_free_memory() -> bool:
    """Hand the heap's free pages back to the system (glibc's malloc_trim; no-op elsewhere).

    Costs ~0.5 ms with a 60 MB heap. True when glibc was asked."""
    global trims
    libc = _libc()
    if libc is None or not hasattr(libc, "malloc_trim"):
        return False
    libc.malloc_trim(0)
    trims += 1
    return True
