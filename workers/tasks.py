"""Thin tasks: deserialise ids, call the domain, retry what is transient."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery import Task, shared_task
from celery.signals import worker_ready
from sqlalchemy.exc import OperationalError

from moderation.intake import requeue_stale
from moderation.pipeline import record_health, score_and_decide
from workers.celery_app import REQUEUE_TASK, SCORE_TASK, WARM_UP_TASK, ModqCelery, WorkerContext

log = logging.getLogger(__name__)


def _context(task: Task[Any, Any]) -> WorkerContext:
    app = task.app
    assert isinstance(app, ModqCelery), "tasks run on the app built by create_celery"
    return app.context


def _enqueue_with(task: Task[Any, Any]) -> Any:
    return lambda comment_id: task.app.send_task(SCORE_TASK, args=[comment_id])


@shared_task(
    name=SCORE_TASK,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
)
def score_comment(self: Task[Any, Any], comment_id: str) -> str | None:
    """Score one comment and record the policy's decision; a no-op once it is decided."""
    context = _context(self)
    with context.session_factory() as session:
        [outcome] = score_and_decide(session, [comment_id], context.scorers, context.thresholds)
    log.info("comment %s: %s", comment_id, outcome.action or "already decided")
    return outcome.action


@shared_task(name=REQUEUE_TASK, bind=True, acks_late=True)
def requeue_stale_comments(self: Task[Any, Any]) -> int:
    """Queue again comments whose scoring task was lost (Redis restart, publish failure)."""
    context = _context(self)
    age = timedelta(seconds=context.settings.requeue_after_seconds)
    with context.session_factory() as session:
        return requeue_stale(session, age, _enqueue_with(self))


@shared_task(name=WARM_UP_TASK, bind=True)
def warm_up(self: Task[Any, Any]) -> None:
    """Load the models now and report their state, instead of at the first comment."""
    context = _context(self)
    for scorer in context.scorers:
        scorer.warm_up()
    with context.session_factory() as session:
        record_health(session, context.scorers)


@worker_ready.connect
def _warm_up_when_ready(sender: Any, **_: Any) -> None:
    sender.app.send_task(WARM_UP_TASK)
