"""The workspace through the test client: queues and counts, filters, the card with its
context, decide-and-next in one answer, skip, undo, override, live numbers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from moderation import accounts
from moderation.audit import history
from moderation.kinds import Role
from moderation.models import Moderator
from tests.conftest import MODERATOR_PASSWORD, log_in
from tests.support.workspace import card_of, in_review, script_post, status


@pytest.fixture
def bob(app: Flask) -> FlaskClient:
    """A second moderator, logged in on his own client."""
    with app.extensions["modq"].session_factory() as session:
        accounts.create_moderator(session, "bob", MODERATOR_PASSWORD, role=Role.MODERATOR)
    client = app.test_client()
    log_in(client, "bob")
    return client


def test_counts_per_queue_and_the_filtered_list(
    app: Flask, logged_in: FlaskClient, moderator: Moderator
) -> None:
    in_review(app, "about the harbour", codes=("off_topic",))
    in_review(app, "you fool", codes=("insult",), author_id="u2")
    html = logged_in.get("/review/?reason=insult").get_data(as_text=True)
    assert "you fool" in html and "about the harbour" not in html
    assert 'data-queue="review" id="queue-count">2</span>' in html
    assert '<span class="matching" id="matching">1</span>' in html
    published = logged_in.get("/review/?queue=published").get_data(as_text=True)
    assert "you fool" not in published
    reported = logged_in.get("/review/?queue=reported").get_data(as_text=True)
    assert "Nothing waits here." in reported and "you fool" not in reported


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("above=2", "above"),
        ("above=lots", "above"),
        ("since=yesterday", "since"),
        ("queue=mine", "queue"),
        ("order=random", "order"),
        ("page=0", "page"),
        ("text=" + "x" * 201, "text"),
    ],
)
def test_bad_filters_are_a_400_naming_the_field(
    logged_in: FlaskClient, query: str, field: str
) -> None:
    response = logged_in.get(f"/review/?{query}", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["message"].startswith(f"{field}:")


def test_decide_and_next_in_one_answer(app: Flask, logged_in: FlaskClient) -> None:
    first = in_review(app, "first", weight=5)
    second = in_review(app, "second")
    assert card_of(script_post(logged_in, "/review/next")) == first
    answer = script_post(
        logged_in, f"/review/comments/{first}/decision", action="reject", reason="insult"
    )
    body = answer.get_json()
    assert answer.status_code == 200 and body["comment_id"] == second
    assert body["message"].startswith("Rejected the comment by Reader.")
    assert status(app, first) == "rejected"
    with app.extensions["modq"].session_factory() as session:
        from moderation.models import Comment

        decision = session.get(Comment, first).decisions[-1]
        assert decision.reasons[0]["code"] == "insult"
        assert decision.reasons[0]["public"] == "Your comment appears to insult someone."


def test_the_card_shows_the_thread_the_author_and_the_keys(
    app: Flask, logged_in: FlaskClient
) -> None:
    opener = in_review(app, "I opened the thread", author="Opener", author_id="o1")
    parent = in_review(app, "I am the parent", author="Parent", author_id="p1", parent=opener)
    in_review(app, "a sibling reply", author="Sib", author_id="s1", parent=parent)
    reply = in_review(app, "the reply", author="Replier", author_id="r1", parent=parent)
    card = script_post(logged_in, f"/review/comments/{reply}/open").get_json()["card"]
    assert "Thread opened by Opener" in card and "In reply to Parent" in card
    assert "1 other replies to the same comment" in card and "a sibling reply" in card
    assert "0 published, 0 rejected" in card
    assert 'data-digit="4" data-reason="threat"' in card
    assert "Every score" in card


def test_skip_releases_the_card_and_brings_the_next(
    app: Flask, logged_in: FlaskClient, bob: FlaskClient
) -> None:
    first = in_review(app, "first", weight=5)
    second = in_review(app, "second")
    assert card_of(script_post(logged_in, "/review/next")) == first
    assert card_of(script_post(bob, "/review/next")) == second
    skipped = script_post(logged_in, f"/review/comments/{first}/skip", skip=first)
    assert card_of(skipped) is None  # bob holds the other one
    assert card_of(script_post(bob, f"/review/comments/{second}/skip", skip=second)) == first


def test_a_card_held_by_another_is_refused_with_who(
    app: Flask, logged_in: FlaskClient, bob: FlaskClient
) -> None:
    only = in_review(app, "only")
    assert card_of(script_post(logged_in, "/review/next")) == only
    assert card_of(script_post(bob, "/review/next")) is None
    opened = script_post(bob, f"/review/comments/{only}/open")
    assert (
        opened.status_code == 409
        and "alice is working on this comment" in opened.get_json()["message"]
    )
    refused = script_post(bob, f"/review/comments/{only}/decision", action="publish")
    assert refused.status_code == 409 and "alice is working" in refused.get_json()["message"]
    assert status(app, only) == "review"
    html = bob.get("/review/").get_data(as_text=True)
    assert "taken by alice" in html


def test_undo_within_the_window_brings_the_card_back(app: Flask, logged_in: FlaskClient) -> None:
    only = in_review(app, "only")
    script_post(logged_in, "/review/next")
    script_post(logged_in, f"/review/comments/{only}/decision", action="reject")
    undone = script_post(logged_in, "/review/undo")
    assert undone.status_code == 200 and card_of(undone) == only
    assert status(app, only) == "review"
    again = script_post(logged_in, "/review/undo")
    assert again.status_code == 409 and "Nothing to undo" in again.get_json()["message"]
    with app.extensions["modq"].session_factory() as session:
        assert [e.action for e in history(session, "comment", only)][-2:] == [
            "comment.decided",
            "comment.undone",
        ]


def test_after_the_window_an_override_is_audited_as_such(
    app: Flask, logged_in: FlaskClient
) -> None:
    app.extensions["modq"] = _with_undo_seconds(app, 0)
    only = in_review(app, "only")
    script_post(logged_in, f"/review/comments/{only}/decision", action="publish")
    assert script_post(logged_in, "/review/undo").status_code == 409
    overridden = script_post(logged_in, f"/review/comments/{only}/override", action="reject")
    assert overridden.status_code == 200 and status(app, only) == "rejected"
    same = script_post(logged_in, f"/review/comments/{only}/override", action="reject")
    assert same.status_code == 422
    with app.extensions["modq"].session_factory() as session:
        entry = history(session, "comment", only)[-1]
        assert (entry.action, entry.data["before"], entry.data["action"]) == (
            "comment.overridden",
            "published",
            "reject",
        )
    audit_page = logged_in.get("/review/audit/?action=comment.overridden").get_data(as_text=True)
    assert only in audit_page and '<b class="override">override</b>' in audit_page


def _with_undo_seconds(app: Flask, seconds: int) -> object:
    import dataclasses

    runtime = app.extensions["modq"]
    return dataclasses.replace(
        runtime, settings=dataclasses.replace(runtime.settings, undo_seconds=seconds)
    )


def test_live_counts_and_rows(app: Flask, logged_in: FlaskClient) -> None:
    before = logged_in.get("/review/live").get_json()
    assert before["counts"]["review"] == 0 and before["ids"] == []
    new = in_review(app, "just arrived", age=timedelta(seconds=1))
    after = logged_in.get("/review/live").get_json()
    assert after["counts"]["review"] == 1 and after["ids"] == [new]
    assert "just arrived" in after["rows"]


def test_a_stale_page_without_a_valid_token_is_refused_clearly(
    app: Flask, logged_in: FlaskClient
) -> None:
    only = in_review(app, "only")
    response = logged_in.post(
        f"/review/comments/{only}/decision",
        data={"action": "publish"},
        headers={"X-CSRFToken": "stale", "Accept": "application/json"},
    )
    assert response.status_code == 400 and "CSRF" in response.get_json()["message"]
    assert status(app, only) == "review"


def test_renewing_keeps_the_card_and_fails_once_another_holds_it(
    app: Flask, logged_in: FlaskClient, bob: FlaskClient
) -> None:
    only = in_review(app, "only")
    script_post(logged_in, "/review/next")
    assert script_post(logged_in, f"/review/comments/{only}/renew").status_code == 204
    assert script_post(bob, f"/review/comments/{only}/renew").status_code == 409
