"""The two kinds of worker process: scoring, and background work that must never hold one.

A Celery worker process runs one task at a time. A scoring worker that has started an
explanation (an occlusion: up to MODQ_EXPLAIN_BUDGET_MS of model passes), a webhook delivery
(an HTTP call of up to 10 s) or one of beat's checks (a month of scores read) finishes it
before it takes the next batch, and every comment submitted meanwhile waits. So scoring
workers consume only the scoring queues, and a background worker, at a lower CPU priority and
with one torch thread, takes the rest: where both share cores, the scheduler gives scoring the
CPU first and explanations what is left.
"""

from __future__ import annotations

import functools
import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workers.celery_app import (
    BACKLOG_QUEUE,
    EXPLAIN_QUEUE,
    MAINTENANCE_QUEUE,
    SCORE_QUEUE,
    WEBHOOK_QUEUE,
)

log = logging.getLogger(__name__)


def celery_argv(command: str, *options: str, quiet: bool = False) -> list[str]:
    """`celery -A workers.app [--quiet] COMMAND --loglevel INFO OPTIONS...` in this Python;
    `quiet` leaves out Celery's banner (where logs are JSON)."""
    quieted = ["--quiet"] if quiet else []
    celery = [sys.executable, "-m", "celery", "-A", "workers.app", *quieted]
    return [*celery, command, "--loglevel", "INFO", *options]


ONE_POOL_PROCESS = ("--concurrency", "1")
# A scoring worker scores two batches at once, in threads sharing one copy of the models and
# the process's lanes (moderation/signals/lanes.py): a batch held by a long comment on one lane
# no longer holds every comment that arrives after it, since the next batch takes the other
# lane. In one pool process those comments waited for the whole batch (int8 BERT-base at half
# capacity: p95 1.13-1.19 s in one process, 0.64-0.72 s in two threads; README, Measurements).
TWO_BATCHES_AT_ONCE = ("--pool", "threads", "--concurrency", "2")


@dataclass(frozen=True)
class WorkerRole:
    """Which queues a kind of worker consumes, and how it runs."""

    name: str
    queues: tuple[str, ...]
    nice: int  # added to the process's niceness: higher runs only when the CPU is free
    torch_threads: int  # where MODQ_TORCH_THREADS leaves the choice to torch
    pool: tuple[str, ...] = ONE_POOL_PROCESS  # Celery's pool options

    def argv(self, hostname: str = "", quiet: bool = False) -> list[str]:
        """The command that runs one worker of this role; `quiet` leaves out Celery's banner
        (where logs are JSON)."""
        queues = ("-Q", ",".join(self.queues), "--hostname", hostname or f"{self.name}@%h")
        return celery_argv("worker", *self.pool, *queues, quiet=quiet)

    def env(self, base: dict[str, str]) -> dict[str, str]:
        """`base`, with this role's torch threads where the operator left the choice to torch
        (MODQ_TORCH_THREADS unset or 0)."""
        if base.get("MODQ_TORCH_THREADS", "0").strip() != "0":
            return dict(base)
        return base | {"MODQ_TORCH_THREADS": str(self.torch_threads)}


# One torch thread each: where a worker shares its cores with web, PostgreSQL, Redis or another
# worker (always so under `modq up`), torch's threads wait for each other at every layer, and
# a thread per core made scoring 4-5x slower (README, Measurements).
SCORING = WorkerRole(
    "scoring", (SCORE_QUEUE, BACKLOG_QUEUE), nice=0, torch_threads=1, pool=TWO_BATCHES_AT_ONCE
)
# Webhooks first (a site waits for its event), then beat's sweeps and checks, and explanations
# last: a moderator rarely waits for highlights.
BACKGROUND = WorkerRole(
    "background", (WEBHOOK_QUEUE, MAINTENANCE_QUEUE, EXPLAIN_QUEUE), nice=10, torch_threads=1
)


def start_in_session(
    argv: list[str], role: WorkerRole | None = None, **options: Any
) -> subprocess.Popen[Any]:
    """Start `argv` in a session of its own (Ctrl-C at the terminal reaches only its starter),
    at `role`'s CPU priority: its niceness, set in the child before it runs, and its session's
    scheduling group's, set from here once it runs. `options` go to Popen."""
    nice = role.nice if role is not None else 0
    lower = functools.partial(os.nice, nice) if nice else None
    process = subprocess.Popen(argv, start_new_session=True, preexec_fn=lower, **options)
    if nice:
        lower_session_group(process.pid, nice)
    return process


# Where the kernel schedules each session as a group (autogroup: on by default in Debian's and
# Ubuntu's kernels), a process's niceness ranks it only within its session, and sessions share
# the CPU equally. A worker started in a session of its own at nice 10 then took as much CPU as
# the scoring worker: explanations cut a burst's scoring from 32 to 22 comments/s (README,
# "Submit to decision"). The group's own niceness is what counts between sessions. It is set
# from the parent, after the start: in the child, between fork and exec, Python code is unsafe
# in a parent that runs threads (os.nice there is a single call into C).
AUTOGROUP = "/proc/{pid}/autogroup"
# Without CAP_SYS_ADMIN the kernel lets a group's niceness change once per 100 ms, machine-wide.
AUTOGROUP_TRIES = 3
AUTOGROUP_PAUSE_SECONDS = 0.11


def lower_session_group(pid: int, nice: int) -> bool:
    """Set the scheduling group of process `pid`'s session to `nice` (an absolute value: a new
    session's group starts at 0), if the kernel groups sessions and `pid` leads its session
    (otherwise the group is its parent's too, which must keep its priority)."""
    path = Path(AUTOGROUP.format(pid=pid))
    if os.getsid(pid) != pid or not path.exists():
        return False
    for _ in range(AUTOGROUP_TRIES):
        try:
            path.write_text(str(nice))
            return True
        except BlockingIOError:  # changed less than 100 ms ago, by anyone
            time.sleep(AUTOGROUP_PAUSE_SECONDS)
        except OSError as exc:
            log.warning("could not lower the priority of process %d's session: %s", pid, exc)
            return False
    log.warning("could not lower the priority of process %d's session: busy", pid)
    return False
