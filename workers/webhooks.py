"""Webhook tasks: one delivery attempt per message, on the `modq.webhooks` queue, and the beat
sweep that sends what is due (retries, events held back, messages lost with Redis)."""

from __future__ import annotations

import logging
from typing import Any

import redis
from celery import Celery, Task, shared_task
from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from moderation.config import Settings
from moderation.logs import log_context
from moderation.webhooks import delivery, outbox
from workers.celery_app import (
    WEBHOOK_SWEEP_TASK,
    WEBHOOK_TASK,
    ModqCelery,
    WorkerContext,
    send_webhooks,
)

log = logging.getLogger(__name__)


def _context(task: Task[Any, Any]) -> WorkerContext:
    app = task.app
    assert isinstance(app, ModqCelery), "tasks run on the app built by create_celery"
    return app.context


def pause_policy(settings: Settings) -> delivery.PausePolicy:
    """When an endpoint counts as broken, from the settings."""
    return delivery.PausePolicy(
        settings.webhook_pause_after_failures, settings.webhook_pause_after_hours
    )


@shared_task(name=WEBHOOK_TASK, bind=True, acks_late=True, reject_on_worker_lost=True)
def deliver_webhook(self: Task[Any, Any], delivery_id: int) -> bool:
    """One attempt of one delivery (skipped when not due or already delivered); a failure is
    retried by the sweep on the schedule, so the task itself never retries."""
    context = _context(self)
    settings = context.settings
    with log_context(task_id=self.request.id), context.session_factory() as session:
        entry = delivery.attempt(
            session, delivery_id, settings.webhook_private_addresses, pause_policy(settings)
        )
        if entry is None:
            return False
        outcome = f"HTTP {entry.status_code}" if entry.status_code else entry.error
        log.info("webhook delivery %d: %s in %.0f ms", delivery_id, outcome, entry.duration_ms)
        return entry.ok


@shared_task(name=WEBHOOK_SWEEP_TASK, bind=True, acks_late=True)
def sweep_webhooks(self: Task[Any, Any]) -> int:
    """Send a task for every delivery that is due and not on its way."""
    context = _context(self)
    return push_due(self.app, context.session_factory)


def push_due(app: Celery, session_factory: sessionmaker[Session]) -> int:
    """Send the due deliveries (after a decision's commit, and from the sweep); a broker or
    database that is away leaves them for the next sweep."""
    try:
        with session_factory() as session:
            due = outbox.take_due(session)
            try:
                send_webhooks(app, due)
            except (BrokerError, redis.RedisError):
                outbox.release(session, due)
                raise
    except (OperationalError, BrokerError, redis.RedisError) as exc:
        log.warning("could not send webhook deliveries now (%s); the sweep will", exc)
        return 0
    if due:
        log.info("sent %d webhook deliveries", len(due))
    return len(due)
