"""Logging in and out: throttling, audit, last login, revocable sessions, passwords, `next`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from moderation import accounts
from moderation.comments.intake import hash_address
from moderation.db import upgrade
from moderation.models import AuditEntry, Comment, Moderator
from tests.conftest import MODERATOR_PASSWORD, csrf_token, log_in, make_settings
from tests.web.test_review_ui import queued_comment
from web import create_app
from web.cli.devserver import first_moderator

WRONG = "not the password"


def from_address(client: FlaskClient, address: str) -> FlaskClient:
    """Make the client's requests come from `address`."""
    client.environ_base["REMOTE_ADDR"] = address
    return client


def time_passes(app: Flask, **delta: float) -> None:
    """Move every stored login and session time back, as if the clock had moved forward."""
    from moderation.logins.models import LoginThrottle, ModeratorSession

    shift = timedelta(**delta)
    with app.extensions["modq"].session_factory() as session:
        for row in session.scalars(select(LoginThrottle)):
            row.last_failure_at -= shift
            row.blocked_until = row.blocked_until and row.blocked_until - shift
        for login in session.scalars(select(ModeratorSession)):
            login.created_at -= shift
            login.last_seen_at -= shift
        session.commit()


def audit_entries(app: Flask, action: str) -> list[AuditEntry]:
    with app.extensions["modq"].session_factory() as session:
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return list(session.scalars(query))


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
    settings = make_settings(tmp_path / "other", login_address_free_failures=3)
    upgrade(settings.database_url)
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
    settings = make_settings(tmp_path, session_idle_minutes=5, session_max_hours=1)
    upgrade(settings.database_url)
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


# ---- finding 8: weak passwords, the one-time password, `next` -------------------------------


def change_password(client: FlaskClient, new: str, current: str | None = None) -> Any:
    data = {
        "new_password": new,
        "again": new,
        "csrf_token": csrf_token(client, "/account/password"),
    }
    if current is not None:
        data["current_password"] = current
    return client.post("/account/password", data=data)


@pytest.mark.parametrize(
    "weak", [" " * 10, " " * 30, "a b c d e f g h", "aaaaaaaaaaaa", "\t\n" * 8 + "abc"]
)
def test_weak_new_passwords_are_refused(
    client: FlaskClient, moderator: Moderator, weak: str
) -> None:
    log_in(client)
    response = change_password(client, weak, MODERATOR_PASSWORD)
    assert response.status_code == 400 and "Not changed" in response.get_data(as_text=True)
    assert log_in(app_client(client), password=weak).status_code == 401


def app_client(client: FlaskClient) -> FlaskClient:
    return client.application.test_client()


def test_the_username_is_not_a_password(app: Flask) -> None:
    factory = app.extensions["modq"].session_factory
    with factory() as session, pytest.raises(accounts.AccountError, match="username"):
        accounts.create_moderator(session, "night-editor", " Night-Editor ")


def test_modq_up_names_a_weak_admin_password(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, admin_username="boss", admin_password=" " * 12)
    upgrade(settings.database_url)
    with pytest.raises(click.ClickException, match="MODQ_ADMIN_PASSWORD: the password must"):
        first_moderator(settings)


@pytest.fixture
def one_time(app: Flask) -> Iterator[str]:
    with app.extensions["modq"].session_factory() as session:
        username, password = accounts.ensure_first_moderator(session, "", "")
    assert username == "admin" and password
    yield password


def test_the_one_time_password_works_once(app: Flask, one_time: str) -> None:
    first = app.test_client()
    assert log_in(first, "admin", one_time).status_code == 302
    assert log_in(app.test_client(), "admin", one_time).status_code == 401
    failure = audit_entries(app, "moderator.login_failed")[-1]
    assert failure.data["reason"] == "one_time_password_used"
    # the session it opened may still set the new password, but not to the one-time one
    assert change_password(first, one_time).status_code == 400
    assert change_password(first, "a much longer secret").headers["Location"] == "/review/"
    assert log_in(app.test_client(), "admin", "a much longer secret").status_code == 302


@pytest.mark.parametrize(
    "target",
    [
        "/review/comments/abc/decision",  # POST only: it answered 405 after login
        "/logout",
        "/login",
        "/nowhere",
        "/\\evil.example/",
        "//evil.example/x",
        "https://evil.example/",
        "/api/v1/comments/abc",  # not a page
    ],
)
def test_login_ignores_a_next_that_is_not_a_moderator_page(
    client: FlaskClient, moderator: Moderator, target: str
) -> None:
    response = client.post(
        "/login",
        query_string={"next": target},
        data={
            "username": "alice",
            "password": MODERATOR_PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.headers["Location"] == "/review/"
    assert client.get("/review/").status_code == 200


def test_login_follows_a_next_to_a_moderator_page(
    client: FlaskClient, moderator: Moderator
) -> None:
    response = client.post(
        "/login",
        query_string={"next": "/review/stats?days=7"},
        data={
            "username": "alice",
            "password": MODERATOR_PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.headers["Location"] == "/review/stats?days=7"


def test_a_refused_post_does_not_become_the_next_page(
    app: Flask, client: FlaskClient, moderator: Moderator
) -> None:
    comment_id = queued_comment(app, client, "Some comment.")
    response = client.post(
        f"/review/comments/{comment_id}/decision",
        data={"action": "publish", "csrf_token": csrf_token(client)},
    )
    assert response.headers["Location"] == "/login"


def test_modq_moderator_reset_password_prints_a_one_time_password(
    app: Flask, moderator: Moderator
) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["moderator", "reset-password", "alice"])
    assert result.exit_code == 0, result.output
    one_time = result.output.split()[-1]
    client = app.test_client()
    assert log_in(client, "alice", MODERATOR_PASSWORD).status_code == 401
    assert log_in(client, "alice", one_time).status_code == 302
    assert client.get("/review/").headers["Location"] == "/account/password"
    missing = runner.invoke(args=["moderator", "reset-password", "nobody"])
    assert missing.exit_code != 0 and "no moderator named 'nobody'" in missing.output


def test_guessing_the_current_password_on_the_password_form_is_throttled_too(
    app: Flask, logged_in: FlaskClient
) -> None:
    for _ in range(5):
        assert change_password(logged_in, "a new long secret", "a wrong guess").status_code == 400
    refused = change_password(logged_in, "a new long secret", MODERATOR_PASSWORD)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "2"
    entries = audit_entries(app, "moderator.login_failed")
    assert [e.actor for e in entries] == ["moderator:alice"] * 5
