"""Sending due deliveries after a commit: onto the real `modq.webhooks` queue in Redis, and,
with the broker away, left (unmarked) in the outbox for the next sweep."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import redis
from sqlalchemy.orm import Session, sessionmaker

from moderation.decisions.pipeline import record_decision
from moderation.kinds import Action
from moderation.policy.verdicts import Verdict
from moderation.webhooks import endpoints
from moderation.webhooks.models import WebhookDelivery
from tests.conftest import REDIS_TEST_URL, make_settings
from tests.support import factories
from workers.celery_app import WEBHOOK_QUEUE, WEBHOOK_TASK, create_celery
from workers.webhooks import push_due

UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def a_due_delivery(session: Session) -> WebhookDelivery:
    endpoints.add_endpoint(session, factories.site(session), "http://127.0.0.1:9/h", True)
    factories.article(session)
    comment = factories.comment(session)
    record_decision(session, comment.id, "u1", {}, Verdict(Action.PUBLISH, ()))
    return session.query(WebhookDelivery).one()


def test_due_deliveries_go_to_the_webhooks_queue(
    tmp_path: Path,
    session: Session,
    session_factory: sessionmaker[Session],
    redis_client: redis.Redis,
) -> None:
    pending = a_due_delivery(session)
    app = create_celery(make_settings(tmp_path, redis_url=REDIS_TEST_URL))
    assert push_due(app, session_factory) == 1
    [message] = redis_client.lrange(WEBHOOK_QUEUE, 0, -1)
    sent = json.loads(message)
    assert sent["headers"]["task"] == WEBHOOK_TASK
    assert json.loads(base64.b64decode(sent["body"]))[0] == [pending.id]
    session.refresh(pending)
    assert pending.queued_at is not None
    assert push_due(app, session_factory) == 0  # on its way: not sent twice


def test_with_the_broker_away_the_delivery_waits_for_the_sweep(
    tmp_path: Path, session: Session, session_factory: sessionmaker[Session]
) -> None:
    pending = a_due_delivery(session)
    away = create_celery(make_settings(tmp_path, redis_url=UNREACHABLE))
    away.conf.broker_transport_options = {"socket_connect_timeout": 0.2}
    away.conf.broker_connection_max_retries = 0
    assert push_due(away, session_factory) == 0
    session.refresh(pending)
    assert pending.queued_at is None  # so the next sweep sends it at once
