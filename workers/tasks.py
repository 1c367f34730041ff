"""Thin tasks: deserialise ids, call the domain, retry what is transient."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

import redis
from celery import Task, shared_task
from celery.signals import task_postrun, task_prerun, worker_ready
from celery.utils.nodenames import worker_direct
from celery_batches import SimpleRequest
from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy.exc import OperationalError

from moderation.allocator import release_free_memory
from moderation.comments.requeue import requeue_stale
from moderation.db import utcnow
from moderation.decisions import duty, explanations
from moderation.decisions.explanations import add_spans, awaiting
from moderation.decisions.health import record_health
from moderation.decisions.pipeline import score_and_decide
from moderation.learning import drift, topic_lines
from moderation.logs import log_context
from workers.batching import ScoringBatches, batch_ids, queue_entry
from workers.celery_app import (
    BACKLOG_QUEUE,
    DRIFT_TASK,
    EXPLAIN_QUEUE,
    EXPLAIN_TASK,
    REQUEUE_TASK,
    SCORE_QUEUE,
    SCORE_TASK,
    STRICT_MODE_TASK,
    TOPIC_LINES_TASK,
    WARM_UP_TASK,
    ModqCelery,
    WorkerContext,
    send_for_explanation,
    send_for_scoring,
)
from workers.webhooks import push_due

log = logging.getLogger(__name__)
# Retry delays for a batch that met a database error: 5 s, 10 s, 20 s, ... at most 5 minutes,
# well inside the broker's visibility timeout.
RETRY_BACKOFF, RETRY_BACKOFF_MAX, MAX_RETRIES = 5, 300, 8


def _context(task: Task[Any, Any]) -> WorkerContext:
    app = task.app
    assert isinstance(app, ModqCelery), "tasks run on the app built by create_celery"
    return app.context


@shared_task(
    name=SCORE_TASK, base=ScoringBatches, bind=True, acks_late=True, reject_on_worker_lost=True
)
def score_comments(self: Task[Any, Any], requests: list[SimpleRequest]) -> None:
    """Score a batch of comments and record the policy's decisions; decided ones are skipped."""
    with log_context(**batch_ids(requests)):
        _score_batch(self, requests)


def _score_batch(task: Task[Any, Any], requests: list[SimpleRequest]) -> None:
    context = _context(task)
    entries = {r.args[0]: r for r in requests}
    try:
        with context.session_factory() as session:
            outcomes = score_and_decide(
                session,
                list(entries),
                context.scorers,
                context.policy(),
                context.scorer_set.rescorer,
                context.scorer_set.lanes,
            )
    except OperationalError as exc:  # the database is away: try again later, with backoff
        log.warning("database error scoring %d comments (%s); retrying", len(entries), exc)
        for request in entries.values():
            with log_context(comment_id=request.args[0], task_id=request.id):
                _retry_later(task, request)
        return
    decided = sum(o.action is not None for o in outcomes)
    undecided = len(outcomes) - decided  # decided by another delivery first, or not storable
    log.info("scored %d comments (%d left as they were)", decided, undecided)
    if decided:
        push_due(task.app, context.session_factory)  # the decisions' webhook events
    _explain_later(task, context, [o.comment_id for o in outcomes if o.action is not None])


def _explain_later(task: Task[Any, Any], context: WorkerContext, comment_ids: list[str]) -> None:
    """Queue the spans of the decided comments above the publish line; decisions are already
    committed, so a failure here costs highlights, never a decision."""
    try:
        with context.session_factory() as session:
            waiting = sorted({a.comment_id for a in awaiting(session, comment_ids)})
        # One task per comment: a worker with one process that picks an explanation up when
        # nothing waits is busy for one comment's occlusion at most when the next batch comes.
        for comment_id in waiting:
            send_for_explanation(task.app, [comment_id])
    except (OperationalError, BrokerError, redis.RedisError) as exc:
        log.warning("could not queue explanations for %d comments (%s)", len(comment_ids), exc)


@shared_task(name=EXPLAIN_TASK, bind=True, acks_late=True)
def explain_comments(self: Task[Any, Any], comment_ids: list[str]) -> int:
    """Add the spans behind high Detoxify scores to decided comments' signals (idempotent)."""
    context = _context(self)
    with log_context(comment_ids=comment_ids, task_id=self.request.id):
        with context.session_factory() as session:
            stored = add_spans(session, comment_ids, context.scorer_set.explainer)
        log.info("explained %d comments", stored)
    return stored


def _retry_later(task: Task[Any, Any], request: SimpleRequest) -> None:
    entry, attempt = queue_entry(request), int(request.kwargs.get("attempt", 0))
    if attempt >= MAX_RETRIES:
        log.error(
            "comment %s: giving up after %d attempts; the requeue sweep will retry it",
            entry.comment_id,
            attempt,
        )
        return
    delay = min(RETRY_BACKOFF_MAX, RETRY_BACKOFF * 2**attempt)
    send_for_scoring(task.app, entry, attempt + 1, countdown=delay)


@shared_task(name=REQUEUE_TASK, bind=True, acks_late=True)
def requeue_stale_comments(self: Task[Any, Any]) -> int:
    """Queue again comments whose scoring task was lost (Redis restart, publish failure), and
    explanations whose task was lost."""
    context = _context(self)
    settings = context.settings
    older_than = timedelta(seconds=settings.requeue_after_seconds)
    with context.session_factory() as session:
        requeued = requeue_stale(
            session,
            older_than,
            lambda entry: send_for_scoring(self.app, entry),
            fair_share=settings.fair_share_per_author,
            backlog_empty=_queue_empty(context, BACKLOG_QUEUE),
        )
    _requeue_explanations(self, context, older_than)
    return requeued


def _requeue_explanations(
    task: Task[Any, Any], context: WorkerContext, older_than: timedelta
) -> int:
    """Queue again the spans that waited too long, only when the explain queue is empty: while
    it is not, their message may still be in it (explanations come after every comment), and
    a copy would only lengthen it. A copy of one still held by a worker is harmless: spans are
    stored once."""
    if not _queue_empty(context, EXPLAIN_QUEUE):
        return 0
    with context.session_factory() as session:
        comment_ids = explanations.stale(session, older_than)
    for comment_id in comment_ids:
        send_for_explanation(task.app, [comment_id])
    if comment_ids:
        log.info(
            "requeued %d stale explanations", len(comment_ids), extra={"comment_ids": comment_ids}
        )
    return len(comment_ids)


def _queue_empty(context: WorkerContext, queue: str) -> bool:
    """True when nothing waits in this broker queue (an unknown length counts as not)."""
    try:
        return int(context.redis.llen(queue)) == 0
    except redis.RedisError:
        return False


@shared_task(name=DRIFT_TASK, bind=True, acks_late=True)
def check_drift(self: Task[Any, Any]) -> int:
    """Compare the last day's scores with the month before; alerts are stored and logged."""
    with _context(self).session_factory() as session:
        return len(drift.check(session))


@shared_task(name=STRICT_MODE_TASK, bind=True, acks_late=True)
def refresh_strict_mode(self: Task[Any, Any]) -> bool:
    """Start or end the stricter mode as the moderation hours and the queue's age say."""
    context = _context(self)
    with context.session_factory() as session:
        rules = duty.DutyRules.from_settings(context.settings)
        return duty.refresh(session, rules, utcnow()) is not None


@shared_task(name=TOPIC_LINES_TASK, bind=True, acks_late=True)
def learn_topic_lines(self: Task[Any, Any]) -> int:
    """Learn each site's on-topic lines from its recently published comments; returns how many
    lines were learned."""
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
        release_free_memory()  # the warm-up passes' tensors, before the next model loads
    with context.session_factory() as session:
        record_health(session, context.scorers)


@worker_ready.connect
def _warm_up_when_ready(sender: Any, **_: Any) -> None:
    """A scoring worker that has started warms itself up, through its own direct queue: sent
    to the shared queue, the warm-ups of workers starting together could all go to one of
    them, and another's first comments then waited for its models to load (10 s for
    BERT-base). The background worker loads its explainer when it first needs it."""
    app = sender.app
    if SCORE_QUEUE in app.amqp.queues.consume_from:
        app.send_task(WARM_UP_TASK, queue=worker_direct(sender.hostname))


class RunningTasks:
    """How many tasks this process is running (two batches at once in a scoring worker's
    threads)."""

    def __init__(self) -> None:
        self.count, self.lock = 0, threading.Lock()

    def started(self) -> None:
        """A task began."""
        with self.lock:
            self.count += 1

    def ended(self) -> bool:
        """A task ended; whether it was the last one running."""
        with self.lock:
            self.count = max(0, self.count - 1)
            return self.count == 0


_running = RunningTasks()


@task_prerun.connect
def _task_started(**_: Any) -> None:
    _running.started()


@task_postrun.connect
def _release_free_memory(**_: Any) -> None:
    """Once no task runs (a batch of comments, an explanation), the memory they freed goes
    back to the system, so a worker's RSS between batches is what it holds, not its
    high-water. Not while another batch runs: trimming locks the heap under its passes."""
    if _running.ended():
        release_free_memory()
