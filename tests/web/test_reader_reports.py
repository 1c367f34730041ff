"""Reports over HTTP, from the embed's form and from the API: a reader token (or the embed's
signed reader) needed, each reader counted once, the comment hidden at the policy's threshold
for everyone (embed and API), reporters rate-limited."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient

from moderation.ratelimit import RateLimiter
from moderation.readers.models import Report
from tests.support.readers import comment, embed_page, reader_token, report_fields, with_article


@pytest.fixture
def target(app: Flask) -> str:
    with_article(app)
    return comment(app, "A comment some readers dislike.", "author-1")


def report_in_embed(app: Flask, reader: str, comment_id: str, reason: str = "abusive") -> int:
    client = app.test_client()
    html = embed_page(client, reader_token(app, reader))
    data = {**report_fields(html, comment_id), "reason": reason}
    return client.post(f"/embed/comments/{comment_id}/reports", data=data).status_code


def reports(app: Flask) -> list[tuple[str, str]]:
    with app.extensions["modq"].session_factory() as session:
        return [(r.reader_id, r.reason) for r in session.query(Report).order_by(Report.id)]


def test_a_reader_reporting_twice_is_counted_once(app: Flask, target: str) -> None:
    assert report_in_embed(app, "ana", target) == 303
    assert report_in_embed(app, "ana", target, "spam") == 303
    assert reports(app) == [("ana", "abusive")]


def test_three_readers_hide_the_comment_until_a_moderator_decides(
    app: Flask, target: str, anonymous: FlaskClient
) -> None:
    for reader in ("ana", "ben"):
        report_in_embed(app, reader, target)
    assert f'id="c-{target}"' in embed_page(app.test_client())
    report_in_embed(app, "chloe", target)
    assert f'id="c-{target}"' not in embed_page(app.test_client())
    listed = anonymous.get("/api/v1/articles/a1/comments").get_json()
    assert listed["comments"] == [] and listed["total_threads"] == 0


def test_a_report_needs_a_reason_and_a_reader(app: Flask, target: str) -> None:
    assert report_in_embed(app, "ana", target, reason="boring") == 422
    client = app.test_client()
    embed_page(client)  # no token, anonymous comments off: no report form is shown
    assert f"/embed/comments/{target}/reports" not in embed_page(client)
    assert reports(app) == []


def test_reporters_are_rate_limited(app: Flask, target: str) -> None:
    runtime = app.extensions["modq"]
    limiter = RateLimiter(runtime.settings.redis_url, 60, "test", f"test:{uuid.uuid4().hex}")
    settings = dataclasses.replace(runtime.settings, rate_limit_reports=2)
    app.extensions["modq"] = dataclasses.replace(runtime, settings=settings, limiter=limiter)
    others = [comment(app, f"Comment {n} on energy.", f"author-{n + 2}") for n in range(3)]
    assert [report_in_embed(app, "ana", c) for c in others] == [303, 303, 429]
    assert len(reports(app)) == 2
    assert report_in_embed(app, "ben", target) == 303  # each reader has their own limit


def test_the_api_takes_reports_with_a_reader_token_only(
    app: Flask, target: str, anonymous: FlaskClient
) -> None:
    url = f"/api/v1/comments/{target}/reports"
    missing = anonymous.post(url, json={"reason": "spam"})
    assert missing.status_code == 401 and missing.get_json()["error"] == "reader_unauthorized"
    forged = reader_token(app, "ana", secret="not-the-sites-secret-but-long-enough")
    assert (
        anonymous.post(url, json={"reason": "spam"}, headers={"Reader-Token": forged}).status_code
        == 401
    )
    token = {"Reader-Token": reader_token(app, "ana")}
    first = anonymous.post(url, json={"reason": "spam"}, headers=token)
    again = anonymous.post(url, json={"reason": "abusive"}, headers=token)
    assert (first.status_code, again.status_code) == (201, 200)
    assert (first.get_json()["counted"], again.get_json()["counted"]) == (True, False)
    bad = anonymous.post(url, json={"reason": "boring"}, headers=token)
    assert bad.status_code == 422 and "reason" in bad.get_json()["fields"]
    assert (
        anonymous.post("/api/v1/comments/nope/reports", json={}, headers=token).status_code == 404
    )
