"""A worker process's C heap: what its tasks freed goes back to the system after each task.

glibc keeps freed memory in its heap for the next allocation, and raises the size above which
it maps blocks of their own as large blocks are freed, so the tensors of a forward pass come
from the heap and leave holes there. Without a trim, a BERT-base scoring process kept ~35 MB
more between batches (README "Memory of a scoring worker"). Trimming once per task costs a few
page faults in the next one; returning every large block as it is freed (a fixed
M_MMAP_THRESHOLD) cut more, but cost 15-18% more CPU in page faults.

glibc also gives each new thread a heap (an arena) of its own, up to eight per core, and each
keeps its own holes: see one_arena.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable

# mallopt's parameter for the most arenas (malloc.h).
M_ARENA_MAX = -8


@functools.cache
def _libc_function(name: str) -> Callable[..., int] | None:
    """A function of glibc, or None with a C library that has none."""
    try:
        found: Callable[..., int] = getattr(ctypes.CDLL(ctypes.util.find_library("c")), name)
    except (OSError, AttributeError):
        return None
    return found


def one_arena() -> bool:
    """Let every thread of this process allocate from one heap (glibc's main arena); False
    where that cannot be set. Call it before threads start: arenas made earlier stay.

    A scoring worker runs its lanes and two batches in threads. With an arena each, a process
    holding Detoxify (BERT-base) and MiniLM, scoring on two lanes, peaked at 1,183-1,254 MB
    in four runs; with one, at 1,105-1,133 MB, its scoring as fast. In the real worker the
    peak fell by 25-35 MB (README, "Memory of a scoring worker"). The threads spend their time
    in matrix products, not in malloc, so they rarely wait for each other's lock.
    """
    mallopt = _libc_function("mallopt")
    return mallopt is not None and bool(mallopt(M_ARENA_MAX, 1))


def release_free_memory() -> bool:
    """Give the heap's free pages back to the system; False if there were none or no way."""
    trim = _libc_function("malloc_trim")
    return trim is not None and bool(trim(0))
