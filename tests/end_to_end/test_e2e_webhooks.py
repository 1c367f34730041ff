"""Webhooks end to end: a moderator decides in the review UI, a real Celery worker consuming
only the `modq.webhooks` queue (and beat's sweep) POSTs the signed event to a real receiver on
127.0.0.1; a receiver that fails once gets it on the retry; with Redis away at the decision,
the event waits in the outbox and the sweep delivers it once Redis is back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from standardwebhooks.webhooks import Webhook

from moderation import accounts
from moderation.config import Settings
from moderation.db import make_engine
from moderation.kinds import Action, CommentStatus
from moderation.models import Comment
from moderation.webhooks import endpoints
from tests.conftest import (
    MODERATOR_PASSWORD,
    csrf_token,
    log_in,
    make_settings,
)
from tests.support import factories
from tests.support.processes import celery_process, settings_env
from tests.support.receiver import Receiver, receiver
from tests.support.services import RedisServer
from web import create_app
from workers.celery_app import WEBHOOK_QUEUE

TABLES = (
    "webhook_attempts", "webhook_deliveries", "webhook_events", "webhook_endpoints", "decisions",
    "comments", "articles", "audit_log", "moderator_sessions", "moderators", "authors",
    "api_keys", "sites",
)  # fmt: skip


@pytest.fixture
def settings(tmp_path: Path, e2e_database: str, own_redis: RedisServer) -> Settings:
    engine = make_engine(e2e_database)
    with engine.begin() as connection:  # each test starts from empty tables
        connection.execute(sa.text(f"TRUNCATE {', '.join(TABLES)} CASCADE"))
    engine.dispose()
    return make_settings(
        tmp_path,
        database_url=e2e_database,
        redis_url=own_redis.url(),
        webhook_private_addresses=True,  # the receiver listens on 127.0.0.1
        undo_seconds=1,  # a moderator's event waits for the undo window, then for the sweep
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    application = create_app(settings, {"TESTING": True})
    yield application
    application.extensions["modq"].engine.dispose()


@pytest.fixture
def hook(app: Flask) -> Iterator[tuple[Receiver, str, str]]:
    """A receiver registered for the test site, its secret, and a comment waiting for a
    moderator."""
    with receiver() as listening, app.extensions["modq"].session_factory() as session:
        endpoint = endpoints.add_endpoint(
            session, factories.site(session), listening.url, allow_private=True
        )
        factories.article(session)
        comment = factories.comment(session)
        session.execute(
            update(Comment).where(Comment.id == comment.id).values(status=CommentStatus.REVIEW)
        )
        session.commit()
        yield listening, endpoint.secret, comment.id


@pytest.fixture
def moderator(app: Flask) -> FlaskClient:
    """A logged-in moderator's browser."""
    with app.extensions["modq"].session_factory() as session:
        accounts.create_moderator(session, "alice", MODERATOR_PASSWORD)
    client = app.test_client()
    assert log_in(client).status_code == 302
    return client


@contextmanager
def webhook_worker(settings: Settings, folder: Path) -> Iterator[Path]:
    """A worker on the webhooks queue only, and beat (its sweep); yields the worker's log."""
    env, log = settings_env(settings), folder / "worker.log"
    worker = ("worker", env, log, "--pool", "solo", "-Q", WEBHOOK_QUEUE)
    with celery_process(*worker), celery_process("beat", env, folder / "beat.log"):
        yield log


def moderator_publishes(client: FlaskClient, comment_id: str) -> None:
    """Publish through the review UI, as a logged-in moderator does."""
    token = csrf_token(client, "/review/")
    response = client.post(
        f"/review/comments/{comment_id}/decision",
        data={"action": Action.PUBLISH.value, "csrf_token": token},
    )
    assert response.status_code == 302


def test_a_decision_reaches_the_receiver_signed_and_after_one_failure(
    app: Flask,
    hook: tuple[Receiver, str, str],
    moderator: FlaskClient,
    settings: Settings,
    tmp_path: Path,
) -> None:
    listening, secret, comment_id = hook
    listening.statuses = [500]  # the first attempt fails; the sweep retries after 5 s
    with webhook_worker(settings, tmp_path) as log:
        moderator_publishes(moderator, comment_id)
        first, second = listening.wait_for(2, timeout=90)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    payload = Webhook(secret).verify(second.body, second.headers)
    assert payload["type"] == "comment.published"
    assert payload["data"]["comment_id"] == comment_id
    assert payload["data"]["decided_by"] == "moderator"
    assert "HTTP 500" in log.read_text() and "HTTP 200" in log.read_text()


def test_with_redis_away_the_event_waits_in_the_outbox_for_the_sweep(
    app: Flask,
    hook: tuple[Receiver, str, str],
    moderator: FlaskClient,
    own_redis: RedisServer,
    settings: Settings,
    tmp_path: Path,
) -> None:
    listening, secret, comment_id = hook
    own_redis.stop()
    moderator_publishes(moderator, comment_id)  # the decision commits; the send fails
    own_redis.start()
    assert listening.requests == []
    with webhook_worker(settings, tmp_path):  # nothing was queued: only the sweep can send it
        [request] = listening.wait_for(1, timeout=90)
    payload = Webhook(secret).verify(request.body, request.headers)
    assert payload["data"]["comment_id"] == comment_id
