"""The review UI's defences: headers, the favicon, and a decision kept when its form expired."""

import re
import time
from html import unescape

from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from moderation.models import Comment, Moderator
from tests.conftest import MODERATOR_PASSWORD, log_in
from tests.web.test_review_ui import queued_comment

# ---- issue 10, finding 8 (headers, favicon, expired CSRF tokens) -----------------------------


def test_pages_forbid_foreign_form_targets_base_urls_and_framing(client: FlaskClient) -> None:
    headers = client.get("/login").headers
    policy = headers["Content-Security-Policy"]
    assert "form-action 'self'" in policy and "base-uri 'none'" in policy
    assert headers["X-Frame-Options"] == "DENY"


def test_logged_in_pages_are_not_cached(client: FlaskClient, moderator: Moderator) -> None:
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    log_in(client)
    for path in ("/review/", "/review/spot-checks", "/review/stats", "/readyz"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def test_the_favicon_is_served_and_linked(client: FlaskClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    icon.close()
    assert 'rel="icon" href="/static/favicon.ico"' in client.get("/login").get_data(as_text=True)


class TwoHoursAgo(TimestampSigner):
    """Signs as if it were two hours ago (Flask-WTF's tokens last an hour)."""

    def get_timestamp(self) -> int:
        return int(time.time()) - 7200


def expired_csrf_token(client: FlaskClient) -> str:
    """A CSRF token for this session, expired."""
    client.get("/login")  # puts the raw token in the session
    with client.session_transaction() as session:
        raw = session["csrf_token"]
    serializer = URLSafeTimedSerializer("test-secret", salt="wtf-csrf-token", signer=TwoHoursAgo)
    return str(serializer.dumps(raw))


def status_of(app: Flask, comment_id: str) -> str:
    with app.extensions["modq"].session_factory() as session:
        return session.get(Comment, comment_id).status  # type: ignore[union-attr]


def test_an_expired_form_keeps_the_decision_and_asks_again(
    app: Flask, client: FlaskClient, moderator: Moderator
) -> None:
    comment_id = queued_comment(app, client, "Ministers <b>met</b>.")
    log_in(client)
    expired = expired_csrf_token(client)
    note = 'too "sweeping" <i>here</i>'
    page = client.post(
        f"/review/comments/{comment_id}/decision",
        data={"action": "reject", "note": note, "csrf_token": expired},
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and "Confirm again" in html
    assert "expired" in html and "Ministers &lt;b&gt;met&lt;/b&gt;." in html
    assert status_of(app, comment_id) == "review", "nothing is done on an expired token"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    assert unescape(fields["action"]) == "reject" and unescape(fields["note"]) == note
    action = re.search(r'<form method="post" action="([^"]+)" class="confirm">', html)
    assert action is not None
    confirmed = client.post(action.group(1), data={k: unescape(v) for k, v in fields.items()})
    assert confirmed.status_code == 302
    assert status_of(app, comment_id) == "rejected"


def test_an_expired_login_form_is_not_echoed_back(
    client: FlaskClient, moderator: Moderator
) -> None:
    expired = expired_csrf_token(client)
    page = client.post(
        "/login", data={"username": "alice", "password": MODERATOR_PASSWORD, "csrf_token": expired}
    )
    assert page.status_code == 400 and MODERATOR_PASSWORD not in page.get_data(as_text=True)
