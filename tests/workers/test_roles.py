"""The worker roles: every queue has a role, and nothing slow shares a scoring process."""

import os
import subprocess
import sys

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


SHOW_GROUP = "import pathlib; print(pathlib.Path('/proc/self/autogroup').read_text())"


@pytest.mark.skipif(not AUTOGROUP.exists(), reason="this kernel does not group sessions")
def test_a_background_worker_in_its_own_session_lowers_its_sessions_group() -> None:
    # As `modq up` starts it: in a session of its own, where niceness alone ranks it only
    # against its own session, and the kernel shares the CPU between sessions.
    started = subprocess.run(
        [sys.executable, "-c", SHOW_GROUP],
        preexec_fn=BACKGROUND.lower_priority(),
        start_new_session=True,
        capture_output=True,
        text=True,
        check=True,
    )
    assert started.stdout.split()[-2:] == ["nice", str(BACKGROUND.nice)]


@pytest.mark.skipif(not AUTOGROUP.exists(), reason="this kernel does not group sessions")
def test_outside_a_session_of_its_own_the_parents_group_keeps_its_priority() -> None:
    before = AUTOGROUP.read_text()
    subprocess.run([sys.executable, "-c", "pass"], preexec_fn=BACKGROUND.lower_priority())
    assert AUTOGROUP.read_text() == before  # the test's own session: not lowered
