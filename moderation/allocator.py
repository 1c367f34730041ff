"""A worker process's C heap: what its tasks freed goes back to the system after each task.

glibc keeps freed memory in its heap for the next allocation, and raises the size above which
it maps blocks of their own as large blocks are freed, so the tensors of a forward pass come
from the heap and leave holes there. Without a trim, a BERT-base scoring process kept ~35 MB
more between batches (README "Memory of a scoring worker"). Trimming once per task costs a few
page faults in the next one; returning every large block as it is freed (a fixed
M_MMAP_THRESHOLD) cut more, but cost 15-18% more CPU in page faults.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None with a C library that has none."""
    try:
        trim: Callable[[int], int] = ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


def release_free_memory() -> bool:
    """Give the heap's free pages back to the system; False if there were none or no way."""
    trim = _malloc_trim()
    return trim is not None and bool(trim(0))
