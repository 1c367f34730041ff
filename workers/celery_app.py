"""The Celery app, built from the same settings as the web app."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from celery import Celery
from kombu import Exchange, Queue
from sqlalchemy.orm import Session, sessionmaker

from moderation.comments.intake import QueueEntry
from moderation.config import Settings
from moderation.db import make_engine, make_session_factory
from moderation.policy.document import Policy
from moderation.redis_client import fail_fast
from moderation.signals.base import Scorer
from moderation.wiring import ScorerSet, default_scorers, policy_source
from workers.publishing import TaskCall, send_through_celery

SCORE_TASK = "modq.score_comment"
REQUEUE_TASK = "modq.requeue_stale"
WARM_UP_TASK = "modq.warm_up"
DRIFT_TASK = "modq.check_drift"
EXPLAIN_TASK = "modq.explain_comments"
WEBHOOK_TASK = "modq.deliver_webhook"
WEBHOOK_SWEEP_TASK = "modq.sweep_webhooks"
TOPIC_LINES_TASK = "modq.learn_topic_lines"
# Five queues, consumed in this order: a worker takes from the backlog only when nothing else
# waits, and explains only when no comment waits at all. Comments of authors over their fair
# share go to the backlog, so one author's flood cannot delay everyone else; explanations come
# after every decision. Webhook deliveries (HTTP calls to sites, up to 10 s each) have a queue
# of their own, so a deployment can give them their own worker (`-Q modq.webhooks`) and keep
# slow receivers away from scoring; the webhook sweep goes with them. Beat's other tasks (the
# requeue sweep, strict mode, drift, topic lines: queries over many rows, which would hold a
# scoring process's next batch) go to the maintenance queue, read by the background worker.
SCORE_QUEUE = "celery"  # Celery's default name, so messages queued before this change count
WEBHOOK_QUEUE = "modq.webhooks"
MAINTENANCE_QUEUE = "modq.maintenance"
BACKLOG_QUEUE = "modq.backlog"
EXPLAIN_QUEUE = "modq.explain"
QUEUES = (SCORE_QUEUE, WEBHOOK_QUEUE, MAINTENANCE_QUEUE, BACKLOG_QUEUE, EXPLAIN_QUEUE)
STRICT_MODE_TASK = "modq.refresh_strict_mode"
STRICT_MODE_CHECK_SECONDS = 60.0  # how soon the stricter mode starts or ends by itself
# Messages a worker took but never acknowledged come back after this long; it must exceed
# any retry countdown, or a task waiting to retry would be delivered twice.
VISIBILITY_TIMEOUT_SECONDS = 3600
DRIFT_CHECK_SECONDS = 3600.0  # drift compares a day with a month: hourly is often enough
# How often beat sends due webhook deliveries (retries, held-back events, lost messages).
WEBHOOK_SWEEP_SECONDS = 10.0
TOPIC_LINES_SECONDS = 3600.0  # lines learned from 30 days of comments move slowly


T = TypeVar("T")


class built_once(Generic[T]):  # lower case: a decorator, like cached_property
    """A cached property built once per instance even when threads ask for it at the same
    time: a scoring worker runs two batches in threads, and two sets of scorers would load
    every model twice. (functools.cached_property has no lock since Python 3.12.)"""

    def __init__(self, build: Callable[[Any], T]) -> None:
        self.build, self.name = build, build.__name__
        self.__doc__ = build.__doc__
        self.lock = threading.RLock()  # reentrant: one build may ask for another

    def __get__(self, instance: Any, owner: type | None = None) -> T:
        if instance is None:  # asked of the class: the descriptor itself, as a property
            return self  # type: ignore[return-value]
        with self.lock:
            if self.name not in instance.__dict__:  # once there, found without us
                instance.__dict__[self.name] = self.build(instance)
            found: T = instance.__dict__[self.name]
            return found


class WorkerContext:
    """What tasks need, created lazily so each forked worker process gets its own, and once
    where threads share a process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @built_once
    def session_factory(self) -> sessionmaker[Session]:
        """Sessions on this process's own engine."""
        return make_session_factory(make_engine(self.settings.database_url))

    @built_once
    def scorer_set(self) -> ScorerSet:
        """The scorers, built once per process; models load on first use."""
        return default_scorers(self.settings, self.session_factory, self.redis, self.policy)

    @property
    def scorers(self) -> list[Scorer]:
        """Every scorer, each run on every comment."""
        return self.scorer_set.every

    @built_once
    def redis(self) -> Any:
        """A Redis client for the scorers that keep state there: short timeouts, no retries,
        so a slow Redis makes a signal time out rather than a batch hang."""
        return fail_fast(self.settings.redis_url, timeout=0.5)

    @built_once
    def policy(self) -> Callable[[], Policy]:
        """The active policy, re-read as it changes."""
        return policy_source(self.settings, self.session_factory)


class ModqCelery(Celery):
    """A Celery app that carries the worker context."""

    context: WorkerContext


def create_celery(settings: Settings) -> ModqCelery:
    """The Celery app with the reliability options set explicitly."""
    app = ModqCelery(
        "modq",
        broker=settings.redis_url,
        include=["workers.tasks", "workers.webhooks"],
        set_as_current=False,
    )
    app.conf.update(celery_options(settings))
    app.context = WorkerContext(settings)
    return app


def scoring_call(entry: QueueEntry, attempt: int = 0) -> TaskCall:
    """The scoring task for a comment: behind every other author's comments when deferred."""
    kwargs = {"author": entry.author_id, **({"attempt": attempt} if attempt else {})}
    queue = BACKLOG_QUEUE if entry.deferred else SCORE_QUEUE
    return TaskCall(SCORE_TASK, [entry.comment_id], kwargs, queue)


def send_for_scoring(
    app: Celery, entry: QueueEntry, attempt: int = 0, countdown: float | None = None
) -> None:
    """Queue a comment for scoring, through Celery (intake sends with a DirectPublisher)."""
    send_through_celery(app, scoring_call(entry, attempt), countdown)


def send_for_explanation(app: Celery, comment_ids: list[str]) -> None:
    """Queue the spans of these decided comments, behind every comment still to decide."""
    app.send_task(EXPLAIN_TASK, args=[comment_ids], queue=EXPLAIN_QUEUE)


def send_webhooks(app: Celery, delivery_ids: list[int]) -> None:
    """Queue one delivery task per webhook delivery."""
    for delivery_id in delivery_ids:
        app.send_task(WEBHOOK_TASK, args=[delivery_id], queue=WEBHOOK_QUEUE)


def every(seconds: float, task: str, queue: str = MAINTENANCE_QUEUE) -> dict[str, Any]:
    """A beat entry that sends `task` to `queue` every `seconds`."""
    return {"task": task, "schedule": seconds, "options": {"queue": queue}}


def celery_options(settings: Settings) -> dict[str, Any]:
    """Celery settings: late acks, requeue on worker loss, JSON only, no results kept."""
    return {
        "task_default_queue": SCORE_QUEUE,
        "task_queues": tuple(Queue(name, Exchange(name), routing_key=name) for name in QUEUES),
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_ignore_result": True,
        "task_serializer": "json",
        "accept_content": ["json"],
        # A batch fills from messages the worker has prefetched: per pool slot (Celery
        # multiplies it by the concurrency), room for one batch being scored and the next one
        # gathering. The scoring role's two threads may so hold 512 messages; a worker that
        # dies leaves them for the requeue sweep, not the hour of the visibility timeout.
        "worker_prefetch_multiplier": 2 * settings.batch_max_comments,
        "worker_hijack_root_logger": False,
        # Each worker also reads a queue of its own (`<hostname>.dq2`): its warm-up goes there.
        "worker_direct": True,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {
            "visibility_timeout": VISIBILITY_TIMEOUT_SECONDS,
            "socket_connect_timeout": 2,
            "socket_timeout": 10,
            # Strictly in the order of task_queues (the default takes turns between queues).
            "queue_order_strategy": "priority",
        },
        # One immediate retry, on a fresh connection (Redis may have closed the old one);
        # beyond that a publish fails fast and the requeue sweep queues the comment later.
        "task_publish_retry_policy": {"max_retries": 1, "interval_start": 0},
        "beat_schedule": {
            "requeue-stale-pending": every(settings.requeue_interval_seconds, REQUEUE_TASK),
            "check-score-drift": every(DRIFT_CHECK_SECONDS, DRIFT_TASK),
            "refresh-strict-mode": every(STRICT_MODE_CHECK_SECONDS, STRICT_MODE_TASK),
            # with the deliveries: a worker given only that queue needs nothing else
            "send-due-webhooks": every(WEBHOOK_SWEEP_SECONDS, WEBHOOK_SWEEP_TASK, WEBHOOK_QUEUE),
            "learn-topic-lines": every(TOPIC_LINES_SECONDS, TOPIC_LINES_TASK),
        },
        "beat_schedule_filename": str(settings.var_dir / "celerybeat-schedule"),
    }
