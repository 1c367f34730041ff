"""The Celery app, built from the same settings as the web app."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

from celery import Celery
from sqlalchemy.orm import Session, sessionmaker

from moderation.config import Settings
from moderation.db import make_engine, make_session_factory
from moderation.policy.document import Policy
from moderation.redis_client import fail_fast
from moderation.signals.base import Scorer
from moderation.wiring import default_scorers, policy_source

SCORE_TASK = "modq.score_comment"
REQUEUE_TASK = "modq.requeue_stale"
WARM_UP_TASK = "modq.warm_up"
DRIFT_TASK = "modq.check_drift"
TOPIC_LINES_TASK = "modq.learn_topic_lines"
# Messages a worker took but never acknowledged come back after this long; it must exceed
# any retry countdown, or a task waiting to retry would be delivered twice.
VISIBILITY_TIMEOUT_SECONDS = 3600


class WorkerContext:
    """What tasks need, created lazily so each forked worker process gets its own."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def session_factory(self) -> sessionmaker[Session]:
        """Sessions on this process's own engine."""
        return make_session_factory(make_engine(self.settings.database_url))

    @cached_property
    def scorers(self) -> list[Scorer]:
        """The scorers, built once per process; models load on first use."""
        return default_scorers(self.settings, self.session_factory, self.redis, self.policy)

    @cached_property
    def redis(self) -> Any:
        """A Redis client for the scorers that keep state there: short timeouts, no retries,
        so a slow Redis makes a signal time out rather than a batch hang."""
        return fail_fast(self.settings.redis_url, timeout=0.5)

    @cached_property
    def policy(self) -> Callable[[], Policy]:
        """The active policy, re-read as it changes."""
        return policy_source(self.settings, self.session_factory)


class ModqCelery(Celery):
    """A Celery app that carries the worker context."""

    context: WorkerContext


def create_celery(settings: Settings) -> ModqCelery:
    """The Celery app with the reliability options set explicitly."""
    app = ModqCelery(
        "modq", broker=settings.redis_url, include=["workers.tasks"], set_as_current=False
    )
    app.conf.update(celery_options(settings))
    app.context = WorkerContext(settings)
    return app


def celery_options(settings: Settings) -> dict[str, Any]:
    """Celery settings: late acks, requeue on worker loss, JSON only, no results kept."""
    return {
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_ignore_result": True,
        "task_serializer": "json",
        "accept_content": ["json"],
        # A batch fills from messages the worker has prefetched: room for one batch being
        # scored and the next one gathering.
        "worker_prefetch_multiplier": 2 * settings.batch_max_comments,
        "worker_hijack_root_logger": False,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {
            "visibility_timeout": VISIBILITY_TIMEOUT_SECONDS,
            "socket_connect_timeout": 2,
            "socket_timeout": 10,
        },
        # Intake answers fast even when Redis is down: the sweep requeues what failed.
        "task_publish_retry_policy": {
            "max_retries": 2,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.5,
        },
        "beat_schedule": {
            "requeue-stale-pending": {
                "task": REQUEUE_TASK,
                "schedule": float(settings.requeue_interval_seconds),
            },
            "check-score-drift": {"task": DRIFT_TASK, "schedule": 3600.0},
            "learn-topic-lines": {"task": TOPIC_LINES_TASK, "schedule": 3600.0},
        },
        "beat_schedule_filename": str(settings.var_dir / "celerybeat-schedule"),
    }
