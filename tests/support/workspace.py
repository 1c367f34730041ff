"""Helpers for the workspace tests: comments put in review as the pipeline would, and the
page's script's requests (JSON, CSRF header)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from moderation.db import utcnow
from moderation.decisions.priority import priority_value, reason_codes
from moderation.kinds import Action, CommentStatus
from moderation.models import Comment, Decision
from moderation.policy.reasons import public_sentence
from tests.conftest import csrf_token, site_client

ARTICLE = {
    "title": "Talks <b>resume</b>",
    "url": "https://news.example.org/a",
    "body": "Energy cooperation and shipping.",
    "section": "World",
}


def in_review(
    app: Flask,
    body: str,
    author: str = "Reader",
    author_id: str = "u1",
    parent: str | None = None,
    article: str = "a1",
    weight: float = 1.0,
    age: timedelta = timedelta(0),
    codes: tuple[str, ...] = ("abusive",),
) -> str:
    """A comment through the API, then sent to review by a policy decision with `codes`."""
    client = site_client(app)
    client.put(f"/api/v1/articles/{article}", json=ARTICLE)
    payload: dict[str, Any] = {
        "article_id": article,
        "author": {"id": author_id, "name": author},
        "body": body,
    }
    if parent:
        payload["parent_id"] = parent
    comment_id = str(client.post("/api/v1/comments", json=payload).get_json()["id"])
    created = utcnow() - age
    with app.extensions["modq"].session_factory() as session:
        session.execute(
            update(Comment)
            .where(Comment.id == comment_id)
            .values(
                status=CommentStatus.REVIEW,
                created_at=created,
                decided_at=created,
                priority=priority_value(created, weight),
                priority_why=f"weight {weight}",
                reason_codes=reason_codes(codes),
            )
        )
        reasons = [
            {"code": c, "message": f"{c} found", "public": public_sentence(c)} for c in codes
        ]
        session.add(Decision(comment_id=comment_id, action=Action.REVIEW, reasons=reasons))
        session.commit()
    return comment_id


def status(app: Flask, comment_id: str) -> str:
    """A comment's status now."""
    with app.extensions["modq"].session_factory() as session:
        comment = session.get(Comment, comment_id)
        assert comment is not None
        return comment.status


def script_post(client: FlaskClient, path: str, **form: str) -> Any:
    """A POST as the page's script sends it: JSON wanted, CSRF token in a header."""
    token = csrf_token(client, "/review/")
    return client.post(
        path, data=form, headers={"X-CSRFToken": token, "Accept": "application/json"}
    )


def card_of(response: Any) -> str | None:
    """The comment id of the card in a script answer."""
    body = response.get_json()
    assert body is not None, response.get_data(as_text=True)
    return body["comment_id"]


def created_at(app: Flask, comment_id: str) -> datetime:
    """When a comment was posted, as stored."""
    with app.extensions["modq"].session_factory() as session:
        comment = session.get(Comment, comment_id)
        assert comment is not None
        return comment.created_at


def waiting(
    session: Session,
    body: str = "A comment about energy.",
    author_id: str = "u1",
    article: str = "a1",
    weight: float = 1.0,
    age: timedelta = timedelta(0),
    codes: tuple[str, ...] = ("abusive",),
    language: str | None = "en",
    status: str = CommentStatus.REVIEW,
    detoxify: dict[str, float] | None = None,
) -> Comment:
    """A comment in review (or `status`) stored with a session, as the pipeline leaves it."""
    from moderation.comments.intake import find_article
    from tests.support import factories

    if find_article(session, article) is None:
        factories.article(session, article)
    comment = factories.comment(session, body, article_id=article, author_id=author_id)
    created = utcnow() - age
    comment.status, comment.created_at, comment.decided_at = status, created, created
    comment.priority, comment.priority_why = priority_value(created, weight), f"weight {weight}"
    comment.reason_codes, comment.language = reason_codes(codes), language
    comment.detoxify_scores = detoxify
    session.commit()
    return comment
