"""The admins' screens for sites and webhooks: secrets shown once, origins, the delivery log,
resend against a real receiver, the paused banner; every form refuses a missing CSRF token and
anonymous callers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from standardwebhooks.webhooks import Webhook

from moderation import accounts, audit, sites
from moderation.kinds import Action, Role
from moderation.webhooks import delivery, endpoints, outbox
from tests.conftest import MODERATOR_PASSWORD, csrf_token, log_in
from tests.support import factories
from tests.support.receiver import receiver
from tests.support.webhook_app import delivering_app

FORMS = [
    "/admin/sites/new",
    "/admin/sites/test/rotate",
    "/admin/sites/test/origins",
    "/admin/sites/test/intake",
    "/admin/sites/test/readers",
    "/admin/webhooks/new",
    "/admin/webhooks/1/rotate",
    "/admin/webhooks/1/remove",
    "/admin/webhooks/1/resume",
    "/admin/webhooks/deliveries/1/resend",
]


@pytest.fixture
def admin_app(tmp_path: Path) -> Iterator[Flask]:
    """The app delivering webhooks to 127.0.0.1 within the request."""
    with delivering_app(tmp_path) as application:
        yield application


def logged_in_as(app: Flask, username: str, role: Role) -> FlaskClient:
    with app.extensions["modq"].session_factory() as session:
        accounts.create_moderator(session, username, MODERATOR_PASSWORD, role=role)
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    return client


@pytest.fixture
def admin(admin_app: Flask) -> FlaskClient:
    """An admin's browser."""
    return logged_in_as(admin_app, "root", Role.ADMIN)


def shown_secret(html: str) -> str:
    found = re.search(r'id="secret" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def test_a_site_is_created_its_key_shown_once_and_rotated(admin: FlaskClient) -> None:
    token = csrf_token(admin, "/admin/sites/")
    created = admin.post("/admin/sites/new", data={"name": "gazette", "csrf_token": token})
    key = shown_secret(created.get_data(as_text=True))
    assert created.status_code == 200 and key.startswith("modq_")
    assert "Set-Cookie" not in created.headers or key not in created.headers["Set-Cookie"]
    listing = admin.get("/admin/sites/").get_data(as_text=True)
    assert key not in listing and key[:12] in listing
    article = {"title": "T", "url": "https://e.org/a", "body": "Energy."}
    written = admin.put(  # the key is remembered by the web process from now on
        "/api/v1/articles/a1", json=article, headers={"Authorization": f"Bearer {key}"}
    )
    assert written.status_code == 201
    rotated = admin.post("/admin/sites/gazette/rotate", data={"csrf_token": token})
    new_key = shown_secret(rotated.get_data(as_text=True))
    for used, status in ((key, 401), (new_key, 200)):
        answer = admin.put(
            "/api/v1/articles/a1", json=article, headers={"Authorization": f"Bearer {used}"}
        )
        assert answer.status_code == status


def test_origins_and_intake_are_changed_on_the_screen(admin: FlaskClient) -> None:
    token = csrf_token(admin, "/admin/sites/")
    admin.post("/admin/sites/new", data={"name": "gazette", "csrf_token": token})
    added = admin.post(
        "/admin/sites/gazette/origins",
        data={"add": "https://Gazette.example/", "csrf_token": token},
        follow_redirects=True,
    )
    assert "https://gazette.example" in added.get_data(as_text=True)
    bad = admin.post(
        "/admin/sites/gazette/origins",
        data={"add": "javascript:alert(1)", "csrf_token": token},
        follow_redirects=True,
    )
    assert "is not an origin" in bad.get_data(as_text=True)
    removed = admin.post(
        "/admin/sites/gazette/origins",
        data={"remove": "https://gazette.example", "csrf_token": token},
        follow_redirects=True,
    )
    assert "gazette: no origins" in removed.get_data(as_text=True)
    opened = admin.post(
        "/admin/sites/gazette/intake",
        data={"keyless": "1", "csrf_token": token},
        follow_redirects=True,
    )
    assert "WITHOUT an API key" in opened.get_data(as_text=True)


def test_the_embeds_reader_settings_are_changed_on_the_screen(
    admin: FlaskClient, admin_app: Flask
) -> None:
    token = csrf_token(admin, "/admin/sites/")
    admin.post("/admin/sites/new", data={"name": "gazette", "csrf_token": token})
    page = admin.get("/admin/sites/").get_data(as_text=True)
    assert "only verified readers may comment" in page and "are not told" in page
    for setting in ("anonymous", "reasons"):
        form = {"setting": setting, "on": "1", "csrf_token": token}
        assert admin.post("/admin/sites/gazette/readers", data=form).status_code == 302
    unknown = {"setting": "everything", "on": "1", "csrf_token": token}
    assert admin.post("/admin/sites/gazette/readers", data=unknown).status_code == 400
    with admin_app.extensions["modq"].session_factory() as session:
        site = sites.find_site(session, "gazette")
        assert site is not None and (site.anonymous_comments, site.show_reasons) == (True, True)
        entries = [e.data for e in audit.history(session, "site", "gazette")]
    assert entries[-1]["show_reasons"] is True, "each change is audited"


def test_an_endpoint_is_added_and_a_failed_delivery_resent_from_the_log(
    admin: FlaskClient, admin_app: Flask
) -> None:
    with receiver() as listening, admin_app.extensions["modq"].session_factory() as session:
        factories.site(session)
        token = csrf_token(admin, "/admin/webhooks/")
        added = admin.post(
            "/admin/webhooks/new",
            data={"site": "test", "url": listening.url, "event": "comment.published",
                  "csrf_token": token},
        )  # fmt: skip
        secret = shown_secret(added.get_data(as_text=True))
        listing = admin.get("/admin/webhooks/").get_data(as_text=True)
        assert listening.url in listing and secret not in listing
        listening.statuses = [500]
        factories.article(session)
        comment = factories.comment(session)
        factories.moderator_decides(session, comment.id, Action.PUBLISH)
        [pending] = outbox.take_due(session)
        assert delivery.attempt(session, pending, allow_private=True).status_code == 500
        log = admin.get("/admin/webhooks/1").get_data(as_text=True)
        assert "answered 500" in log and "comment.published" in log and "pending" in log
        resent = admin.post(
            f"/admin/webhooks/deliveries/{pending}/resend",
            data={"csrf_token": token},
            follow_redirects=True,
        )
        assert "is on its way again" in resent.get_data(as_text=True)
        _, second = listening.requests  # the resend went out with the request's push
        assert Webhook(secret).verify(second.body, second.headers)["data"]["comment_id"] == (
            comment.id
        )
        assert "answered 200" in admin.get("/admin/webhooks/1").get_data(as_text=True)


def test_a_paused_endpoint_is_announced_and_resumed(admin: FlaskClient, admin_app: Flask) -> None:
    with admin_app.extensions["modq"].session_factory() as session:
        endpoint = endpoints.add_endpoint(
            session, factories.site(session), "http://127.0.0.1:9/h", True
        )
        endpoints.pause(session, endpoint, "20 attempts in a row failed", endpoint.created_at)
        session.commit()
    for page in ("/admin/", "/admin/sites/", "/admin/webhooks/", "/admin/webhooks/1"):
        html = admin.get(page).get_data(as_text=True)
        assert "is <b>paused</b>" in html and "20 attempts in a row failed" in html, page
    token = csrf_token(admin, "/admin/webhooks/")
    admin.post("/admin/webhooks/1/resume", data={"csrf_token": token})
    assert "paused" not in admin.get("/admin/webhooks/").get_data(as_text=True)


@pytest.mark.parametrize("path", FORMS)
def test_every_form_refuses_a_missing_csrf_token(admin: FlaskClient, path: str) -> None:
    answer = admin.post(path, data={"name": "x", "url": "http://127.0.0.1:9/", "add": "x"})
    assert answer.status_code == 400


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", path) for path in FORMS]
    + [("GET", path) for path in ("/admin/sites/", "/admin/webhooks/", "/admin/webhooks/1")],
)
def test_anonymous_callers_are_sent_to_log_in(admin_app: Flask, method: str, path: str) -> None:
    client = admin_app.test_client()
    answer = client.open(path, method=method, data={"csrf_token": csrf_token(client)})
    assert answer.status_code == 302 and answer.location.startswith("/login")


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", path) for path in FORMS]
    + [("GET", path) for path in ("/admin/sites/", "/admin/webhooks/", "/admin/webhooks/1")],
)
def test_moderators_who_are_not_admins_are_refused(
    admin_app: Flask, method: str, path: str
) -> None:
    client = logged_in_as(admin_app, "alice", Role.MODERATOR)
    token = csrf_token(client, "/review/")
    answer = client.open(path, method=method, data={"csrf_token": token, "name": "x"})
    assert answer.status_code == 403
