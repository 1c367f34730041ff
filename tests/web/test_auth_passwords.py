"""Passwords and where a login leads: weak passwords, the one-time password, `next`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from flask import Flask
from flask.testing import FlaskClient

from moderation import accounts
from moderation.models import Moderator
from tests.conftest import MODERATOR_PASSWORD, csrf_token, log_in, migrated_settings
from tests.support.logins import audit_entries
from tests.web.test_review_ui import queued_comment
from web.cli.devserver import first_moderator


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
    settings = migrated_settings(tmp_path, admin_username="boss", admin_password=" " * 12)
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
