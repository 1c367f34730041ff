"""Thin tasks: deserialise ids, call the domain, retry what is transient."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery import Task, shared_task
from celery.signals import worker_ready
from celery_batches import SimpleRequest
from sqlalchemy.exc import OperationalError

from moderation.comments.intake import requeue_stale
from moderation.decisions.pipeline import record_health, score_and_decide
from moderation.learning import drift, topic_lines
from workers.batching import ScoringBatches
from workers.celery_app import (
    DRIFT_TASK,
    REQUEUE_TASK,
    SCORE_TASK,
    TOPIC_LINES_TASK,
    WARM_UP_TASK,
    ModqCelery,
    WorkerContext,
)

log = logging.getLogger(__name__)
# Retry delays for a batch that met a database error: 5 s, 10 s, 20 s, ... at most 5 minutes,
# well inside the broker's visibility timeout.
RETRY_BACKOFF, RETRY_BACKOFF_MAX, MAX_RETRIES = 5, 300, 8


def _context(task: Task[Any, Any]) -> WorkerContext:
    app = task.app
    assert isinstance(app, ModqCelery), "tasks run on the app built by create_celery"
    return app.context


def _enqueue_with(task: Task[Any, Any]) -> Any:
    return lambda comment_id: task.app.send_task(SCORE_TASK, args=[comment_id])


@shared_task(
    name=SCORE_TASK, base=ScoringBatches, bind=True, acks_late=True, reject_on_worker_lost=True
)
def score_comments(self: Task[Any, Any], requests: list[SimpleRequest]) -> None:
    """Score a batch of comments and record the policy's decisions; decided ones are skipped."""
    context = _context(self)
    attempts = {r.args[0]: int(r.kwargs.get("attempt", 0)) for r in requests}
    try:
        with context.session_factory() as session:
            outcomes = score_and_decide(session, list(attempts), context.scorers, context.policy())
    except OperationalError as exc:  # the database is away: try again later, with backoff
        log.warning("database error scoring %d comments (%s); retrying", len(attempts), exc)
        for comment_id, attempt in attempts.items():
            _retry_later(self, comment_id, attempt)
        return
    decided = sum(o.action is not None for o in outcomes)
    log.info("scored %d comments (%d were already decided)", decided, len(outcomes) - decided)


def _retry_later(task: Task[Any, Any], comment_id: str, attempt: int) -> None:
    if attempt >= MAX_RETRIES:
        log.error(
            "comment %s: giving up after %d attempts; the requeue sweep will retry it",
            comment_id,
            attempt,
        )
        return
    delay = min(RETRY_BACKOFF_MAX, RETRY_BACKOFF * 2**attempt)
    task.app.send_task(
        SCORE_TASK, args=[comment_id], kwargs={"attempt": attempt + 1}, countdown=delay
    )


@shared_task(name=REQUEUE_TASK, bind=True, acks_late=True)
def requeue_stale_comments(self: Task[Any, Any]) -> int:
    """Queue again comments whose scoring task was lost (Redis restart, publish failure)."""
    context = _context(self)
    age = timedelta(seconds=context.settings.requeue_after_seconds)
    with context.session_factory() as session:
        return requeue_stale(session, age, _enqueue_with(self))


@shared_task(name=DRIFT_TASK, bind=True, acks_late=True)
def check_drift(self: Task[Any, Any]) -> int:
    """Compare the last day's scores with the month before; alerts are stored and logged."""
    with _context(self).session_factory() as session:
        return len(drift.check(session))


@shared_task(name=TOPIC_LINES_TASK, bind=True, acks_late=True)
def learn_topic_lines(self: Task[Any, Any]) -> int:
    """Learn the on-topic lines from the recently published comments; returns how many."""
    context = _context(self)
    with context.session_factory() as session:
        rows = topic_lines.recompute(session, context.policy())
    return sum(row.line is not None for row in rows)


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
