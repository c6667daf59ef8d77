"""Memory reserved for the posting lists searches decode: kept by the allocator once freed, and
touched once when a served process starts, so that a search reading lists new to the process
does not wait for the kernel to map pages for them.

The first write to each 4 KiB page of memory new to a process is a page fault; on the hosts
measured one cost about 1.8 µs, and decoding and scoring a common word's list at a million
papers (some 100,000 postings, 1.8 MB of arrays) spent half of its time in them. glibc's
allocator hands blocks from 128 KiB up (more, as it adapts) straight from the system and
gives them back when they are freed, gives back the free top of its heap, and gives each
thread that allocates (the event loop, the searches' worker threads) an arena of its own: so
a list decoded in a thread went into new pages even when the loop had just freed as many.

``keep_freed_memory`` tells it, at the start of a served process and before its threads, to
use one arena for every thread, to take blocks of up to 32 MiB from it (glibc's upper limit;
a list's arrays are smaller up to several million postings) and to keep what is freed;
``touch`` then writes, once, as much memory as the search cache will hold, up to
``RESERVE_BYTES_PER_PAPER`` a paper of the index, ``MAX_RESERVE`` and a quarter of the memory
the machine has available, and frees it for the searches to take. The process's resident
size is then that much from the start, as it would be once its cache has filled. Elsewhere
than glibc (musl, macOS) both do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys

# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8

LARGEST_HEAP_BLOCK = 32 * 1024 * 1024  # glibc's largest M_MMAP_THRESHOLD (64-bit)
# The free top of the heap is given back beyond this (mallopt takes an int): what
# ``touch`` touches stays below it.
_TRIM_THRESHOLD = 2**31 - 1
MAX_RESERVE = 1024 * 1024 * 1024
# About what a paper's postings take decoded (docids, frequencies and scores of its words
# and stems): a small archive reserves no more than its whole index would take.
RESERVE_BYTES_PER_PAPER = 4096
_TOUCH_BLOCK = 16 * 1024 * 1024


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc (it has ``mallopt`` and ``gnu_get_libc_version``)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.gnu_get_libc_version  # noqa: B018 (glibc's own: musl has mallopt as a stub)
    except (OSError, AttributeError):
        return None
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.mallopt.restype = ctypes.c_int
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    libc.free.restype = None
    return libc


def keep_freed_memory() -> bool:
    """Make the allocator keep freed memory for the next blocks (see above); whether it could.
    Call it before the process starts threads: a thread that has allocated keeps its arena."""
    libc = _glibc()
    if libc is None:
        return False
    settings = (
        (_M_ARENA_MAX, 1),
        (_M_MMAP_THRESHOLD, LARGEST_HEAP_BLOCK),
        (_M_TRIM_THRESHOLD, _TRIM_THRESHOLD),
    )
    return all([libc.mallopt(parameter, value) for parameter, value in settings])  # each one


def reserve_bytes(papers: int, cache_bytes: int, available: int | None = None) -> int:
    """What ``touch`` is given for an index of ``papers`` and a cache of ``cache_bytes``, on
    a machine (or in a container) with ``available`` bytes of memory free for processes
    (default: as the system says now): a quarter of them at most, so that a small machine
    is not pressed for memory by what its searches may never use."""
    if available is None:
        available = available_memory()
    wanted = min(cache_bytes, papers * RESERVE_BYTES_PER_PAPER, MAX_RESERVE)
    if available is not None:
        wanted = min(wanted, available // 4)
    return max(0, wanted)


def available_memory() -> int | None:
    """Bytes of memory the system can give processes without swapping (``MemAvailable``),
    and no more than the memory limit of this process's control group leaves; None when
    neither can be read."""
    found: list[int] = []
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        with (
            open("/sys/fs/cgroup/memory.max") as limit,
            open("/sys/fs/cgroup/memory.current") as current,
        ):
            most = limit.read().strip()
            if most != "max":
                found.append(int(most) - int(current.read().strip()))
    except (OSError, ValueError):
        pass
    return min(found) if found else None


def touch(nbytes: int) -> int:
    """Touch ``nbytes`` (rounded down to whole blocks of 16 MiB) of the allocator's memory and
    free it, kept for what is allocated next; the bytes touched (0 without glibc). Runs
    without the interpreter's lock: call it from a worker thread."""
    libc = _glibc()
    if libc is None or nbytes < _TOUCH_BLOCK:
        return 0
    blocks: list[int] = []
    try:
        for _ in range(nbytes // _TOUCH_BLOCK):
            block = libc.malloc(_TOUCH_BLOCK)
            if not block:
                break
            blocks.append(block)
            ctypes.memset(block, 0, _TOUCH_BLOCK)  # each page written: mapped now
    finally:
        for block in blocks:
            libc.free(block)
    return len(blocks) * _TOUCH_BLOCK
