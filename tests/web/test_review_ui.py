"""The review UI: login, CSRF, escaping, the queue and decisions."""

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from moderation import accounts
from moderation.audit import history
from moderation.models import Comment, Moderator
from tests.conftest import MODERATOR_PASSWORD, csrf_token, log_in

ARTICLE = {
    "title": "Talks <b>resume</b>",
    "url": "https://news.example.org/a",
    "body": "Energy cooperation and shipping.",
    "section": "World",
}


def queued_comment(
    app: Flask, client: FlaskClient, body: str, parent: str | None = None, author: str = "Reader"
) -> str:
    client.put("/api/v1/articles/a1", json=ARTICLE)
    payload = {"article_id": "a1", "author": {"id": "u1", "name": author}, "body": body}
    if parent:
        payload["parent_id"] = parent
    comment_id = str(client.post("/api/v1/comments", json=payload).get_json()["id"])
    with app.extensions["modq"].session_factory() as session:
        session.execute(update(Comment).where(Comment.id == comment_id).values(status="review"))
        session.commit()
    return comment_id


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/review/"), ("post", "/review/comments/abc/decision")],
)
def test_moderator_pages_need_login(client: FlaskClient, method: str, path: str) -> None:
    token = csrf_token(client)  # a valid token, so only the missing login can refuse
    response = getattr(client, method)(path, data={"csrf_token": token, "action": "publish"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_login_rejects_a_wrong_password_and_accepts_the_right_one(
    client: FlaskClient, moderator: Moderator
) -> None:
    wrong = log_in(client, password="not the password")
    assert wrong.status_code == 401
    assert "Wrong username or password" in wrong.get_data(as_text=True)
    right = log_in(client)
    assert right.status_code == 302 and right.headers["Location"] == "/review/"
    assert client.get("/review/").status_code == 200


def test_forms_without_a_csrf_token_are_refused(client: FlaskClient, moderator: Moderator) -> None:
    response = client.post("/login", data={"username": "alice", "password": MODERATOR_PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_login_does_not_redirect_to_other_sites(client: FlaskClient, moderator: Moderator) -> None:
    token = csrf_token(client)
    response = client.post(
        "/login?next=//evil.example/x",
        data={"username": "alice", "password": MODERATOR_PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/review/"


def test_the_queue_shows_context_and_escapes_all_comment_text(
    app: Flask, client: FlaskClient, moderator: Moderator
) -> None:
    parent = queued_comment(app, client, "I am the <i>parent</i>", author="<b>Parent</b>")
    queued_comment(
        app,
        client,
        "<script>alert('x')</script> & more",
        parent=parent,
        author="Mallory <img src=x onerror=alert(1)>",
    )
    log_in(client)
    html = client.get("/review/").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html and "<i>parent" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more" in html
    assert "Mallory &lt;img src=x onerror=alert(1)&gt;" in html
    assert "In reply to &lt;b&gt;Parent&lt;/b&gt;" in html
    assert "Talks &lt;b&gt;resume&lt;/b&gt;" in html
    assert '<span class="count" id="queue-count">2</span>' in html


def test_queue_is_oldest_first(app: Flask, client: FlaskClient, moderator: Moderator) -> None:
    queued_comment(app, client, "older comment")
    queued_comment(app, client, "newer comment")
    log_in(client)
    html = client.get("/review/").get_data(as_text=True)
    assert html.index("older comment") < html.index("newer comment")


@pytest.mark.parametrize(("action", "status"), [("publish", "published"), ("reject", "rejected")])
def test_a_decision_records_who_and_when(
    app: Flask, client: FlaskClient, moderator: Moderator, action: str, status: str
) -> None:
    comment_id = queued_comment(app, client, "Decide me.")
    log_in(client)
    response = client.post(
        f"/review/comments/{comment_id}/decision",
        data={"action": action, "note": "checked", "csrf_token": csrf_token(client, "/review/")},
    )
    assert response.status_code == 302
    with app.extensions["modq"].session_factory() as session:
        comment = session.get(Comment, comment_id)
        assert comment.status == status and comment.decided_at is not None
        assert comment.decisions[-1].decided_by == "alice"
        audit = history(session, "comment", comment_id)[-1]
        assert (audit.actor, audit.data["action"], audit.data["note"]) == (
            "moderator:alice",
            action,
            "checked",
        )
    assert "Decide me." not in client.get("/review/").get_data(as_text=True)


def decide(client: FlaskClient, comment_id: str, action: str, **kwargs: Any) -> Any:
    """Post a decision from the queue page's form."""
    data = {"action": action, "csrf_token": csrf_token(client, "/review/")}
    return client.post(f"/review/comments/{comment_id}/decision", data=data, **kwargs)


def test_a_second_decision_on_the_same_comment_is_refused(
    app: Flask, client: FlaskClient, moderator: Moderator
) -> None:
    comment_id = queued_comment(app, client, "Two moderators, one comment.")
    log_in(client)
    decide(client, comment_id, "publish")
    second = decide(client, comment_id, "reject", follow_redirects=True)
    assert "already published (last decided by alice)" in second.get_data(as_text=True)
    with app.extensions["modq"].session_factory() as session:
        assert session.get(Comment, comment_id).status == "published"


def test_unknown_action_and_unknown_comment(
    app: Flask, client: FlaskClient, moderator: Moderator
) -> None:
    comment_id = queued_comment(app, client, "Some comment.")
    log_in(client)
    bad, missing = decide(client, comment_id, "delete"), decide(client, "nope", "publish")
    assert (bad.status_code, missing.status_code) == (400, 404)


def test_a_one_time_password_must_be_changed_before_reviewing(
    app: Flask, client: FlaskClient
) -> None:
    with app.extensions["modq"].session_factory() as session:
        username, one_time = accounts.ensure_first_moderator(session, "", "")
    assert username == "admin" and one_time
    log_in(client, "admin", one_time)
    assert client.get("/review/").headers["Location"] == "/account/password"
    token = csrf_token(client, "/account/password")
    short = client.post(
        "/account/password", data={"new_password": "short", "again": "short", "csrf_token": token}
    )
    assert short.status_code == 400
    changed = client.post(
        "/account/password",
        data={
            "new_password": "a much longer secret",
            "again": "a much longer secret",
            "csrf_token": token,
        },
    )
    assert changed.headers["Location"] == "/review/"
    assert client.get("/review/").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/review/")})
    assert log_in(client, "admin", one_time).status_code == 401
    assert log_in(client, "admin", "a much longer secret").status_code == 302


def test_changing_the_password_ends_other_sessions(app: Flask, moderator: Moderator) -> None:
    first, second = app.test_client(), app.test_client()
    log_in(first)
    log_in(second)
    token = csrf_token(first, "/account/password")
    first.post(
        "/account/password",
        data={
            "current_password": MODERATOR_PASSWORD,
            "new_password": "another long one",
            "again": "another long one",
            "csrf_token": token,
        },
    )
    assert first.get("/review/").status_code == 200
    assert second.get("/review/").status_code == 302


def test_logout_ends_the_session(client: FlaskClient, moderator: Moderator) -> None:
    log_in(client)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/review/")})
    assert client.get("/review/").status_code == 302


def test_pages_carry_a_content_security_policy(client: FlaskClient) -> None:
    policy = client.get("/login").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy


def test_the_banner_says_when_no_worker_reported(client: FlaskClient, moderator: Moderator) -> None:
    log_in(client)
    html = client.get("/review/").get_data(as_text=True)
    assert "No worker has reported its scorers yet" in html


def add_signal(
    app: Flask, comment_id: str, scorer: str, scores: dict[str, float], details: dict[str, Any]
) -> None:
    """Store one signal of `scorer` for a comment, as a worker would."""
    from moderation.models import Signal

    with app.extensions["modq"].session_factory() as session:
        session.add(
            Signal(
                comment_id=comment_id,
                scorer=scorer,
                version="v",
                state="ok",
                scores=scores,
                details=details,
            )
        )
        session.commit()


def test_highlights_are_escaped_too(app: Flask, client: FlaskClient, moderator: Moderator) -> None:
    body = "<b>you idiot</b> <script>x()</script>"
    comment_id = queued_comment(app, client, body)
    match = {"pattern": "idiot", "action": "reject", "start": 7, "end": 12, "text": "idiot"}
    add_signal(app, comment_id, "words", {"reject": 1.0}, {"matches": [match]})
    log_in(client)
    html = client.get("/review/").get_data(as_text=True)
    assert (
        '&lt;b&gt;you <mark class="word-reject">idiot</mark>&lt;/b&gt; '
        "&lt;script&gt;x()&lt;/script&gt;"
    ) in html
    assert "matched idiot" in html


def test_the_card_shows_the_closest_article_passage(
    app: Flask, client: FlaskClient, moderator: Moderator
) -> None:
    comment_id = queued_comment(app, client, "A comment.")
    add_signal(
        app, comment_id, "relevance", {"on_topic": 0.1}, {"best_passage": "Energy <talks> resumed."}
    )
    log_in(client)
    html = client.get("/review/").get_data(as_text=True)
    assert "Closest passage of the article:</span> Energy &lt;talks&gt; resumed." in html


def test_the_card_says_how_close_the_comment_is_to_the_discussion(
    app: Flask, client: FlaskClient, moderator: Moderator
) -> None:
    comment_id = queued_comment(app, client, "A comment.")
    discussion = {"siblings": 40, "close_to": 12, "centroid_margin": 0.1, "nearest_margin": 0.2}
    add_signal(app, comment_id, "relevance", {"on_topic": 0.9}, {"discussion": discussion})
    log_in(client)
    html = client.get("/review/").get_data(as_text=True)
    assert "Close to 12 published comments on this article" in html
    assert "(of the 40 newest)" in html
