"""The worker roles: every queue has a role, and nothing slow shares a scoring process."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from workers.celery_app import EXPLAIN_QUEUE, MAINTENANCE_QUEUE, QUEUES, WEBHOOK_QUEUE
from workers.roles import (
    AUTOGROUP,
    BACKGROUND,
    SCORING,
    WorkerRole,
    lower_session_group,
    start_in_session,
)


def test_the_roles_cover_every_queue_once_and_scoring_takes_nothing_slow() -> None:
    assert sorted(SCORING.queues + BACKGROUND.queues) == sorted(QUEUES)
    assert EXPLAIN_QUEUE not in SCORING.queues
    assert WEBHOOK_QUEUE not in SCORING.queues
    assert MAINTENANCE_QUEUE not in SCORING.queues


def test_a_worker_command_names_its_queues_and_a_node_of_its_own() -> None:
    argv = BACKGROUND.argv()
    queues = f"{WEBHOOK_QUEUE},{MAINTENANCE_QUEUE},{EXPLAIN_QUEUE}"
    assert argv[argv.index("-Q") + 1] == queues
    assert argv[argv.index("--hostname") + 1] == "background@%h"
    assert SCORING.argv("w1@%h")[-1] == "w1@%h"
    assert "--quiet" in SCORING.argv(quiet=True)


def test_workers_run_one_torch_thread_unless_the_operator_chose() -> None:
    for role in (SCORING, BACKGROUND):
        assert role.env({})["MODQ_TORCH_THREADS"] == "1"
        assert role.env({"MODQ_TORCH_THREADS": "0"})["MODQ_TORCH_THREADS"] == "1"
        assert role.env({"MODQ_TORCH_THREADS": "4"})["MODQ_TORCH_THREADS"] == "4"


# Waits for a line on stdin, then prints its niceness and its session's scheduling group.
SHOW_PRIORITY = """
import os, pathlib
input()
group = pathlib.Path("/proc/self/autogroup")
print(os.nice(0), group.read_text().split()[-1] if group.exists() else "-")
"""
GROUPED = Path(AUTOGROUP.format(pid="self")).exists()


def priority_of(role: WorkerRole | None) -> tuple[int, str]:
    """The niceness and session group niceness of a process started at `role`'s priority."""
    argv = [sys.executable, "-c", SHOW_PRIORITY]
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "text": True}
    child = start_in_session(argv, role, **pipes)
    out, _ = child.communicate("go\n", timeout=30)
    nice, group = out.split()
    return int(nice), group


def test_the_background_worker_starts_at_a_lower_priority() -> None:
    nice, group = priority_of(BACKGROUND)
    assert nice == min(19, os.nice(0) + BACKGROUND.nice)
    # As `modq up` starts it, in a session of its own: where the kernel groups sessions,
    # niceness alone ranks it only against its own session, and sessions share the CPU.
    assert group == (str(BACKGROUND.nice) if GROUPED else "-")
    assert priority_of(SCORING) == (os.nice(0), "0" if GROUPED else "-")


@pytest.mark.skipif(not GROUPED, reason="this kernel does not group sessions")
def test_outside_a_session_of_its_own_the_parents_group_keeps_its_priority() -> None:
    own = Path(AUTOGROUP.format(pid="self"))
    before = own.read_text()
    child = subprocess.Popen([sys.executable, "-c", "input()"], stdin=subprocess.PIPE, text=True)
    try:
        assert not lower_session_group(child.pid, BACKGROUND.nice)  # it shares our session
    finally:
        child.communicate("go\n", timeout=30)
    assert own.read_text() == before
