"""The admin screens: moderators and roles, the word list with its test box, the policy."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from moderation.audit import history
from moderation.models import Moderator, PolicyVersion
from tests.conftest import csrf_token, log_in
from tests.support.workspace import in_review, script_post


def post(client: FlaskClient, path: str, **form: str) -> object:
    form["csrf_token"] = csrf_token(client, "/admin/")
    return client.post(path, data=form, follow_redirects=True)


def test_an_admin_adds_a_moderator_with_a_one_time_password(
    app: Flask, admin_client: FlaskClient
) -> None:
    page = post(admin_client, "/admin/moderators", username="carol", role="moderator")
    html = page.get_data(as_text=True)  # type: ignore[attr-defined]
    one_time = re.search(r"one-time password \(shown once\): ([\w-]+)", html)
    assert one_time is not None
    newcomer = app.test_client()
    log_in(newcomer, "carol", one_time.group(1))
    assert newcomer.get("/review/").headers["Location"] == "/account/password"


def test_roles_change_and_the_last_admin_stays_one(
    app: Flask, admin_client: FlaskClient, moderator: Moderator
) -> None:
    with app.extensions["modq"].session_factory() as session:
        root = session.scalar(select(Moderator).where(Moderator.username == "root"))
    post(admin_client, f"/admin/moderators/{moderator.id}/role", role="admin")
    post(admin_client, f"/admin/moderators/{moderator.id}/role", role="moderator")
    refused = admin_client.post(
        f"/admin/moderators/{root.id}/role",
        data={"role": "moderator", "csrf_token": csrf_token(admin_client, "/admin/")},
        headers={"Accept": "application/json"},
    )
    assert refused.status_code == 409 and "last active admin" in refused.get_json()["message"]
    with app.extensions["modq"].session_factory() as session:
        changes = [e.data for e in history(session, "moderator", moderator.id)]
        assert [c.get("after") for c in changes if "after" in c] == ["admin", "moderator"]


def test_deactivating_a_moderator_ends_their_sessions(
    app: Flask, admin_client: FlaskClient, logged_in: FlaskClient, moderator: Moderator
) -> None:
    assert logged_in.get("/review/").status_code == 200
    post(admin_client, f"/admin/moderators/{moderator.id}/active", active="0")
    assert logged_in.get("/review/").status_code == 302


def test_words_are_added_tested_and_removed(admin_client: FlaskClient) -> None:
    post(admin_client, "/admin/words/add", pattern="moron*", action="review", note="insult")
    bad = post(admin_client, "/admin/words/add", pattern="*", action="review")
    assert "Not added" in bad.get_data(as_text=True)  # type: ignore[attr-defined]
    tested = post(admin_client, "/admin/words", text="what a m0r0nic idea")
    html = tested.get_data(as_text=True)  # type: ignore[attr-defined]
    assert "<b>review</b> moron* matched “m0r0nic”" in html
    post(admin_client, "/admin/words/remove", pattern="moron*")
    tested = post(admin_client, "/admin/words", text="what a m0r0nic idea")
    assert "No entry matches." in tested.get_data(as_text=True)  # type: ignore[attr-defined]


def test_the_policy_is_validated_at_its_path_tried_and_activated(
    app: Flask, admin_client: FlaskClient
) -> None:
    in_review(app, "waiting")
    typo = post(
        admin_client, "/admin/policy", document="labels:\n  threat:\n    reject_abve: 0.5\n"
    )
    html = typo.get_data(as_text=True)  # type: ignore[attr-defined]
    assert 'id="policy-error"' in html and "labels.threat.reject_abve" in html
    good = "labels:\n  threat:\n    reject_above: 0.6\n"
    trial = post(admin_client, "/admin/policy", document=good, step="trial")
    assert "stored decisions replayed" in trial.get_data(as_text=True)  # type: ignore[attr-defined]
    post(admin_client, "/admin/policy/activate", document=good, note="stricter on threats")
    with app.extensions["modq"].session_factory() as session:
        version = session.scalar(select(PolicyVersion))
        assert version is not None and version.note == "stricter on threats"
        assert version.created_by == "moderator:root"
    refused = admin_client.post(
        "/admin/policy/activate",
        data={"document": "nonsense: 1", "csrf_token": csrf_token(admin_client, "/admin/")},
    )
    assert refused.status_code == 422


def test_a_moderator_cannot_reach_the_admin_screens(logged_in: FlaskClient) -> None:
    assert logged_in.get("/admin/words").status_code == 403
    assert script_post(logged_in, "/admin/words/add", pattern="x", action="flag").status_code == 403
