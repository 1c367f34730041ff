"""`modq webhook` and the site commands of issue 11 (`rotate-secret`, `origins`), through
Flask's CLI runner, with a real receiver on 127.0.0.1."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from standardwebhooks.webhooks import Webhook

from moderation.kinds import Action
from moderation.webhooks import delivery
from moderation.webhooks.outbox import take_due
from tests.support import factories
from tests.support.receiver import receiver
from tests.support.webhook_app import delivering_app
from tests.web.test_site_cli import ARTICLE, printed_key, run


@pytest.fixture
def private_app(tmp_path: Path) -> Iterator[Flask]:
    """The app with internal webhook addresses allowed (the receiver is on 127.0.0.1)."""
    with delivering_app(tmp_path) as application:
        yield application


def printed_secret(output: str) -> str:
    found = re.search(r"signing secret \(shown only now, store it safely\): (whsec_\S+)", output)
    assert found, output
    return found.group(1)


def test_an_endpoint_is_added_listed_with_its_secret_masked_and_removed(
    private_app: Flask,
) -> None:
    run(private_app, "site", "create", "test")  # the site the factories write to
    with receiver() as listening:
        added = run(private_app, "webhook", "add", listening.url, "--site", "test")
        secret = printed_secret(added)
        listing = run(private_app, "webhook", "list")
        assert listening.url in listing and "active" in listing and "every event" in listing
        assert secret not in listing and secret[:10] in listing
        with private_app.extensions["modq"].session_factory() as session:
            factories.article(session)
            comment = factories.comment(session)
            factories.moderator_decides(session, comment.id, Action.PUBLISH)
            [pending] = take_due(session)
            assert delivery.attempt(session, pending, allow_private=True)
        [request] = listening.requests
        assert Webhook(secret).verify(request.body, request.headers)["data"]["status"] == (
            "published"
        )
    assert "removed webhook 1" in run(private_app, "webhook", "remove", "1")
    assert "no webhook endpoints yet" in run(private_app, "webhook", "list")


def test_internal_addresses_and_other_schemes_are_refused_by_default(app: Flask) -> None:
    runner = app.test_cli_runner()
    run(app, "site", "create", "gazette")
    inside = runner.invoke(args=["webhook", "add", "http://127.0.0.1:9/h", "--site", "gazette"])
    assert inside.exit_code != 0 and "MODQ_WEBHOOK_PRIVATE_ADDRESSES" in inside.output
    scheme = runner.invoke(args=["webhook", "add", "ftp://example.org/", "--site", "gazette"])
    assert scheme.exit_code != 0 and "http:// or https://" in scheme.output
    nowhere = runner.invoke(args=["webhook", "add", "https://e.org/", "--site", "nowhere"])
    assert nowhere.exit_code != 0 and "no site named 'nowhere'" in nowhere.output
    missing = runner.invoke(args=["webhook", "remove", "42"])
    assert missing.exit_code != 0 and "no webhook endpoint 42" in missing.output


def test_event_types_secret_rotation_and_resume(private_app: Flask) -> None:
    run(private_app, "site", "create", "gazette")
    added = run(
        private_app,
        "webhook", "add", "http://127.0.0.1:9/h", "--site", "gazette",
        "--event", "comment.published", "--event", "comment.reported",
    )  # fmt: skip
    assert "(comment.published, comment.reported)" in added
    first = printed_secret(added)
    second = printed_secret(run(private_app, "webhook", "rotate-secret", "1"))
    assert first != second and first not in run(private_app, "webhook", "list")
    assert "resumed webhook 1" in run(private_app, "webhook", "resume", "1")


def test_rotating_a_sites_secret_revokes_its_old_keys(app: Flask, anonymous: FlaskClient) -> None:
    old = printed_key(run(app, "site", "create", "gazette"))
    kept = printed_key(run(app, "site", "rotate-secret", "gazette", "--keep-old"))
    rotated = run(app, "site", "rotate-secret", "gazette")
    new = printed_key(rotated)
    assert "every other key of this site is revoked" in rotated
    for token, status in ((old, 401), (kept, 401), (new, 201)):
        response = anonymous.put(
            "/api/v1/articles/a1", json=ARTICLE, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == status


def test_origins_are_added_and_removed_and_allow_cors(app: Flask, anonymous: FlaskClient) -> None:
    run(app, "site", "create", "gazette")
    assert "lists no origins" in run(app, "site", "origins", "gazette")
    listed = run(
        app, "site", "origins", "gazette", "--add", "https://Gazette.example/",
        "--add", "http://localhost:3000",
    )  # fmt: skip
    assert listed.split() == ["https://gazette.example", "http://localhost:3000"]
    asked = {"Origin": "https://gazette.example"}
    assert (
        anonymous.get("/api/v1/articles/x", headers=asked).headers.get(
            "Access-Control-Allow-Origin"
        )
        == "https://gazette.example"
    )
    left = run(app, "site", "origins", "gazette", "--remove", "https://gazette.example")
    assert left.split() == ["http://localhost:3000"]
    assert (
        "Access-Control-Allow-Origin"
        not in anonymous.get("/api/v1/articles/x", headers=asked).headers
    )
    bad = app.test_cli_runner().invoke(args=["site", "origins", "gazette", "--add", "nope"])
    assert bad.exit_code != 0 and "is not an origin" in bad.output
