"""A worker process hands the memory its tasks freed back to the system after each task."""

import ctypes
import ctypes.util
import platform

import pytest
from celery.signals import task_postrun

from moderation.allocator import release_free_memory
from workers import tasks


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_freed_heap_blocks_are_given_back() -> None:
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = [libc.malloc(64 * 1024) for _ in range(256)]  # 16 MB below the mmap threshold
    for block in blocks[:-1]:
        libc.free(block)
    try:  # the last block keeps the heap from shrinking at its top: only a trim returns the rest
        assert release_free_memory() is True
    finally:
        libc.free(blocks[-1])


def test_every_finished_task_gives_its_memory_back(monkeypatch: pytest.MonkeyPatch) -> None:
    released: list[bool] = []
    monkeypatch.setattr(tasks, "release_free_memory", lambda: released.append(True) or True)
    task_postrun.send(
        sender=None, task_id="t1", task=None, args=(), kwargs={}, retval=None, state="SUCCESS"
    )
    assert released == [True]
