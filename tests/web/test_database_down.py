"""PostgreSQL down: intake, status and article calls answer 503 JSON with Retry-After (never a
500), /metrics still exports what it can, and everything works again when it is back. On a
PostgreSQL cluster of the test's own, stopped and started."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from moderation import accounts
from moderation.db import upgrade
from tests.conftest import MODERATOR_PASSWORD, log_in, make_settings, site_client
from tests.support.services import PostgresCluster
from web import create_app

pytestmark = pytest.mark.postgres
ARTICLE = {"title": "Harbour strike", "url": "https://example.org/s", "body": "Dock workers."}
COMMENT = {"article_id": "a1", "author": {"id": "u1", "name": "R"}, "body": "Pay them."}


@pytest.fixture
def cluster() -> Iterator[PostgresCluster]:
    server = PostgresCluster().start()
    yield server
    server.destroy()


@pytest.fixture
def app(cluster: PostgresCluster, tmp_path: Path) -> Iterator[Flask]:
    url = cluster.create_database("modq")
    upgrade(url)
    application = create_app(make_settings(tmp_path, database_url=url), {"TESTING": True})
    runtime = application.extensions["modq"]
    queued: list[str] = []
    application.extensions["modq"] = dataclasses.replace(runtime, enqueue=queued.append)
    yield application
    runtime.engine.dispose()


def assert_unavailable(response: object) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert response.get_json()["error"] == "database_unavailable"  # type: ignore[attr-defined]
    assert int(response.headers["Retry-After"]) > 0  # type: ignore[attr-defined]


def calls(client: FlaskClient, comment_id: str) -> list[object]:
    return [
        client.post("/api/v1/comments", json=COMMENT, headers={"Idempotency-Key": "k2"}),
        client.get(f"/api/v1/comments/{comment_id}"),
        client.get("/api/v1/articles/a1"),
        client.put("/api/v1/articles/a1", json=ARTICLE | {"title": "Strike over"}),
        client.get("/api/v1/articles/a1/comments"),
    ]


def test_with_the_database_down_the_api_answers_503_and_metrics_still_answer(
    app: Flask, cluster: PostgresCluster
) -> None:
    client, moderator = site_client(app), app.test_client()
    with app.extensions["modq"].session_factory() as session:
        accounts.create_moderator(session, "alice", MODERATOR_PASSWORD)
    assert log_in(moderator).status_code == 302
    assert client.put("/api/v1/articles/a1", json=ARTICLE).status_code == 201
    first = client.post("/api/v1/comments", json=COMMENT).get_json()["id"]
    cluster.stop()
    for response in calls(client, first):
        assert_unavailable(response)
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert "modq_database_up 0" in metrics.get_data(as_text=True).splitlines()
    assert "modq_broker_up" in metrics.get_data(as_text=True)
    page = moderator.get("/review/")  # a moderator's page: HTML, also 503
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert "Retry-After" in page.headers
    cluster.start()
    assert [r.status_code for r in calls(client, first)] == [202, 200, 200, 200, 200]  # type: ignore[attr-defined]
    assert "modq_database_up 1" in client.get("/metrics").get_data(as_text=True).splitlines()


def test_a_restart_between_calls_costs_no_call(app: Flask, cluster: PostgresCluster) -> None:
    client = site_client(app)
    assert client.put("/api/v1/articles/a1", json=ARTICLE).status_code == 201
    first = client.post("/api/v1/comments", json=COMMENT).get_json()["id"]
    cluster.stop()
    cluster.start()
    # Every pooled connection died with the old server; none may reach a caller.
    assert [r.status_code for r in calls(client, first)] == [202, 200, 200, 200, 200]  # type: ignore[attr-defined]
