"""The workspace's reported queue: comments readers reported, with how many and why; a
moderator keeps one published (shown again) or removes it, and its reports are resolved."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from moderation.decisions import queues
from moderation.kinds import Queue, ReportReason
from moderation.readers.reports import report_comment
from tests.conftest import csrf_token
from tests.support.readers import comment, with_article
from tests.support.workspace import script_post, status

HIDE_AFTER = 3


def reported(app: Flask, body: str, readers: list[str]) -> str:
    """A published comment reported by each of these readers."""
    comment_id = comment(app, body, "author-1")
    with app.extensions["modq"].session_factory() as session:
        for reader in readers:
            report_comment(session, comment_id, reader, ReportReason.ABUSIVE, HIDE_AFTER)
    return comment_id


def reported_count(app: Flask) -> int:
    with app.extensions["modq"].session_factory() as session:
        return queues.counts(session)[Queue.REPORTED]


def test_reported_comments_fill_the_queue_and_the_card_says_why(
    app: Flask, logged_in: FlaskClient
) -> None:
    with_article(app)
    hidden = reported(app, "Hidden by three readers.", ["ana", "ben", "chloe"])
    once = reported(app, "Reported once.", ["dan"])
    comment(app, "Nobody minds this one.", "author-2")
    assert reported_count(app) == 2
    page = logged_in.get("/review/?queue=reported").get_data(as_text=True)
    assert hidden in page and once in page and "Nobody minds" not in page
    card = script_post(logged_in, f"/review/comments/{hidden}/open").get_json()["card"]
    assert "Reported by 3 readers" in card and f"/review/comments/{hidden}/reports" in card


def test_removing_or_keeping_resolves_the_reports(
    app: Flask, logged_in: FlaskClient, anonymous: FlaskClient
) -> None:
    with_article(app)
    removed = reported(app, "Readers were right.", ["ana", "ben", "chloe"])
    kept = reported(app, "Readers were wrong.", ["ana", "ben", "chloe"])
    assert anonymous.get("/api/v1/articles/a1/comments").get_json()["comments"] == []
    answer = script_post(logged_in, f"/review/comments/{removed}/reports", action="reject")
    assert answer.status_code == 200 and "Removed" in answer.get_json()["message"]
    form = logged_in.post(
        f"/review/comments/{kept}/reports",
        data={"action": "publish", "csrf_token": csrf_token(logged_in, "/review/")},
    )
    assert form.status_code == 302 and "queue=reported" in form.headers["Location"]
    assert (status(app, removed), status(app, kept)) == ("rejected", "published")
    assert reported_count(app) == 0
    shown = anonymous.get("/api/v1/articles/a1/comments").get_json()["comments"]
    assert [c["id"] for c in shown] == [kept], "the kept comment shows again"


def test_a_decision_needs_a_known_action(app: Flask, logged_in: FlaskClient) -> None:
    with_article(app)
    target = reported(app, "Reported.", ["ana"])
    answer = script_post(logged_in, f"/review/comments/{target}/reports", action="hide")
    assert answer.status_code == 400 and reported_count(app) == 1
