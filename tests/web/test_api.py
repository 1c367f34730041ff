"""The intake API over HTTP: status codes, bodies and every kind of bad input."""

import dataclasses
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from moderation.kinds import Action
from moderation.models import Comment
from tests.support import factories
from tests.web.conftest import ARTICLE


def comment(**changes: Any) -> dict[str, Any]:
    return {
        "article_id": "a1",
        "author": {"id": "u1", "name": "Reader"},
        "body": "Energy cooperation matters.",
        **changes,
    }


def test_put_article_creates_then_updates(client: FlaskClient) -> None:
    created = client.put("/api/v1/articles/a1", json=ARTICLE)
    updated = client.put("/api/v1/articles/a1", json={**ARTICLE, "title": "New title"})
    assert (created.status_code, updated.status_code) == (201, 200)
    assert client.get("/api/v1/articles/a1").get_json()["title"] == "New title"


def test_post_comment_answers_202_with_a_status_url_and_queues_it(
    app: Flask, client: FlaskClient, article: str
) -> None:
    response = client.post("/api/v1/comments", json=comment())
    body = response.get_json()
    assert response.status_code == 202
    assert body["status"] == "pending"
    assert response.headers["Location"] == body["status_url"]
    assert body["status_url"].endswith(f"/api/v1/comments/{body['id']}")
    assert app.extensions["enqueued"] == [body["id"]]
    status = client.get(body["status_url"]).get_json()
    assert (status["status"], status["reasons"], status["article_id"]) == ("pending", [], "a1")


def test_the_readers_address_is_kept_only_as_a_keyed_hash_and_only_when_given(
    app: Flask, client: FlaskClient, article: str
) -> None:
    relayed = client.post("/api/v1/comments", json=comment(client_ip="203.0.113.9"))
    direct = client.post(
        "/api/v1/comments",
        json=comment(body="Other words."),
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    with app.extensions["modq"].session_factory() as session:
        hashed = session.get(Comment, relayed.get_json()["id"]).client_ip_hash
        unset = session.get(Comment, direct.get_json()["id"]).client_ip_hash
    assert hashed and "203.0.113.9" not in hashed
    assert unset is None, "the caller's own address (the site's server) is not the reader's"
    app.extensions["modq"] = dataclasses.replace(
        app.extensions["modq"],
        settings=dataclasses.replace(app.extensions["modq"].settings, reader_address="connection"),
    )
    browser = client.post(
        "/api/v1/comments",
        json=comment(body="Third words.", client_ip="198.51.100.1"),
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    with app.extensions["modq"].session_factory() as session:
        from_connection = session.get(Comment, browser.get_json()["id"]).client_ip_hash
    assert from_connection == hashed, "in connection mode the request's address counts"
    bad = client.post("/api/v1/comments", json=comment(client_ip="not-an-address"))
    assert (bad.status_code, bad.get_json()["fields"]) == (
        422,
        {"client_ip": "must be an IPv4 or IPv6 address"},
    )


def test_a_retry_with_the_same_idempotency_key_returns_the_same_comment(
    app: Flask, client: FlaskClient, article: str
) -> None:
    first = client.post("/api/v1/comments", json=comment(), headers={"Idempotency-Key": "x1"})
    again = client.post("/api/v1/comments", json=comment(), headers={"Idempotency-Key": "x1"})
    assert again.status_code == 202
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(app.extensions["enqueued"]) == 1
    other = client.post(
        "/api/v1/comments", json=comment(body="Other words."), headers={"Idempotency-Key": "x1"}
    )
    assert other.status_code == 409
    assert other.get_json()["error"] == "idempotency_conflict"


@pytest.mark.parametrize(
    ("kwargs", "status", "error", "field"),
    [
        ({"json": comment(body="   ")}, 422, "invalid_request", "body"),
        ({"json": comment(body="x" * 5001)}, 422, "invalid_request", "body"),
        ({"json": comment(body=None)}, 422, "invalid_request", "body"),
        ({"json": comment(author={"id": "u1"})}, 422, "invalid_request", "author.name"),
        ({"json": comment(article_id="missing")}, 422, "invalid_request", "article_id"),
        ({"json": comment(parent_id="f" * 32)}, 422, "invalid_request", "parent_id"),
        ({"json": comment(body="a\x00b")}, 422, "invalid_request", "body"),
        ({"json": ["not", "an", "object"]}, 422, "invalid_request", "body"),
        (
            {"data": '{"body": "\\ud800"}', "content_type": "application/json"},
            422,
            "invalid_request",
            "body",
        ),
        ({"data": "{not json", "content_type": "application/json"}, 400, "bad_request", None),
        ({"data": b"\xff\xfe", "content_type": "application/json"}, 400, "bad_request", None),
        (
            {"data": "[" * 50000 + "]" * 50000, "content_type": "application/json"},
            400,
            "bad_request",
            None,
        ),
        (
            {"data": "body=hi", "content_type": "application/x-www-form-urlencoded"},
            415,
            "unsupported_media_type",
            None,
        ),
        (
            {"data": "x" * 1_100_000, "content_type": "application/json"},
            413,
            "request_entity_too_large",
            None,
        ),
    ],
)
def test_bad_input_gets_a_4xx_json_error_naming_the_problem(
    client: FlaskClient,
    article: str,
    kwargs: dict[str, Any],
    status: int,
    error: str,
    field: str | None,
) -> None:
    response = client.post("/api/v1/comments", **kwargs)
    body = response.get_json()
    assert response.status_code == status
    assert body["error"] == error
    assert body["message"]
    if field:
        assert field in body["fields"]


def test_a_reply_to_a_comment_on_another_article_is_refused(
    client: FlaskClient, article: str
) -> None:
    client.put("/api/v1/articles/a2", json=ARTICLE)
    other = client.post("/api/v1/comments", json=comment(article_id="a2")).get_json()["id"]
    response = client.post("/api/v1/comments", json=comment(parent_id=other))
    assert response.status_code == 422
    assert response.get_json()["fields"] == {
        "parent_id": "the parent comment belongs to another article"
    }


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/comments/doesnotexist", 404),
        ("get", "/api/v1/articles/nope/comments", 404),
        ("delete", "/api/v1/comments", 405),
        ("get", "/api/v1/unknown", 404),
    ],
)
def test_unknown_things_get_json_errors(
    client: FlaskClient, method: str, path: str, status: int
) -> None:
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response.is_json and response.get_json()["error"]


def test_a_bad_article_is_refused_field_by_field(client: FlaskClient) -> None:
    response = client.put("/api/v1/articles/a9", json={"title": "", "url": "nope"})
    assert response.status_code == 422
    assert set(response.get_json()["fields"]) == {"title", "url", "body"}


def _publish(app: Flask, comment_id: str, action: Action = Action.PUBLISH) -> None:
    """Move a comment to review, then let a moderator decide it (as the UI would)."""
    with app.extensions["modq"].session_factory() as session:
        factories.moderator_decides(session, comment_id, action)


def test_published_comments_come_back_threaded_and_paginated(
    app: Flask, client: FlaskClient, article: str
) -> None:
    def post(body: str, parent: str | None = None) -> str:
        payload = comment(body=body) | ({"parent_id": parent} if parent else {})
        return str(client.post("/api/v1/comments", json=payload).get_json()["id"])

    first, second, third = post("first"), post("second"), post("third")
    reply = post("reply to first", first)
    hidden = post("rejected reply", first)
    reply_to_hidden = post("reply to a rejected one", hidden)
    pending = post("still pending")
    for comment_id in (first, second, third, reply, reply_to_hidden):
        _publish(app, comment_id)
    _publish(app, hidden, Action.REJECT)

    page1 = client.get("/api/v1/articles/a1/comments?per_page=2").get_json()
    assert page1["total_threads"] == 3
    assert [t["id"] for t in page1["comments"]] == [first, second]
    thread = page1["comments"][0]
    assert [r.get("id") for r in thread["replies"]] == [reply, None]
    placeholder = thread["replies"][1]
    assert placeholder == {"removed": True, "replies": [placeholder["replies"][0]]}
    assert placeholder["replies"][0]["id"] == reply_to_hidden
    assert placeholder["replies"][0]["body"] == "reply to a rejected one"
    page2 = client.get(page1["next"]).get_json()
    assert [t["id"] for t in page2["comments"]] == [third]
    assert page2["next"] is None
    everything = str(page1) + str(page2)
    assert pending not in everything and "rejected reply" not in everything
    assert hidden not in everything, "a removed comment's id would open its status URL"


@pytest.mark.parametrize("query", ["page=0", "page=x", "per_page=101", "per_page=-1"])
def test_bad_pagination_is_a_422(client: FlaskClient, article: str, query: str) -> None:
    response = client.get(f"/api/v1/articles/a1/comments?{query}")
    assert response.status_code == 422


def test_a_decided_comment_shows_its_reasons(app: Flask, client: FlaskClient, article: str) -> None:
    comment_id = client.post("/api/v1/comments", json=comment()).get_json()["id"]
    _publish(app, comment_id, Action.REJECT)
    status = client.get(f"/api/v1/comments/{comment_id}").get_json()
    assert status["status"] == "rejected"
    assert status["decided_by"] == "moderator"
    assert status["reasons"][0]["code"] == "moderator"
    assert status["decided_at"] is not None
