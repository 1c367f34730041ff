"""Logging in and out: throttling, audit, last login, revocable sessions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from moderation import accounts
from moderation.comments.intake import hash_address
from moderation.models import Comment, Moderator
from tests.conftest import MODERATOR_PASSWORD, csrf_token, log_in, migrated_settings
from tests.support.logins import WRONG, audit_entries, from_address, time_passes
from tests.web.test_review_ui import queued_comment
from web import create_app

# ---- finding 4: throttling, audit, last login -----------------------------------------------


def test_failures_slow_an_account_down_with_doubling_delays(
    app: Flask, client: FlaskClient, moderator: Moderator
) -> None:
    for _ in range(5):  # MODQ_LOGIN_ACCOUNT_FREE_FAILURES
        assert log_in(client, password=WRONG).status_code == 401
    delays = []
    for _ in range(4):
        refused = log_in(client)  # the right password, during the delay
        assert refused.status_code == 429
        delay = int(refused.headers["Retry-After"])
        assert f"try again in {delay} s" in refused.get_data(as_text=True)
        delays.append(delay)
        time_passes(app, seconds=delay)
        assert log_in(client, password=WRONG).status_code == 401
    assert delays == [2, 4, 8, 16]
    time_passes(app, seconds=32)
    assert log_in(client).status_code == 302


def test_the_delay_is_per_account_from_any_address(
    client: FlaskClient, moderator: Moderator
) -> None:
    for number in range(5):
        from_address(client, f"203.0.113.{number}")
        log_in(client, password=WRONG)
    from_address(client, "198.51.100.1")
    assert log_in(client).status_code == 429


def test_one_address_trying_many_usernames_is_slowed(tmp_path: Path) -> None:
    settings = migrated_settings(tmp_path / "other", login_address_free_failures=3)
    app = create_app(settings, {"TESTING": True})
    with app.extensions["modq"].session_factory() as session:
        accounts.create_moderator(session, "bob", MODERATOR_PASSWORD)
    client = from_address(app.test_client(), "203.0.113.50")
    for name in ("carol", "dave", "erin"):
        assert log_in(client, name, WRONG).status_code == 401
    assert log_in(client, "bob").status_code == 429
    assert log_in(from_address(app.test_client(), "203.0.113.51"), "bob").status_code == 302
    app.extensions["modq"].engine.dispose()


def test_a_successful_login_resets_the_account_count(client: FlaskClient, moderator: Any) -> None:
    for _ in range(4):
        log_in(client, password=WRONG)
    assert log_in(client).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/review/")})
    for _ in range(4):
        assert log_in(client, password=WRONG).status_code == 401
    assert log_in(client).status_code == 302


def test_failed_logins_are_audited_without_the_password(
    app: Flask, client: FlaskClient, moderator: Moderator
) -> None:
    from_address(client, "203.0.113.7")
    log_in(client, "alice", "hunter2 hunter2")
    log_in(client, "mallory", "swordfish!!")
    entries = audit_entries(app, "moderator.login_failed")
    assert [e.data["username"] for e in entries] == ["alice", "mallory"]
    assert [e.data["reason"] for e in entries] == ["wrong_password", "unknown_username"]
    expected_hash = hash_address("203.0.113.7", app.secret_key)  # type: ignore[arg-type]
    assert {e.data["address_hash"] for e in entries} == {expected_hash}
    assert (entries[0].subject_type, entries[0].subject_id) == ("moderator", str(moderator.id))
    assert {e.actor for e in entries} == {"anonymous"}
    stored = repr([(e.actor, e.subject_id, e.data) for e in entries])
    assert "hunter2" not in stored and "swordfish" not in stored and "203.0.113.7" not in stored


def test_after_login_the_moderator_sees_the_last_login_and_failures_since(
    app: Flask, client: FlaskClient, moderator: Moderator
) -> None:
    from_address(client, "198.51.100.23")
    first = log_in(client)
    assert "first login" in client.get(first.headers["Location"]).get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/review/")})
    time_passes(app, hours=3)
    stranger = from_address(app.test_client(), "203.0.113.66")
    for _ in range(3):
        log_in(stranger, password=WRONG)
    from_address(client, "192.0.2.10")
    page = client.get(log_in(client).headers["Location"]).get_data(as_text=True)
    assert "Last login:" in page and "from 198.51.100.23" in page
    assert "3 failed login attempts since" in page


# ---- finding 5: revocable sessions, timeouts ------------------------------------------------


def test_a_copied_cookie_is_refused_after_logout(
    app: Flask, client: FlaskClient, moderator: Moderator
) -> None:
    comment_id = queued_comment(app, client, "Decide me later.")
    log_in(client)
    token = csrf_token(client, "/review/")
    cookie = client.get_cookie("session")
    assert cookie is not None
    client.post("/logout", data={"csrf_token": token})

    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    assert thief.get("/review/").status_code == 302
    thief.set_cookie("session", cookie.value)
    response = thief.post(
        f"/review/comments/{comment_id}/decision", data={"action": "publish", "csrf_token": token}
    )
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    with app.extensions["modq"].session_factory() as session:
        assert session.get(Comment, comment_id).status == "review"  # type: ignore[union-attr]


def test_logout_ends_only_that_session(app: Flask, moderator: Moderator) -> None:
    laptop, phone = app.test_client(), app.test_client()
    log_in(laptop)
    log_in(phone)
    laptop.post("/logout", data={"csrf_token": csrf_token(laptop, "/review/")})
    assert laptop.get("/review/").status_code == 302
    assert phone.get("/review/").status_code == 200
    assert [e.actor for e in audit_entries(app, "moderator.logout")] == ["moderator:alice"]


def test_an_idle_session_ends(app: Flask, client: FlaskClient, moderator: Moderator) -> None:
    log_in(client)
    time_passes(app, minutes=59)
    assert client.get("/review/").status_code == 200  # activity keeps it alive...
    time_passes(app, minutes=59)
    assert client.get("/review/").status_code == 200
    time_passes(app, minutes=61)  # ...idleness past MODQ_SESSION_IDLE_MINUTES ends it
    response = client.get("/review/", follow_redirects=True)
    assert "without activity" in response.get_data(as_text=True)
    assert client.get("/review/").status_code == 302


def test_a_session_ends_at_its_absolute_limit(
    app: Flask, client: FlaskClient, moderator: Moderator
) -> None:
    log_in(client)
    for _ in range(23):  # nearly 12 hours of steady work
        time_passes(app, minutes=30)
        assert client.get("/review/").status_code == 200
    time_passes(app, minutes=29)
    assert client.get("/review/").status_code == 200
    time_passes(app, minutes=2)
    response = client.get("/review/", follow_redirects=True)
    assert "12-hour limit" in response.get_data(as_text=True)


def test_timeouts_follow_the_settings(tmp_path: Path) -> None:
    settings = migrated_settings(tmp_path, session_idle_minutes=5, session_max_hours=1)
    app = create_app(settings, {"TESTING": True})
    with app.extensions["modq"].session_factory() as session:
        accounts.create_moderator(session, "alice", MODERATOR_PASSWORD)
    client = app.test_client()
    log_in(client)
    time_passes(app, minutes=4)
    assert client.get("/review/").status_code == 200
    time_passes(app, minutes=6)
    assert client.get("/review/").status_code == 302
    app.extensions["modq"].engine.dispose()
