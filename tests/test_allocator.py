"""A worker process hands the memory its tasks and its model loads freed back to the system,
and its threads share one C heap."""

import ctypes
import ctypes.util
import gc
import platform
import subprocess
import sys
import weakref
from contextlib import nullcontext
from pathlib import Path
from types import SimpleNamespace

import pytest
from celery.signals import task_postrun

from moderation.allocator import release_free_memory
from moderation.config import Settings
from moderation.signals import loading
from moderation.signals.loading import LazyModel
from tests.support.processes import REPO
from workers import tasks
from workers.celery_app import WARM_UP_TASK, create_celery


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


# Threads that allocate at the same time, then glibc's count of its arenas (malloc_stats
# writes a line "Arena N:" for each to stderr).
THREADS_ALLOCATING = """
import ctypes, ctypes.util, sys, threading
if sys.argv[1] == "worker":
    import workers.app
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype = ctypes.c_void_p
start = threading.Barrier(4)
def allocate():
    start.wait()
    blocks = [libc.malloc(4096) for _ in range(64)]
    start.wait()  # all four hold their blocks at once
threads = [threading.Thread(target=allocate) for _ in range(4)]
[t.start() for t in threads]
[t.join() for t in threads]
libc.malloc_stats()
"""


def arenas_used(process: str, tmp_path: Path) -> int:
    """How many arenas four allocating threads used, in a plain process or a worker's."""
    run = subprocess.run(
        [sys.executable, "-c", THREADS_ALLOCATING, process],
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "MODQ_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return run.stderr.count("Arena ")


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="arenas are glibc's")
def test_a_workers_threads_share_one_heap(tmp_path: Path) -> None:
    assert arenas_used("plain", tmp_path) > 1  # what glibc does by default
    assert arenas_used("worker", tmp_path) == 1


def test_every_finished_task_gives_its_memory_back(monkeypatch: pytest.MonkeyPatch) -> None:
    released: list[bool] = []
    monkeypatch.setattr(tasks, "release_free_memory", lambda: released.append(True) or True)
    task_postrun.send(
        sender=None, task_id="t1", task=None, args=(), kwargs={}, retval=None, state="SUCCESS"
    )
    assert released == [True]


def test_what_a_model_load_leaves_behind_is_freed_and_handed_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    released: list[bool] = []
    monkeypatch.setattr(loading, "release_free_memory", lambda: released.append(True) or True)
    gc.disable()  # only the loader's own collection may free the cycle
    try:
        left_behind = LeftBehind()
        garbage = weakref.ref(left_behind)
        del left_behind  # a cycle: alive until a collection, like swapped-out fp32 layers

        model = LazyModel(lambda: "model", what="test model")
        assert model.get() == "model"
    finally:
        gc.enable()
    assert garbage() is None and released == [True]


def test_the_warm_up_hands_memory_back_after_each_model(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    events: list[str] = []

    class Scorer:
        def __init__(self, name: str) -> None:
            self.name = name

        def warm_up(self) -> None:
            events.append(f"warm {self.name}")

    app = create_celery(settings)
    scorers = [Scorer("detoxify"), Scorer("relevance")]
    monkeypatch.setattr(
        app, "context", SimpleNamespace(scorers=scorers, session_factory=nullcontext)
    )
    monkeypatch.setattr(tasks, "release_free_memory", lambda: events.append("trim") or True)
    monkeypatch.setattr(tasks, "record_health", lambda *_: None)
    app.tasks[WARM_UP_TASK]()
    assert events == ["warm detoxify", "trim", "warm relevance", "trim"]


class LeftBehind:
    """A large block kept alive only by a reference cycle."""

    def __init__(self) -> None:
        self.block = bytearray(8 * 1024 * 1024)
        self.me = self
