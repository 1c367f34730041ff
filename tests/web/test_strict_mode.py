"""The stricter mode as moderators and sites see it: a banner in the workspace, and in the
close mode a 409 for comments on articles published since it began."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient

from moderation.decisions import duty
from moderation.kinds import StrictMode
from tests.support.workspace import in_review
from web.runtime import closing_cache


def start_strict_mode(app: Flask, mode: StrictMode) -> None:
    in_review(app, "forgotten", age=timedelta(hours=6))
    runtime = app.extensions["modq"]
    settings = dataclasses.replace(runtime.settings, strict_mode=mode.value)
    with runtime.session_factory() as session:
        duty.refresh(session, duty.DutyRules.from_settings(settings), datetime.now(UTC))
    # A web process notices within CLOSING_SECONDS; a fresh cache, as a process started now.
    app.extensions["modq"] = dataclasses.replace(
        runtime, closing=closing_cache(runtime.session_factory)
    )


def test_the_workspace_says_when_the_stricter_mode_applies(
    app: Flask, logged_in: FlaskClient
) -> None:
    assert "Stricter mode" not in logged_in.get("/review/").get_data(as_text=True)
    start_strict_mode(app, StrictMode.HOLD)
    html = logged_in.get("/review/").get_data(as_text=True)
    assert "Stricter mode since" in html and "240-minute limit" in html


def test_the_close_mode_refuses_comments_on_new_articles(app: Flask, client: FlaskClient) -> None:
    start_strict_mode(app, StrictMode.CLOSE)
    article = {"title": "New", "url": "https://news.example.org/n", "body": "Fresh news."}
    client.put("/api/v1/articles/fresh", json=article)
    payload = {"article_id": "fresh", "author": {"id": "u", "name": "U"}, "body": "First!"}
    response = client.post("/api/v1/comments", json=payload)
    assert response.status_code == 409
    assert response.get_json()["error"] == "commenting_closed"
    older = {"article_id": "a1", "author": {"id": "u", "name": "U"}, "body": "Still open."}
    assert client.post("/api/v1/comments", json=older).status_code == 202
