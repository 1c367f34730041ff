"""The README's receiver example, run as written: it accepts what modq signs, and refuses a
changed body, another secret and a replayed (6-minute-old) request."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from moderation.db import utcnow
from moderation.webhooks.signing import headers, new_event_id, new_secret

README = Path(__file__).resolve().parents[2] / "README.md"
BODY = json.dumps({"type": "comment.published", "timestamp": "", "data": {"comment_id": "c1",
                   "status": "published"}})  # fmt: skip


@pytest.fixture
def receiver_app(monkeypatch: pytest.MonkeyPatch) -> tuple[Flask, str]:
    text = README.read_text()
    found = re.search(r"<!-- receiver example -->\n```python\n(.*?)```", text, re.S)
    assert found, "the README shows a receiver example"
    secret = new_secret()
    monkeypatch.setenv("MODQ_WEBHOOK_SECRET", secret)
    namespace: dict[str, Any] = {"__name__": "receiver_example"}
    exec(compile(found.group(1), "README receiver example", "exec"), namespace)
    app: Flask = namespace["app"]
    return app, secret


def post(app: Flask, body: str, sent: dict[str, str]) -> int:
    return app.test_client().post("/modq-events", data=body, headers=sent).status_code


def test_the_receiver_accepts_what_modq_signs(receiver_app: tuple[Flask, str]) -> None:
    app, secret = receiver_app
    event_id = new_event_id()
    assert post(app, BODY, headers(secret, event_id, BODY, utcnow())) == 204
    assert post(app, BODY, headers(secret, event_id, BODY, utcnow())) == 204  # again: dropped


def test_the_receiver_refuses_forgeries_and_replays(receiver_app: tuple[Flask, str]) -> None:
    app, secret = receiver_app
    now, event_id = utcnow(), new_event_id()
    assert (
        post(app, BODY.replace("published", "rejected"), headers(secret, event_id, BODY, now))
        == 400
    )
    assert post(app, BODY, headers(new_secret(), event_id, BODY, now)) == 400
    old = now - timedelta(minutes=6)  # outside the 5-minute replay window
    assert post(app, BODY, headers(secret, event_id, BODY, old)) == 400
    assert post(app, BODY, headers(secret, event_id, BODY, now - timedelta(minutes=4))) == 204
