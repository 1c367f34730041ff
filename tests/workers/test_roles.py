"""The worker roles: every queue has a role, and nothing slow shares a scoring process."""

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from workers.celery_app import EXPLAIN_QUEUE, QUEUES, WEBHOOK_QUEUE
from workers.roles import AUTOGROUP, BACKGROUND, SCORING


def test_the_roles_cover_every_queue_once_and_scoring_takes_nothing_slow() -> None:
    assert sorted(SCORING.queues + BACKGROUND.queues) == sorted(QUEUES)
    assert EXPLAIN_QUEUE not in SCORING.queues
    assert WEBHOOK_QUEUE not in SCORING.queues


def test_a_worker_command_names_its_queues_and_a_node_of_its_own() -> None:
    argv = BACKGROUND.argv()
    assert argv[argv.index("-Q") + 1] == f"{WEBHOOK_QUEUE},{EXPLAIN_QUEUE}"
    assert argv[argv.index("--hostname") + 1] == "background@%h"
    assert SCORING.argv("w1@%h")[-1] == "w1@%h"
    assert "--quiet" in SCORING.argv(quiet=True)


def test_workers_run_one_torch_thread_unless_the_operator_chose() -> None:
    for role in (SCORING, BACKGROUND):
        assert role.env({})["MODQ_TORCH_THREADS"] == "1"
        assert role.env({"MODQ_TORCH_THREADS": "0"})["MODQ_TORCH_THREADS"] == "1"
        assert role.env({"MODQ_TORCH_THREADS": "4"})["MODQ_TORCH_THREADS"] == "4"


def test_the_background_worker_starts_at_a_lower_priority() -> None:
    show = [sys.executable, "-c", "import os; print(os.nice(0))"]
    lowered = subprocess.run(
        show, preexec_fn=BACKGROUND.lower_priority(), capture_output=True, text=True, check=True
    )
    assert int(lowered.stdout) == min(19, os.nice(0) + BACKGROUND.nice)
    assert SCORING.lower_priority() is None


# Waits for a line on stdin, then prints its session's scheduling group.
SHOW_GROUP = "import pathlib; input(); print(pathlib.Path('/proc/self/autogroup').read_text())"
GROUPED = Path(AUTOGROUP.format(pid="self")).exists()


def group_after(started: Callable[[int], object], new_session: bool) -> str:
    """What a child's /proc/self/autogroup says after `started(pid)` ran in the parent."""
    child = subprocess.Popen(
        [sys.executable, "-c", SHOW_GROUP],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=new_session,
    )
    started(child.pid)
    out, _ = child.communicate("go\n", timeout=30)
    return out


@pytest.mark.skipif(not GROUPED, reason="this kernel does not group sessions")
def test_a_background_worker_in_its_own_session_gets_its_sessions_group_lowered() -> None:
    # As `modq up` starts it: in a session of its own, where niceness alone ranks it only
    # against its own session, and the kernel shares the CPU between sessions.
    shown = group_after(BACKGROUND.lower_session, new_session=True)
    assert shown.split()[-2:] == ["nice", str(BACKGROUND.nice)]
    assert not SCORING.lower_session(os.getpid())  # scoring keeps its priority


@pytest.mark.skipif(not GROUPED, reason="this kernel does not group sessions")
def test_outside_a_session_of_its_own_the_parents_group_keeps_its_priority() -> None:
    own = Path(AUTOGROUP.format(pid="self"))
    before = own.read_text()
    results: list[bool] = []
    shown = group_after(lambda pid: results.append(BACKGROUND.lower_session(pid)), False)
    assert results == [False]
    assert own.read_text() == before == shown.rstrip("\n") + "\n"  # not lowered
