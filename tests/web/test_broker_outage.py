"""Intake while the broker is away: 202 at once, a publish breaker that opens after the first
failure and skips later publishes without a connection attempt, one log line per outage, and
publishing again once Redis is back."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import migrated_settings, site_client
from tests.support.processes import wait_for
from tests.support.services import RedisServer, free_port
from web import create_app

pytestmark = pytest.mark.redis
ARTICLE = {"title": "Harbour strike", "url": "https://example.org/s", "body": "Dock workers."}


class DroppingBroker:
    """A port that accepts connections and closes them at once, counting them: a broker that
    is away, whose every connection attempt the test can see."""

    def __init__(self, port: int) -> None:
        self.attempts = 0
        self.sock = socket.create_server(("127.0.0.1", port))
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return  # closed
            self.attempts += 1
            connection.close()

    def close(self) -> None:
        # close() alone leaves a thread blocked in accept() holding the port open until one
        # more connection comes (Redis then could not bind it: a flaky failure); shutdown()
        # wakes that accept.
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.thread.join(5)
        assert not self.thread.is_alive(), "the port is still held"


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def app(tmp_path: Path, port: int) -> Iterator[Flask]:
    settings = migrated_settings(
        tmp_path, redis_url=f"redis://127.0.0.1:{port}/0", broker_retry_seconds=1
    )
    application = create_app(settings, {"TESTING": True})
    yield application
    application.extensions["modq"].engine.dispose()


def post(client: FlaskClient, n: int) -> None:
    body = {"article_id": "a1", "author": {"id": f"u{n}", "name": "R"}, "body": f"Pay up {n}."}
    response = client.post("/api/v1/comments", json=body)
    assert response.status_code == 202, response.get_data(as_text=True)


def test_the_publish_breaker_skips_a_broker_that_is_away_and_resumes_when_it_is_back(
    app: Flask, port: int, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    client = site_client(app)
    assert client.put("/api/v1/articles/a1", json=ARTICLE).status_code == 201
    breaker = app.extensions["modq"].enqueue.breaker
    away = DroppingBroker(port)
    try:
        post(client, 0)
        tried = away.attempts
        assert tried >= 1 and breaker.is_open
        for n in range(1, 6):
            post(client, n)
        assert away.attempts == tried, "an open breaker makes no connection attempt"
    finally:
        away.close()
    # One line for the outage from the publish (the rate limiter, on the same Redis, says
    # once that its limits are off).
    warnings = [
        r for r in caplog.records if r.levelno >= logging.WARNING and r.name == "moderation.breaker"
    ]
    assert len(warnings) == 1 and "broker unavailable" in warnings[0].getMessage()
    redis_server = RedisServer(tmp_path / "redis", port=port).start()
    try:
        queued = redis_server.client()

        def published() -> bool:
            post(client, 99)
            return bool(queued.llen("celery"))

        wait_for(published, timeout=30, every=0.3)
        assert not breaker.is_open
        assert "broker available again" in caplog.text
    finally:
        redis_server.stop(keep_data=False)
