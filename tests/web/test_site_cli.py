"""`modq site`: create, list, update, keys added and revoked, all through Flask's CLI runner."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

ARTICLE = {"title": "T", "url": "https://e.org/a", "body": "Energy."}


def run(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def printed_key(output: str) -> str:
    found = re.search(r"API key \(shown only now, store it safely\): (modq_\S+)", output)
    assert found, output
    return found.group(1)


def test_a_site_is_created_with_a_key_that_writes(app: Flask, anonymous: FlaskClient) -> None:
    output = run(app, "site", "create", "gazette", "--origin", "https://Gazette.example/")
    token = printed_key(output)
    created = anonymous.put(
        "/api/v1/articles/a1", json=ARTICLE, headers={"Authorization": f"Bearer {token}"}
    )
    assert created.status_code == 201
    listing = run(app, "site", "list")
    assert "gazette: https://gazette.example; writes need a key" in listing
    assert token not in listing and token[:12] in listing, "only the key's first characters"
    assert "last used 20" in listing


def test_keys_are_added_and_revoked(app: Flask, anonymous: FlaskClient) -> None:
    first = printed_key(run(app, "site", "create", "gazette"))
    second = printed_key(run(app, "site", "key", "add", "gazette", "--label", "rotation"))
    used = anonymous.put(  # remembered by the web process from now on
        "/api/v1/articles/a1", json=ARTICLE, headers={"Authorization": f"Bearer {first}"}
    )
    assert used.status_code == 201
    assert "revoked key 1" in run(app, "site", "key", "revoke", "1")
    assert "(rotation)" in run(app, "site", "list")
    for token, status in ((first, 401), (second, 200)):
        response = anonymous.put(
            "/api/v1/articles/a1", json=ARTICLE, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == status


def test_opening_intake_is_explicit_and_warned_about(app: Flask) -> None:
    run(app, "site", "create", "gazette")
    opened = run(
        app, "site", "update", "gazette", "--origin", "https://gazette.example", "--open-intake"
    )
    assert "OPEN INTAKE" in opened and "WARNING: site 'gazette' takes comments WITHOUT" in opened
    closed = run(app, "site", "update", "gazette", "--closed-intake")
    assert "writes need a key" in closed and "WARNING" not in closed


def test_mistakes_are_named(app: Flask) -> None:
    runner = app.test_cli_runner()
    bad_origin = runner.invoke(args=["site", "create", "gazette", "--origin", "gazette.example"])
    assert bad_origin.exit_code != 0 and "is not an origin" in bad_origin.output
    missing = runner.invoke(args=["site", "key", "add", "nowhere"])
    assert missing.exit_code != 0 and "no site named 'nowhere'" in missing.output
    unknown = runner.invoke(args=["site", "key", "revoke", "42"])
    assert unknown.exit_code != 0 and "no API key with id 42" in unknown.output


def test_the_reader_secret_is_printed_once_and_the_embed_settings_change(app: Flask) -> None:
    created = run(app, "site", "create", "gazette")
    found = re.search(r"Reader-token secret .*: (\S+)$", created, re.MULTILINE)
    assert found, created
    secret = found.group(1)
    listing = run(app, "site", "list")
    assert secret not in listing and f"reader secret {secret[:4]}…***" in listing
    assert "verified readers only" in listing
    changed = run(app, "site", "update", "gazette", "--anonymous", "--show-reasons")
    assert "anonymous comments, reasons shown" in changed
    back = run(app, "site", "update", "gazette", "--verified-only", "--hide-reasons")
    assert "verified readers only;" in back and "reasons shown" not in back
