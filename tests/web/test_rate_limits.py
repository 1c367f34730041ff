"""Intake rate limits over HTTP on the real Redis: 429 with Retry-After per key, author and
address; intake without Redis; authors over their fair share queued behind everyone else."""

from __future__ import annotations

import dataclasses
import logging
import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from moderation.models import Comment
from moderation.ratelimit import RateLimiter

ARTICLE = {"title": "T", "url": "https://e.org/a", "body": "Energy and shipping."}


WINDOW_START = 60 * 16_667.0


def limits(app: Flask, **settings: Any) -> None:
    """Set limits, and stop the clock one second into a window, so that no test straddles two
    windows (and Retry-After is known)."""
    runtime = app.extensions["modq"]
    changed = dataclasses.replace(runtime.settings, **settings)
    limiter = RateLimiter(
        changed.redis_url, 60, "test", f"test:{uuid.uuid4().hex}", clock=lambda: WINDOW_START + 1
    )
    app.extensions["modq"] = dataclasses.replace(runtime, settings=changed, limiter=limiter)


def post(client: FlaskClient, author: str = "u1", n: int = 0, **extra: Any) -> Any:
    payload = {
        "article_id": "a1",
        "author": {"id": author, "name": "Reader"},
        "body": f"Comment number {n} about energy.",
        **extra,
    }
    return client.post("/api/v1/comments", json=payload)


@pytest.fixture
def article(client: FlaskClient) -> str:
    assert client.put("/api/v1/articles/a1", json=ARTICLE).status_code == 201
    return "a1"


def assert_limited(response: Any, scope: str) -> None:
    assert response.status_code == 429, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["error"], body["limit"]) == ("too_many_requests", scope)
    assert response.headers["Retry-After"] == "59"
    assert "try again in 59 s" in body["message"]


def test_an_author_over_the_limit_gets_429_and_others_still_post(
    app: Flask, client: FlaskClient, article: str
) -> None:
    limits(app, rate_limit_per_author=3)
    assert [post(client, n=n).status_code for n in range(3)] == [202] * 3
    assert_limited(post(client, n=3), "author")
    assert post(client, "u2").status_code == 202
    assert len(app.extensions["enqueued"]) == 4, "the refused comment was not stored or queued"


def test_one_reader_address_is_limited_across_author_names(
    app: Flask, client: FlaskClient, article: str
) -> None:
    limits(app, rate_limit_per_address=2)
    sock_puppets = [post(client, f"sock-{n}", n, client_ip="203.0.113.9") for n in range(3)]
    assert [r.status_code for r in sock_puppets[:2]] == [202, 202]
    assert_limited(sock_puppets[2], "address")
    assert post(client, "sock-9", 9, client_ip="198.51.100.1").status_code == 202


def test_a_key_is_limited_for_every_write(app: Flask, client: FlaskClient) -> None:
    limits(app, rate_limit_per_key=2)
    assert client.put("/api/v1/articles/a1", json=ARTICLE).status_code == 201
    assert post(client).status_code == 202
    assert_limited(client.put("/api/v1/articles/a1", json=ARTICLE), "key")
    assert_limited(post(client, "u2"), "key")


def test_intake_without_redis_lets_comments_through_and_logs_once(
    app: Flask, client: FlaskClient, article: str, caplog: pytest.LogCaptureFixture
) -> None:
    limits(app, rate_limit_per_author=1)
    runtime = app.extensions["modq"]
    down = RateLimiter("redis://127.0.0.1:1/0", 60, "secret", pause_seconds=0)
    app.extensions["modq"] = dataclasses.replace(runtime, limiter=down)
    caplog.set_level(logging.WARNING, logger="moderation.ratelimit")
    assert [post(client, n=n).status_code for n in range(3)] == [202] * 3
    assert len([r for r in caplog.records if "rate limits are off" in r.getMessage()]) == 1


def test_an_author_over_the_fair_share_is_queued_behind_everyone_else(
    app: Flask, client: FlaskClient, article: str
) -> None:
    limits(app, fair_share_per_author=2)
    for n in range(4):
        post(client, n=n)
    post(client, "u2")
    entries = app.extensions["enqueued"].entries
    assert [(e.author_id, e.deferred) for e in entries] == [
        ("u1", False),
        ("u1", False),
        ("u1", True),
        ("u1", True),
        ("u2", False),
    ]
    with app.extensions["modq"].session_factory() as session:
        stored = {e.comment_id: session.get(Comment, e.comment_id) for e in entries}
    assert [stored[e.comment_id].deferred for e in entries] == [e.deferred for e in entries]  # type: ignore[union-attr]
