"""The Celery app's reliability options are set explicitly, the tasks carry them, and the
worker's environment holds its memory in check."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from moderation.webhooks.delivery import RETRY_DELAYS
from tests.conftest import make_settings
from tests.support.processes import REPO
from workers import tasks
from workers.batching import ScoringBatches
from workers.celery_app import (
    BACKLOG_QUEUE,
    DRIFT_TASK,
    EXPLAIN_QUEUE,
    MAINTENANCE_QUEUE,
    REQUEUE_TASK,
    SCORE_QUEUE,
    SCORE_TASK,
    STRICT_MODE_TASK,
    TOPIC_LINES_TASK,
    VISIBILITY_TIMEOUT_SECONDS,
    WARM_UP_TASK,
    WEBHOOK_QUEUE,
    WEBHOOK_SWEEP_TASK,
    WEBHOOK_TASK,
    built_once,
    create_celery,
)
from workers.roles import SCORING
from workers.tasks import RETRY_BACKOFF_MAX


def test_reliability_options_are_explicit(tmp_path: Path) -> None:
    app = create_celery(make_settings(tmp_path))
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.task_ignore_result is True
    assert conf.worker_prefetch_multiplier == 2 * 128  # a batch running, the next one filling
    assert conf.accept_content == ["json"] and conf.task_serializer == "json"
    assert conf.broker_transport_options["visibility_timeout"] == VISIBILITY_TIMEOUT_SECONDS


def test_workers_take_the_backlog_then_explanations_only_when_nothing_else_waits(
    tmp_path: Path,
) -> None:
    conf = create_celery(make_settings(tmp_path)).conf
    names = [q.name for q in conf.task_queues]
    assert names == [SCORE_QUEUE, WEBHOOK_QUEUE, MAINTENANCE_QUEUE, BACKLOG_QUEUE, EXPLAIN_QUEUE]
    assert conf.task_default_queue == SCORE_QUEUE
    assert conf.broker_transport_options["queue_order_strategy"] == "priority"


def test_the_scoring_task_batches_acks_late_and_retries_within_the_visibility_timeout(
    tmp_path: Path,
) -> None:
    app = create_celery(make_settings(tmp_path, batch_max_comments=16, batch_wait_ms=250))
    app.loader.import_default_modules()
    task = app.tasks[SCORE_TASK]
    assert isinstance(task, ScoringBatches)
    assert (task.flush_every, task.flush_interval) == (16, 0.25)
    assert task.acks_late is True and task.reject_on_worker_lost is True
    assert RETRY_BACKOFF_MAX < VISIBILITY_TIMEOUT_SECONDS
    assert REQUEUE_TASK in app.tasks


def test_a_webhook_delivery_acks_late_and_retries_only_through_the_sweep(tmp_path: Path) -> None:
    app = create_celery(make_settings(tmp_path))
    app.loader.import_default_modules()
    task = app.tasks[WEBHOOK_TASK]
    assert task.acks_late is True and task.reject_on_worker_lost is True
    assert WEBHOOK_SWEEP_TASK in app.tasks
    # the longest retry delay would outlive the visibility timeout as a countdown
    assert max(RETRY_DELAYS).total_seconds() > VISIBILITY_TIMEOUT_SECONDS


def test_beat_runs_the_sweeps_the_drift_check_the_strict_mode_and_learns_topic_lines(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, requeue_interval_seconds=7)
    schedule = create_celery(settings).conf.beat_schedule
    assert [(e["task"], e["schedule"]) for e in schedule.values()] == [
        (REQUEUE_TASK, 7.0),
        (DRIFT_TASK, 3600.0),
        (STRICT_MODE_TASK, 60.0),
        (WEBHOOK_SWEEP_TASK, 10.0),
        (TOPIC_LINES_TASK, 3600.0),
    ]
    # on the webhooks queue, so a worker given only that queue runs it
    assert schedule["send-due-webhooks"]["options"] == {"queue": WEBHOOK_QUEUE}
    # none on a scoring queue, where a sweep over many rows would hold the next batch
    queues = {e["options"]["queue"] for e in schedule.values()}
    assert queues == {WEBHOOK_QUEUE, MAINTENANCE_QUEUE}
    assert not queues & set(SCORING.queues)
    assert create_celery(settings).conf.beat_schedule_filename.startswith(str(tmp_path))


def test_a_scoring_worker_warms_itself_up_through_its_own_queue(tmp_path: Path) -> None:
    app, sent = _recording_app(tmp_path, [SCORE_QUEUE, BACKLOG_QUEUE])
    assert app.conf.worker_direct is True
    tasks._warm_up_when_ready(SimpleNamespace(app=app, hostname="w1@host"))
    assert sent == [(WARM_UP_TASK, "w1@host.dq2")]


def test_the_background_worker_does_not_load_the_scorers_at_start(tmp_path: Path) -> None:
    app, sent = _recording_app(tmp_path, [WEBHOOK_QUEUE, EXPLAIN_QUEUE])
    tasks._warm_up_when_ready(SimpleNamespace(app=app, hostname="background@host"))
    assert sent == []


def _recording_app(tmp_path: Path, queues: list[str]) -> tuple[Any, list[tuple[str, str]]]:
    """An app whose worker consumes `queues`, recording the tasks it sends and their queue."""
    app = create_celery(make_settings(tmp_path))
    app.amqp.queues.select(queues)
    sent: list[tuple[str, str]] = []
    app.send_task = lambda name, **options: sent.append((name, options["queue"].name))
    return app, sent


# What the worker's environment holds once `celery -A workers.app` has imported it.
WORKER_ENVIRONMENT = """
import os
import workers.app
print(os.environ["MKL_DISABLE_FAST_MM"], os.environ["ONEDNN_PRIMITIVE_CACHE_CAPACITY"])
"""


def test_workers_keep_no_matrix_buffers_of_their_own_unless_told(tmp_path: Path) -> None:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("MKL_", "ONEDNN_", "MODQ_"))}
    base["MODQ_VAR_DIR"] = str(tmp_path)  # workers.app makes it

    def environment(extra: dict[str, str]) -> str:
        argv = [sys.executable, "-c", WORKER_ENVIRONMENT]
        run = subprocess.run(
            argv, env=base | extra, cwd=REPO, capture_output=True, text=True, check=True
        )
        return run.stdout.strip()

    assert environment({}) == "1 8"  # MKL's buffer pool off, oneDNN's cache small
    assert environment({"MKL_DISABLE_FAST_MM": "0"}) == "0 8"  # an operator's choice stands


def test_what_a_worker_builds_lazily_is_built_once_when_threads_ask_together() -> None:
    # A scoring worker runs two batches in threads: two sets of scorers would load every model
    # twice.
    builds: list[int] = []

    class Context:
        @built_once
        def scorers(self) -> object:
            builds.append(1)
            time.sleep(0.05)  # long enough for the others to ask meanwhile
            return object()

    context = Context()
    found: list[object] = []
    askers = [threading.Thread(target=lambda: found.append(context.scorers)) for _ in range(4)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join()
    assert len(builds) == 1 and len({id(f) for f in found}) == 1


def test_memory_is_handed_back_only_when_the_last_running_task_ends() -> None:
    # Trimming the heap locks it under the other batch's passes.
    running = tasks.RunningTasks()
    running.started()
    running.started()
    assert running.ended() is False
    assert running.ended() is True
