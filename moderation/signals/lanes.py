"""Scorers side by side, in threads of one worker process.

Torch releases the GIL while a model runs, so Detoxify and the relevance model in two threads
use two cores. That pays only where each model runs on one thread: with torch's default of a
thread per core, two models at once would ask for twice the cores there are, which was
measured 4-5 times slower on shared cores. `modq up` and Compose run scoring workers with one
torch thread, so there the second core, idle while Detoxify ran, now embeds the batch for the
on-topic check at the same time.
"""

from __future__ import annotations

import contextvars
import math
import os
import sys
import threading
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed, wait
from pathlib import Path
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

LANE_PREFIX = "scorer-lane"
CPU_QUOTA = Path("/sys/fs/cgroup/cpu.max")  # cgroup v2: "<quota> <period>" or "max <period>"
_pools: dict[int, ThreadPoolExecutor] = {}


def default_lanes(torch_threads: int, cpus: int | None = None) -> int:
    """Two lanes where torch runs on one thread and the process may use two CPUs, else one."""
    if torch_threads != 1:
        return 1
    return 2 if (cpus if cpus is not None else usable_cpus()) >= 2 else 1


def usable_cpus(quota: Path = CPU_QUOTA) -> int:
    """The CPUs this process may run on, and at most its cgroup's quota (Compose `cpus:`, a
    Kubernetes limit) rounded up."""
    affinity = getattr(os, "sched_getaffinity", None)  # Linux only
    cpus = len(affinity(0)) if affinity else os.cpu_count() or 1
    try:
        limit, period = quota.read_text().split()
    except (OSError, ValueError):
        return cpus
    return cpus if limit == "max" else max(1, min(cpus, math.ceil(int(limit) / int(period))))


def set_torch_threads(threads: int) -> None:
    """Torch's thread count for this thread and every thread that first uses torch later
    (0: leave torch's own choice). Call it before the lanes run (see _in_lane)."""
    if threads:
        import torch

        torch.set_num_threads(threads)


def as_done(
    work: Callable[[Item], Result], items: Sequence[Item], lanes: int
) -> Generator[tuple[int, Result], None, None]:
    """`work` on each item, `lanes` at a time, started in the items' order (so the longest
    work should come first), yielding (the item's index, its result) as each call ends: the
    caller can use one result while the lanes work on the rest. Each call runs in a copy of
    the caller's context, so log lines keep the batch's ids. Closed early, it cancels the
    calls not yet started and waits for those running: the lanes are free for the next batch
    when it returns.

    The lanes are the process's: batches scored at the same time (a worker's threads pool)
    share them, so their scorers never run more at once than there are lanes, and a lane
    that one batch leaves idle takes the next batch's work. `lanes` 0 runs every call in the
    caller's thread (the web's second thought, `modq eval`: callers that share no lanes)."""
    if lanes <= 0 or threading.current_thread().name.startswith(LANE_PREFIX):
        # (called from a lane: a lane must not wait for itself)
        yield from ((index, work(item)) for index, item in enumerate(items))
        return
    pool, threads = _pool(lanes), _torch_threads()
    futures = {
        pool.submit(contextvars.copy_context().run, _in_lane, work, item, threads): index
        for index, item in enumerate(items)
    }
    try:
        for future in as_completed(futures):
            yield futures[future], future.result()
    finally:
        for future in futures:
            future.cancel()
        wait(futures)


def _torch_threads() -> int:
    """The caller's torch thread count (0 when torch is not loaded)."""
    torch = sys.modules.get("torch")
    return int(torch.get_num_threads()) if torch is not None else 0


def _in_lane(work: Callable[[Item], Result], item: Item, threads: int) -> Result:
    # A thread keeps the torch thread count it had at its first torch call: a lane that ran
    # before the model's loader set one thread would go on with one per core.
    torch = sys.modules.get("torch")
    if threads and torch is not None and torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return work(item)


def _pool(lanes: int) -> ThreadPoolExecutor:
    # Kept between batches: a thread's first torch call sets up per-thread state. Created
    # under a lock: two batches starting together must not get a pool each.
    with _creating:
        if lanes not in _pools:
            _pools[lanes] = ThreadPoolExecutor(lanes, thread_name_prefix=LANE_PREFIX)
        return _pools[lanes]


_creating = threading.Lock()
# A forked child (Celery's pool processes) inherits the dict but not the threads.
os.register_at_fork(after_in_child=_pools.clear)
