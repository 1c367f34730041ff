"""The worker roles: every queue has a role, and nothing slow shares a scoring process."""

import os
import subprocess
import sys

from workers.celery_app import EXPLAIN_QUEUE, QUEUES, WEBHOOK_QUEUE
from workers.roles import BACKGROUND, SCORING


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
